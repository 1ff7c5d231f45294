/**
 * The processor side: `import { webhookProcessor } from 'cdk-webhook-receiver/runtime'`.
 *
 * Turns an SQS batch from the receiver's queue into verified webhook events and calls your function once per
 * event, under real timing: SQS may hand out a message twice, and a provider's retry may put a second message for
 * the same event in the queue. Each event's processing is claimed in the inbox with one conditional write before
 * your function runs (a lease that ends shortly after this invocation could), marked DONE after it returns, and
 * released when it throws, so the retry can run as soon as SQS hands the message out again. Failures are reported
 * item by item, so one bad event never redelivers its neighbours.
 */
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createHash, randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  ENVELOPE_VERSION,
  INBOX_TABLE_ENV,
  LEGACY_ENVELOPE_VERSION,
  type AuthenticationMethod,
  type BodyRef,
  type Envelope,
  type EnvelopeItem,
  type EventOrigin,
  type LegacyEnvelope,
} from '../../contract/config';
import { DEV_ERRORS_ENV } from '../../contract/dev';
import { METRIC, METRICS_NAMESPACE_ENV, METRICS_RECEIVER_ENV } from '../../contract/metric-names';
import { decodeBody } from '../shared/envelope';
import { CLAIMED, DONE, ENQUEUED, INBOX, PENDING, PROCESSING, replayClaimKey } from '../shared/inbox-schema';
import { describeError, jsonLogger, type Logger } from '../shared/log';
import { emfMetrics, type Metrics } from '../shared/metrics';
import { admitNewer, type NewerWinsOptions } from './newer-wins';

export type { NewerWinsOptions } from './newer-wins';
export { InvalidEntityIdError, InvalidEventTimeError } from './newer-wins';

/** One verified delivery, as your function receives it. */
export interface WebhookEvent {
  /** The provider id given to the receiver (e.g. `stripe`). */
  readonly provider: string;
  /**
   * The event's id: the provider's delivery id, an item's own id for a body of several events, `dedup:<hex>` for a
   * provider with a `dedupKey`, or `sha256:<hex>` of the body for providers that send none.
   */
  readonly deliveryId: string;
  /** With a `dedupKey`: the provider's own delivery id of the request that carried the event, when it sends one. */
  readonly providerDeliveryId?: string;
  /** The provider's event type, when it sends one. */
  readonly eventType?: string;
  /** When the verifier accepted the request. */
  readonly receivedAt: Date;
  /** The provider's own time of the event, for providers that send one (the README's catalog table says where). */
  readonly eventTime?: Date;
  /**
   * How the request was authenticated: `hmac`, `public-key`, `shared-token` or `basic-auth`; `provider-api` for an
   * event the reconciler fetched from the provider's API with the receiver's credential (`origin: 'reconciliation'`).
   */
  readonly authentication: AuthenticationMethod;
  /** True when the request carried a signature over its body (HMAC or public key), so `body` is what was signed. */
  readonly signatureVerified: boolean;
  /**
   * `delivery`: a request the verifier authenticated; `replay`: an archived delivery an operator re-enqueued (run
   * even when the event was processed before, at most once per replay run: `replayRunId`);
   * `reconciliation`: found in the provider's API by the reconciler, no delivery having brought it (`body` is the
   * event as the API returned it, not a signed body).
   */
  readonly origin: EventOrigin;
  /** With `origin: 'replay'`: the operator's replay run. */
  readonly replayRunId?: string;
  readonly contentType?: string;
  /** The exact request body bytes the verifier received, except values listed in `redactions`. */
  readonly body: Buffer;
  /** SHA-256 (hex) of the bytes received, before any redaction; absent for messages of envelope version 1. */
  readonly bodySha256?: string;
  /** For a body that carries several events (Adyen): which item this event is. `itemJson()` parses it. */
  readonly item?: EnvelopeItem;
  /** JSON paths whose secret values were replaced in `body` (Microsoft Graph's `clientState`). */
  readonly redactions: readonly string[];
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
  /**
   * The client that fetches bodies the verifier stored in S3 (too large for one queue message). The default one is
   * created, and `@aws-sdk/client-s3` loaded, only when such a body arrives.
   *
   * @default - a client for the function's region
   */
  readonly s3?: Pick<S3Client, 'send'>;
  /** How long a finished record is kept when the verifier's record has gone. @default 30 days */
  readonly doneRetentionSeconds?: number;
  /** @default - JSON lines on stdout */
  readonly logger?: Logger;
  /**
   * Stop starting new records when the invocation has less than this left, in milliseconds; the rest of the batch
   * goes back to the queue untouched. @default - a tenth of the time the invocation had when it started, at most 5 s
   */
  readonly stopBeforeTimeoutMs?: number;
  /**
   * How long a processing claim outlives the invocation's deadline, in milliseconds, to cover clock skew between
   * hosts. Without a Lambda context (a test calling the handler directly) the lease is this plus 15 minutes, the
   * longest a Lambda function can run. @default 5000
   */
  readonly leaseMarginMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * "Newer wins": an event older than the last one processed for its entity (`entityId`) is acknowledged without
   * running your function, and counted as SkippedAsOlder. See the README's "Newer wins".
   *
   * @default - every event runs, whatever its time
   */
  readonly newerWins?: NewerWinsOptions;
}

