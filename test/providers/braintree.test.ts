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
 */
import { createHash, randomBytes } from 'node:crypto';
import { expectRejected, providerHarness, type Harness } from '../support/provider-harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const braintree = require('braintree');

interface Gateway {
  webhookTesting: { sampleNotification(kind: string, id: string): Promise<{ bt_signature: string; bt_payload: string }>; sampleSignature(payload: string): Promise<string> };
  webhookNotification: { parse(signature: string, payload: string): Promise<{ kind: string }>; verify(challenge: string): string };
}

const PUBLIC_KEY = `pk${randomBytes(6).toString('hex')}`;
const PRIVATE_KEY = randomBytes(16).toString('hex');
const gatewayOf = (publicKey: string, privateKey: string): Gateway =>
  new braintree.BraintreeGateway({ environment: braintree.Environment.Sandbox, merchantId: 'merchant', publicKey, privateKey });
const gateway = gatewayOf(PUBLIC_KEY, PRIVATE_KEY);
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

const form = (fields: { bt_signature?: string; bt_payload?: string }) => ({ body: new URLSearchParams(fields as Record<string, string>).toString(), headers: FORM });
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

let harness: Harness;
beforeAll(async () => {
  harness = await providerHarness('braintree', { secret: `${PUBLIC_KEY}:${PRIVATE_KEY}` });
});

describe('braintree: the standard matrix', () => {
  test('a notification made by the SDK is accepted once, keyed by the hash of bt_payload, the form byte-exact', async () => {
    // GIVEN a sample notification, which the SDK's parse accepts
    const fields = await sample();
    expect(await braintreeAccepts(fields)).toBe(true);
    const request = form(fields);

    // WHEN it is delivered twice
    const answers = [await harness.send(request), await harness.send(request)];

    // THEN it is enqueued once, with the exact form body, keyed by the hash of the notification (bt_payload)
    const deliveryId = `sha256:${createHash('sha256').update(fields.bt_payload.replace(/\n+$/, '')).digest('hex')}`;
    expect(answers.map((a) => a.body)).toEqual([{ ok: true, code: 'accepted', deliveryId }, { ok: true, code: 'duplicate', deliveryId }]);
    const messages = await harness.messages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ provider: 'braintree', deliveryId, auth: 'hmac', bodySigned: true, body: request.body, contentType: FORM['Content-Type'] });
  });

  test.each([
    ['a tampered payload', async () => {
      const fields = await sample();
      const xml = bytesOf(form(fields).body).toString('utf8').replace('past_due', 'active__');
      return { ...fields, bt_payload: payloadOf(xml) };
    }, 'signature_mismatch'],
    ['a tampered signature', async () => {
      const fields = await sample();
      const at = fields.bt_signature.length - 5;
      return { ...fields, bt_signature: fields.bt_signature.slice(0, at) + (fields.bt_signature[at] === 'a' ? 'b' : 'a') + fields.bt_signature.slice(at + 1) };
    }, 'signature_mismatch'],
    ['a signature made with another private key', async () => gatewayOf(PUBLIC_KEY, randomBytes(16).toString('hex')).webhookTesting.sampleNotification('check', 'x'), 'signature_mismatch'],
    ['a signature under another public key', async () => gatewayOf('pkother', PRIVATE_KEY).webhookTesting.sampleNotification('check', 'x'), 'signature_mismatch'],
  ])('refused: %s', async (_name, make, code) => {
    const fields = await make();
    expect(await braintreeAccepts(fields)).toBe(false);
    await expectRejected(harness, form(fields), code);
  });

  test('refused: no bt_signature, or no bt_payload (signature_missing)', async () => {
    const fields = await sample();
    await expectRejected(harness, form({ bt_payload: fields.bt_payload }), 'signature_missing');
    await expectRejected(harness, form({ bt_signature: fields.bt_signature }), 'signature_missing');
  });

  test.each([
    ['non-ASCII UTF-8', Buffer.from('<notification><kind>check</kind><note>café ☕ 🚀 漢字</note></notification>')],
    ['bytes that are not UTF-8', Buffer.concat([Buffer.from('<notification><kind>check</kind><note>'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('</note></notification>')])],
  ])('an XML payload with %s, signed by the SDK, arrives byte-exact', async (_name, xml) => {
    // GIVEN the SDK's own signature of the payload
    const payload = payloadOf(xml);
    const fields = { bt_signature: await gateway.webhookTesting.sampleSignature(payload), bt_payload: payload };

    // WHEN it is delivered
    const answer = await harness.send(form(fields));

    // THEN the XML's bytes are in the envelope's form body as sent
    expect(answer.status).toBe(200);
    const [message] = await harness.messages();
    expect(bytesOf(message.body).equals(xml)).toBe(true);
  });

  test('a retry whose bt_signature gained a pair (the merchant added an API key since) is a duplicate: the notification, not the form, is keyed', async () => {
    // GIVEN a notification already delivered
    const fields = await sample();
    expect((await harness.send(form(fields))).body?.code).toBe('accepted');
    expect(await harness.messages()).toHaveLength(1);
    const records = await harness.records();

    // WHEN Braintree retries it after the merchant created another API key: one more <public key>|<hex> pair, which
    // the SDK (picking the pair of its own public key) still accepts
    const added = await gatewayOf(`pk${randomBytes(6).toString('hex')}`, randomBytes(16).toString('hex')).webhookTesting.sampleSignature(fields.bt_payload);
    const retry = { ...fields, bt_signature: `${added}&${fields.bt_signature}` };
    expect(await braintreeAccepts(retry)).toBe(true);
    const answer = await harness.send(form(retry));

    // THEN it is the same delivery: a duplicate, nothing enqueued or recorded again
    expect({ status: answer.status, code: answer.body?.code }).toEqual({ status: 200, code: 'duplicate' });
    expect(await harness.messages()).toEqual([]);
    expect(await harness.records()).toBe(records);
  });

  test('the SDK also accepts a bt_payload that lost the trailing newline it was signed with; so do we', async () => {
    const xml = '<notification><kind>check</kind></notification>';
    const payload = Buffer.from(xml).toString('base64');
    const fields = { bt_signature: await gateway.webhookTesting.sampleSignature(`${payload}\n`), bt_payload: payload };
    // (The SDK's signature check; its parse then wants a full notification's XML.)
    expect(await validateSignature(fields)).toBeNull();
    expect((await harness.send(form(fields))).status).toBe(200);
    expect(await harness.messages()).toHaveLength(1);
  });

  test('rotation: a secret rotated to a new key pair, the old pair verifies as the previous version', async () => {
    const rotating = await providerHarness('braintree', { id: 'braintree-rotation', secret: `${PUBLIC_KEY}:${PRIVATE_KEY}` });
    const next = { publicKey: `pk${randomBytes(6).toString('hex')}`, privateKey: randomBytes(16).toString('hex') };
    await rotating.rotate(`${next.publicKey}:${next.privateKey}`);
    // (Two different notifications: a 'check' sample's XML carries no id, so two made in one second are the same one)
    const fresh = await gatewayOf(next.publicKey, next.privateKey).webhookTesting.sampleNotification('subscription_went_past_due', `sub_${randomBytes(4).toString('hex')}`);
    const old = await sample();
    expect([(await rotating.send(form(fresh))).status, (await rotating.send(form(old))).status]).toEqual([200, 200]);
    expect(await rotating.messages()).toHaveLength(2);
  });
});

