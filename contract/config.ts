/**
 * The serialisable configuration the construct hands to the verifier Lambda. It is the contract between `lib/`
 * and `lambda/`: both import these types, so both sides change together. Nothing here is exported from the
 * package's public API.
 *
 * What is known at synth time travels in `CONFIG_FILE` inside the verifier's code asset (no size limit worth
 * the name); what is known only at deploy time (table name, queue URL, API id, ARNs of secrets created in the
 * stack) travels in the `CONFIG_VALUES_ENV` environment variable, and the file refers to it with
 * `DeployTimeValue`s. Lambda's 4 KB environment then holds only those values, most of them shared.
 */
import type { ReplayMark } from './archive';

/** Where a value (delivery id, event type, timestamp) is read from. */
export interface ValueSourceConfig {
  /** A request header, looked up case-insensitively. */
  readonly header?: string;
  /** A dot-separated path into the JSON body, e.g. `data.object.id`. */
  readonly jsonPath?: string;
  /** Several paths whose values, all present, are joined with `:` (Adyen: pspReference and eventCode). */
  readonly jsonPaths?: string[];
  /** The event type, as the provider's event type source reads it (only in `dedupKey`). */
  readonly eventType?: true;
  /**
   * `jsonPath`/`jsonPaths` are read in the payload of the compact JWS found at this path of the body (Apple's
   * `signedPayload`), not in the body itself. Its values are used only once the scheme has verified that JWS.
   */
  readonly inJws?: string;
  /**
   * `sha256:` and the hex SHA-256 of a field of a form-encoded body, trailing newlines dropped (Braintree's
   * `bt_payload`: the notification, the same in every retry, whose signature covers it with or without one).
   */
  readonly formFieldSha256?: string;
}

/** Where the provider's own time of an event is, and how it is written. */
export interface EventTimeConfig {
  /** A request header. */
  readonly header?: string;
  /** A dot-separated path into the JSON body. */
  readonly jsonPath?: string;
  /** Whole (or fractional) seconds or milliseconds since the epoch, or an RFC 3339 date-time. */
  readonly unit: 's' | 'ms' | 'rfc3339';
  /** `jsonPath` is read in the payload of the JWS at this path of the body (see `ValueSourceConfig.inJws`). */
  readonly inJws?: string;
}

/** How the signature header is laid out. */
export interface SignatureFormatConfig {
  /**
   * - `plain`: the whole header (after an optional prefix) is one signature.
   * - `keyValue`: a list such as `t=1,v1=abc,v1=def`; every entry named `signatureKey` is a candidate.
   * - `list`: signatures separated by `separator`, each starting with `prefix` (Standard Webhooks:
   *   `v1,<sig> v1,<sig>`); entries with another prefix are ignored.
   */
  readonly kind: 'plain' | 'keyValue' | 'list';
  /** For `plain` and `list`: a prefix that each signature starts with, stripped before decoding. */
  readonly prefix?: string;
  /** For `keyValue`: separator between entries. For `list`: separator between signatures. */
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
  /**
   * `signatureHeader`: a key of the key-value signature header; `header`: a header of its own; `jsonPath`: a
   * field of the JSON body (signed with it).
   */
  readonly source: 'signatureHeader' | 'header' | 'jsonPath';
  readonly header?: string;
  /** Other names the timestamp header goes by (a provider's newer format), tried after `header`. */
  readonly headerAliases?: string[];
  readonly jsonPath?: string;
  /** Unit of the timestamp value: whole seconds, whole milliseconds, or an RFC 3339 date-time. */
  readonly unit: 's' | 'ms' | 'rfc3339';
  /**
   * Maximum age (and, unless `allowFuture`, maximum lead) in seconds; absent for providers that sign a
   * timestamp without bounding it (Discord).
   */
  readonly toleranceSeconds?: number;
  /** Accept timestamps in the future by any amount (some providers only bound the age). */
  readonly allowFuture: boolean;
}

/**
 * A signature over a signed-content template. `algorithm` is an HMAC hash, or a public-key algorithm whose
 * public key is the secret's value.
 */
