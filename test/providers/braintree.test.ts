/**
 * Braintree: a form post of `bt_signature` and `bt_payload`. Requests are made by Braintree's own SDK
 * (`braintree` `gateway.webhookTesting.sampleNotification(kind, id)`, and its `sampleSignature(payload)` for
 * payloads of our own) and judged by `gateway.webhookNotification.parse(signature, payload)`; the `bt_challenge`
 * answer is checked against the SDK's `webhookNotification.verify(challenge)`. The receiver's secret is
 * `<public key>:<private key>`. The body is ASCII form text whatever the XML holds, so the matrix's non-UTF-8 case is
 * the XML's bytes, carried byte-exact in `bt_payload`. No delivery id: the hash of `bt_payload` (the notification)
 * keys a delivery, so a retry whose `bt_signature` changed is still the same delivery.
 *
 * The challenge answer is an HMAC of the challenge under the payload-signing key (X's CRC flaw): the last describe
 * shows Braintree's own signature check would accept a challenge answer as the signature of a payload equal to the
 * challenge, and that the verifier does not (the payload must decode to XML; only SDK-shaped challenges are answered).
 *
 * The standard matrix is test/support/provider-matrix.ts: the SDK's sample XML (`sampleXml`) signed by its
 * `sampleSignature`, `bt_signature` a form field, several `<public key>|<hex>` pairs as its several signatures.
 */
import { createHash, randomBytes } from 'node:crypto';
import { braintreeFields, prepareBraintree } from '../../lambda/verifier/braintree';
import { expectRejected, type Harness } from '../support/provider-harness';
import { providerMatrix, type SignedRequest } from '../support/provider-matrix';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const braintree = require('braintree');

interface Gateway {
  webhookTesting: { sampleXml(kind: string, id: string): string; sampleNotification(kind: string, id: string): Promise<{ bt_signature: string; bt_payload: string }>; sampleSignature(payload: string): Promise<string> };
  webhookNotification: { parse(signature: string, payload: string): Promise<{ kind: string }>; verify(challenge: string): string };
}

const PUBLIC_KEY = `pk${randomBytes(6).toString('hex')}`;
const PRIVATE_KEY = randomBytes(16).toString('hex');
const gatewayOf = (publicKey: string, privateKey: string): Gateway =>
  new braintree.BraintreeGateway({ environment: braintree.Environment.Sandbox, merchantId: 'merchant', publicKey, privateKey });
const gateway = gatewayOf(PUBLIC_KEY, PRIVATE_KEY);
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

const form = (fields: { bt_signature?: string; bt_payload?: string }): SignedRequest => ({ body: new URLSearchParams(fields as Record<string, string>).toString(), headers: FORM });
const sample = (kind = 'subscription_went_past_due') => gateway.webhookTesting.sampleNotification(kind, `sub_${randomBytes(4).toString('hex')}`);

async function braintreeAccepts(fields: { bt_signature: string; bt_payload: string }, g = gateway): Promise<boolean> {
  try {
    await g.webhookNotification.parse(fields.bt_signature, fields.bt_payload);
    return true;
  } catch {
    return false;
  }
}

/** The SDK's signature check alone (`parse` runs it first): null when the signature matches. */
const validateSignature = (fields: { bt_signature: string; bt_payload: string }) =>
  (gateway.webhookNotification as unknown as { validateSignature(s: string, p: string): unknown }).validateSignature(fields.bt_signature, fields.bt_payload);

const payloadOf = (xml: string | Buffer) => `${Buffer.from(xml).toString('base64')}\n`;
const bytesOf = (body?: string) => Buffer.from(new URLSearchParams(body).get('bt_payload')!.trim(), 'base64');

