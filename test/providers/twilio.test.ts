/**
 * Twilio: `X-Twilio-Signature`, the base64 HMAC-SHA1 keyed with the auth token over the full public URL (with its
 * query string) followed, for form posts, by every parameter's name and value with names sorted. JSON bodies are
 * not signed themselves: the URL carries `bodySHA256=<hex SHA-256 of the body>`, and the URL is signed. Requests
 * are signed with Twilio's own `getExpectedTwilioSignature` and `getExpectedBodyHash`, and Twilio's own
 * `validateRequest` / `validateRequestWithBody` are the oracle: they must accept every request ours accepts and
 * refuse the forgeries ours refuses. The published vector from Twilio's documentation is checked too. The
 * delivery id is the `I-Twilio-Idempotency-Token` header; Twilio signs no timestamp and defines no handshake. The
 * standard matrix (test/support/provider-matrix.ts) runs on JSON posts; this file holds the form posts and what else
 * is particular to Twilio.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { getExpectedBodyHash, getExpectedTwilioSignature, validateRequest, validateRequestWithBody } from 'twilio/lib/webhooks/webhooks';
import type { Envelope } from '../../contract/config';
import { expectRejected, providerHarness, type Harness } from '../support/provider-harness';
import { noWindow, providerMatrix, withHeader, without, type SignedRequest } from '../support/provider-matrix';

type Params = Record<string, string | string[]>;

const TOKEN = randomBytes(16).toString('hex');
const OTHER_TOKEN = randomBytes(16).toString('hex');
const PUBLIC_URL = 'https://hooks.example.com/webhooks/twilio';
const FORM = 'application/x-www-form-urlencoded';

function incomingSms(extra: Params = {}): Params {
  return {
    MessageSid: `SM${randomBytes(16).toString('hex')}`,
    AccountSid: 'AC0123456789abcdef0123456789abcdef',
    From: '+14155550100',
    To: '+14155550199',
    Body: 'Hello from Twilio',
    NumMedia: '0',
    ...extra,
  };
}

/** The form body Twilio posts for these parameters (a repeated name is sent once per value). */
function formBody(params: Params): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const v of [value].flat()) form.append(name, v);
  return form.toString();
}

/** The parameters of a form body, as Twilio's validator takes them (a repeated name becomes an array). */
function paramsOf(body: string): Params {
  const params: Params = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const seen = params[name];
    params[name] = seen === undefined ? value : [seen].flat().concat(value);
  }
  return params;
}

const urlWith = (query?: Record<string, string>) => (query ? `${PUBLIC_URL}?${new URLSearchParams(query)}` : PUBLIC_URL);
const tokenOf = (request: SignedRequest) => request.headers['I-Twilio-Idempotency-Token'];

/** A form post signed by Twilio's own helper over the public URL (with `query`) and the parameters. */
function signedForm(params: Params, options: { token?: string; query?: Record<string, string>; signedUrl?: string } = {}): SignedRequest {
  const body = formBody(params);
  const signature = getExpectedTwilioSignature(options.token ?? TOKEN, options.signedUrl ?? urlWith(options.query), paramsOf(body));
  return { body, query: options.query, headers: { 'Content-Type': FORM, 'X-Twilio-Signature': signature, 'I-Twilio-Idempotency-Token': randomUUID() } };
}

/** A JSON post as Twilio sends it: bodySHA256 (Twilio's getExpectedBodyHash) in the URL, the URL signed. */
function signedJson(body: string | Buffer, options: { token?: string; bodyHash?: string; id?: string } = {}): SignedRequest {
  const query = { bodySHA256: options.bodyHash ?? getExpectedBodyHash(String(body)) };
  const signature = getExpectedTwilioSignature(options.token ?? TOKEN, urlWith(query), {});
  return { body, query, headers: { 'Content-Type': 'application/json', 'X-Twilio-Signature': signature, 'I-Twilio-Idempotency-Token': options.id ?? randomUUID() } };
}

/** Twilio's own verdict on a request. */
function twilioAccepts(request: SignedRequest): boolean {
  const signature = request.headers['X-Twilio-Signature'] ?? '';
  const url = urlWith(request.query);
  return request.headers['Content-Type'] === FORM
    ? validateRequest(TOKEN, signature, url, paramsOf(request.body.toString()))
    : validateRequestWithBody(TOKEN, signature, url, request.body.toString());
}