export interface SignatureConfig {
  readonly algorithm: 'sha1' | 'sha256' | 'sha512' | 'ed25519' | 'ecdsa-p256-sha256';
  /** How the signature bytes are written: hex, base64, or unpadded base64url (Sanity). */
  readonly encoding: 'hex' | 'base64' | 'base64url';
  readonly header: string;
  /** Other names the signature header goes by (Shopify's Events format, white-labelled Svix), tried after `header`. */
  readonly headerAliases?: string[];
  readonly format: SignatureFormatConfig;
  /**
   * The signed content as a template over `{timestamp}`, `{id}`, `{body}`, `{url}` (the configured public URL
   * of the route, with the request's query string), `{method}`; other characters are literal. `{body}` stands
   * for the exact request bytes.
   */
  readonly signedContent: string;
  readonly timestamp?: TimestampConfig;
  /**
   * How the secret string becomes the key: HMAC key bytes (`utf8`, `base64`, `hex`), or for public keys `hex`
   * (raw Ed25519 key) or `base64` (DER SPKI).
   */
  readonly keyEncoding: 'utf8' | 'base64' | 'hex';
  /** A prefix stripped from the secret before decoding (e.g. `whsec_`). */
  readonly keyPrefix?: string;
  /**
   * Other ways the same secret becomes an HMAC key, each tried after `keyEncoding` (Polar: the secret's text,
   * then its base64 decoding). A `base64` alternative applies only to a secret that is base64 once its prefix is
   * stripped.
   */
  readonly alternateKeys?: Array<{ readonly keyEncoding: 'utf8' | 'base64' | 'hex'; readonly keyPrefix?: string }>;
  /**
   * The provider sends the signature header once per signature (Mollie, while a secret is rotated): with a `list`
   * format, a header sent more than once is read as one list, its values joined with the pair separator.
   */
  readonly repeatedHeader?: boolean;
  /**
   * Other headers that each carry one more signature in the same format, made with another of the provider's keys
   * (Box's `box-signature-secondary`): a request is authentic when any signature matches a held secret.
   */
  readonly otherSignatureHeaders?: string[];
  /** `hubspot`: `{url}` is signed with some percent-encodings decoded, as HubSpot's v3 signature defines. */
  readonly urlDecoding?: 'hubspot';
  /**
   * A header naming the key that signed (Pusher's `X-Pusher-Key`). Each secret is then `<key id>:<secret>`, and
   * only the secrets whose key id equals the header's value are tried. Absent: every secret is tried.
   */
  readonly keyIdHeader?: string;
}

/** A shared token the provider sends as is (GitLab), compared with the secret in constant time. */
export interface TokenConfig {
  /** Header carrying the token. */
  readonly header?: string;
  /** Or a JSON path to it in the body; for arrays (`value.clientState`), every item must carry it. */
  readonly jsonPath?: string;
}

/**
 * A JWT in a header whose claims carry a hash of the body (Vonage `payload_hash`, LiveKit `sha256`, QStash
 * `body`, Netlify `sha256`): the token's HMAC proves who sent it, the claim ties it to these bytes.
 */
export interface JwtConfig {
  /** The header carrying the token (`authorization`). */
  readonly header: string;
  /** Whether the token must follow `Bearer `; when false, a `Bearer ` prefix is accepted and stripped. */
  readonly requireBearer: boolean;
  /** The only `alg` accepted; any other (`none`, `RS256`, another HMAC) is refused before any key is tried. */
  readonly algorithm: 'HS256' | 'HS384' | 'HS512';
  /** The claim holding the hash of the body. */
  readonly bodyHashClaim: string;
  /** The body hash's algorithm. */
  readonly bodyHashAlgorithm: 'sha256';
  /** How the claim writes the hash. */
  readonly bodyHashEncoding: 'hex' | 'base64' | 'base64url';
  /** An `iss` the token must carry exactly (Vonage: `Vonage`). Absent: any. */
  readonly issuer?: string;
  /**
   * The token's `iss` names the key (LiveKit: the API key): each secret is `<key id>:<secret>`, and only those of
   * the token's issuer are tried.
   */
  readonly issuerIsKeyId?: boolean;
  /** Most seconds `iat` may be from now, either way; the token must then carry `iat`. Absent: `iat` is not required. */
  readonly maxAgeSeconds?: number;
  /** Seconds of clock skew allowed on `exp` and `nbf`. */
  readonly clockSkewSeconds: number;
}

