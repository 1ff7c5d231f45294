import { X509Certificate } from 'node:crypto';
import { Duration, Token } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { reconcileSettings, type ReconcileSettings } from './private/reconcile';
import { BodyHashEncoding, JwtAlgorithm, type JwtProviderOptions } from './jwt';
import { JwksAlgorithm, type JwksProviderOptions } from './jwks';
import { AppStoreEnvironment, CertificateSignatureAlgorithm, type AppStoreProviderOptions, type CertificateProviderOptions, type CertificateUrlProviderOptions, type PayPalProviderOptions, type X5cJwsProviderOptions } from './certificates';
import { providerSecurity } from './private/security';
import type { GitHubReconciliationOptions, ReconciliationOptions } from './reconcile';
import { checkArray, checkBoolean, checkDuration, checkInterface, checkNumber, checkPropsObject, checkString, describeValue } from './private/validate';
import { defaultToleranceOf, definitionOf } from '../catalog/providers';
import { DEFAULT_DEDUP_WINDOW_SECONDS, RESERVED_PROVIDER_IDS, type ProviderConfig, type SchemeConfig, type SignatureFormatConfig, type TimestampConfig, type ValueSourceConfig } from '../contract/config';

/** Hash function of an HMAC signature. */
export enum HmacAlgorithm {
  /** HMAC-SHA1, in older schemes (Twilio, Vercel); a 20-byte signature. */
  SHA1 = 'sha1',
  /** HMAC-SHA256, what most providers use; a 32-byte signature. */
  SHA256 = 'sha256',
  /** HMAC-SHA512; a 64-byte signature. */
  SHA512 = 'sha512',
}

/** Public-key signature algorithm; the secret's value is the provider's public key. */
export enum PublicKeyAlgorithm {
  /** Ed25519; the key as 64 hex characters (raw) or base64 DER SPKI. */
  ED25519 = 'ed25519',
  /** ECDSA on P-256 with SHA-256, DER-encoded signatures; the key as base64 DER SPKI. */
  ECDSA_P256_SHA256 = 'ecdsa-p256-sha256',
}

/** How signature bytes are written in the header. */
export enum SignatureEncoding {
  /** Hexadecimal digits (GitHub, Stripe, Slack). */
  HEX = 'hex',
  /** Base64 (Shopify, Svix, Twilio). */
  BASE64 = 'base64',
}

/** How the secret string stored in Secrets Manager becomes the HMAC key. */
export enum SecretEncoding {
  /** The secret's UTF-8 bytes, as written (GitHub, Stripe: `whsec_` prefix included). */
  UTF8 = 'utf8',
  /** Base64, after stripping an optional `whsec_` prefix (Standard Webhooks, Svix). */
  BASE64 = 'base64',
  /** Hex-encoded bytes (Adyen). */
  HEX = 'hex',
}

/** Unit of a signed timestamp. */
export enum TimestampUnit {
  /** Whole seconds since the Unix epoch, e.g. `1700000000` (Stripe, Slack). */
  SECONDS = 's',
  /** Milliseconds since the Unix epoch, e.g. `1700000000000` (Linear). */
  MILLISECONDS = 'ms',
  /** An RFC 3339 date-time such as `2026-11-26T18:00:00.123Z` (Twitch). */
  RFC3339 = 'rfc3339',
}

/** Where a value of the request (delivery id, event type, a part of a `dedupKey`) is read from. */
export class RequestValue {
  /** A request header (matched case-insensitively). */
  public static header(name: string): RequestValue {
    checkHeaderName(name);
    return new RequestValue({ header: name.toLowerCase() });
  }

  /**
   * A string or number field of the JSON body, as a dot-separated path (e.g. `data.object.id`); numeric
   * segments index arrays (`0.eventId`).
   */
  public static jsonPath(path: string): RequestValue {
    checkJsonPath(path);
    return new RequestValue({ jsonPath: path });
  }

  /**
   * The event's type, as the provider's event type source reads it (a catalog provider's own, or a generic
   * provider's `eventType`). Only in a `dedupKey`.
   */
  public static eventType(): RequestValue {
    return new RequestValue({ eventType: true });
  }

  private constructor(private readonly source: ValueSourceConfig) {}

  /** @internal */
  public _toConfig(): ValueSourceConfig {
    return this.source;
  }
}

/** Options of `SignatureFormat.keyValue`. */
export interface KeyValueFormatOptions {
  /** The key whose values are signatures, e.g. `v1`. Several entries with it may be present; any may match. */
  readonly signatureKey: string;
  /**
   * The key whose value is the signed timestamp, e.g. `t`; read it with `TimestampSource.signatureHeader()`.
   *
   * @default - the header carries no timestamp
   */
  readonly timestampKey?: string;
  /**
   * What separates one `key=value` pair of the header from the next.
   *
   * @default ','
   */
  readonly pairSeparator?: string;
  /**
   * What separates a key from its value within a pair.
   *
   * @default '='
   */
  readonly keyValueSeparator?: string;
}

/** Options of `SignatureFormat.list`. */
export interface ListFormatOptions {
  /** The prefix of each signature of this scheme, e.g. `v1,`. Entries with another prefix are ignored. */
  readonly prefix: string;
  /**
   * What separates one signature of the header from the next.
   *
   * @default ' '
   */
  readonly separator?: string;
}

/** How the signature header is laid out. */
export class SignatureFormat {
  /** One signature, optionally after a prefix such as `sha256=`. */
  public static plain(prefix?: string): SignatureFormat {
    return new SignatureFormat({ kind: 'plain', prefix: prefix ?? '' });
  }

  /** A key-value list such as `t=1700000000,v1=abc,v1=def` (Stripe) or `ts=1;h1=abc` (Paddle). */
  public static keyValue(options: KeyValueFormatOptions): SignatureFormat {
    return new SignatureFormat({
      kind: 'keyValue',
      pairSeparator: options.pairSeparator ?? ',',
      keyValueSeparator: options.keyValueSeparator ?? '=',
      signatureKey: options.signatureKey,
      timestampKey: options.timestampKey,
    });
  }

  /** Several signatures separated by spaces, each with a version prefix: `v1,abc v1,def` (Standard Webhooks). */
  public static list(options: ListFormatOptions): SignatureFormat {
    return new SignatureFormat({ kind: 'list', prefix: options.prefix, pairSeparator: options.separator ?? ' ' });
  }

  private constructor(private readonly config: SignatureFormatConfig) {}

  /** @internal */
  public _toConfig(): SignatureFormatConfig {
    return this.config;
  }
}

/** Where the signed timestamp is. */
export class TimestampSource {
  /** A header of its own. */
  public static header(name: string, unit?: TimestampUnit): TimestampSource {
    checkHeaderName(name);
    return new TimestampSource({ source: 'header', header: name.toLowerCase(), unit: unit ?? TimestampUnit.SECONDS });
  }

  /** The `timestampKey` entry of a key-value signature header. */
  public static signatureHeader(unit?: TimestampUnit): TimestampSource {
    return new TimestampSource({ source: 'signatureHeader', unit: unit ?? TimestampUnit.SECONDS });
  }

  /** A field of the JSON body (Linear's `webhookTimestamp`). */
  public static jsonPath(path: string, unit?: TimestampUnit): TimestampSource {
    checkJsonPath(path);
    return new TimestampSource({ source: 'jsonPath', jsonPath: path, unit: unit ?? TimestampUnit.SECONDS });
  }

  private constructor(private readonly config: Omit<TimestampConfig, 'toleranceSeconds' | 'allowFuture'>) {}

  /** @internal */
  public _toConfig(toleranceSeconds: number): TimestampConfig {
    return { ...this.config, toleranceSeconds, allowFuture: false };
  }
}

/**
 * Options every provider takes, but the secret: those of `ProviderOptions`, and all of the options of providers
 * that hold no secret (verified by certificates, or by the public keys of a JWK set).
 */
export interface ProviderBaseOptions {
  /**
   * Identifier of this provider in the receiver: the URL path segment, the construct id suffix, the
   * `provider` field of events, and part of the idempotency key. Lowercase letters, digits and dashes.
   *
   * @default - the provider's name (`stripe`, `github`, `lemon-squeezy`, `paypal`, ...); required for generic schemes
   */
  readonly id?: string;

  /**
   * How long a delivery id is remembered, so a redelivery within this window is recognised as a duplicate.
   * Must outlive the provider's retry horizon and its signature tolerance.
   *
   * @default Duration.days(7)
   */
  readonly dedupWindow?: Duration;

  /**
   * Source addresses allowed to call this provider's route, as CIDR blocks (IPv4 or IPv6): the ranges the
   * provider publishes for its webhooks. The API's resource policy then allows `execute-api:Invoke` on the route
   * only from these and denies it from anywhere else; API Gateway answers 403 `access_denied` without invoking
   * the verifier. Keep the list current when the provider changes its ranges.
   *
   * @default - requests from any address
   */
  readonly allowedIpRanges?: string[];

