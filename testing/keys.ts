/**
 * Key pairs for the providers that sign with their own private key (Discord and Telnyx: Ed25519; SendGrid: ECDSA
 * P-256). Nobody but the provider holds its private key, so a request "from Discord" can only be made with a key pair
 * of our own, whose public key the receiver is then told to trust instead of Discord's.
 *
 * `localTestKeyPair()` is one fixed, published key pair per algorithm: the local dev server and the in-process test
 * receiver trust it, so `send discord` works against them with no set-up. Its private key is in this file, public:
 * a receiver that trusts it accepts requests from anyone. Never configure a deployed receiver with it.
 * `generateTestKeyPair()` makes a fresh pair, for a test that wants a key nobody else has.
 */
import { createECDH, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

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
