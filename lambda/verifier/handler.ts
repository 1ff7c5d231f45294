/**
 * The verifier: API Gateway event in, HTTP answer out. It adapts the request to the pure checks in
 * `signature.ts`, claims the delivery in the inbox, enqueues it, and maps every outcome to a status code in
 * `toResponse`.
 */
import { createHash } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ENVELOPE_VERSION, type Envelope, type ResolvedProvider, type ValueSourceConfig, type VerifierConfig } from '../../contract/config';
import { METRIC, VERIFIER_COUNTERS } from '../../contract/metric-names';
import { encodeBody, serializeEnvelope } from '../shared/envelope';
import { inboxKey } from '../shared/inbox-schema';
import { describeError, type Logger } from '../shared/log';
import type { Metrics } from '../shared/metrics';
import {
  AuthenticationError,
  DeliveryInFlightError,
  InternalError,
  MalformedRequestError,
  PayloadTooLargeError,
  MethodNotAllowedError,
  UnknownRouteError,
  WebhookError,
} from './errors';
import { Inbox } from './inbox';
import { parseJsonBody, requestScreen } from './limits';
import { resolveProviders } from '../../catalog/providers';
import { SecretCache, secretKeys } from './secrets';
import { prepare, valueAt, type Headers, type RequestView } from './auth';
import { answerSigned, answerUnsigned, isUnsignedHandshake, type HandshakeRequest, type HandshakeResponse } from './handshakes';

export interface VerifierDependencies {
  readonly config: VerifierConfig;
  readonly inbox: Inbox;
  readonly secrets: SecretCache;
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly log: Logger;
  /** @default - no metrics */
  readonly metrics?: Metrics;
  readonly now?: () => number;
}

export type VerifierHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const MAX_ID_LENGTH = 512;

export function createVerifier(deps: VerifierDependencies): VerifierHandler {
  const now = deps.now ?? Date.now;
  const providers = resolveProviders(deps.config.providers);
  const screen = requestScreen(deps.config);
  return async (event) => {
    const started = now();
    const context = { requestId: event.requestContext?.requestId, route: event.resource };
    // The provider of the route, known even when the request is turned away before it is looked at.
    const provider = providers.get(event.resource)?.id;
    const progress: Progress = {};
    try {
      // Header count and size, media type: before anything else, and before any AWS call.
      screen(event);
      const { response, ...outcome } = await verifyAndEnqueue(deps, providers, event, started, progress);
      deps.log.info('delivery handled', { ...context, ...outcome, durationMs: now() - started });
      deps.metrics?.emit(provider, deliveryMetrics(outcome.code, 200, progress.secretVersion));
      if (response) {
        return { statusCode: response.statusCode, headers: { 'Content-Type': response.contentType }, body: response.body };
      }
      return json(200, { ok: true, code: outcome.code, deliveryId: outcome.deliveryId });
    } catch (error) {
      const response = toResponse(error);
      const fields = { ...context, status: response.statusCode, code: codeOf(error), error: describeError(error), durationMs: now() - started };
      if (response.statusCode >= 500) deps.log.error('delivery failed', fields);
      else deps.log.warn('delivery rejected', fields);
      deps.metrics?.emit(provider, deliveryMetrics(fields.code, response.statusCode, progress.secretVersion));
      return response;
    }
  };
}

/** How far a request got, for the metrics of a request that fails after its signature was verified. */
interface Progress {
  /** The label of the key that verified the signature (`current`, `previous#2`, ...). */
  secretVersion?: string;
}

/**
 * The one place where an outcome (or error) code becomes metrics: every verifier counter, 0 or 1, so each period
 * has a value for each and rates are defined. Received = Enqueued + Duplicate + Handshake + Rejected + InFlight +
 * InternalError, and Rejected is the sum of its four reasons.
 */