  /**
   * Steady-state requests per second this provider's route accepts (API Gateway answers 429 `throttled` above).
   *
   * @default - the stage's `throttlingRateLimit`
   */
  readonly throttlingRateLimit?: number;

  /**
   * Burst of requests this provider's route accepts.
   *
   * @default - the stage's `throttlingBurstLimit`
   */
  readonly throttlingBurstLimit?: number;

  /**
   * Media ranges the route accepts (see `MediaType`); a POST with another Content-Type gets 415
   * `unsupported_media_type` before any AWS call.
   *
   * @default - the provider's own: JSON (`MediaType.JSON` and `MediaType.JSON_SUFFIX`) for catalog providers
   * (PayPal and the App Store included); also form posts for GitHub, Slack and Twilio, XML for Shopify, `text/plain` for Microsoft Graph; any
   * (`MediaType.ANY`) for generic schemes
   */
  readonly contentTypes?: string[];

  /**
   * Request values whose combination keys an event instead of the provider's delivery id: headers
   * (`RequestValue.header`), fields of the JSON body (`RequestValue.jsonPath`) and the event type
   * (`RequestValue.eventType()`). Their values, in this order, are hashed (SHA-256 of their JSON array) into the
   * event's id `dedup:<hex>`, its inbox key, remembered for `dedupWindow`; a later delivery with the same values
   * is a duplicate (200, not enqueued) whatever its delivery id or its other bytes. The provider's own delivery id
   * stays in the envelope as `providerDeliveryId`. A request without one of the values (or with an empty one) is
   * refused with 400 `dedup_key_missing` before any AWS call; handshakes and ignored event types need none. For
   * providers that change their delivery id or body on retries (HubSpot, Box), or "one event per order and
   * status". Not for Adyen, whose items are each keyed by their own id.
   *
   * @default - the provider's delivery id (or the body's SHA-256 where it sends none) keys each event
   */
  readonly dedupKey?: RequestValue[];

  /**
   * Event types to enqueue. A verified event of another type, or of none, is answered 200 `ignored`, counted in
   * the `Ignored` metric, and written nowhere (no inbox record, no message). Handshakes are answered as before.
   * Only for providers that send an event type (a generic provider needs its `eventType`).
   *
   * @default - every event type is enqueued
   */
  readonly eventTypes?: string[];
}

/** Options every provider with a secret takes. */
export interface ProviderOptions extends ProviderBaseOptions {
  /**
   * The Secrets Manager secret that verifies the provider's requests. Its string value is the signing secret
   * (or public key, or token) as the provider shows it; or a JSON array of several, all accepted; or a JSON
   * object `{"signingSecrets": [...], "verifyToken": "..."}` (Meta's verify token). Surrounding whitespace (a
   * trailing newline) is ignored. Its AWSCURRENT version is accepted, and its AWSPREVIOUS version for the
   * receiver's `previousSecretGracePeriod` after a rotation, so rotating it never drops a delivery.
   */
  readonly secret: secretsmanager.ISecret;
}

/** Options of providers that sign a timestamp. */
export interface TimestampedProviderOptions extends ProviderOptions {
  /**
   * How far the signed timestamp may be from now, in both directions.
   *
   * @default - the provider's documented window: Stripe, Slack, Zoom, Mailgun, HubSpot, Standard Webhooks,
   * Svix, Resend, Clerk, OpenAI, Mux, Polar, Webflow, Sanity, Telnyx, Vonage and Plaid 5 minutes; Calendly and
   * WorkOS 3 minutes; Twitch, SendGrid and Box 10 minutes; ElevenLabs 30 minutes; Paddle and Linear 1 minute;
   * Contentful 30 seconds
   */
  readonly tolerance?: Duration;
}

/** Options of `WebhookProvider.stripe`. */
export interface StripeProviderOptions extends TimestampedProviderOptions {
  /**
   * Reconciliation: list the account's events on a schedule and enqueue those no webhook brought (marked
   * `origin: 'reconciliation'`), counted in the `ReconcileMissed` metric and its alarm.
   *
   * @default - no reconciliation
   */
  readonly reconcile?: ReconciliationOptions;
}

/** Options of `WebhookProvider.github`. */
export interface GitHubProviderOptions extends ProviderOptions {
  /**
   * Reconciliation: list the hook's deliveries on a schedule and ask GitHub to redeliver those that failed and
   * never reached the inbox (GitHub itself never retries), counted in the `ReconcileMissed` metric and its alarm.
   *
   * @default - no reconciliation
   */
  readonly reconcile?: GitHubReconciliationOptions;
}

/** Options of providers that sign the URL they post to (Twilio, Square, HubSpot). */
export interface UrlSigningProviderOptions extends ProviderOptions {
  /**
   * The exact URL you registered with the provider (it is part of what they sign). Never read from the
   * request's Host header, which behind API Gateway is not the URL the provider used.
   *
   * @default - the route's execute-api URL
   */
  readonly publicUrl?: string;
}

/** Options of `WebhookProvider.hubspot`. */
export interface HubSpotProviderOptions extends TimestampedProviderOptions, UrlSigningProviderOptions {}

/** Options of `WebhookProvider.contentful`: it signs its path and a timestamp. */
export interface ContentfulProviderOptions extends TimestampedProviderOptions, UrlSigningProviderOptions {}

/** Options of the generic schemes, which have no name of their own. */
export interface GenericProviderOptions extends ProviderOptions {
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

/** Options of `WebhookProvider.hmac`: a provider not in the catalog that signs with an HMAC. */
export interface HmacProviderOptions extends GenericProviderOptions {
  /** Header that carries the signature, e.g. `X-Signature`. */
  readonly signatureHeader: string;

  /**
   * The HMAC's hash function.
   *
   * @default HmacAlgorithm.SHA256
   */
  readonly algorithm?: HmacAlgorithm;

  /**
   * How the signature is written in the header.
   *
   * @default SignatureEncoding.HEX
   */
  readonly encoding?: SignatureEncoding;

  /**
   * How the header is laid out.
   *
   * @default SignatureFormat.plain() - the whole header is one signature
   */
  readonly format?: SignatureFormat;

  /**
   * The signed content, as a template over `{body}` (the exact request bytes), `{timestamp}` (as sent),
   * `{id}` (the first delivery id source), `{url}` (the public URL with the query string) and `{method}`;
   * other characters are literal.
   *
   * @default '{body}'
   */
  readonly signedContent?: string;

  /**
   * Where the signed timestamp is. When set, requests outside `tolerance` are rejected.
   *
   * @default - the signature carries no timestamp; replays are caught only by the dedup window
   */
  readonly timestamp?: TimestampSource;

  /**
   * How far the signed timestamp may be from now, in both directions. Only with `timestamp`.
   *
   * @default Duration.minutes(5)
   */
  readonly tolerance?: Duration;

  /**
   * How the secret's string value becomes the HMAC key.
   *
   * @default SecretEncoding.UTF8
   */
  readonly secretEncoding?: SecretEncoding;

  /**
   * The URL the provider signs, for `{url}` in `signedContent`.
   *
   * @default - the route's execute-api URL
   */
  readonly publicUrl?: string;
}

/** Options of `WebhookProvider.publicKey`. */
export interface PublicKeyProviderOptions extends GenericProviderOptions {
  /** The signature algorithm; the secret's value is the provider's public key for it. */
  readonly algorithm: PublicKeyAlgorithm;
  /** Header that carries the signature. */
  readonly signatureHeader: string;
  /**
   * How the signature is written in the header.
   *
   * @default SignatureEncoding.BASE64
   */
  readonly encoding?: SignatureEncoding;
  /** As for `WebhookProvider.hmac`. @default '{body}' */
  readonly signedContent?: string;
  /**
   * Where the signed timestamp is. When set, requests outside `tolerance` are rejected.
   *
   * @default - no signed timestamp
   */
  readonly timestamp?: TimestampSource;
  /**
   * How far the signed timestamp may be from now, in both directions. Only with `timestamp`.
   *
   * @default Duration.minutes(5)
   */
  readonly tolerance?: Duration;
}

/** Options of `WebhookProvider.sharedToken`. */
export interface SharedTokenProviderOptions extends GenericProviderOptions {
  /** Header that carries the token, compared with the secret in constant time. */
  readonly header: string;
}

const DEFAULT_DEDUP_WINDOW = Duration.seconds(DEFAULT_DEDUP_WINDOW_SECONDS);
const ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const PLACEHOLDERS = ['{body}', '{timestamp}', '{id}', '{url}', '{method}'];

/** What the construct needs to know of a provider besides its configuration. */
interface Traits {
  /** Signs its public URL: the receiver fills in `publicUrl`. */
  readonly signsUrl?: boolean;
  /** HTTP methods its route takes. @default ['POST'] */
  readonly methods?: readonly string[];
  /** Verified by certificates: no secret. @default false */
  readonly keyless?: boolean;
}

/**
 * A webhook provider: how its requests are signed, where its delivery id and event type are, and which secret
 * verifies it. Create one with a static factory: a catalog provider by name, or a generic scheme.
 */
export class WebhookProvider {
  /** Stripe: `Stripe-Signature: t=..,v1=..` over `{t}.{body}`, HMAC-SHA256; body `id` and `type`. */
  public static stripe(options: StripeProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('stripe', options);
  }

