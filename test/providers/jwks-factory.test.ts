/**
 * `WebhookProvider.jwks` end to end: the configuration the construct writes, run by the shipped verifier bundle
 * against the emulators, with no secret at all (the provider's `secretId` is left out). Tokens are signed by `jose`
 * with key pairs it generates (every `alg` of `JwksAlgorithm`); their public JWKs are served as a JWK set by the
 * loopback stand-in (test/support/key-service.ts), which the bundle reaches through its test-only origin variable.
 *
 * The verifier makes at most 10 key fetches a minute per container: this file makes 5 (counted below), and one
 * attempt refused before any fetch (it counts too).
 */
import { createHash, randomUUID } from 'node:crypto';
import { Duration } from 'aws-cdk-lib';
import { BodyHashEncoding, JwksAlgorithm, RequestValue, WebhookProvider, type JwksProviderOptions } from '../../lib';
import { expectRejected, providerHarness, type Harness } from '../support/provider-harness';
import { keyService, type KeyService } from '../support/key-service';

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
type PrivateKey = Awaited<ReturnType<Jose['generateKeyPair']>>['privateKey'];

const ALGORITHMS = Object.values(JwksAlgorithm);
let jose: Jose;
let service: KeyService;
/** Body hash claim, `iat` within 5 minutes, every alg. */
let strict: Harness;
/** Bearer required, issuer and audience, ES256 only, the body not covered. */
let claims: Harness;
const keys = new Map<string, PrivateKey>();

function harnessOf(options: JwksProviderOptions): Promise<Harness> {
  const config = WebhookProvider.jwks(options)._toConfig('https://unused.example.com');
  expect(config.secretId).toBeUndefined();
  // The harness creates a secret for every provider; `secretId: undefined` keeps it out of the configuration.
  return providerHarness('custom', { id: options.id, secret: `unused-${randomUUID()}`, config: { ...config, secretId: undefined } });
}

beforeAll(async () => {
  jose = await import('jose');
  service = await keyService();
  for (const alg of ALGORITHMS) {
    const pair = await jose.generateKeyPair(alg, { extractable: true });
    keys.set(alg, pair.privateKey);
    service.keys.set(alg, { jwk: { ...(await jose.exportJWK(pair.publicKey)), kid: `key-${alg}`, alg, use: 'sig' }, expired_at: null });
  }
  process.env.WEBHOOK_RECEIVER_TEST_KEY_ORIGIN = service.origin;
  strict = await harnessOf({
    id: 'acme-jwks',
    jwksUrl: 'https://keys.example.com/.well-known/jwks.json',
    algorithms: ALGORITHMS,
    bodyHashClaim: 'body_sha256',
    bodyHashEncoding: BodyHashEncoding.BASE64URL,
    maxAge: Duration.minutes(5),
    deliveryId: [RequestValue.jsonPath('id')],
    eventType: RequestValue.jsonPath('type'),
  });
  claims = await harnessOf({
    id: 'acme-claims',
    jwksUrl: 'https://other-keys.example.com/.well-known/jwks.json',
    algorithms: [JwksAlgorithm.ES256],
    header: 'X-Acme-Token',
    requireBearer: true,
    issuer: 'https://acme.example',
    audience: 'receiver-1',
    deliveryId: [RequestValue.jsonPath('id')],
  });
});

afterAll(async () => {
  delete process.env.WEBHOOK_RECEIVER_TEST_KEY_ORIGIN;
  await service.close();
});

const event = () => JSON.stringify({ id: `evt_${randomUUID()}`, type: 'thing.created', amount: 4200, note: 'café ✓' });
const bodyHash = (body: string) => createHash('sha256').update(body).digest('base64url');

interface SignOptions {
  readonly alg?: string;
  readonly kid?: string;
  readonly key?: PrivateKey | Uint8Array;
  readonly claims?: Record<string, unknown>;
  readonly iat?: number;
  readonly exp?: number;
  readonly header?: string;
  readonly prefix?: string;
}

