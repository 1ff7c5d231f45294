/**
 * Genuinely signed webhook requests for every catalog provider and for the generic schemes: the sample event of the
 * provider (`samples.ts`) or a body of your own, signed as the provider signs it, over the exact bytes returned.
 * node:crypto only: no provider SDK at run time.
 *
 * HMAC providers are signed with the secret the receiver holds (`secret`). Providers that sign with their own private
 * key (Discord, SendGrid, Telnyx) are signed with a local test key pair (`keys.ts`); PayPal, the App Store and Plaid
 * with the published stand-in certificates and key (`keys.ts`, `local-certificates.ts`): such a request is accepted
 * only by a receiver told to trust that material (the local dev server and the test receiver), never by a deployed one.
 */
import { createHash, createHmac, createPrivateKey, randomBytes, randomUUID, sign as signBytes, type KeyObject } from 'node:crypto';
import { escape as escapeQuery } from 'node:querystring';
import { crc32 } from 'node:zlib';
import { CATALOG, CUSTOM_KIND, type ProviderDefinition } from '../catalog/providers';
import type { CertificateSettingsConfig, JwtConfig, ProviderConfig, SchemeConfig, SignatureConfig, ValueSourceConfig } from '../contract/config';
import { LOCAL_PAYPAL_CERTIFICATE_PATH, localAppleChain, localPayPalCertificate, localPlaidKey, localTestKeyPair, type TestKeyAlgorithm } from './keys';
import { SAMPLES, type Sample, type SampleDefinition } from './samples';

/** The credentials of the local Plaid key service's answer (it accepts any non-empty ones). */
const LOCAL_PLAID_CREDENTIALS = { client_id: 'local-test-client', secret: 'local-test-secret', environment: 'sandbox' };

/** The verifier's test-only certificate origin (lambda/verifier/x509.ts), set by the test receiver while it runs. */
const TEST_CERTIFICATE_ORIGIN_ENV = 'WEBHOOK_RECEIVER_TEST_CERTIFICATE_ORIGIN';

/** A provider to sign for: a catalog id (`stripe`), a `WebhookProvider`, or a provider's configuration. */
export type SignTarget = string | WebhookProviderLike | ProviderLike;

/** What `signRequest` reads of a `WebhookProvider` (also a generic one: `WebhookProvider.hmac()`, ...). */
export interface WebhookProviderLike {
  readonly id: string;
  readonly kind: string;
  _toConfig(defaultUrl: string): ProviderConfig;
}

/** A provider's configuration, as the construct writes it for the verifier. */
export interface ProviderLike {
  readonly id?: string;
  readonly kind?: string;
  /** For generic providers: the whole scheme (as in the receiver's configuration). */
  readonly scheme?: SchemeConfig;
  readonly deliveryId?: ValueSourceConfig[];
  readonly eventType?: ValueSourceConfig;
  readonly publicUrl?: string;
  /** PayPal's webhook id, the App Store's bundle id and environment (as `WebhookProvider.paypal/appStore` write them). */
  readonly certificates?: CertificateSettingsConfig;
}

/** The App Store receiver's settings a notification must match (`WebhookProvider.appStore`'s options). */
export interface AppStoreSignOptions {
  readonly bundleId: string;
  /** `Sandbox` or `Production`. @default 'Sandbox' */
  readonly environment?: string;
  /** The app's Apple id (checked in Production). @default 1234567890 */
  readonly appAppleId?: number;
}