/**
 * A JWT in a header signed with a public key the verifier fetches by the token's `kid` (Plaid), from a key service on
 * a fixed https host: the keys are cached in the container by `kid`, an unknown `kid` is fetched at most once a
 * minute, and at most a few fetches a minute happen in all (`lambda/verifier/jwks.ts`).
 */
export interface JwksConfig {
  /** The header carrying the token (`plaid-verification`). */
  readonly header: string;
  /** Whether the token must follow `Bearer `. Absent: a `Bearer ` prefix is accepted and stripped, and a bare token too. */
  readonly requireBearer?: boolean;
  /** The only `alg`s accepted; any other (`none`, `HS256`, ...) is refused before anything else. */
  readonly algorithms: JwksAlgorithmName[];
  /**
   * Where keys come from. `plaid`: `POST https://{production|sandbox}.plaid.com/webhook_verification_key/get` with
   * `client_id`, `secret` (the provider's secret, JSON) and `key_id`. `jwks`: `GET jwksUrl`, a JWK set.
   */
  readonly keySource: 'plaid' | 'jwks';
  /** For `jwks`: the https URL of the JWK set. */
  readonly jwksUrl?: string;
  /** The claim holding the hash of the body. Absent: the token does not cover the body. */
  readonly bodyHashClaim?: string;
  /** How the claim writes the body's SHA-256. */
  readonly bodyHashEncoding?: 'hex' | 'base64' | 'base64url';
  /** Most seconds `iat` may be in the past (and ahead, by `clockSkewSeconds`); the token must then carry `iat`. */
  readonly maxAgeSeconds?: number;
  /** Seconds of clock skew allowed on `exp`, `nbf` and a future `iat`. */
  readonly clockSkewSeconds: number;
  /** An `iss` the token must carry exactly. Absent: any. */
  readonly issuer?: string;
  /** A value the token's `aud` must be (a string) or hold (an array). Absent: any. */
  readonly audience?: string;
}

/** The public-key `alg`s the JWKS scheme verifies (`lambda/verifier/jwks.ts`). */
export type JwksAlgorithmName = 'ES256' | 'ES384' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'EdDSA';

/**
 * Dropbox Sign: a multipart/form-data body whose field `json` holds the event, and `event.event_hash` the hex
 * HMAC-SHA256 (API key) of `event.event_time` + `event.event_type`. It does not cover the body.
 */
export interface DropboxSignConfig {
  /** The multipart field that holds the event's JSON. */
  readonly field: string;
}

/** How requests of a provider are authenticated. Exactly one member is set. */
export interface SchemeConfig {
  readonly signature?: SignatureConfig;
  /** A JWT whose claim carries the body's hash. */
  readonly jwt?: JwtConfig;
  readonly token?: TokenConfig;
  /** HTTP Basic authentication; the secret is `user:password`. */
  readonly basicAuth?: boolean;
  /** Twilio: HMAC-SHA1 over the public URL and the sorted form parameters, or `bodySHA256` for JSON. */
  readonly twilio?: boolean;
  /** Adyen: every notification item carries an HMAC-SHA256 (hex key, base64) over eight of its fields. */
  readonly adyen?: boolean;
  /**
   * Braintree: a form body whose `bt_signature` holds `<public key>|<hex HMAC-SHA1>` pairs (joined by `&`) over
   * `bt_payload`, keyed with SHA-1 of the private key; the secret is `<public key>:<private key>`.
   */
  readonly braintree?: boolean;
  /** Mailgun: HMAC-SHA256 over the body's `signature.timestamp` + `signature.token`. */
  readonly mailgun?: { readonly toleranceSeconds: number };
  /**
   * Contentful: HMAC-SHA256 over the canonical request (method, public path and query, the headers named in
   * `x-contentful-signed-headers`, body), `x-contentful-timestamp` in milliseconds.
   */
  readonly contentful?: { readonly toleranceSeconds: number };
  /** Plivo V3: HMAC-SHA256 over the public URL, its sorted query, the sorted form parameters and the nonce. */
  readonly plivo?: boolean;
  /** A JWT signed with a public key fetched by its `kid` (Plaid; any JWK set on an https host). */
  readonly jwks?: JwksConfig;
  /** Dropbox Sign: `event.event_hash` of the multipart field `json`. */
  readonly dropboxSign?: DropboxSignConfig;
  /** A signature by the key of an X.509 certificate fetched from an allowlisted URL the request names (PayPal). */
  readonly certificateUrl?: CertificateUrlConfig;
  /** A JWS in the body whose `x5c` chain leads to a pinned root (Apple App Store Server Notifications V2). */
  readonly x5cJws?: X5cJwsConfig;
}