describe('the bt_challenge handshake', () => {
  test('a challenge of the SDK\'s shape is answered exactly as the SDK\'s verify answers it, and nothing is written', async () => {
    const challenge = randomBytes(10).toString('hex');
    const records = await harness.records();
    const answer = await harness.send({ method: 'GET', body: '', query: { bt_challenge: challenge } });
    expect({ status: answer.status, text: answer.text }).toEqual({ status: 200, text: gateway.webhookNotification.verify(challenge) });
    expect(await harness.records()).toBe(records);
    expect(await harness.messages()).toEqual([]);
  });

  test.each([
    ['19 hex characters', 'a'.repeat(19)],
    ['33 hex characters', 'a'.repeat(33)],
    ['uppercase hex', 'ABCDEF0123456789ABCD'],
    ['base64 of an XML notification', Buffer.from('<notification><kind>check</kind></notification>').toString('base64')],
    ['nothing', ''],
  ])('a challenge of %s is refused (400 handshake_malformed), as the SDK refuses it', async (_name, challenge) => {
    expect(() => gateway.webhookNotification.verify(challenge)).toThrow();
    const answer = await harness.send({ method: 'GET', body: '', query: { bt_challenge: challenge } });
    expect({ status: answer.status, error: answer.body?.error }).toEqual({ status: 400, error: 'handshake_malformed' });
  });

  test('the challenge answer signs the payload equal to the challenge (Braintree\'s own check accepts it), but no such payload is accepted: 400, nothing enqueued', async () => {
    // GIVEN an attacker's challenge and its answer
    const challenge = randomBytes(12).toString('hex');
    const answer = await harness.send({ method: 'GET', body: '', query: { bt_challenge: challenge } });
    expect(answer.status).toBe(200);
    const forged = { bt_signature: answer.text, bt_payload: challenge };
    // (The SDK's signature check passes: the answer is a signature of that payload.)
    expect(await validateSignature(forged)).toBeNull();
    const records = await harness.records();

    // WHEN it posts the challenge as bt_payload with the answer as bt_signature
    const post = await harness.send(form(forged));

    // THEN the payload is refused (it is not XML): nothing enqueued or recorded
    expect({ status: post.status, error: post.body.error }).toEqual({ status: 400, error: 'body_malformed' });
    expect(await harness.messages()).toEqual([]);
    expect(await harness.records()).toBe(records);
  });
});
