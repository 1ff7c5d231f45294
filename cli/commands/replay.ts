/**
 * `cdk-webhook-receiver replay`: re-enqueues archived requests' events, chosen by provider, event type and time,
 * through the same envelope the verifier writes (`origin: 'replay'`, `replay: { runId, archiveKey }`), so the
 * processor runs them again even when they were done: once per replay run.
 *
 * Idempotent per run: before an event is sent, a run record `replay#<runId>#<event key>` is written to the inbox
 * table with a conditional write; an event whose record says it was sent is skipped, so running the same command
 * again enqueues nothing new. The run id is derived from the command's arguments, or given with `--run-id`.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { ARCHIVE_RECORD_VERSION, archiveDayPrefix, type ArchiveRecord } from '../../contract/archive';
import { REPLAY_RUN_KEY_PREFIX, type BodyRef, type Envelope } from '../../contract/config';
import { MAX_MESSAGE_BYTES } from '../../contract/limits';
import { bodyObjectKey } from '../../lambda/verifier/body-store';
import { messageDeduplicationId, messageGroupId } from '../../lambda/verifier/ordering';
import { encodeBody, serializeEnvelope } from '../../lambda/shared/envelope';
import { intFlag, listFlag, parse, parseTime } from '../shared/args';
import { awsClients, call, type Clients } from '../shared/aws';
import type { Command } from '../shared/command';
import { CommandError, sleep, UsageError, type Io } from '../shared/io';
import { Progress } from '../shared/progress';
import { findReceiver, RECEIVER_FLAGS, RECEIVER_HELP } from '../shared/receiver';

const GRANT = 'receiver.grantReplay(role)';
const DAY_MS = 86_400_000;

const HELP = `Usage: npx cdk-webhook-receiver replay --stack <name> [--receiver <id>] --since <time> [options]
       npx cdk-webhook-receiver replay --archive-bucket <name> --queue-url <url> --table-name <name> --since <time> [options]

Re-enqueues the events of archived requests (the receiver's raw archive) received between --since and --until,
through the same envelope the verifier writes, marked as replays: the processor runs each of them again, even
an event it already finished, once per replay run.

${RECEIVER_HELP}
  --archive-bucket <name>  the raw archive (default: the stack's archiveBucketName output)
  --queue-url <url>        where the events go (default: the stack's queueUrl output)
  --table-name <name>      the inbox table, which holds the run records (default: the stack's inboxTableName output)
  --body-bucket <name>     where a body too large for one message goes (default: the stack's bodyBucketName output)
  --body-key-prefix <p>    the key prefix of stored bodies (default: the stack's bodyKeyPrefix output)
  --archive-prefix <name>  the receiver's first key segment in the archive (default: the stack's archiveKeyPrefix
                           output, else the only one in the bucket)

Choosing events:
  --since <time>           required: ISO-8601 with a zone (2026-12-01T14:00:00Z), a date (2026-12-01, UTC),
                           or a duration before now (30m, 2h, 3d)
  --until <time>           the end of the range, excluded (default: now)
  --provider <id>          only this provider (repeatable, or comma-separated; default: every provider)
  --event-type <type>      only events of this type (repeatable, or comma-separated; default: every type)

Options:
  --run-id <id>            the replay run (default: derived from the arguments above, so running the same command
                           again enqueues nothing new; give a new id to replay the same events once more)
  --dry-run                send and write nothing: count what would be replayed, and what this run already did
  --max-per-second <n>     send at most n events per second (default: no limit)
  --run-record-days <n>    how long run records are kept in the inbox table (default 30): the same run repeated
                           within that time enqueues nothing new
  -h, --help               this help

A body too large for one queue message is stored in the body bucket (the verifier's claim check) when the
receiver has one, else the event is refused and listed. Nothing secret is printed: counts, providers, event
types and archive keys only.

Permissions: receiver.grantReplay(role) grants what this command calls.
Exit codes: 0 done, 1 failed or partly failed, 2 bad command line.`;

interface Selection {
  readonly since: number;
  readonly until: number;
  readonly providers: string[];
  readonly eventTypes: string[];
}

interface Target {
  readonly bucket: string;
  readonly prefix: string;
  readonly queueUrl: string;
  readonly tableName: string;
  readonly bodyBucket?: string;
  readonly bodyKeyPrefix?: string;
}

type Outcome = 'enqueued' | 'already' | 'tooLarge' | 'failed' | 'wouldEnqueue';

export const replay: Command = {
  name: 'replay',
  summary: 'replay archived events of a time range (by provider, event type) through the queue, once per run',
  help: HELP,
  async run(argv, io) {
    const flags = parse(argv, {
      ...RECEIVER_FLAGS,
      'archive-bucket': { type: 'string' },
      'queue-url': { type: 'string' },
      'table-name': { type: 'string' },
      'body-bucket': { type: 'string' },
      'body-key-prefix': { type: 'string' },
      'archive-prefix': { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      provider: { type: 'string', multiple: true },
      'event-type': { type: 'string', multiple: true },
      'run-id': { type: 'string' },
      'dry-run': { type: 'boolean' },
      'max-per-second': { type: 'string' },
      'run-record-days': { type: 'string' },
    });
    if (flags.help) {
      io.out.write(`${HELP}\n`);
      return 0;
    }
    if (flags.since === undefined) throw new UsageError('--since is required: where the range starts (2026-12-01T14:00:00Z, or 2h for two hours ago).');
    const now = io.now();
    const selection: Selection = {
      since: parseTime('since', flags.since, now),
      until: flags.until === undefined ? now : parseTime('until', flags.until, now),
      providers: listFlag(flags.provider),
      eventTypes: listFlag(flags['event-type']),
    };
    if (selection.until <= selection.since) {
      throw new UsageError(`--until (${new Date(selection.until).toISOString()}) must be after --since (${new Date(selection.since).toISOString()}).`);
    }
    const runId = flags['run-id'] ?? derivedRunId(flags, selection);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(runId)) throw new UsageError(`--run-id must be 1 to 64 letters, digits, dots, dashes or underscores, got "${runId}".`);
    const maxPerSecond = intFlag('max-per-second', flags['max-per-second'], undefined, 1, 3000);
    const recordDays = intFlag('run-record-days', flags['run-record-days'], 30, 1, 365)!;
    if (flags.stack === undefined && (flags['archive-bucket'] === undefined || flags['queue-url'] === undefined || flags['table-name'] === undefined)) {
      throw new UsageError('Say which receiver: --stack <name> [--receiver <id>], or --archive-bucket, --queue-url and --table-name.');
    }

    const clients = awsClients({ region: flags.region, profile: flags.profile });
    const found = await findReceiver(
      clients,
      flags,
      {
        archiveBucketName: flags['archive-bucket'],
        queueUrl: flags['queue-url'],
        inboxTableName: flags['table-name'],
        bodyBucketName: flags['body-bucket'],
        bodyKeyPrefix: flags['body-key-prefix'],
      },
      GRANT,
    );
    if (!found.archiveBucketName) {
      throw new CommandError(`The receiver (${found.source}) has no archive, so there is nothing to replay from. Set the receiver's archive option and deploy; requests received from then on can be replayed.`);
    }
    if (!found.queueUrl) throw new CommandError(`No queue URL in ${found.source}; pass --queue-url.`);
    if (!found.inboxTableName) throw new CommandError(`No inbox table in ${found.source}; pass --table-name (it keeps the replay run's records).`);
    const bucket = found.archiveBucketName;
    const target: Target = {
      bucket,
      prefix: flags['archive-prefix'] ?? found.archiveKeyPrefix ?? (await archivePrefix(clients, bucket, found.receiverPath)),
      queueUrl: found.queueUrl,
      tableName: found.inboxTableName,
      bodyBucket: found.bodyBucketName,
      bodyKeyPrefix: found.bodyKeyPrefix,
    };
    const providers = selection.providers.length > 0 ? selection.providers : await listProviders(clients, target);
    const range = `${new Date(selection.since).toISOString()} to ${new Date(selection.until).toISOString()}`;
    io.out.write(
      `Replay run ${runId}${flags['dry-run'] ? ' (dry run: nothing is sent or written)' : ''}: archive s3://${bucket}/${target.prefix}/, ${range}, ` +
        `providers ${providers.join(', ') || '(none archived)'}, event types ${selection.eventTypes.join(', ') || '(all)'}.\n`,
    );

    const keys: string[] = [];
    for (const provider of providers) keys.push(...(await listKeys(clients, target, provider, selection)));
    const counts: Record<Outcome, number> & { requests: number; outOfRange: number; otherTypes: number } = {
      requests: 0, outOfRange: 0, otherTypes: 0, enqueued: 0, already: 0, tooLarge: 0, failed: 0, wouldEnqueue: 0,
    };
    const tooLarge: string[] = [];
    const progress = new Progress(io, { label: 'archived requests', total: keys.length });
    const started = io.now();
    let sends = 0;
    let stop = false;
    const stopListening = io.onInterrupt(() => {
      stop = true;
    });
    try {
      for (const key of keys) {
        if (stop) break;
        const record = await readRecord(clients, bucket, key);
        const receivedAt = Date.parse(record.receivedAt);
        if (!(receivedAt >= selection.since && receivedAt < selection.until)) {
          counts.outOfRange += 1;
        } else {
          counts.requests += 1;
          for (const event of record.events) {
            if (selection.eventTypes.length > 0 && !selection.eventTypes.includes(event.eventType ?? '')) {
              counts.otherTypes += 1;
              continue;
            }
            if (maxPerSecond !== undefined) {
              const wait = started + (sends / maxPerSecond) * 1000 - io.now();
              if (wait > 0) await sleep(wait);
            }
            const outcome = await replayEvent(clients, target, { runId, key, record, event, dryRun: flags['dry-run'] === true, now: io.now(), recordDays, io });
            if (outcome === 'enqueued') sends += 1;
            if (outcome === 'tooLarge') tooLarge.push(key);
            counts[outcome] += 1;
          }
        }
        progress.update(counts.requests + counts.outOfRange, undefined, flags['dry-run'] ? `${counts.wouldEnqueue} events to replay` : `${counts.enqueued} events enqueued`);
      }
    } finally {
      stopListening();
      progress.finish();
    }

    const lines = [
      `Replay run ${runId}: ${counts.requests} archived requests in range.`,
      flags['dry-run'] ? `  would enqueue:               ${counts.wouldEnqueue}` : `  enqueued:                    ${counts.enqueued}`,
      `  already replayed in this run: ${counts.already}`,
    ];
    if (counts.otherTypes > 0) lines.push(`  other event types (skipped): ${counts.otherTypes}`);
    if (counts.tooLarge > 0) lines.push(`  too large, not replayed:     ${counts.tooLarge} (no body bucket for a claim check): ${tooLarge.slice(0, 5).join(', ')}${tooLarge.length > 5 ? ', ...' : ''}`);
    if (counts.failed > 0) lines.push(`  failed:                      ${counts.failed} (run the same command again to retry them)`);
    if (stop) lines.push('  stopped by Ctrl-C: run the same command again to go on.');
    if (!flags['dry-run'] && counts.enqueued + counts.already > 0) {
      lines.push(`The same command (or --run-id ${runId}) enqueues nothing new for ${recordDays} days; another --run-id replays these events again.`);
    }
    io.out.write(`${lines.join('\n')}\n`);
    return counts.failed > 0 || counts.tooLarge > 0 || stop ? 1 : 0;
  },
};

/** A run id from what selects the events: the same command line gives the same run. */
function derivedRunId(flags: { stack?: string; receiver?: string; 'archive-bucket'?: string; since?: string; until?: string }, selection: Selection): string {
  const material = JSON.stringify({
    stack: flags.stack ?? null,
    receiver: flags.receiver ?? null,
    bucket: flags['archive-bucket'] ?? null,
    since: flags.since?.trim(),
    until: flags.until?.trim() ?? null,
    providers: [...selection.providers].sort(),
    eventTypes: [...selection.eventTypes].sort(),
  });
  return `r-${createHash('sha256').update(material).digest('hex').slice(0, 16)}`;
}

