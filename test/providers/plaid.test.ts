/**
 * Plaid: `Plaid-Verification` is a JWT, ES256 only, signed with a key Plaid serves by the token's `kid`
 * (`POST /webhook_verification_key/get` with the receiver's client id and secret), claim `request_body_sha256` the
 * hex SHA-256 of the body, `iat` at most 5 minutes old. No Plaid package signs or verifies webhooks (the `plaid`
 * SDK only fetches the key), so tokens are made as Plaid documents them with `jose` (an ES256 key pair and
 * `SignJWT`), and `plaidAccepts` is the check of Plaid's documentation written with `jose`'s `jwtVerify`: every
 * verdict of ours is compared with it. The key service is a stand-in on loopback (test/support/key-service.ts).
 *
 * The standard matrix is test/support/provider-matrix.ts (jose signs asynchronously, as `sign` may); this file keeps
 * what is particular to a fetched key (credentials, cache, unknown kid, failures, expiry, rate limit, algorithms).
 *
 * The key cache lives in the container (the bundle's jwks.js, one per test file): each test that counts fetches
 * starts from an empty cache (`resetJwksCache`).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { expectRejected, providerHarness, type Harness } from '../support/provider-harness';
import { providerMatrix, type SignedRequest } from '../support/provider-matrix';
import { keyService, type KeyService } from '../support/key-service';

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
type JwksModule = typeof import('../../lambda/verifier/jwks');
type CryptoKey = Awaited<ReturnType<Jose['generateKeyPair']>>['privateKey'];

let jose: Jose;
let service: KeyService;
let jwks: JwksModule;
const KID = `kid-${randomUUID()}`;
const CREDENTIALS = { client_id: randomBytes(12).toString('hex'), secret: randomBytes(15).toString('hex') };
let privateKey: CryptoKey;
let publicJwk: Record<string, unknown>;

const sha256Hex = (body: string | Buffer) => createHash('sha256').update(body).digest('hex');
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function newKey(kid: string, expired_at: number | null = null): Promise<CryptoKey> {
  const pair = await jose.generateKeyPair('ES256', { extractable: true });
  service.keys.set(kid, { jwk: { ...(await jose.exportJWK(pair.publicKey)), kid }, expired_at });
  return pair.privateKey;
}

beforeAll(async () => {
  jose = await import('jose');
  service = await keyService();
  service.credentials.push(CREDENTIALS);
  privateKey = await newKey(KID);
  publicJwk = service.keys.get(KID)!.jwk;
  process.env.WEBHOOK_RECEIVER_TEST_KEY_ORIGIN = service.origin;
  // The module the bundle requires on first use (the same file, so the same cache).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  jwks = require('../../assets/verifier/jwks.js') as JwksModule;
});

afterAll(async () => {
  delete process.env.WEBHOOK_RECEIVER_TEST_KEY_ORIGIN;
  await service.close();
});

beforeEach(() => jwks.resetJwksCache());

function webhook(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    webhook_type: 'TRANSACTIONS',
    webhook_code: 'SYNC_UPDATES_AVAILABLE',
    item_id: `item-${randomUUID()}`,
    initial_update_complete: true,
    historical_update_complete: false,
    environment: 'sandbox',
    ...extra,
  });
}

/** A token as Plaid signs one: ES256, header `kid`, claims `iat` and `request_body_sha256`. */
async function token(body: string | Buffer, options: { key?: CryptoKey; kid?: string; iat?: number } = {}): Promise<string> {
  return new jose.SignJWT({ request_body_sha256: sha256Hex(body) })
    .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? KID, typ: 'JWT' })
    .setIssuedAt(options.iat ?? nowSeconds())
    .sign(options.key ?? privateKey);
}

const request = (body: string | Buffer, jwt?: string): SignedRequest => ({ body, headers: (jwt === undefined ? {} : { 'Plaid-Verification': jwt }) as Record<string, string> });

/** Plaid's documented check, with jose: alg ES256, the key of the kid, iat within 5 minutes, the body's hash. */
async function plaidAccepts(body: string | Buffer, jwt: string | undefined, jwk = publicJwk): Promise<boolean> {
  if (!jwt) return false;
  try {
    const header = jose.decodeProtectedHeader(jwt);
    if (header.alg !== 'ES256' || header.kid !== jwk.kid) return false;
    const { payload } = await jose.jwtVerify(jwt, await jose.importJWK(jwk as Parameters<Jose['importJWK']>[0], 'ES256'), { algorithms: ['ES256'], maxTokenAge: '5 min' });
    return payload.request_body_sha256 === sha256Hex(body);
  } catch {
    return false;
  }
}

const fetches = () => service.calls.length;