/** Thrown when a body stored in S3 is not the one the message points to (its size or SHA-256 differ). */
export class BodyIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyIntegrityError';
  }
}

/** Thrown for a message that is not an envelope written by the verifier. */
export class InvalidEnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEnvelopeError';
  }
}

let defaultClient: DynamoDBClient | undefined;
let defaultS3: S3Client | undefined;

/** The bytes of a body stored in S3 by the verifier, checked against the pointer's size and SHA-256. */
async function fetchBody(ref: BodyRef, client: Pick<S3Client, 'send'> | undefined): Promise<Buffer> {
  // Loaded on first use: a processor that never receives a stored body never evaluates the S3 client.
  const { GetObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const s3 = client ?? (defaultS3 ??= new S3Client({}));
  const out = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  if (!out.Body) throw new BodyIntegrityError(`s3://${ref.bucket}/${ref.key} has no body.`);
  const bytes = Buffer.from(await out.Body.transformToByteArray());
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== ref.size || sha256 !== ref.sha256) {
    throw new BodyIntegrityError(`s3://${ref.bucket}/${ref.key} is ${bytes.length} bytes with SHA-256 ${sha256}; the message expects ${ref.size} bytes with SHA-256 ${ref.sha256}.`);
  }
  return bytes;
}

/** The longest a Lambda invocation can run. */
const MAX_INVOCATION_MS = 15 * 60 * 1000;

/**
 * Wraps your function into an SQS handler with item-by-item failure reporting. Each event also writes one line of
 * CloudWatch metrics (Embedded Metric Format) when `WEBHOOK_METRICS_NAMESPACE` and `WEBHOOK_METRICS_RECEIVER` are
 * set, as the construct sets them: Processed, ProcessingFailed, SkippedAsDone, SkippedAsDuplicate,
 * InProgressElsewhere, NotStartedBeforeTimeout and EventAge; SkippedAsOlder with `newerWins`, GroupStopped for
 * records of a FIFO queue.
 *
 * On a FIFO queue (records with a `MessageGroupId`) a message group stops at its first failure: the failed record
 * and every later record of its group in the batch go back to the queue (GroupStopped), other groups go on.
 */
