/**
 * Standard Webhooks (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64> [v1,<base64> ...]`, the base64 HMAC-SHA256 of `{id}.{timestamp}.{raw body}`
 * keyed with the base64-decoded secret (`whsec_` prefix stripped). Requests are signed with the reference
 * library's `Webhook.sign` (the `standardwebhooks` package), and its `Webhook.verify` is the oracle: it must
 * accept every request ours accepts and refuse the forgeries ours refuses. The specification's own example is
 * checked too. The delivery id is `webhook-id`, the event type the body's `type`; there is no handshake.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('standard-webhooks', { secret: SECRET });
});

function invoicePaid(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: 'invoice.paid', timestamp: new Date().toISOString(), data: { id: `inv_${randomUUID()}`, amount: 4200, ...extra } });
}

const secondsFromNow = (seconds: number) => new Date(Date.now() + seconds * 1000);

/** A request signed by the reference library. */
function signed(body: string, options: { secret?: string; id?: string; at?: Date; raw?: boolean } = {}): SignedRequest & { id: string } {
  const id = options.id ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  const signer = options.raw ? new Webhook(options.secret ?? SECRET, { format: 'raw' }) : new Webhook(options.secret ?? SECRET);
  return {
    id,
    body,
    headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signer.sign(id, at, body) },
  };
}