/** A fresh webhook and its genuine token (with these token options). */
async function signed(options: Parameters<typeof token>[1] = {}) {
  const body = webhook();
  return request(body, await token(body, options));
}

let otherKey: CryptoKey | undefined;
const matrix = providerMatrix({
  kind: 'plaid',
  notApplicable: {
    'several signatures': 'Plaid sends one token',
    'handshake': 'Plaid sends none',
    'rotation': 'the stored secret is API credentials, not a signing key: their rotation is tested below',
  },
  secret: JSON.stringify({ ...CREDENTIALS, environment: 'sandbox' }),
  // Not a secret of ours: `sign` then signs with another ES256 key under the same kid.
  otherSecret: 'other',
  otherSecretCase: 'a token signed with another key under the same kid',
  auth: 'public-key',
  event: (extra) => webhook(extra),
  sign: async (body, options) => {
    if (options?.secret === 'other') otherKey ??= (await jose.generateKeyPair('ES256')).privateKey;
    return request(body, await token(body, { key: options?.secret === 'other' ? otherKey : undefined, iat: options?.at === undefined ? undefined : Math.floor(options.at.getTime() / 1000) }));
  },
  accepts: (r) => plaidAccepts(r.body, r.headers['Plaid-Verification']),
  signBytes: async (body, { at }) => ({ 'Plaid-Verification': await token(body, { iat: Math.floor(at.getTime() / 1000) }) }),
  // ES256: two tokens of one body differ, so the non-UTF-8 case asks Plaid's check instead of comparing them.
  randomizedSignature: true,
  signatureHeader: 'Plaid-Verification',
  windowSeconds: 300,
  tamper: ['"initial_update_complete":true', '"initial_update_complete":false'],
  // No delivery id: the body's SHA-256 keys it, so Plaid's retry (the same body, a new token) is a duplicate.
  expected: (r) => ({ deliveryId: `sha256:${sha256Hex(r.body)}`, eventType: 'TRANSACTIONS:SYNC_UPDATES_AVAILABLE' }),
  invalidUtf8Body: () => Buffer.concat([Buffer.from('{"webhook_type":"ITEM","webhook_code":"ERROR","note":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]),
});
const harness = (): Harness => matrix.harness();

describe('plaid', () => {
  test('a genuine webhook costs one key fetch, with the secret\'s client id and secret and the token\'s kid', async () => {
    const before = fetches();
    expect((await harness().send(await signed())).status).toBe(200);
    expect(await harness().messages()).toHaveLength(1);
    expect(service.calls.slice(before)).toEqual([{ path: '/webhook_verification_key/get', kid: KID, clientId: CREDENTIALS.client_id, secret: CREDENTIALS.secret }]);
  });

  test('the key is cached by kid: a second webhook under the same kid costs no fetch', async () => {
    await harness().send(await signed());
    await harness().messages();
    const before = fetches();
    const body = webhook();
    const answer = await harness().send(request(body, await token(body)));
    expect(answer.status).toBe(200);
    expect(fetches()).toBe(before);
    expect(await harness().messages()).toHaveLength(1);
  });

  const refusals: Array<[string, () => Promise<{ body: string; jwt?: string }>, string]> = [
    ['alg none', async () => {
      const body = webhook();
      return { body, jwt: new jose.UnsecuredJWT({ request_body_sha256: sha256Hex(body) }).setIssuedAt().encode().replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'none', kid: KID })).toString('base64url')) };
    }, 'signature_malformed'],
    ['alg HS256 keyed with the public key (algorithm confusion)', async () => {
      const body = webhook();
      const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
      return { body, jwt: await new jose.SignJWT({ request_body_sha256: sha256Hex(body) }).setProtectedHeader({ alg: 'HS256', kid: KID }).setIssuedAt().sign(secret) };
    }, 'signature_malformed'],
    ['alg ES384', async () => {
      const body = webhook();
      const pair = await jose.generateKeyPair('ES384');
      return { body, jwt: await new jose.SignJWT({ request_body_sha256: sha256Hex(body) }).setProtectedHeader({ alg: 'ES384', kid: KID }).setIssuedAt().sign(pair.privateKey) };
    }, 'signature_malformed'],
  ];

  test.each(refusals)('refused without a key fetch (the key cached): %s', async (_name, make, code) => {
    // GIVEN the key already cached (one fetch), and a request Plaid's documented check refuses
    await harness().send(await signed());
    await harness().messages();
    const { body, jwt } = await make();
    expect(await plaidAccepts(body, jwt)).toBe(false);
    const before = fetches();

    // WHEN / THEN ours refuses it with the code, nothing is written, and no key is fetched
    await expectRejected(harness(), request(body, jwt), code);
    expect(fetches()).toBe(before);
  });

  test('alg none and HS256 are refused before any key is looked up, even with an empty cache', async () => {
    const body = webhook();
    const hs256 = await new jose.SignJWT({ request_body_sha256: sha256Hex(body) }).setProtectedHeader({ alg: 'HS256', kid: `kid-${randomUUID()}` }).setIssuedAt().sign(new TextEncoder().encode('x'.repeat(32)));
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: `kid-${randomUUID()}` })).toString('base64url')}.${Buffer.from(JSON.stringify({ iat: nowSeconds(), request_body_sha256: sha256Hex(body) })).toString('base64url')}.`;
    const before = fetches();
    await expectRejected(harness(), request(body, hs256), 'signature_malformed');
    await expectRejected(harness(), request(body, none), 'signature_malformed');
    expect(fetches()).toBe(before);
  });

  test('an unknown kid is fetched once: a new Plaid key verifies, and a kid Plaid does not have is refused and not asked again within a minute', async () => {
    // GIVEN a key Plaid rotated to, and a kid it does not have
    const newKid = `kid-${randomUUID()}`;
    const newPrivate = await newKey(newKid);
    const missingKid = `kid-${randomUUID()}`;
    const body = webhook();
    const before = fetches();

    // WHEN a webhook signed with the new key arrives, then two under the missing kid
    const accepted = await harness().send(request(body, await token(body, { key: newPrivate, kid: newKid })));
    const forged = [await harness().send(await signed({ kid: missingKid })), await harness().send(await signed({ kid: missingKid }))];

    // THEN the first is accepted, the others refused; each kid was asked for once
    expect(accepted.status).toBe(200);
    expect(forged.map((a) => [a.status, a.body.error])).toEqual([[401, 'signature_mismatch'], [401, 'signature_mismatch']]);
    expect(service.calls.slice(before).map((c) => c.kid)).toEqual([newKid, missingKid]);
    expect(await harness().messages()).toHaveLength(1);
  });

  test('a key whose expired_at is set verifies nothing', async () => {
    const kid = `kid-${randomUUID()}`;
    const key = await newKey(kid, nowSeconds() - 60);
    const body = webhook();
    await expectRejected(harness(), request(body, await token(body, { key, kid })), 'signature_mismatch');
  });

  test.each([
    ['answers 500', 'error' as const],
    ['does not answer within the timeout', 'hang' as const],
    ['redirects', 'redirect' as const],
    ['answers more than the size cap', 'huge' as const],
    ['rate-limits (429 RATE_LIMIT_EXCEEDED)', 'rate-limited' as const],
  ])('when the key service %s: 503 key_unavailable (Plaid retries), nothing written; the retry after it recovers is accepted', async (_name, mode) => {
    // GIVEN a key service that fails
    const body = webhook();
    const records = await harness().records();
    service.mode = mode;
    let failed;
    try {
      // WHEN a genuine webhook arrives
      failed = await harness().send(request(body, await token(body)));
    } finally {
      service.mode = 'ok';
    }

    // THEN it is answered 503, retryable, with nothing enqueued or recorded
    expect([failed.status, failed.body.error]).toEqual([503, 'key_unavailable']);
    expect(await harness().messages()).toEqual([]);
    expect(await harness().records()).toBe(records);

    // AND Plaid's retry, once the service answers again, is accepted (a failure is not remembered as "no such key")
    const retry = await harness().send(request(body, await token(body)));
    expect(retry.status).toBe(200);
    expect(await harness().messages()).toHaveLength(1);
  }, 30_000);

  test('credentials Plaid refuses: 500 key_service_credentials (our fault, retryable), and neither secret nor client id in the answer', async () => {
    const wrong = await providerHarness('plaid', { id: 'plaid-wrong', secret: JSON.stringify({ client_id: 'wrong-client', secret: 'wrong-secret-value' }) });
    const body = webhook();
    const answer = await wrong.send(request(body, await token(body)));
    expect([answer.status, answer.body.error]).toEqual([500, 'key_service_credentials']);
    expect(answer.text).not.toMatch(/wrong-secret-value|wrong-client/);
    expect(answer.logs.join('\n')).not.toMatch(/wrong-secret-value/);
    expect(await wrong.messages()).toEqual([]);
  });

  test('after a rotation whose new credentials Plaid does not take yet, the previous version\'s fetch the key (logged as previous)', async () => {
    // GIVEN a receiver whose secret was rotated to credentials Plaid refuses
    const rotated = await providerHarness('plaid', { id: 'plaid-rotated', secret: JSON.stringify({ ...CREDENTIALS, environment: 'sandbox' }) });
    await rotated.rotate(JSON.stringify({ client_id: CREDENTIALS.client_id, secret: 'not-yet-active-secret', environment: 'sandbox' }));
    const before = fetches();

    // WHEN a genuine webhook arrives
    const answer = await rotated.send(await signed());

    // THEN the new credentials were refused, the previous ones fetched the key, and the delivery is accepted
    expect(answer.status).toBe(200);
    expect(service.calls.slice(before).map((c) => c.secret)).toEqual(['not-yet-active-secret', CREDENTIALS.secret]);
    expect(answer.logs.some((line) => JSON.parse(line).secretVersion === 'previous')).toBe(true);
    expect(await rotated.messages()).toHaveLength(1);
  });

  test('a flood of random kids costs at most 10 fetches a minute; over the cap a new kid gets 503 key_fetch_limited, a cached key still verifies', async () => {
    // GIVEN the genuine key cached (one fetch of the minute's budget), and 15 tokens under random kids (a forger's)
    await harness().send(await signed());
    await harness().messages();
    const budget = jwks.MAX_FETCHES_PER_WINDOW - 1;
    const before = fetches();
    const answers = [];
    for (let i = 0; i < 15; i++) {
      const body = webhook();
      answers.push(await harness().send(request(body, await token(body, { kid: `forged-${randomUUID()}` }))));
    }

    // THEN Plaid was asked only as often as the budget allows; the first are mismatches, the rest 503 (retryable)
    expect(fetches() - before).toBe(budget);
    expect(answers.map((a) => `${a.status} ${a.body.error}`)).toEqual([...Array(budget).fill('401 signature_mismatch'), ...Array(15 - budget).fill('503 key_fetch_limited')]);
    // AND a genuine webhook under the cached key is still accepted meanwhile
    const body = webhook();
    expect((await harness().send(request(body, await token(body)))).status).toBe(200);
    expect(await harness().messages()).toHaveLength(1);
  });
});

describe('plaid: the key service is reached only where the construct says', () => {
  test('the test origin is honoured only for a loopback address: any other answers 500 and calls nothing', async () => {
    // GIVEN the override pointed at an address that is not loopback (the instance metadata service)
    jwks.resetJwksCache();
    process.env.WEBHOOK_RECEIVER_TEST_KEY_ORIGIN = 'http://169.254.169.254';
    const before = fetches();
    let answer;
    try {
      // WHEN a webhook needs a key
      answer = await harness().send(await signed());
    } finally {
      process.env.WEBHOOK_RECEIVER_TEST_KEY_ORIGIN = service.origin;
    }

    // THEN it is refused as our fault, nothing is written, and no call left the process
    expect([answer.status, answer.body.error]).toEqual([500, 'internal_error']);
    expect(fetches()).toBe(before);
    expect(await harness().messages()).toEqual([]);
  });

  test('the test origin is refused in AWS Lambda, even a loopback one: 500 and no call', async () => {
    // GIVEN the loopback override in a process that looks like Lambda
    jwks.resetJwksCache();
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'receiver-verifier';
    const before = fetches();
    let answer;
    try {
      answer = await harness().send(await signed());
    } finally {
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    }

    // THEN it is refused as our fault, and no call was made
    expect([answer.status, answer.body.error]).toEqual([500, 'internal_error']);
    expect(fetches()).toBe(before);
    expect(await harness().messages()).toEqual([]);
  });

  test('the construct never sets the test origin: the verifier\'s environment and the whole template are without it', () => {
    // GIVEN a receiver with Plaid
    const { App, Stack } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
    const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
    const lambda = require('aws-cdk-lib/aws-lambda') as typeof import('aws-cdk-lib/aws-lambda');
    const secretsmanager = require('aws-cdk-lib/aws-secretsmanager') as typeof import('aws-cdk-lib/aws-secretsmanager');
    const { WebhookProvider, WebhookReceiver } = require('../../lib') as typeof import('../../lib');
    const stack = new Stack(new App(), 'Test');
    const processor = new lambda.Function(stack, 'Processor', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
    new WebhookReceiver(stack, 'Receiver', { providers: [WebhookProvider.plaid({ secret: new secretsmanager.Secret(stack, 'Secret') })], processor });

    // WHEN the template is synthesized
    const template = JSON.stringify(Template.fromStack(stack).toJSON());

    // THEN the variable appears nowhere in it (nor can a prop set it: no lib/ source names it)
    expect(template).toContain('Receiver');
    expect(template).not.toContain(jwks.TEST_KEY_ORIGIN_ENV);
    const { readdirSync, readFileSync } = require('node:fs') as typeof import('node:fs');
    const libSources = readdirSync(`${__dirname}/../../lib`, { recursive: true }).map(String).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    for (const file of libSources) expect(readFileSync(`${__dirname}/../../lib/${file}`, 'utf8')).not.toContain(jwks.TEST_KEY_ORIGIN_ENV);
  });
});
