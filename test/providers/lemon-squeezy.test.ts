/**
 * Lemon Squeezy. No npm package signs or verifies Lemon Squeezy webhooks (`@lemonsqueezy/lemonsqueezy.js` only
 * calls the API), so requests are signed as Lemon Squeezy documents it
 * (https://docs.lemonsqueezy.com/help/webhooks/signing-requests): `X-Signature` is the hex HMAC-SHA256 of the raw
 * body, keyed with the webhook's signing secret; no timestamp is signed. The event name is in the `X-Event-Name`
 * header (and in `meta.event_name`). Lemon Squeezy sends no delivery id (`meta.webhook_id` names the webhook, not
 * the delivery), so a delivery is keyed by the hash of its body. There is no handshake.
 */
import { createHash, createHmac, randomInt } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SECRET = 'lmsqz-signing-secret-42';
const OTHER_SECRET = 'another-signing-secret';

let lemonSqueezy: Harness;

beforeAll(async () => {
  lemonSqueezy = await providerHarness('lemon-squeezy', { secret: SECRET });
});

function orderCreated(customer = 'Jane Doe', eventName = 'order_created'): string {
  return JSON.stringify({
    meta: { test_mode: true, event_name: eventName, webhook_id: 'b5b8e3a4-0c42-4a4e-9b4f-0e2f5e0b8a51', custom_data: { customer_id: 25 } },
    data: { type: 'orders', id: String(randomInt(1e6)), attributes: { store_id: 1, user_name: customer, user_email: 'jane@example.com', total: 999, currency: 'USD', status: 'paid' } },
  });
}

/** Signed as Lemon Squeezy documents: hex HMAC-SHA256 of the body bytes. */
function signed(body: string | Buffer, options: { secret?: string; eventName?: string } = {}): SignedRequest {
  return {
    body,
    headers: {
      'X-Event-Name': options.eventName ?? 'order_created',
      'X-Signature': createHmac('sha256', options.secret ?? SECRET).update(body).digest('hex'),
    },
  };
}

function withSignature(request: SignedRequest, value: string): SignedRequest {
  return { ...request, headers: { ...request.headers, 'X-Signature': value } };
}

const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;
const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine delivery is accepted and enqueued once, keyed by the hash of its body', async () => {
  // GIVEN an order_created webhook signed as Lemon Squeezy signs it
  const request = signed(orderCreated());

  // WHEN it is delivered
  const answer = await lemonSqueezy.send(request);

  // THEN it is accepted, and one envelope carries the body hash as id, X-Event-Name as type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(request.body) });
  const messages = await lemonSqueezy.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'lemon-squeezy', deliveryId: bodyHash(request.body), eventType: 'order_created', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body: request.body });
});

describe('forged or broken requests are refused', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(orderCreated());
      return { ...request, body: String(request.body).replace('"total":999', '"total":1') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(orderCreated());
      const signature = request.headers['X-Signature'];
      return withSignature(request, (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1));
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => withSignature(signed(orderCreated()), 'not-a-hex-signature'), 'signature_malformed'],
    ['a base64 signature (Lemon Squeezy sends hex)', () => {
      const request = signed(orderCreated());
      return withSignature(request, createHmac('sha256', SECRET).update(request.body).digest('base64'));
    }, 'signature_malformed'],
    ['a signature made with another secret', () => signed(orderCreated(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no X-Signature header', () => {
      const request = signed(orderCreated());
      return { body: request.body, headers: { 'X-Event-Name': request.headers['X-Event-Name'] } };
    }, 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN / WHEN / THEN a 401 with the right code, nothing enqueued, nothing recorded
    await expectRejected(lemonSqueezy, make(), code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(orderCreated('café ☕ 🚀 漢字'));

  // WHEN it is delivered
  const answer = await lemonSqueezy.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await lemonSqueezy.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN bytes that are not UTF-8, signed over the raw bytes as documented
  const body = invalidUtf8Json('{"meta":{"event_name":"order_created"},"data":{"attributes":{"user_name":"', '"}}}');
  const request = signed(body);

  // WHEN it is delivered
  const answer = await lemonSqueezy.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await lemonSqueezy.messages();
  expect(message).toMatchObject({ deliveryId: bodyHash(body), eventType: 'order_created', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

test('a resent webhook (same body) has the same key, so it is not enqueued twice', async () => {
  // GIVEN a delivered webhook, not yet processed
  const request = signed(orderCreated());
  expect((await lemonSqueezy.send(request)).status).toBe(200);
  expect(await lemonSqueezy.messages()).toHaveLength(1);
  const records = await lemonSqueezy.records();

  // WHEN Lemon Squeezy retries it (the same body, the same signature)
  const answer = await lemonSqueezy.send(request);

  // THEN the body-hash key is still held by the first attempt: no new record, nothing enqueued
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 200, code: 'duplicate' });
  expect(await lemonSqueezy.records()).toBe(records);
  expect(await lemonSqueezy.messages()).toEqual([]);
});
