/**
 * Square signs the notification URL followed by the raw body: `x-square-hmacsha256-signature` = base64
 * HMAC-SHA256(signature key, `{notificationUrl}{body}`) (https://developer.squareup.com/docs/webhooks/step3validate).
 * The `square` package can only verify, so requests are signed as documented and Square's own
 * `WebhooksHelper.verifySignature` is the oracle: it must accept every request ours accepts and refuse every request
 * ours refuses. The URL is the route's configured public URL (`harness.publicUrl`), never the Host header.
 * Square signs no timestamp and has no handshake.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { WebhooksHelper } from 'square';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SIGNATURE_KEY = 'Yb5Kq3cR9xWvT2pLmN8sAg';
const OTHER_KEY = 'aDifferentSquareSignatureKey';
let square: Harness;

beforeAll(async () => {
  square = await providerHarness('square', { secret: SIGNATURE_KEY });
});

function paymentCreated(note = 'Table 4'): string {
  return JSON.stringify({
    merchant_id: '6SSW7HV8K2ST5',
    type: 'payment.created',
    event_id: randomUUID(),
    created_at: new Date().toISOString(),
    data: { type: 'payment', id: 'KkAkhdMsgzn59SM8A89WgKwekxLZY', object: { payment: { amount_money: { amount: 100, currency: 'USD' }, note } } },
  });
}

/** Signed as Square documents: base64 HMAC-SHA256 over the notification URL then the body bytes. */
function signed(body: string | Buffer, options: { key?: string; url?: string } = {}): SignedRequest {
  const content = Buffer.concat([Buffer.from(options.url ?? square.publicUrl), Buffer.from(body)]);
  return { body, headers: { 'x-square-hmacsha256-signature': createHmac('sha256', options.key ?? SIGNATURE_KEY).update(content).digest('base64') } };
}

/** Square's own verdict on a request sent to the configured notification URL. */
async function squareAccepts(request: SignedRequest): Promise<boolean> {
  return WebhooksHelper.verifySignature({
    requestBody: request.body.toString(),
    signatureHeader: request.headers['x-square-hmacsha256-signature'] ?? '',
    signatureKey: SIGNATURE_KEY,
    notificationUrl: square.publicUrl,
  });
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');
const eventIdOf = (body: string) => JSON.parse(body).event_id as string;

test('a genuine delivery is accepted and enqueued once, keyed by event_id', async () => {
  // GIVEN a payment.created event signed over the public URL and body, which Square's verifier accepts
  const body = paymentCreated();
  const request = signed(body);
  expect(await squareAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await square.send(request);

  // THEN it is accepted, and one envelope carries the body's event_id and type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: eventIdOf(body) });
  const messages = await square.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'square', deliveryId: eventIdOf(body), eventType: 'payment.created', bodyEncoding: 'utf8', body });
});

describe('forged or broken requests are refused as Square refuses them', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(paymentCreated('Table 4'));
      return { ...request, body: String(request.body).replace('"amount":100', '"amount":1') };
    }, 'signature_mismatch'],
    ['a tampered signature (one base64 character changed)', () => {
      const request = signed(paymentCreated());
      const signature = request.headers['x-square-hmacsha256-signature'];
      return { ...request, headers: { 'x-square-hmacsha256-signature': (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1) } };
    }, 'signature_mismatch'],
    ['a signature that is not base64', () => ({ body: paymentCreated(), headers: { 'x-square-hmacsha256-signature': 'not*base64!' } }), 'signature_malformed'],
    ['a signature made with another signature key', () => signed(paymentCreated(), { key: OTHER_KEY }), 'signature_mismatch'],
    ['a signature over another URL (the API Gateway URL the request reached)', () => signed(paymentCreated(), { url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/square' }), 'signature_mismatch'],
    ['a signature over the body alone, without the URL', () => signed(paymentCreated(), { url: '' }), 'signature_mismatch'],
    ['no x-square-hmacsha256-signature header', () => ({ body: paymentCreated(), headers: {} }), 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request Square's own verifier refuses
    const request = make();
    expect(await squareAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(square, request, code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(paymentCreated('café ☕ 🚀 漢字'));
  expect(await squareAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await square.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await square.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN the documented computation over bytes, which Square's verifier accepts for a UTF-8 body
  // (it hashes strings only, so it cannot itself check bytes that are not UTF-8)
  expect(await squareAccepts(signed(paymentCreated('café ☕')))).toBe(true);
  const eventId = randomUUID();
  const body = invalidUtf8Json(`{"type":"payment.created","event_id":"${eventId}","data":{"note":"`, '"}}');

  // WHEN a body with bytes that are not UTF-8 is delivered, signed over those bytes
  const answer = await square.send(signed(body));

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await square.messages();
  expect(message).toMatchObject({ deliveryId: eventId, eventType: 'payment.created', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

test('the signed URL is the configured public URL, whatever Host header the request carries', async () => {
  // GIVEN a genuine request that reached us through another host name
  const body = paymentCreated();
  const request = signed(body);
  expect(await squareAccepts(request)).toBe(true);

  // WHEN it is delivered with that Host header
  const answer = await square.send({ ...request, headers: { ...request.headers, Host: 'abc123.execute-api.eu-west-1.amazonaws.com' } });

  // THEN it is verified against the configured URL and accepted
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: eventIdOf(body) });
  expect(await square.messages()).toHaveLength(1);
});

test('a notification URL with a query string is signed with it, and verifies', async () => {
  // GIVEN a subscription whose notification URL carries a query string, signed over that full URL
  const body = paymentCreated();
  const notificationUrl = `${square.publicUrl}?env=prod`;
  const request = signed(body, { url: notificationUrl });
  expect(await WebhooksHelper.verifySignature({ requestBody: body, signatureHeader: request.headers['x-square-hmacsha256-signature'], signatureKey: SIGNATURE_KEY, notificationUrl })).toBe(true);

  // WHEN it is delivered to that URL
  const answer = await square.send({ ...request, query: { env: 'prod' } });

  // THEN it is accepted
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: eventIdOf(body) });
  expect(await square.messages()).toHaveLength(1);
});
