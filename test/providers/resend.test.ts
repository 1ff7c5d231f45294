/**
 * Resend delivers through Svix: Standard Webhooks over `svix-id`, `svix-timestamp` and `svix-signature`, with a
 * `whsec_` + base64 signing secret. Requests are signed with the reference signer (`Webhook.sign` from the
 * `standardwebhooks` package), and Resend's own verifier (`resend.webhooks.verify` from the `resend` package, given
 * the three svix-* values as Resend's documentation says) is the oracle: it must accept every request ours accepts
 * and refuse the forgeries ours refuses. The delivery id is `svix-id`, the event type the body's `type`
 * (`email.sent`, `email.delivered`, ...); there is no handshake.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Resend } from 'resend';
import { Webhook } from 'standardwebhooks';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const resend = new Resend('re_test_unused');
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('resend', { secret: SECRET });
});

function emailDelivered(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'email.delivered',
    created_at: new Date().toISOString(),
    data: { email_id: randomUUID(), from: 'Acme <onboarding@resend.dev>', to: ['delivered@resend.dev'], subject: 'Sending this example', ...extra },
  });
}

const secondsFromNow = (seconds: number) => new Date(Date.now() + seconds * 1000);

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
  // GIVEN an email.delivered event, signed, which Resend's verifier accepts
  const request = signed(emailDelivered());
  expect(resendAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the svix-id, the body's type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.id });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'resend', deliveryId: request.id, eventType: 'email.delivered', signatureVerified: true, bodyEncoding: 'utf8', body: request.body });
});

describe('forged or broken requests are refused as Resend refuses them', () => {
  const withSignature = (request: SignedRequest, value: string): SignedRequest => ({ ...request, headers: { ...request.headers, 'svix-signature': value } });
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(emailDelivered());
      return { ...request, body: (request.body as string).replace('delivered@', 'bounced@') };
    }, 'signature_mismatch'],
    ['a tampered signature (one base64 character changed)', () => {
      const request = signed(emailDelivered());
      const signature = request.headers['svix-signature'];
      return withSignature(request, signature.slice(0, 5) + (signature[5] === 'A' ? 'B' : 'A') + signature.slice(6));
    }, 'signature_mismatch'],
    ['a signature that is not base64', () => withSignature(signed(emailDelivered()), 'v1,not*base64!'), 'signature_malformed'],
    ['a tampered svix-id (the id is signed)', () => {
      const request = signed(emailDelivered());
      return { ...request, headers: { ...request.headers, 'svix-id': `msg_${randomUUID()}` } };
    }, 'signature_mismatch'],
    ['a signature made with another secret', () => signed(emailDelivered(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no svix-signature header', () => without(signed(emailDelivered()), 'svix-signature'), 'signature_missing'],
    ['a timestamp 10 minutes old (window 5 min)', () => signed(emailDelivered(), { at: secondsFromNow(-600) }), 'timestamp_out_of_window'],
    ['a timestamp 10 minutes ahead (window 5 min)', () => signed(emailDelivered(), { at: secondsFromNow(600) }), 'timestamp_out_of_window'],
    ['no svix-timestamp header', () => without(signed(emailDelivered()), 'svix-timestamp'), 'timestamp_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request Resend's own verifier refuses
    const request = make();
    expect(resendAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(emailDelivered({ subject: 'café ☕ 🚀 漢字' }));
  expect(resendAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body as string, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN the documented signature computed over raw bytes, which for a UTF-8 body equals the signer's own
  // (the signer and Resend's verifier take strings only)
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const utf8Body = emailDelivered({ subject: 'café ☕' });
  expect(signBytes(id, timestamp, Buffer.from(utf8Body))).toBe(new Webhook(SECRET).sign(id, at, utf8Body));
  const body = invalidUtf8Json('{"type":"email.bounced","data":{"subject":"', '"}}');

  // WHEN a body with bytes that are not UTF-8 is delivered with that signature
  const answer = await harness.send({ body, headers: { 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': signBytes(id, timestamp, body) } });

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: id, eventType: 'email.bounced', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
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
  const answer = await harness.send(request);

  // THEN it is accepted once
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
  expect(await harness.messages()).toHaveLength(1);
});

test('the whsec_ secret is base64-decoded: a signature keyed with the literal string is refused', async () => {
  // GIVEN a signature whose key is the secret's UTF-8 text instead of its decoded bytes
  const request = signed(emailDelivered(), { secret: `whsec_${Buffer.from(SECRET, 'utf8').toString('base64')}` });
  expect(resendAccepts(request)).toBe(false);

  // WHEN / THEN it is refused
  await expectRejected(harness, request, 'signature_mismatch');
});