const deliveryEvent = (extra: Record<string, unknown> = {}) => JSON.stringify({ specversion: '1.0', type: 'com.twilio.messaging.message.delivered', id: randomUUID(), data: { status: 'delivered', ...extra } });
const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');
const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const matrix = providerMatrix({
  kind: 'twilio',
  notApplicable: noWindow('no timestamp is signed'),
  secret: TOKEN,
  otherSecret: OTHER_TOKEN,
  rotation: { stored: randomBytes(16).toString('hex') },
  harness: { publicUrl: PUBLIC_URL },
  event: deliveryEvent,
  sign: (body, options) => signedJson(body, { token: options?.secret, id: options?.id }),
  accepts: twilioAccepts,
  // The documented scheme over raw bytes: bodySHA256 is the SHA-256 of the bytes, the URL signed by Twilio's helper
  signRaw: (body, { id }) => signedJson(body, { bodyHash: sha256Hex(body), id }),
  signatureHeader: 'X-Twilio-Signature',
  expected: (request) => ({ deliveryId: tokenOf(request) }),
  tamper: ['"delivered"', '"failed"'],
  refusals: [
    ['a JSON post with body and bodySHA256 both replaced (the URL is signed)', () => {
      const request = signedJson(JSON.stringify({ status: 'delivered' }));
      const body = JSON.stringify({ status: 'failed' });
      return { ...request, body, query: { bodySHA256: getExpectedBodyHash(body) } };
    }, 'signature_mismatch'],
    ['a JSON post without bodySHA256', () => ({ ...signedJson(JSON.stringify({ status: 'delivered' })), query: undefined }), 'signature_malformed'],
    ['a form post with a tampered parameter', () => {
      const request = signedForm(incomingSms());
      return { ...request, body: (request.body as string).replace('Hello', 'Hullo') };
    }, 'signature_mismatch'],
    ['a form post with an added parameter', () => {
      const request = signedForm(incomingSms());
      return { ...request, body: `${request.body}&Extra=1` };
    }, 'signature_mismatch'],
    ['a form post with a tampered signature (one base64 character changed)', () => {
      const request = signedForm(incomingSms());
      const signature = request.headers['X-Twilio-Signature'];
      return withHeader(request, 'X-Twilio-Signature', (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1));
    }, 'signature_mismatch'],
    ['a form post with a signature that is not base64', () => withHeader(signedForm(incomingSms()), 'X-Twilio-Signature', 'not*base64!'), 'signature_malformed'],
    ['a form post signed with another auth token', () => signedForm(incomingSms(), { token: OTHER_TOKEN }), 'signature_mismatch'],
    ['a form post signed for another URL', () => signedForm(incomingSms(), { signedUrl: 'https://evil.example.com/webhooks/twilio' }), 'signature_mismatch'],
    ['a form post without X-Twilio-Signature', () => without(signedForm(incomingSms()), 'X-Twilio-Signature'), 'signature_missing'],
  ],
});