  /**
   * GitHub: `X-Hub-Signature-256: sha256=..` over the body; `X-GitHub-Delivery`, `X-GitHub-Event`. The `ping`
   * sent when a hook is created is verified and answered, not enqueued. GitHub never retries.
   */
  public static github(options: GitHubProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('github', options);
  }

  /** Shopify: `X-Shopify-Hmac-Sha256` (base64) over the body; `X-Shopify-Webhook-Id`, `X-Shopify-Topic`. */
  public static shopify(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('shopify', options);
  }

  /**
   * Slack: `X-Slack-Signature: v0=..` over `v0:{ts}:{body}`; body `event_id`, `event.type`. Answers
   * `url_verification` with its challenge.
   */
  public static slack(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('slack', options);
  }

  /**
   * Twilio: `X-Twilio-Signature`, HMAC-SHA1 of the public URL and the sorted form parameters (or of the URL
   * with `bodySHA256` for JSON bodies), keyed with the auth token; `I-Twilio-Idempotency-Token`.
   */
  public static twilio(options: UrlSigningProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('twilio', options);
  }

  /** Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,..`; `whsec_` base64 secret. */
  public static standardWebhooks(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('standard-webhooks', options);
  }

  /** Svix: Standard Webhooks with `svix-*` headers. */
  public static svix(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('svix', options);
  }

  /** Resend (signs through Svix). */
  public static resend(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('resend', options);
  }

  /** Clerk (signs through Svix). */
  public static clerk(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('clerk', options);
  }

  /**
   * Zoom: `x-zm-signature: v0=..` over `v0:{ts}:{body}`; body `event`. Answers `endpoint.url_validation`.
   * Zoom sends no delivery id: the body's hash is the id.
   */
  public static zoom(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('zoom', options);
  }

  /** Square: `x-square-hmacsha256-signature` (base64) over `{notification URL}{body}`; body `event_id`, `type`. */
  public static square(options: UrlSigningProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('square', options);
  }

  /** Paddle Billing: `Paddle-Signature: ts=..;h1=..` over `{ts}:{body}`; body `event_id`, `event_type`. */
  public static paddle(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('paddle', options);
  }

  /** Linear: `Linear-Signature` over the body, body `webhookTimestamp` (ms); `Linear-Delivery`, body `type`. */
  public static linear(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('linear', options);
  }

  /** Intercom: `X-Hub-Signature: sha1=..` over the body; body `id`, `topic`. The `ping` topic is answered. */
  public static intercom(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('intercom', options);
  }

  /**
   * Mailgun: the body's `signature` object, HMAC-SHA256 over `timestamp` + `token`; `event-data.id`. Mailgun
   * signs only those two fields, not the rest of the body.
   */
  public static mailgun(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('mailgun', options);
  }

  /**
   * SendGrid Event Webhook: ECDSA P-256 over `{timestamp}{body}`; the secret is the verification key (base64
   * SPKI). The body is an array of events: one POST is one delivery, keyed by its hash.
   */
  public static sendgrid(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('sendgrid', options);
  }

  /**
   * Discord interactions: Ed25519 over `{timestamp}{body}`; the secret is the application's public key (hex).
   * Answers PING. Discord sends bad signatures on purpose to check that they are refused.
   */
  public static discord(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('discord', options);
  }

  /** PagerDuty v3: `X-PagerDuty-Signature: v1=..[,v1=..]` over the body; body `event.id`, `event.event_type`. */
  public static pagerduty(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('pagerduty', options);
  }

  /** GitLab: `X-Gitlab-Token` is the secret itself (it does not cover the body); `Idempotency-Key` (else `X-Gitlab-Event-UUID`), `X-Gitlab-Event`. */
  public static gitlab(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('gitlab', options);
  }

  /** Bitbucket: `X-Hub-Signature: sha256=..` over the body; `X-Request-UUID`, `X-Event-Key`. */
  public static bitbucket(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('bitbucket', options);
  }

  /** Typeform: `Typeform-Signature: sha256=<base64>` over the body; body `event_id`, `event_type`. */
  public static typeform(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('typeform', options);
  }

  /** Calendly: `Calendly-Webhook-Signature: t=..,v1=..` over `{t}.{body}`; body `event`. No delivery id. */
  public static calendly(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('calendly', options);
  }

  /**
   * HubSpot v3: `X-HubSpot-Signature-v3` (base64) over `{method}{url}{body}{timestamp}`, timestamp in ms. The
   * body is an array of events: one POST is one delivery, keyed by its hash.
   */
  public static hubspot(options: HubSpotProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('hubspot', options);
  }

  /**
   * Meta (Facebook, Instagram, WhatsApp): `X-Hub-Signature-256: sha256=..` over the body with the app secret.
   * Answers the subscription GET (`hub.verify_token` must equal the secret's `verifyToken`). No delivery id.
   */
  public static meta(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('meta', options);
  }

  /**
   * Twitch EventSub: `Twitch-Eventsub-Message-Signature: sha256=..` over `{id}{timestamp}{body}` (RFC 3339
   * timestamp); `Twitch-Eventsub-Message-Id`. Answers `webhook_callback_verification` with its challenge.
   */
  public static twitch(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('twitch', options);
  }

  /**
   * Adyen: each notification item's `additionalData.hmacSignature`, HMAC-SHA256 (base64) over eight of its fields
   * with the hex HMAC key from the Customer Area as the secret. Adyen signs only those fields, not the rest of
   * the item. One POST is one delivery, keyed by its first item's pspReference and eventCode.
   */
  public static adyen(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('adyen', options);
  }

  /** OpenAI: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,..`); `whsec_` secret. */
  public static openai(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('openai', options);
  }

  /**
   * Razorpay: `X-Razorpay-Signature`, hex HMAC-SHA256 of the body keyed with the webhook's secret (not the API
   * key secret); `X-Razorpay-Event-Id`, body `event`. Razorpay signs no timestamp.
   */
  public static razorpay(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('razorpay', options);
  }

  /**
   * WorkOS: `WorkOS-Signature: t=<ms>, v1=<hex>` over `{t}.{body}` (the timestamp in milliseconds), a 3-minute
   * window; body `id`, `event`.
   */
  public static workos(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('workos', options);
  }

  /** Mux: `Mux-Signature: t=<s>,v1=<hex>` over `{t}.{body}`, a 5-minute window; body `id`, `type`. */
  public static mux(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('mux', options);
  }

  /**
   * ElevenLabs: `ElevenLabs-Signature: t=<s>,v0=<hex>` over `{t}.{body}`, a 30-minute window; body `type`.
   * ElevenLabs sends no delivery id: the body's hash is the id.
   */
  public static elevenlabs(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('elevenlabs', options);
  }

  /**
   * Onfido: `X-SHA2-Signature`, hex HMAC-SHA256 of the body keyed with the webhook token; body `payload.action`.
   * Onfido signs no timestamp and sends no delivery id: a delivery is keyed by `payload.object.id` and the action.
   */
  public static onfido(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('onfido', options);
  }

  /**
   * Polar: Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,..`), a 5-minute
   * window; the key is the secret's text, or its base64 decoding after an optional `whsec_`, as Polar's SDK tries
   * both; body `type`.
   */
  public static polar(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('polar', options);
  }

  /**
   * Mollie (next-generation webhooks): `X-Mollie-Signature: sha256=<hex>`, HMAC-SHA256 of the body keyed with the
   * signing secret; one header per secret while a secret is rotated; body `id`, `type`. Mollie signs no timestamp.
   */
  public static mollie(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('mollie', options);
  }

  /**
   * Stream (Chat): `X-Signature`, hex HMAC-SHA256 of the body keyed with the app's API secret; `X-Webhook-Id`,
   * body `type`. Stream signs no timestamp; keep webhook compression off (the signature is checked over the bytes
   * received).
   */
  public static stream(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('stream', options);
  }

  /**
   * Webflow: `x-webflow-signature`, hex HMAC-SHA256 of `{timestamp}:{body}` keyed with the webhook's secret (the
   * OAuth app's client secret), `x-webflow-timestamp` in milliseconds, a 5-minute window (Webflow's SDK checks
   * none); body `triggerType`. No delivery id: the body's hash is the id. Dashboard-created webhooks are unsigned.
   */
  public static webflow(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('webflow', options);
  }