type Fields = { bt_signature?: string; bt_payload?: string };
const fieldsOf = (request: SignedRequest): Fields => Object.fromEntries(new URLSearchParams(String(request.body)));
/** The form with one field set (or, with `undefined`, removed). */
function withField(request: SignedRequest, name: keyof Fields, value: string | undefined): SignedRequest {
  const fields = fieldsOf(request);
  if (value === undefined) delete fields[name];
  else fields[name] = value;
  return { ...request, ...form(fields) };
}
/** A gateway for a secret as stored: `<public key>:<private key>`. */
const gatewayFor = (secret: string) => gatewayOf(secret.split(':')[0], secret.split(':')[1]);
const SECRET = `${PUBLIC_KEY}:${PRIVATE_KEY}`;

const matrix = providerMatrix({
  kind: 'braintree',
  notApplicable: {
    'stale timestamp': 'the signature bounds no time: the XML\'s timestamp is signed, but Braintree documents no window',
    'future timestamp': 'the signature bounds no time: the XML\'s timestamp is signed, but Braintree documents no window',
  },
  secret: SECRET,
  otherSecret: `${PUBLIC_KEY}:${randomBytes(16).toString('hex')}`,
  otherSecretCase: 'a signature made with another private key',
  rotation: { stored: `pk${randomBytes(6).toString('hex')}:${randomBytes(16).toString('hex')}` },
  // The SDK's own sample notification XML, with `extra` in its subject.
  event: (extra) => {
    const xml = gateway.webhookTesting.sampleXml('subscription_went_past_due', `sub_${randomBytes(4).toString('hex')}`);
    return xml.replace('</subject>', `${Object.entries(extra ?? {}).map(([k, v]) => `<${k}>${String(v)}</${k}>`).join('')}</subject>`);
  },
  // The SDK's signature of the payload (base64 of the XML and a newline, as its sampleNotification makes it).
  sign: async (xml, options) => {
    const payload = payloadOf(xml);
    return form({ bt_signature: await gatewayFor(options?.secret ?? SECRET).webhookTesting.sampleSignature(payload), bt_payload: payload });
  },
  accepts: (request) => braintreeAccepts(fieldsOf(request) as Required<Fields>),
  signatureIn: {
    name: 'bt_signature field',
    get: (request) => fieldsOf(request).bt_signature!,
    set: (request, value) => withField(request, 'bt_signature', value),
    remove: (request) => withField(request, 'bt_signature', undefined),
  },
  tamper: (request) => withField(request, 'bt_payload', payloadOf(bytesOf(String(request.body)).toString('utf8').replace('past_due', 'active__'))),
  // No delivery id: the hash of the notification (bt_payload without its trailing newline) keys it.
  expected: (request) => ({ deliveryId: `sha256:${createHash('sha256').update(fieldsOf(request).bt_payload!.replace(/\n+$/, '')).digest('hex')}` }),
  // Braintree's retry after the merchant created another API key: one more `<public key>|<hex>` pair in
  // bt_signature, which the SDK (picking the pair of its own public key) still accepts. The notification, not the
  // form, is keyed, so it is the same delivery.
  redeliver: async (request) => {
    const fields = fieldsOf(request);
    const added = await gatewayOf(`pk${randomBytes(6).toString('hex')}`, randomBytes(16).toString('hex')).webhookTesting.sampleSignature(fields.bt_payload!);
    return withField(request, 'bt_signature', `${added}&${fields.bt_signature}`);
  },
  // Several pairs, one under another public key and private key, one under ours: the SDK picks its own.
  rotated: async (xml) => {
    const payload = payloadOf(xml);
    const other = await gatewayOf('pkother', randomBytes(16).toString('hex')).webhookTesting.sampleSignature(payload);
    return form({ bt_signature: `${other}&${await gateway.webhookTesting.sampleSignature(payload)}`, bt_payload: payload });
  },
  // The form is ASCII whatever the XML holds: the bytes that are not UTF-8 are the XML's, carried in bt_payload.
  invalidUtf8Request: async () => {
    const [head, tail] = gateway.webhookTesting.sampleXml('subscription_went_past_due', `sub_${randomBytes(4).toString('hex')}`).split('</subject>');
    const bytes = Buffer.concat([Buffer.from(`${head}<note>`), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(`</note></subject>${tail}`)]);
    const payload = payloadOf(bytes);
    return { request: form({ bt_signature: await gateway.webhookTesting.sampleSignature(payload), bt_payload: payload }), bytes, carried: (body) => bytesOf(body.toString('utf8')) };
  },
  refusals: [
    ['a signature under another public key', async () => form(await gatewayOf('pkother', PRIVATE_KEY).webhookTesting.sampleNotification('check', 'x')), 'signature_mismatch'],
    ['no bt_payload', async () => withField(form(await sample()), 'bt_payload', undefined), 'signature_missing'],
  ],
  handshake: {
    name: 'bt_challenge',
    request: () => ({ method: 'GET', body: '', headers: {}, query: { bt_challenge: randomBytes(10).toString('hex') } }),
    // Answered exactly as the SDK's verify answers it.
    expectAnswer: (answer, request) => expect({ status: answer.status, text: answer.text }).toEqual({ status: 200, text: gateway.webhookNotification.verify(request.query!.bt_challenge) }),
  },
});
const harness = (): Harness => matrix.harness();

