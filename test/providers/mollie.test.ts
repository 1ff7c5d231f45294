/**
 * Mollie (next-generation webhooks): `X-Mollie-Signature: sha256=<hex>`, the hex HMAC-SHA256 of the raw body keyed
 * with the signing secret's text; no timestamp. While a secret is rotated Mollie signs with both, one header per
 * secret. `mollie-api-typescript`'s `SignatureValidator` is the signer (`createSignature`, asynchronous) and the
 * oracle (`validate(payload, secrets, signatures)`). The matrix signs with the package; its raw-bytes case uses the
 * documented formula, which `beforeAll` checks equals the package's signature. The delivery id is the body's `id`, the event type its `type`, the event time its `createdAt`.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { SignatureValidator } from 'mollie-api-typescript/utils/webhooks/signature_validator.js';
import { expectRejected } from '../support/provider-harness';
import { noWindow, providerMatrix, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = randomBytes(24).toString('base64url');
const OTHER_SECRET = randomBytes(24).toString('base64url');
const CREATED_AT = '2026-01-01T12:00:00+00:00';

function paymentLinkPaid(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    resource: 'event',
    id: `event_${randomUUID().replace(/-/g, '').slice(0, 22)}`,
    type: 'payment-link.paid',
    entityId: 'pl_4Y0eZitmBnQ6IDoMqZQKh',
    createdAt: CREATED_AT,
    _embedded: { entity: { resource: 'payment-link', id: 'pl_4Y0eZitmBnQ6IDoMqZQKh', amount: { value: '42.00', currency: 'EUR' }, cents: 4200, ...extra } },
  });
}

const hmac = (body: string | Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

/** Mollie's header as documented. */
function sign(body: string | Buffer, { secret = SECRET }: { secret?: string } = {}): SignedRequest {
  return { body, headers: { 'X-Mollie-Signature': `sha256=${hmac(body, secret)}` } };
}

/** Mollie's header, signed by Mollie's package. */
async function signByPackage(body: string, secret = SECRET): Promise<SignedRequest> {
  return { body, headers: { 'X-Mollie-Signature': `sha256=${await SignatureValidator.createSignature(body, secret)}` } };
}

/** Mollie's verdict: `validate` resolves true, or throws (or resolves false when no signature is given). */
async function mollieAccepts(request: SignedRequest | { body: string | Buffer; signatures: string[] }, secrets: string | string[] = SECRET): Promise<boolean> {
  const signatures = 'signatures' in request ? request.signatures : (request.headers['X-Mollie-Signature'] ?? null);
  try {
    return await SignatureValidator.validate(String(request.body), secrets, signatures);
  } catch {
    return false;
  }
}

beforeAll(async () => {
  // The documented formula is the package's signature, on a non-ASCII body too
  const body = paymentLinkPaid({ memo: 'café ☕' });
  expect(sign(body)).toEqual(await signByPackage(body));
});

const description: ProviderDescription = {
  kind: 'mollie',
  notApplicable: noWindow('no timestamp is signed'),
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: paymentLinkPaid,
  sign: (body, options) => signByPackage(body, options?.secret),
  accepts: mollieAccepts,
  signBytes: (body) => sign(body).headers,
  signatureHeader: 'X-Mollie-Signature',
  expected: (request) => ({ deliveryId: JSON.parse(String(request.body)).id, eventType: 'payment-link.paid' }),
  tamper: ['4200', '4201'],
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: randomBytes(24).toString('base64url') });

test('a delivery signed by the package is accepted, with createdAt as its event time', async () => {
  const request = await signByPackage(paymentLinkPaid());
  expect(await mollieAccepts(request)).toBe(true);

  const answer = await matrix.harness().send(request);

  const id = JSON.parse(String(request.body)).id;
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
  expect((await matrix.harness().messages())[0]).toMatchObject({ deliveryId: id, eventType: 'payment-link.paid', eventTime: '2026-01-01T12:00:00.000Z' });
});

describe('while Mollie rotates a secret: one X-Mollie-Signature header per secret', () => {
  test('two headers, the old secret\'s first: accepted, as the package accepts either signature', async () => {
    // GIVEN a delivery with two signature headers, by another secret and by ours
    const body = paymentLinkPaid();
    const signatures = [`sha256=${await SignatureValidator.createSignature(body, OTHER_SECRET)}`, `sha256=${await SignatureValidator.createSignature(body, SECRET)}`];
    expect(await mollieAccepts({ body, signatures })).toBe(true);

    // WHEN it arrives as API Gateway passes a repeated header (multiValueHeaders)
    const answer = await matrix.harness().send({ body, headers: { 'X-Mollie-Signature': signatures[1] }, multiValueHeaders: { 'Content-Type': ['application/json'], 'X-Mollie-Signature': signatures } });

    // THEN it is accepted once
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: JSON.parse(body).id });
    expect(await matrix.harness().messages()).toHaveLength(1);
  });

  test('two headers, neither by our secret: refused, as the package refuses', async () => {
    const body = paymentLinkPaid();
    const third = randomBytes(24).toString('base64url');
    const signatures = [`sha256=${hmac(body, OTHER_SECRET)}`, `sha256=${hmac(body, third)}`];
    expect(await mollieAccepts({ body, signatures })).toBe(false);

    await expectRejected(matrix.harness(), { body, headers: { 'X-Mollie-Signature': signatures[1] }, multiValueHeaders: { 'Content-Type': ['application/json'], 'X-Mollie-Signature': signatures } }, 'signature_mismatch');
  });

  test('the two joined in one header with a comma (as an HTTP API joins them): accepted', async () => {
    const body = paymentLinkPaid();
    const request = { body, headers: { 'X-Mollie-Signature': `sha256=${hmac(body, OTHER_SECRET)}, sha256=${hmac(body)}` } };
    expect(await mollieAccepts({ body, signatures: request.headers['X-Mollie-Signature'].split(/,\s*/) })).toBe(true);

    expect((await matrix.harness().send(request)).body).toMatchObject({ ok: true, code: 'accepted' });
    expect(await matrix.harness().messages()).toHaveLength(1);
  });
});

test('pinned difference: a bare hex signature without sha256= is accepted by the package, refused by ours', async () => {
  // GIVEN the signature without the documented prefix, which the package strips only when present
  const body = paymentLinkPaid();
  const request = { body, headers: { 'X-Mollie-Signature': hmac(body) } };
  expect(await mollieAccepts(request)).toBe(true);

  // WHEN / THEN ours requires the documented header format
  await expectRejected(matrix.harness(), request, 'signature_malformed');
});