export interface SignRequestOptions {
  /**
   * The receiver's secret for this provider, as its Secrets Manager secret holds it (`whsec_...`, an auth token,
   * `<app key>:<app secret>` for Pusher and LiveKit, `<public key>:<private key>` for Braintree). Required, except for
   * providers that sign with their own private key (Discord, SendGrid, Telnyx), which use `privateKey`.
   */
  readonly secret?: string;
  /**
   * For public-key providers: the private key that signs (a KeyObject or a PEM string); for Plaid with `keyId`.
   * PayPal and the App Store always sign with the published stand-in certificate, whose key is known.
   * @default the published local test key pair (`localTestKeyPair`, `localPlaidKey`), which only a local receiver trusts
   */
  readonly privateKey?: KeyObject | string;
  /**
   * PayPal: the webhook id PayPal signs (the `webhookId` of `WebhookProvider.paypal()`).
   * @default the provider's own, when a WebhookProvider is given (required with the catalog id `'paypal'`)
   */
  readonly webhookId?: string;
  /**
   * PayPal: the `PAYPAL-CERT-URL` the request names. The local dev server and the test receiver serve the published
   * stand-in certificate (`localPayPalCertificate`) at `LOCAL_PAYPAL_CERTIFICATE_PATH` on their own origin.
   * @default that path on `url`'s origin when `url` is a loopback address, else on the running test receiver's
   * origin (`WEBHOOK_RECEIVER_TEST_CERTIFICATE_ORIGIN`, which `startTestReceiver` sets)
   */
  readonly certificateUrl?: string;
  /**
   * App Store: the bundle id, environment and app Apple id of the receiver's `WebhookProvider.appStore()`.
   * @default the provider's own, when a WebhookProvider is given (required with the catalog id `'app-store'`)
   */
  readonly appStore?: AppStoreSignOptions;
  /**
   * Plaid: the `kid` of `privateKey` (the key the key service serves for it).
   * @default the published local stand-in key's (`localPlaidKey().kid`), when `privateKey` is not given
   */
  readonly keyId?: string;
  /** The event type, where the provider sends one. @default the sample's first type (`sampleEventTypes(provider)`) */
  readonly eventType?: string;
  /** When the request is signed (and the sample's event happened). @default now */
  readonly timestamp?: Date | number;
  /** The delivery id (or event id) the sample carries. @default a fresh one in the provider's format */
  readonly deliveryId?: string;
  /**
   * The URL the request goes to: its path and query are returned, and providers that sign their URL (Twilio,
   * Square, HubSpot, Plivo, Contentful) sign it, so it must be the receiver's public URL for the provider.
   * @default `https://hooks.example.com/webhooks/<provider id>`
   */
  readonly url?: string;
  /**
   * Your own event instead of the sample: an object (sent as JSON) or the exact bytes. Providers that carry the
   * signature in the body (Mailgun, Adyen, Microsoft Graph) take an object, into which it is written.
   * @default the provider's sample event
   */
  readonly body?: unknown;
}

/** A signed request: send `body` byte for byte with these headers. */
export interface SignedWebhookRequest {
  /** The provider id the request is for. */
  readonly provider: string;
  readonly method: 'POST';
  /** The full URL (with `query`). */
  readonly url: string;
  /** The URL's path. */
  readonly path: string;
  /** The URL's query string without `?`, or ''. */
  readonly query: string;
  /** Header names as the provider writes them; `Content-Type` included. */
  readonly headers: Record<string, string>;
  /** The exact bytes that were signed. */
  readonly body: Buffer;
  /** The delivery id (or event id) the sample carries. */
  readonly deliveryId: string;
  /** The event type of the sample, where it has one. */
  readonly eventType?: string;
}

/** Catalog providers that sign with their own private key, and the algorithm of the key. */
const PUBLIC_KEY_ALGORITHMS: { readonly [kind: string]: TestKeyAlgorithm } = Object.fromEntries(
  Object.entries(CATALOG)
    .filter(([, definition]) => definition.scheme.signature?.algorithm === 'ed25519' || definition.scheme.signature?.algorithm === 'ecdsa-p256-sha256')
    .map(([kind, definition]) => [kind, definition.scheme.signature!.algorithm as TestKeyAlgorithm]),
);

/** The catalog providers `signRequest` signs for (every one, and `custom` for generic schemes). */
export function signableProviders(): string[] {
  return Object.keys(CATALOG).filter((kind) => SAMPLES[kind] !== undefined);
}

/**
 * Whether a provider signs with its own private key (Discord, SendGrid, Telnyx; PayPal, the App Store and Plaid,
 * whose keys are also certified or served by the provider), so that its requests can be signed only with the
 * published test keys, which only a local receiver trusts.
 */
export function signsWithPrivateKey(target: SignTarget): boolean {
  const { scheme } = resolveTarget(target);
  return scheme.signature?.algorithm === 'ed25519' || scheme.signature?.algorithm === 'ecdsa-p256-sha256' || Boolean(scheme.certificateUrl || scheme.x5cJws || scheme.jwks);
}

/** The event types the provider's sample knows (the first is the default); any other type may still be given. */
export function sampleEventTypes(target: SignTarget): string[] {
  const { kind } = resolveTarget(target);
  return [...sampleOf(kind).eventTypes];
}

/**
 * The secret a receiver must hold to trust the local test key pair for a public-key provider: Discord's hex, Telnyx's
 * base64 raw key, SendGrid's base64 SPKI; for Plaid, credentials for the local key service (which takes any). Undefined
 * for providers that sign with a shared secret, and for PayPal and the App Store, which hold no secret.
 */
export function localTestSecret(target: SignTarget): string | undefined {
  const { kind, scheme } = resolveTarget(target);
  if (scheme.jwks?.keySource === 'plaid') return JSON.stringify(LOCAL_PLAID_CREDENTIALS);
  const algorithm = scheme.signature?.algorithm;
  if (algorithm !== 'ed25519' && algorithm !== 'ecdsa-p256-sha256') return undefined;
  const pair = localTestKeyPair(PUBLIC_KEY_ALGORITHMS[kind] ?? algorithm);
  return scheme.signature!.keyEncoding === 'hex' ? pair.publicKey : pair.publicKeyBase64;
}

