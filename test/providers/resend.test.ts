/**
 * Resend delivers through Svix: Standard Webhooks over `svix-id`, `svix-timestamp` and `svix-signature`, with a
 * `whsec_` + base64 signing secret. Requests are signed with the reference signer (`Webhook.sign` from the
 * `standardwebhooks` package), and Resend's own verifier (`resend.webhooks.verify` from the `resend` package, given
 * the three svix-* values as Resend's documentation says) is the oracle: it must accept every request ours accepts
 * and refuse the forgeries ours refuses. The delivery id is `svix-id`, the event type the body's `type`
 * (`email.sent`, `email.delivered`, ...); there is no handshake.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Resend } from 'resend';
import { Webhook } from 'standardwebhooks';
import { expectRejected } from '../support/provider-harness';
import { providerMatrix, standardWebhooksDescription, type SignedRequest } from '../support/provider-matrix';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const resend = new Resend('re_test_unused');
function emailDelivered(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'email.delivered',
    created_at: new Date().toISOString(),
    data: { email_id: randomUUID(), from: 'Acme <onboarding@resend.dev>', to: ['delivered@resend.dev'], subject: 'Sending this example', ...extra },
  });
}

/** A request signed by the Standard Webhooks signer, with the svix-* headers Resend sends. */
function signed(body: string, options: { secret?: string; id?: string; at?: Date } = {}): SignedRequest & { id: string } {
  const id = options.id ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  const signature = new Webhook(options.secret ?? SECRET).sign(id, at, body);
  return { id, body, headers: { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': signature } };
}

/** Resend's own verdict on a request. */
function resendAccepts(request: SignedRequest): boolean {
  try {
    resend.webhooks.verify({
      payload: request.body.toString(),
      headers: { id: request.headers['svix-id'], timestamp: request.headers['svix-timestamp'], signature: request.headers['svix-signature'] },
      webhookSecret: SECRET,
    });
    return true;
  } catch {
    return false;
  }
}

const matrix = providerMatrix(standardWebhooksDescription({
  kind: 'resend',
  prefix: 'svix',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: emailDelivered,
  eventType: 'email.delivered',
  tamper: ['delivered@', 'bounced@'],
  signature: (secret, id, at, body) => new Webhook(secret).sign(id, at, body),
  accepts: resendAccepts,
}));

describe('forged requests particular to resend are refused as Resend refuses them', () => {
  const withSignature = (request: SignedRequest, value: string): SignedRequest => ({ ...request, headers: { ...request.headers, 'svix-signature': value } });
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a signature that is not base64', () => withSignature(signed(emailDelivered()), 'v1,not*base64!'), 'signature_malformed'],
    ['a tampered svix-id (the id is signed)', () => {
      const request = signed(emailDelivered());
      return { ...request, headers: { ...request.headers, 'svix-id': `msg_${randomUUID()}` } };
    }, 'signature_mismatch'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request Resend's own verifier refuses
    const request = make();
    expect(resendAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(matrix.harness(), request, code);
  });
});

test('during a secret rotation the header lists several signatures, any of which may match', async () => {
  // GIVEN a header with a signature by another (new) secret, an unknown version, then one by our secret
  const body = emailDelivered();
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const ours = new Webhook(SECRET).sign(id, at, body);
  const theirs = new Webhook(OTHER_SECRET).sign(id, at, body);
  const request = { body, headers: { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': `${theirs} v1a,AAAA ${ours}` } };
  expect(resendAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN it is accepted once
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('the whsec_ secret is base64-decoded: a signature keyed with the literal string is refused', async () => {
  // GIVEN a signature whose key is the secret's UTF-8 text instead of its decoded bytes
  const request = signed(emailDelivered(), { secret: `whsec_${Buffer.from(SECRET, 'utf8').toString('base64')}` });
  expect(resendAccepts(request)).toBe(false);

  // WHEN / THEN it is refused
  await expectRejected(matrix.harness(), request, 'signature_mismatch');
});
