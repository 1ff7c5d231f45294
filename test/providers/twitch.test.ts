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
 * every message and must be answered 200, text/plain, with the raw `challenge` and nothing else. The standard
 * matrix is test/support/provider-matrix.ts; this file holds what is particular to Twitch.
 */
import { createHash, createHmac, randomInt, randomUUID } from 'node:crypto';
import { expectRejected, invalidUtf8Json, providerHarness } from '../support/provider-harness';
import { providerMatrix, withHeader, without, type SignedRequest } from '../support/provider-matrix';

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

/** An RFC 3339 timestamp with nanoseconds, as Twitch sends them. */
function rfc3339Nanos(date: Date): string {
  return date.toISOString().replace('Z', `${String(randomInt(1_000_000)).padStart(6, '0')}Z`);
}

function streamOnline(extra: Record<string, unknown> = {}): string {
  const broadcaster = 'testBroadcaster';
  return JSON.stringify({
    subscription: { id: randomUUID(), status: 'enabled', type: 'stream.online', version: '1', condition: { broadcaster_user_id: '1337' }, transport: { method: 'webhook', callback: 'https://hooks.example.com/webhooks/twitch' }, created_at: new Date().toISOString(), cost: 0 },
    event: { id: String(randomInt(1e9)), broadcaster_user_id: '1337', broadcaster_user_login: broadcaster.toLowerCase(), broadcaster_user_name: broadcaster, type: 'live', started_at: new Date().toISOString(), ...extra },
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

function signed(body: string | Buffer, options: SignOptions = {}): SignedRequest {
  const id = options.id ?? randomUUID();
  const timestamp = options.timestamp ?? rfc3339Nanos(new Date());
  return {
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

const nanosOf = (at: Date) => at.toISOString().replace('Z', '000000Z');
const minutesAgo = (minutes: number) => rfc3339Nanos(new Date(Date.now() - minutes * 60_000));
const SIGNATURE = 'Twitch-Eventsub-Message-Signature';
const MESSAGE_ID = 'Twitch-Eventsub-Message-Id';

const challenge = 'pogchamp-kappa-360noscope-vohiyo';
const verificationBody = () =>
  JSON.stringify({
    challenge,
    subscription: { id: randomUUID(), status: 'webhook_callback_verification_pending', type: 'channel.follow', version: '2', cost: 1, condition: { broadcaster_user_id: '12826', moderator_user_id: '12826' }, transport: { method: 'webhook', callback: 'https://hooks.example.com/webhooks/twitch' }, created_at: new Date().toISOString() },
  });
const forgedVerification = () => signed(verificationBody(), { messageType: 'webhook_callback_verification', secret: OTHER_SECRET });

const matrix = providerMatrix({
  kind: 'twitch',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  rotation: { stored: 'rotated-eventsub-secret-0123456789' },
  event: streamOnline,
  // A time the matrix gives is written with nanoseconds of zero, the same for sign and signBytes, which it compares
  sign: (body, options) => signed(body, { secret: options?.secret, id: options?.id, timestamp: options?.at && nanosOf(options.at) }),
  signBytes: (body, { id, at }) => signed(body, { id, timestamp: nanosOf(at), subscriptionType: 'channel.update' }).headers,
  signatureHeader: SIGNATURE,
  requiredHeaders: [['Twitch-Eventsub-Message-Timestamp', 'timestamp_missing']],
  // Twitch: refuse a message older than 10 minutes
  windowSeconds: 600,
  expected: (request) => ({ deliveryId: request.headers[MESSAGE_ID], eventType: request.headers['Twitch-Eventsub-Subscription-Type'] }),
  // A retry: the same message id, signed anew, its retry count up
  redeliver: (request) => withHeader(signed(request.body, { id: request.headers[MESSAGE_ID] }), 'Twitch-Eventsub-Message-Retry', '1'),
  tamper: ['testBroadcaster', 'Mallory'],
  refusals: [
    ['a signature that is not hex', () => {
      const request = signed(streamOnline());
      return withHeader(request, SIGNATURE, `sha256=zz${request.headers[SIGNATURE].slice(9)}`);
    }, 'signature_malformed'],
    ['a signature without its sha256= prefix', () => {
      const request = signed(streamOnline());
      return withHeader(request, SIGNATURE, request.headers[SIGNATURE].slice('sha256='.length));
    }, 'signature_malformed'],
    ['a changed message id (the id is signed)', () => withHeader(signed(streamOnline()), MESSAGE_ID, randomUUID()), 'signature_mismatch'],
    ['a changed timestamp (the timestamp is signed as sent)', () => {
      const request = signed(streamOnline());
      const timestamp = request.headers['Twitch-Eventsub-Message-Timestamp'];
      const last = Number(timestamp.at(-2));
      return withHeader(request, 'Twitch-Eventsub-Message-Timestamp', `${timestamp.slice(0, -2)}${(last + 1) % 10}Z`);
    }, 'signature_mismatch'],
    ['a timestamp 11 minutes old (Twitch: refuse older than 10 minutes)', () => signed(streamOnline(), { timestamp: minutesAgo(11) }), 'timestamp_out_of_window'],
    ['a timestamp 11 minutes ahead', () => signed(streamOnline(), { timestamp: minutesAgo(-11) }), 'timestamp_out_of_window'],
    ['a timestamp that is not RFC 3339 (Unix seconds)', () => signed(streamOnline(), { timestamp: String(Math.floor(Date.now() / 1000)) }), 'timestamp_malformed'],
    ['an unsigned webhook_callback_verification', () => without(forgedVerification(), SIGNATURE), 'signature_missing'],
    ['a webhook_callback_verification signed with another secret', forgedVerification, 'signature_mismatch'],
  ],
  handshake: {
    name: 'webhook_callback_verification',
    request: () => signed(verificationBody(), { messageType: 'webhook_callback_verification', subscriptionType: 'channel.follow' }),
    // 200 text/plain with the raw challenge
    expectAnswer: (answer) => {
      expect(answer.status).toBe(200);
      expect(String(answer.headers['Content-Type'])).toMatch(/^text\/plain(;|$)/);
      expect(answer.text).toBe(challenge);
    },
  },
  invalidUtf8Body: () => invalidUtf8Json('{"subscription":{"type":"channel.update"},"event":{"title":"', '"}}'),
  invalidUtf8Expected: (request) => ({ deliveryId: request.headers[MESSAGE_ID], eventType: 'channel.update' }),
});

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

test('a retry 9 minutes after the first attempt is still inside the 10-minute window', async () => {
  // GIVEN a retry signed 9 minutes ago
  const request = withHeader(signed(streamOnline(), { timestamp: minutesAgo(9) }), 'Twitch-Eventsub-Message-Retry', '3');

  // WHEN / THEN it is accepted
  const answer = await matrix.harness().send(request);
  expect(answer.body).toMatchObject({ ok: true, code: 'accepted', deliveryId: request.headers[MESSAGE_ID] });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('a revocation is signed like a notification, accepted and enqueued for the processor', async () => {
  // GIVEN a signed revocation
  const body = JSON.stringify({ subscription: { id: randomUUID(), status: 'authorization_revoked', type: 'channel.follow', version: '2', cost: 1, condition: { broadcaster_user_id: '12826' }, transport: { method: 'webhook', callback: 'https://hooks.example.com/webhooks/twitch' }, created_at: new Date().toISOString() } });
  const request = signed(body, { messageType: 'revocation', subscriptionType: 'channel.follow' });

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN the processor gets it
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.headers[MESSAGE_ID] });
  const [message] = await matrix.harness().messages();
  expect(message).toMatchObject({ deliveryId: request.headers[MESSAGE_ID], eventType: 'channel.follow', body });
});

test('without a message id the body hash keys the delivery, and the signature over an empty id must match', async () => {
  // GIVEN a request without Twitch-Eventsub-Message-Id, signed over an empty id
  const body = streamOnline();
  const timestamp = rfc3339Nanos(new Date());
  const request = without(signed(body, { timestamp }), MESSAGE_ID);
  request.headers[SIGNATURE] = sign(SECRET, '', timestamp, body);

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN the body's hash is its delivery id
  const hash = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: hash });
  expect(await matrix.harness().messages()).toHaveLength(1);
});