/**
 * A signature made with the private key of an X.509 certificate that the verifier fetches from a URL named in a
 * request header (PayPal's `paypal-cert-url`). Nothing secret: trust comes from the allowlisted https hosts the
 * certificate is fetched from (over TLS, no redirect followed), the certificate's subject and validity, and the
 * signature. Verified in `lambda/verifier/x509.ts`, loaded on first use.
 */
export interface CertificateUrlConfig {
  /** The header naming the certificate's URL. */
  readonly certUrlHeader: string;
  /**
   * Hosts the certificate may be fetched from, over https on the default port: exact names, or `*.example.com`
   * for any name under it (not itself).
   */
  readonly allowedHosts: string[];
  /** A path every certificate URL starts with (`/v1/notifications/certs/`). Absent: any path. */
  readonly pathPrefix?: string;
  /** The header carrying the signature, base64. */
  readonly signatureHeader: string;
  /** The signature algorithm; the certificate's key must be of its kind. */
  readonly algorithm: 'rsa-sha256' | 'ecdsa-sha256';
  /** A header that must be present with exactly this value (PayPal's `paypal-auth-algo: SHA256withRSA`). */
  readonly algorithmHeader?: { readonly header: string; readonly value: string };
  /**
   * The signed content as a template over `{header:<name>}` (a header's value; a missing header refuses the
   * request), `{webhookId}` (the configured `webhookId`), `{crc32}` (the unsigned decimal CRC-32 of the body) and
   * `{body}` (the exact bytes); other characters are literal.
   */
  readonly signedContent: string;
  /** The value of `{webhookId}` (PayPal: the id of the webhook, shown in the developer dashboard). */
  readonly webhookId?: string;
  /** Common names the leaf certificate's subject must have one of. Absent: any. */
  readonly subjectCommonNames?: string[];
  /** How long a fetch of the certificate may take, in milliseconds. */
  readonly fetchTimeoutMs: number;
}

/**
 * A compact JWS in a field of the JSON body whose header's `x5c` (leaf, intermediate, root) chains to a pinned
 * root, as App Store Server Notifications V2 are signed (`@apple/app-store-server-library` `SignedDataVerifier`).
 */
export interface X5cJwsConfig {
  /** The body's field holding the JWS (`signedPayload`). */
  readonly jsonPath: string;
  /** The one `alg` accepted. */
  readonly algorithm: 'ES256';
  /** Pinned roots, base64 DER. */
  readonly rootCertificates?: string[];
  /** Roots shipped with the verifier, by name (`apple-root-ca-g3`). */
  readonly builtInRoots?: string[];
  /** How many certificates `x5c` must hold (Apple: 3). */
  readonly chainLength: number;
  /** Extension OIDs the leaf certificate must carry (Apple: 1.2.840.113635.100.6.11.1). */
  readonly leafOids?: string[];
  /** Extension OIDs the intermediate certificate must carry (Apple: 1.2.840.113635.100.6.2.1). */
  readonly intermediateOids?: string[];
  /**
   * A payload claim in milliseconds since the epoch at which the chain must be valid (Apple's `signedDate`, as its
   * library checks without online checks). Absent, or absent from the payload: now.
   */
  readonly signedDateClaim?: string;
  /** Values the verified payload must carry: each `paths` is tried in order, the first present must equal `value`. */
  readonly claims?: Array<{ readonly name: string; readonly paths: string[]; readonly value: string }>;
}

