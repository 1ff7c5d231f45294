/**
 * No secret travels in a queue message (issue #8, item 3).
 *
 * Every provider test reads its messages through the harnesses in test/support, which scan each message (and what
 * is left in the queue after the file) for every secret value they were given (test/support/secret-scan.ts): the
 * whole provider suite, all catalog providers and the generic ones, is the scan over every genuine delivery. This
 * file checks the scanner itself, that the harness hook is live, and Microsoft Graph's clientState redaction
 * (lambda/verifier/redact.ts) through the shipped verifier bundle, including escaped keys and values.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Envelope } from '../contract/config';
import { providerHarness, type Harness } from './support/provider-harness';
import { secretsIn } from './support/secret-scan';

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');
const envelopeText = (body: string | Buffer, base64 = false) =>
  JSON.stringify({ v: 1, body: base64 ? Buffer.from(body).toString('base64') : String(body), bodyEncoding: base64 ? 'base64' : 'utf8' });

describe('the scanner', () => {
  const SECRET = 'a-signing-secret-0123';
  const WHSEC_BYTES = randomBytes(24);
  const WHSEC = `whsec_${WHSEC_BYTES.toString('base64')}`;

  test.each([
    ['as written', envelopeText(`{"s":"${SECRET}"}`), SECRET],
    ['inside a base64-encoded body', envelopeText(`{"s":"${SECRET}"}`, true), SECRET],
    ['as hex', envelopeText(`{"s":"${Buffer.from(SECRET).toString('hex')}"}`), SECRET],
    ['as base64', envelopeText(`{"s":"${Buffer.from(SECRET).toString('base64')}"}`), SECRET],
    ['in another envelope field', JSON.stringify({ v: 1, deliveryId: SECRET, body: '{}', bodyEncoding: 'utf8' }), SECRET],
    ['as a string of a JSON secret value', envelopeText(`{"t":"${SECRET}"}`), JSON.stringify({ signingSecret: 'other-secret-xyz', verifyToken: SECRET })],
    ["as the raw key bytes of a whsec_ secret", envelopeText(Buffer.concat([Buffer.from('{"k":"'), WHSEC_BYTES, Buffer.from('"}')]), true), WHSEC],
    ["as the hex of a whsec_ secret's key bytes", envelopeText(`{"k":"${WHSEC_BYTES.toString('hex')}"}`), WHSEC],
  ])('finds a secret %s', (_name, message, secret) => {
    expect(secretsIn(message, [secret])).not.toEqual([]);
  });

  test('finds nothing in a message without the secret', () => {
    expect(secretsIn(envelopeText('{"s":"nothing to see here"}'), [SECRET, WHSEC])).toEqual([]);
  });
});

describe('the harness hook', () => {
  test('a message that carries a secret fails the test that reads it', async () => {
    // GIVEN a custom provider whose genuine delivery happens to carry its own secret in the body
    const secret = `custom-secret-${randomUUID()}`;
    const harness = await providerHarness('custom', {
      id: 'leaky-custom',
      secret,
      config: { scheme: { signature: { algorithm: 'sha256', encoding: 'hex', header: 'x-sig', format: { kind: 'plain', prefix: '' }, signedContent: '{body}', keyEncoding: 'utf8' } } },
    });
    const body = JSON.stringify({ id: randomUUID(), note: secret });
    const answer = await harness.send({ body, headers: { 'x-sig': createHmac('sha256', secret).update(body).digest('hex') } });
    expect(answer.status).toBe(200);

    // WHEN / THEN reading it fails the scan
    await expect(harness.messages()).rejects.toThrow(/Secret scan: leaky-custom: a queue message carries/);
  });
});

describe("Microsoft Graph's clientState is redacted from the enqueued body", () => {
  const SECRET = `client-state-${randomUUID()}`;
  let graph: Harness;

  beforeAll(async () => {
    graph = await providerHarness('microsoft-graph', { secret: SECRET, id: 'graph-redaction' });
  });

  const item = (clientState: string, extra = '') =>
    `{"subscriptionId":"${randomUUID()}","changeType":"created","clientState":${clientState},"resource":"Users/1/Messages/${randomUUID()}"${extra}}`;

  async function deliver(body: string | Buffer): Promise<Envelope> {
    const answer = await graph.send({ body });
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: `sha256:${createHash('sha256').update(body).digest('hex')}` });
    const messages = await graph.messages();
    expect(messages).toHaveLength(1);
    return messages[0];
  }

  test('each item\'s clientState is replaced by "[redacted]", every other byte is kept, and the envelope says so', async () => {
    // GIVEN a batch of two notifications, with spacing as a server might send it
    const body = `{ "value" : [ ${item(`"${SECRET}"`)} ,\n ${item(`"${SECRET}"`, ',"note":"clientState"')} ] }`;

    // WHEN it is delivered
    const message = await deliver(body);

    // THEN exactly the two values are replaced
    const expected = body.split(`"${SECRET}"`).join('"[redacted]"');
    expect(bytesOf(message).toString('utf8')).toBe(expected);
    expect(message.redactions).toEqual(['value[].clientState']);
  });

  test('a clientState written with JSON escapes is redacted whole', async () => {
    // GIVEN the clientState with its first character and a hyphen escaped (JSON.parse reads the secret itself)
    const escaped = `"\\u${SECRET.charCodeAt(0).toString(16).padStart(4, '0')}${SECRET.slice(1).replace(/-/g, '\\u002d')}"`;
    expect(JSON.parse(escaped)).toBe(SECRET);
    const body = `{"value":[${item(escaped)}]}`;

    // WHEN it is delivered
    const message = await deliver(body);

    // THEN the whole escaped token is replaced
    expect(bytesOf(message).toString('utf8')).toBe(body.replace(escaped, '"[redacted]"'));
  });

  test('a clientState key written with JSON escapes is recognised and its value redacted', async () => {
    // GIVEN the key spelled "client\u0053tate", which JSON.parse (and so the check) reads as clientState
    const body = `{"value":[{"changeType":"updated","client\\u0053tate":"${SECRET}"}]}`;

    // WHEN it is delivered
    const message = await deliver(body);

    // THEN its value is redacted all the same
    expect(bytesOf(message).toString('utf8')).toBe(`{"value":[{"changeType":"updated","client\\u0053tate":"[redacted]"}]}`);
    expect(message.redactions).toEqual(['value[].clientState']);
  });

  test('other fields that merely contain the word clientState, or nested deeper, keep their bytes', async () => {
    // GIVEN a resourceData object with its own clientState field (not the path the check reads)
    const body = `{"value":[${item(`"${SECRET}"`, ',"resourceData":{"clientState":"not-the-secret-value"}')}]}`;

    // WHEN it is delivered
    const message = await deliver(body);

    // THEN only value[].clientState is replaced
    expect(bytesOf(message).toString('utf8')).toBe(body.replace(`"${SECRET}"`, '"[redacted]"'));
  });
});
