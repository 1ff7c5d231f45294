/**
 * Square signs the notification URL followed by the raw body: `x-square-hmacsha256-signature` = base64
 * HMAC-SHA256(signature key, `{notificationUrl}{body}`) (https://developer.squareup.com/docs/webhooks/step3validate).
 * The `square` package can only verify, so requests are signed as documented and Square's own
 * `WebhooksHelper.verifySignature` is the oracle: it must accept every request ours accepts and refuse every request
 * ours refuses. The URL is the route's configured public URL (`harness.publicUrl`), never the Host header.
 * Square signs no timestamp and has no handshake. The standard matrix is test/support/provider-matrix.ts; this file
 * holds what is particular to Square.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { WebhooksHelper } from 'square';
import { invalidUtf8Json } from '../support/provider-harness';
import { noWindow, providerMatrix, withHeader, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SIGNATURE_KEY = 'Yb5Kq3cR9xWvT2pLmN8sAg';
const OTHER_KEY = 'aDifferentSquareSignatureKey';
/** The route's configured public URL: the notification URL Square signs. */
const PUBLIC_URL = 'https://hooks.example.com/webhooks/square';

function paymentCreated(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    merchant_id: '6SSW7HV8K2ST5',
    type: 'payment.created',
    event_id: randomUUID(),
    created_at: new Date().toISOString(),
    data: { type: 'payment', id: 'KkAkhdMsgzn59SM8A89WgKwekxLZY', object: { payment: { amount_money: { amount: 100, currency: 'USD' }, note: 'Table 4', ...extra } } },
  });
}

/** Signed as Square documents: base64 HMAC-SHA256 over the notification URL then the body bytes. */
function signed(body: string | Buffer, options: { secret?: string; url?: string } = {}): SignedRequest {
  const content = Buffer.concat([Buffer.from(options.url ?? PUBLIC_URL), Buffer.from(body)]);
  return { body, headers: { 'x-square-hmacsha256-signature': createHmac('sha256', options.secret ?? SIGNATURE_KEY).update(content).digest('base64') } };
}

/** Square's own verdict on a request sent to the configured notification URL. */
async function squareAccepts(request: SignedRequest, notificationUrl = PUBLIC_URL): Promise<boolean> {
  return WebhooksHelper.verifySignature({
    requestBody: request.body.toString(),
    signatureHeader: request.headers['x-square-hmacsha256-signature'] ?? '',
    signatureKey: SIGNATURE_KEY,
    notificationUrl,
  });
}

const eventIdOf = (body: string | Buffer) => JSON.parse(Buffer.from(body).toString('latin1')).event_id as string;

const description: ProviderDescription = {
  kind: 'square',
  notApplicable: noWindow('no timestamp is signed'),
  secret: SIGNATURE_KEY,
  otherSecret: OTHER_KEY,
  harness: { publicUrl: PUBLIC_URL },
  event: paymentCreated,
  sign: (body, options) => signed(body, options),
  accepts: squareAccepts,
  signBytes: (body) => signed(body).headers,
  signatureHeader: 'x-square-hmacsha256-signature',
  expected: (request) => ({ deliveryId: eventIdOf(request.body), eventType: 'payment.created' }),
  tamper: ['"amount":100', '"amount":1'],
  refusals: [
    ['a signature that is not base64', () => ({ body: paymentCreated(), headers: { 'x-square-hmacsha256-signature': 'not*base64!' } }), 'signature_malformed'],
    ['a signature over another URL (the API Gateway URL the request reached)', () => signed(paymentCreated(), { url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/square' }), 'signature_mismatch'],
    ['a signature over the body alone, without the URL', () => signed(paymentCreated(), { url: '' }), 'signature_mismatch'],
  ],
  invalidUtf8Body: () => invalidUtf8Json(`{"type":"payment.created","event_id":"${randomUUID()}","data":{"note":"`, '"}}'),
  invalidUtf8Expected: ({ body }) => ({ deliveryId: eventIdOf(body), eventType: 'payment.created' }),
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: 'aRotatedSquareSignatureKey' });

test('the signed URL is the configured public URL, whatever Host header the request carries', async () => {
  // GIVEN a genuine request that reached us through another host name
  const body = paymentCreated();
  const request = signed(body);
  expect(await squareAccepts(request)).toBe(true);

  // WHEN it is delivered with that Host header
  const answer = await matrix.harness().send(withHeader(request, 'Host', 'abc123.execute-api.eu-west-1.amazonaws.com'));

  // THEN it is verified against the configured URL and accepted
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: eventIdOf(body) });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('a notification URL with a query string is signed with it, and verifies', async () => {
  // GIVEN a subscription whose notification URL carries a query string, signed over that full URL
  const body = paymentCreated();
  const notificationUrl = `${PUBLIC_URL}?env=prod`;
  const request = signed(body, { url: notificationUrl });
  expect(await squareAccepts(request, notificationUrl)).toBe(true);

  // WHEN it is delivered to that URL
  const answer = await matrix.harness().send({ ...request, query: { env: 'prod' } });

  // THEN it is accepted
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: eventIdOf(body) });
  expect(await matrix.harness().messages()).toHaveLength(1);
});
