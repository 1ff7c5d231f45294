/**
 * Clerk delivers through Svix: Standard Webhooks over `svix-id`, `svix-timestamp` and `svix-signature`, with a
 * `whsec_` + base64 signing secret. Requests are signed with Svix's own `Webhook.sign` (the `svix` package), and
 * Clerk's own verifier (`verifyWebhook` from `@clerk/backend/webhooks`) is the oracle: it must accept every request
 * ours accepts and refuse every request ours refuses. Clerk defines no handshake.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { verifyWebhook } from '@clerk/backend/webhooks';
import { Webhook } from 'svix';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

// A signing secret in Clerk's format: `whsec_` followed by the base64 of the key bytes.
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
let clerk: Harness;

beforeAll(async () => {
  clerk = await providerHarness('clerk', { secret: SECRET });
});

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

/** The documented Standard Webhooks signature over raw bytes: base64 HMAC-SHA256 of `{id}.{ts}.{body}`, key = base64-decoded secret. */
function signBytes(id: string, timestamp: string, body: Buffer): string {
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body])).digest('base64')}`;
}

function without(request: SignedRequest, name: string): SignedRequest {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

const bytesOf = (message: Envelope) => Buffer.from(message.body, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');
const secondsFromNow = (seconds: number) => new Date(Date.now() + seconds * 1000);

test('a genuine delivery is accepted and enqueued once, keyed by svix-id', async () => {
  // GIVEN a user.created event signed by Svix, which Clerk's verifier accepts
  const request = signed(userCreated());
  expect(await clerkAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await clerk.send(request);

  // THEN it is accepted, and exactly one envelope carries the svix-id, the body's type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.id });
  const messages = await clerk.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'clerk', deliveryId: request.id, eventType: 'user.created', signatureVerified: true, bodyEncoding: 'utf8', body: request.body });
});

describe('forged or broken requests are refused as Clerk refuses them', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(userCreated());
      return { ...request, body: request.body.replace('Ada', 'Eve') };
    }, 'signature_mismatch'],
    ['a tampered signature (one base64 character changed)', () => {
      const request = signed(userCreated());
      const signature = request.headers['svix-signature'];
      const changed = signature.slice(0, 5) + (signature[5] === 'A' ? 'B' : 'A') + signature.slice(6);
      return { ...request, headers: { ...request.headers, 'svix-signature': changed } };
    }, 'signature_mismatch'],
    ['a signature that is not base64', () => {
      const request = signed(userCreated());
      return { ...request, headers: { ...request.headers, 'svix-signature': 'v1,not*base64!' } };
    }, 'signature_malformed'],
    ['a tampered svix-id (the id is signed)', () => {
      const request = signed(userCreated());
      return { ...request, headers: { ...request.headers, 'svix-id': `msg_${randomUUID()}` } };
    }, 'signature_mismatch'],
    ['a signature made with another secret', () => signed(userCreated(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no svix-signature header', () => without(signed(userCreated()), 'svix-signature'), 'signature_missing'],
    ['a timestamp 10 minutes old (window 5 min)', () => signed(userCreated(), { at: secondsFromNow(-600) }), 'timestamp_out_of_window'],
    ['a timestamp 10 minutes ahead (window 5 min)', () => signed(userCreated(), { at: secondsFromNow(600) }), 'timestamp_out_of_window'],
    ['no svix-timestamp header', () => without(signed(userCreated()), 'svix-timestamp'), 'timestamp_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request Clerk's own verifier refuses
    const request = make();
    expect(await clerkAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(clerk, request, code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(userCreated({ first_name: 'café ☕ 🚀 漢字' }));
  expect(await clerkAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await clerk.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await clerk.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN the documented signature computed over raw bytes, which for a UTF-8 body equals Svix's own signature
  // (Svix signs strings only: it would turn invalid bytes into U+FFFD before hashing)
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const utf8Body = userCreated({ first_name: 'café ☕' });
  expect(signBytes(id, timestamp, Buffer.from(utf8Body))).toBe(new Webhook(SECRET).sign(id, at, utf8Body));
  const body = invalidUtf8Json('{"type":"user.created","data":{"first_name":"', '"}}');

  // WHEN a body with bytes that are not UTF-8 is delivered with that signature
  const answer = await clerk.send({ body, headers: { 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': signBytes(id, timestamp, body) } });

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await clerk.messages();
  expect(message).toMatchObject({ deliveryId: id, eventType: 'user.created', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
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
  const answer = await clerk.send(request);

  // THEN it is accepted once
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
  expect(await clerk.messages()).toHaveLength(1);
});

test('the whsec_ secret is base64-decoded: a signature keyed with the literal string is refused', async () => {
  // GIVEN a signature whose key is the secret's UTF-8 text instead of its decoded bytes
  const body = userCreated();
  const request = signed(body, { secret: `whsec_${Buffer.from(SECRET, 'utf8').toString('base64')}` });
  expect(await clerkAccepts(request)).toBe(false);

  // WHEN / THEN it is refused
  await expectRejected(clerk, request, 'signature_mismatch');
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
  await expectRejected(clerk, renamed, 'signature_missing');
});