async function signed(body: string, options: SignOptions = {}) {
  const alg = options.alg ?? 'ES256';
  let jwt = new jose.SignJWT(options.claims ?? { body_sha256: bodyHash(body) }).setProtectedHeader({ alg, kid: options.kid ?? `key-${alg}` }).setIssuedAt(options.iat);
  if (options.exp !== undefined) jwt = jwt.setExpirationTime(options.exp);
  const token = await jwt.sign(options.key ?? keys.get(alg)!);
  return { body, headers: { [options.header ?? 'Authorization']: `${options.prefix ?? 'Bearer '}${token}` } };
}

const fetches = () => service.calls.filter((call) => call.path === '/.well-known/jwks.json').length;

describe('WebhookProvider.jwks through the verifier bundle', () => {
  test('a genuine token of every alg is accepted, after one GET of the JWK set (fetch 1)', async () => {
    const before = fetches();
    const sent: string[] = [];
    for (const alg of ALGORITHMS) {
      const body = event();
      sent.push(JSON.parse(body).id);
      const answer = await strict.send(await signed(body, { alg }));
      expect({ alg, status: answer.status, body: answer.body }).toEqual({ alg, status: 200, body: { ok: true, code: 'accepted', deliveryId: JSON.parse(body).id } });
    }
    expect(fetches() - before).toBe(1);
    const messages = await strict.messages();
    expect(messages.map((m) => [m.deliveryId, m.eventType, m.auth, m.bodySigned])).toEqual(sent.map((id) => [id, 'thing.created', 'public-key', true]));
  });

  test('a bare token (no Bearer) is accepted where Bearer is not required, and a redelivery is a duplicate', async () => {
    const request = await signed(event(), { prefix: '' });
    expect((await strict.send(request)).body.code).toBe('accepted');
    expect((await strict.send(request)).body.code).toBe('duplicate');
    expect(await strict.messages()).toHaveLength(1);
  });

  test.each<[string, () => Promise<{ body: string; headers: Record<string, string> }>, string]>([
    ['a tampered body (the body hash claim no longer matches)', async () => {
      const request = await signed(event());
      return { ...request, body: request.body.replace('4200', '4201') };
    }, 'signature_mismatch'],
    ['a token signed by another key under a known kid', async () => signed(event(), { key: (await jose.generateKeyPair('ES256')).privateKey }), 'signature_mismatch'],
    ['a token of one alg under the kid of a key of another alg', async () => signed(event(), { alg: 'RS256', kid: 'key-PS256' }), 'signature_mismatch'],
    ['alg HS256 keyed with the public JWK (algorithm confusion)', async () => signed(event(), { alg: 'HS256', kid: 'key-ES256', key: new TextEncoder().encode(JSON.stringify(service.keys.get('ES256')!.jwk)) }), 'signature_malformed'],
    ['alg none (an unsecured JWT)', async () => {
      const body = event();
      const token = new jose.UnsecuredJWT({ body_sha256: bodyHash(body) }).setIssuedAt().encode();
      return { body, headers: { Authorization: `Bearer ${token}` } };
    }, 'signature_malformed'],
    ['an expired token', async () => signed(event(), { exp: Math.floor(Date.now() / 1000) - 60 }), 'timestamp_out_of_window'],
    ['a token issued 10 minutes ago (maxAge 5 minutes)', async () => signed(event(), { iat: Math.floor(Date.now() / 1000) - 600 }), 'timestamp_out_of_window'],
    ['a token issued 10 minutes ahead', async () => signed(event(), { iat: Math.floor(Date.now() / 1000) + 600 }), 'timestamp_out_of_window'],
    ['a token without the body hash claim', async () => signed(event(), { claims: {} }), 'signature_missing'],
    ['no token', async () => ({ body: event(), headers: {} }), 'signature_missing'],
  ])('refused: %s', async (_name, make, code) => {
    const before = fetches();
    await expectRejected(strict, await make(), code);
    // Every key of the set is cached by its kid since the first fetch: none of these costs a fetch.
    expect(fetches()).toBe(before);
  });

  test('an unknown kid is refused after one look-up (fetch 2), and not looked up again within the minute', async () => {
    const stranger = (await jose.generateKeyPair('ES256')).privateKey;
    const before = fetches();
    await expectRejected(strict, await signed(event(), { kid: 'key-unknown', key: stranger }), 'signature_mismatch');
    await expectRejected(strict, await signed(event(), { kid: 'key-unknown', key: stranger }), 'signature_mismatch');
    expect(fetches() - before).toBe(1);
  });

  test('a JWK set that cannot be read is answered 503 (retryable), nothing enqueued (fetches 3 and 4)', async () => {
    const stranger = (await jose.generateKeyPair('ES256')).privateKey;
    try {
      for (const [mode, kid] of [['error', 'key-after-error'], ['redirect', 'key-after-redirect']] as const) {
        service.mode = mode;
        const answer = await strict.send(await signed(event(), { kid, key: stranger }));
        expect({ mode, status: answer.status, error: answer.body?.error }).toEqual({ mode, status: 503, error: 'key_unavailable' });
      }
    } finally {
      service.mode = 'ok';
    }
    expect(await strict.messages()).toEqual([]);
  });

  test('a configuration written by hand with an http JWK set URL is refused by the verifier too (500), nothing fetched', async () => {
    const handWritten = await providerHarness('custom', {
      id: 'acme-http',
      secret: `unused-${randomUUID()}`,
      config: {
        secretId: undefined,
        scheme: { jwks: { header: 'authorization', algorithms: ['ES256'], keySource: 'jwks', jwksUrl: 'http://keys.example.com/.well-known/jwks.json', clockSkewSeconds: 10 } },
      },
    });
    const before = service.calls.length;
    const answer = await handWritten.send(await signed(event(), { exp: Math.floor(Date.now() / 1000) + 300 }));
    expect({ status: answer.status, error: answer.body?.error }).toEqual({ status: 500, error: 'key_service_configuration' });
    expect(service.calls.length).toBe(before);
    expect(await handWritten.messages()).toEqual([]);
  });

  describe('issuer, audience, Bearer required, another header (fetch 5)', () => {
    const good = { iss: 'https://acme.example', aud: 'receiver-1' };
    // No maxAge here: a token must carry exp.
    const on = (options: SignOptions) => ({ header: 'X-Acme-Token', exp: Math.floor(Date.now() / 1000) + 300, ...options });

    test('accepted with the audience as a string or in an array; the event is marked as not covering the body', async () => {
      const first = event();
      const second = event();
      expect((await claims.send(await signed(first, on({ claims: good })))).body.code).toBe('accepted');
      expect((await claims.send(await signed(second, on({ claims: { ...good, aud: ['other', 'receiver-1'] } })))).body.code).toBe('accepted');
      expect((await claims.messages()).map((m) => [m.deliveryId, m.bodySigned])).toEqual([[JSON.parse(first).id, false], [JSON.parse(second).id, false]]);
    });

    test.each<[string, SignOptions, string]>([
      ['a bare token where Bearer is required', on({ claims: good, prefix: '' }), 'signature_malformed'],
      ['another issuer', on({ claims: { ...good, iss: 'https://evil.example' } }), 'signature_mismatch'],
      ['another audience', on({ claims: { ...good, aud: 'receiver-2' } }), 'signature_mismatch'],
      ['no audience', on({ claims: { iss: good.iss } }), 'signature_mismatch'],
      ['an alg this provider does not take (RS256)', on({ claims: good, alg: 'RS256' }), 'signature_malformed'],
      ['the token in Authorization instead of X-Acme-Token', on({ claims: good, header: 'Authorization' }), 'signature_missing'],
      ['a token without exp', on({ claims: good, exp: undefined }), 'timestamp_missing'],
    ])('refused: %s', async (_name, options, code) => {
      await expectRejected(claims, await signed(event(), options), code);
    });
  });
});
