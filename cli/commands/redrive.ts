/**
 * `cdk-webhook-receiver redrive`: moves the dead-letter queue's messages back to the queue.
 *
 * With SQS's message-move task (StartMessageMoveTask, progress from ListMessageMoveTasks, CancelMessageMoveTask on
 * Ctrl-C): SQS moves every message, at most `--max-per-second`. Where the task is not available (an SQS-compatible
 * endpoint without it, or `--method receive`): receive, send to the queue, then delete from the dead-letter queue.
 * A message is deleted only after it was sent, so none is lost; one whose delete fails after its send is in both
 * queues, and the processor runs the event once (the inbox knows it).
 */
import {
  CancelMessageMoveTaskCommand,
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
  type Message,
} from '@aws-sdk/client-sqs';
import { intFlag, parse, secondsFlag } from '../shared/args';
import { awsClients, call, describeAwsError, errorName, type Clients } from '../shared/aws';
import type { Command } from '../shared/command';
import { CommandError, sleep, UsageError, type Io } from '../shared/io';
import { Progress } from '../shared/progress';
import { findReceiver, RECEIVER_FLAGS, RECEIVER_HELP } from '../shared/receiver';

const GRANT = 'receiver.grantRedrive(role)';

const HELP = `Usage: npx cdk-webhook-receiver redrive --stack <name> [--receiver <id>] [options]
       npx cdk-webhook-receiver redrive --dlq-url <url> --queue-url <url> [options]

Moves the messages of a receiver's dead-letter queue back to its queue, where the processor runs them again.
Fix what made them fail first (a deployed processor fix, a restored dependency): a message that fails
maxReceiveCount times again goes back to the dead-letter queue.

${RECEIVER_HELP}
  --dlq-url <url>          the dead-letter queue (default: the stack's deadLetterQueueUrl output)
  --queue-url <url>        the queue to move the messages to (default: the stack's queueUrl output)

Options:
  --max-per-second <n>     move at most n messages per second (1-500; default: as fast as SQS goes)
  --method <how>           auto (default): SQS's message-move task, or receive/send/delete where the endpoint
                           has no such task; move-task: only the task; receive: only receive/send/delete
  --dry-run                move nothing: count the messages and show their providers and event types
  --limit <n>              at most n messages (receive method and --dry-run; default: all for receive, 1000
                           for --dry-run)
  --visibility-timeout <s> how long a message read by --dry-run or the receive method stays hidden (default 60)
  --poll-interval <s>      seconds between progress reads of the move task (default 2)
  -h, --help               this help

What reading the dead-letter queue does (--dry-run, and the receive method): each message read has its
receive count (ApproximateReceiveCount) raised by one and is hidden from other readers for the visibility
timeout. --dry-run deletes nothing and makes every message it read visible again at once
(ChangeMessageVisibility 0); should it be stopped before that, they reappear when the timeout ends.
The receive method may deliver a message twice (a send that succeeded but whose delete failed leaves a copy in
the dead-letter queue: it is reported); the processor still runs each event once. The message-move task does
neither: SQS moves the messages itself.

Permissions: receiver.grantRedrive(role) grants exactly what this command calls.
Exit codes: 0 done, 1 failed or partly failed, 2 bad command line.`;

interface Queues {
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly queueUrl: string;
  readonly queueArn: string;
}