describe('form posts (SMS and voice webhooks)', () => {
  test('a genuine form post is accepted and enqueued once, keyed by I-Twilio-Idempotency-Token', async () => {
    // GIVEN an incoming SMS signed by Twilio's helper, which Twilio's validator accepts
    const request = signedForm(incomingSms());
    expect(twilioAccepts(request)).toBe(true);

    // WHEN it is delivered
    const answer = await matrix.harness().send(request);

    // THEN it is accepted, and exactly one envelope carries the idempotency token and the exact body (no event type:
    // Twilio sends none)
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: tokenOf(request) });
    const messages = await matrix.harness().messages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ provider: 'twilio', deliveryId: tokenOf(request), auth: 'hmac', bodySigned: true, contentType: FORM, bodyEncoding: 'utf8', body: request.body });
    expect(messages[0].eventType).toBeUndefined();
  });

  test('a public URL with a query string is signed with it', async () => {
    // GIVEN a webhook URL configured with a query string, signed by Twilio's helper
    const request = signedForm(incomingSms(), { query: { tenant: 'acme', region: 'eu-west-1' } });
    expect(twilioAccepts(request)).toBe(true);

    // WHEN it is delivered with that query string
    const answer = await matrix.harness().send(request);

    // THEN it is accepted; the same request without its query string is not
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: tokenOf(request) });
    expect(await matrix.harness().messages()).toHaveLength(1);
    await expectRejected(matrix.harness(), { ...request, query: undefined }, 'signature_mismatch');
  });

  test('a signature over the URL with the default port :443 is accepted, as Twilio\'s validator accepts it', async () => {
    // GIVEN a signature over https://host:443/..., which Twilio produces for some configurations
    const request = signedForm(incomingSms(), { signedUrl: PUBLIC_URL.replace('hooks.example.com', 'hooks.example.com:443') });
    expect(twilioAccepts(request)).toBe(true);

    // WHEN / THEN it is accepted
    expect((await matrix.harness().send(request)).body).toEqual({ ok: true, code: 'accepted', deliveryId: tokenOf(request) });
    expect(await matrix.harness().messages()).toHaveLength(1);
  });

  test('a repeated parameter is signed with its values sorted, as Twilio\'s helper signs it', async () => {
    // GIVEN a form with a parameter repeated, its values out of order
    const request = signedForm(incomingSms({ MediaUrl: ['https://example.com/b.png', 'https://example.com/a.png'] }));
    expect(twilioAccepts(request)).toBe(true);

    // WHEN / THEN it is accepted
    expect((await matrix.harness().send(request)).body).toEqual({ ok: true, code: 'accepted', deliveryId: tokenOf(request) });
    expect(await matrix.harness().messages()).toHaveLength(1);
  });

  test('a value repeated under the same name is signed once, as Twilio\'s helper signs it', async () => {
    // GIVEN a form where one name carries the same value twice: Twilio's helper signs each distinct value once
    const request = signedForm(incomingSms({ MediaUrl: ['https://example.com/b.png', 'https://example.com/a.png', 'https://example.com/b.png'] }));
    expect(twilioAccepts(request)).toBe(true);

    // WHEN / THEN it is accepted
    expect((await matrix.harness().send(request)).body).toEqual({ ok: true, code: 'accepted', deliveryId: tokenOf(request) });
    expect(await matrix.harness().messages()).toHaveLength(1);
  });

  test('without an idempotency token, the delivery is keyed by the hash of its bytes', async () => {
    // GIVEN a signed form post without I-Twilio-Idempotency-Token
    const request = without(signedForm(incomingSms()), 'I-Twilio-Idempotency-Token');
    expect(twilioAccepts(request)).toBe(true);

    // WHEN it is delivered
    const answer = await matrix.harness().send(request);

    // THEN its delivery id is sha256:<hex of the body>
    const deliveryId = `sha256:${createHash('sha256').update(request.body).digest('hex')}`;
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId });
    expect((await matrix.harness().messages())[0]).toMatchObject({ deliveryId });
  });

  test('a form body with non-ASCII text verifies over the decoded values and arrives byte-identical', async () => {
    // GIVEN an SMS whose text has accents, a symbol, an emoji and CJK characters (percent-encoded in the form)
    const request = signedForm(incomingSms({ Body: 'café ☕ 🚀 漢字' }));
    expect(twilioAccepts(request)).toBe(true);

    // WHEN it is delivered
    const answer = await matrix.harness().send(request);

    // THEN the envelope holds exactly the bytes that were sent
    expect(answer.status).toBe(200);
    const [message] = await matrix.harness().messages();
    expect(bytesOf(message).equals(Buffer.from(request.body as string, 'utf8'))).toBe(true);
    expect(new URLSearchParams(message.body).get('Body')).toBe('café ☕ 🚀 漢字');
  });
});

describe('the published vector: token 12345, https://mycompany.com/myapp.php?foo=1&bar=2', () => {
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
  const signature = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';
  let vector: Harness;

  beforeAll(async () => {
    vector = await providerHarness('twilio', { secret: '12345', id: 'twilio-vector', publicUrl: 'https://mycompany.com/myapp.php' });
  });

  test('Twilio\'s helper reproduces the vector, and ours accepts it', async () => {
    // GIVEN the documented request, whose signature Twilio's helper reproduces
    expect(getExpectedTwilioSignature('12345', url, params)).toBe(signature);

    // WHEN it is delivered to the documented URL
    const answer = await vector.send({
      body: formBody(params),
      query: { foo: '1', bar: '2' },
      headers: { 'Content-Type': FORM, 'X-Twilio-Signature': signature, 'I-Twilio-Idempotency-Token': 'vector-1' },
    });

    // THEN it is accepted
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: 'vector-1' });
    expect((await vector.messages())[0]).toMatchObject({ deliveryId: 'vector-1', body: formBody(params) });
  });

  test('the vector with one digit changed is refused', async () => {
    // GIVEN the documented request with Digits changed, which Twilio's validator refuses
    const changed = { ...params, Digits: '1235' };
    expect(validateRequest('12345', signature, url, changed)).toBe(false);

    // WHEN / THEN ours refuses it too
    await expectRejected(vector, { body: formBody(changed), query: { foo: '1', bar: '2' }, headers: { 'Content-Type': FORM, 'X-Twilio-Signature': signature } }, 'signature_mismatch');
  });
});