/** Builds a genuinely signed request for `target`. Throws with a clear message on an unknown provider or a missing secret. */
export function signRequest(target: SignTarget, options: SignRequestOptions = {}): SignedWebhookRequest {
  const resolved = resolveTarget(target);
  const { id, kind, scheme, definition } = resolved;
  if ((scheme.certificateUrl || scheme.x5cJws || scheme.jwks) && !definition) {
    throw new Error(`Provider "${id}" is a generic certificate or key-service scheme: the test kit signs only the catalog's (PayPal, the App Store, Plaid) with its stand-in keys.`);
  }
  const standIn = Boolean(scheme.certificateUrl || scheme.x5cJws || scheme.jwks);
  if (options.privateKey !== undefined && (scheme.certificateUrl || scheme.x5cJws)) {
    throw new Error(`${definition!.name} requests are signed with the published stand-in certificate (localPayPalCertificate / localAppleChain); privateKey is not used.`);
  }
  const sample = sampleOf(kind);
  const nowMs = options.timestamp === undefined ? Date.now() : typeof options.timestamp === 'number' ? options.timestamp : options.timestamp.getTime();
  if (!Number.isFinite(nowMs)) throw new Error('timestamp must be a Date or a number of milliseconds since the epoch.');
  const deliveryId = options.deliveryId ?? sample.newId();
  const eventType = options.eventType ?? sample.eventTypes[0];
  const url = parseUrl(options.url ?? resolved.publicUrl ?? `https://hooks.example.com/webhooks/${id}`);
  const isPublicKey = standIn || scheme.signature?.algorithm === 'ed25519' || scheme.signature?.algorithm === 'ecdsa-p256-sha256';
  const secret = options.secret === undefined ? undefined : signingKeyOf(options.secret);
  if (!isPublicKey && (secret === undefined || secret === '')) {
    throw new Error(`Signing a ${definition?.name ?? id} request needs the receiver's secret for it (the secret option).`);
  }

  const built: Sample = sample.build({ eventType: eventType ?? '', id: deliveryId, nowMs });
  let bodyValue: unknown = options.body === undefined ? built.body : options.body;
  const headers: Record<string, string> = { 'Content-Type': built.contentType ?? 'application/json' };
  if (options.body !== undefined && !(typeof options.body === 'string' || Buffer.isBuffer(options.body))) headers['Content-Type'] = 'application/json';
  Object.assign(headers, built.headers ?? {});
  // Headers that carry the delivery id and the event type, where the catalog reads them and the sample set none.
  const deliverySources = definition ? definition.deliveryId : resolved.deliveryId;
  setHeaderSource(headers, deliverySources ?? [], deliveryId);
  const typeSources = definition ? definition.eventType : resolved.eventType;
  if (eventType) setHeaderSource(headers, typeSources === undefined ? [] : Array.isArray(typeSources) ? typeSources : [typeSources], eventType);
  if (!definition && bodyValue && typeof bodyValue === 'object' && !Buffer.isBuffer(bodyValue)) {
    bodyValue = withJsonSources(bodyValue as Record<string, unknown>, resolved.deliveryId ?? [], deliveryId, resolved.eventType, eventType);
  }

  let query = url.query;
  let body: Buffer;
  const bodyBytes = (value: unknown) => (Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8'));
  const jsonObject = (what: string): Record<string, unknown> => {
    if (typeof bodyValue === 'object' && bodyValue !== null && !Buffer.isBuffer(bodyValue)) return JSON.parse(JSON.stringify(bodyValue));
    if (typeof bodyValue === 'string' || Buffer.isBuffer(bodyValue)) {
      try {
        return JSON.parse(bodyValue.toString());
      } catch {
        // Falls through to the error below.
      }
    }
    throw new Error(`${definition?.name ?? id} carries its signature in the body: give body as a JSON object (${what}).`);
  };

  let signedId = deliveryId;
  if (scheme.certificateUrl) {
    // PayPal: SHA256withRSA over `<transmission id>|<transmission time>|<webhook id>|<unsigned decimal CRC-32 of the body>`.
    const webhookId = options.webhookId ?? resolved.certificates?.webhookId;
    if (!webhookId) throw new Error('PayPal signs its webhook id: give the webhookId option (the webhookId of WebhookProvider.paypal()).');
    body = bodyBytes(bodyValue);
    const transmissionId = randomUUID();
    const time = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const content = `${transmissionId}|${time}|${webhookId}|${crc32(body) >>> 0}`;
    headers['PAYPAL-TRANSMISSION-ID'] = transmissionId;
    headers['PAYPAL-TRANSMISSION-TIME'] = time;
    headers['PAYPAL-TRANSMISSION-SIG'] = signBytes('sha256', Buffer.from(content, 'utf8'), localPayPalCertificate().privateKey).toString('base64');
    headers['PAYPAL-CERT-URL'] = options.certificateUrl ?? localCertificateUrl(url.base);
    headers['PAYPAL-AUTH-ALGO'] = 'SHA256withRSA';
  } else if (scheme.x5cJws) {
    // App Store: {"signedPayload": JWS}, ES256, x5c = [leaf, intermediate, root] of the stand-in chain.
    const settings = appStoreSettings(options.appStore, resolved.certificates);
    const payload = jsonObject('the notification is the JWS payload');
    payload.data = { appAppleId: settings.appAppleId, bundleId: settings.bundleId, environment: settings.environment, ...((payload.data as object | undefined) ?? {}) };
    const chain = localAppleChain();
    const segment = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    const input = `${segment({ alg: 'ES256', x5c: chain.x5c })}.${segment(payload)}`;
    const signature = signBytes('sha256', Buffer.from(input, 'ascii'), { key: chain.privateKey, dsaEncoding: 'ieee-p1363' });
    body = Buffer.from(JSON.stringify({ signedPayload: `${input}.${signature.toString('base64url')}` }), 'utf8');
  } else if (scheme.jwks) {
    // Plaid: Plaid-Verification, an ES256 JWT with kid, iat and request_body_sha256 (the hex SHA-256 of the body).
    body = bodyBytes(bodyValue);
    let key: KeyObject;
    let kid: string;
    if (options.privateKey === undefined) {
      ({ privateKey: key, kid } = localPlaidKey());
      if (options.keyId !== undefined && options.keyId !== kid) throw new Error('keyId needs the privateKey it names.');
    } else {
      key = privateKeyOf(options.privateKey, 'ecdsa-p256-sha256');
      if (!options.keyId) throw new Error('A Plaid privateKey needs its keyId (the kid the key service serves it under).');
      kid = options.keyId;
    }
    const segment = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    const claims = { iat: Math.floor(nowMs / 1000), [scheme.jwks.bodyHashClaim ?? 'request_body_sha256']: createHash('sha256').update(body).digest('hex') };
    const input = `${segment({ alg: 'ES256', kid, typ: 'JWT' })}.${segment(claims)}`;
    headers[headerName(scheme.jwks.header)] = `${input}.${signBytes('sha256', Buffer.from(input, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    // No event id: the receiver keys a Plaid event by the body's SHA-256.
    signedId = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  } else if (scheme.signature) {
    body = signWithSignatureScheme(scheme.signature, { headers, body: bodyBytes(bodyValue), url: url.base, query, method: 'POST', id: deliveryId, nowMs, secret, privateKey: isPublicKey ? privateKeyOf(options.privateKey, scheme.signature.algorithm as TestKeyAlgorithm) : undefined });
  } else if (scheme.twilio) {
    body = bodyBytes(bodyValue);
    const isForm = headers['Content-Type'].toLowerCase().startsWith('application/x-www-form-urlencoded');
    let suffix = '';
    if (isForm) {
      const params = new URLSearchParams(body.toString('utf8'));
      for (const key of [...new Set(params.keys())].sort()) for (const value of [...new Set(params.getAll(key))].sort()) suffix += key + value;
    } else {
      query = appendQuery(query, `bodySHA256=${createHash('sha256').update(body).digest('hex')}`);
    }
    headers['X-Twilio-Signature'] = createHmac('sha1', Buffer.from(secret!, 'utf8')).update(`${withQuery(url.base, query)}${suffix}`, 'utf8').digest('base64');
  } else if (scheme.plivo) {
    body = bodyBytes(bodyValue);
    const nonce = randomBytes(10).toString('hex');
    const sorted = (params: URLSearchParams, join: (k: string, v: string) => string) =>
      [...new Set(params.keys())].sort().flatMap((key) => params.getAll(key).sort().map((value) => join(key, value)));
    const queryText = sorted(new URLSearchParams(query), (k, v) => `${k}=${v}`).join('&');
    const form = body.length > 0 ? sorted(new URLSearchParams(body.toString('utf8')), (k, v) => k + v) : [];
    let base = url.base;
    if (queryText !== '' || form.length > 0) base += `?${queryText}`;
    if (queryText !== '' && form.length > 0) base += '.';
    headers['X-Plivo-Signature-V3-Nonce'] = nonce;
    headers['X-Plivo-Signature-V3'] = createHmac('sha256', Buffer.from(secret!, 'utf8')).update(`${base}${form.join('')}.${nonce}`, 'utf8').digest('base64');
  } else if (scheme.mailgun) {
    const object = jsonObject('Mailgun signs a timestamp and token in its "signature" field');
    const timestamp = String(Math.floor(nowMs / 1000));
    const token = randomBytes(25).toString('hex');
    object.signature = { timestamp, token, signature: createHmac('sha256', Buffer.from(secret!, 'utf8')).update(timestamp + token, 'utf8').digest('hex') };
    body = Buffer.from(JSON.stringify(object), 'utf8');
  } else if (scheme.adyen) {
    const object = jsonObject('Adyen signs each notification item');
    const key = Buffer.from(secret!.trim(), 'hex');
    if (key.length === 0) throw new Error('The Adyen secret is the HMAC key as hex (64 hex characters).');
    const items = Array.isArray(object.notificationItems) ? object.notificationItems : [];
    if (items.length === 0) throw new Error('An Adyen body needs notificationItems to sign.');
    for (const entry of items as Array<{ NotificationRequestItem?: Record<string, any> }>) {
      const item = entry.NotificationRequestItem;
      if (!item) throw new Error('Each Adyen notification item is { NotificationRequestItem: {...} }.');
      const fields = [item.pspReference, item.originalReference, item.merchantAccountCode, item.merchantReference, item.amount?.value, item.amount?.currency, item.eventCode, item.success];
      const content = fields.map((value) => (value === undefined || value === null ? '' : String(value))).join(':');
      item.additionalData = { ...(item.additionalData ?? {}), hmacSignature: createHmac('sha256', key).update(content, 'utf8').digest('base64') };
    }
    body = Buffer.from(JSON.stringify(object), 'utf8');
  } else if (scheme.contentful) {
    body = bodyBytes(bodyValue);
    const timestamp = String(nowMs);
    headers['x-contentful-timestamp'] = timestamp;
    // Contentful signs its own headers (topic, webhook name), the timestamp, and the list of what it signed.
    const own = Object.keys(headers).filter((name) => name.toLowerCase().startsWith('x-contentful-'));
    const signed = [...new Set([...own.map((name) => name.toLowerCase()), 'x-contentful-signed-headers', 'x-contentful-timestamp'])].sort();
    headers['x-contentful-signed-headers'] = signed.join(',');
    const valueOf = (name: string) => headers[Object.keys(headers).find((key) => key.toLowerCase() === name)!].trim();
    const headerText = signed.map((name) => `${name}:${valueOf(name)}`).join(';');
    const content = Buffer.concat([Buffer.from(`POST\n${contentfulPath(withQuery(url.base, query))}\n${headerText}\n`, 'utf8'), body]);
    headers['x-contentful-signature'] = createHmac('sha256', Buffer.from(secret!, 'utf8')).update(content).digest('hex');
  } else if (scheme.braintree) {
    const [publicKey, privateKey] = splitKeyPair(secret!, 'Braintree', '<public key>:<private key>');
    const xml = bodyValue === undefined ? '' : Buffer.isBuffer(bodyValue) ? bodyValue.toString('utf8') : String(bodyValue);
    const payload = `${Buffer.from(xml, 'utf8').toString('base64')}\n`;
    const hmac = createHmac('sha1', createHash('sha1').update(privateKey, 'utf8').digest()).update(payload, 'latin1').digest('hex');
    body = Buffer.from(new URLSearchParams({ bt_signature: `${publicKey}|${hmac}`, bt_payload: payload }).toString(), 'utf8');
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  } else if (scheme.dropboxSign) {
    // event.event_hash = hex HMAC-SHA256(API key, event_time + event_type), the event in the multipart field `json`.
    const object = jsonObject('the event hash is a field of the event');
    const event = (object.event ?? {}) as Record<string, unknown>;
    event.event_hash = createHmac('sha256', Buffer.from(secret!, 'utf8')).update(`${String(event.event_time ?? '')}${String(event.event_type ?? '')}`, 'utf8').digest('hex');
    object.event = event;
    const boundary = `----cdkwebhookreceiver${randomBytes(12).toString('hex')}`;
    body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${scheme.dropboxSign.field}"\r\n\r\n${JSON.stringify(object)}\r\n--${boundary}--\r\n`, 'utf8');
    headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`;
  } else if (scheme.jwt) {
    body = bodyBytes(bodyValue);
    headers[headerName(scheme.jwt.header)] = jwtFor(scheme.jwt, body, secret!, nowMs, deliveryId);
  } else if (scheme.token) {
    if (scheme.token.header) {
      body = bodyBytes(bodyValue);
      headers[headerName(scheme.token.header)] = secret!;
    } else {
      const object = jsonObject('the shared token is a field of the body');
      writeToken(object, scheme.token.jsonPath!, secret!);
      body = Buffer.from(JSON.stringify(object), 'utf8');
    }
  } else if (scheme.basicAuth) {
    body = bodyBytes(bodyValue);
    headers.Authorization = `Basic ${Buffer.from(secret!, 'utf8').toString('base64')}`;
  } else {
    throw new Error(`No signer for the scheme of provider "${id}".`);
  }

  const full = withQuery(url.base, query);
  return { provider: id, method: 'POST', url: full, path: new URL(full).pathname, query, headers, body, deliveryId: signedId, eventType: sample.eventTypes.length > 0 || options.eventType !== undefined ? eventType : undefined };
}

// ---------------------------------------------------------------------------------------------------------------

interface Resolved {
  readonly id: string;
  readonly kind: string;
  readonly scheme: SchemeConfig;
  readonly definition?: ProviderDefinition;
  readonly deliveryId?: ValueSourceConfig[];
  readonly eventType?: ValueSourceConfig;
  readonly publicUrl?: string;
  readonly certificates?: CertificateSettingsConfig;
}

/** `LOCAL_PAYPAL_CERTIFICATE_PATH` on the local receiver's origin: `url`'s when loopback, else the test receiver's. */
function localCertificateUrl(url: string): string {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (parsed.protocol === 'http:' && (host === '127.0.0.1' || host === '::1' || host === 'localhost')) {
    return `http://${host === '::1' ? '[::1]' : '127.0.0.1'}:${parsed.port || '80'}${LOCAL_PAYPAL_CERTIFICATE_PATH}`;
  }
  const origin = process.env[TEST_CERTIFICATE_ORIGIN_ENV];
  if (origin) return `${origin.replace(/\/+$/, '')}${LOCAL_PAYPAL_CERTIFICATE_PATH}`;
  throw new Error(
    'PayPal requests name the URL of their certificate, which only a local receiver serves (the dev server, or startTestReceiver): ' +
      'give url (the local receiver\'s http://127.0.0.1:<port>/... URL), or certificateUrl, or start the test receiver first.',
  );
}

