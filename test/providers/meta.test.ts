/**
 * Meta (Facebook, Instagram, WhatsApp Cloud API) webhooks: `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of
 * the raw body keyed with the app secret (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads).
 * Meta publishes no npm package that signs or verifies, so requests are signed here as documented, with
 * node:crypto. Meta sends no delivery id: a delivery is keyed by `sha256:<hex of the body>`; its event type is the
 * body's `object`. The handshake is the subscription GET
 * (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests):
 * `hub.mode=subscribe&hub.verify_token=<token>&hub.challenge=<n>`, answered 200 with the challenge alone when the
 * token is the one configured. The secret holds both values as JSON: `{"signingSecret": "<app secret>",
 * "verifyToken": "<token>"}`.
 */
import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const APP_SECRET = randomBytes(16).toString('hex');
const OTHER_SECRET = randomBytes(16).toString('hex');
const VERIFY_TOKEN = `verify-${randomBytes(12).toString('hex')}`;
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('meta', { secret: JSON.stringify({ signingSecret: APP_SECRET, verifyToken: VERIFY_TOKEN }) });
});

const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

/** A WhatsApp Cloud API `messages` notification, as Meta serialises it. */
function whatsappMessage(text = 'Hello'): string {
  const wamid = `wamid.${randomBytes(24).toString('base64url')}`;
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{
      id: '102290129340398',
      changes: [{
        field: 'messages',
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
          contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
          messages: [{ from: '16505551234', id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), text: { body: text }, type: 'text' }],
        },
      }],
    }],
  });
}

/** The documented scheme: `sha256=` + hex HMAC-SHA256 of the raw body bytes, keyed with the app secret's text. */
const sha256 = (body: string | Buffer, secret = APP_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const signed = (body: string | Buffer, secret = APP_SECRET): SignedRequest => ({ body, headers: { 'X-Hub-Signature-256': sha256(body, secret) } });

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine notification is accepted and enqueued once, keyed by the hash of its body', async () => {
  // GIVEN a WhatsApp notification signed with the app secret as Meta documents
  const body = whatsappMessage();
  const request = signed(body);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the body's hash, its object and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'meta', deliveryId: bodyHash(body), eventType: 'whatsapp_business_account', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body });
});

