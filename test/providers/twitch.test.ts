/**
 * Twitch EventSub (webhook transport). Twitch publishes no npm package that signs or verifies its webhooks, so
 * requests are signed as Twitch documents it (https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message):
 * `Twitch-Eventsub-Message-Signature: sha256=` + hex HMAC-SHA256(secret, message id + timestamp + raw body), where
 * the timestamp is the `Twitch-Eventsub-Message-Timestamp` header exactly as sent (RFC 3339, nanoseconds), and a
 * message older than 10 minutes must be refused. That signer is anchored to a delivery recorded from the Twitch CLI
 * and kept as a test fixture by twitch-rs/twitch_api (`verify_request`, secret `secretabcd`): it must reproduce
 * that delivery's signature exactly.
 *
 * The delivery id is `Twitch-Eventsub-Message-Id` (the same on every retry), the event type
 * `Twitch-Eventsub-Subscription-Type`. The `webhook_callback_verification` handshake
 * (https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#responding-to-a-challenge-request) is signed like
 * every message and must be answered 200, text/plain, with the raw `challenge` and nothing else.
 */
import { createHash, createHmac, randomInt, randomUUID } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SECRET = 'twitch-eventsub-secret-0123456789';
const OTHER_SECRET = 'another-eventsub-secret-9876543210';

/** A channel.follow notification recorded from the Twitch CLI (twitch-rs/twitch_api, test `verify_request`). */
const RECORDED = {
  secret: 'secretabcd',
  body: '{"subscription":{"id":"ae2ff348-e102-16be-a3eb-6830c1bf38d2","status":"enabled","type":"channel.follow","version":"1","condition":{"broadcaster_user_id":"44429626"},"transport":{"method":"webhook","callback":"null"},"created_at":"2021-02-19T23:47:00.7621315Z"},"event":{"user_id":"28408015","user_login":"testFromUser","user_name":"testFromUser","broadcaster_user_id":"44429626","broadcaster_user_login":"44429626","broadcaster_user_name":"testBroadcaster"}}',
  headers: {
    'Twitch-Eventsub-Message-Id': 'ae2ff348-e102-16be-a3eb-6830c1bf38d2',
    'Twitch-Eventsub-Message-Retry': '0',
    'Twitch-Eventsub-Message-Signature': 'sha256=d10f5bd9474b7ac7bd7105eb79c2d52768b4d0cd2a135982c3bf5a1d59a78823',
    'Twitch-Eventsub-Message-Timestamp': '2021-02-19T23:47:00.8091512Z',
    'Twitch-Eventsub-Message-Type': 'notification',
    'Twitch-Eventsub-Subscription-Type': 'channel.follow',
    'Twitch-Eventsub-Subscription-Version': '1',
  },
};

let twitch: Harness;

beforeAll(async () => {
  twitch = await providerHarness('twitch', { secret: SECRET });
});

/** An RFC 3339 timestamp with nanoseconds, as Twitch sends them. */
function rfc3339Nanos(date: Date): string {
  return date.toISOString().replace('Z', `${String(randomInt(1_000_000)).padStart(6, '0')}Z`);
}

function streamOnline(broadcaster = 'testBroadcaster'): string {
  return JSON.stringify({
    subscription: { id: randomUUID(), status: 'enabled', type: 'stream.online', version: '1', condition: { broadcaster_user_id: '1337' }, transport: { method: 'webhook', callback: 'https://hooks.example.com/webhooks/twitch' }, created_at: new Date().toISOString(), cost: 0 },
    event: { id: String(randomInt(1e9)), broadcaster_user_id: '1337', broadcaster_user_login: broadcaster.toLowerCase(), broadcaster_user_name: broadcaster, type: 'live', started_at: new Date().toISOString() },
  });
}

interface SignOptions {
  secret?: string;
  id?: string;
  timestamp?: string;
  messageType?: string;
  subscriptionType?: string;
}

