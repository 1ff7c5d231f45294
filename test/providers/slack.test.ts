/**
 * Slack: `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}` keyed with the
 * signing secret. `@slack/bolt` only verifies, so requests are signed as Slack documents it
 * (https://api.slack.com/authentication/verifying-requests-from-slack) with node:crypto, and Bolt's own
 * `isValidSlackRequest` is the oracle: it must accept every request ours accepts and refuse the forgeries ours
 * refuses. The delivery id is the body's `event_id`, the event type the inner `event.type`. The Events API's
 * `url_verification` request is the handshake: echo its `challenge` as JSON.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { isValidSlackRequest } from '@slack/bolt';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

// A signing secret in Slack's format: 32 hex characters.
const SECRET = randomBytes(16).toString('hex');
const OTHER_SECRET = randomBytes(16).toString('hex');
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('slack', { secret: SECRET });
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

function appMention(extra: Record<string, unknown> = {}): { eventId: string; body: string } {
  const eventId = `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
  const body = JSON.stringify({
    token: 'XXYYZZ',
    team_id: 'T123ABC456',
    api_app_id: 'A123ABC456',
    event: { type: 'app_mention', user: 'U123ABC456', text: '<@U0LAN0Z89> is it everything a river should be?', ts: '1515449522.000016', channel: 'C123ABC456', ...extra },
    type: 'event_callback',
    event_id: eventId,
    event_time: 1515449522000016,
  });
  return { eventId, body };
}

/** The documented signature over raw bytes: `v0=` + hex HMAC-SHA256 of `v0:{ts}:{body}`. */
function signature(timestamp: number | string, body: string | Buffer, secret = SECRET): string {
  return `v0=${createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`v0:${timestamp}:`), Buffer.from(body)])).digest('hex')}`;
}

/** A request signed as Slack signs it. */
function signed(body: string | Buffer, options: { secret?: string; timestamp?: number } = {}): SignedRequest {
  const timestamp = options.timestamp ?? nowSeconds();
  return { body, headers: { 'X-Slack-Signature': signature(timestamp, body, options.secret), 'X-Slack-Request-Timestamp': String(timestamp) } };
}

/** Bolt's own verdict on a request. */
function boltAccepts(request: SignedRequest): boolean {
  return isValidSlackRequest({
    signingSecret: SECRET,
    body: request.body.toString(),
    headers: {
      'x-slack-signature': request.headers['X-Slack-Signature'],
      'x-slack-request-timestamp': Number(request.headers['X-Slack-Request-Timestamp']),
    },
  });
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

function without(request: SignedRequest, name: string): SignedRequest {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

test('a genuine event is accepted and enqueued once, keyed by event_id', async () => {
  // GIVEN an app_mention event signed as Slack signs it, which Bolt accepts
  const event = appMention();
  const request = signed(event.body);
  expect(boltAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the event_id, the inner event type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: event.eventId });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'slack', deliveryId: event.eventId, eventType: 'app_mention', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body: event.body });
});