  /**
   * Sanity (GROQ webhooks): `sanity-webhook-signature: t=<ms>,v1=<base64url>` over `{t}.{body}`, a 5-minute window
   * (Sanity's SDK checks none); `idempotency-key`, `sanity-operation`.
   */
  public static sanity(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('sanity', options);
  }

  /**
   * Box: `box-signature-primary` and `box-signature-secondary`, base64 HMAC-SHA256 of the body followed by the
   * `box-delivery-timestamp` (RFC 3339), a 10-minute window; the secret is the primary or the secondary signature
   * key (either signature may match). Body `id` (`box-delivery-id` changes on every retry), `trigger`.
   */
  public static box(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('box', options);
  }

  /**
   * Telnyx: `telnyx-signature-ed25519`, Ed25519 (base64) over `{timestamp}|{body}`, `telnyx-timestamp` in seconds,
   * a 5-minute window; the secret is the account's public key (base64); body `data.id`, `data.event_type`.
   */
  public static telnyx(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('telnyx', options);
  }

  /**
   * Contentful: `x-contentful-signature`, hex HMAC-SHA256 of the canonical request (method, public path and query,
   * the headers named in `x-contentful-signed-headers`, body), `x-contentful-timestamp` in milliseconds, a 30-second
   * window; the `x-contentful-topic` header. Contentful signs its path: set `publicUrl` when the route is reached
   * through a custom domain.
   */
  public static contentful(options: ContentfulProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('contentful', options);
  }

  /**
   * Plivo (V3 signatures): `X-Plivo-Signature-V3` and its nonce, base64 HMAC-SHA256 with the auth token over the
   * public URL, its sorted query and the sorted form parameters (like Twilio, set `publicUrl` behind a custom
   * domain). Form posts only; no timestamp and no delivery id (the body's hash is the id).
   */
  public static plivo(options: UrlSigningProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('plivo', options);
  }

  /**
   * GoCardless: `Webhook-Signature`, hex HMAC-SHA256 of the body keyed with the webhook endpoint secret. A body
   * carries several events (`events`): each is keyed by its own `id`, enqueued on its own, with the event type
   * `<resource_type>:<action>`. GoCardless signs no timestamp.
   */
  public static gocardless(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('gocardless', options);
  }

  /**
   * LINE Messaging API: `x-line-signature`, base64 HMAC-SHA256 of the body keyed with the channel secret. Each of
   * the body's `events` is keyed by its `webhookEventId` and enqueued on its own; the console's "Verify" request
   * (`events: []`) is answered 200 with nothing enqueued. LINE signs no timestamp.
   */
  public static line(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('line', options);
  }

  /**
   * Pusher Channels: `X-Pusher-Signature`, hex HMAC-SHA256 of the body keyed with the app secret, and
   * `X-Pusher-Key`, the app key. The secret is `<app key>:<app secret>` (a JSON array of several for several apps
   * or keys); only those of the request's key are tried. Each of the body's `events` is enqueued on its own, keyed
   * by the hash of the body's `time_ms` and the event (Pusher's events carry no id); the event type is its `name`.
   */
  public static pusher(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('pusher', options);
  }

  /**
   * Vonage signed webhooks (Messages, Voice, Dispatch): `Authorization: Bearer <JWT>`, HS256 with the account's
   * signature secret, `iss` `Vonage`, and the claim `payload_hash`, the hex SHA-256 of the body; the token's `iat`
   * within 5 minutes. Keyed by `message_uuid` and `status` (a status update), else `message_uuid`.
   */
  public static vonage(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('vonage', options);
  }

  /**
   * LiveKit: `Authorization: <JWT>`, HS256 with the API secret, `iss` the API key, and the claim `sha256`, the
   * base64 SHA-256 of the body; the token's `exp` and `nbf` with 10 s of skew. The secret is
   * `<API key>:<API secret>`. Body `id`, `event`.
   */
  public static livekit(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('livekit', options);
  }

  /**
   * Braintree: a form post of `bt_signature` (`<public key>|<hex HMAC-SHA1>` pairs keyed with the SHA-1 of the
   * private key) over `bt_payload` (the base64 of the XML notification). The secret is
   * `<public key>:<private key>`. Answers the GET `bt_challenge` handshake, only for challenges of 20 to 32
   * lowercase hex characters (as Braintree's SDK), and takes only payloads that are XML. No delivery id: the
   * hash of `bt_payload` (the notification, the same in every retry) keys it.
   */
  public static braintree(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('braintree', options);
  }

  /**
   * Plaid: `Plaid-Verification`, a JWT, ES256 only, signed with a key the verifier fetches from Plaid by the token's
   * `kid` (`POST https://{production|sandbox}.plaid.com/webhook_verification_key/get`) and caches; the claim
   * `request_body_sha256` must be the hex SHA-256 of the body, and `iat` at most 5 minutes old. The secret is JSON:
   * `{"client_id": "...", "secret": "...", "environment": "production"}` (`environment` `production` or `sandbox`,
   * default `production`). The verifier needs outbound HTTPS to Plaid; when Plaid cannot be reached it answers 503
   * and Plaid retries. No event id: the body's SHA-256 keys it; the event type is `webhook_type:webhook_code`.
   */
  public static plaid(options: TimestampedProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('plaid', options);
  }

  /**
   * Dropbox Sign (HelloSign): a multipart/form-data post whose field `json` is the event; `event.event_hash` must
   * be the hex HMAC-SHA256, under the API key (the secret), of `event_time` + `event_type`. That hash does NOT cover
   * the rest of the event: act on an event only after fetching its signature request from Dropbox Sign's API. Every
   * 200 answer is exactly `Hello API Event Received`, as Dropbox Sign requires. `callback_test` is answered, not
   * enqueued. Keyed by `event_hash`, `event_time` and the signature request id.
   */
  public static dropboxSign(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('dropbox-sign', options);
  }

  /** Lemon Squeezy: `X-Signature` (hex) over the body; `X-Event-Name`. No delivery id. */
  public static lemonSqueezy(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('lemon-squeezy', options);
  }

  /** Vercel: `x-vercel-signature`, HMAC-SHA1 hex over the body; body `id`, `type`. */
  public static vercel(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('vercel', options);
  }

  /** Sentry integrations: `Sentry-Hook-Signature` (hex) over the body; `Request-ID`, `Sentry-Hook-Resource`. */
  public static sentry(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('sentry', options);
  }

  /** Jira (admin webhooks with a secret): `X-Hub-Signature: sha256=..`; `X-Atlassian-Webhook-Identifier`. */
  public static jira(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('jira', options);
  }

  /**
   * X (Twitter) Account Activity: `x-twitter-webhooks-signature: sha256=<base64>` with the consumer secret;
   * answers the CRC GET. No delivery id.
   */
  public static x(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('x', options);
  }

  /**
   * Microsoft Graph change notifications: every notification's `clientState` must equal the secret; answers
   * `validationToken`. No delivery id.
   */
  public static microsoftGraph(options: ProviderOptions): WebhookProvider {
    return WebhookProvider.catalog('microsoft-graph', options);
  }

  /** Any provider that signs with an HMAC in one header. */
  public static hmac(options: HmacProviderOptions): WebhookProvider {
    checkPropsObject('WebhookProvider.hmac()', options, OPTIONS_EXAMPLE);
    checkProviderOptions('custom', options);
    checkHeaderName(options.signatureHeader);
    const signedContent = checkTemplate(options.signedContent ?? '{body}', options);
    const format = (options.format ?? SignatureFormat.plain())._toConfig();
    const timestamp = options.timestamp?._toConfig(seconds(options.tolerance ?? Duration.minutes(5), 'tolerance'));
    if (timestamp?.source === 'signatureHeader' && !format.timestampKey) {
      throw new Error('TimestampSource.signatureHeader() needs a SignatureFormat.keyValue with a timestampKey.');
    }
    return WebhookProvider.generic(options, {
      signature: {
        algorithm: options.algorithm ?? HmacAlgorithm.SHA256,
        encoding: options.encoding ?? SignatureEncoding.HEX,
        header: options.signatureHeader.toLowerCase(),
        format,
        signedContent,
        timestamp,
        keyEncoding: options.secretEncoding ?? SecretEncoding.UTF8,
        keyPrefix: options.secretEncoding === SecretEncoding.BASE64 ? 'whsec_' : undefined,
      },
    }, { signsUrl: signedContent.includes('{url}') }, options.publicUrl);
  }