/** Requests a provider sends to prove the endpoint is theirs, answered synchronously and never enqueued. */
export type HandshakeKind = 'slack' | 'zoom' | 'meta' | 'twitch' | 'x' | 'graph' | 'discord' | 'braintree';

/**
 * One provider as the construct configures it. Catalog providers (`stripe`, `github`) carry only their
 * options: the verifier holds their signing schemes (`lambda/verifier/providers.ts`), which keeps the
 * environment small. Generic providers (`hmac`) carry the whole scheme.
 */
export interface ProviderConfig {
  /** Stable identifier, used in logs, metrics and the dedup key. Absent: the route path without its slash. */
  readonly id?: string;
  /** Provider family (`stripe`, `github`, ...; `custom` for generic schemes). Absent: the same as `id`. */
  readonly kind?: string;
  /**
   * Secret id (full ARN, or name when only the name is known) of the signing secret. Absent for schemes that
   * verify with certificates only (`certificateUrl`, `x5cJws`).
   */
  readonly secretId?: string;
  /** How long a delivery id is remembered, in seconds. Absent: `DEFAULT_DEDUP_WINDOW_SECONDS`. */
  readonly dedupWindowSeconds?: number;
  /** Catalog providers: replay window in seconds, where the provider signs a timestamp. */
  readonly toleranceSeconds?: number;
  /** The public URL of the route, for providers that sign it (Twilio, Square, HubSpot). */
  readonly publicUrl?: string;
  /** Generic providers: the whole scheme. */
  readonly scheme?: SchemeConfig;
  /** Catalog providers verified by certificates: PayPal's webhook id, Apple's bundle id and environment. */
  readonly certificates?: CertificateSettingsConfig;
  /** Generic providers: delivery id sources, in order; none found means the body's SHA-256 is the id. */
  readonly deliveryId?: ValueSourceConfig[];
  /** Generic providers: where the event type is. */
  readonly eventType?: ValueSourceConfig;
  /**
   * Request values whose combination, hashed, keys the event instead of the delivery id (`dedup:<hex>`). A value
   * missing from a request refuses it (400 `dedup_key_missing`). Absent: the delivery id keys the event.
   */
  readonly dedupKey?: ValueSourceConfig[];
  /**
   * Event types that are enqueued; a verified event of another type (or of none) is answered 200 `ignored` and
   * not written anywhere. Absent: every event type.
   */
  readonly eventTypes?: string[];
  /**
   * Media ranges the route accepts (`application/json`, `application/*+json`, `*\/*`). Absent: the kind's
   * default (`contentTypesOf` in `limits.ts`).
   */
  readonly contentTypes?: string[];
}

/** The settings a catalog provider verified by certificates takes from its configuration. */
export interface CertificateSettingsConfig {
  /** `certificateUrl.webhookId`. */
  readonly webhookId?: string;
  /** Values of the scheme's `x5cJws.claims`, by claim name (`bundleId`, `environment`, `appAppleId`). */
  readonly claims?: { [name: string]: string };
}

/** A provider with its scheme filled in, as the verifier uses it. */
export interface ResolvedProvider {
  readonly id: string;
  /** Absent for schemes verified by certificates only. */
  readonly secretId?: string;
  readonly dedupWindowSeconds: number;
  readonly scheme: SchemeConfig;
  readonly deliveryId: ValueSourceConfig[];
  /** Where the event type is; a list is tried in order. */
  readonly eventType?: ValueSourceConfig | ValueSourceConfig[];
  readonly publicUrl?: string;
  /** Event types that are handshakes: verified, answered 200, never enqueued (e.g. GitHub `ping`). */
  readonly handshakeEventTypes?: string[];
  readonly handshake?: HandshakeKind;
  /**
   * Whether every genuine body of this provider is JSON, so that one that is not is refused (400) before any
   * AWS call. False for providers that also send form-encoded bodies (GitHub, Slack, Twilio) and for custom ones.
   */
  readonly jsonBody: boolean;
  /** HTTP methods the route accepts (POST, and GET for providers whose handshake is a GET). */
  readonly methods: string[];
  /** A body that carries several events, each keyed, deduped and enqueued on its own. Absent: one event per body. */
  readonly items?: ItemsConfig;
  /** Request values that key events instead of the delivery id (see `ProviderConfig.dedupKey`). */
  readonly dedupKey?: ValueSourceConfig[];
  /** Event types that are enqueued (see `ProviderConfig.eventTypes`). Absent: every event type. */
  readonly eventTypes?: string[];
  /** Where the provider's own time of the event is, for providers that send one. */
  readonly eventTime?: EventTimeConfig;
  /**
   * The JSON document of the request is this multipart/form-data field, not the body (Dropbox Sign's `json`): JSON
   * paths of the delivery id, event type and scheme read it.
   */
  readonly multipartJsonField?: string;
  /** The exact body of every 200 answer, as `text/plain` (Dropbox Sign: `Hello API Event Received`). */
  readonly replyBody?: string;
}