export function webhookProcessor(
  fn: WebhookEventHandler,
  options: WebhookProcessorOptions = {},
): (event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<SQSBatchResponse> {
  const log = options.logger ?? jsonLogger();
  const retentionSeconds = options.doneRetentionSeconds ?? 30 * 24 * 3600;
  const leaseMarginMs = options.leaseMarginMs ?? 5000;
  const now = options.now ?? Date.now;
  return async (batch, context) => {
    const tableName = options.tableName ?? process.env[INBOX_TABLE_ENV];
    if (!tableName) {
      throw new Error(`No inbox table: set ${INBOX_TABLE_ENV} or pass tableName.`);
    }
    const inbox = new ProcessingInbox(options.dynamodb ?? (defaultClient ??= new DynamoDBClient({})), tableName, retentionSeconds);
    const metrics = metricsFromEnvironment();
    const remaining = () => context?.getRemainingTimeInMillis() ?? MAX_INVOCATION_MS;
    const stopBelowMs = options.stopBeforeTimeoutMs ?? Math.min(5000, Math.floor(remaining() / 10));
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    // FIFO: groups with a failed record in this batch; their later records must not overtake it.
    const stoppedGroups = new Set<string>();
    const fail = (record: SQSRecord) => {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      const group = record.attributes?.MessageGroupId;
      if (group !== undefined) stoppedGroups.add(group);
    };
    for (const record of batch.Records) {
      const group = record.attributes?.MessageGroupId;
      if (group !== undefined && stoppedGroups.has(group)) {
        log.info('webhook event not started: an earlier event of its message group failed', { messageId: record.messageId });
        metrics?.emit(undefined, eventMetrics(METRIC.groupStopped, undefined));
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      if (context && remaining() < stopBelowMs) {
        // Too close to the deadline to finish: give the record back untouched rather than strand a claim.
        log.warn('webhook event not started: the invocation is about to time out', { messageId: record.messageId });
        metrics?.emit(undefined, eventMetrics(METRIC.notStartedBeforeTimeout, undefined));
        fail(record);
        continue;
      }
      let envelope: Envelope | LegacyEnvelope | undefined;
      try {
        envelope = parseEnvelope(record.body);
        const leaseUntil = now() + remaining() + leaseMarginMs;
        const outcome = await processRecord(record, envelope, fn, inbox, leaseUntil, now, log, options.s3, options.newerWins);
        if (outcome.kind === 'retry') fail(record);
        metrics?.emit(envelope.provider, eventMetrics(outcome.metric, outcome.ageMs));
      } catch (error) {
        log.error('webhook event failed', {
          messageId: record.messageId,
          provider: envelope?.provider,
          deliveryId: envelope?.deliveryId,
          error: describeError(error),
          // The local dev server and test kit (never set in AWS) show the processor's own message.
          ...(process.env[DEV_ERRORS_ENV] === '1' && error instanceof Error ? { errorMessage: error.message.slice(0, 500) } : {}),
        });
        metrics?.emit(envelope?.provider, eventMetrics(METRIC.processingFailed, undefined));
        fail(record);
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

/**
 * The event's one outcome counter at 1, and its age when it was processed. Counters at 0 are left out: no data point,
 * which the alarms and the dashboard read as 0 (FILL), and a smaller EMF document per event.
 */
function eventMetrics(outcome: string, ageMs?: number): Record<string, number> {
  const values: Record<string, number> = { [outcome]: 1 };
  if (ageMs !== undefined) values[METRIC.eventAge] = ageMs;
  return values;
}

interface RecordOutcome {
  /** `done`: the message may be deleted; `retry`: return it to the queue (a batch item failure). */
  readonly kind: 'done' | 'retry';
  readonly metric: string;
  readonly ageMs?: number;
}

async function processRecord(
  record: SQSRecord,
  envelope: Envelope | LegacyEnvelope,
  fn: WebhookEventHandler,
  inbox: ProcessingInbox,
  leaseUntil: number,
  now: () => number,
  log: Logger,
  s3: Pick<S3Client, 'send'> | undefined,
  newerWins?: NewerWinsOptions,
): Promise<RecordOutcome> {
  const v2 = envelope.v === ENVELOPE_VERSION ? envelope : undefined;
  // A replay claims its own record (event key + run id): it runs once per run, whatever the event's own record says.
  const replayRunId = v2?.origin === 'replay' ? v2.replay!.runId : undefined;
  const claimKey = replayRunId !== undefined ? replayClaimKey(envelope.key, replayRunId) : envelope.key;
  const fields = { provider: envelope.provider, deliveryId: envelope.deliveryId, messageId: record.messageId, ...(replayRunId !== undefined ? { replayRunId } : {}) };
  const claim = await inbox.claim(claimKey, record.messageId, leaseUntil, now());
  if (claim.outcome === 'done') {
    log.info('webhook event skipped: already done', fields);
    return { kind: 'done', metric: METRIC.skippedAsDone };
  }
  if (claim.outcome === 'busy') {
    if (claim.messageId === record.messageId) {
      // SQS handed out this very message twice. Acknowledging this copy would delete the message while the other
      // invocation may still fail and need it: give it back; it is skipped as done when it returns.
      log.info('webhook event in progress in another invocation: returned to the queue', fields);
      return { kind: 'retry', metric: METRIC.inProgressElsewhere };
    }
    // Another message for the same event holds the claim; that message stays in the queue until its processing
    // succeeds (or rests in the dead-letter queue), so this one can go.
    log.info('webhook event skipped: another message of it is being processed', { ...fields, holder: claim.messageId });
    return { kind: 'done', metric: METRIC.skippedAsDuplicate };
  }

  const authentication: AuthenticationMethod = v2?.auth ?? 'hmac';
  try {
    // A stored body is fetched after the claim, so a copy skipped as done or duplicate costs no GetObject.
    const body = v2?.bodyRef ? await fetchBody(v2.bodyRef, s3) : decodeBody(envelope);
    const event: WebhookEvent = {
      provider: envelope.provider,
      deliveryId: envelope.deliveryId,
      eventType: envelope.eventType,
      receivedAt: new Date(envelope.receivedAt),
      eventTime: v2?.eventTime !== undefined ? new Date(v2.eventTime) : undefined,
      providerDeliveryId: v2?.providerDeliveryId,
      authentication,
      // Version 1 envelopes said `signatureVerified: true` for every authenticated request; they keep saying it.
      signatureVerified: v2 ? (v2.auth === 'hmac' || v2.auth === 'public-key') && v2.bodySigned : true,
      origin: v2?.origin ?? 'delivery',
      ...(replayRunId !== undefined ? { replayRunId } : {}),
      contentType: envelope.contentType,
      body,
      bodySha256: v2?.bodySha256,
      item: v2?.item,
      redactions: v2?.redactions ?? [],
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? '1'),
      messageId: record.messageId,
      json: () => JSON.parse(body.toString('utf8')),
      text: () => body.toString('utf8'),
    };
    if (newerWins && !(await inbox.admit(newerWins, event, envelope.key, now()))) {
      await inbox.markDone(envelope.key, now());
      log.info('webhook event skipped: its entity has a newer event', fields);
      return { kind: 'done', metric: METRIC.skippedAsOlder };
    }
    await fn(event);
  } catch (error) {
    // Give the claim back so the message's next receive runs at once instead of waiting out the lease.
    await inbox.release(claimKey, claim.token).catch((releaseError: unknown) => {
      log.error('release after a failed event failed; the lease will expire', { ...fields, error: describeError(releaseError) });
    });
    throw error;
  }

  const doneAt = now();
  await inbox.markDone(claimKey, doneAt);
  // A replay's age is the archive's, not the pipeline's delay: left out of EventAge.
  const ageMs = replayRunId !== undefined ? Number.NaN : doneAt - Date.parse(envelope.receivedAt);
  log.info('webhook event processed', { ...fields, ageMs });
  // A clock a little ahead on the verifier's side must not make a negative age.
  return { kind: 'done', metric: METRIC.processed, ageMs: Number.isFinite(ageMs) ? Math.max(0, ageMs) : undefined };
}

type ProcessingClaim =
  | { readonly outcome: 'claimed'; readonly token: string }
  | { readonly outcome: 'done' }
  | { readonly outcome: 'busy'; readonly messageId?: string };

/** The runtime's half of the inbox: a processing claim, its release, and DONE. */
class ProcessingInbox {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly tableName: string,
    private readonly retentionSeconds: number,
  ) {}

  /**
   * One conditional write: the event is ours to process unless it is DONE or another invocation's claim is live.
   * A missing record (the verifier released its claim after a send that did reach the queue, or TTL removed it)
   * is claimed too: the message is proof the event was verified.
   */
  async claim(key: string, messageId: string, leaseUntil: number, nowMs: number): Promise<ProcessingClaim> {
    const token = randomUUID();
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [INBOX.key]: { S: key } },
          UpdateExpression: 'SET #status = :processing, #lease = :leaseUntil, #token = :token, #msg = :msg, #exp = if_not_exists(#exp, :exp)',
          ConditionExpression: 'attribute_not_exists(#pk) OR #status IN (:claimed, :pending, :enqueued) OR (#status = :processing AND #lease < :now)',
          ExpressionAttributeNames: {
            '#pk': INBOX.key,
            '#status': INBOX.status,
            '#lease': INBOX.leaseUntil,
            '#token': INBOX.leaseToken,
            '#msg': INBOX.messageId,
            '#exp': INBOX.expiresAt,
          },
          ExpressionAttributeValues: {
            ':processing': { S: PROCESSING },
            ':leaseUntil': { N: String(leaseUntil) },
            ':token': { S: token },
            ':msg': { S: messageId },
            ':exp': { N: String(Math.floor(nowMs / 1000) + this.retentionSeconds) },
            ':claimed': { S: CLAIMED },
            ':pending': { S: PENDING },
            ':enqueued': { S: ENQUEUED },
            ':now': { N: String(nowMs) },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'claimed', token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // DynamoDB returns the holder's record; an emulator may not, so read it then.
      const holder = error.Item ?? (await this.read(key));
      if (holder?.[INBOX.status]?.S === DONE) return { outcome: 'done' };
      // PROCESSING with a live lease (or moved on between our write and our read: come back later).
      return { outcome: 'busy', messageId: holder?.[INBOX.messageId]?.S };
    }
  }

  /**
   * "Newer wins": whether the event may run, by one conditional write on its entity's record (before your function:
   * see `newer-wins.ts` for why). An event without an entity id or a time runs unchecked.
   */
  async admit(options: NewerWinsOptions, event: WebhookEvent, key: string, nowMs: number): Promise<boolean> {
    const id = options.entityId(event);
    if (id === undefined) return true;
    const time = options.eventTime ? options.eventTime(event) : event.eventTime;
    if (time === undefined) return true;
    const retentionSeconds = options.retentionSeconds ?? 30 * 24 * 3600;
    return admitNewer(this.client, this.tableName, { provider: event.provider, id }, { key, timeMs: time instanceof Date ? time.getTime() : NaN }, nowMs, retentionSeconds);
  }

  /** Returns a claim whose processing failed to ENQUEUED, so the message's next receive may claim it at once. */
  async release(key: string, token: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [INBOX.key]: { S: key } },
          UpdateExpression: 'SET #status = :enqueued REMOVE #lease, #token, #msg',
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#status': INBOX.status, '#lease': INBOX.leaseUntil, '#token': INBOX.leaseToken, '#msg': INBOX.messageId },
          ExpressionAttributeValues: { ':enqueued': { S: ENQUEUED }, ':token': { S: token } },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** DONE: every later message or delivery of the event is a duplicate. Unconditional: the function did run. */
  async markDone(key: string, nowMs: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { [INBOX.key]: { S: key } },
        UpdateExpression: 'SET #status = :done, #doneAt = :now, #exp = if_not_exists(#exp, :exp) REMOVE #lease, #token, #msg',
        ExpressionAttributeNames: {
          '#status': INBOX.status,
          '#doneAt': INBOX.doneAt,
          '#exp': INBOX.expiresAt,
          '#lease': INBOX.leaseUntil,
          '#token': INBOX.leaseToken,
          '#msg': INBOX.messageId,
        },
        ExpressionAttributeValues: {
          ':done': { S: DONE },
          ':now': { S: new Date(nowMs).toISOString() },
          ':exp': { N: String(Math.floor(nowMs / 1000) + this.retentionSeconds) },
        },
      }),
    );
  }

  private async read(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { [INBOX.key]: { S: key } }, ConsistentRead: true }));
    return out.Item;
  }
}

