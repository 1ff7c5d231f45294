/**
 * Razorpay: `X-Razorpay-Signature: <hex>`, the HMAC-SHA256 of the raw body keyed with the webhook's secret (set on
 * the webhook in the dashboard; not the API key secret). Razorpay signs no timestamp. The `razorpay` package only
 * verifies (`Razorpay.validateWebhookSignature(body, signature, secret)`), so requests are signed as documented and
 * that verifier is the oracle: it must accept every request ours accepts and refuse the forgeries ours refuses.
 * The delivery id is `X-Razorpay-Event-Id`, the event type the body's `event`, the event time its `created_at` (s).
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import Razorpay from 'razorpay';
import { expectRejected } from '../support/provider-harness';
import { noWindow, providerMatrix, type SignedRequest } from '../support/provider-matrix';

const SECRET = randomBytes(16).toString('hex');
const OTHER_SECRET = randomBytes(16).toString('hex');
const CREATED_AT = 1_767_225_600;

function paymentCaptured(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    entity: 'event',
    account_id: 'acc_BFQ7uQEaa7j2z7',
    event: 'payment.captured',
    contains: ['payment'],
    payload: { payment: { entity: { id: `pay_${randomUUID().slice(0, 14)}`, amount: 50000, currency: 'INR', ...extra } } },
    created_at: CREATED_AT,
  });
}

/** The documented scheme over bytes: hex HMAC-SHA256 of the raw body, keyed with the secret's text. */
const signature = (body: string | Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

function sign(body: string | Buffer, { secret = SECRET, id = `Lc${randomUUID().replace(/-/g, '').slice(0, 12)}` }: { secret?: string; id?: string } = {}): SignedRequest {
  return { body, headers: { 'X-Razorpay-Signature': signature(body, secret), 'X-Razorpay-Event-Id': id } };
}

/** The razorpay package's verdict on a request. */
function razorpayAccepts(request: SignedRequest): boolean {
  try {
    return Razorpay.validateWebhookSignature(String(request.body), request.headers['X-Razorpay-Signature'], SECRET);
  } catch {
    return false;
  }
}

const matrix = providerMatrix({
  kind: 'razorpay',
  notApplicable: noWindow('no timestamp is signed'),
  rotation: { stored: randomBytes(16).toString('hex') },
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: paymentCaptured,
  sign: (body, options) => sign(body, options),
  accepts: razorpayAccepts,
  signBytes: (body, { id }) => sign(body, { id }).headers,
  signatureHeader: 'X-Razorpay-Signature',
  expected: (request) => ({ deliveryId: request.headers['X-Razorpay-Event-Id'], eventType: 'payment.captured' }),
  tamper: ['50000', '50001'],
});

test('the envelope carries the event\'s created_at as its event time', async () => {
  const request = sign(paymentCaptured());
  expect(razorpayAccepts(request)).toBe(true);

  const answer = await matrix.harness().send(request);

  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.headers['X-Razorpay-Event-Id'] });
  expect((await matrix.harness().messages())[0]).toMatchObject({ eventType: 'payment.captured', eventTime: new Date(CREATED_AT * 1000).toISOString() });
});

test('without X-Razorpay-Event-Id a genuine delivery is still accepted, keyed by the body\'s hash', async () => {
  // GIVEN a genuine body and signature but no event id header (the id is not signed)
  const body = paymentCaptured();
  const request = { body, headers: { 'X-Razorpay-Signature': signature(body) } };
  expect(razorpayAccepts(request)).toBe(true);

  // WHEN / THEN it is accepted, keyed by sha256 of the body
  const deliveryId = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  expect((await matrix.harness().send(request)).body).toEqual({ ok: true, code: 'accepted', deliveryId });
  expect(await matrix.harness().messages()).toMatchObject([{ deliveryId, body }]);
});

test('a signature keyed with the API key secret instead of the webhook secret is refused', async () => {
  // GIVEN the common mistake: the signature made with another secret of the account
  const apiKeySecret = randomBytes(12).toString('base64');
  const request = sign(paymentCaptured(), { secret: apiKeySecret });
  expect(razorpayAccepts(request)).toBe(false);

  // WHEN / THEN it is refused
  await expectRejected(matrix.harness(), request, 'signature_mismatch');
});

test('a signature that is not hex is refused as malformed', async () => {
  const request = sign(paymentCaptured());
  const broken = { ...request, headers: { ...request.headers, 'X-Razorpay-Signature': 'z'.repeat(64) } };
  expect(razorpayAccepts(broken)).toBe(false);
  await expectRejected(matrix.harness(), broken, 'signature_malformed');
});

test('pinned difference: an upper-case hex signature is accepted by ours (the same bytes), refused by the razorpay package (string ===)', async () => {
  // GIVEN a genuine signature written in upper case: Razorpay sends lower case; its package compares strings
  const request = sign(paymentCaptured());
  const upper = { ...request, headers: { ...request.headers, 'X-Razorpay-Signature': request.headers['X-Razorpay-Signature'].toUpperCase() } };
  expect(razorpayAccepts(upper)).toBe(false);

  // WHEN / THEN ours compares the decoded bytes and accepts it: the signature is the same HMAC
  expect((await matrix.harness().send(upper)).body).toMatchObject({ ok: true, code: 'accepted' });
  expect(await matrix.harness().messages()).toHaveLength(1);
});