  /** Any provider that signs with Ed25519 or ECDSA P-256; the secret's value is the public key. */
  public static publicKey(options: PublicKeyProviderOptions): WebhookProvider {
    checkPropsObject('WebhookProvider.publicKey()', options, OPTIONS_EXAMPLE);
    checkProviderOptions('custom', options);
    checkHeaderName(options.signatureHeader);
    const signedContent = checkTemplate(options.signedContent ?? '{body}', options);
    const timestamp = options.timestamp?._toConfig(seconds(options.tolerance ?? Duration.minutes(5), 'tolerance'));
    if (timestamp?.source === 'signatureHeader') {
      throw new Error('A public-key signature header carries no timestamp: use TimestampSource.header().');
    }
    return WebhookProvider.generic(options, {
      signature: {
        algorithm: options.algorithm,
        encoding: options.encoding ?? SignatureEncoding.BASE64,
        header: options.signatureHeader.toLowerCase(),
        format: { kind: 'plain', prefix: '' },
        signedContent,
        timestamp,
        keyEncoding: options.algorithm === PublicKeyAlgorithm.ED25519 ? 'hex' : 'base64',
      },
    }, { signsUrl: signedContent.includes('{url}') });
  }

  /**
   * Any provider that sends a JWT signed with an HMAC under the secret whose claim carries the SHA-256 of the body
   * (as Vonage, LiveKit, QStash and Netlify do). The `alg` is fixed by `algorithm`, never read from the token.
   */
  public static jwt(options: JwtProviderOptions): WebhookProvider {
    checkPropsObject('WebhookProvider.jwt()', options, OPTIONS_EXAMPLE);
    checkProviderOptions('custom', options);
    checkHeaderName(options.header ?? 'Authorization');
    if (typeof options.bodyHashClaim !== 'string' || !/^[A-Za-z0-9_$-]{1,64}$/.test(options.bodyHashClaim)) {
      throw new Error(`bodyHashClaim must be a claim name of 1-64 letters, digits, _, $ or -, got ${describeValue(options.bodyHashClaim)}.`);
    }
    const algorithm = options.algorithm ?? JwtAlgorithm.HS256;
    if (!Object.values(JwtAlgorithm).includes(algorithm)) {
      throw new Error(`algorithm must be one of ${Object.values(JwtAlgorithm).join(', ')}, got ${JSON.stringify(String(algorithm))}.`);
    }
    const encoding = options.bodyHashEncoding ?? BodyHashEncoding.HEX;
    if (!Object.values(BodyHashEncoding).includes(encoding)) {
      throw new Error(`bodyHashEncoding must be one of ${Object.values(BodyHashEncoding).join(', ')}, got ${JSON.stringify(String(encoding))}.`);
    }
    checkString('issuer', options.issuer);
    if (options.issuer !== undefined && options.issuerIsKeyId) {
      throw new Error('Set either issuer (a fixed iss) or issuerIsKeyId (the iss names the key), not both.');
    }
    const { maxAgeSeconds, clockSkewSeconds } = tokenWindow(options.maxAge, options.clockSkew);
    return WebhookProvider.generic(options, {
      jwt: {
        header: (options.header ?? 'Authorization').toLowerCase(),
        requireBearer: options.requireBearer ?? false,
        algorithm,
        bodyHashClaim: options.bodyHashClaim,
        bodyHashAlgorithm: 'sha256',
        bodyHashEncoding: encoding,
        issuer: options.issuer,
        issuerIsKeyId: options.issuerIsKeyId || undefined,
        maxAgeSeconds,
        clockSkewSeconds,
      },
    });
  }

  /**
   * Any provider that sends a JWT signed with a private key whose public half is in a JWK set at a fixed https URL
   * (Plaid's scheme, with the set's URL configurable): the token's `alg` must be one of `algorithms` (never `none`
   * or an HMAC), its `kid` names the key. The verifier fetches the set only from `jwksUrl` (https, no redirect
   * followed, at most 64 KiB, 2 s), caches its keys for an hour, looks an unknown `kid` up at most once a minute
   * and makes at most 10 fetches a minute in all; when the set cannot be read it answers 503 and the provider
   * retries. No secret: the keys are public. Set `bodyHashClaim` if the provider's tokens carry a hash of the body.
   */
  public static jwks(options: JwksProviderOptions): WebhookProvider {
    checkPropsObject('WebhookProvider.jwks()', options, "{ id: 'acme', jwksUrl: 'https://keys.example.com/.well-known/jwks.json' }");
    if ((options as { secret?: unknown }).secret !== undefined) {
      throw new Error('WebhookProvider.jwks() takes no secret: its tokens are verified with the public keys of the JWK set at jwksUrl.');
    }
    const jwksUrl = checkJwksUrl(options.jwksUrl);
    checkString('header', options.header);
    checkHeaderName(options.header ?? 'Authorization');
    checkArray('algorithms', options.algorithms, (name, v) => checkString(name, v));
    const algorithms = options.algorithms ?? [JwksAlgorithm.RS256, JwksAlgorithm.ES256];
    if (algorithms.length === 0) throw new Error('algorithms must list at least one of ' + Object.values(JwksAlgorithm).join(', ') + '.');
    for (const algorithm of algorithms) {
      if (!Object.values(JwksAlgorithm).includes(algorithm)) {
        const why = /^(none|HS\d+)$/i.test(String(algorithm)) ? ' (`none` and HMAC algorithms prove nothing with a public key)' : '';
        throw new Error(`algorithms may hold only ${Object.values(JwksAlgorithm).join(', ')}; got ${JSON.stringify(String(algorithm))}${why}.`);
      }
    }
    checkBoolean('requireBearer', options.requireBearer);
    for (const [name, value] of [['issuer', options.issuer], ['audience', options.audience]] as const) {
      checkString(name, value);
      if (value !== undefined && !Token.isUnresolved(value) && (value.length === 0 || value.length > 256)) {
        throw new Error(`${name} must be 1 to 256 characters, got ${value.length}.`);
      }
    }
    if (options.bodyHashClaim !== undefined && (typeof options.bodyHashClaim !== 'string' || !/^[A-Za-z0-9_$-]{1,64}$/.test(options.bodyHashClaim))) {
      const got = typeof options.bodyHashClaim === 'string' ? JSON.stringify(options.bodyHashClaim) : describeValue(options.bodyHashClaim);
      throw new Error(`bodyHashClaim must be a claim name of 1-64 letters, digits, _, $ or -, got ${got}.`);
    }
    if (options.bodyHashEncoding !== undefined && options.bodyHashClaim === undefined) {
      throw new Error('bodyHashEncoding is only for a bodyHashClaim: set the claim that holds the hash of the body, or leave the encoding out.');
    }
    const encoding = options.bodyHashEncoding ?? BodyHashEncoding.HEX;
    if (!Object.values(BodyHashEncoding).includes(encoding)) {
      throw new Error(`bodyHashEncoding must be one of ${Object.values(BodyHashEncoding).join(', ')}, got ${JSON.stringify(String(encoding))}.`);
    }
    const { maxAgeSeconds, clockSkewSeconds } = tokenWindow(options.maxAge, options.clockSkew);
    checkArray('deliveryId', options.deliveryId, checkRequestValue);
    if (options.eventType !== undefined) checkRequestValue('eventType', options.eventType);
    return WebhookProvider.certificateGeneric(options, {
      jwks: {
        header: (options.header ?? 'Authorization').toLowerCase(),
        requireBearer: options.requireBearer || undefined,
        algorithms: [...new Set(algorithms)],
        keySource: 'jwks',
        jwksUrl,
        bodyHashClaim: options.bodyHashClaim,
        bodyHashEncoding: options.bodyHashClaim === undefined ? undefined : encoding,
        maxAgeSeconds,
        clockSkewSeconds,
        issuer: options.issuer,
        audience: options.audience,
      },
    }, (options.deliveryId ?? []).map((v) => v._toConfig()), options.eventType?._toConfig(), maxAgeSeconds);
  }

  /** A provider that sends a shared token in a header (as GitLab does), compared in constant time. */
  public static sharedToken(options: SharedTokenProviderOptions): WebhookProvider {
    checkPropsObject('WebhookProvider.sharedToken()', options, OPTIONS_EXAMPLE);
    checkHeaderName(options.header);
    return WebhookProvider.generic(options, { token: { header: options.header.toLowerCase() } });
  }

  /** A provider that authenticates with HTTP Basic credentials; the secret is `user:password`. */
  public static basicAuth(options: GenericProviderOptions): WebhookProvider {
    return WebhookProvider.generic(options, { basicAuth: true });
  }