describe('braintree', () => {
  test('the SDK also accepts a bt_payload that lost the trailing newline it was signed with; so do we', async () => {
    const xml = '<notification><kind>check</kind></notification>';
    const payload = Buffer.from(xml).toString('base64');
    const fields = { bt_signature: await gateway.webhookTesting.sampleSignature(`${payload}\n`), bt_payload: payload };
    // (The SDK's signature check; its parse then wants a full notification's XML.)
    expect(await validateSignature(fields)).toBeNull();
    expect((await harness().send(form(fields))).status).toBe(200);
    expect(await harness().messages()).toHaveLength(1);
  });
});

describe('the form: bt_signature and bt_payload read as URLSearchParams reads them', () => {
  test('escapes in either case, an escaped field name, a leading "?", other fields and a later duplicate: the first of each field is read, and accepted as the SDK accepts it', async () => {
    // GIVEN a genuine notification, its fields written the ways a form encoder may write them
    const fields = await sample();
    const escape = (value: string) => encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
    const body = `?kind=check&bt%5Fsignature=${escape(fields.bt_signature)}&bt_payload=${escape(fields.bt_payload)}&bt_payload=AAAA&bt_signature=x`;
    const read = new URLSearchParams(body);
    expect(await braintreeAccepts({ bt_signature: read.get('bt_signature')!, bt_payload: read.get('bt_payload')! })).toBe(true);

    // WHEN it is posted, THEN it is accepted
    expect((await harness().send({ body, headers: FORM })).status).toBe(200);
    expect(await harness().messages()).toHaveLength(1);
  });

  test('a "+" left unescaped in bt_payload is a space, so the payload is not base64: 400 body_malformed', async () => {
    const fields = await sample();
    const payload = Buffer.from('<notification><kind>check</kind><note>>>></note></notification>').toString('base64');
    expect(payload).toContain('+');
    const body = `bt_signature=${encodeURIComponent(fields.bt_signature)}&bt_payload=${payload}`;
    const answer = await harness().send({ body, headers: FORM });
    expect({ status: answer.status, error: answer.body?.error }).toEqual({ status: 400, error: 'body_malformed' });
  });

  test.each([
    ['plain fields', 'bt_signature=a%7Cb&bt_payload=PG5v%0A'],
    ['a leading "?" and an empty pair', '?&bt_payload=PG5v&&bt_signature=pk%7C00'],
    ['a name written with escapes, and with "+" for its space', 'bt%5fpayload=x&bt+payload=y&bt_signature=z'],
    ['a field without "="', 'bt_signature&bt_payload=%3D%3d'],
    ['"=" in a value', 'bt_payload=a=b=c&bt_signature==='],
    ['a "%" that starts no escape', 'bt_payload=%zz%4&bt_signature=%'],
    ['escapes of UTF-8, of bytes that are not UTF-8, and "+"', 'bt_payload=%C3%A9+%FF%e2%82&bt_signature=%F0%9F%98%80'],
    ['a later duplicate', 'bt_payload=first&bt_payload=second&bt_signature=one&bt_signature=two'],
    ['bytes that are not ASCII around the fields', 'note=café&bt_payload=%C3%A9é&bt_signature=\u00ff'],
    ['no fields', 'kind=check'],
    ['nothing', ''],
  ])('%s: the fields are those URLSearchParams reads', (_name, body) => {
    const bytes = Buffer.from(body);
    const form = new URLSearchParams(bytes.toString('utf8'));
    expect(braintreeFields(bytes)).toEqual({ signature: form.get('bt_signature') ?? undefined, payload: form.get('bt_payload') ?? undefined });
  });

  test('bytes that are not UTF-8 in the form: read as URLSearchParams reads the form decoded as UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('bt_payload=%C3'), Buffer.from([0xa9, 0xff]), Buffer.from('&bt_signature=pk%7C')]);
    const form = new URLSearchParams(bytes.toString('utf8'));
    expect(braintreeFields(bytes)).toEqual({ signature: form.get('bt_signature')!, payload: form.get('bt_payload')! });
  });
});

