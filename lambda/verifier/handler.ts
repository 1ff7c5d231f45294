/**
 * The verifier: API Gateway event in, HTTP answer out. It screens the request (`limits.ts`), authenticates it
 * with the checks in `auth.ts`, answers handshakes (`handshakes.ts`), hands its events to `enqueue.ts` (inbox
 * claim, queue, enqueued record), and maps every outcome to a status code in `toResponse`.
 */
import { createHash } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type EventTimeConfig, type ResolvedProvider, type ValueSourceConfig, type VerifierConfig } from '../../contract/config';
import { METRIC } from '../../contract/metric-names';
import { describeError, type Logger } from '../shared/log';
import type { Metrics } from '../shared/metrics';
import {
  AuthenticationError,
  DeliveryInFlightError,
  ExpiredPreviousSecretError,
  InternalError,
  MalformedRequestError,
  PayloadTooLargeError,
  MethodNotAllowedError,
  UnknownRouteError,
  WebhookError,
} from './errors';
import { authenticationOf, enqueueDelivery, type VerifiedEvent } from './enqueue';
import { Inbox } from './inbox';
import type { BodyStore } from './body-store';
import { headerEntries, headerLookup, parseJsonBody, requestScreen } from './limits';
import type { Archive, ArchivedRequest } from './archive';
import { resolveProviders } from '../../catalog/providers';
import { redactSecrets } from './redact';
import { SecretCache, secretKeys } from './secrets';
import { nodeAt, prepare, valueAt, type Headers, type RequestView } from './auth';
import { messageGroupId } from './ordering';
import { normaliseEvent, type ApiGatewayEvent, type WebhookRequestEvent } from './request';
import { answerSigned, answerUnsigned, isSignedHandshake, isUnsignedHandshake, type HandshakeRequest, type HandshakeResponse } from './handshakes';

export interface VerifierDependencies {
  readonly config: VerifierConfig;
  readonly inbox: Inbox;
  readonly secrets: SecretCache;
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly log: Logger;
  /** @default - no metrics */
  readonly metrics?: Metrics;
  /** Where bodies too large for one queue message go. @default - they are refused (413) */
  readonly bodyStore?: BodyStore;
  /** The raw archive of a request to this provider. @default - nothing is archived */
  readonly archive?: (provider: ResolvedProvider, request: ArchivedRequest) => Archive;
  /** The certificate schemes' module (`x509.ts`), loaded on first use. @default - such providers fail (500) */
  readonly certificates?: () => typeof import('./x509');
  readonly now?: () => number;
}

/** Takes REST API (payload 1.0) and HTTP API (payload 2.0) events alike (`request.ts`). */
export type VerifierHandler = (event: ApiGatewayEvent) => Promise<APIGatewayProxyResult>;

const MAX_ID_LENGTH = 512;

export function createVerifier(deps: VerifierDependencies): VerifierHandler {
  const now = deps.now ?? Date.now;
  const providers = resolveProviders(deps.config.providers);
  const screen = requestScreen(deps.config);
  return async (received) => {
    const started = now();
    const event = normaliseEvent(received);
    const context = { requestId: event.requestContext?.requestId, route: event.resource };
    // The provider of the route, known even when the request is turned away before it is looked at.
    const provider = providers.get(event.resource)?.id;
    const progress: Progress = {};
    try {
      // Header count and size, media type: before anything else, and before any AWS call.
      screen(event);
      const { response, ...outcome } = await verifyAndEnqueue(deps, providers, event, started, progress);
      // The EMF document counts every delivery. A line for one only where an operator needs it: a delivery verified
      // with a previous secret version (the runbook's previous-secret query reads its secretVersion). Any other is
      // DEBUG, which Lambda writes only at the application log level DEBUG (the receiver's `logging.logDeliveries`).
      const handled = { ...context, ...outcome, durationMs: now() - started };
      if (outcome.secretVersion?.startsWith('previous')) deps.log.info('delivery handled', handled);
      else deps.log.debug?.('delivery handled', handled);
      deps.metrics?.emit(provider, deliveryMetrics(outcome.code, 200, progress.secretVersion, progress.payloadMismatches));
      if (response) {
        return { statusCode: response.statusCode, headers: { 'Content-Type': response.contentType }, body: response.body };
      }
      // A provider that wants its own words back (Dropbox Sign): a constant, so no answer of ours signs anything.
      const replyBody = providers.get(event.resource)?.replyBody;
      if (replyBody !== undefined) return { statusCode: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: replyBody };
      return json(200, {
        ok: true,
        code: outcome.code,
        deliveryId: outcome.deliveryId,
        ...(outcome.events !== undefined ? { events: outcome.events, enqueued: outcome.enqueued } : {}),
      });
    } catch (error) {
      const response = toResponse(error);
      const fields = { ...context, status: response.statusCode, code: codeOf(error), error: describeError(error), durationMs: now() - started };
      if (response.statusCode >= 500) deps.log.error('delivery failed', fields);
      else deps.log.warn('delivery rejected', fields);
      deps.metrics?.emit(provider, deliveryMetrics(fields.code, response.statusCode, progress.secretVersion, progress.payloadMismatches));
      return response;
    }
  };
}

