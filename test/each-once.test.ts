/**
 * Each verified event reaches the user's function once, under real timing: a processor slower than the lease, a
 * provider retry after the lease, the same SQS message handed to two invocations at once, a send that timed out
 * after SQS accepted it, an invocation that times out mid-batch, a verifier that dies between claim and send, a
 * delivery id reused with other bytes, and a storm of duplicates with the processor running through it.
 *
 * Everything runs as shipped: the verifier bundle (assets/verifier) and the runtime (dist/runtime), with the real
 * SDK v3 clients against dynalite and fauxqs on loopback. Events are signed by the `stripe` package. The tests
 * play Lambda's part where the emulators cannot: they receive from the queue as the event source mapping does,
 * delete what the runtime acknowledged, make failed items visible again, and stand in for a killed invocation
 * by never awaiting it.
 */
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import Stripe from 'stripe';
import type { VerifierConfig } from '../contract/config';
import { apiEvent, clients, createInboxTable, createQueue, createSecret, drain, getRecord, loadBundle, useEmulatorsForDefaultClients, sqsRecord } from './support/aws';

type RuntimeModule = typeof import('../lambda/runtime/index');
type VerifierModule = typeof import('../lambda/verifier/index');

const SECRET = 'whsec_each_once_tests_51d0';
const MAX_RECEIVE_COUNT = 3;
const LEASE_SECONDS = 20;
const stripe = new Stripe('sk_test_unused');
const aws = clients();

let verifierModule: VerifierModule;
let runtime: RuntimeModule;
let tableName: string;
let queue: { url: string; arn: string };
let deadLetterQueue: { url: string; arn: string };
let config: VerifierConfig;

beforeAll(async () => {
  useEmulatorsForDefaultClients();
  tableName = await createInboxTable(aws.dynamodb);
  deadLetterQueue = await createQueue(aws.sqs);
  queue = await createQueue(aws.sqs, {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: MAX_RECEIVE_COUNT }),
  });
  const secretArn = await createSecret(aws.secretsManager, SECRET);
  config = {
    tableName,
    queueUrl: queue.url,
    maxBodyBytes: 256 * 1024,
    maxMessageBytes: 1024 * 1024,
    leaseSeconds: LEASE_SECONDS,
    secretMaxAgeSeconds: 300,
    secretRefreshMinIntervalSeconds: 30,
    providers: { '/stripe': { id: 'stripe', kind: 'stripe', secretId: secretArn, dedupWindowSeconds: 604800, toleranceSeconds: 300 } },
  };
  verifierModule = loadBundle<VerifierModule>('verifier');
  jest.isolateModules(() => {
    runtime = require(path.join(__dirname, '..', 'dist', 'runtime', 'index.js')) as RuntimeModule;
  });
});

afterEach(async () => {
  await drain(aws.sqs, queue.url);
  await drain(aws.sqs, deadLetterQueue.url);
});

interface VerifierOptions {
  readonly now?: () => number;
  readonly sqs?: { send: (command: never) => Promise<unknown> };
  readonly metrics?: string[];
}

/** The shipped verifier with its real clients; the clock, the SQS client and the metrics sink can be swapped. */
function verifier(options: VerifierOptions = {}) {
  const handler = verifierModule.createVerifier({
    config,
    inbox: new verifierModule.Inbox(verifierModule.dynamodb, tableName, LEASE_SECONDS * 1000),
    secrets: new verifierModule.SecretCache(verifierModule.secretsManager, { maxAgeMs: 300_000, refreshMinIntervalMs: 30_000 }),
    sqs: (options.sqs ?? verifierModule.sqs) as never,
    log: verifierModule.jsonLogger(() => undefined),
    metrics: options.metrics ? verifierModule.emfMetrics({ receiver: 'each-once' }, (line) => options.metrics!.push(line)) : undefined,
    now: options.now,
  });
  return async (payload: string, timestampMs = options.now?.() ?? Date.now()) => {
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: Math.floor(timestampMs / 1000) });
    const response = await handler(apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature } }));
    return { status: response.statusCode, body: JSON.parse(response.body) as { code?: string; error?: string } };
  };
}

function stripeEvent(id = `evt_${randomUUID().replace(/-/g, '')}`, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ id, object: 'event', type: 'invoice.paid', data: { object: { id: 'in_1' } }, ...extra });
}

async function receive(max = 10): Promise<SQSRecord[]> {
  const out = await aws.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: max, VisibilityTimeout: 60, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
  );
  return (out.Messages ?? []).map((m) => sqsRecord(m, queue.arn));
}