  /**
   * PayPal: `paypal-transmission-sig`, SHA256withRSA over `{transmission id}|{transmission time}|{webhook id}|{CRC-32
   * of the body}`, by the certificate at `paypal-cert-url`, which the verifier fetches only from PayPal's API hosts
   * (`api.paypal.com`, `api-m.paypal.com` and their `sandbox.` forms, https, under `/v1/notifications/certs/`, no
   * redirect, 2 s, 64 KiB), caches per URL, and holds to PayPal's subject names and validity dates. No secret: the
   * webhook id is configuration. A fetch that fails is answered 502 so PayPal retries. Body `id`, `event_type`.
   */
  public static paypal(options: PayPalProviderOptions): WebhookProvider {
    checkPropsObject('WebhookProvider.paypal()', options, "{ webhookId: '8PT597110X687430LKGECATA' }");
    if (typeof options.webhookId !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(options.webhookId)) {
      throw new Error(`webhookId of WebhookProvider.paypal() must be PayPal's webhook id (1-64 letters, digits or dashes), got ${describeValue(options.webhookId)}.`);
    }
    return WebhookProvider.certificateCatalog('paypal', options, { webhookId: options.webhookId });
  }

  /**
   * Apple App Store Server Notifications V2: the body `{"signedPayload": "<JWS>"}`, ES256, its `x5c` chain leading
   * to Apple Root CA - G3 (shipped with the verifier) with Apple's marker extensions, valid at the payload's
   * `signedDate`; then `bundleId`, `environment` and (Production) `appAppleId`. Nothing is fetched (no OCSP).
   * Keyed by `notificationUUID`; the event type is `notificationType:subtype` (or `notificationType`).
   */
  public static appStore(options: AppStoreProviderOptions): WebhookProvider {
    checkPropsObject('WebhookProvider.appStore()', options, "{ bundleId: 'com.example.app', appAppleId: 1234567890 }");
    if (typeof options.bundleId !== 'string' || !/^[A-Za-z0-9.-]{1,155}$/.test(options.bundleId)) {
      throw new Error(`bundleId of WebhookProvider.appStore() must be the app's bundle id (e.g. "com.example.app"), got ${describeValue(options.bundleId)}.`);
    }
    const environment = options.environment ?? AppStoreEnvironment.PRODUCTION;
    if (!Object.values(AppStoreEnvironment).includes(environment)) {
      throw new Error(`environment of WebhookProvider.appStore() must be one of ${Object.values(AppStoreEnvironment).join(', ')}, got ${describeValue(environment)}.`);
    }
    if (options.appAppleId !== undefined && (!Number.isSafeInteger(options.appAppleId) || options.appAppleId <= 0)) {
      throw new Error(`appAppleId of WebhookProvider.appStore() must be the app's numeric Apple id, got ${describeValue(options.appAppleId)}.`);
    }
    if (environment === AppStoreEnvironment.PRODUCTION && options.appAppleId === undefined) {
      throw new Error('WebhookProvider.appStore() in Production needs appAppleId (App Store Connect, App Information), as Apple\'s library does.');
    }
    const claims: { [name: string]: string } = { bundleId: options.bundleId, environment };
    if (options.appAppleId !== undefined && environment === AppStoreEnvironment.PRODUCTION) claims.appAppleId = String(options.appAppleId);
    return WebhookProvider.certificateCatalog('app-store', options, { claims });
  }