/** How far a request got, for the metrics of a request that fails after its signature was verified. */
interface Progress {
  /** The label of the key that verified the signature (`current`, `previous#2`, ...). */
  secretVersion?: string;
  /** Events of the request whose id was seen before with another payload. */
  payloadMismatches?: number;
}

/**
 * The one place where an outcome (or error) code becomes metrics: the verifier counters that are 1 for this request
 * (PayloadMismatch: how many), and none at 0. A counter left out is no data point, which the alarms and the
 * dashboard read as 0 (FILL); the EMF document stays small. Received = Enqueued + Duplicate + Handshake + Ignored +
 * Rejected + InFlight + InternalError, and Rejected is the sum of its four reasons. RejectedSignature is split in
 * two: no or malformed signature (scanner noise) and a well-formed one that matches no key (a wrong or rotated
 * secret, or a forgery); RejectedExpiredPreviousSecret is the part of the latter that a retired previous secret would
 * have matched.
 */
export function deliveryMetrics(code: string, status: number, secretVersion: string | undefined, payloadMismatches = 0): Record<string, number> {
  const values: Record<string, number> = {};
  const outcome = outcomeMetric(code, status);
  values[METRIC.received] = 1;
  values[outcome] = 1;
  if (outcome.startsWith(METRIC.rejected)) values[METRIC.rejected] = 1;
  // (Codes, not secrets: a switch keeps test/timing.test.ts's scan for === on secret-derived values meaningful.)
  switch (code) {
    case 'signature_missing':
    case 'signature_malformed':
      values[METRIC.rejectedSignatureMissing] = 1;
      break;
    case 'signature_mismatch':
    case 'verify_token_mismatch':
      values[METRIC.rejectedSignatureMismatch] = 1;
      break;
    case 'previous_secret_expired':
      values[METRIC.rejectedSignatureMismatch] = 1;
      values[METRIC.rejectedExpiredPreviousSecret] = 1;
      break;
  }
  if (secretVersion !== undefined) {
    values[METRIC.verified] = 1;
    if (secretVersion.startsWith('previous')) values[METRIC.matchedPreviousSecret] = 1;
  }
  if (payloadMismatches > 0) values[METRIC.payloadMismatch] = payloadMismatches;
  return values;
}

function outcomeMetric(code: string, status: number): string {
  switch (code) {
    case 'accepted':
      return METRIC.enqueued;
    case 'duplicate':
      return METRIC.duplicate;
    case 'handshake':
      return METRIC.handshake;
    case 'ignored':
      return METRIC.ignored;
    case 'delivery_in_flight':
      return METRIC.inFlight;
    case 'body_too_large':
      return METRIC.rejectedTooLarge;
  }
  if (status >= 500) return METRIC.internalError;
  if (code.startsWith('timestamp_')) return METRIC.rejectedStale;
  // signature_missing, signature_malformed, signature_mismatch, verify_token_mismatch, previous_secret_expired
  if (status === 401) return METRIC.rejectedSignature;
  // body_malformed, body_not_byte_exact, delivery_id_invalid, dedup_key_missing, handshake_malformed (400), unknown_route (404), method_not_allowed (405),
  // unsupported_media_type (415), headers_too_large (431)
  return METRIC.rejectedMalformed;
}

