/**
 * X (Twitter) webhooks: the Account Activity API and the v2 Webhooks API. X publishes no npm package that signs or
 * verifies its webhooks, so requests are signed as X documents it
 * (https://docs.x.com/x-api/webhooks/quickstart#3-securing-webhooks): `x-twitter-webhooks-signature: sha256=` +
 * base64 HMAC-SHA256 of the raw body, keyed with the app's consumer secret; no timestamp is signed. X sends no
 * delivery id and no event-type header (the body's top-level key, e.g. `tweet_create_events`, names the event), so a
 * delivery is keyed by the hash of its body and carries no event type.
 *
 * The Challenge-Response Check is a GET with `?crc_token=`, to be answered 200 with the JSON
 * `{"response_token": "sha256=" + base64(HMAC-SHA256(consumer secret, crc_token))}`. X's documentation gives the
 * recipe but no worked output. Twitter's developer-relations sample code for the CRC
 * (https://gist.github.com/jcipriano/373d4d441e8041f775b6227c0e2fd1f3 and its Python twin) uses the example consumer
 * secret and crc_token below; the response_token they give is written out literally (recomputed independently, and
 * the value another receiver's test suite checks for the same inputs), not computed by this file.
 */
import { createHash, createHmac, randomInt } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

/** The example consumer secret and crc_token of X's sample code, and the response_token they give. */
const EXAMPLE = {
  consumerSecret: 'z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu',
  crcToken: '9b4507b3-9040-4669-9ca3-6b94edb50553',
  responseToken: 'sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8=',
};
const SECRET = EXAMPLE.consumerSecret;
const OTHER_SECRET = 'AnotherConsumerSecretAnotherConsumerSecret0123456789';
const SIGNATURE = 'x-twitter-webhooks-signature';

let x: Harness;

beforeAll(async () => {
  x = await providerHarness('x', { secret: SECRET });
});

function tweetCreated(text = 'Hello from the Account Activity API'): string {
  return JSON.stringify({
    for_user_id: '2244994945',
    tweet_create_events: [{ created_at: new Date().toUTCString(), id_str: String(randomInt(1e12)), text, user: { id_str: '6253282', screen_name: 'XDevelopers' } }],
  });
}

/** Signed as X documents: sha256= + base64 HMAC-SHA256 of the body bytes. */
function signed(body: string | Buffer, secret = SECRET): SignedRequest {
  return { body, headers: { [SIGNATURE]: `sha256=${createHmac('sha256', secret).update(body).digest('base64')}` } };
}

function withSignature(request: SignedRequest, value: string): SignedRequest {
  return { ...request, headers: { ...request.headers, [SIGNATURE]: value } };
}

const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;
const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine delivery is accepted and enqueued once, keyed by the hash of its body, with no event type', async () => {
  // GIVEN a tweet_create_events delivery signed as X signs it
  const request = signed(tweetCreated());

  // WHEN it is delivered
  const answer = await x.send(request);

  // THEN it is accepted, and one envelope carries the body hash as id and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(request.body) });
  const messages = await x.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'x', deliveryId: bodyHash(request.body), auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body: request.body });
  expect(messages[0].eventType).toBeUndefined();
});