function appStoreSettings(given: AppStoreSignOptions | undefined, certificates: CertificateSettingsConfig | undefined): Required<AppStoreSignOptions> {
  const claims = certificates?.claims ?? {};
  const bundleId = given?.bundleId ?? claims.bundleId;
  if (!bundleId) throw new Error("App Store notifications carry the app's bundle id: give appStore: { bundleId } (the bundleId of WebhookProvider.appStore()).");
  const environment = given?.environment ?? claims.environment ?? 'Sandbox';
  if (environment !== 'Sandbox' && environment !== 'Production') throw new Error(`appStore.environment must be Sandbox or Production, got "${environment}".`);
  const appAppleId = given?.appAppleId ?? (claims.appAppleId === undefined ? 1234567890 : Number(claims.appAppleId));
  if (!Number.isSafeInteger(appAppleId)) throw new Error(`appStore.appAppleId must be an integer, got ${String(appAppleId)}.`);
  return { bundleId, environment, appAppleId };
}

function resolveTarget(target: SignTarget): Resolved {
  if (typeof target === 'string') {
    const definition = Object.prototype.hasOwnProperty.call(CATALOG, target) ? CATALOG[target] : undefined;
    if (!definition) {
      throw new Error(`Unknown provider "${target}". Catalog providers: ${Object.keys(CATALOG).join(', ')}. For a generic scheme, pass the WebhookProvider itself.`);
    }
    return { id: target, kind: target, scheme: definition.scheme, definition };
  }
  if (target === null || typeof target !== 'object') throw new Error('The provider must be a catalog id (e.g. "stripe") or a WebhookProvider.');
  const config: ProviderLike = '_toConfig' in target && typeof target._toConfig === 'function' ? { ...target._toConfig(NO_URL), id: target.id, kind: target.kind } : target;
  const id = config.id ?? config.kind;
  if (!id) throw new Error('The provider object has neither an id nor a kind.');
  const kind = config.kind ?? id;
  if (kind === CUSTOM_KIND) {
    if (!config.scheme) throw new Error(`Provider "${id}" is a generic provider without its scheme.`);
    return { id, kind, scheme: config.scheme, deliveryId: config.deliveryId, eventType: config.eventType, publicUrl: publicUrlOf(config.publicUrl) };
  }
  const resolved = resolveTarget(kind);
  return { ...resolved, id, publicUrl: publicUrlOf(config.publicUrl), certificates: config.certificates };
}