interface Outcome {
  readonly code: 'accepted' | 'duplicate' | 'handshake' | 'ignored';
  /** For a body of several events: how many it carried, and how many were queued now. */
  readonly events?: number;
  readonly enqueued?: number;
  readonly provider: string;
  readonly deliveryId?: string;
  readonly eventType?: string;
  readonly secretVersion?: string;
  /** A handshake's own answer. */
  readonly response?: HandshakeResponse;
}

async function verifyAndEnqueue(
  deps: VerifierDependencies,
  providers: Map<string, ResolvedProvider>,
  event: WebhookRequestEvent,
  nowMs: number,
  progress: Progress,
): Promise<Outcome> {
  const { config } = deps;
  const body = readBody(event, config.maxBodyBytes);
  const provider = providers.get(event.resource);
  if (!provider) {
    throw new UnknownRouteError('No webhook provider is configured at this path.');
  }
  if (!provider.methods.includes(event.httpMethod)) {
    throw new MethodNotAllowedError(provider.methods);
  }
  const headers = headerLookup(event);
  const query = queryLookup(event);
  const parseJson = lazyJson(provider.multipartJsonField === undefined ? body : () => multipartJson(body, headers.get('content-type'), provider.multipartJsonField!));
  const handshakeRequest: HandshakeRequest = { method: event.httpMethod, query: query.get, header: headers.get, json: parseJson };

  if (isUnsignedHandshake(provider.handshake, handshakeRequest)) {
    // X's CRC answer is an HMAC under the current secret: right after a rotation, a cached one would be wrong.
    // Re-reads stay bounded to one per refresh interval.
    const values =
      provider.handshake === 'x'
        ? ((await deps.secrets.refresh(provider.secretId!)) ?? (await deps.secrets.get(provider.secretId!)))
        : await deps.secrets.get(provider.secretId!);
    const secret = secretKeys(values);
    const response = answerUnsigned(provider.handshake!, handshakeRequest, secret.keys, secret.verifyToken);
    return { code: 'handshake', provider: provider.id, response };
  }
  if (event.httpMethod !== 'POST') {
    throw new MethodNotAllowedError(['POST']);
  }

  // Everything up to the secret read costs no AWS call: size, route, headers, timestamp window, JSON.
  if (provider.jsonBody) parseJson();
  const fields = extractFields(provider, headers, body, parseJson);
  // Refused here, before any AWS call, unless the request carries no event to key: a handshake, or an event of a
  // type that is ignored.
  const keyed = provider.dedupKey && !isSignedHandshake(provider.handshake, handshakeRequest) && !isHandshakeType(provider, fields.eventType) && !isIgnored(provider, fields.eventType)
    ? dedupIdOf(provider.dedupKey, fields.eventType, readerOf(headers, parseJson, body))
    : undefined;
  const request: RequestView = {
    body,
    headers,
    method: event.httpMethod,
    rawQuery: query.raw,
    publicUrl: provider.publicUrl,
    id: fields.deliveryId,
    json: parseJson,
  };
  // Schemes verified by certificates (PayPal, Apple) hold no secret: their module checks them whole.
  const byCertificate = provider.scheme.certificateUrl !== undefined || provider.scheme.x5cJws !== undefined;
  const check = byCertificate ? await certificateModule(deps).prepareCertificates(provider.scheme, request, nowMs, { AuthenticationError, InternalError }) : prepare(provider.scheme, request, nowMs);

  // A JWK set is public (`WebhookProvider.jwks`): nothing secret to read either.
  const keyless = byCertificate || provider.scheme.jwks?.keySource === 'jwks';
  let secret = byCertificate ? CERTIFICATE_KEYS : keyless ? JWKS_KEYS : secretKeys(await deps.secrets.get(provider.secretId!));
  let match = await check.match(secret.keys);
  if (match < 0) {
    // Perhaps the secret was rotated since we cached it.
    const fresh = keyless ? undefined : await deps.secrets.refresh(provider.secretId!);
    if (fresh) {
      secret = secretKeys(fresh);
      match = await check.match(secret.keys);
    }
  }
  if (match < 0) {
    // The same answer either way; the log line and metrics tell a provider still signing with a retired secret.
    if (secret.expiredKeys.length > 0 && (await check.match(secret.expiredKeys)) >= 0) throw new ExpiredPreviousSecretError();
    throw new AuthenticationError('signature_mismatch', 'The signature does not match the request.');
  }
  progress.secretVersion = secret.labels[match];
  const bodySha256 = createHash('sha256').update(body).digest('hex');
  const deliveryId = keyed ?? fields.deliveryId ?? `sha256:${bodySha256}`;
  const base = { provider: provider.id, deliveryId, eventType: fields.eventType, secretVersion: secret.labels[match] };

  const handshake = answerSigned(provider.handshake, handshakeRequest, secret.keys[match]);
  if (handshake) {
    return { code: 'handshake', ...base, response: handshake };
  }
  if (isHandshakeType(provider, fields.eventType)) {
    return { code: 'handshake', ...base };
  }
  // Of a type the endpoint does not take: acknowledged, counted, and not written anywhere.
  if (isIgnored(provider, fields.eventType)) {
    return { code: 'ignored', ...base };
  }

  // An empty list is the provider's check that the endpoint answers (LINE's "Verify"): nothing to enqueue.
  if (provider.items?.emptyIsHandshake && isEmptyItems(provider, parseJson())) {
    return { code: 'handshake', ...base, events: 0, enqueued: 0 };
  }

  // No secret travels in the queue: a token carried in the body (Graph's clientState) is replaced here.
  const { body: queued, redactions } = redactSecrets(provider, body);
  const all: VerifiedEvent[] = provider.items
    ? itemEvents(provider, parseJson())
    : [{
        deliveryId,
        ...(keyed !== undefined && fields.deliveryId !== undefined ? { providerDeliveryId: fields.deliveryId } : {}),
        eventType: fields.eventType,
        eventTime: provider.eventTime && eventTimeOf(provider.eventTime, readerOf(headers, parseJson, body)),
        payloadSha256: bodySha256,
      }];
  // Items of a body of several events are filtered one by one.
  const events = provider.items && provider.eventTypes ? all.filter((e) => e.eventType !== undefined && provider.eventTypes!.includes(e.eventType)) : all;
  if (events.length === 0) {
    return { code: 'ignored', ...base, deliveryId: all[0].deliveryId, events: all.length, enqueued: 0 };
  }
  const result = await enqueueDelivery(
    {
      inbox: deps.inbox,
      sqs: deps.sqs,
      queueUrl: config.queueUrl,
      maxMessageBytes: config.maxMessageBytes,
      log: deps.log,
      bodyStore: deps.bodyStore,
      archive: deps.archive?.(provider, { method: event.httpMethod, path: event.path ?? event.resource, headers: headerEntries(event) }),
    },
    {
      provider: provider.id,
      events,
      body: queued,
      redactions,
      bodySha256,
      contentType: headers.get('content-type'),
      auth: authenticationOf(provider.scheme),
      signedAt: check.timestamp,
      dedupWindowSeconds: provider.dedupWindowSeconds,
      // Under a dedupKey, other bodies under one key are expected (an order's later events), not a mismatch.
      payloadMayDiffer: keyed !== undefined,
      messageGroupId: config.ordering ? messageGroupId(provider.id, entityKeyOf(config.ordering.entityKeys[provider.id], headers, parseJson)) : undefined,
      nowMs,
    },
  );
  progress.payloadMismatches = result.payloadMismatches;
  return {
    code: result.code,
    ...base,
    ...(provider.items ? { deliveryId: events[0].deliveryId, events: all.length, enqueued: result.enqueued } : {}),
  };
}