describe('the HMAC key of each private key (made once, then kept)', () => {
  /** The index of the secret that authenticates `request`, as the verifier's check answers it. */
  const matched = (request: SignedRequest, secrets: string[]) =>
    prepareBraintree({ body: Buffer.from(String(request.body)), headers: { get: () => undefined }, method: 'POST', rawQuery: '', json: () => undefined }).match(secrets);

  test('two private keys of one public key, as before and after the merchant replaced it: each request matches the key that signed it', async () => {
    // GIVEN requests signed by the SDK with two private keys of the same public key
    const replaced = randomBytes(16).toString('hex');
    const newSecret = `${PUBLIC_KEY}:${replaced}`;
    const before = form(await sample());
    const after = form(await gatewayOf(PUBLIC_KEY, replaced).webhookTesting.sampleNotification('check', 'x'));

    // WHEN each is checked against either key, both, and both in the other order
    const answers = [
      matched(before, [SECRET]), matched(after, [SECRET]), matched(after, [newSecret]), matched(before, [newSecret]),
      matched(before, [newSecret, SECRET]), matched(after, [SECRET, newSecret]),
    ];

    // THEN only the key that signed a request matches it
    expect(answers).toEqual([0, -1, 0, -1, 1, 1]);
  });
});

describe('the bt_challenge handshake', () => {
  test.each([
    ['19 hex characters', 'a'.repeat(19)],
    ['33 hex characters', 'a'.repeat(33)],
    ['uppercase hex', 'ABCDEF0123456789ABCD'],
    ['base64 of an XML notification', Buffer.from('<notification><kind>check</kind></notification>').toString('base64')],
    ['nothing', ''],
  ])('a challenge of %s is refused (400 handshake_malformed), as the SDK refuses it', async (_name, challenge) => {
    expect(() => gateway.webhookNotification.verify(challenge)).toThrow();
    const answer = await harness().send({ method: 'GET', body: '', query: { bt_challenge: challenge } });
    expect({ status: answer.status, error: answer.body?.error }).toEqual({ status: 400, error: 'handshake_malformed' });
  });

  test('the challenge answer signs the payload equal to the challenge (Braintree\'s own check accepts it), but no such payload is accepted: 400, nothing enqueued', async () => {
    // GIVEN an attacker's challenge and its answer
    const challenge = randomBytes(12).toString('hex');
    const answer = await harness().send({ method: 'GET', body: '', query: { bt_challenge: challenge } });
    expect(answer.status).toBe(200);
    const forged = { bt_signature: answer.text, bt_payload: challenge };
    // (The SDK's signature check passes: the answer is a signature of that payload.)
    expect(await validateSignature(forged)).toBeNull();
    const records = await harness().records();

    // WHEN it posts the challenge as bt_payload with the answer as bt_signature
    const post = await harness().send(form(forged));

    // THEN the payload is refused (it is not XML): nothing enqueued or recorded
    expect({ status: post.status, error: post.body.error }).toEqual({ status: 400, error: 'body_malformed' });
    expect(await harness().messages()).toEqual([]);
    expect(await harness().records()).toBe(records);
  });
});
