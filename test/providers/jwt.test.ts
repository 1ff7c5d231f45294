/**
 * The generic JWT-with-body-hash scheme (`WebhookProvider.jwt`), configured as the construct writes it and run
 * through the shipped verifier: QStash's shape (claim `body`, base64url, `iss` Upstash, `exp` and `nbf`). Tokens are
 * signed with `jsonwebtoken`. Netlify's shape (claim `sha256`, hex, `iss` netlify, a window on `iat`) runs the
 * standard matrix in generic-matrix.test.ts. Vonage and LiveKit, the catalog members of the family, have their own
 * files.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import jwt from 'jsonwebtoken';
import { BodyHashEncoding, JwtAlgorithm, RequestValue, WebhookProvider, type JwtProviderOptions } from '../../lib';
import type { ProviderConfig } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

const SECRET = randomBytes(24).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const hash = (body: string | Buffer) => createHash('sha256').update(body).digest();

function configOf(options: Omit<JwtProviderOptions, 'secret'>): Omit<ProviderConfig, 'secretId'> {
  const stack = new Stack(new App(), 'Config');
  const provider = WebhookProvider.jwt({ ...options, secret: secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'webhooks/jwt') });
  const { secretId: _secretId, ...config } = provider._toConfig('https://hooks.example.com/jwt');
  return { ...config, id: provider.id, kind: provider.kind };
}

describe('QStash shape: Upstash-Signature, claim body (base64url), iss Upstash, exp and nbf', () => {
  let qstash: Harness;
  beforeAll(async () => {
    qstash = await providerHarness('custom', {
      id: 'qstash',
      secret: SECRET,
      config: configOf({ id: 'qstash', header: 'Upstash-Signature', bodyHashClaim: 'body', bodyHashEncoding: BodyHashEncoding.BASE64URL, issuer: 'Upstash', deliveryId: [RequestValue.header('Upstash-Message-Id')] }),
    });
  });
  const sign = (body: string | Buffer, claims: Record<string, unknown> = {}, secret = SECRET) =>
    jwt.sign({ iss: 'Upstash', sub: 'https://hooks.example.com/jwt', nbf: now(), exp: now() + 300, jti: randomUUID(), body: hash(body).toString('base64url'), ...claims }, secret, { algorithm: 'HS256', noTimestamp: true });

  test('a genuine request, including one whose body is not UTF-8, is accepted byte-exact', async () => {
    const id = `msg_${randomUUID()}`;
    const body = invalidUtf8Json();
    expect((await qstash.send({ body, headers: { 'Upstash-Signature': sign(body), 'Upstash-Message-Id': id } })).body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
    const [message] = await qstash.messages();
    expect(Buffer.from(message.body!, 'base64').equals(body)).toBe(true);
    expect(message).toMatchObject({ auth: 'hmac', bodySigned: true, bodyEncoding: 'base64' });
  });

  test.each([
    ['the hash of another body', () => sign('{"other":true}'), 'signature_mismatch'],
    ['the body hash in base64 rather than base64url', () => sign('', { body: hash('{"a":"?>?"}').toString('base64') }), 'signature_mismatch'],
    ['another secret', () => sign('{"a":"?>?"}', {}, randomBytes(24).toString('base64url')), 'signature_mismatch'],
    ['another issuer', () => sign('{"a":"?>?"}', { iss: 'Mallory' }), 'signature_mismatch'],
    ['an expired token', () => sign('{"a":"?>?"}', { nbf: now() - 900, exp: now() - 600 }), 'timestamp_out_of_window'],
    ['a token not valid yet', () => sign('{"a":"?>?"}', { nbf: now() + 600, exp: now() + 900 }), 'timestamp_out_of_window'],
    // (A string payload: jsonwebtoken refuses to sign a claims object whose exp is not a number.)
    ['an exp that is not a number', () => jwt.sign(JSON.stringify({ iss: 'Upstash', exp: 'soon', body: hash('{"a":"?>?"}').toString('base64url') }), SECRET, { algorithm: 'HS256' }), 'timestamp_malformed'],
    ['a header alg of none', () => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${sign('{"a":"?>?"}').split('.')[1]}.`, 'signature_malformed'],
    ['a header alg of HS384, signed with the secret', () => jwt.sign({ iss: 'Upstash', exp: now() + 60, body: hash('{"a":"?>?"}').toString('base64url') }, SECRET, { algorithm: 'HS384' }), 'signature_malformed'],
    ['a token of two segments', () => sign('{"a":"?>?"}').split('.').slice(0, 2).join('.'), 'signature_malformed'],
  ])('refused: %s', async (_name, make, code) => {
    await expectRejected(qstash, { body: '{"a":"?>?"}', headers: { 'Upstash-Signature': make(), 'Upstash-Message-Id': randomUUID() } }, code);
  });
});

describe('WebhookProvider.jwt() options', () => {
  const secret = () => secretsmanager.Secret.fromSecretNameV2(new Stack(new App(), 'S'), 'Secret', 'webhooks/jwt');

  test('defaults: Authorization, Bearer optional, HS256, hex, 10 s skew, no iat window', () => {
    expect(WebhookProvider.jwt({ id: 'acme', secret: secret(), bodyHashClaim: 'h' })._toConfig('https://x.example.com').scheme).toEqual({
      jwt: { header: 'authorization', requireBearer: false, algorithm: 'HS256', bodyHashClaim: 'h', bodyHashAlgorithm: 'sha256', bodyHashEncoding: 'hex', clockSkewSeconds: 10 },
    });
  });

  test.each([
    ['fails if bodyHashClaim is missing', { bodyHashClaim: undefined }, /bodyHashClaim must be a claim name/],
    ['fails if bodyHashClaim has a dot', { bodyHashClaim: 'a.b' }, /bodyHashClaim must be a claim name of 1-64/],
    ['fails if the algorithm is none', { algorithm: 'none' }, /algorithm must be one of HS256, HS384, HS512, got "none"/],
    ['fails if the encoding is unknown', { bodyHashEncoding: 'base32' }, /bodyHashEncoding must be one of hex, base64, base64url/],
    ['fails if both issuer and issuerIsKeyId are set', { issuer: 'x', issuerIsKeyId: true }, /either issuer .* or issuerIsKeyId/],
    ['fails if clockSkew is over 5 minutes', { clockSkew: Duration.minutes(6) }, /clockSkew must be 0 to 300 seconds, got 360/],
    ['fails if the header is not a header name', { header: 'Bad Header' }, /Header name "Bad Header" is not a valid HTTP header name/],
    ['fails without an id', { id: undefined }, /A generic provider needs an id/],
  ])('%s', (_name, overrides, message) => {
    expect(() => WebhookProvider.jwt({ id: 'acme', secret: secret(), bodyHashClaim: 'h', ...(overrides as object) } as JwtProviderOptions)).toThrow(message);
  });

  test('maxAge sets the iat window, and is the provider\'s tolerance', () => {
    const config = WebhookProvider.jwt({ id: 'acme', secret: secret(), bodyHashClaim: 'h', algorithm: JwtAlgorithm.HS512, maxAge: Duration.minutes(2) })._toConfig('https://x.example.com');
    expect(config).toMatchObject({ toleranceSeconds: 120, scheme: { jwt: { algorithm: 'HS512', maxAgeSeconds: 120 } } });
  });
});