/** The archive's first key segment: the only one in the bucket, or the one named after the receiver. */
async function archivePrefix(clients: Clients, bucket: string, receiverPath: string | undefined): Promise<string> {
  const segments = await commonPrefixes(clients, bucket, '');
  if (segments.length === 1) return segments[0];
  const id = receiverPath?.split('/').pop();
  const named = segments.filter((s) => id !== undefined && (s === id || s.endsWith(`-${id}`)));
  if (named.length === 1) return named[0];
  if (segments.length === 0) throw new CommandError(`The archive s3://${bucket} is empty: no request was archived yet.`);
  throw new UsageError(`The archive s3://${bucket} holds several receivers (${segments.join(', ')}); choose one with --archive-prefix.`);
}

async function listProviders(clients: Clients, target: Target): Promise<string[]> {
  return commonPrefixes(clients, target.bucket, `${target.prefix}/`);
}

async function commonPrefixes(clients: Clients, bucket: string, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const out = await call('s3:ListBucket', `s3://${bucket}/${prefix}`, GRANT, () =>
      clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token })),
    );
    for (const p of out.CommonPrefixes ?? []) if (p.Prefix) found.push(p.Prefix.slice(prefix.length).replace(/\/$/, ''));
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return found;
}

/** The archived objects of one provider whose key's time (to the second) is in range, oldest first. */
async function listKeys(clients: Clients, target: Target, provider: string, selection: Selection): Promise<string[]> {
  const keys: string[] = [];
  const firstDay = Math.floor(selection.since / DAY_MS) * DAY_MS;
  for (let day = firstDay; day < selection.until; day += DAY_MS) {
    const prefix = archiveDayPrefix(target.prefix, provider, new Date(day));
    let token: string | undefined;
    do {
      const out = await call('s3:ListBucket', `s3://${target.bucket}/${prefix}`, GRANT, () =>
        clients.s3.send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const object of out.Contents ?? []) {
        const time = /^(\d{2})(\d{2})(\d{2})-/.exec(object.Key?.slice(prefix.length) ?? '');
        if (!object.Key || !time) continue;
        const at = day + ((Number(time[1]) * 60 + Number(time[2])) * 60 + Number(time[3])) * 1000;
        // The key has whole seconds: keep the second --since falls in; the record's own time decides.
        if (at >= Math.floor(selection.since / 1000) * 1000 && at < selection.until) keys.push(object.Key);
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }
  return keys.sort();
}

async function readRecord(clients: Clients, bucket: string, key: string): Promise<ArchiveRecord> {
  const out = await call('s3:GetObject', `s3://${bucket}/${key}`, GRANT, () => clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
  const text = (await out.Body?.transformToString('utf8')) ?? '';
  let record: ArchiveRecord;
  try {
    record = JSON.parse(text) as ArchiveRecord;
  } catch {
    throw new CommandError(`s3://${bucket}/${key} is not an archived request (not JSON).`);
  }
  if (record.v !== ARCHIVE_RECORD_VERSION || !Array.isArray(record.events) || typeof record.body !== 'string') {
    throw new CommandError(`s3://${bucket}/${key} is an archived request of version ${String(record.v)}, which this version of the tool cannot read; upgrade cdk-webhook-receiver.`);
  }
  return record;
}

type ArchivedEvent = ArchiveRecord['events'][number];

interface ReplayInput {
  readonly runId: string;
  readonly key: string;
  readonly record: ArchiveRecord;
  readonly event: ArchivedEvent;
  readonly dryRun: boolean;
  readonly now: number;
  readonly recordDays: number;
  readonly io: Io;
}

/** The run record of one event: `replay#<runId>#<event key>` in the inbox table. */
export function runRecordKey(runId: string, eventKey: string): string {
  return `${REPLAY_RUN_KEY_PREFIX}${runId}#${eventKey}`;
}

const SENDING = 'SENDING';
const SENT = 'SENT';
/** How long an attempt holds an event's run record before another attempt of the same run may take it over. */
const LEASE_MS = 60_000;

/**
 * One event: claim its run record (conditional write), build the message (storing a large body), send, record SENT.
 * A failure gives the record back, so running the command again retries the event.
 */
async function replayEvent(clients: Clients, target: Target, input: ReplayInput): Promise<Outcome> {
  const pk = runRecordKey(input.runId, input.event.key);
  const table = target.tableName;
  if (input.dryRun) {
    const out = await call('dynamodb:GetItem', `table ${table}`, GRANT, () =>
      clients.dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true })),
    );
    if (out.Item?.status?.S === SENT) return 'already';
    return tooLargeWithoutStore(target, input) ? 'tooLarge' : 'wouldEnqueue';
  }
  const token = `${input.now}-${Math.random().toString(36).slice(2)}`;
  const expiresAt = Math.floor(input.now / 1000) + input.recordDays * 86_400;
  const claimed = await claimRunRecord(clients, table, pk, token, input, expiresAt);
  if (!claimed) return 'already';
  try {
    const body = await message(clients, target, input);
    if (body === undefined) {
      await release(clients, table, pk, token);
      return 'tooLarge';
    }
    // A FIFO queue (the receiver's `ordering`) takes a message group and a deduplication id: the provider's own
    // group (the replay reads no entity key), and the run record's key, so SQS's 5-minute deduplication cannot
    // mistake a replay for the delivery it repeats.
    const fifo = target.queueUrl.endsWith('.fifo')
      ? { MessageGroupId: messageGroupId(input.event.provider, undefined), MessageDeduplicationId: messageDeduplicationId(pk) }
      : {};
    await call('sqs:SendMessage', target.queueUrl, GRANT, () => clients.sqs.send(new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: body, ...fifo })));
  } catch (error) {
    await release(clients, table, pk, token).catch(() => undefined);
    if (error instanceof CommandError && error.message.startsWith('Permission denied')) throw error;
    input.io.err.write(`Could not replay the event ${input.event.key} of ${input.key}: ${(error as Error).message}\n`);
    return 'failed';
  }
  await call('dynamodb:UpdateItem', `table ${table}`, GRANT, () =>
    clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: pk } },
        UpdateExpression: 'SET #status = :sent REMOVE leaseUntil, leaseToken',
        ConditionExpression: 'leaseToken = :token',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sent': { S: SENT }, ':token': { S: token } },
      }),
    ),
  ).catch((error: Error) => {
    // The event is in the queue: a later run of the same command may send it again; the processor runs it once per run.
    input.io.err.write(`The event ${input.event.key} was enqueued but its run record was not updated: ${error.message}\n`);
  });
  return 'enqueued';
}

