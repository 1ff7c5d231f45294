/**
 * Clerk delivers through Svix: Standard Webhooks over `svix-id`, `svix-timestamp` and `svix-signature`, with a
 * `whsec_` + base64 signing secret. Requests are signed with Svix's own `Webhook.sign` (the `svix` package), and
 * Clerk's own verifier (`verifyWebhook` from `@clerk/backend/webhooks`) is the oracle: it must accept every request
 * ours accepts and refuse every request ours refuses. Clerk defines no handshake.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { verifyWebhook } from '@clerk/backend/webhooks';
import { Webhook } from 'svix';
import { expectRejected } from '../support/provider-harness';
import { providerMatrix, standardWebhooksDescription, type SignedRequest } from '../support/provider-matrix';

// A signing secret in Clerk's format: `whsec_` followed by the base64 of the key bytes.
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
function userCreated(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'user.created',
    object: 'event',
    timestamp: Date.now(),
    data: { id: `user_${randomUUID()}`, first_name: 'Ada', ...extra },
  });
}

/** A request signed by Svix's own signer, as Clerk sends it. */
function signed(body: string, options: { secret?: string; id?: string; at?: Date } = {}): { id: string; body: string; headers: Record<string, string> } {
  const id = options.id ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  const signature = new Webhook(options.secret ?? SECRET).sign(id, at, body);
  return { id, body, headers: { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': signature } };
}

/** Clerk's own verdict on a request. */
async function clerkAccepts(request: SignedRequest): Promise<boolean> {
  const fetchRequest = new Request('https://hooks.example.com/webhooks/clerk', { method: 'POST', headers: request.headers, body: request.body });
  try {
    await verifyWebhook(fetchRequest, { signingSecret: SECRET });
    return true;
  } catch {
    return false;
  }
}

const matrix = providerMatrix(standardWebhooksDescription({
  kind: 'clerk',
  prefix: 'svix',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: userCreated,
  eventType: 'user.created',
  tamper: ['Ada', 'Eve'],
  signature: (secret, id, at, body) => new Webhook(secret).sign(id, at, body),
  accepts: clerkAccepts,
}));

describe('forged requests particular to clerk are refused as Clerk refuses them', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a signature that is not base64', () => {
      const request = signed(userCreated());
      return { ...request, headers: { ...request.headers, 'svix-signature': 'v1,not*base64!' } };
    }, 'signature_malformed'],
    ['a tampered svix-id (the id is signed)', () => {
      const request = signed(userCreated());
      return { ...request, headers: { ...request.headers, 'svix-id': `msg_${randomUUID()}` } };
    }, 'signature_mismatch'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request Clerk's own verifier refuses
    const request = make();
    expect(await clerkAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(matrix.harness(), request, code);
  });
});

test('during a secret rotation the header lists several signatures, any of which may match', async () => {
  // GIVEN a header with a signature by another (new) secret, an unknown version, then one by our secret
  const body = userCreated();
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const ours = new Webhook(SECRET).sign(id, at, body);
  const theirs = new Webhook(OTHER_SECRET).sign(id, at, body);
  const request = { body, headers: { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': `${theirs} v1a,AAAA ${ours}` } };
  expect(await clerkAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN it is accepted once
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('the whsec_ secret is base64-decoded: a signature keyed with the literal string is refused', async () => {
  // GIVEN a signature whose key is the secret's UTF-8 text instead of its decoded bytes
  const body = userCreated();
  const request = signed(body, { secret: `whsec_${Buffer.from(SECRET, 'utf8').toString('base64')}` });
  expect(await clerkAccepts(request)).toBe(false);

  // WHEN / THEN it is refused
  await expectRejected(matrix.harness(), request, 'signature_mismatch');
});

test('only svix-* headers are read, as Clerk reads them: webhook-* headers count as no signature', async () => {
  // GIVEN a valid Standard Webhooks signature sent under the webhook-* header names
  const request = signed(userCreated());
  const renamed = {
    body: request.body,
    headers: { 'webhook-id': request.id, 'webhook-timestamp': request.headers['svix-timestamp'], 'webhook-signature': request.headers['svix-signature'] },
  };
  expect(await clerkAccepts(renamed)).toBe(false);

  // WHEN / THEN it is refused as unsigned
  await expectRejected(matrix.harness(), renamed, 'signature_missing');
});
