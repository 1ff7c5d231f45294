/**
 * Meta (Facebook, Instagram, WhatsApp Cloud API) webhooks: `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of
 * the raw body keyed with the app secret (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads).
 * Meta publishes no npm package that signs or verifies, so requests are signed here as documented, with
 * node:crypto. Meta sends no delivery id: a delivery is keyed by `sha256:<hex of the body>`; its event type is the
 * body's `object`. The handshake is the subscription GET
 * (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests):
 * `hub.mode=subscribe&hub.verify_token=<token>&hub.challenge=<n>`, answered 200 with the challenge alone when the
 * token is the one configured. The secret holds both values as JSON: `{"signingSecret": "<app secret>",
 * "verifyToken": "<token>"}`. The standard matrix is test/support/provider-matrix.ts; this file holds what is
 * particular to Meta.
 */
import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { expectRejected, invalidUtf8Json, providerHarness } from '../support/provider-harness';
import { noWindow, providerMatrix, withHeader, type SignedRequest } from '../support/provider-matrix';

const APP_SECRET = randomBytes(16).toString('hex');
const OTHER_SECRET = randomBytes(16).toString('hex');
const ROTATED_SECRET = randomBytes(16).toString('hex');
const VERIFY_TOKEN = `verify-${randomBytes(12).toString('hex')}`;

const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

/** A WhatsApp Cloud API `messages` notification, as Meta serialises it. */
function whatsappMessage(text = 'Hello', extra: Record<string, unknown> = {}): string {
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
          messages: [{ from: '16505551234', id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), text: { body: text }, type: 'text', ...extra }],
        },
      }],
    }],
  });
}

/** The documented scheme: `sha256=` + hex HMAC-SHA256 of the raw body bytes, keyed with the app secret's text. */
const sha256 = (body: string | Buffer, secret = APP_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const signed = (body: string | Buffer, secret = APP_SECRET): SignedRequest => ({ body, headers: { 'X-Hub-Signature-256': sha256(body, secret) } });

const verification = (query: Record<string, string>) => ({ method: 'GET', body: '', headers: {}, query });
const CHALLENGE = String(randomInt(1e9, 2e9));

const matrix = providerMatrix({
  kind: 'meta',
  notApplicable: noWindow('no timestamp is signed'),
  secret: JSON.stringify({ signingSecret: APP_SECRET, verifyToken: VERIFY_TOKEN }),
  otherSecret: OTHER_SECRET,
  rotation: { stored: JSON.stringify({ signingSecret: ROTATED_SECRET, verifyToken: VERIFY_TOKEN }), signingSecret: ROTATED_SECRET },
  event: (extra) => whatsappMessage('Hello', extra),
  sign: (body, options) => signed(body, options?.secret),
  signBytes: (body) => signed(body).headers,
  signatureHeader: 'X-Hub-Signature-256',
  // No delivery id: the body's hash, which a redelivery of the same notification repeats
  expected: (request) => ({ deliveryId: bodyHash(request.body), eventType: 'whatsapp_business_account' }),
  tamper: ['Hello', 'Goodbye'],
  refusals: [
    ['a signature that is not hex', () => withHeader(signed(whatsappMessage()), 'X-Hub-Signature-256', 'sha256=not-hex-at-all'), 'signature_malformed'],
    ['a signature without its sha256= prefix', () => {
      const request = signed(whatsappMessage());
      return withHeader(request, 'X-Hub-Signature-256', request.headers['X-Hub-Signature-256'].slice('sha256='.length));
    }, 'signature_malformed'],
    ['a signature made with the verify token (it is not a signing key)', () => signed(whatsappMessage(), VERIFY_TOKEN), 'signature_mismatch'],
    ['only the legacy SHA-1 X-Hub-Signature header', () => {
      const body = whatsappMessage();
      return { body, headers: { 'X-Hub-Signature': `sha1=${createHmac('sha1', APP_SECRET).update(body).digest('hex')}` } };
    }, 'signature_missing'],
  ],
  handshake: {
    name: 'the subscription GET with the configured verify token',
    request: () => verification({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': CHALLENGE }),
    // The challenge alone, as text/plain
    expectAnswer: (answer) => {
      expect(answer.status).toBe(200);
      expect(String(answer.headers['Content-Type'])).toMatch(/^text\/plain\b/);
      expect(answer.text).toBe(CHALLENGE);
    },
  },
  invalidUtf8Body: () => invalidUtf8Json('{"object":"page","entry":[{"messaging":[{"message":{"text":"', '"}}]}]}'),
  invalidUtf8Expected: ({ body }) => ({ deliveryId: bodyHash(body), eventType: 'page' }),
});

describe('the subscription handshake (GET)', () => {

  test('with another verify token, it is refused with 401 verify_token_mismatch and the challenge is not echoed', async () => {
    // GIVEN a verification request with a token that is not ours
    const request = verification({ 'hub.mode': 'subscribe', 'hub.verify_token': `${VERIFY_TOKEN}x`, 'hub.challenge': '1158201444' });

    // WHEN / THEN it is a 401 with the right code, and nothing is enqueued or recorded
    await expectRejected(matrix.harness(), request, 'verify_token_mismatch');
    expect((await matrix.harness().send(request)).text).not.toContain('1158201444');
  });

  test('with the app secret given as verify token, it is refused: the two are distinct values', async () => {
    // GIVEN a verification request presenting the app secret instead of the verify token
    const request = verification({ 'hub.mode': 'subscribe', 'hub.verify_token': APP_SECRET, 'hub.challenge': '1158201444' });

    // WHEN / THEN it is refused
    await expectRejected(matrix.harness(), request, 'verify_token_mismatch');
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
    const recordsBefore = await matrix.harness().records();

    // WHEN it arrives
    const answer = await matrix.harness().send(verification(query));

    // THEN it is a 400 handshake_malformed
    expect({ status: answer.status, error: answer.body?.error }).toEqual({ status: 400, error: 'handshake_malformed' });
    expect(await matrix.harness().messages()).toEqual([]);
    expect(await matrix.harness().records()).toBe(recordsBefore);
  });
});

test('a body with unicode escaped as Meta sends it (\\u00e4) verifies over the escapes and arrives unchanged', async () => {
  // GIVEN a notification serialised as Meta serialises it, non-ASCII as lower-case \uXXXX escapes, and signed over
  // those escaped bytes, as Meta's documentation describes
  const body = whatsappMessage('äöå').replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  expect(body).toContain('\\u00e4\\u00f6\\u00e5');
  const request = signed(body);

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN it is accepted, and the envelope keeps the escapes byte for byte
  expect(answer.status).toBe(200);
  const [message] = await matrix.harness().messages();
  expect(message.body).toBe(body);
});