/**
 * Where the events of a body that carries several are (Adyen's `notificationItems`). Each item becomes its own
 * event: its own inbox record keyed by its own id, its own queue message; none is dropped because another item of
 * the same body was seen before.
 */
export interface ItemsConfig {
  /** Dot path to the JSON array of events (`notificationItems`); the empty string for a body that is the array. */
  readonly jsonPath: string;
  /**
   * Where each item's id is, relative to the item. An item without one is refused (400 `delivery_id_missing`).
   * Absent: the items carry no id, and `hashWith` keys them.
   */
  readonly deliveryId?: ValueSourceConfig;
  /**
   * For items without an id (Pusher): each is keyed by `sha256:<hex>` of the JSON array of the value at this path
   * of the body (Pusher's batch time `time_ms`) and the item, so a retry of the body is a duplicate, and the same
   * event in a later batch is not.
   */
  readonly hashWith?: string;
  /** Where each item's event type is, relative to the item (`jsonPaths` are joined with `:`). */
  readonly eventType?: ValueSourceConfig;
  /**
   * A body whose list is empty is the provider's check that the endpoint answers (LINE's "Verify"): once
   * authenticated it is answered 200 `handshake` and nothing is enqueued. Absent: such a body is refused (400).
   */
  readonly emptyIsHandshake?: boolean;
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
  /**
   * How long the AWSPREVIOUS version keeps verifying after the AWSCURRENT version was created, in seconds; 0
   * refuses it at once. Absent: `DEFAULT_PREVIOUS_SECRET_GRACE_SECONDS`.
   */
  readonly previousSecretGraceSeconds?: number;
  /** Providers keyed by their route path segment. */
  readonly providers: { [path: string]: ProviderConfig };
  /** Most request headers accepted (each value counts). Absent: `DEFAULT_MAX_HEADER_COUNT`. */
  readonly maxHeaderCount?: number;
  /** Most bytes of request headers accepted, as on the wire. Absent: `DEFAULT_MAX_HEADER_BYTES`. */
  readonly maxHeaderBytes?: number;
  /** Where the verifier's metrics go (one EMF line per request). Absent: no metrics. */
  readonly metrics?: MetricsConfig;
  /**
   * Where bodies too large for one queue message are stored (the claim check). Absent: such bodies are refused
   * (413), as a receiver whose `maxBodyBytes` always fits one message never needs it.
   */
  readonly bodyStore?: BodyStoreConfig;
  /**
   * Strict order per entity: the queue is FIFO and every message carries a message group (the event's entity key)
   * and a deduplication id (its inbox key). Absent: a standard queue, no group or deduplication id.
   */
  readonly ordering?: OrderingConfig;
  /**
   * The raw archive: one object per request whose events were enqueued (`contract/archive.ts`). Absent: nothing is
   * archived.
   */
  readonly archive?: ArchiveConfig;
}

/** Where each provider's entity key is read from, for the message group of its events (the README's "Strict order per entity"). */
export interface OrderingConfig {
  /**
   * By provider id. A provider left out, or a request without the value, puts its events in the provider's
   * fallback group (`<provider id>`): one ordered stream for all of them.
   */
  readonly entityKeys: { [providerId: string]: ValueSourceConfig };
}

/** The archive's bucket, and the receiver name that is the first segment of its object keys. */
export interface ArchiveConfig {
  readonly bucket: string;
  readonly receiver: string;
}