/** What Lambda does with a batch response: acknowledged items are deleted, failed ones become visible again. */
async function settle(records: SQSRecord[], failures: { itemIdentifier: string }[]): Promise<void> {
  const failed = new Set(failures.map((f) => f.itemIdentifier));
  for (const record of records) {
    if (failed.has(record.messageId)) {
      await aws.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: record.receiptHandle, VisibilityTimeout: 0 }));
    } else {
      await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: record.receiptHandle }));
    }
  }
}

/** Makes every in-flight message visible again, as the end of a visibility timeout would. */
async function expireVisibility(records: SQSRecord[]): Promise<void> {
  for (const record of records) {
    await aws.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: record.receiptHandle, VisibilityTimeout: 0 }));
  }
}

/** A gate the test opens. */
function latch() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** The runtime around the user's function, with a Lambda-like context whose deadline the test sets. */
function processor(fn: Parameters<RuntimeModule['webhookProcessor']>[0], options: { now?: () => number; metrics?: string[] } = {}) {
  const handler = runtime.webhookProcessor(fn, { tableName, logger: quiet, now: options.now });
  return (records: SQSRecord[], remainingMs = 60_000) => handler({ Records: records } as SQSEvent, { getRemainingTimeInMillis: () => remainingMs });
}

const statusOf = async (id: string) => (await getRecord(aws.dynamodb, tableName, `stripe#${id}`))?.status.S;

test('a processor slower than the lease and a re-signed retry after the lease: 200 duplicate, one message, one run', async () => {
  // GIVEN an event in the queue, and a processor that is working on it and waits on a latch
  let clock = Date.now();
  const deliver = verifier({ now: () => clock });
  const id = `evt_slow_${randomUUID().slice(0, 8)}`;
  expect((await deliver(stripeEvent(id))).body.code).toBe('accepted');
  const gate = latch();
  const runs: string[] = [];
  const records = await receive();
  expect(records).toHaveLength(1);
  const running = processor(async (event) => {
    runs.push(event.deliveryId);
    await gate.opened;
  })(records);
  while ((await statusOf(id)) !== 'PROCESSING') await new Promise((r) => setTimeout(r, 5));

  // WHEN Stripe retries after the verifier's lease has run out, signed afresh
  clock += (LEASE_SECONDS + 5) * 1000;
  const retry = await deliver(stripeEvent(id));

  // THEN the retry is a duplicate: nothing new in the queue
  expect(retry).toEqual({ status: 200, body: expect.objectContaining({ code: 'duplicate' }) });
  expect(await receive()).toHaveLength(0);

  // WHEN the processor finishes
  gate.open();
  const response = await running;
  await settle(records, response.batchItemFailures);

  // THEN the user's function ran once, and the event is DONE
  expect(runs).toEqual([id]);
  expect(await statusOf(id)).toBe('DONE');
});

test('the same SQS message handed to two invocations at once runs once; the second copy is returned, then skipped as done', async () => {
  // GIVEN one message received twice (the first receive's visibility ended while its invocation still runs)
  const deliver = verifier();
  const id = `evt_twice_${randomUUID().slice(0, 8)}`;
  await deliver(stripeEvent(id));
  const [first] = await receive();
  await expireVisibility([first]);
  const [second] = await receive();
  expect(second.messageId).toBe(first.messageId);

  const gate = latch();
  const runs: string[] = [];
  const handle = processor(async (event) => {
    runs.push(event.messageId);
    await gate.opened;
  });

  // WHEN both invocations run at once
  const a = handle([first]);
  while ((await statusOf(id)) !== 'PROCESSING') await new Promise((r) => setTimeout(r, 5));
  const b = await handle([second]);

  // THEN the second copy is not acknowledged (deleting it would delete the message the first still needs)
  expect(b.batchItemFailures).toEqual([{ itemIdentifier: second.messageId }]);
  gate.open();
  expect((await a).batchItemFailures).toEqual([]);
  expect(runs).toEqual([first.messageId]);

  // WHEN the returned copy comes back after the first finished, THEN it is skipped as done
  const third = await handle([second]);
  expect(third.batchItemFailures).toEqual([]);
  expect(runs).toHaveLength(1);
  await settle([first], []);
});