export const redrive: Command = {
  name: 'redrive',
  summary: "move the dead-letter queue's messages back to the queue (with progress; --dry-run to look first)",
  help: HELP,
  async run(argv, io) {
    const flags = parse(argv, {
      ...RECEIVER_FLAGS,
      'dlq-url': { type: 'string' },
      'queue-url': { type: 'string' },
      'max-per-second': { type: 'string' },
      method: { type: 'string' },
      'dry-run': { type: 'boolean' },
      limit: { type: 'string' },
      'visibility-timeout': { type: 'string' },
      'poll-interval': { type: 'string' },
    });
    if (flags.help) {
      io.out.write(`${HELP}\n`);
      return 0;
    }
    const maxPerSecond = intFlag('max-per-second', flags['max-per-second'], undefined, 1, 500);
    const method = flags.method ?? 'auto';
    if (!['auto', 'move-task', 'receive'].includes(method)) throw new UsageError(`--method must be auto, move-task or receive, got "${method}".`);
    const dryRun = flags['dry-run'] === true;
    const limit = intFlag('limit', flags.limit, dryRun ? 1000 : undefined, 1, 10_000_000);
    const visibilityTimeout = intFlag('visibility-timeout', flags['visibility-timeout'], 60, 1, 43_200)!;
    const pollMs = secondsFlag('poll-interval', flags['poll-interval'], 2, 0.05, 60) * 1000;
    if (flags.stack === undefined && (flags['dlq-url'] === undefined || flags['queue-url'] === undefined)) {
      throw new UsageError('Say which receiver: --stack <name> [--receiver <id>], or both --dlq-url and --queue-url.');
    }

    const clients = awsClients({ region: flags.region, profile: flags.profile });
    const found = await findReceiver(clients, flags, { deadLetterQueueUrl: flags['dlq-url'], queueUrl: flags['queue-url'] }, GRANT);
    if (!found.deadLetterQueueUrl || !found.queueUrl) {
      throw new CommandError(`No ${found.deadLetterQueueUrl ? 'queue' : 'dead-letter queue'} URL in ${found.source}; pass --${found.deadLetterQueueUrl ? 'queue-url' : 'dlq-url'}.`);
    }
    const dlqUrl = found.deadLetterQueueUrl;
    const attributes = await dlqAttributes(clients, dlqUrl);
    const queues: Queues = { dlqUrl, dlqArn: attributes.arn, queueUrl: found.queueUrl, queueArn: siblingArn(attributes.arn, found.queueUrl) };
    io.out.write(`Dead-letter queue ${queues.dlqUrl} (${found.source}): about ${attributes.visible} messages, ${attributes.inFlight} in flight.\n`);

    if (dryRun) return dryRunRead(clients, io, queues, limit!, visibilityTimeout);
    if (attributes.visible === 0 && attributes.inFlight === 0) {
      io.out.write('Nothing to move: the dead-letter queue is empty.\n');
      return 0;
    }
    if (method !== 'receive') {
      const started = await startMoveTask(clients, queues, maxPerSecond, method === 'auto');
      if (started !== undefined) return followMoveTask(clients, io, queues, started, pollMs);
      io.err.write('This SQS endpoint has no message-move task (StartMessageMoveTask); moving by receive, send, delete instead. A message may be delivered twice; the processor still runs each event once.\n');
    }
    return receiveSendDelete(clients, io, queues, { limit, maxPerSecond, visibilityTimeout });
  },
};

async function dlqAttributes(clients: Clients, dlqUrl: string): Promise<{ arn: string; visible: number; inFlight: number }> {
  const out = await call('sqs:GetQueueAttributes', dlqUrl, GRANT, () =>
    clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] })),
  );
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new CommandError(`${dlqUrl} did not say its ARN (GetQueueAttributes QueueArn).`);
  return { arn, visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

/** The queue's ARN: the dead-letter queue's partition and region, the queue URL's account and name. */
function siblingArn(dlqArn: string, queueUrl: string): string {
  const parts = new URL(queueUrl).pathname.split('/').filter((p) => p.length > 0);
  if (parts.length < 2) throw new CommandError(`Not a queue URL: ${queueUrl} (expected https://sqs.<region>.amazonaws.com/<account>/<name>).`);
  const [account, name] = parts.slice(-2);
  const [arn, partition, service, region] = dlqArn.split(':');
  return [arn, partition, service, region, account, name].join(':');
}

/** Errors that say the endpoint does not know the action at all (not that the task was refused). */
function isUnknownAction(error: unknown): boolean {
  const name = errorName(error) ?? '';
  const message = error instanceof Error ? error.message : '';
  return /UnknownOperation|InvalidAction|NotImplemented|UnsupportedOperation.*Action|Unrecognized/i.test(name)
    || /unknown operation|not implemented|unsupported action|unknown action|is not valid for this endpoint/i.test(message);
}

/** Starts the task; undefined when the endpoint has no such action and `fallback` allows the other way. */
async function startMoveTask(clients: Clients, queues: Queues, maxPerSecond: number | undefined, fallback: boolean): Promise<string | undefined> {
  try {
    const out = await clients.sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: queues.dlqArn, DestinationArn: queues.queueArn, MaxNumberOfMessagesPerSecond: maxPerSecond }),
    );
    if (!out.TaskHandle) throw new CommandError('StartMessageMoveTask answered without a task handle.');
    return out.TaskHandle;
  } catch (error) {
    if (fallback && isUnknownAction(error)) return undefined;
    const described = describeAwsError(error, 'sqs:StartMessageMoveTask', queues.dlqArn, GRANT);
    if (/UnsupportedOperation/i.test(errorName(error) ?? '')) {
      throw new CommandError(`${described.message} (A move task may already be running for this queue: see the console, or wait for it.)`, { cause: error });
    }
    throw described;
  }
}