export function deliveryMetrics(code: string, status: number, secretVersion: string | undefined): Record<string, number> {
  const values: Record<string, number> = Object.fromEntries(VERIFIER_COUNTERS.map((name) => [name, 0]));
  const outcome = outcomeMetric(code, status);
  values[METRIC.received] = 1;
  values[outcome] = 1;
  if (outcome.startsWith(METRIC.rejected)) values[METRIC.rejected] = 1;
  if (secretVersion !== undefined) {
    values[METRIC.verified] = 1;
    if (secretVersion.startsWith('previous')) values[METRIC.matchedPreviousSecret] = 1;
  }
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
    case 'delivery_in_flight':
      return METRIC.inFlight;
    case 'body_too_large':
      return METRIC.rejectedTooLarge;
  }
  if (status >= 500) return METRIC.internalError;
  if (code.startsWith('timestamp_')) return METRIC.rejectedStale;
  // signature_missing, signature_malformed, signature_mismatch, verify_token_mismatch
  if (status === 401) return METRIC.rejectedSignature;
  // body_malformed, delivery_id_invalid, handshake_malformed (400), unknown_route (404), method_not_allowed (405)
  return METRIC.rejectedMalformed;
}

interface Outcome {
  readonly code: 'accepted' | 'duplicate' | 'handshake';
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
  event: APIGatewayProxyEvent,
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
  const parseJson = lazyJson(body);
  const handshakeRequest: HandshakeRequest = { method: event.httpMethod, query: query.get, header: headers.get, json: parseJson };

  if (isUnsignedHandshake(provider.handshake, handshakeRequest)) {
    // X's CRC answer is an HMAC under the current secret: right after a rotation, a cached one would be wrong.
    // Re-reads stay bounded to one per refresh interval.
    const values =
      provider.handshake === 'x'
        ? ((await deps.secrets.refresh(provider.secretId)) ?? (await deps.secrets.get(provider.secretId)))
        : await deps.secrets.get(provider.secretId);
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
  const request: RequestView = {
    body,
    headers,
    method: event.httpMethod,
    rawQuery: query.raw,
    publicUrl: provider.publicUrl,
    id: fields.deliveryId,
    json: parseJson,
  };
  const check = prepare(provider.scheme, request, nowMs);

  let secret = secretKeys(await deps.secrets.get(provider.secretId));
  let match = check.match(secret.keys);
  if (match < 0) {
    // Perhaps the secret was rotated since we cached it.
    const fresh = await deps.secrets.refresh(provider.secretId);
    if (fresh) {
      secret = secretKeys(fresh);
      match = check.match(secret.keys);
    }
  }
  if (match < 0) {
    throw new AuthenticationError('signature_mismatch', 'The signature does not match the request.');
  }
  progress.secretVersion = secret.labels[match];
  const deliveryId = fields.deliveryId ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const base = { provider: provider.id, deliveryId, eventType: fields.eventType, secretVersion: secret.labels[match] };

  const handshake = answerSigned(provider.handshake, handshakeRequest, secret.keys[match]);
  if (handshake) {
    return { code: 'handshake', ...base, response: handshake };
  }
  if (fields.eventType !== undefined && provider.handshakeEventTypes?.includes(fields.eventType)) {
    return { code: 'handshake', ...base };
  }

  const key = inboxKey(provider.id, deliveryId);
  const receivedAt = new Date(nowMs).toISOString();
  const envelope = (forceBase64: boolean): Envelope => ({
    v: ENVELOPE_VERSION,
    provider: provider.id,
    deliveryId,
    key,
    eventType: fields.eventType,
    receivedAt,
    signatureVerified: true,
    contentType: headers.get('content-type'),
    ...encodeBody(body, forceBase64),
  });
  let message = serializeEnvelope(envelope(false));
  if (Buffer.byteLength(message, 'utf8') > config.maxMessageBytes) {
    // Text full of escaped characters can grow up to six-fold; base64 grows by a third at most.
    message = serializeEnvelope(envelope(true));
  }
  if (Buffer.byteLength(message, 'utf8') > config.maxMessageBytes) {
    throw new PayloadTooLargeError('The body does not fit in one queue message.');
  }

  const claimed = await deps.inbox.claim(
    {
      key,
      provider: provider.id,
      deliveryId,
      eventType: fields.eventType,
      receivedAt,
      expiresAt: Math.floor(nowMs / 1000) + provider.dedupWindowSeconds,
      signedAt: check.timestamp,
    },
    nowMs,
  );
  if (claimed.outcome === 'done') {
    return { code: 'duplicate', ...base };
  }
  if (claimed.outcome === 'in_flight') {
    throw new DeliveryInFlightError(claimed.retryAfterSeconds);
  }

  try {
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: config.queueUrl, MessageBody: message }));
  } catch (error) {
    // Nothing was enqueued: give the claim back so the provider's retry goes through.
    await deps.inbox.release(key, claimed.token).catch((releaseError: unknown) => {
      deps.log.error('release after failed enqueue failed; the lease will expire', {
        provider: provider.id,
        deliveryId,
        error: describeError(releaseError),
      });
    });
    throw new InternalError('enqueue_failed', 'The event could not be queued; retry later.', { cause: error, status: 503 });
  }
  return { code: 'accepted', ...base };
}

