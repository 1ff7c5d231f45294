/**
 * `npx cdk-webhook-receiver replay`, the bundled CLI run as a child process, against fauxqs (SQS and S3) and
 * dynalite (the inbox table, which holds the run records). The archived objects are written here in the layout of
 * contract/archive.ts, as the verifier writes them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import { archiveObjectKey, type ArchiveRecord } from '../contract/archive';
import type { Envelope } from '../contract/config';
import { WebhookProvider, WebhookReceiver } from '../lib';
import { CreateQueueCommand, DeleteMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { clients, createBucket, createInboxTable, createQueue, drain, endpoints, s3Client, scanTable, uniqueName } from './support/aws';
import { deployedOutputs, runCli, startDescribeStacksStandIn } from './support/operator-stand-ins';
import { givenStack } from './support/stacks';

const aws = clients();
const s3 = s3Client();
const RECEIVER = 'Shop-Payments-1A2B3C4D';
const MINUTE = 60_000;

interface Archived {
  readonly key: string;
  readonly record: ArchiveRecord;
  readonly bytes: Buffer;
}

/** Writes one archived request of one event, as the verifier does, received `minutesAgo` before now. */
async function archive(bucket: string, provider: string, eventType: string, minutesAgo: number, bytes: Buffer = Buffer.from(JSON.stringify({ id: randomUUID(), type: eventType }))): Promise<Archived> {
  const receivedAt = new Date(Date.now() - minutesAgo * MINUTE);
  const deliveryId = `d_${randomUUID()}`;
  const sha = createHash('sha256').update(bytes).digest('hex');
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = undefined;
  }
  const record: ArchiveRecord = {
    v: 1,
    receiver: RECEIVER,
    provider,
    receivedAt: receivedAt.toISOString(),
    method: 'POST',
    path: `/${provider}`,
    headers: { 'content-type': 'application/json', 'user-agent': 'test' },
    contentType: 'application/json',
    bodyEncoding: text === undefined ? 'base64' : 'utf8',
    body: text ?? bytes.toString('base64'),
    bodySha256: sha,
    events: [
      {
        v: 2, provider, deliveryId, key: `${provider}#${deliveryId}`, eventType, receivedAt: receivedAt.toISOString(), auth: 'hmac', bodySigned: true,
        origin: 'delivery', contentType: 'application/json', bodySha256: sha,
      },
    ],
  };
  const key = archiveObjectKey(RECEIVER, provider, receivedAt, deliveryId);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(record) }));
  return { key, record, bytes };
}

async function given() {
  const bucket = await createBucket(s3);
  const queue = await createQueue(aws.sqs);
  const table = await createInboxTable(aws.dynamodb);
  return { bucket, queue, table, args: ['--archive-bucket', bucket, '--queue-url', queue.url, '--table-name', table] };
}

const envelopes = async (queueUrl: string) => (await drain(aws.sqs, queueUrl)).map((m) => JSON.parse(m.Body!) as Envelope);