test('a send that failed on the client side after SQS accepted it: the retry enqueues again, the function runs once', async () => {
  // GIVEN an SQS client whose first SendMessage reaches the queue and then fails (a timeout after acceptance)
  let failNext = true;
  const sqs = {
    send: async (command: never) => {
      const out = await verifierModule.sqs.send(command);
      if (failNext) {
        failNext = false;
        throw Object.assign(new Error('socket hang up after the request was sent'), { name: 'TimeoutError' });
      }
      return out;
    },
  };
  const deliver = verifier({ sqs });
  const id = `evt_ghost_${randomUUID().slice(0, 8)}`;

  // WHEN the first attempt is answered 503 and the provider retries
  expect((await deliver(stripeEvent(id))).status).toBe(503);
  expect((await deliver(stripeEvent(id))).body.code).toBe('accepted');

  // THEN the queue holds two messages for the event, and the user's function runs once
  const records = await receive();
  expect(records.map((r) => JSON.parse(r.body).deliveryId)).toEqual([id, id]);
  const runs: string[] = [];
  const response = await processor((event) => {
    runs.push(event.deliveryId);
  })(records);
  await settle(records, response.batchItemFailures);
  expect(response.batchItemFailures).toEqual([]);
  expect(runs).toEqual([id]);
  expect(await statusOf(id)).toBe('DONE');
});

test('an invocation that times out mid-batch: unstarted records run on the next receive, the running one once after its lease', async () => {
  // GIVEN three events, and an invocation killed while its function runs the second
  let clock = Date.now();
  const deliver = verifier();
  const ids = [0, 1, 2].map((i) => `evt_timeout_${i}_${randomUUID().slice(0, 8)}`);
  for (const id of ids) await deliver(stripeEvent(id));
  const records = await receive();
  expect(records).toHaveLength(3);
  records.sort((x, y) => ids.indexOf(JSON.parse(x.body).deliveryId) - ids.indexOf(JSON.parse(y.body).deliveryId));
  const completed: string[] = [];
  const hung = latch();
  void processor(
    async (event) => {
      if (event.deliveryId === ids[1]) await new Promise(() => hung.open()); // never returns: the invocation is killed
      completed.push(event.deliveryId);
    },
    { now: () => clock },
  )(records, 30_000);
  await hung.opened;
  expect(completed).toEqual([ids[0]]);
  expect(await statusOf(ids[1])).toBe('PROCESSING');
  expect(await statusOf(ids[2])).toBe('ENQUEUED');

  // WHEN the visibility timeout ends before the dead invocation's lease (30 s left + margin)
  await expireVisibility(records);
  const again = await receive();
  const early = await processor((event) => void completed.push(event.deliveryId), { now: () => clock })(again);
  await settle(again, early.batchItemFailures);

  // THEN the first is skipped as done, the third runs, the second is still held by the dead invocation's lease
  expect(completed).toEqual([ids[0], ids[2]]);
  expect(early.batchItemFailures.map((f) => JSON.parse(again.find((r) => r.messageId === f.itemIdentifier)!.body).deliveryId)).toEqual([ids[1]]);

  // WHEN it comes back after the lease ran out
  clock += 40_000;
  const last = await receive();
  const late = await processor((event) => void completed.push(event.deliveryId), { now: () => clock })(last);
  await settle(last, late.batchItemFailures);

  // THEN it runs once
  expect(late.batchItemFailures).toEqual([]);
  expect(completed).toEqual([ids[0], ids[2], ids[1]]);
  for (const id of ids) expect(await statusOf(id)).toBe('DONE');
});

test('an invocation about to time out starts no new record: the rest go back untouched and are counted', async () => {
  // GIVEN two events and an invocation with 3 s left, below its stop margin once the first is done
  const deliver = verifier();
  const ids = [0, 1].map((i) => `evt_margin_${i}_${randomUUID().slice(0, 8)}`);
  for (const id of ids) await deliver(stripeEvent(id));
  const records = await receive();
  let remaining = 10_000;
  const runs: string[] = [];
  const lines: string[] = [];
  process.env.WEBHOOK_METRICS_NAMESPACE = 'Test';
  process.env.WEBHOOK_METRICS_RECEIVER = 'each-once';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((line) => (lines.push(String(line)), true));
  try {
    const handler = runtime.webhookProcessor(
      (event) => {
        runs.push(event.deliveryId);
        remaining = 500; // the first record took most of the time left
      },
      { tableName, logger: quiet, stopBeforeTimeoutMs: 2000 },
    );
    const response = await handler({ Records: records } as SQSEvent, { getRemainingTimeInMillis: () => remaining });

    // THEN one ran, the other is returned untouched (still ENQUEUED, no claim) and counted
    expect(runs).toHaveLength(1);
    const skipped = records.find((r) => JSON.parse(r.body).deliveryId !== runs[0])!;
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: skipped.messageId }]);
    expect(await statusOf(JSON.parse(skipped.body).deliveryId)).toBe('ENQUEUED');
    const notStarted = lines.map((l) => JSON.parse(l)).filter((m) => m.NotStartedBeforeTimeout === 1);
    expect(notStarted).toHaveLength(1);
  } finally {
    write.mockRestore();
    delete process.env.WEBHOOK_METRICS_NAMESPACE;
    delete process.env.WEBHOOK_METRICS_RECEIVER;
  }
  await settle(records, []);
});