function readBody(event: APIGatewayProxyEvent, maxBodyBytes: number): Buffer {
  const raw = event.body ?? '';
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

function headerLookup(event: APIGatewayProxyEvent): Headers {
  const map = new Map<string, string>();
  const entries = Object.entries(event.headers ?? {});
  for (const [name, value] of entries) {
    if (value !== undefined) map.set(name.toLowerCase(), value);
  }
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (values && values.length > 1) {
      // A header sent twice is ambiguous; keep neither value.
      map.set(name.toLowerCase(), '');
    }
  }
  return { get: (name) => map.get(name.toLowerCase()) };
}

function queryLookup(event: APIGatewayProxyEvent): { get: (name: string) => string | undefined; raw: string } {
  const params = event.multiValueQueryStringParameters ?? {};
  const single = event.queryStringParameters ?? {};
  // REST APIs hand over decoded parameters only; re-encode them in the order received.
  const raw = Object.entries(params)
    .flatMap(([name, values]) => (values ?? []).map((value) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`))
    .join('&');
  return { get: (name) => single[name] ?? undefined, raw };
}

function lazyJson(body: Buffer): () => unknown {
  let parsed: unknown;
  let done = false;
  return () => {
    if (!done) {
      parsed = parseJsonBody(body);
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

function extractFields(provider: ResolvedProvider, headers: Headers, body: Buffer, json: () => unknown): Fields {
  const read = (source: ValueSourceConfig): string | undefined => {
    if (source.header !== undefined) return headers.get(source.header) || undefined;
    if (source.jsonPaths !== undefined) {
      const parts = source.jsonPaths.map((path) => read({ jsonPath: path }));
      return parts.every((part) => part !== undefined) ? parts.join(':') : undefined;
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

  let deliveryId: string | undefined;
  for (const source of provider.deliveryId) {
    deliveryId = read(source);
    if (deliveryId !== undefined) break;
  }
  if (deliveryId !== undefined && (deliveryId.length > MAX_ID_LENGTH || /[\u0000-\u001f]/.test(deliveryId))) {
    throw new MalformedRequestError('delivery_id_invalid', `The delivery id is longer than ${MAX_ID_LENGTH} characters or has control characters.`);
  }
  // Event types that are not JSON-ish ids are still only labels: keep them short.
  let eventType: string | undefined;
  for (const source of provider.eventType && body.length > 0 ? [provider.eventType].flat() : []) {
    eventType = read(source)?.slice(0, 256);
    if (eventType !== undefined) break;
  }
  return { deliveryId, eventType };
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

function codeOf(error: unknown): string {
  return error instanceof WebhookError ? error.code : 'internal_error';
}

function json(statusCode: number, body: unknown, headers?: Record<string, string>): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
