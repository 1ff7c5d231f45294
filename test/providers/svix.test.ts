/**
 * Svix: Standard Webhooks over `svix-id`, `svix-timestamp` and `svix-signature: v1,<base64> [...]`, the base64
 * HMAC-SHA256 of `{id}.{timestamp}.{raw body}` keyed with the base64-decoded `whsec_` secret. Requests are signed
 * with Svix's own `Webhook.sign` (the `svix` package), and its `Webhook.verify` is the oracle: it must accept every
 * request ours accepts and refuse the forgeries ours refuses. Svix's documentation
 * (https://docs.svix.com/receiving/verifying-payloads/how-manual) adds that white-labeled accounts send the same
 * headers with a `webhook-` prefix, and that its libraries accept both. The delivery id is `svix-id`, the event
 * type the body's `type`; there is no handshake.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'svix';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('svix', { secret: SECRET });
});

function invoiceCreated(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: 'invoice.created', data: { id: `inv_${randomUUID()}`, amount: 1999, ...extra } });
}

const secondsFromNow = (seconds: number) => new Date(Date.now() + seconds * 1000);

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

/** The documented signature over raw bytes: base64 HMAC-SHA256 of `{id}.{ts}.{body}`, key = base64-decoded secret. */
function signBytes(id: string, timestamp: string, body: Buffer): string {
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body])).digest('base64')}`;
}

function without(request: SignedRequest, name: string): SignedRequest {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

const bytesOf = (message: Envelope) => Buffer.from(message.body, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine delivery is accepted and enqueued once, keyed by svix-id', async () => {
  // GIVEN an event signed by Svix, which Svix's verifier accepts
  const request = signed(invoiceCreated());
  expect(svixAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the svix-id, the body's type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.id });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'svix', deliveryId: request.id, eventType: 'invoice.created', signatureVerified: true, bodyEncoding: 'utf8', body: request.body });
});

describe('forged or broken requests are refused as Svix refuses them', () => {
  const withSignature = (request: SignedRequest, value: string): SignedRequest => ({ ...request, headers: { ...request.headers, 'svix-signature': value } });
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(invoiceCreated());
      return { ...request, body: (request.body as string).replace('1999', '1') };
    }, 'signature_mismatch'],
    ['a tampered signature (one base64 character changed)', () => {
      const request = signed(invoiceCreated());
      const signature = request.headers['svix-signature'];
      return withSignature(request, signature.slice(0, 5) + (signature[5] === 'A' ? 'B' : 'A') + signature.slice(6));
    }, 'signature_mismatch'],
    ['a signature that is not base64', () => withSignature(signed(invoiceCreated()), 'v1,not*base64!'), 'signature_malformed'],
    ['a tampered svix-id (the id is signed)', () => {
      const request = signed(invoiceCreated());
      return { ...request, headers: { ...request.headers, 'svix-id': `msg_${randomUUID()}` } };
    }, 'signature_mismatch'],
    ['a signature made with another secret', () => signed(invoiceCreated(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no svix-signature header', () => without(signed(invoiceCreated()), 'svix-signature'), 'signature_missing'],
    ['a timestamp 10 minutes old (window 5 min)', () => signed(invoiceCreated(), { at: secondsFromNow(-600) }), 'timestamp_out_of_window'],
    ['a timestamp 10 minutes ahead (window 5 min)', () => signed(invoiceCreated(), { at: secondsFromNow(600) }), 'timestamp_out_of_window'],
    ['no svix-timestamp header', () => without(signed(invoiceCreated()), 'svix-timestamp'), 'timestamp_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request Svix's own verifier refuses
    const request = make();
    expect(svixAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(invoiceCreated({ memo: 'café ☕ 🚀 漢字' }));
  expect(svixAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body as string, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN the documented signature computed over raw bytes, which for a UTF-8 body equals Svix's own
  // (Svix signs strings only: it would turn invalid bytes into U+FFFD before hashing)
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const utf8Body = invoiceCreated({ memo: 'café ☕' });
  expect(signBytes(id, timestamp, Buffer.from(utf8Body))).toBe(new Webhook(SECRET).sign(id, at, utf8Body));
  const body = invalidUtf8Json('{"type":"invoice.created","data":{"memo":"', '"}}');

  // WHEN a body with bytes that are not UTF-8 is delivered with that signature
  const answer = await harness.send({ body, headers: { 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': signBytes(id, timestamp, body) } });

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: id, eventType: 'invoice.created', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
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
  const answer = await harness.send(request);

  // THEN it is accepted once
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
  expect(await harness.messages()).toHaveLength(1);
});

test('the whsec_ secret is base64-decoded: a signature keyed with the literal string is refused', async () => {
  // GIVEN a signature whose key is the secret's UTF-8 text instead of its decoded bytes
  const request = signed(invoiceCreated(), { secret: `whsec_${Buffer.from(SECRET, 'utf8').toString('base64')}` });
  expect(svixAccepts(request)).toBe(false);

  // WHEN / THEN it is refused
  await expectRejected(harness, request, 'signature_mismatch');
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
  const answer = await harness.send(whiteLabeled);

  // THEN it is accepted once, keyed by webhook-id
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.id });
  expect((await harness.messages())[0]).toMatchObject({ deliveryId: request.id, eventType: 'invoice.created' });
});