describe('replay', () => {
  test('re-enqueues the events in range through the same envelope, marked as replays; the same command again enqueues nothing new', async () => {
    // GIVEN four archived requests in the last two hours (one with a body that is not UTF-8) and one before
    const { bucket, queue, table, args } = await given();
    const inRange = [
      await archive(bucket, 'stripe', 'invoice.paid', 90),
      await archive(bucket, 'stripe', 'charge.failed', 60),
      await archive(bucket, 'github', 'push', 30),
      await archive(bucket, 'github', 'push', 20, Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d])),
    ];
    await archive(bucket, 'stripe', 'invoice.paid', 180);

    // WHEN
    const first = await runCli(['replay', ...args, '--since', '2h']);

    // THEN each event in range once, its archived envelope with the body restored and the replay mark
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const runId = /Replay run (r-[0-9a-f]{16}):/.exec(first.stdout)?.[1];
    expect(runId).toBeDefined();
    const sent = await envelopes(queue.url);
    expect(sent).toHaveLength(4);
    for (const archived of inRange) {
      const envelope = sent.find((e) => e.key === archived.record.events[0].key)!;
      const { origin: _o, ...event } = archived.record.events[0];
      expect(envelope).toEqual({
        ...event,
        origin: 'replay',
        replay: { runId, archiveKey: archived.key },
        bodyEncoding: archived.record.bodyEncoding,
        body: archived.record.body,
      });
      expect(Buffer.from(envelope.body!, envelope.bodyEncoding === 'base64' ? 'base64' : 'utf8')).toEqual(archived.bytes);
    }
    expect(first.stdout).toMatch(/Replay run r-[0-9a-f]{16}: 4 archived requests in range\.\n {2}enqueued: +4\n {2}already replayed in this run: 0\n/);
    expect(first.stdout.split('\n').filter((l) => l.startsWith('archived requests ')).at(-1)).toMatch(/^archived requests 4\/4 100% .*4 events enqueued$/);
    // one run record per event, sent, with a TTL
    const records = (await scanTable(aws.dynamodb, table)).filter((r) => r.pk.S!.startsWith(`replay#${runId}#`));
    expect(records.map((r) => r.status.S)).toEqual(['SENT', 'SENT', 'SENT', 'SENT']);
    expect(records.every((r) => Number(r.expiresAt.N) > Date.now() / 1000 + 29 * 86400)).toBe(true);

    // WHEN the same command runs again
    const second = await runCli(['replay', ...args, '--since', '2h']);

    // THEN nothing new
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`Replay run ${runId}:`);
    expect(second.stdout).toMatch(/enqueued: +0\n {2}already replayed in this run: 4\n/);
    expect(await drain(aws.sqs, queue.url)).toEqual([]);

    // AND another run id replays them once more
    const third = await runCli(['replay', ...args, '--since', '2h', '--run-id', 'again-1']);
    expect(third.code).toBe(0);
    expect((await envelopes(queue.url)).map((e) => e.replay?.runId)).toEqual(['again-1', 'again-1', 'again-1', 'again-1']);
  });

  test('an event whose send failed is given back: the same command again sends it, once', async () => {
    // GIVEN two archived requests, and a queue URL that names no queue
    const { bucket, queue, table } = await given();
    await archive(bucket, 'stripe', 'invoice.paid', 10);
    await archive(bucket, 'stripe', 'invoice.paid', 5);
    const missing = new URL(`/000000000000/no-such-queue-${randomUUID().slice(0, 8)}`, queue.url).toString();

    // WHEN the sends fail
    const failed = await runCli(['replay', '--archive-bucket', bucket, '--queue-url', missing, '--table-name', table, '--since', '1h']);

    // THEN nothing is recorded as sent, and the summary says how to retry
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/enqueued: +0\n[^]*failed: +2 \(run the same command again to retry them\)/);
    expect((await scanTable(aws.dynamodb, table)).map((r) => r.status.S)).toEqual(['SENDING', 'SENDING']);

    // WHEN the same selection runs again with the queue
    const retried = await runCli(['replay', '--archive-bucket', bucket, '--queue-url', queue.url, '--table-name', table, '--since', '1h']);

    // THEN both events are sent, once
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(/enqueued: +2\n {2}already replayed in this run: 0\n/);
    expect(await drain(aws.sqs, queue.url)).toHaveLength(2);
  });

  test('--provider and --event-type choose the events; --dry-run sends and writes nothing', async () => {
    const { bucket, queue, table, args } = await given();
    await archive(bucket, 'stripe', 'invoice.paid', 10);
    await archive(bucket, 'stripe', 'charge.failed', 10);
    await archive(bucket, 'github', 'invoice.paid', 10);

    const result = await runCli(['replay', ...args, '--since', '1h', '--provider', 'stripe', '--event-type', 'invoice.paid', '--dry-run']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('(dry run: nothing is sent or written)');
    expect(result.stdout).toContain('providers stripe, event types invoice.paid.');
    expect(result.stdout).toMatch(/2 archived requests in range\.\n {2}would enqueue: +1\n {2}already replayed in this run: 0\n {2}other event types \(skipped\): 1\n/);
    expect(await drain(aws.sqs, queue.url)).toEqual([]);
    expect(await scanTable(aws.dynamodb, table)).toEqual([]);
  });

  test('a body too large for one queue message goes to the body bucket as the claim check; without one it is refused and listed', async () => {
    // GIVEN a 1.2 MB body
    const { bucket, queue, args } = await given();
    const bodies = await createBucket(s3);
    const big = await archive(bucket, 'stripe', 'invoice.paid', 5, Buffer.from(JSON.stringify({ pad: 'é'.repeat(600_000) })));

    // WHEN no body bucket is known
    const refused = await runCli(['replay', ...args, '--since', '1h']);

    // THEN
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`too large, not replayed:     1 (no body bucket for a claim check): ${big.key}`);
    expect(await drain(aws.sqs, queue.url)).toEqual([]);

    // WHEN the body bucket and prefix are known (the stack outputs bodyBucketName and bodyKeyPrefix)
    const stored = await runCli(['replay', ...args, '--since', '1h', '--body-bucket', bodies, '--body-key-prefix', 'Shop-Payments-1A2B3C4D']);

    // THEN the message points at the exact bytes
    expect(stored.code).toBe(0);
    const [envelope] = await envelopes(queue.url);
    expect(envelope).toMatchObject({ origin: 'replay', bodyEncoding: 'ref', bodyRef: { bucket: bodies, size: big.bytes.length, sha256: big.record.bodySha256 } });
    expect(envelope.body).toBeUndefined();
    expect(envelope.bodyRef!.key.startsWith('Shop-Payments-1A2B3C4D/stripe/')).toBe(true);
    const object = await s3.send(new GetObjectCommand({ Bucket: bodies, Key: envelope.bodyRef!.key }));
    expect(Buffer.from(await object.Body!.transformToByteArray())).toEqual(big.bytes);
  });

  test('refuses with a clear message when the receiver (found in its stack outputs) has no archive', async () => {
    // GIVEN a deployed receiver without an archive
    const g = givenStack();
    const receiver = new WebhookReceiver(g.stack, 'Payments', { provider: WebhookProvider.stripe({ secret: g.stripeSecret }), processor: g.processor });
    const { queue, table } = await given();
    const outputs = deployedOutputs(Template.fromStack(g.stack).toJSON().Outputs, {
      [g.stack.getLogicalId(receiver.queue.node.defaultChild as CfnElement)]: queue.url,
      [g.stack.getLogicalId(receiver.deadLetterQueue.node.defaultChild as CfnElement)]: queue.url,
      [g.stack.getLogicalId(receiver.table.node.defaultChild as CfnElement)]: table,
    });
    const cloudformation = await startDescribeStacksStandIn({ Shop: outputs });

    // WHEN
    const result = await runCli(['replay', '--stack', 'Shop', '--receiver', 'Payments', '--since', '2h'], { cloudformation: cloudformation.endpoint });
    await cloudformation.close();

    // THEN
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The receiver (stack Shop, receiver Payments) has no archive, so there is nothing to replay from.');
    expect(await drain(aws.sqs, queue.url)).toEqual([]);
  });

  test('onto a FIFO queue (ordering): each event in its provider\'s group, not mistaken by SQS for the delivery it repeats', async () => {
    // GIVEN a FIFO queue that already holds the original deliveries, sent as the verifier sends them (the inbox key as
    // deduplication id, within SQS's 5-minute window), and their archived requests
    const { bucket, table } = await given();
    const name = `${uniqueName('queue')}.fifo`;
    const created = await aws.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false' } }));
    const fifoUrl = new URL(new URL(created.QueueUrl!).pathname, endpoints().sqs).toString();
    const archived = [await archive(bucket, 'stripe', 'invoice.paid', 3), await archive(bucket, 'stripe', 'charge.failed', 2)];
    for (const { record } of archived) {
      const event = record.events[0];
      await aws.sqs.send(new SendMessageCommand({ QueueUrl: fifoUrl, MessageBody: JSON.stringify(event), MessageGroupId: `stripe#${event.deliveryId}`, MessageDeduplicationId: event.key }));
    }
    for (let batch = await drain(aws.sqs, fifoUrl); batch.length > 0; batch = await drain(aws.sqs, fifoUrl)) {
      for (const m of batch) await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: fifoUrl, ReceiptHandle: m.ReceiptHandle! }));
    }

    // WHEN
    const run = await runCli(['replay', '--archive-bucket', bucket, '--queue-url', fifoUrl, '--table-name', table, '--since', '10m']);

    // THEN both replays are on the queue, in the provider's group, with the run record's key as deduplication id
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // A FIFO queue hands out a group's next message only once the one before is deleted.
    const messages = [];
    for (let batch = await drain(aws.sqs, fifoUrl); batch.length > 0; batch = await drain(aws.sqs, fifoUrl)) {
      messages.push(...batch);
      for (const m of batch) await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: fifoUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
    expect(messages).toHaveLength(2);
    expect(messages.map((m) => m.Attributes?.MessageGroupId)).toEqual(['stripe', 'stripe']);
    const runId = /Replay run (r-[0-9a-f]{16}):/.exec(run.stdout)![1];
    expect(messages.map((m) => m.Attributes?.MessageDeduplicationId).sort()).toEqual(archived.map(({ record }) => `replay#${runId}#${record.events[0].key}`).sort());
    expect(messages.map((m) => (JSON.parse(m.Body!) as Envelope).origin)).toEqual(['replay', 'replay']);
  });

  test('fails with exit code 2 on a bad time, and without --since', async () => {
    const { args } = await given();
    const noSince = await runCli(['replay', ...args]);
    expect(noSince.code).toBe(2);
    expect(noSince.stderr).toContain('--since is required');
    const local = await runCli(['replay', ...args, '--since', '2026-12-01T14:00:00']);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('--since must be an ISO-8601 time with a zone');
  });
});