/** The placeholder given to a WebhookProvider's `_toConfig` for the route's URL, which it returns when none is set. */
const NO_URL = 'https://no-public-url.invalid/';

function publicUrlOf(url: string | undefined): string | undefined {
  return url === NO_URL ? undefined : url;
}

const GENERIC_SAMPLE: SampleDefinition = {
  eventTypes: ['sample.event'],
  newId: () => `evt_${randomBytes(12).toString('hex')}`,
  build: ({ eventType, id, nowMs }) => ({ body: { id, type: eventType, created_at: new Date(nowMs).toISOString(), data: { object: { id: `obj_${randomBytes(6).toString('hex')}`, amount: 4200, currency: 'usd' } } } }),
};

function sampleOf(kind: string): SampleDefinition {
  if (kind === CUSTOM_KIND) return GENERIC_SAMPLE;
  const sample = SAMPLES[kind];
  if (!sample) throw new Error(`No sample event for provider "${kind}" (testing/samples.ts).`);
  return sample;
}

/** Header names as they read best: `x-github-event` -> `X-Github-Event`. */
function headerName(name: string): string {
  return name.split('-').map((part) => (part.length > 0 ? part[0].toUpperCase() + part.slice(1) : part)).join('-');
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase());
}

/** Sets the first header source to `value`, unless one of the sources is already set. */
function setHeaderSource(headers: Record<string, string>, sources: readonly ValueSourceConfig[], value: string): void {
  const named = sources.filter((source) => source.header !== undefined);
  if (named.length === 0 || sources[0].header === undefined) return;
  if (named.some((source) => hasHeader(headers, source.header!))) return;
  headers[headerName(named[0].header!)] = value;
}