/** The bucket of the claim check and the first segment of its object keys. */
export interface BodyStoreConfig {
  readonly bucket: string;
  /** The receiver's name: objects are `<prefix>/<provider>/<yyyy>/<mm>/<dd>/<sha256 of the event's inbox key>`. */
  readonly prefix: string;
}

/** The CloudWatch namespace of the handlers' metrics, and the value of their `Receiver` dimension. */
export interface MetricsConfig {
  /** Absent: `DEFAULT_METRIC_NAMESPACE` (left out to keep the environment small). */
  readonly namespace?: string;
  readonly receiver: string;
}

/** How long a delivery id is remembered unless a provider says otherwise: 7 days. */
/**
 * The key prefix of the ordering feature's entity records in the inbox table (`entity#<provider id>#<entity id>`,
 * `newerWins`). Delivery keys are `<provider id>#<delivery id>`, so a provider may not take the id `entity`, nor
 * `replay` (`REPLAY_RUN_KEY_PREFIX`) or `reconcile-cursor` (the reconciler's cursors, `CURSOR_KEY_PREFIX`): its
 * deliveries would share those keys.
 */
export const ENTITY_KEY_PREFIX = 'entity#';

/** The key prefix of a replay run's record of an event (`replay#<run id>#<event key>`, the `replay` command). */
export const REPLAY_RUN_KEY_PREFIX = 'replay#';

/** Provider ids that the inbox table's own records use as key prefixes (see `ENTITY_KEY_PREFIX`). */
export const RESERVED_PROVIDER_IDS: readonly string[] = ['entity', 'replay', 'reconcile-cursor'];

export const DEFAULT_DEDUP_WINDOW_SECONDS = 7 * 24 * 3600;

/**
 * How long a rotated-away secret keeps verifying unless `previousSecretGracePeriod` says otherwise: 24 hours.
 * Stripe's longest overlap when rolling a secret is 24 hours, Shopify signs with the old secret up to an hour
 * after a rotation, and it leaves the operator a working day to change the secret at the provider.
 */
export const DEFAULT_PREVIOUS_SECRET_GRACE_SECONDS = 24 * 3600;

/**
 * The file beside the verifier's code (`/var/task/config.json`) that carries its `VerifierConfig` as JSON, with
 * every value known only at deploy time replaced by a `DeployTimeValue`.
 */
export const CONFIG_FILE = 'config.json';

/** The environment variable that carries the deploy-time values `CONFIG_FILE` refers to: a JSON array. */
export const CONFIG_VALUES_ENV = 'WEBHOOK_RECEIVER_VALUES';

/**
 * A value of the configuration known only at deploy time: the concatenation of `$ref`'s parts, each a literal
 * string or an index into the `CONFIG_VALUES_ENV` array. A single index stands for that value as is (a number
 * stays a number). E.g. a secret created in the stack:
 * `{"$ref": ["arn:", 0, ":secretsmanager:", 1, ":", 2, ":secret:", 7]}` with the partition, region, account and
 * the secret's `name-suffix` in the array.
 */
export interface DeployTimeValue {
  readonly $ref: Array<string | number>;
}

/** The environment variable that tells the processor runtime where the inbox table is. */
export const INBOX_TABLE_ENV = 'WEBHOOK_INBOX_TABLE';

/** Version of the SQS message envelope the verifier writes. The runtime also reads `LEGACY_ENVELOPE_VERSION`. */
export const ENVELOPE_VERSION = 2;
/** The first envelope version (signature verified, no hash, one event per message); still read by the runtime. */
export const LEGACY_ENVELOPE_VERSION = 1;

/**
 * How the request that carried an event was authenticated: an HMAC or a public-key signature, a shared token the
 * provider sends as is (GitLab, Microsoft Graph's clientState), or HTTP Basic credentials. `provider-api`: no
 * request carried it; the reconciler fetched it from the provider's API over TLS with the receiver's API
 * credential (`origin: 'reconciliation'`, `bodySigned: false`: the body is the event as the API returned it).
 */
export type AuthenticationMethod = 'hmac' | 'public-key' | 'shared-token' | 'basic-auth' | 'provider-api';