async function followMoveTask(clients: Clients, io: Io, queues: Queues, taskHandle: string, pollMs: number): Promise<number> {
  io.out.write(`Started SQS's message-move task to ${queues.queueUrl}. Ctrl-C cancels it (messages moved so far stay moved).\n`);
  const progress = new Progress(io, { label: 'moved' });
  let cancelRequested = false;
  const stopListening = io.onInterrupt(() => {
    cancelRequested = true;
  });
  let cancelled = false;
  try {
    for (;;) {
      if (cancelRequested && !cancelled) {
        cancelled = true;
        await call('sqs:CancelMessageMoveTask', queues.dlqArn, GRANT, () => clients.sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: taskHandle })));
        io.err.write('\nCancelling the move task...\n');
      }
      const out = await call('sqs:ListMessageMoveTasks', queues.dlqArn, GRANT, () =>
        clients.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: queues.dlqArn, MaxResults: 10 })),
      );
      const task: ListMessageMoveTasksResultEntry | undefined = out.Results?.find((r) => r.TaskHandle === taskHandle) ?? out.Results?.[0];
      if (!task) throw new CommandError(`The move task of ${queues.dlqArn} is not listed by ListMessageMoveTasks.`);
      const moved = task.ApproximateNumberOfMessagesMoved ?? 0;
      const total = task.ApproximateNumberOfMessagesToMove;
      progress.update(moved, total);
      if (task.Status === 'COMPLETED' || task.Status === 'CANCELLED' || task.Status === 'FAILED') {
        progress.finish();
        const rate = progress.rate().toFixed(1);
        if (task.Status === 'FAILED') {
          io.err.write(`The move task failed after moving ${moved}${total !== undefined ? ` of ${total}` : ''} messages: ${task.FailureReason ?? 'no reason given'}.\n`);
          return 1;
        }
        const verb = task.Status === 'CANCELLED' ? 'Cancelled after moving' : 'Moved';
        io.out.write(`${verb} ${moved}${total !== undefined ? ` of ${total}` : ''} messages to the queue (${rate}/s) with SQS's message-move task.\n`);
        return task.Status === 'CANCELLED' ? 1 : 0;
      }
      await sleep(pollMs);
    }
  } finally {
    stopListening();
  }
}

/** Messages are received a batch at a time, each sent to the queue, and only then deleted from the dead-letter queue. */
async function receiveSendDelete(
  clients: Clients,
  io: Io,
  queues: Queues,
  options: { limit?: number; maxPerSecond?: number; visibilityTimeout: number },
): Promise<number> {
  const fifo = queues.queueUrl.endsWith('.fifo');
  const progress = new Progress(io, { label: 'moved' });
  const started = io.now();
  let moved = 0;
  let failedSends = 0;
  let notDeleted = 0;
  let stop = false;
  const stopListening = io.onInterrupt(() => {
    stop = true;
  });
  try {
    while (!stop && (options.limit === undefined || moved + failedSends < options.limit)) {
      const room = options.limit === undefined ? 10 : Math.min(10, options.limit - moved - failedSends);
      const batch = Math.min(room, options.maxPerSecond ?? 10);
      const received = await receive(clients, queues.dlqUrl, batch, options.visibilityTimeout);
      if (received.length === 0) break;
      const sent = await Promise.all(
        received.map(async (message) => {
          try {
            await call('sqs:SendMessage', queues.queueArn, GRANT, () =>
              clients.sqs.send(
                new SendMessageCommand({
                  QueueUrl: queues.queueUrl,
                  MessageBody: message.Body ?? '',
                  MessageAttributes: message.MessageAttributes,
                  ...(fifo
                    ? { MessageGroupId: message.Attributes?.MessageGroupId ?? 'redrive', MessageDeduplicationId: message.Attributes?.MessageDeduplicationId ?? message.MessageId }
                    : {}),
                }),
              ),
            );
            return true;
          } catch (error) {
            if (error instanceof CommandError && error.message.startsWith('Permission denied')) throw error;
            io.err.write(`A message could not be sent to the queue; it stays in the dead-letter queue: ${(error as Error).message}\n`);
            return false;
          }
        }),
      );
      const toDelete = received.filter((_, i) => sent[i]);
      const toGiveBack = received.filter((_, i) => !sent[i]);
      if (toDelete.length > 0) {
        const out = await call('sqs:DeleteMessage', queues.dlqArn, GRANT, () =>
          clients.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queues.dlqUrl, Entries: toDelete.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) })),
        );
        notDeleted += out.Failed?.length ?? 0;
      }
      if (toGiveBack.length > 0) await giveBack(clients, queues.dlqUrl, toGiveBack).catch(() => undefined);
      moved += toDelete.length;
      failedSends += toGiveBack.length;
      progress.update(moved, undefined, failedSends > 0 ? `${failedSends} not sent` : '');
      if (toGiveBack.length > 0 && toDelete.length === 0) break;
      if (options.maxPerSecond !== undefined) {
        const due = started + ((moved + failedSends) / options.maxPerSecond) * 1000;
        const wait = due - io.now();
        if (wait > 0) await sleep(wait);
      }
    }
  } finally {
    stopListening();
    progress.finish();
  }
  io.out.write(`Moved ${moved} messages to the queue (${progress.rate().toFixed(1)}/s) by receive, send, delete.\n`);
  if (notDeleted > 0) io.err.write(`${notDeleted} messages were sent but could not be deleted from the dead-letter queue: they are in both queues (the processor runs each event once).\n`);
  if (failedSends > 0) io.err.write(`${failedSends} messages could not be sent and are still in the dead-letter queue (visible again).\n`);
  if (stop) io.err.write('Stopped by Ctrl-C.\n');
  return failedSends > 0 || stop ? 1 : 0;
}

