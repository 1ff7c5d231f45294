/**
 * The verifier: API Gateway event in, HTTP answer out. It adapts the request to the pure checks in
 * `signature.ts`, claims the delivery in the inbox, enqueues it, and maps every outcome to a status code in
 * `toResponse`.
 */
import { createHash } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ENVELOPE_VERSION, type Envelope, type ResolvedProvider, type ValueSourceConfig, type VerifierConfig } from '../../lib/private/config';
import { encodeBody, serializeEnvelope } from '../shared/envelope';
import { inboxKey } from '../shared/inbox-schema';
import { describeError, type Logger } from '../shared/log';
import {
  AuthenticationError,
  DeliveryInFlightError,
  InternalError,
  MalformedRequestError,
  PayloadTooLargeError,
  UnknownRouteError,
  WebhookError,
} from './errors';
import { Inbox } from './inbox';
import { resolveProviders } from './providers';
import { SecretCache, VERSION_LABELS } from './secrets';
import { matchingSecret, readClaim, signedContent, type Headers } from './signature';

export interface VerifierDependencies {
  readonly config: VerifierConfig;
  readonly inbox: Inbox;
  readonly secrets: SecretCache;
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly log: Logger;
  readonly now?: () => number;
}

export type VerifierHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const MAX_ID_LENGTH = 512;

export function createVerifier(deps: VerifierDependencies): VerifierHandler {
  const now = deps.now ?? Date.now;
  const providers = resolveProviders(deps.config.providers);
  return async (event) => {
    const started = now();
    const context = { requestId: event.requestContext?.requestId, route: event.resource };
    try {
      const outcome = await verifyAndEnqueue(deps, providers, event, started);
      deps.log.info('delivery handled', { ...context, ...outcome, durationMs: now() - started });
      return json(200, { ok: true, code: outcome.code, deliveryId: outcome.deliveryId });
    } catch (error) {
      const response = toResponse(error);
      const fields = { ...context, status: response.statusCode, code: codeOf(error), error: describeError(error), durationMs: now() - started };
      if (response.statusCode >= 500) deps.log.error('delivery failed', fields);
      else deps.log.warn('delivery rejected', fields);
      return response;
    }
  };
}

interface Outcome {
  readonly code: 'accepted' | 'duplicate' | 'handshake';
  readonly provider: string;
  readonly deliveryId: string;
  readonly eventType?: string;
  readonly secretVersion: string;
}

async function verifyAndEnqueue(
  deps: VerifierDependencies,
  providers: Map<string, ResolvedProvider>,
  event: APIGatewayProxyEvent,
  nowMs: number,
): Promise<Outcome> {
  const { config } = deps;
  const body = readBody(event, config.maxBodyBytes);
  const provider = providers.get(event.resource);
  if (!provider) {
    throw new UnknownRouteError('No webhook provider is configured at this path.');
  }
  const headers = headerLookup(event);

  // Everything up to here, and the claim and body checks below, costs no AWS call.
  const claim = readClaim(provider.hmac, headers, nowMs);
  const fields = extractFields(provider, headers, body);
  const content = signedContent(provider.hmac, body, { timestamp: claim.timestamp, id: fields.deliveryId });

  let secrets = await deps.secrets.get(provider.secretId);
  let match = matchingSecret(provider.hmac, claim, content, secrets);
  if (match < 0) {
    // Perhaps the secret was rotated since we cached it.
    const fresh = await deps.secrets.refresh(provider.secretId);
    if (fresh) {
      secrets = fresh;
      match = matchingSecret(provider.hmac, claim, content, secrets);
    }
  }
  if (match < 0) {
    throw new AuthenticationError('signature_mismatch', 'The signature does not match the body.');
  }
  const secretVersion = VERSION_LABELS[match] ?? `#${match}`;
  const base = { provider: provider.id, deliveryId: fields.deliveryId, eventType: fields.eventType, secretVersion };

  if (fields.eventType !== undefined && provider.handshakeEventTypes?.includes(fields.eventType)) {
    return { code: 'handshake', ...base };
  }

  const key = inboxKey(provider.id, fields.deliveryId);
  const receivedAt = new Date(nowMs).toISOString();
  const envelope = (forceBase64: boolean): Envelope => ({
    v: ENVELOPE_VERSION,
    provider: provider.id,
    deliveryId: fields.deliveryId,
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
      deliveryId: fields.deliveryId,
      eventType: fields.eventType,
      receivedAt,
      expiresAt: Math.floor(nowMs / 1000) + provider.dedupWindowSeconds,
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
        deliveryId: fields.deliveryId,
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
  for (const [name, value] of Object.entries(event.headers ?? {})) {
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

interface Fields {
  readonly deliveryId: string;
  readonly eventType?: string;
}

function extractFields(provider: ResolvedProvider, headers: Headers, body: Buffer): Fields {
  let parsed: unknown;
  let isParsed = false;
  const jsonBody = () => {
    if (!isParsed) {
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new MalformedRequestError('body_malformed', 'The request body is not valid JSON.');
      }
      isParsed = true;
    }
    return parsed;
  };
  const read = (source: ValueSourceConfig): string | undefined => {
    if (source.header !== undefined) return headers.get(source.header) || undefined;
    if (source.jsonPath !== undefined) return scalarAt(jsonBody(), source.jsonPath);
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
  const eventType = provider.eventType ? read(provider.eventType)?.slice(0, 256) : undefined;
  return {
    deliveryId: deliveryId ?? `sha256:${createHash('sha256').update(body).digest('hex')}`,
    eventType,
  };
}

function scalarAt(value: unknown, path: string): string | undefined {
  let current = value;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return typeof current === 'string' || typeof current === 'number' ? String(current) : undefined;
}

/** The one place where an error becomes an HTTP answer. */
export function toResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof WebhookError) {
    const headers = error instanceof DeliveryInFlightError ? { 'Retry-After': String(error.retryAfterSeconds) } : undefined;
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