/** Signed as Twitch documents: sha256= + hex HMAC-SHA256 over message id + timestamp + body bytes. */
function sign(secret: string, id: string, timestamp: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(Buffer.concat([Buffer.from(id + timestamp, 'utf8'), Buffer.from(body)])).digest('hex')}`;
}

function signed(body: string | Buffer, options: SignOptions = {}): SignedRequest & { id: string } {
  const id = options.id ?? randomUUID();
  const timestamp = options.timestamp ?? rfc3339Nanos(new Date());
  return {
    id,
    body,
    headers: {
      'Twitch-Eventsub-Message-Id': id,
      'Twitch-Eventsub-Message-Retry': '0',
      'Twitch-Eventsub-Message-Type': options.messageType ?? 'notification',
      'Twitch-Eventsub-Message-Signature': sign(options.secret ?? SECRET, id, timestamp, body),
      'Twitch-Eventsub-Message-Timestamp': timestamp,
      'Twitch-Eventsub-Subscription-Type': options.subscriptionType ?? 'stream.online',
      'Twitch-Eventsub-Subscription-Version': '1',
    },
  };
}

function withHeader<T extends SignedRequest>(request: T, name: string, value: string): T {
  return { ...request, headers: { ...request.headers, [name]: value } };
}

function without(request: SignedRequest, name: string): SignedRequest {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

const minutesAgo = (minutes: number) => rfc3339Nanos(new Date(Date.now() - minutes * 60_000));
const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');
const SIGNATURE = 'Twitch-Eventsub-Message-Signature';

describe('the signer is anchored to a delivery recorded from the Twitch CLI', () => {
  test('it reproduces the recorded signature exactly', () => {
    // GIVEN / WHEN the recorded notification is signed again with the documented scheme
    const { headers, body, secret } = RECORDED;
    const signature = sign(secret, headers['Twitch-Eventsub-Message-Id'], headers['Twitch-Eventsub-Message-Timestamp'], body);

    // THEN it is the signature Twitch sent
    expect(signature).toBe(headers[SIGNATURE]);
  });

  test('the recorded delivery, replayed at the time it was sent, is accepted byte for byte', async () => {
    // GIVEN a receiver whose clock reads one second after the recorded timestamp
    const clock = jest.spyOn(Date, 'now').mockReturnValue(Date.parse(RECORDED.headers['Twitch-Eventsub-Message-Timestamp']) + 1000);
    try {
      const recorded = await providerHarness('twitch', { secret: RECORDED.secret, id: 'twitch-recorded' });

      // WHEN the recorded request is delivered unchanged
      const answer = await recorded.send({ body: RECORDED.body, headers: RECORDED.headers });

      // THEN it is accepted under its message id and subscription type
      expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: 'ae2ff348-e102-16be-a3eb-6830c1bf38d2' });
      const messages = await recorded.messages();
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ deliveryId: 'ae2ff348-e102-16be-a3eb-6830c1bf38d2', eventType: 'channel.follow', body: RECORDED.body });
    } finally {
      clock.mockRestore();
    }
  });

  test('the recorded delivery, replayed today, is refused as stale', async () => {
    // GIVEN a receiver holding the recorded secret, with the real clock
    const recorded = await providerHarness('twitch', { secret: RECORDED.secret, id: 'twitch-recorded-today' });

    // WHEN / THEN the genuine but years-old message is refused before any signature check
    await expectRejected(recorded, { body: RECORDED.body, headers: RECORDED.headers }, 'timestamp_out_of_window');
  });
});

test('a genuine notification is accepted and enqueued once, keyed by its message id', async () => {
  // GIVEN a stream.online notification signed as Twitch signs it
  const request = signed(streamOnline());

  // WHEN it is delivered
  const answer = await twitch.send(request);

  // THEN it is accepted, and one envelope carries the message id, the subscription type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.id });
  const messages = await twitch.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'twitch', deliveryId: request.id, eventType: 'stream.online', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body: request.body });
});

describe('forged or broken requests are refused', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(streamOnline('Alice'));
      return { ...request, body: String(request.body).replace('Alice', 'Mallory') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(streamOnline());
      const signature = request.headers[SIGNATURE];
      return withHeader(request, SIGNATURE, signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0'));
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => {
      const request = signed(streamOnline());
      return withHeader(request, SIGNATURE, `sha256=zz${request.headers[SIGNATURE].slice(9)}`);
    }, 'signature_malformed'],
    ['a signature without its sha256= prefix', () => {
      const request = signed(streamOnline());
      return withHeader(request, SIGNATURE, request.headers[SIGNATURE].slice('sha256='.length));
    }, 'signature_malformed'],
    ['a changed message id (the id is signed)', () => withHeader(signed(streamOnline()), 'Twitch-Eventsub-Message-Id', randomUUID()), 'signature_mismatch'],
    ['a changed timestamp (the timestamp is signed as sent)', () => {
      const request = signed(streamOnline());
      // The same instant to the microsecond, one nanosecond later: still in the window, but not what was signed.
      const timestamp = request.headers['Twitch-Eventsub-Message-Timestamp'];
      const last = Number(timestamp.at(-2));
      return withHeader(request, 'Twitch-Eventsub-Message-Timestamp', `${timestamp.slice(0, -2)}${(last + 1) % 10}Z`);
    }, 'signature_mismatch'],
    ['a signature made with another secret', () => signed(streamOnline(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no signature header', () => without(signed(streamOnline()), SIGNATURE), 'signature_missing'],
    ['a timestamp 11 minutes old (Twitch: refuse older than 10 minutes)', () => signed(streamOnline(), { timestamp: minutesAgo(11) }), 'timestamp_out_of_window'],
    ['a timestamp 11 minutes ahead', () => signed(streamOnline(), { timestamp: minutesAgo(-11) }), 'timestamp_out_of_window'],
    ['no timestamp header', () => without(signed(streamOnline()), 'Twitch-Eventsub-Message-Timestamp'), 'timestamp_missing'],
    ['a timestamp that is not RFC 3339 (Unix seconds)', () => signed(streamOnline(), { timestamp: String(Math.floor(Date.now() / 1000)) }), 'timestamp_malformed'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN / WHEN / THEN a 401 with the right code, nothing enqueued, nothing recorded
    await expectRejected(twitch, make(), code);
  });
});

test('a retry 9 minutes after the first attempt is still inside the 10-minute window', async () => {
  // GIVEN a notification whose signed timestamp is 9 minutes old (Twitch keeps the original message on retries)
  const request = withHeader(signed(streamOnline(), { timestamp: minutesAgo(9) }), 'Twitch-Eventsub-Message-Retry', '3');

  // WHEN it is delivered
  const answer = await twitch.send(request);

  // THEN it is accepted and enqueued
  expect(answer.body).toMatchObject({ ok: true, code: 'accepted', deliveryId: request.id });
  expect(await twitch.messages()).toHaveLength(1);
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(streamOnline('café ☕ 🚀 漢字'));

  // WHEN it is delivered
  const answer = await twitch.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await twitch.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN bytes that are not UTF-8, signed over the raw bytes as documented
  const body = invalidUtf8Json('{"subscription":{"type":"channel.update"},"event":{"title":"', '"}}');
  const request = signed(body, { subscriptionType: 'channel.update' });

  // WHEN it is delivered
  const answer = await twitch.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await twitch.messages();
  expect(message).toMatchObject({ deliveryId: request.id, eventType: 'channel.update', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

describe('the webhook_callback_verification handshake', () => {
  const challenge = 'pogchamp-kappa-360noscope-vohiyo';
  const verificationBody = () =>
    JSON.stringify({
      challenge,
      subscription: { id: randomUUID(), status: 'webhook_callback_verification_pending', type: 'channel.follow', version: '2', cost: 1, condition: { broadcaster_user_id: '12826', moderator_user_id: '12826' }, transport: { method: 'webhook', callback: 'https://hooks.example.com/webhooks/twitch' }, created_at: new Date().toISOString() },
    });

  test('is answered 200 text/plain with the raw challenge, and neither enqueued nor recorded', async () => {
    // GIVEN a signed verification request, as Twitch sends it after a subscription is created
    const before = await twitch.records();
    const request = signed(verificationBody(), { messageType: 'webhook_callback_verification', subscriptionType: 'channel.follow' });

    // WHEN it is delivered
    const answer = await twitch.send(request);

    // THEN the answer is exactly the challenge, as plain text
    expect(answer.status).toBe(200);
    expect(String(answer.headers['Content-Type'])).toMatch(/^text\/plain(;|$)/);
    expect(answer.text).toBe(challenge);
    expect(await twitch.messages()).toEqual([]);
    expect(await twitch.records()).toBe(before);
  });

  test('is refused when unsigned or signed with another secret', async () => {
    // GIVEN verification requests that Twitch did not sign
    const forged = signed(verificationBody(), { messageType: 'webhook_callback_verification', secret: OTHER_SECRET });

    // WHEN / THEN neither is answered with the challenge: a forger cannot confirm a subscription
    await expectRejected(twitch, without(forged, SIGNATURE), 'signature_missing');
    await expectRejected(twitch, forged, 'signature_mismatch');
  });
});

test('a revocation is signed like a notification, accepted and enqueued for the processor', async () => {
  // GIVEN a revocation message (Twitch expects a 2xx; there is no event, only the subscription and its status)
  const body = JSON.stringify({ subscription: { id: randomUUID(), status: 'authorization_revoked', type: 'channel.follow', version: '2', cost: 1, condition: { broadcaster_user_id: '12826' }, transport: { method: 'webhook', callback: 'https://hooks.example.com/webhooks/twitch' }, created_at: new Date().toISOString() } });
  const request = signed(body, { messageType: 'revocation', subscriptionType: 'channel.follow' });

  // WHEN it is delivered
  const answer = await twitch.send(request);

  // THEN it is accepted and enqueued under its message id
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.id });
  const [message] = await twitch.messages();
  expect(message).toMatchObject({ deliveryId: request.id, eventType: 'channel.follow', body });
});

test('a retried message (same id, new signature) is not enqueued twice', async () => {
  // GIVEN a delivered notification, not yet processed
  const first = signed(streamOnline());
  expect((await twitch.send(first)).status).toBe(200);
  expect(await twitch.messages()).toHaveLength(1);
  const records = await twitch.records();

  // WHEN Twitch retries it: same message id, re-signed with a new timestamp
  const retry = withHeader(signed(first.body, { id: first.id }), 'Twitch-Eventsub-Message-Retry', '1');
  const answer = await twitch.send(retry);

  // THEN the id is still held by the first attempt: no new record, nothing enqueued
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 200, code: 'duplicate' });
  expect(await twitch.records()).toBe(records);
  expect(await twitch.messages()).toEqual([]);
});

test('without a message id the body hash keys the delivery, and the signature over an empty id must match', async () => {
  // GIVEN a notification with no Twitch-Eventsub-Message-Id, signed over an empty id
  const body = streamOnline();
  const timestamp = rfc3339Nanos(new Date());
  const request = without(signed(body, { timestamp }), 'Twitch-Eventsub-Message-Id');
  request.headers[SIGNATURE] = sign(SECRET, '', timestamp, body);

  // WHEN it is delivered
  const answer = await twitch.send(request);

  // THEN it verifies and is keyed by the body hash (the fallback of the catalog)
  const hash = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: hash });
  expect(await twitch.messages()).toHaveLength(1);
});