describe('forged or broken requests are refused as Bolt refuses them', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(appMention().body);
      return { ...request, body: (request.body as string).replace('river', 'ocean') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(appMention().body);
      const value = request.headers['X-Slack-Signature'];
      return { ...request, headers: { ...request.headers, 'X-Slack-Signature': value.slice(0, -1) + (value.endsWith('0') ? '1' : '0') } };
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => {
      const request = signed(appMention().body);
      return { ...request, headers: { ...request.headers, 'X-Slack-Signature': 'v0=not-hex' } };
    }, 'signature_malformed'],
    ['a signature of another version (v1=)', () => {
      const request = signed(appMention().body);
      return { ...request, headers: { ...request.headers, 'X-Slack-Signature': request.headers['X-Slack-Signature'].replace('v0=', 'v1=') } };
    }, 'signature_malformed'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(appMention().body);
      return { ...request, headers: { ...request.headers, 'X-Slack-Request-Timestamp': String(Number(request.headers['X-Slack-Request-Timestamp']) - 1) } };
    }, 'signature_mismatch'],
    ['a signature made with another secret', () => signed(appMention().body, { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no X-Slack-Signature header', () => without(signed(appMention().body), 'X-Slack-Signature'), 'signature_missing'],
    ['a timestamp 10 minutes old (window 5 min)', () => signed(appMention().body, { timestamp: nowSeconds() - 600 }), 'timestamp_out_of_window'],
    ['no X-Slack-Request-Timestamp header', () => without(signed(appMention().body), 'X-Slack-Request-Timestamp'), 'timestamp_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request Bolt's own verifier refuses
    const request = make();
    expect(boltAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

test('a timestamp 10 minutes in the future is refused (Slack documents a 5 minute window around now; Bolt checks only age)', async () => {
  // GIVEN a genuine signature over a timestamp 10 minutes ahead: Bolt accepts it, but Slack's documentation says
  // to ignore a request whose timestamp differs from the local time by more than five minutes
  const request = signed(appMention().body, { timestamp: nowSeconds() + 600 });
  expect(boltAccepts(request)).toBe(true);

  // WHEN / THEN ours bounds both directions
  await expectRejected(harness, request, 'timestamp_out_of_window');
});

describe('the url_verification handshake', () => {
  const challenge = '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P';
  const body = JSON.stringify({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge, type: 'url_verification' });

  test('is answered 200 with the challenge as JSON, as Bolt answers it, and neither enqueued nor recorded', async () => {
    // GIVEN the signed url_verification request Slack sends when the Request URL is set
    const request = signed(body);
    expect(boltAccepts(request)).toBe(true);
    const recordsBefore = await harness.records();

    // WHEN it is delivered
    const answer = await harness.send(request);

    // THEN the answer is Bolt's: 200, application/json, {"challenge": ...}; nothing is queued or recorded
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toBe('application/json');
    expect(answer.text).toBe(JSON.stringify({ challenge }));
    expect(await harness.messages()).toEqual([]);
    expect(await harness.records()).toBe(recordsBefore);
  });

  test('a forged url_verification is refused, not answered', async () => {
    // GIVEN the same request signed with another secret
    const request = signed(body, { secret: OTHER_SECRET });
    expect(boltAccepts(request)).toBe(false);

    // WHEN / THEN it is refused, and the challenge is not echoed
    await expectRejected(harness, request, 'signature_mismatch');
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const event = appMention({ text: 'café ☕ 🚀 漢字' });
  const request = signed(event.body);
  expect(boltAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(event.body, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN the documented signature over raw bytes, which Bolt accepts for a UTF-8 body
  // (Bolt verifies strings only: it cannot check the bytes below)
  expect(boltAccepts(signed(appMention({ text: 'café ☕' }).body))).toBe(true);
  const eventId = `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
  const body = invalidUtf8Json(`{"type":"event_callback","event_id":"${eventId}","event":{"type":"message","text":"`, '"}}');

  // WHEN a body with bytes that are not UTF-8 is delivered with that signature
  const answer = await harness.send(signed(body));

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: eventId, eventType: 'message', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

test('a slash command (form-encoded, same signature scheme, no event_id) is accepted and keyed by its body hash', async () => {
  // GIVEN a signed slash command, which Slack posts as application/x-www-form-urlencoded
  const body = new URLSearchParams({
    token: 'gIkuvaNzQIHg97ATvDxqgjtO',
    team_id: 'T0001',
    command: '/weather',
    text: '94070',
    response_url: 'https://hooks.slack.com/commands/1234/5678',
    trigger_id: `13345224609.738474920.${randomUUID()}`,
  }).toString();
  const request = signed(body);
  request.headers['Content-Type'] = 'application/x-www-form-urlencoded';
  expect(boltAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted; with no event_id in it, its delivery id is the hash of its bytes
  const deliveryId = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId });
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId, contentType: 'application/x-www-form-urlencoded', body });
});