test('a verifier that dies between claim and send: the retry in the lease is told to come back, the one after it delivers once', async () => {
  // GIVEN an attempt whose SendMessage never returns (the process died there)
  let clock = Date.now();
  const dying = verifier({ now: () => clock, sqs: { send: () => new Promise(() => {}) } });
  const id = `evt_crash_${randomUUID().slice(0, 8)}`;
  void dying(stripeEvent(id));
  while ((await statusOf(id)) !== 'CLAIMED') await new Promise((r) => setTimeout(r, 5));

  // WHEN the provider retries inside the lease, THEN 409, nothing enqueued
  const deliver = verifier({ now: () => clock });
  const early = await deliver(stripeEvent(id));
  expect(early).toEqual({ status: 409, body: expect.objectContaining({ error: 'delivery_in_flight' }) });
  expect(await receive()).toHaveLength(0);

  // WHEN it retries after the lease, signed afresh, THEN it is enqueued once and processed once
  clock += (LEASE_SECONDS + 1) * 1000;
  expect((await deliver(stripeEvent(id))).body.code).toBe('accepted');
  const records = await receive();
  expect(records).toHaveLength(1);
  const runs: string[] = [];
  const response = await processor((event) => void runs.push(event.deliveryId))(records);
  await settle(records, response.batchItemFailures);
  expect(runs).toEqual([id]);
});

test('the same delivery id with a different body is a duplicate, never enqueued twice, and counted as a payload mismatch', async () => {
  // GIVEN an event delivered once
  const metrics: string[] = [];
  const deliver = verifier({ metrics });
  const id = `evt_mismatch_${randomUUID().slice(0, 8)}`;
  expect((await deliver(stripeEvent(id))).body.code).toBe('accepted');

  // WHEN the same id arrives with other bytes (and once more with the same bytes)
  const changed = await deliver(stripeEvent(id, { livemode: true }));
  const same = await deliver(stripeEvent(id));

  // THEN both are duplicates; one message in all; only the changed one counts as a mismatch
  expect(changed.body.code).toBe('duplicate');
  expect(same.body.code).toBe('duplicate');
  expect(await drain(aws.sqs, queue.url)).toHaveLength(1);
  const counted = metrics.map((line) => JSON.parse(line)).filter((m) => m.Provider === 'stripe').map((m) => m.PayloadMismatch ?? 0);
  // (a counter at 0 is left out of the EMF document: read as 0)
  expect(counted).toEqual([0, 1, 0]);
});

test('a storm: 1,000 deliveries of 100 ids, 50 at a time, with the processor running through it: 100 runs, nothing in the DLQ', async () => {
  // Queues of its own: the pollers run until the queue is empty, and messages drained by earlier tests stay in
  // flight in the shared queue for the drain's visibility timeout.
  deadLetterQueue = await createQueue(aws.sqs);
  queue = await createQueue(aws.sqs, {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: MAX_RECEIVE_COUNT }),
  });
  config = { ...config, queueUrl: queue.url };
  const ids = Array.from({ length: 100 }, (_, i) => `evt_storm_${i}_${randomUUID().slice(0, 8)}`);
  const deliveries = ids.flatMap((id) => Array.from({ length: 10 }, () => id)).sort(() => Math.random() - 0.5);
  const deliver = verifier();
  const runs = new Map<string, number>();
  const handle = processor(async (event) => {
    runs.set(event.deliveryId, (runs.get(event.deliveryId) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, Math.random() * 5));
  });

  // Providers: 50 concurrent senders; a 409 is retried (as providers do), every other answer ends the delivery.
  const answers: Record<string, number> = {};
  let next = 0;
  const sender = async () => {
    while (next < deliveries.length) {
      const id = deliveries[next++];
      for (let attempt = 0; ; attempt++) {
        const { status, body } = await deliver(stripeEvent(id));
        const code = body.code ?? body.error ?? String(status);
        answers[code] = (answers[code] ?? 0) + 1;
        if (status !== 409 || attempt > 50) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  // The event source mapping: two pollers, each handing batches of up to 10 to the runtime.
  let storming = true;
  const poller = async () => {
    while (storming || (await queueHasMessages())) {
      try {
        const records = await receive();
        if (records.length === 0) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        const response = await handle(records);
        await settle(records, response.batchItemFailures);
      } catch (error) {
        // Kept and asserted below: a poller that died would leave its batch invisible and stall the test.
        pollerErrors.push(String(error));
      }
    }
  };
  const pollerErrors: string[] = [];
  const pollers = [poller(), poller()];
  await Promise.all(Array.from({ length: 50 }, sender));
  storming = false;
  await Promise.all(pollers);

  expect(pollerErrors).toEqual([]);
  expect(answers.accepted).toBe(100);
  expect(Object.keys(answers).filter((code) => !['accepted', 'duplicate', 'delivery_in_flight'].includes(code))).toEqual([]);
  expect(runs.size).toBe(100);
  expect([...runs.values()].every((n) => n === 1)).toBe(true);
  expect(await drain(aws.sqs, deadLetterQueue.url)).toHaveLength(0);
  for (const id of ids.slice(0, 10)) expect(await statusOf(id)).toBe('DONE');
}, 300_000);

async function queueHasMessages(): Promise<boolean> {
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const out = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) > 0;
}

