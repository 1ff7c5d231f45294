/**
 * The processor side: `import { webhookProcessor } from 'cdk-webhook-receiver/runtime'`.
 *
 * Turns an SQS batch from the receiver's queue into verified webhook events, calls your function once per
 * event, reports failures item by item (so one bad event never redelivers its neighbours), and marks each
 * finished event DONE in the inbox, so a redelivered, already-finished event is skipped.
 */
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ENVELOPE_VERSION, INBOX_TABLE_ENV, type Envelope } from '../../contract/config';
import { METRIC, METRICS_NAMESPACE_ENV, METRICS_RECEIVER_ENV, PROCESSOR_COUNTERS } from '../../contract/metric-names';
import { decodeBody } from '../shared/envelope';
import { DONE, INBOX } from '../shared/inbox-schema';
import { describeError, jsonLogger, type Logger } from '../shared/log';
import { emfMetrics, type Metrics } from '../shared/metrics';

/** One verified delivery, as your function receives it. */
export interface WebhookEvent {
  /** The provider id given to the receiver (e.g. `stripe`). */
  readonly provider: string;
  /** The provider's delivery id, or `sha256:<hex>` of the body for providers that send none. */
  readonly deliveryId: string;
  /** The provider's event type, when it sends one. */
  readonly eventType?: string;
  /** When the verifier accepted the request. */
  readonly receivedAt: Date;
  /** Always true: unverified requests never reach the queue. */
  readonly signatureVerified: true;
  readonly contentType?: string;
  /** The exact request body bytes the signature covered. */
  readonly body: Buffer;
  /** How many times SQS has handed out this message (1 on the first attempt). */
  readonly receiveCount: number;
  /** The SQS message id. */
  readonly messageId: string;
  /** The body parsed as JSON. Throws if it is not JSON. */
  json<T = unknown>(): T;
  /** The body as UTF-8 text. */
  text(): string;
}

export type WebhookEventHandler = (event: WebhookEvent) => Promise<void> | void;

export interface WebhookProcessorOptions {
  /** @default - the table named by the `WEBHOOK_INBOX_TABLE` environment variable, which the construct sets */
  readonly tableName?: string;
  /** @default - a client for the function's region */
  readonly dynamodb?: Pick<DynamoDBClient, 'send'>;
  /** How long a finished record is kept when the verifier's record has gone. @default 30 days */
  readonly doneRetentionSeconds?: number;
  /** @default - JSON lines on stdout */
  readonly logger?: Logger;
}

/** Thrown for a message that is not an envelope written by the verifier. */
export class InvalidEnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEnvelopeError';
  }
}

let defaultClient: DynamoDBClient | undefined;

/**
 * Wraps your function into an SQS handler with item-by-item failure reporting. Each event also writes one line of
 * CloudWatch metrics (Embedded Metric Format) when `WEBHOOK_METRICS_NAMESPACE` and `WEBHOOK_METRICS_RECEIVER` are
 * set, as the construct sets them: Processed, ProcessingFailed, SkippedAsDone and EventAge.
 */