/** The keys of a provider verified by certificates: one, matched by the certificate check, labelled as such. */
const CERTIFICATE_KEYS = { keys: [''], labels: ['certificate'], expiredKeys: [] as string[] };

/** The keys of a provider verified by a public JWK set: one, matched by the key the token names, labelled as such. */
const JWKS_KEYS = { keys: [''], labels: ['jwks'], expiredKeys: [] as string[] };

function certificateModule(deps: VerifierDependencies): typeof import('./x509') {
  if (!deps.certificates) throw new Error('This verifier was built without its certificate module.');
  return deps.certificates();
}

/**
 * The events of a body that carries several (Adyen's notification items), each with its own id and a hash of its
 * own JSON, so an item repeated in a later body is a duplicate and a new one is not.
 */
function itemEvents(provider: ResolvedProvider, json: unknown): VerifiedEvent[] {
  const items = provider.items!;
  const list = items.jsonPath === '' ? json : nodeAt(json, items.jsonPath);
  if (!Array.isArray(list) || list.length === 0) {
    throw new MalformedRequestError('body_malformed', `The body has no events at ${items.jsonPath || 'its top level'}.`);
  }
  // Items without an id of their own are keyed by their JSON together with the body's batch value (Pusher's
  // `time_ms`): a retry of the body repeats both; the same event in a later batch does not.
  const batch = items.hashWith !== undefined ? valueAt(json, items.hashWith) : undefined;
  if (items.hashWith !== undefined && batch === undefined) {
    throw new MalformedRequestError('delivery_id_missing', `The body has no ${items.hashWith}, which keys its events.`);
  }
  return list.map((item: unknown, index) => {
    const itemJson = JSON.stringify(item);
    const id = items.deliveryId
      ? (items.deliveryId.jsonPath !== undefined ? valueAt(item, items.deliveryId.jsonPath) : joined(item, items.deliveryId.jsonPaths))
      : `sha256:${createHash('sha256').update(JSON.stringify([batch, item])).digest('hex')}`;
    if (id === undefined) {
      throw new MalformedRequestError('delivery_id_missing', `Event ${index} of the body has no id.`);
    }
    checkDeliveryId(id);
    const type = items.eventType && (items.eventType.jsonPath !== undefined ? valueAt(item, items.eventType.jsonPath) : joined(item, items.eventType.jsonPaths));
    return {
      deliveryId: id,
      eventType: type?.slice(0, 256),
      payloadSha256: createHash('sha256').update(itemJson).digest('hex'),
      item: { index, count: list.length },
    };
  });
}