describe('upgrading: what the previous version left in the queue and the inbox keeps its meaning', () => {
  /** An envelope exactly as verifiers before version 2 wrote it. */
  const legacyEnvelope = (id: string, body: string) =>
    JSON.stringify({
      v: 1,
      provider: 'stripe',
      deliveryId: id,
      key: `stripe#${id}`,
      eventType: 'invoice.paid',
      receivedAt: new Date().toISOString(),
      signatureVerified: true,
      contentType: 'application/json',
      bodyEncoding: 'utf8',
      body,
    });

  /** An inbox record as the previous verifier wrote it when it claimed a delivery (it never wrote "enqueued"). */
  async function legacyPending(id: string, leaseUntil: number): Promise<void> {
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    await aws.dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: `stripe#${id}` },
          status: { S: 'PENDING' },
          leaseUntil: { N: String(leaseUntil) },
          leaseToken: { S: randomUUID() },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) },
          provider: { S: 'stripe' },
          deliveryId: { S: id },
          receivedAt: { S: new Date().toISOString() },
        },
      }),
    );
  }

  test('a version 1 message whose record is PENDING is processed once, with the fields it had', async () => {
    // GIVEN a message and a record left by the previous version
    const id = `evt_legacy_${randomUUID().slice(0, 8)}`;
    const body = stripeEvent(id);
    await legacyPending(id, Date.now() - 1000);
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: legacyEnvelope(id, body) }));
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: legacyEnvelope(id, body) }));

    // WHEN the new runtime receives both copies
    const records = await receive();
    expect(records).toHaveLength(2);
    const seen: Array<Record<string, unknown>> = [];
    const response = await processor((event) => {
      seen.push({ id: event.deliveryId, body: event.text(), signatureVerified: event.signatureVerified, authentication: event.authentication, origin: event.origin });
    })(records);
    await settle(records, response.batchItemFailures);

    // THEN it ran once, as the previous runtime would have shown it, and the record is DONE
    expect(response.batchItemFailures).toEqual([]);
    expect(seen).toEqual([{ id, body, signatureVerified: true, authentication: 'hmac', origin: 'delivery' }]);
    expect(await statusOf(id)).toBe('DONE');
  });

  test('a PENDING record is read as a claim: 409 while its lease runs, taken over by a retry after it', async () => {
    let clock = Date.now();
    const deliver = verifier({ now: () => clock });
    const id = `evt_legacy_claim_${randomUUID().slice(0, 8)}`;
    await legacyPending(id, clock + 10_000);

    expect((await deliver(stripeEvent(id))).status).toBe(409);
    clock += 11_000;
    expect((await deliver(stripeEvent(id))).body.code).toBe('accepted');
    expect(await statusOf(id)).toBe('ENQUEUED');
    expect(await drain(aws.sqs, queue.url)).toHaveLength(1);
  });

  test('an envelope of a version this runtime does not know is refused, never passed to the function', async () => {
    const records = [{ ...sqsRecord({ MessageId: randomUUID(), ReceiptHandle: 'r', Body: JSON.stringify({ v: 3, provider: 'stripe' }), MD5OfBody: '' }) }];
    const runs: string[] = [];
    const response = await processor((event) => void runs.push(event.deliveryId))(records);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0].messageId }]);
    expect(runs).toEqual([]);
  });
});
