/**
 * Svix: Standard Webhooks over `svix-id`, `svix-timestamp` and `svix-signature: v1,<base64> [...]`, the base64
 * HMAC-SHA256 of `{id}.{timestamp}.{raw body}` keyed with the base64-decoded `whsec_` secret. Requests are signed
 * with Svix's own `Webhook.sign` (the `svix` package), and its `Webhook.verify` is the oracle: it must accept every
 * request ours accepts and refuse the forgeries ours refuses. Svix's documentation
 * (https://docs.svix.com/receiving/verifying-payloads/how-manual) adds that white-labeled accounts send the same
 * headers with a `webhook-` prefix, and that its libraries accept both. The delivery id is `svix-id`, the event
 * type the body's `type`; there is no handshake.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'svix';
import { expectRejected } from '../support/provider-harness';
import { providerMatrix, standardWebhooksDescription, type SignedRequest } from '../support/provider-matrix';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
function invoiceCreated(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: 'invoice.created', data: { id: `inv_${randomUUID()}`, amount: 1999, ...extra } });
}

/** A request signed by Svix's own signer, with svix-* headers. */
function signed(body: string, options: { secret?: string; id?: string; at?: Date } = {}): SignedRequest & { id: string } {
  const id = options.id ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  const signature = new Webhook(options.secret ?? SECRET).sign(id, at, body);
  return { id, body, headers: { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': signature } };
}

/** Svix's own verdict on a request. */
function svixAccepts(request: SignedRequest): boolean {
  try {
    new Webhook(SECRET).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
}

const matrix = providerMatrix(standardWebhooksDescription({
  kind: 'svix',
  prefix: 'svix',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: invoiceCreated,
  eventType: 'invoice.created',
  tamper: ['1999', '1'],
  signature: (secret, id, at, body) => new Webhook(secret).sign(id, at, body),
  accepts: svixAccepts,
}));

describe('forged requests particular to svix are refused as Svix refuses them', () => {
  const withSignature = (request: SignedRequest, value: string): SignedRequest => ({ ...request, headers: { ...request.headers, 'svix-signature': value } });
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a signature that is not base64', () => withSignature(signed(invoiceCreated()), 'v1,not*base64!'), 'signature_malformed'],
    ['a tampered svix-id (the id is signed)', () => {
      const request = signed(invoiceCreated());
      return { ...request, headers: { ...request.headers, 'svix-id': `msg_${randomUUID()}` } };
    }, 'signature_mismatch'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request Svix's own verifier refuses
    const request = make();
    expect(svixAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(matrix.harness(), request, code);
  });
});

test('during a secret rotation the header lists several signatures, any of which may match', async () => {
  // GIVEN a header with a signature by another (new) secret, an unknown version, then one by our secret
  const body = invoiceCreated();
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const ours = new Webhook(SECRET).sign(id, at, body);
  const theirs = new Webhook(OTHER_SECRET).sign(id, at, body);
  const request = { body, headers: { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': `${theirs} v1a,AAAA ${ours}` } };
  expect(svixAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN it is accepted once
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('the whsec_ secret is base64-decoded: a signature keyed with the literal string is refused', async () => {
  // GIVEN a signature whose key is the secret's UTF-8 text instead of its decoded bytes
  const request = signed(invoiceCreated(), { secret: `whsec_${Buffer.from(SECRET, 'utf8').toString('base64')}` });
  expect(svixAccepts(request)).toBe(false);

  // WHEN / THEN it is refused
  await expectRejected(matrix.harness(), request, 'signature_mismatch');
});

test('white-labeled deliveries, with webhook-* headers, are accepted as Svix\'s verifier accepts them', async () => {
  // GIVEN a delivery signed by Svix and sent under the webhook-* names white-labeled accounts use
  const request = signed(invoiceCreated());
  const whiteLabeled = {
    body: request.body,
    headers: { 'webhook-id': request.id, 'webhook-timestamp': request.headers['svix-timestamp'], 'webhook-signature': request.headers['svix-signature'] },
  };
  expect(svixAccepts(whiteLabeled)).toBe(true);

  // WHEN it is delivered
  const answer = await matrix.harness().send(whiteLabeled);

  // THEN it is accepted once, keyed by webhook-id
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.id });
  expect((await matrix.harness().messages())[0]).toMatchObject({ deliveryId: request.id, eventType: 'invoice.created' });
});
