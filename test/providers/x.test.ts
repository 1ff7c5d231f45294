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
 *
 * The standard matrix is test/support/provider-matrix.ts; this file holds what is particular to X.
 */
import { createHash, createHmac, randomInt } from 'node:crypto';
import { invalidUtf8Json, providerHarness } from '../support/provider-harness';
import { noWindow, providerMatrix, withHeader, type SignedRequest } from '../support/provider-matrix';

/** The example consumer secret and crc_token of X's sample code, and the response_token they give. */
const EXAMPLE = {
  consumerSecret: 'z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu',
  crcToken: '9b4507b3-9040-4669-9ca3-6b94edb50553',
  responseToken: 'sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8=',
};
const SECRET = EXAMPLE.consumerSecret;
const OTHER_SECRET = 'AnotherConsumerSecretAnotherConsumerSecret0123456789';
const SIGNATURE = 'x-twitter-webhooks-signature';

function tweetCreated(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    for_user_id: '2244994945',
    tweet_create_events: [{ created_at: new Date().toUTCString(), id_str: String(randomInt(1e12)), text: 'Hello from the Account Activity API', user: { id_str: '6253282', screen_name: 'XDevelopers' }, ...extra }],
  });
}

/** Signed as X documents: sha256= + base64 HMAC-SHA256 of the body bytes. */
function signed(body: string | Buffer, secret = SECRET): SignedRequest {
  return { body, headers: { [SIGNATURE]: `sha256=${createHmac('sha256', secret).update(body).digest('base64')}` } };
}

const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

const matrix = providerMatrix({
  kind: 'x',
  notApplicable: noWindow('no timestamp is signed'),
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  rotation: { stored: 'RotatedConsumerSecretRotatedConsumerSecret0123456789' },
  event: tweetCreated,
  sign: (body, options) => signed(body, options?.secret),
  signBytes: (body) => signed(body).headers,
  signatureHeader: SIGNATURE,
  // No delivery id and no event type: the body's hash keys it
  expected: (request) => ({ deliveryId: bodyHash(request.body) }),
  tamper: ['Hello from', 'Goodbye from'],
  refusals: [
    ['a signature that is not base64', () => withHeader(signed(tweetCreated()), SIGNATURE, 'sha256=not*base64!'), 'signature_malformed'],
    ['a hex signature (X sends base64)', () => {
      const request = signed(tweetCreated());
      return withHeader(request, SIGNATURE, `sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`);
    }, 'signature_mismatch'],
    ['a signature without its sha256= prefix', () => {
      const request = signed(tweetCreated());
      return withHeader(request, SIGNATURE, request.headers[SIGNATURE].slice('sha256='.length));
    }, 'signature_malformed'],
  ],
  handshake: {
    name: "the CRC, with the consumer secret and crc_token of X's sample code",
    request: () => ({ method: 'GET', body: '', headers: {}, query: { crc_token: EXAMPLE.crcToken } }),
    expectAnswer: (answer) => {
      expect(answer.status).toBe(200);
      expect(answer.headers['Content-Type']).toBe('application/json');
      expect(JSON.parse(answer.text)).toEqual({ response_token: EXAMPLE.responseToken });
    },
  },
  invalidUtf8Body: () => invalidUtf8Json('{"for_user_id":"2244994945","direct_message_events":[{"message_create":{"message_data":{"text":"', '"}}}]}'),
  invalidUtf8Expected: ({ body }) => ({ deliveryId: bodyHash(body) }),
});

describe('the CRC (challenge-response check)', () => {
  test('a crc_token with characters that need URL encoding is signed as decoded', async () => {
    const crcToken = 'a+b/c=d=';

    const answer = await matrix.harness().send({ method: 'GET', body: '', query: { crc_token: crcToken } });

    expect(answer.body).toEqual({ response_token: `sha256=${createHmac('sha256', SECRET).update(crcToken).digest('base64')}` });
  });

  test('after the consumer secret is rotated in Secrets Manager, the CRC is answered with the new secret', async () => {
    // GIVEN a receiver whose CRC answer is made with its first secret
    const rotating = await providerHarness('x', { secret: 'first-consumer-secret', id: 'x-rotation' });
    const responseTokenUnder = (secret: string) => `sha256=${createHmac('sha256', secret).update(EXAMPLE.crcToken).digest('base64')}`;
    const crc = () => rotating.send({ method: 'GET', body: '', query: { crc_token: EXAMPLE.crcToken } });
    expect((await crc()).body).toEqual({ response_token: responseTokenUnder('first-consumer-secret') });

    // WHEN the secret is rotated
    await rotating.rotate('second-consumer-secret');
    const answer = await crc();

    // THEN the CRC is answered with the new one
    expect(answer.body).toEqual({ response_token: responseTokenUnder('second-consumer-secret') });
  });

  test('a GET without crc_token is refused as malformed, and nothing is enqueued or recorded', async () => {
    const before = await matrix.harness().records();

    const answer = await matrix.harness().send({ method: 'GET', body: '', query: { token: 'nope' } });

    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 400, error: 'handshake_malformed' });
    expect(await matrix.harness().messages()).toEqual([]);
    expect(await matrix.harness().records()).toBe(before);
  });
});
