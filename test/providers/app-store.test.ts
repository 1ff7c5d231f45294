/**
 * Apple App Store Server Notifications V2: the body is `{"signedPayload": "<JWS>"}`, ES256, whose `x5c` header
 * holds the leaf, the intermediate and the root; the leaf and intermediate must chain to Apple Root CA - G3 (shipped
 * with the verifier), carry Apple's marker extensions (leaf 1.2.840.113635.100.6.11.1, intermediate
 * 1.2.840.113635.100.6.2.1) and be valid at the payload's `signedDate`; then the bundle id, environment and (in
 * Production) app Apple id must be the configured ones. Keyed by `notificationUUID`.
 *
 * Oracle: Apple's own `SignedDataVerifier` (@apple/app-store-server-library 3.1.0), told to trust a test root and
 * run in the Sandbox environment with online checks off (so it checks the chain at `signedDate`, as ours does; its
 * LOCAL_TESTING and XCODE environments skip verification altogether, so they would prove nothing). Only Apple holds
 * the keys of its chain, and the package ships no signed notifications, so the chain (root, intermediate and leaf with
 * Apple's marker OIDs) is made here with `openssl` and the JWS is signed with node:crypto; every request below is
 * judged by Apple's verifier first. Our verifier is told to trust the same test root through
 * `WEBHOOK_RECEIVER_TEST_TRUSTED_ROOTS` (honoured only outside AWS Lambda: see lambda/verifier/x509.ts).
 *
 * The standard matrix is test/support/provider-matrix.ts: the signature is the JWS's third part, inside the body;
 * "another secret" is a JWS signed by another key under the genuine chain.
 */
