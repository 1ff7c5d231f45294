import type { Duration } from 'aws-cdk-lib';
import type { BodyHashEncoding } from './jwt';
import type { ProviderBaseOptions, RequestValue } from './provider';

/**
 * A public-key `alg` a token verified against a JWK set may name. `none` and the HMAC algorithms (`HS256`, ...)
 * are never accepted: keyed with a public key, an HMAC proves nothing.
 */
export enum JwksAlgorithm {
  /** ECDSA on P-256 with SHA-256. */
  ES256 = 'ES256',
  /** ECDSA on P-384 with SHA-384. */
  ES384 = 'ES384',
  /** RSASSA-PKCS1-v1_5 with SHA-256 (keys of 2048 bits or more). */
  RS256 = 'RS256',
  /** RSASSA-PKCS1-v1_5 with SHA-384. */
  RS384 = 'RS384',
  /** RSASSA-PKCS1-v1_5 with SHA-512. */
  RS512 = 'RS512',
  /** RSASSA-PSS with SHA-256 and a 32-byte salt. */
  PS256 = 'PS256',
  /** EdDSA with an Ed25519 key (JWK `kty` `OKP`, `crv` `Ed25519`). */
  EDDSA = 'EdDSA',
}

/**
 * Options of `WebhookProvider.jwks`: a provider that sends a JWT signed with a private key whose public half is in
 * a JWK set at a fixed https URL. The verifier reads the token's `kid`, fetches the set from that URL only (no
 * redirect followed, at most 64 KiB, 2 s, a few fetches a minute), caches its keys for an hour, and answers 503
 * (the provider retries) when the set cannot be read. A token must carry `exp`, or `iat` when `maxAge` is set.
 * No secret: the keys are public.
 */
export interface JwksProviderOptions extends ProviderBaseOptions {
  /**
   * The https URL of the JWK set, e.g. `https://keys.example.com/.well-known/jwks.json`: a DNS name (no IP
   * address, no port, no user name or password), a path, no query or fragment. Keys are fetched from it only.
   */
  readonly jwksUrl: string;

  /**
   * The `alg`s accepted; a token naming another is refused (401) before any key is looked up. A key of the set
   * that names its own `alg` verifies only tokens of that `alg`.
   *
   * @default [JwksAlgorithm.RS256, JwksAlgorithm.ES256]
   */
  readonly algorithms?: JwksAlgorithm[];

  /**
   * The header carrying the token.
   *
   * @default 'Authorization'
   */
  readonly header?: string;

  /**
   * Whether the token must follow `Bearer `.
   *
   * @default false - a `Bearer ` prefix is accepted and stripped, and a bare token is accepted too
   */
  readonly requireBearer?: boolean;

  /**
   * The `iss` every token must carry.
   *
   * @default - any issuer
   */
  readonly issuer?: string;

  /**
   * A value every token's `aud` must be (a string) or hold (an array).
   *
   * @default - any audience
   */
  readonly audience?: string;

  /**
   * The claim holding the SHA-256 of the body, e.g. `body_sha256`. Without it the token does not cover the body:
   * anyone who saw one token could send other bytes under it until it expires.
   *
   * @default - the token does not cover the body (events are marked `bodySigned: false`)
   */
  readonly bodyHashClaim?: string;

  /**
   * How the body hash claim writes the body's SHA-256. Only with `bodyHashClaim`.
   *
   * @default BodyHashEncoding.HEX
   */
  readonly bodyHashEncoding?: BodyHashEncoding;

  /**
   * How old the token's `iat` may be (and how far ahead, by `clockSkew`); tokens must then carry `iat`.
   *
   * @default - `iat` is not required; the token's `exp` bounds it
   */
  readonly maxAge?: Duration;

  /**
   * Clock skew allowed on `exp`, `nbf` and a future `iat`.
   *
   * @default Duration.seconds(10)
   */
  readonly clockSkew?: Duration;

  /**
   * Where the provider's delivery id is, tried in order.
   *
   * @default - none: the SHA-256 of the body is the delivery id
   */
  readonly deliveryId?: RequestValue[];

  /**
   * Where the provider's event type is.
   *
   * @default - events carry no event type
   */
  readonly eventType?: RequestValue;
}