describe('forged or broken requests are refused', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(tweetCreated('Hello'));
      return { ...request, body: String(request.body).replace('Hello', 'Goodbye') };
    }, 'signature_mismatch'],
    ['a tampered signature (one base64 character changed)', () => {
      const request = signed(tweetCreated());
      const signature = request.headers[SIGNATURE];
      const at = 'sha256='.length;
      return withSignature(request, signature.slice(0, at) + (signature[at] === 'A' ? 'B' : 'A') + signature.slice(at + 1));
    }, 'signature_mismatch'],
    ['a signature that is not base64', () => withSignature(signed(tweetCreated()), 'sha256=not*base64!'), 'signature_malformed'],
    ['a hex signature (X sends base64)', () => {
      const request = signed(tweetCreated());
      return withSignature(request, `sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`);
    }, 'signature_mismatch'],
    ['a signature without its sha256= prefix', () => {
      const request = signed(tweetCreated());
      return withSignature(request, request.headers[SIGNATURE].slice('sha256='.length));
    }, 'signature_malformed'],
    ['a signature made with another consumer secret', () => signed(tweetCreated(), OTHER_SECRET), 'signature_mismatch'],
    ['no x-twitter-webhooks-signature header', () => ({ body: tweetCreated(), headers: {} }), 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN / WHEN / THEN a 401 with the right code, nothing enqueued, nothing recorded
    await expectRejected(x, make(), code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(tweetCreated('café ☕ 🚀 漢字'));

  // WHEN it is delivered
  const answer = await x.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await x.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN bytes that are not UTF-8, signed over the raw bytes as documented
  const body = invalidUtf8Json('{"for_user_id":"2244994945","direct_message_events":[{"message_create":{"message_data":{"text":"', '"}}}]}');
  const request = signed(body);

  // WHEN it is delivered
  const answer = await x.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await x.messages();
  expect(message).toMatchObject({ deliveryId: bodyHash(body), bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

describe('the CRC (challenge-response check)', () => {
  test("is answered with the response_token for the consumer secret and crc_token of X's sample code", async () => {
    // GIVEN the CRC request X sends, with the crc_token of its sample code
    const before = await x.records();

    // WHEN it arrives as a GET
    const answer = await x.send({ method: 'GET', body: '', query: { crc_token: EXAMPLE.crcToken } });

    // THEN the answer is 200 JSON holding exactly the expected response_token, and nothing is enqueued or recorded
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(answer.text)).toEqual({ response_token: EXAMPLE.responseToken });
    expect(await x.messages()).toEqual([]);
    expect(await x.records()).toBe(before);
  });

  test('a crc_token with characters that need URL encoding is signed as decoded', async () => {
    // GIVEN a crc_token that is base64 (X's tokens may contain + / =), handed over decoded by API Gateway
    const crcToken = 'a+b/c=d=';

    // WHEN it arrives
    const answer = await x.send({ method: 'GET', body: '', query: { crc_token: crcToken } });

    // THEN the response_token is the HMAC of the decoded token
    expect(answer.body).toEqual({ response_token: `sha256=${createHmac('sha256', SECRET).update(crcToken).digest('base64')}` });
  });

  test('after the consumer secret is rotated in Secrets Manager, the CRC is answered with the new secret', async () => {
    // GIVEN a receiver that has answered a CRC (and so cached its consumer secret)
    const rotating = await providerHarness('x', { secret: 'first-consumer-secret', id: 'x-rotation' });
    const responseTokenUnder = (secret: string) => `sha256=${createHmac('sha256', secret).update(EXAMPLE.crcToken).digest('base64')}`;
    const crc = () => rotating.send({ method: 'GET', body: '', query: { crc_token: EXAMPLE.crcToken } });
    expect((await crc()).body).toEqual({ response_token: responseTokenUnder('first-consumer-secret') });

    // WHEN the consumer secret is regenerated and stored, and X checks the webhook again (as it does right after a
    // PUT /2/webhooks/:id), before the cached secret has expired
    await rotating.rotate('second-consumer-secret');
    const answer = await crc();

    // THEN the response_token is made with the new secret, which is the only one X accepts
    expect(answer.body).toEqual({ response_token: responseTokenUnder('second-consumer-secret') });
  });

  test('a GET without crc_token is refused as malformed, and nothing is enqueued or recorded', async () => {
    // GIVEN a GET that is not a CRC
    const before = await x.records();

    // WHEN it arrives
    const answer = await x.send({ method: 'GET', body: '', query: { token: 'nope' } });

    // THEN it is a 400, not a 200 with a response_token
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 400, error: 'handshake_malformed' });
    expect(await x.messages()).toEqual([]);
    expect(await x.records()).toBe(before);
  });
});