import { randomUUID, sign as ecSign } from 'node:crypto';
import { Environment, SignedDataVerifier } from '@apple/app-store-server-library';
import { App, Stack } from 'aws-cdk-lib';
import { AppStoreEnvironment, WebhookProvider } from '../../lib';
import { BUILT_IN_ROOTS } from '../../lambda/verifier/x509';
import { expectRejected, providerHarness, type Harness } from '../support/provider-harness';
import { providerMatrix, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { appleLikeChain, issueCertificate, type TestCertificate } from '../support/test-certificates';
import { X509Certificate } from 'node:crypto';

const ROOTS_ENV = 'WEBHOOK_RECEIVER_TEST_TRUSTED_ROOTS';
const BUNDLE_ID = 'com.example.app';
const chain = appleLikeChain();

interface Chain {
  readonly root: TestCertificate;
  readonly intermediate: TestCertificate;
  readonly leaf: TestCertificate;
}

interface NotificationOptions {
  readonly uuid?: string;
  readonly signedDate?: number;
  readonly bundleId?: string;
  readonly environment?: string;
  readonly chain?: Chain;
  readonly header?: Record<string, unknown>;
  /** Fields of the payload besides Apple's (e.g. a note). */
  readonly extra?: Record<string, unknown>;
  /** The key that signs. @default the chain's leaf's */
  readonly key?: import('node:crypto').KeyObject;
  /** The payload's bytes as signed, instead of its JSON. */
  readonly payloadBytes?: Buffer;
}

/** A notification as the App Store sends it: `{"signedPayload": "<JWS>"}`, the JWS signed by the chain's leaf. */
function notification(options: NotificationOptions = {}): string {
  const used = options.chain ?? chain;
  const header = options.header ?? { alg: 'ES256', x5c: [used.leaf, used.intermediate, used.root].map((c) => c.der.toString('base64')) };
  const payload = {
    notificationType: 'DID_RENEW',
    subtype: 'BILLING_RECOVERY',
    notificationUUID: options.uuid ?? randomUUID(),
    data: { appAppleId: 1234567890, bundleId: options.bundleId ?? BUNDLE_ID, bundleVersion: '1.2', environment: options.environment ?? 'Sandbox', signedTransactionInfo: 'ey.transaction', status: 1 },
    version: '2.0',
    signedDate: options.signedDate ?? Date.now(),
    ...options.extra,
  };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${options.payloadBytes?.toString('base64url') ?? encode(payload)}`;
  const signature = ecSign('sha256', Buffer.from(input), { key: options.key ?? used.leaf.privateKey, dsaEncoding: 'ieee-p1363' });
  return JSON.stringify({ signedPayload: `${input}.${signature.toString('base64url')}` });
}

/** Apple's verdict on a notification body, trusting `root` (the test chain's by default). */
async function appleAccepts(body: string, root: TestCertificate = chain.root, environment = Environment.SANDBOX): Promise<boolean> {
  try {
    await new SignedDataVerifier([root.der], false, environment, BUNDLE_ID, environment === Environment.PRODUCTION ? 1234567890 : undefined).verifyAndDecodeNotification(JSON.parse(body).signedPayload);
    return true;
  } catch {
    return false;
  }
}

const request = (body: string): SignedRequest => ({ body, headers: { 'Content-Type': 'application/json' } });
const payloadOf = (body: string) => JSON.parse(Buffer.from(JSON.parse(body).signedPayload.split('.')[1], 'base64url').toString('utf8'));

beforeAll(() => {
  process.env[ROOTS_ENV] = chain.root.der.toString('base64');
});
afterAll(() => {
  delete process.env[ROOTS_ENV];
});

const jwsOf = (r: SignedRequest) => JSON.parse(String(r.body)).signedPayload as string;
/** The request with the JWS's part `index` (0 header, 1 payload, 2 signature) changed by `change`. */
function withPart(r: SignedRequest, index: number, change: (part: string) => string): SignedRequest {
  const parts = jwsOf(r).split('.');
  parts[index] = change(parts[index]);
  return request(JSON.stringify({ signedPayload: parts.join('.') }));
}
const otherKey = issueCertificate({ commonName: 'Not Apple', keyType: 'ec' }).privateKey;
const other = appleLikeChain();

const description: ProviderDescription = {
  kind: 'app-store',
  notApplicable: {
    'stale timestamp': 'signedDate only dates the certificate check (a leaf expired at it is refused below); Apple documents no window',
    'future timestamp': 'signedDate only dates the certificate check (a leaf expired at it is refused below); Apple documents no window',
    'several signatures': 'a JWS carries one signature',
    'handshake': 'the App Store sends none',
    'rotation': 'no secret is stored: trust is Apple\'s root, shipped with the verifier',
  },
  // The harness stores a secret for every provider; the App Store's verifier never reads it.
  secret: `unused-${randomUUID()}`,
  // Not a secret: `sign` then signs with another key, the x5c chain still Apple's.
  otherSecret: 'other',
  otherSecretCase: 'a JWS signed by another key than its x5c leaf\'s',
  harness: { config: { certificates: { claims: { bundleId: BUNDLE_ID, environment: 'Sandbox' } } } },
  auth: 'public-key',
  // The payload's fields (`extra`); `sign` makes the notification (signedDate, the JWS) around them.
  event: (extra) => JSON.stringify({ uuid: randomUUID(), extra }),
  sign: (event, options) => {
    const { uuid, extra } = JSON.parse(event) as { uuid: string; extra?: Record<string, unknown> };
    return request(notification({ uuid, extra, signedDate: options?.at?.getTime(), key: options?.secret === 'other' ? otherKey : undefined }));
  },
  accepts: (r) => appleAccepts(String(r.body)),
  signatureIn: {
    name: 'the JWS signature in signedPayload',
    get: (r) => jwsOf(r).split('.')[2],
    set: (r, value) => withPart(r, 2, () => value),
    remove: () => request('{"unsigned":true}'),
  },
  // A signed field of the payload changed.
  tamper: (r) => withPart(r, 1, (payload) => Buffer.from(Buffer.from(payload, 'base64url').toString('utf8').replace('DID_RENEW', 'REFUND')).toString('base64url')),
  expected: (r) => ({ deliveryId: payloadOf(String(r.body)).notificationUUID, eventType: 'DID_RENEW:BILLING_RECOVERY' }),
  // Apple's retry: the same notificationUUID, signed anew with a later signedDate.
  redeliver: (r) => request(notification({ uuid: payloadOf(String(r.body)).notificationUUID, signedDate: Date.now() + 1000 })),
  // The body is ASCII (a JWS): the bytes that are not UTF-8 are the payload's, base64url-encoded inside it.
  invalidUtf8Request: () => {
    const json = JSON.stringify({ notificationType: 'DID_RENEW', subtype: 'BILLING_RECOVERY', notificationUUID: randomUUID(), data: { appAppleId: 1234567890, bundleId: BUNDLE_ID, bundleVersion: '1.2', environment: 'Sandbox', status: 1 }, version: '2.0', signedDate: Date.now(), note: 'PLACEHOLDER' });
    const [head, tail] = json.split('PLACEHOLDER');
    const bytes = Buffer.from([0xff, 0xfe, 0xc3, 0x28]);
    const payloadBytes = Buffer.concat([Buffer.from(head), bytes, Buffer.from(tail)]);
    return {
      request: request(notification({ payloadBytes })),
      bytes,
      carried: (body) => Buffer.from(JSON.parse(body.toString('utf8')).signedPayload.split('.')[1], 'base64url').subarray(head.length, head.length + bytes.length),
    };
  },
  refusals: [
    ['a chain to another root', () => request(notification({ chain: other })), 'certificate_invalid'],
    ['a leaf without Apple\'s leaf OID', () => request(notification({ chain: appleLikeChain({ root: chain.root, leafOids: [] }) })), 'certificate_invalid'],
    ['an intermediate without Apple\'s intermediate OID', () => request(notification({ chain: appleLikeChain({ root: chain.root, intermediateOids: [] }) })), 'certificate_invalid'],
    ['a leaf expired at the signed date', () => request(notification({ chain: appleLikeChain({ root: chain.root, leafNotAfter: new Date(Date.now() + 3600_000) }), signedDate: Date.now() + 3 * 86_400_000 })), 'certificate_invalid'],
    ['a leaf issued by the root itself (no intermediate)', () => request(notification({ header: { alg: 'ES256', x5c: [chain.leaf, chain.root].map((c) => c.der.toString('base64')) } })), 'signature_malformed'],
    ['another app\'s bundle id', () => request(notification({ bundleId: 'com.example.other' })), 'claim_mismatch'],
    ['a Production notification at a Sandbox route', () => request(notification({ environment: 'Production' })), 'claim_mismatch'],
    ['alg HS256', () => request(notification({ header: { alg: 'HS256', x5c: [chain.leaf, chain.intermediate, chain.root].map((c) => c.der.toString('base64')) } })), 'signature_malformed'],
    ['no x5c', () => request(notification({ header: { alg: 'ES256' } })), 'signature_malformed'],
    ['a chain whose intermediate is a leaf key of the root (not a CA)', () => {
      const notCa = issueCertificate({ commonName: 'Not a CA', issuer: chain.root, oids: ['1.2.840.113635.100.6.2.1'] });
      const leaf = issueCertificate({ commonName: 'Leaf', issuer: notCa, oids: ['1.2.840.113635.100.6.11.1'] });
      return request(notification({ chain: { root: chain.root, intermediate: notCa, leaf } }));
    }, 'certificate_invalid'],
  ],
};
const matrix = providerMatrix(description);
const harness = (): Harness => matrix.harness();

// The generic factory configured like the App Store: the same matrix, through `WebhookProvider.x5cJws()`'s
// configuration (the test root as its pinned root), typed by notificationType alone.
const x5cJws = WebhookProvider.x5cJws({
  id: 'apple-generic',
  jwsField: 'signedPayload',
  rootCertificates: [chain.root.pem],
  leafOids: ['1.2.840.113635.100.6.11.1'],
  intermediateOids: ['1.2.840.113635.100.6.2.1'],
  signedDateClaim: 'signedDate',
  requiredClaims: { 'data.bundleId': BUNDLE_ID, 'data.environment': 'Sandbox' },
  deliveryIdClaim: 'notificationUUID',
  eventTypeClaim: 'notificationType',
});
providerMatrix({
  ...description,
  kind: 'custom',
  generic: { factory: 'WebhookProvider.x5cJws', configuration: 'the App Store\'s shape: signedPayload, Apple\'s marker OIDs, a pinned root, required claims' },
  harness: { id: 'apple-generic', config: { ...x5cJws._toConfig('https://hooks.example.com/apple-generic'), kind: 'custom' } },
  expected: (r) => ({ deliveryId: payloadOf(String(r.body)).notificationUUID, eventType: 'DID_RENEW' }),
});

test('the shipped root is Apple Root CA - G3, pinned by its published SHA-256 fingerprint', () => {
  const root = new X509Certificate(Buffer.from(BUILT_IN_ROOTS['apple-root-ca-g3'], 'base64'));
  expect(root.fingerprint256).toBe('63:34:3A:BF:B8:9A:6A:03:EB:B5:7E:9B:3F:5F:A7:BE:7C:4F:5C:75:6F:30:17:B3:A8:C4:88:C3:65:3E:91:79');
  expect(root.subject).toContain('CN=Apple Root CA - G3');
  expect(root.verify(root.publicKey)).toBe(true);
});

test('another chain from the same test root, with both marker OIDs, is accepted (the control of the OID cases below)', async () => {
  const body = notification({ chain: appleLikeChain({ root: chain.root }) });
  expect(await appleAccepts(body)).toBe(true);

  expect((await harness().send(request(body))).body).toMatchObject({ ok: true, code: 'accepted' });
  await harness().messages();
});

test('without the test root, only Apple\'s root is trusted: the test chain is refused', async () => {
  const body = notification();
  expect(await appleAccepts(body, chain.root)).toBe(true);
  delete process.env[ROOTS_ENV];
  try {
    await expectRejected(harness(), request(body), 'certificate_invalid');
  } finally {
    process.env[ROOTS_ENV] = chain.root.der.toString('base64');
  }
});

test('the test-only trusted roots are refused inside AWS Lambda (500, nothing written)', async () => {
  process.env.AWS_LAMBDA_FUNCTION_NAME = 'verifier';
  try {
    const answer = await harness().send(request(notification()));
    expect([answer.status, answer.body.error]).toEqual([500, 'internal_error']);
    expect(await harness().messages()).toEqual([]);
  } finally {
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  }
});

test('a body that is not JSON, or has no signedPayload, is refused before any check', async () => {
  expect((await harness().send(request('not json'))).status).toBe(400);
  await expectRejected(harness(), request('{"unsigned":true}'), 'signature_missing');
});

test('WebhookProvider.x5cJws() configured like the App Store, with the test root pinned, accepts what Apple accepts', async () => {
  // GIVEN the generic factory, with the test root as its pinned root (no test override involved)
  const provider = x5cJws;
  const config = provider._toConfig('https://hooks.example.com/apple-generic');
  const saved = process.env[ROOTS_ENV];
  delete process.env[ROOTS_ENV];
  try {
    const generic = await providerHarness('custom', { secret: 'unused', id: 'apple-generic', config: { ...config, kind: 'custom' } });
    const body = notification();
    expect(await appleAccepts(body)).toBe(true);

    // WHEN / THEN it is accepted, keyed by notificationUUID; another root's chain and another bundle are refused
    expect((await generic.send(request(body))).body).toMatchObject({ ok: true, code: 'accepted', deliveryId: payloadOf(body).notificationUUID });
    expect(await generic.messages()).toEqual([expect.objectContaining({ eventType: 'DID_RENEW' })]);
    await expectRejected(generic, request(notification({ chain: appleLikeChain() })), 'certificate_invalid');
    await expectRejected(generic, request(notification({ bundleId: 'com.example.other' })), 'claim_mismatch');
  } finally {
    process.env[ROOTS_ENV] = saved;
  }
});

describe('WebhookProvider.appStore() options', () => {
  test('the configuration carries the bundle id, environment and app Apple id, and no secret', () => {
    const provider = WebhookProvider.appStore({ bundleId: BUNDLE_ID, appAppleId: 1234567890 });
    expect(provider.secret).toBeUndefined();
    expect(provider._toConfig('')).toMatchObject({ secretId: undefined, certificates: { claims: { bundleId: BUNDLE_ID, environment: 'Production', appAppleId: '1234567890' } } });
    expect(WebhookProvider.appStore({ bundleId: BUNDLE_ID, environment: AppStoreEnvironment.SANDBOX })._toConfig('')).toMatchObject({ certificates: { claims: { bundleId: BUNDLE_ID, environment: 'Sandbox' } } });
  });

  test('fails if Production has no appAppleId', () => {
    expect(() => WebhookProvider.appStore({ bundleId: BUNDLE_ID })).toThrow(/in Production needs appAppleId/);
  });

  test('fails if the bundle id is not one', () => {
    expect(() => WebhookProvider.appStore({ bundleId: 'com example', environment: AppStoreEnvironment.SANDBOX })).toThrow(/bundleId of WebhookProvider.appStore\(\) must be the app's bundle id/);
  });

  test('fails if given a secret: it has none', () => {
    const stack = new Stack(new App(), 'S');
    const secret = { grantRead: () => undefined, node: stack.node } as never;
    expect(() => WebhookProvider.appStore({ bundleId: BUNDLE_ID, environment: AppStoreEnvironment.SANDBOX, secret } as never)).toThrow(/takes no secret/);
  });
});