async function receive(clients: Clients, dlqUrl: string, max: number, visibilityTimeout: number): Promise<Message[]> {
  const out = await call('sqs:ReceiveMessage', dlqUrl, GRANT, () =>
    clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: max,
        VisibilityTimeout: visibilityTimeout,
        // Long polling asks every SQS server, so an empty answer means an empty queue (short polling samples a few).
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId', 'ApproximateReceiveCount'],
      }),
    ),
  );
  return out.Messages ?? [];
}

/** Makes messages visible again at once (ChangeMessageVisibility 0), ten at a time. */
async function giveBack(clients: Clients, dlqUrl: string, messages: Message[]): Promise<number> {
  let failed = 0;
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    const out = await call('sqs:ChangeMessageVisibility', dlqUrl, GRANT, () =>
      clients.sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: dlqUrl, Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })) }),
      ),
    );
    failed += out.Failed?.length ?? 0;
  }
  return failed;
}

/** Reads up to `limit` messages without deleting any, counts them by provider and event type, gives them back. */
async function dryRunRead(clients: Clients, io: Io, queues: Queues, limit: number, visibilityTimeout: number): Promise<number> {
  const read: Message[] = [];
  const progress = new Progress(io, { label: 'read' });
  try {
    while (read.length < limit) {
      const batch = await receive(clients, queues.dlqUrl, Math.min(10, limit - read.length), visibilityTimeout);
      if (batch.length === 0) break;
      read.push(...batch);
      progress.update(read.length);
    }
  } finally {
    progress.finish();
    const failed = await giveBack(clients, queues.dlqUrl, read).catch((error: Error) => {
      io.err.write(`${error.message}\n`);
      return read.length;
    });
    if (failed > 0) io.err.write(`${failed} messages could not be made visible again: they reappear when the visibility timeout (${visibilityTimeout} s) ends.\n`);
  }
  const counts = new Map<string, number>();
  let unreadable = 0;
  for (const message of read) {
    const envelope = describeEnvelope(message.Body);
    if (!envelope) unreadable += 1;
    else counts.set(`${envelope.provider}\t${envelope.eventType}`, (counts.get(`${envelope.provider}\t${envelope.eventType}`) ?? 0) + 1);
  }
  io.out.write(`Dry run: read ${read.length} messages${read.length >= limit ? ` (the first ${limit}: --limit)` : ''}; nothing was moved or deleted.\n`);
  if (counts.size > 0) {
    const rows = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => [...k.split('\t'), String(n)]);
    const widths = [0, 1].map((c) => Math.max(c === 0 ? 8 : 10, ...rows.map((r) => r[c].length)));
    io.out.write(`  ${'provider'.padEnd(widths[0])}  ${'event type'.padEnd(widths[1])}  messages\n`);
    for (const [provider, type, n] of rows) io.out.write(`  ${provider.padEnd(widths[0])}  ${type.padEnd(widths[1])}  ${n}\n`);
  }
  if (unreadable > 0) io.out.write(`  ${unreadable} messages are not receiver envelopes.\n`);
  io.out.write(`Each message read had its receive count raised by one; all were made visible again.\n`);
  return 0;
}

/** Provider and event type of an envelope, without reading its body. */
function describeEnvelope(body: string | undefined): { provider: string; eventType: string } | undefined {
  try {
    const parsed = JSON.parse(body ?? '') as { provider?: unknown; eventType?: unknown };
    if (typeof parsed.provider !== 'string') return undefined;
    return { provider: parsed.provider, eventType: typeof parsed.eventType === 'string' ? parsed.eventType : '(none)' };
  } catch {
    return undefined;
  }
}