async function claimRunRecord(clients: Clients, table: string, pk: string, token: string, input: ReplayInput, expiresAt: number): Promise<boolean> {
  try {
    await call('dynamodb:PutItem', `table ${table}`, GRANT, () =>
      clients.dynamodb.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            pk: { S: pk },
            status: { S: SENDING },
            leaseToken: { S: token },
            leaseUntil: { N: String(input.now + LEASE_MS) },
            runId: { S: input.runId },
            archiveKey: { S: input.key },
            expiresAt: { N: String(expiresAt) },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return true;
  } catch (error) {
    if (!(error instanceof CommandError && error.cause instanceof ConditionalCheckFailedException)) throw error;
  }
  // An attempt of this run that stopped before sending (or failed to record SENT) left its record: take it over
  // once its lease ran out. A record SENT stays: the event was replayed in this run.
  try {
    await call('dynamodb:UpdateItem', `table ${table}`, GRANT, () =>
      clients.dynamodb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: { S: pk } },
          UpdateExpression: 'SET leaseToken = :token, leaseUntil = :until',
          ConditionExpression: '#status = :sending AND leaseUntil < :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':token': { S: token }, ':until': { N: String(input.now + LEASE_MS) }, ':now': { N: String(input.now) }, ':sending': { S: SENDING } },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (error instanceof CommandError && error.cause instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Gives an event's run record back (its lease ends now), so running the command again takes it over and retries
 * the event. An UpdateItem, not a DeleteItem: the run needs no delete permission on the inbox.
 */
async function release(clients: Clients, table: string, pk: string, token: string): Promise<void> {
  await call('dynamodb:UpdateItem', `table ${table}`, GRANT, () =>
    clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: pk } },
        UpdateExpression: 'SET leaseUntil = :zero',
        ConditionExpression: 'leaseToken = :token',
        ExpressionAttributeValues: { ':token': { S: token }, ':zero': { N: '0' } },
      }),
    ),
  );
}