/** Whether the body's list of events is there and empty. */
function isEmptyItems(provider: ResolvedProvider, json: unknown): boolean {
  const path = provider.items!.jsonPath;
  const list = path === '' ? json : nodeAt(json, path);
  return Array.isArray(list) && list.length === 0;
}

function joined(item: unknown, paths: readonly string[] | undefined): string | undefined {
  if (!paths) return undefined;
  const parts = paths.map((path) => valueAt(item, path));
  return parts.every((part) => part !== undefined) ? parts.join(':') : undefined;
}


function readBody(event: WebhookRequestEvent, maxBodyBytes: number): Buffer {
  const raw = event.body ?? '';
  if (event.bodyNotByteExact) {
    // An HTTP API hands text media types over as a string: bytes that were not UTF-8 may have been replaced.
    throw new MalformedRequestError(
      'body_not_byte_exact',
      'The body arrived as text with U+FFFD or a lone surrogate in it: its bytes may have been altered on the way, so it cannot be verified. Send it with a non-text media type, or use a REST API receiver.',
    );
  }
  if (!event.isBase64Encoded) {
    const body = Buffer.from(raw, 'utf8');
    if (body.length > maxBodyBytes) throw tooLarge(maxBodyBytes);
    return body;
  }
  // Reject on the encoded length first: no need to decode 10 MB to learn it is too large.
  if (Math.floor((raw.length * 3) / 4) - 2 > maxBodyBytes) throw tooLarge(maxBodyBytes);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw) || raw.length % 4 !== 0) {
    throw new MalformedRequestError('body_malformed', 'The request body is not valid base64.');
  }
  const body = Buffer.from(raw, 'base64');
  if (body.length > maxBodyBytes) throw tooLarge(maxBodyBytes);
  return body;
}

