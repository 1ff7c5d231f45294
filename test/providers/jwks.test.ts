/**
 * The JWKS family without Plaid: a JWT signed with a key from a JWK set (`GET <jwksUrl>`), the `alg` from a
 * configured list, a body hash claim. Configured as a custom scheme (no construct factory exposes it yet). Tokens
 * are made with `jose` (RS256 key pairs, `SignJWT`); the JWK set is served by the loopback stand-in.
 */
import { createHash, randomUUID } from 'node:crypto';
import { expectRejected, providerHarness, type Harness } from '../support/provider-harness';
import { keyService, type KeyService } from '../support/key-service';

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
type PrivateKey = Awaited<ReturnType<Jose['generateKeyPair']>>['privateKey'];

let jose: Jose;
let service: KeyService;
let harness: Harness;
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
  harness = await providerHarness('custom', {
    id: 'acme-jwks',
    secret: 'unused',
    config: {
      scheme: { jwks: { header: 'authorization', algorithms: ['RS256'], keySource: 'jwks', jwksUrl: JWKS_URL, bodyHashClaim: 'body_sha256', bodyHashEncoding: 'base64url', maxAgeSeconds: 300, clockSkewSeconds: 10 } },
      deliveryId: [{ jsonPath: 'id' }],
    },
  });
});

afterAll(async () => {
  delete process.env.WEBHOOK_RECEIVER_TEST_KEY_ORIGIN;
  await service.close();
});

const event = () => JSON.stringify({ id: `evt_${randomUUID()}`, type: 'thing.created', amount: 4200 });
const bodyHash = (body: string) => createHash('sha256').update(body).digest('base64url');

async function signed(body: string, options: { kid?: string; alg?: string; key?: PrivateKey | Uint8Array; claims?: Record<string, unknown> } = {}) {
  const jwt = await new jose.SignJWT(options.claims ?? { body_sha256: bodyHash(body) })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'k1' })
    .setIssuedAt()
    .sign(options.key ?? keys.get(options.kid ?? 'k1')!);
  return { body, headers: { Authorization: `Bearer ${jwt}` } };
}

describe('jwks (custom scheme)', () => {
  test('a genuine token is accepted after one GET of the JWK set; a token under another kid of the set costs no second fetch', async () => {
    const before = service.calls.length;
    const [first, second] = [event(), event()];
    expect((await harness.send(await signed(first))).body).toEqual({ ok: true, code: 'accepted', deliveryId: JSON.parse(first).id });
    expect((await harness.send(await signed(second, { kid: 'k2' }))).status).toBe(200);
    expect(service.calls.slice(before).map((c) => c.path)).toEqual(['/.well-known/jwks.json']);
    const messages = await harness.messages();
    expect(messages.map((m) => [m.auth, m.bodySigned])).toEqual([['public-key', true], ['public-key', true]]);
  });

  test.each<[string, () => Promise<{ body: string; headers: Record<string, string> }>, string]>([
    ['a tampered body', async () => {
      const request = await signed(event());
      return { ...request, body: request.body.replace('4200', '4201') };
    }, 'signature_mismatch'],
    ['a token signed by another key under kid k1', async () => signed(event(), { key: (await jose.generateKeyPair('RS256')).privateKey }), 'signature_mismatch'],
    ['alg HS256 keyed with the public JWK (algorithm confusion)', async () => signed(event(), { alg: 'HS256', key: new TextEncoder().encode(JSON.stringify(service.keys.get('k1')!.jwk)) }), 'signature_malformed'],
    ['alg ES256 (not in the configured list)', async () => signed(event(), { alg: 'ES256', key: (await jose.generateKeyPair('ES256')).privateKey }), 'signature_malformed'],
    ['no body hash claim', async () => signed(event(), { claims: {} }), 'signature_missing'],
  ])('refused: %s', async (_name, make, code) => {
    await expectRejected(harness, await make(), code);
  });
});