describe('forged or broken notifications are refused', () => {
  const withSignature = (request: SignedRequest, value: string): SignedRequest => ({ ...request, headers: { 'X-Hub-Signature-256': value } });
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(whatsappMessage());
      return { ...request, body: (request.body as string).replace('Hello', 'Goodbye') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(whatsappMessage());
      const header = request.headers['X-Hub-Signature-256'];
      return withSignature(request, header.slice(0, -1) + (header.endsWith('0') ? '1' : '0'));
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => withSignature(signed(whatsappMessage()), 'sha256=not-hex-at-all'), 'signature_malformed'],
    ['a signature without its sha256= prefix', () => {
      const request = signed(whatsappMessage());
      return withSignature(request, request.headers['X-Hub-Signature-256'].slice('sha256='.length));
    }, 'signature_malformed'],
    ['a signature made with another app secret', () => signed(whatsappMessage(), OTHER_SECRET), 'signature_mismatch'],
    ['a signature made with the verify token (it is not a signing key)', () => signed(whatsappMessage(), VERIFY_TOKEN), 'signature_mismatch'],
    ['no X-Hub-Signature-256 header', () => ({ body: whatsappMessage(), headers: {} }), 'signature_missing'],
    ['only the legacy SHA-1 X-Hub-Signature header', () => {
      const body = whatsappMessage();
      return { body, headers: { 'X-Hub-Signature': `sha1=${createHmac('sha1', APP_SECRET).update(body).digest('hex')}` } };
    }, 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a notification that is not signed with our app secret as Meta signs
    const request = make();

    // WHEN / THEN it is refused with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

describe('the subscription handshake (GET)', () => {
  const verification = (query: Record<string, string>) => ({ method: 'GET', body: '', query });

  test('with the configured verify token, the challenge is echoed as text/plain; nothing is enqueued or recorded', async () => {
    // GIVEN the verification request Meta sends when the callback URL is saved
    const challenge = String(randomInt(1e9, 2e9));
    const recordsBefore = await harness.records();

    // WHEN it arrives
    const answer = await harness.send(verification({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': challenge }));

    // THEN the answer is 200 with the challenge alone, as plain text
    expect(answer.status).toBe(200);
    expect(String(answer.headers['Content-Type'])).toMatch(/^text\/plain\b/);
    expect(answer.text).toBe(challenge);
    expect(await harness.messages()).toEqual([]);
    expect(await harness.records()).toBe(recordsBefore);
  });

  test('with another verify token, it is refused with 401 verify_token_mismatch and the challenge is not echoed', async () => {
    // GIVEN a verification request with a token that is not ours
    const request = verification({ 'hub.mode': 'subscribe', 'hub.verify_token': `${VERIFY_TOKEN}x`, 'hub.challenge': '1158201444' });

    // WHEN / THEN it is a 401 with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, 'verify_token_mismatch');
    expect((await harness.send(request)).text).not.toContain('1158201444');
  });

  test('with the app secret given as verify token, it is refused: the two are distinct values', async () => {
    // GIVEN a verification request presenting the app secret instead of the verify token
    const request = verification({ 'hub.mode': 'subscribe', 'hub.verify_token': APP_SECRET, 'hub.challenge': '1158201444' });

    // WHEN / THEN it is refused
    await expectRejected(harness, request, 'verify_token_mismatch');
  });

  test('a secret without a verifyToken refuses every verification request', async () => {
    // GIVEN a receiver whose secret is the bare app secret, with no verify token
    const bare = await providerHarness('meta', { secret: APP_SECRET, id: 'meta-no-verify-token' });

    // WHEN / THEN a verification request is refused, whatever token it presents
    await expectRejected(bare, verification({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1158201444' }), 'verify_token_mismatch');
    await expectRejected(bare, verification({ 'hub.mode': 'subscribe', 'hub.verify_token': APP_SECRET, 'hub.challenge': '1158201444' }), 'verify_token_mismatch');
  });

  test.each<[string, Record<string, string>]>([
    ['no parameters at all', {}],
    ['no hub.challenge', { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN }],
    ['no hub.verify_token', { 'hub.mode': 'subscribe', 'hub.challenge': '1158201444' }],
    ['a hub.mode other than subscribe', { 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1158201444' }],
  ])('a GET with %s is a 400, and nothing is enqueued or recorded', async (_name, query) => {
    // GIVEN a GET that is not a complete subscription request
    const recordsBefore = await harness.records();

    // WHEN it arrives
    const answer = await harness.send(verification(query));

    // THEN it is a 400 handshake_malformed
    expect({ status: answer.status, error: answer.body?.error }).toEqual({ status: 400, error: 'handshake_malformed' });
    expect(await harness.messages()).toEqual([]);
    expect(await harness.records()).toBe(recordsBefore);
  });
});

test('a redelivery of the same notification is not enqueued a second time (the body hash is the key)', async () => {
  // GIVEN a notification that was accepted
  const request = signed(whatsappMessage());
  expect((await harness.send(request)).status).toBe(200);
  expect(await harness.messages()).toHaveLength(1);
  const records = await harness.records();

  // WHEN Meta delivers it again
  const answer = await harness.send(request);

  // THEN the hash is still held by the first delivery: no new record, nothing enqueued
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 200, code: 'duplicate' });
  expect(await harness.records()).toBe(records);
  expect(await harness.messages()).toEqual([]);
});

test('a body with unicode escaped as Meta sends it (\\u00e4) verifies over the escapes and arrives unchanged', async () => {
  // GIVEN a notification serialised as Meta serialises it, non-ASCII as lower-case \uXXXX escapes, and signed over
  // those escaped bytes, as Meta's documentation describes
  const body = whatsappMessage('äöå').replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  expect(body).toContain('\\u00e4\\u00f6\\u00e5');
  const request = signed(body);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and the envelope keeps the escapes byte for byte
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.body).toBe(body);
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with raw accents, a symbol, an emoji and CJK characters
  const body = whatsappMessage('café ☕ 🚀 漢字');
  const request = signed(body);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(body, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN a body with bytes that are not UTF-8, signed over its bytes as documented
  const body = invalidUtf8Json('{"object":"page","entry":[{"messaging":[{"message":{"text":"', '"}}]}]}');
  const request = signed(body);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: bodyHash(body), eventType: 'page', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});