  /**
   * Any provider that signs with the key of an X.509 certificate whose URL it sends in a header (PayPal's scheme,
   * configurable). The verifier fetches the certificate only from `allowedHosts`, over https, without following
   * redirects, and caches it per URL; a fetch that fails is answered 502 so the provider retries.
   */
  public static certificateUrl(options: CertificateUrlProviderOptions): WebhookProvider {
    checkPropsObject('WebhookProvider.certificateUrl()', options, OPTIONS_EXAMPLE);
    checkHeaderName(options.certificateUrlHeader);
    checkHeaderName(options.signatureHeader);
    checkArray('allowedHosts', options.allowedHosts, (name, v) => checkString(name, v));
    if (!Array.isArray(options.allowedHosts) || options.allowedHosts.length === 0) throw new Error('allowedHosts must list at least one host.');
    for (const host of options.allowedHosts) {
      if (!/^(\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(host)) {
        throw new Error(`allowedHosts entry "${host}" must be a lowercase DNS name (or *.name), not an address, a port or a URL.`);
      }
    }
    checkString('certificatePathPrefix', options.certificatePathPrefix);
    if (options.certificatePathPrefix !== undefined && !/^\/[A-Za-z0-9._~!$&'()*+,;=:@\/-]*$/.test(options.certificatePathPrefix)) {
      throw new Error(`certificatePathPrefix must be a URL path starting with "/", got "${options.certificatePathPrefix}".`);
    }
    const algorithm = options.algorithm ?? CertificateSignatureAlgorithm.RSA_SHA256;
    if (!Object.values(CertificateSignatureAlgorithm).includes(algorithm)) {
      throw new Error(`algorithm must be one of ${Object.values(CertificateSignatureAlgorithm).join(', ')}, got ${describeValue(algorithm)}.`);
    }
    const signedContent = options.signedContent ?? '{body}';
    const placeholders: string[] = signedContent.match(/\{[^}]*\}/g) ?? [];
    const unknown = placeholders.filter((p) => !/^\{(?:header:[A-Za-z0-9!#$%&'*+.^_`|~-]+|webhookId|crc32|body)\}$/.test(p));
    if (unknown.length > 0) throw new Error(`signedContent "${signedContent}" uses ${unknown.join(', ')}; only {header:<name>}, {webhookId}, {crc32} and {body} exist.`);
    if (!placeholders.includes('{body}') && !placeholders.includes('{crc32}')) {
      throw new Error(`signedContent "${signedContent}" must include {body} or {crc32}: a signature that does not cover the body proves nothing about it.`);
    }
    if (placeholders.includes('{webhookId}') !== (options.webhookId !== undefined)) {
      throw new Error('Set webhookId exactly when signedContent uses {webhookId}.');
    }
    checkString('webhookId', options.webhookId);
    checkArray('subjectCommonNames', options.subjectCommonNames, (name, v) => checkString(name, v));
    checkDuration('fetchTimeout', options.fetchTimeout);
    const fetchTimeoutMs = (options.fetchTimeout ?? Duration.seconds(2)).toMilliseconds();
    if (!Token.isUnresolved(fetchTimeoutMs) && (fetchTimeoutMs < 100 || fetchTimeoutMs > 10_000)) {
      throw new Error(`fetchTimeout must be 100 ms to 10 seconds, got ${fetchTimeoutMs} ms.`);
    }
    return WebhookProvider.certificateGeneric(options, {
      certificateUrl: {
        certUrlHeader: options.certificateUrlHeader.toLowerCase(),
        allowedHosts: [...options.allowedHosts],
        pathPrefix: options.certificatePathPrefix,
        signatureHeader: options.signatureHeader.toLowerCase(),
        algorithm,
        signedContent: signedContent.replace(/\{header:([^}]+)\}/g, (_all, name: string) => `{header:${name.toLowerCase()}}`),
        webhookId: options.webhookId,
        subjectCommonNames: options.subjectCommonNames ? [...options.subjectCommonNames] : undefined,
        fetchTimeoutMs,
      },
    }, (options.deliveryId ?? []).map((v) => v._toConfig()), options.eventType?._toConfig());
  }

  /**
   * Any provider whose JSON body holds a compact JWS (ES256) whose `x5c` chain leads to a pinned root (the App
   * Store's scheme, configurable): roots, marker extension OIDs, the date the chain must be valid at, and claims
   * the payload must carry. Nothing is fetched.
   */
  public static x5cJws(options: X5cJwsProviderOptions): WebhookProvider {
    checkPropsObject('WebhookProvider.x5cJws()', options, OPTIONS_EXAMPLE);
    checkJsonPath(options.jwsField);
    checkArray('rootCertificates', options.rootCertificates, (name, v) => checkString(name, v));
    if (!Array.isArray(options.rootCertificates) || options.rootCertificates.length === 0) throw new Error('rootCertificates must list at least one root certificate.');
    const rootCertificates = options.rootCertificates.map((text, index) => {
      try {
        const certificate = text.includes('-----BEGIN') ? new X509Certificate(text) : new X509Certificate(Buffer.from(text, 'base64'));
        return certificate.raw.toString('base64');
      } catch {
        throw new Error(`rootCertificates[${index}] is not a certificate (PEM, or base64 DER).`);
      }
    });
    const chainLength = options.chainLength ?? 3;
    if (!Number.isInteger(chainLength) || chainLength < 2 || chainLength > 5) throw new Error(`chainLength must be 2 to 5, got ${describeValue(chainLength)}.`);
    for (const oid of [...(options.leafOids ?? []), ...(options.intermediateOids ?? [])]) {
      if (typeof oid !== 'string' || !/^[0-2]\.(?:0|[1-9][0-9]{0,8})(?:\.(?:0|[1-9][0-9]{0,8}))+$/.test(oid)) throw new Error(`OID "${oid}" must be dotted decimal, e.g. 1.2.840.113635.100.6.11.1.`);
    }
    if (options.signedDateClaim !== undefined) checkJsonPath(options.signedDateClaim);
    if (options.deliveryIdClaim !== undefined) checkJsonPath(options.deliveryIdClaim);
    if (options.eventTypeClaim !== undefined) checkJsonPath(options.eventTypeClaim);
    const claims = Object.entries(options.requiredClaims ?? {}).map(([path, value]) => {
      checkJsonPath(path);
      checkString(`requiredClaims["${path}"]`, value);
      return { name: path, paths: [path], value };
    });
    const inJws = options.jwsField;
    return WebhookProvider.certificateGeneric(options, {
      x5cJws: {
        jsonPath: options.jwsField,
        algorithm: 'ES256',
        rootCertificates,
        chainLength,
        leafOids: options.leafOids ? [...options.leafOids] : undefined,
        intermediateOids: options.intermediateOids ? [...options.intermediateOids] : undefined,
        signedDateClaim: options.signedDateClaim,
        claims,
      },
    }, options.deliveryIdClaim ? [{ jsonPath: options.deliveryIdClaim, inJws }] : [], options.eventTypeClaim ? { jsonPath: options.eventTypeClaim, inJws } : undefined);
  }

  /** A catalog provider verified by certificates: no secret, its settings in the configuration. */
  private static certificateCatalog(kind: string, options: CertificateProviderOptions, certificates: ProviderConfig['certificates']): WebhookProvider {
    checkProviderOptions(kind, options, false);
    const definition = definitionOf(kind);
    return new WebhookProvider(kind, options, { certificates }, { signsUrl: definition.signsUrl, methods: definition.methods, keyless: true });
  }

  /** A generic scheme verified by certificates or a public JWK set: no secret. */
  private static certificateGeneric(options: ProviderBaseOptions, scheme: SchemeConfig, deliveryId: ValueSourceConfig[], eventType: ValueSourceConfig | undefined, toleranceSeconds?: number): WebhookProvider {
    checkProviderOptions('custom', options, false);
    if (options.id === undefined) {
      throw new Error('A generic provider needs an id (e.g. "acme"): it names the route and the events.');
    }
    return new WebhookProvider('custom', options, { scheme, deliveryId, eventType, toleranceSeconds }, { keyless: true });
  }

  /** A catalog provider: its defaults (window, methods, URL signing) come from its definition in `catalog/`. */
  private static catalog(kind: string, options: ProviderOptions): WebhookProvider {
    checkProviderOptions(kind, options);
    const definition = definitionOf(kind);
    const defaultToleranceSeconds = defaultToleranceOf(definition);
    const tolerance = (options as TimestampedProviderOptions).tolerance;
    const toleranceSeconds = defaultToleranceSeconds === undefined ? undefined : tolerance ? seconds(tolerance, 'tolerance') : defaultToleranceSeconds;
    const traits: Traits = { signsUrl: definition.signsUrl, methods: definition.methods };
    return new WebhookProvider(kind, options, { toleranceSeconds, publicUrl: (options as UrlSigningProviderOptions).publicUrl }, traits);
  }

  private static generic(options: GenericProviderOptions, scheme: SchemeConfig, traits: Traits = {}, publicUrl?: string): WebhookProvider {
    checkPropsObject('WebhookProvider', options, OPTIONS_EXAMPLE);
    if (options.id === undefined) {
      throw new Error('A generic provider needs an id (e.g. "acme"): it names the route and the events.');
    }
    return new WebhookProvider('custom', options, {
      scheme,
      publicUrl,
      deliveryId: (options.deliveryId ?? []).map((v) => v._toConfig()),
      eventType: options.eventType?._toConfig(),
      toleranceSeconds: scheme.signature?.timestamp?.toleranceSeconds ?? scheme.jwt?.maxAgeSeconds,
    }, traits);
  }

  /** Identifier of the provider in this receiver (path segment, event field, metric dimension). */
  public readonly id: string;

  /** The provider family: `stripe`, `github`, ..., or `custom` for generic schemes. */
  public readonly kind: string;

  /** The secret that verifies this provider's requests; undefined for providers verified by certificates (PayPal, the App Store). */
  public readonly secret?: secretsmanager.ISecret;

  /** How long a delivery id is remembered. */
  public readonly dedupWindow: Duration;

  /** HTTP methods the provider's route takes: POST, and GET for providers whose handshake is a GET. */
  public readonly methods: string[];

  /** CIDR blocks allowed to call the route; undefined when any address may. */
  public readonly allowedIpRanges?: string[];

  /** The route's own steady-state rate limit, if it has one. */
  public readonly throttlingRateLimit?: number;

  /** The route's own burst limit, if it has one. */
  public readonly throttlingBurstLimit?: number;

  /** The media ranges configured for the route; undefined for the provider's defaults. */
  public readonly contentTypes?: string[];

  /** Event types enqueued; undefined when every type is. */
  public readonly eventTypes?: string[];

  private readonly dedupKey?: ValueSourceConfig[];

  private readonly reconciliation?: ReconcileSettings;

  private constructor(
    kind: string,
    options: AnyProviderOptions,
    private readonly scheme: Omit<ProviderConfig, 'id' | 'kind' | 'secretId' | 'dedupWindowSeconds'>,
    private readonly traits: Traits,
  ) {
    checkProviderOptions(kind, options, !traits.keyless);
    this.kind = kind;
    this.id = options.id ?? kind;
    if (!ID_PATTERN.test(this.id) || this.id.includes('--')) {
      // No double dash: ids become construct ids in PascalCase, where `a-b` and `a--b` would collide.
      throw new Error(`Provider id "${this.id}" must be 1-32 lowercase letters, digits or single dashes, not starting or ending with a dash.`);
    }
    if (RESERVED_PROVIDER_IDS.includes(this.id)) {
      throw new Error(
        `Provider id "${this.id}" is reserved: the inbox table keys its own records with it (reserved ids: ${RESERVED_PROVIDER_IDS.join(', ')}). Choose another id.`,
      );
    }
    this.secret = options.secret;
    this.methods = [...(traits.methods ?? ['POST'])];
    this.dedupWindow = options.dedupWindow ?? DEFAULT_DEDUP_WINDOW;
    const security = providerSecurity(this.id, options);
    this.allowedIpRanges = security.allowedIpRanges;
    this.throttlingRateLimit = security.throttlingRateLimit;
    this.throttlingBurstLimit = security.throttlingBurstLimit;
    this.contentTypes = security.contentTypes;
    const definition = kind === 'custom' ? undefined : definitionOf(kind);
    const hasEventType = definition ? definition.eventType !== undefined || definition.items?.eventType !== undefined : scheme.eventType !== undefined;
    this.dedupKey = options.dedupKey?.map((value) => value._toConfig());
    if (this.dedupKey !== undefined) {
      if (this.dedupKey.length === 0) throw new Error(`dedupKey of provider "${this.id}" is empty; list at least one RequestValue, or leave it out.`);
      if (definition?.items) throw new Error(`dedupKey of provider "${this.id}": a ${definition.name} body carries several events, each keyed by its own id; it takes no dedupKey.`);
      if (!hasEventType && this.dedupKey.some((source) => source.eventType)) {
        throw new Error(`dedupKey of provider "${this.id}" uses RequestValue.eventType(), but the provider sends no event type${definition ? '' : ' (set eventType)'}.`);
      }
    }
    for (const source of [...(scheme.deliveryId ?? []), ...(scheme.eventType ? [scheme.eventType] : [])]) {
      if (source.eventType) throw new Error(`RequestValue.eventType() is only for a dedupKey (provider "${this.id}").`);
    }
    if (options.eventTypes !== undefined) {
      if (options.eventTypes.length === 0) throw new Error(`eventTypes of provider "${this.id}" is empty: every event would be ignored; leave it out to enqueue all.`);
      if (!hasEventType) throw new Error(`eventTypes of provider "${this.id}" cannot filter: the provider sends no event type${definition ? '' : ' (set eventType)'}.`);
      const bad = options.eventTypes.find((type) => type.length === 0 || type.length > 256);
      if (bad !== undefined) throw new Error(`eventTypes of provider "${this.id}" has "${bad}"; each must be 1 to 256 characters.`);
    }
    this.eventTypes = options.eventTypes ? [...options.eventTypes] : undefined;
    this.reconciliation = reconcileSettings(kind, this.id, (options as GitHubProviderOptions).reconcile, this.dedupKey !== undefined);
    const window = seconds(this.dedupWindow, 'dedupWindow');
    if (!Token.isUnresolved(window) && window < 3600) {
      throw new Error(`dedupWindow of provider "${this.id}" is ${window} s; it must be at least 1 hour to outlive provider retries.`);
    }
    const tolerance = scheme.toleranceSeconds;
    if (tolerance !== undefined && !Token.isUnresolved(tolerance)) {
      if (tolerance < 1) {
        throw new Error(`tolerance of provider "${this.id}" is ${tolerance} s; it must be at least 1 second.`);
      }
      if (!Token.isUnresolved(window) && window <= tolerance) {
        throw new Error(`dedupWindow of provider "${this.id}" (${window} s) must be longer than its tolerance (${tolerance} s), or a replay inside the tolerance would be enqueued again.`);
      }
    }
    if (scheme.publicUrl !== undefined && !Token.isUnresolved(scheme.publicUrl) && !/^https:\/\/[^\s?#]+$/.test(scheme.publicUrl)) {
      throw new Error(`publicUrl of provider "${this.id}" must be an https URL without query or fragment, got "${scheme.publicUrl}".`);
    }
  }

  /**
   * The provider's reconciliation, when it has one.
   * @internal
   */
  public _reconciliation(): ReconcileSettings | undefined {
    return this.reconciliation;
  }

  /**
   * @param defaultUrl the route's URL, used by providers that sign their URL when none was configured
   * @internal
   */
  public _toConfig(defaultUrl: string): ProviderConfig {
    // Lambda allows 4 KB of environment in all: leave out what the verifier can derive (route = id, kind = id,
    // the default window).
    const dedupWindowSeconds = this.dedupWindow.toSeconds();
    return {
      kind: this.kind === this.id ? undefined : this.kind,
      // A secret imported by name has only a partial ARN, which GetSecretValue may not resolve: use the name.
      secretId: this.secret ? (this.secret.secretFullArn ?? this.secret.secretName) : undefined,
      dedupWindowSeconds: dedupWindowSeconds === DEFAULT_DEDUP_WINDOW_SECONDS ? undefined : dedupWindowSeconds,
      ...this.scheme,
      publicUrl: this.traits.signsUrl ? (this.scheme.publicUrl ?? defaultUrl) : undefined,
      contentTypes: this.contentTypes,
      dedupKey: this.dedupKey,
      eventTypes: this.eventTypes,
    };
  }
}

/**
 * The options' types, for JavaScript callers (no compiler): a secret passed as a string would otherwise fail
 * with "grantRead is not a function" when the provider is added. The message never repeats the string, which
 * may be the secret itself.
 */
function checkProviderOptions(kind: string, options: AnyProviderOptions, secretRequired = true): void {
  const factory = kind === 'custom' ? 'WebhookProvider' : `WebhookProvider.${kind}()`;
  checkPropsObject(factory, options, OPTIONS_EXAMPLE);
  checkString(`id of ${factory}`, options.id);
  const named = `provider "${options.id ?? kind}"`;
  checkInterface(
    `secret of ${named}`,
    options.secret,
    ['grantRead'],
    'a secretsmanager.ISecret holding the signing secret (e.g. secretsmanager.Secret.fromSecretNameV2(this, \'Secret\', \'webhooks/name\')), never the secret\'s value itself',
    secretRequired,
  );
  if (!secretRequired && options.secret !== undefined) {
    throw new Error(`${factory} takes no secret: its requests are verified by certificates.`);
  }
  checkDuration(`dedupWindow of ${named}`, options.dedupWindow);
  checkDuration(`tolerance of ${named}`, (options as TimestampedProviderOptions).tolerance);
  checkString(`publicUrl of ${named}`, (options as UrlSigningProviderOptions).publicUrl);
  checkNumber(`throttlingRateLimit of ${named}`, options.throttlingRateLimit);
  checkNumber(`throttlingBurstLimit of ${named}`, options.throttlingBurstLimit);
  const strings = (name: string, v: unknown) => checkString(name, v);
  checkArray(`allowedIpRanges of ${named}`, options.allowedIpRanges, strings);
  checkArray(`contentTypes of ${named}`, options.contentTypes, strings);
  checkArray(`eventTypes of ${named}`, options.eventTypes, strings);
  checkArray(`dedupKey of ${named}`, options.dedupKey, (name, v) => {
    if (!(v instanceof RequestValue)) {
      throw new Error(`${name} must be a RequestValue (RequestValue.header(), .jsonPath() or .eventType()), got ${describeValue(v)}.`);
    }
  });
}

/** The options of any provider: with a secret, or (verified by certificates or a JWK set) without. */
type AnyProviderOptions = ProviderBaseOptions & { readonly secret?: secretsmanager.ISecret };

function checkRequestValue(name: string, value: unknown): void {
  if (!(value instanceof RequestValue)) {
    throw new Error(`${name} must be a RequestValue (RequestValue.header() or .jsonPath()), got ${describeValue(value)}.`);
  }
}

/**
 * The JWK set's URL: https, a DNS name written out (no IP address, no port, no credentials), a path, no query or
 * fragment. The verifier fetches keys from exactly this URL.
 */
function checkJwksUrl(value: unknown): string {
  const example = 'e.g. "https://keys.example.com/.well-known/jwks.json"';
  if (typeof value !== 'string') throw new Error(`jwksUrl must be the https URL of the JWK set (${example}), got ${describeValue(value)}.`);
  if (Token.isUnresolved(value)) throw new Error(`jwksUrl must be written out (${example}), not a token: the verifier fetches keys from that URL only, so it is checked at synth.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`jwksUrl "${value}" is not a URL (${example}).`);
  }
  if (url.protocol !== 'https:') throw new Error(`jwksUrl "${value}" must use https: the keys decide which tokens are trusted.`);
  if (url.username !== '' || url.password !== '') throw new Error(`jwksUrl "${value}" must not carry a user name or password: a JWK set is public.`);
  if (url.port !== '') throw new Error(`jwksUrl "${value}" must use the default https port (443), without a port in the URL.`);
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(value)) throw new Error(`jwksUrl "${value}" must have no query or fragment.`);
  const host = url.hostname;
  if (!/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(host) || value.slice(8, 8 + host.length).toLowerCase() !== host) {
    throw new Error(`jwksUrl "${value}" must name its host as a DNS name (such as keys.example.com), not an IP address or "localhost".`);
  }
  return url.href;
}

const OPTIONS_EXAMPLE = "{ secret: secretsmanager.Secret.fromSecretNameV2(this, 'Secret', 'webhooks/name') }";

function seconds(duration: Duration, name: string): number {
  const value = duration.toSeconds();
  if (!Token.isUnresolved(value) && !Number.isInteger(value)) {
    throw new Error(`${name} must be a whole number of seconds, got ${value}.`);
  }
  return value;
}

function checkHeaderName(name: string): void {
  if (typeof name !== 'string') {
    throw new Error(`The signature or token header name must be a string such as "X-Signature", got ${describeValue(name)}.`);
  }
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
    throw new Error(`Header name "${name}" is not a valid HTTP header name.`);
  }
}

function checkJsonPath(path: string): void {
  if (!/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(path)) {
    throw new Error(`JSON path "${path}" must be field names separated by dots, e.g. "data.id".`);
  }
}

function checkTemplate(template: string, options: { timestamp?: TimestampSource; deliveryId?: RequestValue[] }): string {
  const placeholders: string[] = template.match(/\{[^}]*\}/g) ?? [];
  const unknown = placeholders.filter((p) => !PLACEHOLDERS.includes(p));
  if (unknown.length > 0) {
    throw new Error(`signedContent "${template}" uses ${unknown.join(', ')}; only ${PLACEHOLDERS.join(', ')} exist.`);
  }
  if (!placeholders.includes('{body}')) {
    throw new Error(`signedContent "${template}" must include {body}: a signature that does not cover the body proves nothing about it.`);
  }
  if (placeholders.includes('{timestamp}') && options.timestamp === undefined) {
    throw new Error('signedContent uses {timestamp}, so timestamp must say where it is.');
  }
  if (placeholders.includes('{id}') && options.deliveryId?.[0]?._toConfig().header === undefined) {
    throw new Error('signedContent uses {id}, so the first deliveryId source must be a header.');
  }
  return template;
}

/** A token's `maxAge` and `clockSkew` (JWT and JWKS schemes) in seconds, checked: the skew 0 to 300 s, 10 s by default. */
function tokenWindow(maxAge: Duration | undefined, clockSkew: Duration | undefined): { maxAgeSeconds?: number; clockSkewSeconds: number } {
  checkDuration('maxAge', maxAge);
  checkDuration('clockSkew', clockSkew);
  const maxAgeSeconds = maxAge === undefined ? undefined : seconds(maxAge, 'maxAge');
  const clockSkewSeconds = seconds(clockSkew ?? Duration.seconds(10), 'clockSkew');
  if (!Token.isUnresolved(clockSkewSeconds) && (clockSkewSeconds < 0 || clockSkewSeconds > 300)) {
    throw new Error(`clockSkew must be 0 to 300 seconds, got ${clockSkewSeconds}.`);
  }
  return { maxAgeSeconds, clockSkewSeconds };
}