function parseEnvelope(raw: string): Envelope | LegacyEnvelope {
  let value: Partial<Envelope> | Partial<LegacyEnvelope>;
  try {
    value = JSON.parse(raw) as Partial<Envelope>;
  } catch {
    throw new InvalidEnvelopeError('The message body is not JSON.');
  }
  if (typeof value?.v === 'number' && value.v > ENVELOPE_VERSION) {
    throw new InvalidEnvelopeError(`The message is an envelope of version ${value.v}; this runtime reads versions up to ${ENVELOPE_VERSION}: upgrade the processor.`);
  }
  if (
    (value?.v !== ENVELOPE_VERSION && value?.v !== LEGACY_ENVELOPE_VERSION) ||
    typeof value.key !== 'string' ||
    typeof value.provider !== 'string' ||
    typeof value.deliveryId !== 'string' ||
    !(
      (typeof value.body === 'string' && (value.bodyEncoding === 'utf8' || value.bodyEncoding === 'base64')) ||
      (value.v === ENVELOPE_VERSION && value.bodyEncoding === 'ref' && isBodyRef((value as Partial<Envelope>).bodyRef))
    )
  ) {
    throw new InvalidEnvelopeError('The message is not a webhook envelope.');
  }
  if ((value as Partial<Envelope>).origin === 'replay') {
    const mark = (value as Partial<Envelope>).replay;
    if (typeof mark?.runId !== 'string' || mark.runId === '' || mark.runId.length > 256) {
      throw new InvalidEnvelopeError('The message is a replay without a run id (replay.runId, 1-256 characters).');
    }
  }
  return value as Envelope | LegacyEnvelope;
}

function isBodyRef(value: unknown): value is BodyRef {
  const ref = value as Partial<BodyRef> | undefined;
  return (
    typeof ref === 'object' &&
    ref !== null &&
    typeof ref.bucket === 'string' &&
    typeof ref.key === 'string' &&
    Number.isInteger(ref.size) &&
    typeof ref.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(ref.sha256)
  );
}
