import { Duration, Token } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { HmacConfig, ProviderConfig, ValueSourceConfig } from './private/config';

/** Hash function of an HMAC signature. */
export enum HmacAlgorithm {
  SHA1 = 'sha1',
  SHA256 = 'sha256',
  SHA512 = 'sha512',
}

/** How signature bytes are written in the header. */
export enum SignatureEncoding {
  HEX = 'hex',
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

/** Unit of a timestamp header. */
export enum TimestampUnit {
  SECONDS = 's',
  MILLISECONDS = 'ms',
}

/** Where a value of the request (delivery id, event type) is read from. */
export class RequestValue {
  /** A request header (matched case-insensitively). */
  public static header(name: string): RequestValue {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
      throw new Error(`Header name "${name}" is not a valid HTTP header name.`);
    }
    return new RequestValue({ header: name.toLowerCase() });
  }

  /** A string or number field of the JSON body, as a dot-separated path (e.g. `data.object.id`). */
  public static jsonPath(path: string): RequestValue {
    if (!/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(path)) {
      throw new Error(`JSON path "${path}" must be field names separated by dots, e.g. "data.id".`);
    }
    return new RequestValue({ jsonPath: path });
  }

  private constructor(private readonly source: ValueSourceConfig) {}

  /** @internal */
  public _toConfig(): ValueSourceConfig {
    return this.source;
  }
}

/** Options every provider takes. */
export interface ProviderOptions {
  /**
   * The Secrets Manager secret whose string value is the signing secret. Its AWSCURRENT and AWSPREVIOUS
   * versions are both accepted, so rotating it never drops a delivery.
   */
  readonly secret: secretsmanager.ISecret;

  /**
   * Identifier of this provider in the receiver: the URL path segment, the construct id suffix, the
   * `provider` field of events, and part of the idempotency key. Lowercase letters, digits and dashes.
   *
   * @default - the provider's name (`stripe`, `github`); required for `WebhookProvider.hmac`
   */
  readonly id?: string;

  /**
   * How long a delivery id is remembered, so a redelivery within this window is recognised as a duplicate.
   * Must outlive the provider's retry horizon and its signature tolerance.
   *
   * @default Duration.days(7)
   */
  readonly dedupWindow?: Duration;
}

/** Options of `WebhookProvider.stripe`. */
export interface StripeProviderOptions extends ProviderOptions {
  /**
   * How far the signed timestamp may be from now, in both directions.
   *
   * @default Duration.minutes(5) - Stripe's own default tolerance
   */
  readonly tolerance?: Duration;
}

/** Options of `WebhookProvider.github`. */
export interface GitHubProviderOptions extends ProviderOptions {}

/** Options of `WebhookProvider.hmac`: a provider not in the catalog that signs with an HMAC. */
export interface HmacProviderOptions extends ProviderOptions {
  /** Header that carries the signature, e.g. `X-Signature`. */
  readonly signatureHeader: string;

  /** @default HmacAlgorithm.SHA256 */
  readonly algorithm?: HmacAlgorithm;

  /** @default SignatureEncoding.HEX */
  readonly encoding?: SignatureEncoding;

  /**
   * A prefix the header value starts with, stripped before decoding, e.g. `sha256=`.
   *
   * @default - no prefix
   */
  readonly prefix?: string;

  /**
   * The signed content, as a template over `{body}` (the exact request bytes), `{timestamp}` (the value of
   * `timestampHeader`) and `{id}` (the first delivery id source); other characters are literal.
   *
   * @default '{body}'
   */
  readonly signedContent?: string;

  /**
   * Header carrying the signed timestamp. When set, requests outside `tolerance` are rejected.
   *
   * @default - the signature carries no timestamp; replays are caught only by the dedup window
   */
  readonly timestampHeader?: string;

  /** @default TimestampUnit.SECONDS */
  readonly timestampUnit?: TimestampUnit;

  /** @default Duration.minutes(5) */
  readonly tolerance?: Duration;

  /** @default SecretEncoding.UTF8 */
  readonly secretEncoding?: SecretEncoding;

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

const DEFAULT_DEDUP_WINDOW = Duration.days(7);
const DEFAULT_TOLERANCE = Duration.minutes(5);
const ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/**
 * A webhook provider: how its requests are signed, where its delivery id and event type are, and which secret
 * verifies it. Create one with a static factory.
 */
export class WebhookProvider {
  /**
   * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=...]` over `{t}.{body}`, HMAC-SHA256. The `whsec_...`
   * signing secret is used as written. Delivery id and event type are the body's `id` and `type`.
   */
  public static stripe(options: StripeProviderOptions): WebhookProvider {
    return new WebhookProvider('stripe', options, {
      toleranceSeconds: seconds(options.tolerance ?? DEFAULT_TOLERANCE, 'tolerance'),
    });
  }

  /**
   * GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body, HMAC-SHA256. Delivery id is
   * `X-GitHub-Delivery`, event type `X-GitHub-Event`. The `ping` sent when a hook is created is verified
   * and answered, not enqueued. GitHub never retries: a delivery is only redelivered by hand.
   */
  public static github(options: GitHubProviderOptions): WebhookProvider {
    return new WebhookProvider('github', options, {});
  }