function tooLarge(maxBodyBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The body is larger than ${maxBodyBytes} bytes.`);
}

function queryLookup(event: WebhookRequestEvent): { get: (name: string) => string | undefined; raw: string } {
  const params = event.multiValueQueryStringParameters ?? {};
  const single = event.queryStringParameters ?? {};
  // An HTTP API hands over the query string as sent.
  if (event.rawQueryString !== undefined) return { get: (name) => single[name] ?? undefined, raw: event.rawQueryString };
  // REST APIs hand over decoded parameters only; re-encode them in the order received.
  const raw = Object.entries(params)
    .flatMap(([name, values]) => (values ?? []).map((value) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`))
    .join('&');
  return { get: (name) => single[name] ?? undefined, raw };
}

/** The bytes of a multipart field (`multipart.js`, loaded on first use); 400 `body_malformed` when there is none. */
function multipartJson(body: Buffer, contentType: string | undefined, field: string): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const found = (require('./multipart.js') as typeof import('./multipart')).multipartField(body, contentType, field);
  if ('error' in found) throw new MalformedRequestError('body_malformed', found.error);
  return found.value;
}

/** The request's JSON: of the body, or of the bytes `source` gives (a multipart field). */
function lazyJson(source: Buffer | (() => Buffer)): () => unknown {
  let parsed: unknown;
  let done = false;
  return () => {
    if (!done) {
      parsed = parseJsonBody(typeof source === 'function' ? source() : source);
      done = true;
    }
    return parsed;
  };
}

interface Fields {
  /** The provider's delivery id; undefined when it sends none (the body's hash is used). */
  readonly deliveryId?: string;
  readonly eventType?: string;
}

type Read = (source: ValueSourceConfig) => string | undefined;

/** Reads request values: headers, and fields of the JSON body (a body that is not JSON has none). */
function readerOf(headers: Headers, json: () => unknown, body?: Buffer): Read {
  const payloads = new Map<string, unknown>();
  const read: Read = (source) => {
    if (source.header !== undefined) return headers.get(source.header) || undefined;
    if (source.inJws !== undefined) {
      // A field of a JWS's payload (Apple's signedPayload): decoded here, used only once the scheme verified it.
      if (!payloads.has(source.inJws)) payloads.set(source.inJws, jwsPayloadOf(read({ jsonPath: source.inJws })));
      const payload = payloads.get(source.inJws);
      if (source.jsonPaths !== undefined) {
        const parts = source.jsonPaths.map((path) => valueAt(payload, path));
        return parts.every((part) => part !== undefined) ? parts.join(':') : undefined;
      }
      return source.jsonPath === undefined ? undefined : valueAt(payload, source.jsonPath);
    }
    if (source.jsonPaths !== undefined) {
      const parts = source.jsonPaths.map((path) => read({ jsonPath: path }));
      return parts.every((part) => part !== undefined) ? parts.join(':') : undefined;
    }
    if (source.formFieldSha256 !== undefined) {
      const value = body && new URLSearchParams(body.toString('utf8')).get(source.formFieldSha256)?.replace(/\n+$/, '');
      return value ? `sha256:${createHash('sha256').update(value, 'utf8').digest('hex')}` : undefined;
    }
    if (source.jsonPath !== undefined) {
      // A body that is not JSON has no such field (Slack's form-encoded slash commands): the body's hash keys
      // it. Schemes that need JSON to authenticate say so themselves.
      try {
        return valueAt(json(), source.jsonPath);
      } catch (error) {
        if (error instanceof MalformedRequestError) return undefined;
        throw error;
      }
    }
    return undefined;
  };
  return read;
}