export function webhookProcessor(
  fn: WebhookEventHandler,
  options: WebhookProcessorOptions = {},
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const log = options.logger ?? jsonLogger();
  const retentionSeconds = options.doneRetentionSeconds ?? 30 * 24 * 3600;
  return async (batch) => {
    const tableName = options.tableName ?? process.env[INBOX_TABLE_ENV];
    if (!tableName) {
      throw new Error(`No inbox table: set ${INBOX_TABLE_ENV} or pass tableName.`);
    }
    const dynamodb = options.dynamodb ?? (defaultClient ??= new DynamoDBClient({}));
    const metrics = metricsFromEnvironment();
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of batch.Records) {
      let envelope: Envelope | undefined;
      try {
        envelope = parseEnvelope(record.body);
        const outcome = await processRecord(record, envelope, fn, dynamodb, tableName, retentionSeconds, log);
        metrics?.emit(envelope.provider, outcome === SKIPPED ? eventMetrics(METRIC.skippedAsDone) : eventMetrics(METRIC.processed, outcome.ageMs));
      } catch (error) {
        log.error('webhook event failed', { messageId: record.messageId, provider: envelope?.provider, deliveryId: envelope?.deliveryId, error: describeError(error) });
        metrics?.emit(envelope?.provider, eventMetrics(METRIC.processingFailed));
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

/** Metrics go where the construct says; without its environment (a processor not wired by it), nowhere. */
function metricsFromEnvironment(): Metrics | undefined {
  const namespace = process.env[METRICS_NAMESPACE_ENV];
  const receiver = process.env[METRICS_RECEIVER_ENV];
  return namespace && receiver ? emfMetrics({ namespace, receiver }) : undefined;
}

/** Every processor counter, 0 or 1, and the event's age when it was processed. */
function eventMetrics(outcome: string, ageMs?: number): Record<string, number> {
  const values: Record<string, number> = Object.fromEntries(PROCESSOR_COUNTERS.map((name) => [name, 0]));
  values[outcome] = 1;
  if (ageMs !== undefined) values[METRIC.eventAge] = ageMs;
  return values;
}

const SKIPPED = 'skipped';

async function processRecord(
  record: SQSRecord,
  envelope: Envelope,
  fn: WebhookEventHandler,
  dynamodb: Pick<DynamoDBClient, 'send'>,
  tableName: string,
  retentionSeconds: number,
  log: Logger,
): Promise<typeof SKIPPED | { ageMs?: number }> {
  const key = { [INBOX.key]: { S: envelope.key } };
  const existing = await dynamodb.send(
    new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true, ProjectionExpression: '#s', ExpressionAttributeNames: { '#s': INBOX.status } }),
  );
  const fields = { provider: envelope.provider, deliveryId: envelope.deliveryId, messageId: record.messageId };
  if (existing.Item?.[INBOX.status]?.S === DONE) {
    log.info('webhook event skipped: already done', fields);
    return SKIPPED;
  }

  const body = decodeBody(envelope);
  await fn({
    provider: envelope.provider,
    deliveryId: envelope.deliveryId,
    eventType: envelope.eventType,
    receivedAt: new Date(envelope.receivedAt),
    signatureVerified: true,
    contentType: envelope.contentType,
    body,
    receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? '1'),
    messageId: record.messageId,
    json: () => JSON.parse(body.toString('utf8')),
    text: () => body.toString('utf8'),
  });

  const nowMs = Date.now();
  await dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: key,
      UpdateExpression: 'SET #s = :done, #doneAt = :now, #exp = if_not_exists(#exp, :exp) REMOVE #lease, #token',
      ExpressionAttributeNames: {
        '#s': INBOX.status,
        '#doneAt': INBOX.doneAt,
        '#exp': INBOX.expiresAt,
        '#lease': INBOX.leaseUntil,
        '#token': INBOX.leaseToken,
      },
      ExpressionAttributeValues: {
        ':done': { S: DONE },
        ':now': { S: new Date(nowMs).toISOString() },
        ':exp': { N: String(Math.floor(nowMs / 1000) + retentionSeconds) },
      },
    }),
  );
  const ageMs = nowMs - Date.parse(envelope.receivedAt);
  log.info('webhook event processed', { ...fields, ageMs });
  // A clock a little ahead on the verifier's side must not make a negative age.
  return { ageMs: Number.isFinite(ageMs) ? Math.max(0, ageMs) : undefined };
}

function parseEnvelope(raw: string): Envelope {
  let value: Partial<Envelope>;
  try {
    value = JSON.parse(raw) as Partial<Envelope>;
  } catch {
    throw new InvalidEnvelopeError('The message body is not JSON.');
  }
  if (
    value?.v !== ENVELOPE_VERSION ||
    typeof value.key !== 'string' ||
    typeof value.provider !== 'string' ||
    typeof value.deliveryId !== 'string' ||
    typeof value.body !== 'string' ||
    (value.bodyEncoding !== 'utf8' && value.bodyEncoding !== 'base64')
  ) {
    throw new InvalidEnvelopeError('The message is not a webhook envelope of this version.');
  }
  return value as Envelope;
}