/**
 * Where an event came from. `delivery`: a request the verifier authenticated. `reconciliation`: an event the
 * reconciler found in the provider's API that no delivery had brought (auth `provider-api`). Reserved for a coming
 * feature: `replay` (re-enqueued by an operator from the archive).
 */
export type EventOrigin = 'delivery' | 'replay' | 'reconciliation';

/**
 * The SQS message body written by the verifier and read by the processor runtime (version 2).
 *
 * Room for what is coming, without a new version: a reader ignores fields it does not know, so later features add
 * optional fields (`eventTime`, `bodyRef` for a body stored in S3, `replay`); a change that an older runtime
 * would misread takes a new `v`, and the runtime refuses versions it does not know (the message goes back to the
 * queue, then to the dead-letter queue, from where it can be redriven once the processor is upgraded).
 */
export interface Envelope {
  readonly v: typeof ENVELOPE_VERSION;
  readonly provider: string;
  /**
   * The event's own id: the provider's delivery id, an item's id in a body of several events, `sha256:<hex>` of
   * the body, or `dedup:<hex>` of the provider's `dedupKey` values.
   */
  readonly deliveryId: string;
  /** With a `dedupKey`: the provider's own delivery id, when it sends one. */
  readonly providerDeliveryId?: string;
  /** The inbox key of this event. */
  readonly key: string;
  readonly eventType?: string;
  /** ISO-8601 time the verifier received the request. */
  readonly receivedAt: string;
  readonly auth: AuthenticationMethod;
  /** Whether the authentication covered the body's bytes (false for tokens, Basic credentials and Mailgun). */
  readonly bodySigned: boolean;
  readonly origin: EventOrigin;
  readonly contentType?: string;
  /** `ref`: the body is in S3 (`bodyRef`), not in the message. */
  readonly bodyEncoding: 'utf8' | 'base64' | 'ref';
  /** The request body: the exact bytes received, except for values listed in `redactions`. Absent with `bodyRef`. */
  readonly body?: string;
  /**
   * The claim check: where the body is when it did not fit one queue message (then `bodyEncoding` is `ref` and
   * `body` is absent). The object holds the same bytes `body` would have carried.
   */
  readonly bodyRef?: BodyRef;
  /** SHA-256 (hex) of the exact bytes received, before any redaction. */
  readonly bodySha256: string;
  /** For a body that carries several events (Adyen's notification items): which one this message is. */
  readonly item?: EnvelopeItem;
  /**
   * JSON paths in the body whose string value was a secret and was replaced by `"[redacted]"` before the event was
   * enqueued (`value[].clientState`: that field of each item of `value`). Every other byte is as received; the
   * body no longer matches the provider's signature. Absent when nothing was redacted.
   */
  readonly redactions?: string[];
  /**
   * The provider's own time of the event (ISO-8601), for providers whose catalog entry says where it is (the
   * README's catalog table); absent when the provider sends none or the value is not a time.
   */
  readonly eventTime?: string;
  /** With `origin: 'replay'`: the operator's replay run that re-enqueued this event from the archive. */
  readonly replay?: ReplayMark;
}

/** A body stored in S3 by the verifier (the claim check). */
export interface BodyRef {
  readonly bucket: string;
  readonly key: string;
  /** Length of the object in bytes. */
  readonly size: number;
  /** SHA-256 (hex) of the object's bytes (after redaction, so it equals `bodySha256` unless `redactions` is set). */
  readonly sha256: string;
}

/** One event of a body that carries several. */
export interface EnvelopeItem {
  /** Position in the body's list of events, from 0. */
  readonly index: number;
  /** How many events the body carries. */
  readonly count: number;
}

/** The first envelope version, as verifiers before version 2 wrote it. */
export interface LegacyEnvelope {
  readonly v: typeof LEGACY_ENVELOPE_VERSION;
  readonly provider: string;
  readonly deliveryId: string;
  readonly key: string;
  readonly eventType?: string;
  readonly receivedAt: string;
  readonly signatureVerified: true;
  readonly contentType?: string;
  readonly bodyEncoding: 'utf8' | 'base64';
  readonly body: string;
}
