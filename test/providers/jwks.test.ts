/**
 * The JWKS family without Plaid: a JWT signed with a key from a JWK set (`GET <jwksUrl>`), the `alg` from a
 * configured list, a body hash claim. Configured as `WebhookProvider.jwks()` writes it (`_toConfig`). Tokens
 * are made with `jose` (RS256 key pairs, `SignJWT`) and judged by its `jwtVerify` with the body-hash check; the JWK
 * set is served by the loopback stand-in. The standard matrix is test/support/provider-matrix.ts; this file keeps
 * the key fetches and the algorithm refusals.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Duration } from 'aws-cdk-lib';
import { expectRejected, type Harness } from '../support/provider-harness';
import { headerOf, providerMatrix, type SignedRequest } from '../support/provider-matrix';
import { BodyHashEncoding, JwksAlgorithm, RequestValue, WebhookProvider } from '../../lib';
import { keyService, type KeyService } from '../support/key-service';

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
type PrivateKey = Awaited<ReturnType<Jose['generateKeyPair']>>['privateKey'];

let jose: Jose;
let service: KeyService;
const keys = new Map<string, PrivateKey>();
const JWKS_URL = 'https://keys.example.com/.well-known/jwks.json';

beforeAll(async () => {
  jose = await import('jose');
  service = await keyService();
  for (const kid of ['k1', 'k2']) {
    const pair = await jose.generateKeyPair('RS256', { extractable: true });
    keys.set(kid, pair.privateKey);
    service.keys.set(kid, { jwk: { ...(await jose.exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' }, expired_at: null });
  }
  process.env.WEBHOOK_RECEIVER_TEST_KEY_ORIGIN = service.origin;
});

afterAll(async () => {
  delete process.env.WEBHOOK_RECEIVER_TEST_KEY_ORIGIN;
  await service.close();
});

const event = () => JSON.stringify({ id: `evt_${randomUUID()}`, type: 'thing.created', amount: 4200 });
const bodyHash = (body: string | Buffer) => createHash('sha256').update(body).digest('base64url');

async function signed(body: string | Buffer, options: { kid?: string; alg?: string; key?: PrivateKey | Uint8Array; claims?: Record<string, unknown>; at?: Date } = {}): Promise<SignedRequest> {
  const jwt = await new jose.SignJWT(options.claims ?? { body_sha256: bodyHash(body) })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'k1' })
    .setIssuedAt(Math.floor((options.at ?? new Date()).getTime() / 1000))
    .sign(options.key ?? keys.get(options.kid ?? 'k1')!);
  return { body, headers: { Authorization: `Bearer ${jwt}` } };
}

/** jose's verdict with the served key k1: RS256, iat within 5 minutes, and the body's hash in body_sha256. */
async function joseAccepts(request: SignedRequest): Promise<boolean> {
  try {
    const token = headerOf(request, 'Authorization').replace(/^Bearer /, '');
    const key = await jose.importJWK(service.keys.get('k1')!.jwk as Parameters<Jose['importJWK']>[0], 'RS256');
    const { payload } = await jose.jwtVerify(token, key, { algorithms: ['RS256'], maxTokenAge: '5 min' });
    return payload.body_sha256 === bodyHash(request.body);
  } catch {
    return false;
  }
}

/** The provider as a user writes it; its configuration as the construct gives it to the verifier. */
const provider = WebhookProvider.jwks({
  id: 'acme-jwks',
  jwksUrl: JWKS_URL,
  algorithms: [JwksAlgorithm.RS256],
  bodyHashClaim: 'body_sha256',
  bodyHashEncoding: BodyHashEncoding.BASE64URL,
  maxAge: Duration.minutes(5),
  deliveryId: [RequestValue.jsonPath('id')],
});
const { secretId: _secretId, ...providerConfig } = provider._toConfig(`https://hooks.example.com/${provider.id}`);

let otherKey: PrivateKey | undefined;
const matrix = providerMatrix({
  kind: 'custom',
  generic: { factory: 'WebhookProvider.jwks', configuration: 'RS256 from a JWK set URL, claim body_sha256 (base64url), iat within 5 minutes' },
  notApplicable: {
    'several signatures': 'one token carries one signature',
    'rotation': 'no secret is stored: keys come from the JWK set, fetched by kid',
  },
  harness: { id: provider.id, config: { ...providerConfig, kind: 'custom' } },
  auth: 'public-key',
  secret: 'unused',
  // Not a secret: `sign` then signs with another RS256 key under kid k1.
  otherSecret: 'other',
  otherSecretCase: 'a token signed by another key under kid k1',
  event: (extra) => JSON.stringify({ id: `evt_${randomUUID()}`, type: 'thing.created', amount: 4200, ...extra }),
  sign: async (body, options) => {
    if (options?.secret === 'other') otherKey ??= (await jose.generateKeyPair('RS256')).privateKey;
    return signed(body, { at: options?.at, key: options?.secret === 'other' ? otherKey : undefined });
  },
  accepts: joseAccepts,
  signBytes: async (body, { at }) => (await signed(body, { at })).headers,
  signatureHeader: 'Authorization',
  windowSeconds: 300,
  tamper: ['"amount":4200', '"amount":4201'],
  expected: (r) => ({ deliveryId: JSON.parse(String(r.body)).id }),
  invalidUtf8Body: () => Buffer.concat([Buffer.from('{"id":"evt_bytes","note":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]),
  invalidUtf8Expected: () => ({ deliveryId: 'evt_bytes', eventType: undefined }),
});
const harness = (): Harness => matrix.harness();

describe('jwks (WebhookProvider.jwks)', () => {
  test('a genuine token is accepted after one GET of the JWK set; a token under another kid of the set costs no second fetch', async () => {
    // (From an empty key cache: the matrix's cases filled it. The bundle's jwks.js is the module the verifier uses.)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('../../assets/verifier/jwks.js') as typeof import('../../lambda/verifier/jwks')).resetJwksCache();
    const before = service.calls.length;
    const [first, second] = [event(), event()];
    expect((await harness().send(await signed(first))).body).toEqual({ ok: true, code: 'accepted', deliveryId: JSON.parse(first).id });
    expect((await harness().send(await signed(second, { kid: 'k2' }))).status).toBe(200);
    expect(service.calls.slice(before).map((c) => c.path)).toEqual(['/.well-known/jwks.json']);
    const messages = await harness().messages();
    expect(messages.map((m) => [m.auth, m.bodySigned])).toEqual([['public-key', true], ['public-key', true]]);
  });

  test.each<[string, () => Promise<SignedRequest>, string]>([
    ['alg HS256 keyed with the public JWK (algorithm confusion)', async () => signed(event(), { alg: 'HS256', key: new TextEncoder().encode(JSON.stringify(service.keys.get('k1')!.jwk)) }), 'signature_malformed'],
    ['alg ES256 (not in the configured list)', async () => signed(event(), { alg: 'ES256', key: (await jose.generateKeyPair('ES256')).privateKey }), 'signature_malformed'],
    ['no body hash claim', async () => signed(event(), { claims: {} }), 'signature_missing'],
  ])('refused: %s', async (_name, make, code) => {
    await expectRejected(harness(), await make(), code);
  });
});