/** For a generic provider: the delivery id and event type written where its configuration reads them. */
function withJsonSources(body: Record<string, unknown>, deliveryId: readonly ValueSourceConfig[], id: string, eventType: ValueSourceConfig | undefined, type: string | undefined): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  if (deliveryId[0]?.jsonPath) setPath(copy, deliveryId[0].jsonPath, id);
  if (eventType?.jsonPath && type) setPath(copy, eventType.jsonPath, type);
  return copy;
}

function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node: any = object;
  for (const part of parts.slice(0, -1)) {
    if (node[part] === null || typeof node[part] !== 'object') node[part] = {};
    node = node[part];
  }
  node[parts[parts.length - 1]] = value;
}

/** Writes the token at a path; where the path crosses an array (`value.clientState`), into every item. */
function writeToken(node: any, path: string, token: string): void {
  const [head, ...rest] = path.split('.');
  if (Array.isArray(node)) {
    for (const item of node) writeToken(item, path, token);
    return;
  }
  if (rest.length === 0) {
    node[head] = token;
    return;
  }
  if (node[head] === null || typeof node[head] !== 'object') node[head] = {};
  writeToken(node[head], rest.join('.'), token);
}

function parseUrl(text: string): { base: string; query: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`url must be an absolute http(s) URL, got "${text}".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`url must be an http or https URL, got "${text}".`);
  const [base, ...rest] = text.split('#')[0].split('?');
  return { base, query: rest.join('?') };
}

const withQuery = (base: string, query: string) => (query ? `${base}?${query}` : base);
const appendQuery = (query: string, pair: string) => (query ? `${query}&${pair}` : pair);

/** The path and query as Contentful's SDK normalises them (`getNormalizedEncodedURI`). */
function contentfulPath(url: string): string {
  const afterHost = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/';
  const [pathname, search] = afterHost.split('?');
  const escaped = search ? escapeQuery(search) : '';
  return encodeURI(escaped ? `${pathname}?${escaped}` : pathname);
}

/**
 * The key that signs, from the secret's value as the receiver's secret holds it: the value itself, or the first of a
 * JSON list (`["new", "old"]`), or `signingSecret` / the first of `signingSecrets` of a JSON object (Meta's
 * `{"signingSecret": ..., "verifyToken": ...}`), as the verifier reads it.
 */
function signingKeyOf(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      const first = (list: unknown) => (Array.isArray(list) ? list.find((item): item is string => typeof item === 'string' && item.trim() !== '') : undefined);
      const key = Array.isArray(parsed) ? first(parsed) : parsed && typeof parsed === 'object' ? ((parsed as Record<string, unknown>).signingSecret as string | undefined) ?? first((parsed as Record<string, unknown>).signingSecrets) : undefined;
      if (typeof key === 'string' && key.trim() !== '') return key.trim();
    } catch {
      // Not JSON after all: the value is the secret.
    }
  }
  return trimmed;
}

function splitKeyPair(secret: string, provider: string, shape: string): [string, string] {
  const at = secret.indexOf(':');
  if (at <= 0 || at === secret.length - 1) throw new Error(`The ${provider} secret must be "${shape}".`);
  return [secret.slice(0, at), secret.slice(at + 1)];
}

function privateKeyOf(given: KeyObject | string | undefined, algorithm: TestKeyAlgorithm): KeyObject {
  if (given === undefined) return localTestKeyPair(algorithm).privateKey;
  const key = typeof given === 'string' ? createPrivateKey(given) : given;
  const type = key.asymmetricKeyType;
  if (algorithm === 'ed25519' ? type !== 'ed25519' : type !== 'ec') {
    throw new Error(`privateKey must be an ${algorithm === 'ed25519' ? 'Ed25519' : 'ECDSA P-256'} private key, got ${type ?? key.type}.`);
  }
  return key;
}

interface SignatureInput {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly url: string;
  readonly query: string;
  readonly method: string;
  readonly id: string;
  readonly nowMs: number;
  readonly secret?: string;
  readonly privateKey?: KeyObject;
}

function timestampText(unit: 's' | 'ms' | 'rfc3339', nowMs: number): string {
  if (unit === 's') return String(Math.floor(nowMs / 1000));
  if (unit === 'ms') return String(Math.floor(nowMs));
  return new Date(nowMs).toISOString();
}

/** Adds the signature headers; returns the body as signed (Linear's carries the signing time). */
function signWithSignatureScheme(config: SignatureConfig, input: SignatureInput): Buffer {
  const { headers } = input;
  let body = input.body;
  const timestamp = config.timestamp ? timestampText(config.timestamp.unit, input.nowMs) : undefined;
  if (config.timestamp?.source === 'header') headers[headerName(config.timestamp.header!)] = timestamp!;
  if (config.timestamp?.source === 'jsonPath') {
    // Linear: the timestamp is a field of the signed body; the sample's value is the signing time already, unless
    // the caller gave bytes of their own.
    const object = JSON.parse(body.toString('utf8'));
    setPath(object, config.timestamp.jsonPath!, config.timestamp.unit === 'rfc3339' ? timestamp : Number(timestamp));
    body = Buffer.from(JSON.stringify(object), 'utf8');
  }
  const url = withQuery(input.url, input.query);
  const parts: Buffer[] = [];
  for (const piece of config.signedContent.split(/(\{body\}|\{timestamp\}|\{id\}|\{url\}|\{method\})/)) {
    if (piece === '{body}') parts.push(body);
    else if (piece === '{timestamp}') parts.push(Buffer.from(timestamp ?? '', 'utf8'));
    else if (piece === '{id}') parts.push(Buffer.from(input.id, 'utf8'));
    else if (piece === '{url}') parts.push(Buffer.from(url, 'utf8'));
    else if (piece === '{method}') parts.push(Buffer.from(input.method, 'utf8'));
    else if (piece !== '') parts.push(Buffer.from(piece, 'utf8'));
  }
  const content = Buffer.concat(parts);

  let signature: Buffer;
  if (config.algorithm === 'ed25519') signature = signBytes(null, content, input.privateKey!);
  else if (config.algorithm === 'ecdsa-p256-sha256') signature = signBytes('sha256', content, { key: input.privateKey!, dsaEncoding: 'der' });
  else {
    let secret = input.secret!;
    if (config.keyIdHeader) {
      const [keyId, keySecret] = splitKeyPair(secret, 'signing', '<key id>:<secret>');
      headers[headerName(config.keyIdHeader)] = keyId;
      secret = keySecret;
    }
    const material = config.keyPrefix && secret.startsWith(config.keyPrefix) ? secret.slice(config.keyPrefix.length) : secret;
    signature = createHmac(config.algorithm, Buffer.from(material, config.keyEncoding)).update(content).digest();
  }
  const encoded = config.encoding === 'base64url' ? signature.toString('base64url') : signature.toString(config.encoding);

  const format = config.format;
  let value: string;
  if (format.kind === 'keyValue') {
    const kv = format.keyValueSeparator ?? '=';
    const entries = [`${format.signatureKey}${kv}${encoded}`];
    if (format.timestampKey && config.timestamp?.source === 'signatureHeader') entries.unshift(`${format.timestampKey}${kv}${timestamp}`);
    value = entries.join(format.pairSeparator ?? ',');
  } else {
    value = `${format.prefix ?? ''}${encoded}`;
  }
  headers[headerName(config.header)] = value;
  return body;
}

function jwtFor(config: JwtConfig, body: Buffer, secret: string, nowMs: number, id: string): string {
  const now = Math.floor(nowMs / 1000);
  let key = secret;
  let issuer = config.issuer;
  if (config.issuerIsKeyId) {
    const [keyId, keySecret] = splitKeyPair(secret, 'JWT', '<key id>:<secret>');
    issuer = keyId;
    key = keySecret;
  }
  const digest = createHash(config.bodyHashAlgorithm).update(body).digest();
  const hash = config.bodyHashEncoding === 'base64url' ? digest.toString('base64url') : digest.toString(config.bodyHashEncoding);
  const claims: Record<string, unknown> = { iat: now, nbf: now, exp: now + 300, jti: id, ...(issuer === undefined ? {} : { iss: issuer }), [config.bodyHashClaim]: hash };
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const unsigned = `${segment({ alg: config.algorithm, typ: 'JWT' })}.${segment(claims)}`;
  const hashName = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[config.algorithm];
  const token = `${unsigned}.${createHmac(hashName, Buffer.from(key, 'utf8')).update(unsigned, 'ascii').digest('base64url')}`;
  return config.requireBearer ? `Bearer ${token}` : token;
}