/** The replayed event's envelope, as the verifier wrote the original: the archived body, marked as a replay. */
function envelopeOf(input: ReplayInput, body: Pick<Envelope, 'body' | 'bodyEncoding' | 'bodyRef'>): Envelope {
  const { origin: _origin, replay: _replay, ...event } = input.event as ArchivedEvent & { replay?: unknown };
  return { ...event, origin: 'replay', ...body, replay: { runId: input.runId, archiveKey: input.key } } as Envelope;
}

function archivedBody(record: ArchiveRecord): Buffer {
  return Buffer.from(record.body, record.bodyEncoding === 'base64' ? 'base64' : 'utf8');
}

/** The message inline when it fits one queue message (as the verifier chooses: text, else base64). */
function inlineMessage(input: ReplayInput): string | undefined {
  const bytes = archivedBody(input.record);
  if (Math.ceil(bytes.length / 3) * 4 >= MAX_MESSAGE_BYTES) return undefined;
  let body = serializeEnvelope(envelopeOf(input, encodeBody(bytes, false)));
  if (Buffer.byteLength(body, 'utf8') > MAX_MESSAGE_BYTES) body = serializeEnvelope(envelopeOf(input, encodeBody(bytes, true)));
  return Buffer.byteLength(body, 'utf8') <= MAX_MESSAGE_BYTES ? body : undefined;
}

