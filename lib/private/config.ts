/**
 * The serialisable configuration the construct hands to the verifier Lambda (as JSON in one environment
 * variable). It is the contract between `lib/` and `lambda/`: the handler imports these types, so both sides
 * change together. Nothing here is exported from the package's public API.
 */

/** Where a value (delivery id, event type, timestamp) is read from. */
export interface ValueSourceConfig {
  /** A request header, looked up case-insensitively. */
  readonly header?: string;
  /** A dot-separated path into the JSON body, e.g. `data.object.id`. */
  readonly jsonPath?: string;
}

/** How the signature header is laid out. */
export interface SignatureFormatConfig {
  /**
   * - `plain`: the whole header (after an optional prefix) is one signature.
   * - `keyValue`: a list such as `t=1,v1=abc,v1=def`; every entry named `signatureKey` is a candidate.
   */
  readonly kind: 'plain' | 'keyValue';
  /** For `plain`: a prefix that must be present and is stripped, e.g. `sha256=`. */
  readonly prefix?: string;
  /** For `keyValue`: separator between entries. */
  readonly pairSeparator?: string;
  /** For `keyValue`: separator between a key and its value. */
  readonly keyValueSeparator?: string;
  /** For `keyValue`: the key whose values are signatures (e.g. `v1`). */
  readonly signatureKey?: string;
  /** For `keyValue`: the key whose value is the signed timestamp (e.g. `t`). */
  readonly timestampKey?: string;
}

/** Where the signed timestamp comes from and how far it may be from now. */
export interface TimestampConfig {
  /** `signatureHeader`: a key of the key-value signature header; `header`: a header of its own. */
  readonly source: 'signatureHeader' | 'header';
  readonly header?: string;
  /** Unit of the timestamp value. */
  readonly unit: 's' | 'ms';
  /** Maximum age (and, unless `allowFuture`, maximum lead) in seconds. */
  readonly toleranceSeconds: number;
  /** Accept timestamps in the future by any amount (some providers only bound the age). */
  readonly allowFuture: boolean;
}

export interface HmacConfig {
  readonly algorithm: 'sha1' | 'sha256' | 'sha512';
  readonly encoding: 'hex' | 'base64';
  readonly header: string;
  readonly format: SignatureFormatConfig;
  /**
   * The signed content as a template over `{timestamp}`, `{id}`, `{body}`; other characters are literal.
   * `{body}` stands for the exact request bytes.
   */
  readonly signedContent: string;
  readonly timestamp?: TimestampConfig;
  /** How the secret string becomes the HMAC key. */
  readonly keyEncoding: 'utf8' | 'base64' | 'hex';
  /** A prefix stripped from the secret before decoding (e.g. `whsec_`). */
  readonly keyPrefix?: string;
}

/**
 * One provider as the construct configures it. Catalog providers (`stripe`, `github`) carry only their
 * options: the verifier holds their signing schemes (`lambda/verifier/providers.ts`), which keeps the
 * environment small. Generic providers (`hmac`) carry the whole scheme.
 */
export interface ProviderConfig {
  /** Stable identifier, used in logs, metrics and the dedup key. */
  readonly id: string;
  /** Provider family (`stripe`, `github`, `hmac`). */
  readonly kind: string;
  /** Secret id (full ARN, or name when only the name is known) of the signing secret. */
  readonly secretId: string;
  /** How long a delivery id is remembered, in seconds. */
  readonly dedupWindowSeconds: number;
  /** Catalog providers: replay window in seconds, where the provider signs a timestamp. */
  readonly toleranceSeconds?: number;
  /** Generic providers: the whole signing scheme. */
  readonly hmac?: HmacConfig;
  /** Generic providers: delivery id sources, in order; none found means the body's SHA-256 is the id. */
  readonly deliveryId?: ValueSourceConfig[];
  /** Generic providers: where the event type is. */
  readonly eventType?: ValueSourceConfig;
}

/** A provider with its scheme filled in, as the verifier uses it. */
export interface ResolvedProvider {
  readonly id: string;
  readonly secretId: string;
  readonly dedupWindowSeconds: number;
  readonly hmac: HmacConfig;
  readonly deliveryId: ValueSourceConfig[];
  readonly eventType?: ValueSourceConfig;
  /** Event types that are handshakes: verified, answered 200, never enqueued (e.g. GitHub `ping`). */
  readonly handshakeEventTypes?: string[];
}

export interface VerifierConfig {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly maxBodyBytes: number;
  /** Largest SQS message the queue accepts, in bytes. */
  readonly maxMessageBytes: number;
  /** How long a claimed delivery blocks other attempts before a retry may take it over, in seconds. */
  readonly leaseSeconds: number;
  /** Maximum age of cached secrets, in seconds. */
  readonly secretMaxAgeSeconds: number;
  /** Minimum interval between re-reads of a secret caused by a failed signature, in seconds. */
  readonly secretRefreshMinIntervalSeconds: number;
  /** Providers keyed by their route path segment. */
  readonly providers: { [path: string]: ProviderConfig };
}

/** The environment variable that carries the JSON `VerifierConfig`. */
export const CONFIG_ENV = 'WEBHOOK_RECEIVER_CONFIG';
/** The environment variable that tells the processor runtime where the inbox table is. */
export const INBOX_TABLE_ENV = 'WEBHOOK_INBOX_TABLE';

/** Version of the SQS message envelope. */
export const ENVELOPE_VERSION = 1;

/** The SQS message body written by the verifier and read by the processor runtime. */
export interface Envelope {
  readonly v: number;
  readonly provider: string;
  readonly deliveryId: string;
  /** The inbox key of this delivery. */
  readonly key: string;
  readonly eventType?: string;
  /** ISO-8601 time the verifier received the request. */
  readonly receivedAt: string;
  readonly signatureVerified: true;
  readonly contentType?: string;
  readonly bodyEncoding: 'utf8' | 'base64';
  readonly body: string;
}