  /** Any provider that signs with an HMAC in one header. */
  public static hmac(options: HmacProviderOptions): WebhookProvider {
    if (options.id === undefined) {
      throw new Error('WebhookProvider.hmac needs an id (e.g. "acme"): it names the route and the events.');
    }
    RequestValue.header(options.signatureHeader);
    if (options.timestampHeader !== undefined) RequestValue.header(options.timestampHeader);
    const signedContent = options.signedContent ?? '{body}';
    const placeholders: string[] = signedContent.match(/\{[^}]*\}/g) ?? [];
    const unknown = placeholders.filter((p) => !['{body}', '{timestamp}', '{id}'].includes(p));
    if (unknown.length > 0) {
      throw new Error(`signedContent "${signedContent}" uses ${unknown.join(', ')}; only {body}, {timestamp} and {id} exist.`);
    }
    if (!placeholders.includes('{body}')) {
      throw new Error(`signedContent "${signedContent}" must include {body}: a signature that does not cover the body proves nothing about it.`);
    }
    if (placeholders.includes('{timestamp}') && options.timestampHeader === undefined) {
      throw new Error('signedContent uses {timestamp}, so timestampHeader must name the header that carries it.');
    }
    if (placeholders.includes('{id}') && options.deliveryId?.[0]?._toConfig().header === undefined) {
      throw new Error('signedContent uses {id}, so the first deliveryId source must be a header.');
    }
    const hmac: HmacConfig = {
      algorithm: options.algorithm ?? HmacAlgorithm.SHA256,
      encoding: options.encoding ?? SignatureEncoding.HEX,
      header: options.signatureHeader.toLowerCase(),
      format: { kind: 'plain', prefix: options.prefix ?? '' },
      signedContent,
      timestamp: options.timestampHeader === undefined ? undefined : {
        source: 'header',
        header: options.timestampHeader.toLowerCase(),
        unit: options.timestampUnit ?? TimestampUnit.SECONDS,
        toleranceSeconds: seconds(options.tolerance ?? DEFAULT_TOLERANCE, 'tolerance'),
        allowFuture: false,
      },
      keyEncoding: options.secretEncoding ?? SecretEncoding.UTF8,
      keyPrefix: options.secretEncoding === SecretEncoding.BASE64 ? 'whsec_' : undefined,
    };
    return new WebhookProvider('hmac', options, {
      hmac,
      deliveryId: (options.deliveryId ?? []).map((v) => v._toConfig()),
      eventType: options.eventType?._toConfig(),
    });
  }

  /** Identifier of the provider in this receiver (path segment, event field, metric dimension). */
  public readonly id: string;

  /** The secret that verifies this provider's signatures. */
  public readonly secret: secretsmanager.ISecret;

  /** How long a delivery id is remembered. */
  public readonly dedupWindow: Duration;

  private constructor(
    private readonly kind: string,
    options: ProviderOptions,
    private readonly scheme: SchemeConfig,
  ) {
    this.id = options.id ?? kind;
    if (!ID_PATTERN.test(this.id) || this.id.includes('--')) {
      // No double dash: ids become construct ids in PascalCase, where `a-b` and `a--b` would collide.
      throw new Error(`Provider id "${this.id}" must be 1-32 lowercase letters, digits or single dashes, not starting or ending with a dash.`);
    }
    this.secret = options.secret;
    this.dedupWindow = options.dedupWindow ?? DEFAULT_DEDUP_WINDOW;
    const window = seconds(this.dedupWindow, 'dedupWindow');
    if (!Token.isUnresolved(window) && window < 3600) {
      throw new Error(`dedupWindow of provider "${this.id}" is ${window} s; it must be at least 1 hour to outlive provider retries.`);
    }
    const tolerance = scheme.toleranceSeconds ?? scheme.hmac?.timestamp?.toleranceSeconds;
    if (tolerance !== undefined && !Token.isUnresolved(tolerance)) {
      if (tolerance < 1) {
        throw new Error(`tolerance of provider "${this.id}" is ${tolerance} s; it must be at least 1 second.`);
      }
      if (!Token.isUnresolved(window) && window <= tolerance) {
        throw new Error(`dedupWindow of provider "${this.id}" (${window} s) must be longer than its tolerance (${tolerance} s), or a replay inside the tolerance would be enqueued again.`);
      }
    }
  }

  /** @internal */
  public _toConfig(): ProviderConfig {
    return {
      id: this.id,
      kind: this.kind,
      // A secret imported by name has only a partial ARN, which GetSecretValue may not resolve: use the name.
      secretId: this.secret.secretFullArn ?? this.secret.secretName,
      dedupWindowSeconds: this.dedupWindow.toSeconds(),
      ...this.scheme,
    };
  }
}

/** The kind-specific part of a provider's configuration. */
type SchemeConfig = Pick<ProviderConfig, 'toleranceSeconds' | 'hmac' | 'deliveryId' | 'eventType'>;

function seconds(duration: Duration, name: string): number {
  const value = duration.toSeconds();
  if (!Token.isUnresolved(value) && !Number.isInteger(value)) {
    throw new Error(`${name} must be a whole number of seconds, got ${value}.`);
  }
  return value;
}