/** The reference library's verdict on a request. */
function libraryAccepts(request: SignedRequest): boolean {
  try {
    new Webhook(SECRET).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
}

/** The specified signature over raw bytes: base64 HMAC-SHA256 of `{id}.{ts}.{body}`, key = base64-decoded secret. */
function signBytes(id: string, timestamp: string, body: Buffer): string {
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body])).digest('base64')}`;
}

function without(request: SignedRequest, name: string): SignedRequest {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

const bytesOf = (message: Envelope) => Buffer.from(message.body, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine delivery is accepted and enqueued once, keyed by webhook-id', async () => {
  // GIVEN an event signed by the reference library, which its verifier accepts
  const request = signed(invoicePaid());
  expect(libraryAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the webhook-id, the body's type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.id });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'standard-webhooks', deliveryId: request.id, eventType: 'invoice.paid', signatureVerified: true, bodyEncoding: 'utf8', body: request.body });
});

describe('forged or broken requests are refused as the reference library refuses them', () => {
  const withSignature = (request: SignedRequest, value: string): SignedRequest => ({ ...request, headers: { ...request.headers, 'webhook-signature': value } });
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(invoicePaid());
      return { ...request, body: (request.body as string).replace('4200', '4201') };
    }, 'signature_mismatch'],
    ['a tampered signature (one base64 character changed)', () => {
      const request = signed(invoicePaid());
      const signature = request.headers['webhook-signature'];
      return withSignature(request, signature.slice(0, 5) + (signature[5] === 'A' ? 'B' : 'A') + signature.slice(6));
    }, 'signature_mismatch'],
    ['a signature that is not base64', () => withSignature(signed(invoicePaid()), 'v1,not*base64!'), 'signature_malformed'],
    ['a signature of an unknown version only', () => {
      const request = signed(invoicePaid());
      return withSignature(request, request.headers['webhook-signature'].replace('v1,', 'v2,'));
    }, 'signature_malformed'],
    ['a tampered webhook-id (the id is signed)', () => {
      const request = signed(invoicePaid());
      return { ...request, headers: { ...request.headers, 'webhook-id': `msg_${randomUUID()}` } };
    }, 'signature_mismatch'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(invoicePaid());
      return { ...request, headers: { ...request.headers, 'webhook-timestamp': String(Number(request.headers['webhook-timestamp']) - 1) } };
    }, 'signature_mismatch'],
    ['a signature made with another secret', () => signed(invoicePaid(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no webhook-signature header', () => without(signed(invoicePaid()), 'webhook-signature'), 'signature_missing'],
    ['no webhook-id header (the id is part of what is signed)', () => without(signed(invoicePaid()), 'webhook-id'), 'signature_mismatch'],
    ['a timestamp 10 minutes old (window 5 min)', () => signed(invoicePaid(), { at: secondsFromNow(-600) }), 'timestamp_out_of_window'],
    ['a timestamp 10 minutes ahead (window 5 min)', () => signed(invoicePaid(), { at: secondsFromNow(600) }), 'timestamp_out_of_window'],
    ['no webhook-timestamp header', () => without(signed(invoicePaid()), 'webhook-timestamp'), 'timestamp_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request the reference library refuses
    const request = make();
    expect(libraryAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(invoicePaid({ memo: 'café ☕ 🚀 漢字' }));
  expect(libraryAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body as string, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN the specified signature computed over raw bytes, which for a UTF-8 body equals the library's own
  // (the library turns a Buffer into a string before hashing, replacing bytes that are not UTF-8)
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const utf8Body = invoicePaid({ memo: 'café ☕' });
  expect(signBytes(id, timestamp, Buffer.from(utf8Body))).toBe(new Webhook(SECRET).sign(id, at, utf8Body));
  const body = invalidUtf8Json('{"type":"invoice.paid","data":{"memo":"', '"}}');

  // WHEN a body with bytes that are not UTF-8 is delivered with that signature
  const answer = await harness.send({ body, headers: { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signBytes(id, timestamp, body) } });

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: id, eventType: 'invoice.paid', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

test('during a secret rotation the header lists several signatures, any of which may match; v1a entries are skipped', async () => {
  // GIVEN a header with a signature by another (new) secret, an asymmetric v1a entry, then one by our secret
  const body = invoicePaid();
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const ours = new Webhook(SECRET).sign(id, at, body);
  const theirs = new Webhook(OTHER_SECRET).sign(id, at, body);
  const request = { body, headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': `${theirs} v1a,${randomBytes(64).toString('base64')} ${ours}` } };
  expect(libraryAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted once
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
  expect(await harness.messages()).toHaveLength(1);
});

test('the whsec_ secret is base64-decoded: a signature keyed with the literal string is refused', async () => {
  // GIVEN a signature whose key is the secret's text, as the library's "raw" format would use it
  const request = signed(invoicePaid(), { raw: true });
  expect(libraryAccepts(request)).toBe(false);

  // WHEN / THEN it is refused
  await expectRejected(harness, request, 'signature_mismatch');
});

test('a secret stored without its whsec_ prefix is the same key', async () => {
  // GIVEN a receiver whose secret is the bare base64 (the library strips the prefix when present)
  const bare = await providerHarness('standard-webhooks', { secret: SECRET.slice('whsec_'.length), id: 'std-bare-secret' });
  const request = signed(invoicePaid());
  expect(libraryAccepts(request)).toBe(true);

  // WHEN a request signed with the prefixed secret is delivered
  const answer = await bare.send(request);

  // THEN it is accepted
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.id });
  expect(await bare.messages()).toHaveLength(1);
});

describe("the specification's example: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, msg_p5jXN8AQM9LWM0D4loKWxJek, 1614265330", () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const body = '{"test": 2432232314}';
  const headers = { 'webhook-id': id, 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' };

  test('the library reproduces it, and ours accepts it when its window reaches back to 2021', async () => {
    // GIVEN the example, which the reference library reproduces, and a receiver whose window spans the years since
    expect(new Webhook(secret).sign(id, new Date(1614265330 * 1000), body)).toBe(headers['webhook-signature']);
    const atVectorTime = await providerHarness('standard-webhooks', { secret, id: 'std-vector', toleranceSeconds: 20 * 365 * 24 * 3600 });

    // WHEN it is delivered
    const answer = await atVectorTime.send({ body, headers });

    // THEN it is accepted with its exact body; with one byte changed it is not
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
    expect((await atVectorTime.messages())[0]).toMatchObject({ deliveryId: id, body });
    await expectRejected(atVectorTime, { body: body.replace('4', '5'), headers }, 'signature_mismatch');
  });

  test('with the default 5 minute window it is stale', async () => {
    // GIVEN the same example against a receiver with the default window
    const today = await providerHarness('standard-webhooks', { secret, id: 'std-vector-today' });

    // WHEN / THEN it is refused as out of window
    await expectRejected(today, { body, headers }, 'timestamp_out_of_window');
  });
});
