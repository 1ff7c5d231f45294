import type { Duration } from 'aws-cdk-lib';
import type { ProviderBaseOptions, RequestValue } from './provider';

/**
 * Options every provider verified by certificates takes (PayPal, the App Store, `WebhookProvider.certificateUrl`,
 * `WebhookProvider.x5cJws`): those of `ProviderOptions` but the secret, as such a provider has none. Trust comes
 * from public certificates: fetched from the provider's own https hosts, or chained to a pinned root.
 */
export interface CertificateProviderOptions extends ProviderBaseOptions {}

/** Options of `WebhookProvider.paypal`. */
export interface PayPalProviderOptions extends CertificateProviderOptions {
  /**
   * The id of the webhook, as PayPal's developer dashboard shows it (e.g. `8PT597110X687430LKGECATA`). PayPal signs
   * it into every delivery, so a delivery made for another webhook (another account's, or the sandbox's) does not
   * verify. It is not a secret.
   */
  readonly webhookId: string;
}

/** The App Store environment whose notifications a route accepts (the payload's `environment`). */
export enum AppStoreEnvironment {
  /** `Production`; then `appAppleId` is required, as in Apple's library. */
  PRODUCTION = 'Production',
  /** `Sandbox` (TestFlight and sandbox purchases). */
  SANDBOX = 'Sandbox',
}

/** Options of `WebhookProvider.appStore`. */
export interface AppStoreProviderOptions extends CertificateProviderOptions {
  /** The app's bundle id (`com.example.app`); a notification of another app is refused (401 `claim_mismatch`). */
  readonly bundleId: string;

  /**
   * The environment accepted; a notification of the other is refused (401 `claim_mismatch`). Register one receiver
   * route per environment to take both.
   *
   * @default AppStoreEnvironment.PRODUCTION
   */
  readonly environment?: AppStoreEnvironment;

  /**
   * The app's Apple id (a number, in App Store Connect), checked in Production as Apple's library checks it.
   *
   * @default - required with `AppStoreEnvironment.PRODUCTION`; not checked in the sandbox
   */
  readonly appAppleId?: number;
}

/** The signature algorithm of `WebhookProvider.certificateUrl`. */
export enum CertificateSignatureAlgorithm {
  /** RSASSA-PKCS1-v1_5 with SHA-256 (`SHA256withRSA`, PayPal). */
  RSA_SHA256 = 'rsa-sha256',
  /** ECDSA with SHA-256, DER-encoded signature. */
  ECDSA_SHA256 = 'ecdsa-sha256',
}

/**
 * Options of `WebhookProvider.certificateUrl`: a provider that signs with the key of an X.509 certificate whose
 * URL it sends in a header, fetched by the verifier only from the hosts listed here.
 */
export interface CertificateUrlProviderOptions extends CertificateProviderOptions {
  /** The header carrying the certificate's URL. */
  readonly certificateUrlHeader: string;

  /**
   * Hosts the certificate may be fetched from, over https on port 443: exact names (`api.example.com`), or
   * `*.example.com` for any name under it. No IP addresses.
   */
  readonly allowedHosts: string[];

  /**
   * A path every certificate URL must start with (e.g. `/certs/`).
   *
   * @default - any path
   */
  readonly certificatePathPrefix?: string;

  /** The header carrying the base64 signature. */
  readonly signatureHeader: string;

  /**
   * The signature algorithm; the certificate's key must be of its kind.
   *
   * @default CertificateSignatureAlgorithm.RSA_SHA256
   */
  readonly algorithm?: CertificateSignatureAlgorithm;

  /**
   * The signed content, as a template over `{header:<name>}` (a header's value), `{webhookId}`, `{crc32}` (the
   * unsigned decimal CRC-32 of the body) and `{body}` (the exact bytes); other characters are literal. It must
   * include `{body}` or `{crc32}`.
   *
   * @default '{body}'
   */
  readonly signedContent?: string;

  /**
   * The value of `{webhookId}` in `signedContent`.
   *
   * @default - the template has no `{webhookId}`
   */
  readonly webhookId?: string;

  /**
   * Common names the certificate's subject must have one of.
   *
   * @default - any subject
   */
  readonly subjectCommonNames?: string[];

  /**
   * How long a fetch of the certificate may take; a fetch that fails or takes longer is answered 502 (the provider
   * retries). At most 10 seconds.
   *
   * @default Duration.seconds(2)
   */
  readonly fetchTimeout?: Duration;

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

/**
 * Options of `WebhookProvider.x5cJws`: a provider whose JSON body holds a compact JWS (ES256) whose `x5c` header
 * chains to a root pinned here.
 */
export interface X5cJwsProviderOptions extends CertificateProviderOptions {
  /** The body's field holding the JWS, as a dot path (e.g. `signedPayload`). */
  readonly jwsField: string;

  /** The roots the chain must lead to, as PEM or base64 DER. */
  readonly rootCertificates: string[];

  /**
   * How many certificates `x5c` holds: leaf, intermediate and (ignored: the pinned roots are used) root.
   *
   * @default 3
   */
  readonly chainLength?: number;

  /**
   * Extension OIDs the leaf certificate must carry.
   *
   * @default - none
   */
  readonly leafOids?: string[];

  /**
   * Extension OIDs the intermediate certificate must carry.
   *
   * @default - none
   */
  readonly intermediateOids?: string[];

  /**
   * A payload claim, in milliseconds since the epoch, at which the chain must be valid.
   *
   * @default - the chain must be valid now
   */
  readonly signedDateClaim?: string;

  /**
   * Values the payload must carry, by dot path (`{ 'data.bundleId': 'com.example.app' }`); a payload without them
   * is refused (401 `claim_mismatch`).
   *
   * @default - none
   */
  readonly requiredClaims?: { [path: string]: string };

  /**
   * The payload's delivery id, as a dot path.
   *
   * @default - the SHA-256 of the body is the delivery id
   */
  readonly deliveryIdClaim?: string;

  /**
   * The payload's event type, as a dot path.
   *
   * @default - events carry no event type
   */
  readonly eventTypeClaim?: string;
}
