/**
 * Key pairs for the providers that sign with their own private key (Discord and Telnyx: Ed25519; SendGrid: ECDSA
 * P-256), and the stand-in certificates and keys of PayPal, the App Store and Plaid (below). Nobody but the provider
 * holds its private key, so a request "from Discord" can only be made with a key pair of our own, whose public key the
 * receiver is then told to trust instead of Discord's.
 *
 * `localTestKeyPair()` is one fixed, published key pair per algorithm: the local dev server and the in-process test
 * receiver trust it, so `send discord` works against them with no set-up. Its private key is in this file, public:
 * a receiver that trusts it accepts requests from anyone. Never configure a deployed receiver with it.
 * `generateTestKeyPair()` makes a fresh pair, for a test that wants a key nobody else has.
 */
import { createECDH, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import * as local from './local-certificates';

/** The public-key algorithms providers sign webhooks with. */
export type TestKeyAlgorithm = 'ed25519' | 'ecdsa-p256-sha256';

/** A key pair for signing test requests of a public-key provider. */
export interface TestKeyPair {
  readonly algorithm: TestKeyAlgorithm;
  /** Signs the requests (`signRequest`'s `privateKey` option). */
  readonly privateKey: KeyObject;
  /** The same key as a PKCS #8 PEM string, to store in a file or an environment variable. */
  readonly privateKeyPem: string;
  /**
   * The public key as the receiver's secret holds it for this algorithm's providers: Ed25519 as the hex of the
   * raw 32 bytes (Discord's format; Telnyx's base64 is `publicKeyBase64`), P-256 as the base64 of the DER SPKI
   * (SendGrid's verification key).
   */
  readonly publicKey: string;
  /** The public key as base64: the raw 32 bytes for Ed25519 (Telnyx's format), the DER SPKI for P-256. */
  readonly publicKeyBase64: string;
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function pairOf(algorithm: TestKeyAlgorithm, privateKey: KeyObject): TestKeyPair {
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  if (algorithm === 'ed25519') {
    const raw = spki.subarray(spki.length - 32);
    return { algorithm, privateKey, privateKeyPem, publicKey: raw.toString('hex'), publicKeyBase64: raw.toString('base64') };
  }
  return { algorithm, privateKey, privateKeyPem, publicKey: spki.toString('base64'), publicKeyBase64: spki.toString('base64') };
}

/** A fresh key pair that only this process knows. */
export function generateTestKeyPair(algorithm: TestKeyAlgorithm): TestKeyPair {
  if (algorithm === 'ed25519') return pairOf(algorithm, generateKeyPairSync('ed25519').privateKey);
  if (algorithm === 'ecdsa-p256-sha256') return pairOf(algorithm, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
  throw new Error(`Unknown key algorithm "${String(algorithm)}"; use ed25519 or ecdsa-p256-sha256.`);
}

const fixed = new Map<TestKeyAlgorithm, TestKeyPair>();

/**
 * The published local test key pair of `algorithm`, the same on every machine (derived from a fixed seed). The local
 * dev server and the test receiver trust its public key for Discord, SendGrid, Telnyx and the other providers that
 * sign with their own private key. Anyone can sign with it: never let a deployed receiver trust it.
 */
export function localTestKeyPair(algorithm: TestKeyAlgorithm): TestKeyPair {
  let pair = fixed.get(algorithm);
  if (!pair) {
    const seed = createHash('sha256').update(`cdk-webhook-receiver local test key ${algorithm} (public, insecure)`).digest();
    if (algorithm === 'ed25519') {
      pair = pairOf(algorithm, createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
    } else if (algorithm === 'ecdsa-p256-sha256') {
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(seed);
      const point = ecdh.getPublicKey();
      const jwk = { kty: 'EC', crv: 'P-256', d: seed.toString('base64url'), x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') };
      pair = pairOf(algorithm, createPrivateKey({ key: jwk, format: 'jwk' }));
    } else {
      throw new Error(`Unknown key algorithm "${String(algorithm)}"; use ed25519 or ecdsa-p256-sha256.`);
    }
    fixed.set(algorithm, pair);
  }
  return pair;
}

// ---------------------------------------------------------------------------------------------------------------
// PayPal, the App Store and Plaid: certificates and keys that stand in for the provider's own.
//
// PayPal names the URL of its signing certificate in each request, the App Store chains its JWS to Apple's root, and
// Plaid serves its key by kid: a request "from" them can only be made with material of our own, which the receiver
// must be told to trust instead. testing/local-certificates.ts holds it (made once with openssl, valid to 2046, all
// private keys published: PUBLIC, INSECURE). The local dev server and the test receiver serve the PayPal certificate
// and the Plaid key on their own loopback origin and point the verifier at them with its test-only variables
// (`localProviderOverrides`), which the verifier refuses inside AWS Lambda. Never let a deployed receiver trust it.

/** Where the local receiver serves the PayPal stand-in certificate file (under PayPal's own path prefix). */
export const LOCAL_PAYPAL_CERTIFICATE_PATH = '/v1/notifications/certs/CERT-cdk-webhook-receiver-local-test';
/** Where the local receiver answers as Plaid's key service does. */
export const LOCAL_PLAID_KEY_PATH = '/webhook_verification_key/get';

/** The PayPal stand-in: the certificate file PayPal's scheme fetches (leaf then its CA, PEM) and the leaf's private key. */
export interface LocalPayPalCertificate {
  readonly certificateChainPem: string;
  readonly certificate: X509Certificate;
  readonly privateKey: KeyObject;
}

/** The App Store stand-in chain: root, intermediate and leaf with Apple's marker extensions, and the leaf's key. */
export interface LocalAppleChain {
  readonly root: X509Certificate;
  readonly intermediate: X509Certificate;
  readonly leaf: X509Certificate;
  /** The JWS header's `x5c`: leaf, intermediate, root, base64 DER. */
  readonly x5c: string[];
  /** The leaf's private key (ES256). */
  readonly privateKey: KeyObject;
}

/** The Plaid stand-in key: what the local key service answers for `kid`, and the private key that signs. */
export interface LocalPlaidKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  /** The public JWK as Plaid's `/webhook_verification_key/get` answers it (with kid, alg, use). */
  readonly publicJwk: Record<string, string>;
}

/** The published PayPal stand-in certificate (PUBLIC, INSECURE: never trusted by a deployed receiver). */
export function localPayPalCertificate(): LocalPayPalCertificate {
  return {
    certificateChainPem: local.PAYPAL_CERTIFICATE_CHAIN_PEM,
    certificate: new X509Certificate(local.PAYPAL_CERTIFICATE_CHAIN_PEM),
    privateKey: createPrivateKey(local.PAYPAL_PRIVATE_KEY_PEM),
  };
}

/** The published App Store stand-in chain (PUBLIC, INSECURE: never trusted by a deployed receiver). */
export function localAppleChain(): LocalAppleChain {
  const [root, intermediate, leaf] = [local.APPLE_ROOT_PEM, local.APPLE_INTERMEDIATE_PEM, local.APPLE_LEAF_PEM].map((pem) => new X509Certificate(pem));
  return { root, intermediate, leaf, x5c: [leaf, intermediate, root].map((c) => c.raw.toString('base64')), privateKey: createPrivateKey(local.APPLE_LEAF_PRIVATE_KEY_PEM) };
}

/** The published Plaid stand-in key (PUBLIC, INSECURE: never trusted by a deployed receiver). */
export function localPlaidKey(): LocalPlaidKey {
  const privateKey = createPrivateKey(local.PLAID_PRIVATE_KEY_PEM);
  const { kty, crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, string>;
  return { kid: local.PLAID_KEY_ID, privateKey, publicJwk: { kty, crv, x, y, kid: local.PLAID_KEY_ID, alg: 'ES256', use: 'sig' } };
}

/**
 * The verifier's test-only variables that make it trust the stand-ins served on `origin` (the local receiver's
 * `http://127.0.0.1:<port>`): PayPal certificates may come from it, Plaid's key service is it, and the App Store
 * chain's test root is trusted besides Apple's. The verifier honours them only for a loopback origin and refuses
 * them inside AWS Lambda.
 */
export function localProviderOverrides(origin: string): Record<string, string> {
  return {
    WEBHOOK_RECEIVER_TEST_CERTIFICATE_ORIGIN: origin,
    WEBHOOK_RECEIVER_TEST_KEY_ORIGIN: origin,
    WEBHOOK_RECEIVER_TEST_TRUSTED_ROOTS: localAppleChain().root.raw.toString('base64'),
  };
}

/**
 * The local receiver's answer as the PayPal certificate host or Plaid's key service, or undefined when the request
 * is for neither. Plaid's answer has the shape of `POST /webhook_verification_key/get`; any non-empty client id and
 * secret are accepted (the local key service holds no account), an unknown kid is answered as Plaid answers it.
 */
export function answerAsProvider(method: string, pathname: string, body: string): { status: number; contentType: string; body: string } | undefined {
  if (method === 'GET' && pathname === LOCAL_PAYPAL_CERTIFICATE_PATH) {
    return { status: 200, contentType: 'application/x-pem-file', body: local.PAYPAL_CERTIFICATE_CHAIN_PEM };
  }
  if (method === 'POST' && pathname === LOCAL_PLAID_KEY_PATH) {
    const json = (status: number, value: unknown) => ({ status, contentType: 'application/json', body: JSON.stringify(value) });
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return json(400, { error_type: 'INVALID_REQUEST', error_code: 'INVALID_BODY', error_message: 'the body is not JSON' });
    }
    if (typeof request?.client_id !== 'string' || request.client_id === '' || typeof request.secret !== 'string' || request.secret === '') {
      return json(400, { error_type: 'INVALID_INPUT', error_code: 'INVALID_API_KEYS', error_message: 'invalid client_id or secret provided' });
    }
    const key = localPlaidKey();
    if (request.key_id !== key.kid) return json(400, { error_type: 'INVALID_INPUT', error_code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', error_message: 'invalid key_id provided' });
    return json(200, { key: { ...key.publicJwk, created_at: 1767225600, expired_at: null }, request_id: 'local-test' });
  }
  return undefined;
}
