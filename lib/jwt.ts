import type { Duration } from 'aws-cdk-lib';
import type { GenericProviderOptions } from './provider';

/** The HMAC algorithm of a JWT, the only `alg` its tokens may name. */
export enum JwtAlgorithm {
  /** HMAC with SHA-256 (Vonage, LiveKit, QStash, Netlify). */
  HS256 = 'HS256',
  /** HMAC with SHA-384. */
  HS384 = 'HS384',
  /** HMAC with SHA-512. */
  HS512 = 'HS512',
}

/** How a JWT claim writes the SHA-256 of the body. */
export enum BodyHashEncoding {
  /** Lowercase (or uppercase) hex (Vonage `payload_hash`, Netlify `sha256`). */
  HEX = 'hex',
  /** Base64 with padding (LiveKit `sha256`). */
  BASE64 = 'base64',
  /** Base64url without padding (QStash `body`). */
  BASE64URL = 'base64url',
}

/**
 * Options of `WebhookProvider.jwt`: a provider that sends a JWT, signed with an HMAC under the secret, whose claims
 * carry the SHA-256 of the body. A token must carry `exp`, or `iat` when `maxAge` is set.
 */
export interface JwtProviderOptions extends GenericProviderOptions {
  /** The claim holding the SHA-256 of the body, e.g. `payload_hash`. */
  readonly bodyHashClaim: string;

  /**
   * How the claim writes the body's SHA-256.
   *
   * @default BodyHashEncoding.HEX
   */
  readonly bodyHashEncoding?: BodyHashEncoding;

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
   * The only `alg` accepted: a token naming another (`none`, `RS256`, another HMAC) is refused (401).
   *
   * @default JwtAlgorithm.HS256
   */
  readonly algorithm?: JwtAlgorithm;

  /**
   * The `iss` every token must carry.
   *
   * @default - any issuer
   */
  readonly issuer?: string;

  /**
   * The token's `iss` names the key that signed it (LiveKit's API key): the secret is then `<key id>:<secret>`
   * (a JSON array of several), and only those of the token's issuer are tried.
   *
   * @default false
   */
  readonly issuerIsKeyId?: boolean;

  /**
   * How far the token's `iat` may be from now, either way; tokens must then carry `iat`.
   *
   * @default - `iat` is not required; the token's `exp` bounds it
   */
  readonly maxAge?: Duration;

  /**
   * Clock skew allowed on `exp` and `nbf`.
   *
   * @default Duration.seconds(10)
   */
  readonly clockSkew?: Duration;
}