function tooLargeWithoutStore(target: Target, input: ReplayInput): boolean {
  return inlineMessage(input) === undefined && (target.bodyBucket === undefined || target.bodyKeyPrefix === undefined);
}

/** The message, storing the body in the body bucket when it does not fit; undefined when it cannot be stored. */
async function message(clients: Clients, target: Target, input: ReplayInput): Promise<string | undefined> {
  const inline = inlineMessage(input);
  if (inline !== undefined) return inline;
  if (target.bodyBucket === undefined || target.bodyKeyPrefix === undefined) return undefined;
  const bytes = archivedBody(input.record);
  // Its own key (the run record's), beside the verifier's bodies: the processor may read the prefix, and the
  // bucket's lifecycle expires it.
  const key = bodyObjectKey(target.bodyKeyPrefix, input.event.provider, runRecordKey(input.runId, input.event.key), input.now);
  const digest = createHash('sha256').update(bytes).digest();
  const bucket = target.bodyBucket;
  await call('s3:PutObject', `s3://${bucket}/${key}`, GRANT, () =>
    clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.length, ChecksumSHA256: digest.toString('base64') })),
  );
  const bodyRef: BodyRef = { bucket, key, size: bytes.length, sha256: digest.toString('hex') };
  return serializeEnvelope(envelopeOf(input, { bodyEncoding: 'ref', bodyRef }));
}