/** The JSON payload of a compact JWS, unverified; undefined when it is not one. */
function jwsPayloadOf(token: string | undefined): unknown {
  const parts = token?.split('.');
  if (!parts || parts.length !== 3) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function extractFields(provider: ResolvedProvider, headers: Headers, body: Buffer, json: () => unknown): Fields {
  const read = readerOf(headers, json, body);

  let deliveryId: string | undefined;
  for (const source of provider.deliveryId) {
    deliveryId = read(source);
    if (deliveryId !== undefined) break;
  }
  if (deliveryId !== undefined) checkDeliveryId(deliveryId);
  // Event types that are not JSON-ish ids are still only labels: keep them short.
  let eventType: string | undefined;
  for (const source of provider.eventType && body.length > 0 ? [provider.eventType].flat() : []) {
    eventType = read(source)?.slice(0, 256);
    if (eventType !== undefined) break;
  }
  return { deliveryId, eventType };
}

function checkDeliveryId(deliveryId: string): void {
  if (deliveryId.length > MAX_ID_LENGTH || /[\u0000-\u001f]/.test(deliveryId)) {
    throw new MalformedRequestError('delivery_id_invalid', `The delivery id is longer than ${MAX_ID_LENGTH} characters or has control characters.`);
  }
}

/** The one place where an error becomes an HTTP answer. */
export function toResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof WebhookError) {
    const headers: Record<string, string> | undefined =
      error instanceof DeliveryInFlightError
        ? { 'Retry-After': String(error.retryAfterSeconds) }
        : error instanceof MethodNotAllowedError
          ? { Allow: error.allowed.join(', ') }
          : undefined;
    return json(error.status, { ok: false, error: error.code, message: error.message }, headers);
  }
  return json(500, { ok: false, error: 'internal_error', message: 'Internal error; retry later.' });
}

/** The code in the log line and the metrics: the answer's, except where only the log may tell the case. */
function codeOf(error: unknown): string {
  if (error instanceof ExpiredPreviousSecretError) return error.logCode;
  return error instanceof WebhookError ? error.code : 'internal_error';
}

function json(statusCode: number, body: unknown, headers?: Record<string, string>): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

function isHandshakeType(provider: ResolvedProvider, eventType: string | undefined): boolean {
  return eventType !== undefined && provider.handshakeEventTypes?.includes(eventType) === true;
}

/** An event of a type the provider's `eventTypes` leaves out (or of none); bodies of several are filtered by item. */
function isIgnored(provider: ResolvedProvider, eventType: string | undefined): boolean {
  if (!provider.eventTypes || provider.items) return false;
  return eventType === undefined || !provider.eventTypes.includes(eventType);
}

/**
 * `dedup:` and the SHA-256 (hex) of the dedup key's values in order, as a JSON array of strings (a canonical join:
 * no value can run into the next). A value that is missing or empty refuses the request.
 */
function dedupIdOf(sources: readonly ValueSourceConfig[], eventType: string | undefined, read: Read): string {
  const values = sources.map((source) => {
    const value = source.eventType ? eventType : read(source);
    if (value === undefined || value === '') {
      throw new MalformedRequestError('dedup_key_missing', `The request has no ${describeSource(source)}, which the provider's dedupKey needs.`);
    }
    return value;
  });
  return `dedup:${createHash('sha256').update(JSON.stringify(values)).digest('hex')}`;
}

function describeSource(source: ValueSourceConfig): string {
  if (source.eventType) return 'event type';
  if (source.header !== undefined) return `header ${source.header}`;
  return `body field ${source.jsonPath ?? source.jsonPaths?.join(' + ')}`;
}

/**
 * The provider's own time of the event as ISO-8601; undefined when it is absent or not a time (it is information
 * for the processor, not a reason to refuse a verified event).
 */
function eventTimeOf(config: EventTimeConfig, read: Read): string | undefined {
  const raw = read(config);
  if (raw === undefined) return undefined;
  let ms: number;
  if (config.unit === 'rfc3339') {
    if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/.test(raw)) return undefined;
    ms = Date.parse(raw);
  } else {
    if (!/^\d{1,16}(\.\d+)?$/.test(raw)) return undefined;
    ms = Math.round(Number(raw) * (config.unit === 's' ? 1000 : 1));
  }
  const time = new Date(ms);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** The request's entity key for its message group; undefined (the provider's fallback group) when it has none. */
function entityKeyOf(source: ValueSourceConfig | undefined, headers: Headers, json: () => unknown): string | undefined {
  return source ? readerOf(headers, json)(source) : undefined;
}
