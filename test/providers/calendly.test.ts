/**
 * Calendly: `Calendly-Webhook-Signature: t=<unix>,v1=<hex>`, the hex HMAC-SHA256 of `{t}.{raw body}` keyed with
 * the webhook signing key; Calendly recommends refusing signatures older than three minutes
 * (https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures). Calendly publishes no npm
 * package that signs or verifies, so requests are signed here as documented, with node:crypto. Calendly sends no
 * delivery id: a delivery is keyed by `sha256:<hex of the body>`, and its event type is the body's `event`.
 * Calendly defines no handshake.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SIGNING_KEY = randomBytes(32).toString('base64url');
const OTHER_KEY = randomBytes(32).toString('base64url');
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('calendly', { secret: SIGNING_KEY });
});

const nowSeconds = () => Math.floor(Date.now() / 1000);
const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

function inviteeCreated(name = 'John Doe'): string {
  const invitee = randomUUID();
  return JSON.stringify({
    created_at: new Date().toISOString(),
    created_by: 'https://api.calendly.com/users/AAAAAAAAAAAAAAAA',
    event: 'invitee.created',
    payload: {
      uri: `https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/${invitee}`,
      email: 'test@example.com',
      name,
      status: 'active',
      scheduled_event: { uri: 'https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2', name: '15 Minute Meeting' },
    },
  });
}

/** The documented scheme: `t=<unix>,v1=` + hex HMAC-SHA256 of `{t}.{raw body bytes}`, keyed with the key's text. */
function signed(body: string | Buffer, options: { key?: string; timestamp?: number } = {}): SignedRequest {
  const t = options.timestamp ?? nowSeconds();
  const v1 = createHmac('sha256', options.key ?? SIGNING_KEY).update(Buffer.concat([Buffer.from(`${t}.`), Buffer.from(body)])).digest('hex');
  return { body, headers: { 'Calendly-Webhook-Signature': `t=${t},v1=${v1}` } };
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine delivery is accepted and enqueued once, keyed by the hash of its body', async () => {
  // GIVEN an invitee.created event signed as Calendly documents
  const body = inviteeCreated();
  const request = signed(body);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the body's hash as id, its event and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'calendly', deliveryId: bodyHash(body), eventType: 'invitee.created', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body });
});

describe('forged, broken or stale requests are refused', () => {
  const withHeader = (request: SignedRequest, value: string): SignedRequest => ({ ...request, headers: { 'Calendly-Webhook-Signature': value } });
  const header = (request: SignedRequest) => request.headers['Calendly-Webhook-Signature'];
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(inviteeCreated());
      return { ...request, body: (request.body as string).replace('test@example.com', 'evil@example.com') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(inviteeCreated());
      return withHeader(request, header(request).slice(0, -1) + (header(request).endsWith('0') ? '1' : '0'));
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => {
      const request = signed(inviteeCreated());
      return withHeader(request, header(request).replace(/v1=.*/, 'v1=not-hex-at-all'));
    }, 'signature_malformed'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(inviteeCreated());
      return withHeader(request, header(request).replace(/^t=(\d+)/, (_, t: string) => `t=${Number(t) - 1}`));
    }, 'signature_mismatch'],
    ['a signature made with another signing key', () => signed(inviteeCreated(), { key: OTHER_KEY }), 'signature_mismatch'],
    ['no Calendly-Webhook-Signature header', () => ({ body: inviteeCreated(), headers: {} }), 'signature_missing'],
    ['no t= in the header', () => {
      const request = signed(inviteeCreated());
      return withHeader(request, header(request).replace(/^t=\d+,/, ''));
    }, 'timestamp_missing'],
    ['a timestamp 4 minutes old (window 3 min)', () => signed(inviteeCreated(), { timestamp: nowSeconds() - 240 }), 'timestamp_out_of_window'],
    ['a timestamp 4 minutes in the future', () => signed(inviteeCreated(), { timestamp: nowSeconds() + 240 }), 'timestamp_out_of_window'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request that is not a fresh one signed with our key as Calendly signs
    const request = make();

    // WHEN / THEN it is refused with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

test('a signature two minutes old is inside the three-minute window and verifies', async () => {
  // GIVEN a genuine delivery signed two minutes ago
  const body = inviteeCreated();
  const request = signed(body, { timestamp: nowSeconds() - 120 });

  // WHEN it is delivered / THEN it is accepted
  expect((await harness.send(request)).body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
  expect(await harness.messages()).toHaveLength(1);
});

test('a retry of the same event (same body, signed anew) is not enqueued a second time', async () => {
  // GIVEN a delivery that was accepted
  const body = inviteeCreated();
  expect((await harness.send(signed(body, { timestamp: nowSeconds() - 30 }))).status).toBe(200);
  expect(await harness.messages()).toHaveLength(1);
  const records = await harness.records();

  // WHEN Calendly retries it: the same body with a new timestamp and signature
  const answer = await harness.send(signed(body));

  // THEN the body's hash is still held by the first delivery: no new record, nothing enqueued
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 200, code: 'duplicate' });
  expect(await harness.records()).toBe(records);
  expect(await harness.messages()).toEqual([]);
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const body = inviteeCreated('café ☕ 🚀 漢字');
  const request = signed(body);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(body, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN a body with bytes that are not UTF-8, signed over its bytes as documented
  const body = invalidUtf8Json('{"event":"invitee.canceled","payload":{"cancellation":{"reason":"', '"}}}');
  const request = signed(body);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: bodyHash(body), eventType: 'invitee.canceled', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});
