/**
 * Issue #13, event order: the runtime's "newer wins" option and the FIFO queue option (`ordering`).
 *
 * Handler tests run the shipped verifier bundle (assets/verifier) and the shipped runtime (dist/runtime) against
 * dynalite and fauxqs on loopback; Stripe events are signed by the `stripe` package. The FIFO configuration the
 * verifier reads is the construct's own output (`orderingConfig`). fauxqs's FIFO queues were checked before being
 * relied on: they need a MessageGroupId, deduplicate by MessageDeduplicationId for 5 minutes, hand out a group's
 * messages in order and hold a group back while one of its messages is in flight. One quirk: messages made
 * visible again one by one are put back at the head of their group each (so the last returned comes first); real
 * SQS keeps a group's order by sequence number, so `settle` returns failed messages last-first, which gives the
 * order SQS would.
 */
import * as path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import Stripe from 'stripe';
import type { Envelope, VerifierConfig } from '../contract/config';
import { METRIC, METRICS_NAMESPACE_ENV, METRICS_RECEIVER_ENV } from '../contract/metric-names';
import { RequestValue, WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';
import { orderingConfig } from '../lib/private/ordering';
import { apiEvent, captureLogs, clients, createInboxTable, createQueue, createSecret, drain, endpoints, getRecord, loadBundle, REGION, sqsRecord, uniqueName, useEmulatorsForDefaultClients } from './support/aws';
import { givenStack } from './support/stacks';
import { verifierConfigOf } from './support/verifier-config';

type RuntimeModule = typeof import('../lambda/runtime/index');
type VerifierModule = typeof import('../lambda/verifier/index');
type Handler = (event: SQSEvent) => Promise<SQSBatchResponse>;

const SECRET = `whsec_${randomUUID().replace(/-/g, '')}`;
const stripe = new Stripe('sk_test_unused');
const aws = clients();

let runtime: RuntimeModule;
let tableName: string;
let standard: { url: string; arn: string };
let fifo: { url: string; arn: string };
let fifoDeadLetters: { url: string; arn: string };
let verifyStandard: (event: ReturnType<typeof apiEvent>) => Promise<{ statusCode: number; body: string }>;
let verifyFifo: (event: ReturnType<typeof apiEvent>) => Promise<{ statusCode: number; body: string }>;

beforeAll(async () => {
  useEmulatorsForDefaultClients();
  tableName = await createInboxTable(aws.dynamodb);
  standard = await createQueue(aws.sqs);
  fifoDeadLetters = await createFifoQueue();
  fifo = await createFifoQueue({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: fifoDeadLetters.arn, maxReceiveCount: 5 }) });
  const secretArn = await createSecret(aws.secretsManager, SECRET);
  const provider = WebhookProvider.stripe({ secret: secretsmanager.Secret.fromSecretNameV2(new Stack(new App(), 'Config'), 'Secret', 'webhooks/stripe') });
  const base: VerifierConfig = {
    tableName,
    queueUrl: standard.url,
    maxBodyBytes: 256 * 1024,
    maxMessageBytes: 1024 * 1024,
    leaseSeconds: 20,
    secretMaxAgeSeconds: 300,
    secretRefreshMinIntervalSeconds: 30,
    providers: { '/stripe': { ...provider._toConfig('https://unused.invalid'), id: 'stripe', secretId: secretArn } },
  };
  const verifier = loadBundle<VerifierModule>('verifier');
  const standardHandler = verifier.verifierFromConfig(base);
  const fifoHandler = verifier.verifierFromConfig({
    ...base,
    queueUrl: fifo.url,
    ordering: orderingConfig({ entityKey: RequestValue.jsonPath('data.object.id') }, [provider]),
  });
  verifyStandard = async (event) => (await captureLogs(() => standardHandler(event))).result;
  verifyFifo = async (event) => (await captureLogs(() => fifoHandler(event))).result;
  jest.isolateModules(() => {
    runtime = require(path.join(__dirname, '..', 'dist', 'runtime', 'index.js')) as RuntimeModule;
  });
});

afterEach(async () => {
  for (const queue of [standard, fifo, fifoDeadLetters]) await drain(aws.sqs, queue.url);
});

/** A FIFO queue with the attributes the construct sets (content-based deduplication off). */
async function createFifoQueue(attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const name = `${uniqueName('queue')}.fifo`;
  const out = await aws.sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false', MaximumMessageSize: '1048576', ...attributes } }),
  );
  // As createQueue: the same queue at the loopback endpoint.
  return { url: new URL(new URL(out.QueueUrl!).pathname, endpoints().sqs).toString(), arn: `arn:aws:sqs:${REGION}:000000000000:${name}` };
}

/** A Stripe event about `entity`, created at `created` (seconds; absent: no event time), signed by the `stripe` package. */
function stripeEvent(entity: string | undefined, created: number | undefined, id = `evt_${randomUUID().replace(/-/g, '')}`) {
  const payload = JSON.stringify({
    id,
    object: 'event',
    type: 'customer.updated',
    ...(created !== undefined ? { created } : {}),
    data: { object: entity !== undefined ? { id: entity, object: 'customer' } : { object: 'balance' } },
  });
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
  return { id, event: apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature } }) };
}

/** Delivers an event through the shipped verifier (standard or FIFO queue); returns its id. */
async function deliver(entity: string | undefined, created: number | undefined, queue: 'standard' | 'fifo' = 'standard', id?: string): Promise<string> {
  const request = stripeEvent(entity, created, id);
  const response = await (queue === 'fifo' ? verifyFifo : verifyStandard)(request.event);
  expect(response.statusCode).toBe(200);
  return request.id;
}

/** Receives up to 10 messages, as Lambda's event source mapping would (system attributes included). */
async function receive(queue: { url: string; arn: string }): Promise<Message[]> {
  const out = await aws.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
  );
  return out.Messages ?? [];
}

/** What Lambda does with the response: the rest are deleted, failed items become visible again (last first, see above). */
async function settle(queue: { url: string }, messages: Message[], response: SQSBatchResponse, options: { returnFailures?: boolean } = {}) {
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  for (const message of messages.filter((m) => !failed.has(m.MessageId!))) {
    await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle! }));
  }
  if (options.returnFailures ?? true) {
    for (const message of messages.filter((m) => failed.has(m.MessageId!)).reverse()) {
      await aws.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
    }
  }
}

/** Runs a processor over a batch, with its metrics on (as the construct's environment turns them on); returns the counters summed. */
async function run(handler: Handler, queue: { arn: string }, messages: Message[]): Promise<{ response: SQSBatchResponse; metrics: Record<string, number> }> {
  process.env[METRICS_NAMESPACE_ENV] = 'WebhookReceiver';
  process.env[METRICS_RECEIVER_ENV] = 'Test/Receiver';
  try {
    const { result, lines } = await captureLogs(() => handler({ Records: messages.map((m) => sqsRecord(m, queue.arn)) }));
    const metrics: Record<string, number> = {};
    // One EMF line per record.
    for (const line of lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l._aws !== undefined)) {
      for (const name of Object.values(METRIC)) if (typeof line[name] === 'number' && name !== METRIC.eventAge) metrics[name] = (metrics[name] ?? 0) + (line[name] as number);
    }
    return { response: result, metrics };
  } finally {
    delete process.env[METRICS_NAMESPACE_ENV];
    delete process.env[METRICS_RECEIVER_ENV];
  }
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** A processor with newer wins keyed by the Stripe object's id; records the ids of the events it ran. */
function newerWinsProcessor(options: { failOnce?: string } = {}) {
  const ran: string[] = [];
  let failed = false;
  const handler = runtime.webhookProcessor(
    (event) => {
      if (event.deliveryId === options.failOnce && !failed) {
        failed = true;
        throw new Error('downstream unavailable');
      }
      ran.push(event.deliveryId);
    },
    { tableName, logger: quiet, newerWins: { entityId: (event) => event.json<{ data: { object: { id?: string } } }>().data.object.id } },
  );
  return { handler, ran };
}

describe('newer wins', () => {
  const T = 1_780_000_000;

  test('an older event for an entity after a newer one is skipped, acknowledged and counted', async () => {
    // GIVEN the newer event of customer A processed
    const entity = `cus_${randomUUID()}`;
    const { handler, ran } = newerWinsProcessor();
    const newer = await deliver(entity, T + 10);
    const first = await receive(standard);
    expect((await run(handler, standard, first)).metrics[METRIC.processed]).toBe(1);
    await settle(standard, first, { batchItemFailures: [] });

    // WHEN an older event of A arrives after it
    const older = await deliver(entity, T);
    const second = await receive(standard);
    const { response, metrics } = await run(handler, standard, second);

    // THEN it is acknowledged without running, counted, and done in the inbox; the entity keeps the newer time
    expect(ran).toEqual([newer]);
    expect(response.batchItemFailures).toEqual([]);
    expect(metrics).toEqual({ [METRIC.skippedAsOlder]: 1 }); // (counters at 0 are not written)
    expect((await getRecord(aws.dynamodb, tableName, `stripe#${older}`))?.status.S).toBe('DONE');
    const record = await getRecord(aws.dynamodb, tableName, `entity#stripe#${entity}`);
    expect(record?.lastTime.N).toBe(String((T + 10) * 1000));
    expect(record?.lastKey.S).toBe(`stripe#${newer}`);
    expect(Number(record?.expiresAt.N)).toBeGreaterThan(Date.now() / 1000 + 29 * 86400);
  });

  test('an event with the same time as the last one runs (equal is not older), and so does a newer one', async () => {
    // GIVEN an event of A at T processed
    const entity = `cus_${randomUUID()}`;
    const { handler, ran } = newerWinsProcessor();
    const first = await deliver(entity, T);
    let batch = await receive(standard);
    await settle(standard, batch, (await run(handler, standard, batch)).response);

    // WHEN another event of A with the same time (Stripe stamps whole seconds) arrives, then one a second later
    const same = await deliver(entity, T);
    batch = await receive(standard);
    const equal = await run(handler, standard, batch);
    await settle(standard, batch, equal.response);
    const later = await deliver(entity, T + 1);
    batch = await receive(standard);
    await run(handler, standard, batch);

    // THEN all three ran, none was skipped
    expect(ran).toEqual([first, same, later]);
    expect(equal.metrics[METRIC.skippedAsOlder]).toBeUndefined(); // (not written: 0)
    expect((await getRecord(aws.dynamodb, tableName, `entity#stripe#${entity}`))?.lastKey.S).toBe(`stripe#${later}`);
  });

  test('an event without an event time runs unchecked and leaves the entity as it was', async () => {
    // GIVEN an event of A at T + 10 processed
    const entity = `cus_${randomUUID()}`;
    const { handler, ran } = newerWinsProcessor();
    const newer = await deliver(entity, T + 10);
    let batch = await receive(standard);
    await settle(standard, batch, (await run(handler, standard, batch)).response);

    // WHEN an event of A without `created` (so without eventTime) arrives
    const timeless = await deliver(entity, undefined);
    batch = await receive(standard);
    expect(JSON.parse(batch[0].Body!).eventTime).toBeUndefined();
    const { metrics } = await run(handler, standard, batch);

    // THEN it ran, and the entity still holds the newer event
    expect(ran).toEqual([newer, timeless]);
    expect(metrics[METRIC.processed]).toBe(1);
    const record = await getRecord(aws.dynamodb, tableName, `entity#stripe#${entity}`);
    expect(record?.lastKey.S).toBe(`stripe#${newer}`);
    expect(record?.lastTime.N).toBe(String((T + 10) * 1000));
  });

  test('two entities are independent: an old event of B runs after a newer one of A', async () => {
    // GIVEN an event of A at T + 100 processed
    const [a, b] = [`cus_${randomUUID()}`, `cus_${randomUUID()}`];
    const { handler, ran } = newerWinsProcessor();
    const ofA = await deliver(a, T + 100);
    let batch = await receive(standard);
    await settle(standard, batch, (await run(handler, standard, batch)).response);

    // WHEN an event of B at T arrives
    const ofB = await deliver(b, T);
    batch = await receive(standard);
    const { metrics } = await run(handler, standard, batch);

    // THEN it runs
    expect(ran).toEqual([ofA, ofB]);
    expect(metrics[METRIC.skippedAsOlder]).toBeUndefined(); // (not written: 0)
  });

  test('eventTime orders by a time of your choosing instead of the provider\'s', async () => {
    // GIVEN newer wins ordered by the customer's own `updated` field, not the event's `created`
    const entity = `cus_${randomUUID()}`;
    const ran: string[] = [];
    const handler = runtime.webhookProcessor((event) => void ran.push(event.deliveryId), {
      tableName,
      logger: quiet,
      newerWins: {
        entityId: (event) => event.json<{ data: { object: { id: string } } }>().data.object.id,
        eventTime: (event) => new Date(Number(event.json<{ data: { object: { updated: number } } }>().data.object.updated) * 1000),
      },
    });
    const send = async (created: number, updated: number) => {
      const payload = JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', type: 'customer.updated', created, data: { object: { id: entity, updated } } });
      const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
      expect((await verifyStandard(apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature } }))).statusCode).toBe(200);
      const batch = await receive(standard);
      const result = await run(handler, standard, batch);
      await settle(standard, batch, result.response);
      return result.metrics;
    };

    // WHEN an event created later carries an older state of the customer
    await send(T, T + 50);
    const metrics = await send(T + 100, T + 10);

    // THEN it is skipped: its `updated` is older
    expect(metrics[METRIC.skippedAsOlder]).toBe(1);
    expect(ran).toHaveLength(1);
  });

  test('an entityId that is not a non-empty string fails the event with InvalidEntityIdError, and its claim is given back', async () => {
    // GIVEN an entityId returning an empty string
    const errors: string[] = [];
    const handler = runtime.webhookProcessor(() => {}, {
      tableName,
      logger: { ...quiet, error: (_message: string, fields?: Record<string, unknown>) => void errors.push(JSON.stringify(fields)) },
      newerWins: { entityId: () => '' },
    });
    const id = await deliver(`cus_${randomUUID()}`, T);
    const batch = await receive(standard);

    // WHEN
    const { response } = await run(handler, standard, batch);

    // THEN
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: batch[0].MessageId }]);
    // (the log names the error, never its message, which could echo request data)
    expect(errors.join('\n')).toMatch(/"error":"InvalidEntityIdError"/);
    expect((await getRecord(aws.dynamodb, tableName, `stripe#${id}`))?.status.S).toBe('ENQUEUED');
  });

  test('the check comes before your function: a newer event that failed keeps its entity, an older one in between is skipped, the retry runs', async () => {
    // GIVEN the newer event of A failing once, its message waiting out its visibility timeout
    const entity = `cus_${randomUUID()}`;
    const newer = await deliver(entity, T + 10);
    const { handler, ran } = newerWinsProcessor({ failOnce: newer });
    const failedBatch = await receive(standard);
    const failed = await run(handler, standard, failedBatch);
    expect(failed.response.batchItemFailures).toHaveLength(1);
    await settle(standard, failedBatch, failed.response, { returnFailures: false });

    // WHEN an older event of A arrives meanwhile
    const older = await deliver(entity, T);
    const between = await receive(standard);
    expect(between.map((m) => (JSON.parse(m.Body!) as Envelope).deliveryId)).toEqual([older]);
    const skipped = await run(handler, standard, between);
    await settle(standard, between, skipped.response);

    // AND the newer one is handed out again
    await settle(standard, failedBatch, failed.response);
    const retry = await receive(standard);
    const retried = await run(handler, standard, retry);

    // THEN the older one was skipped, and the newer one ran on its retry (its own time: admitted again)
    expect(skipped.metrics[METRIC.skippedAsOlder]).toBe(1);
    expect(retried.metrics[METRIC.processed]).toBe(1);
    expect(ran).toEqual([newer]);
  });
});

describe('FIFO queue: the verifier', () => {
  test('sends with the entity key as message group and the inbox key as deduplication id; no entity key: the provider\'s group', async () => {
    // WHEN events of customer A, of customer B, and of no customer are delivered
    const a = `cus_${randomUUID().slice(0, 8)}`;
    const b = `cus_${randomUUID().slice(0, 8)}`;
    const ids = [await deliver(a, 1, 'fifo'), await deliver(b, 2, 'fifo'), await deliver(undefined, 3, 'fifo')];

    // THEN
    const messages = await receive(fifo);
    const sent = Object.fromEntries(messages.map((m) => [(JSON.parse(m.Body!) as Envelope).deliveryId, m.Attributes]));
    expect(sent[ids[0]]).toMatchObject({ MessageGroupId: `stripe#${a}`, MessageDeduplicationId: `stripe#${ids[0]}` });
    expect(sent[ids[1]]).toMatchObject({ MessageGroupId: `stripe#${b}`, MessageDeduplicationId: `stripe#${ids[1]}` });
    expect(sent[ids[2]]).toMatchObject({ MessageGroupId: 'stripe', MessageDeduplicationId: `stripe#${ids[2]}` });
  });

  test('an entity key SQS would not take as a group id is sent as its SHA-256', async () => {
    // WHEN the entity key has a space and non-ASCII characters
    const id = await deliver('café au lait', 1, 'fifo');

    // THEN
    const [message] = await receive(fifo);
    expect((JSON.parse(message.Body!) as Envelope).deliveryId).toBe(id);
    expect(message.Attributes?.MessageGroupId).toMatch(/^stripe#sha256:[0-9a-f]{64}$/);
  });

  test('a send repeated after its inbox claim was lost adds no second message (SQS FIFO deduplication)', async () => {
    // GIVEN an event enqueued, whose inbox record is then gone (as after a send that timed out but reached the queue)
    const entity = `cus_${randomUUID().slice(0, 8)}`;
    const request = stripeEvent(entity, 1);
    expect((await verifyFifo(request.event)).statusCode).toBe(200);
    await aws.dynamodb.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: `stripe#${request.id}` } } }));

    // WHEN the provider retries: the verifier claims it again and sends again
    const retry = await verifyFifo(request.event);

    // THEN it answers as for a new event, and the queue still holds one message
    expect(JSON.parse(retry.body).code).toBe('accepted');
    expect(await receive(fifo)).toHaveLength(1);
  });
});

describe('FIFO queue: the runtime', () => {
  function recordingProcessor(failOnce: Set<string>) {
    const seen: string[] = [];
    const handler = runtime.webhookProcessor(
      (event) => {
        seen.push(event.deliveryId);
        if (failOnce.delete(event.deliveryId)) throw new Error('downstream unavailable');
      },
      { tableName, logger: quiet },
    );
    return { handler, seen };
  }

  test('a group stops at its first failure: its failed and later records come back, another group goes on', async () => {
    // GIVEN a batch as Lambda hands it from a FIFO queue: A1, B1, A2, A3 (real SQS hands out several messages of a
    // group in one receive; fauxqs one per group and receive, so the batch is put together from the messages the
    // verifier sent, received one by one with their attributes), the first of A failing
    const [a, b] = [`cus_${randomUUID().slice(0, 8)}`, `cus_${randomUUID().slice(0, 8)}`];
    const a1 = await deliver(a, 1, 'fifo');
    const b1 = await deliver(b, 1, 'fifo');
    const a2 = await deliver(a, 2, 'fifo');
    const a3 = await deliver(a, 3, 'fifo');
    const sent = new Map<string, Message>();
    for (let received = await receive(fifo); received.length > 0; received = await receive(fifo)) {
      await settle(fifo, received, { batchItemFailures: [] });
      for (const message of received) sent.set((JSON.parse(message.Body!) as Envelope).deliveryId, message);
    }
    const batch = [a1, b1, a2, a3].map((id) => sent.get(id)!);
    expect(batch.map((m) => m.Attributes?.MessageGroupId)).toEqual([`stripe#${a}`, `stripe#${b}`, `stripe#${a}`, `stripe#${a}`]);
    const { handler, seen } = recordingProcessor(new Set([a1]));

    // WHEN
    const { response, metrics } = await run(handler, fifo, batch);

    // THEN A's failed record and both later ones come back; B's ran and is done; A2 and A3 did not run
    expect(response.batchItemFailures).toEqual([a1, a2, a3].map((id) => ({ itemIdentifier: sent.get(id)!.MessageId })));
    expect(seen).toEqual([a1, b1]);
    expect(metrics).toMatchObject({ [METRIC.processingFailed]: 1, [METRIC.groupStopped]: 2, [METRIC.processed]: 1 });
    expect((await getRecord(aws.dynamodb, tableName, `stripe#${b1}`))?.status.S).toBe('DONE');
    for (const id of [a1, a2, a3]) expect((await getRecord(aws.dynamodb, tableName, `stripe#${id}`))?.status.S).toBe('ENQUEUED');
  });

  test('through the FIFO queue, one entity\'s events reach the processor in order, and another entity\'s are not held up by its failure', async () => {
    // GIVEN three events of A (the first failing once) and one of B
    const [a, b] = [`cus_${randomUUID().slice(0, 8)}`, `cus_${randomUUID().slice(0, 8)}`];
    const a1 = await deliver(a, 1, 'fifo');
    const a2 = await deliver(a, 2, 'fifo');
    const b1 = await deliver(b, 1, 'fifo');
    const a3 = await deliver(a, 3, 'fifo');
    const { handler, seen } = recordingProcessor(new Set([a1]));

    // WHEN the first batch runs, and A's failed message waits out its visibility timeout
    const first = await receive(fifo);
    const failed = await run(handler, fifo, first);
    await settle(fifo, first, failed.response, { returnFailures: false });
    // B's next event arrives meanwhile
    const b2 = await deliver(b, 2, 'fifo');
    const whileHeld: string[] = [];
    for (let batch = await receive(fifo); batch.length > 0; batch = await receive(fifo)) {
      whileHeld.push(...batch.map((m) => (JSON.parse(m.Body!) as Envelope).deliveryId));
      await settle(fifo, batch, (await run(handler, fifo, batch)).response);
    }
    // A's message comes back; the queue is run until it is empty
    await settle(fifo, first, failed.response);
    for (let batch = await receive(fifo); batch.length > 0; batch = await receive(fifo)) {
      const { response } = await run(handler, fifo, batch);
      expect(response.batchItemFailures).toEqual([]);
      await settle(fifo, batch, response);
    }

    // THEN B's events ran while A was held back, and A's ran in order, A1 twice (its failure, then its success)
    expect(failed.response.batchItemFailures).toHaveLength(1);
    expect(whileHeld).toEqual([b2]);
    expect(seen.filter((id) => id === b1 || id === b2)).toEqual([b1, b2]);
    expect(seen.filter((id) => [a1, a2, a3].includes(id))).toEqual([a1, a1, a2, a3]);
  });

  test('records without a message group (a standard queue) go on after a failure', async () => {
    // GIVEN three events on the standard queue, the first failing
    const ids = [await deliver(`cus_${randomUUID()}`, 1), await deliver(`cus_${randomUUID()}`, 1), await deliver(`cus_${randomUUID()}`, 1)];
    const batch = await receive(standard);
    const first = (JSON.parse(batch[0].Body!) as Envelope).deliveryId;
    const { handler, seen } = recordingProcessor(new Set([first]));

    // WHEN
    const { response, metrics } = await run(handler, standard, batch);

    // THEN only the failed one comes back
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: batch[0].MessageId }]);
    expect([...seen].sort()).toEqual([...ids].sort());
    // and its metric lines are those of a processor without ordering: no GroupStopped, no SkippedAsOlder
    expect(metrics[METRIC.groupStopped]).toBeUndefined();
    expect(metrics[METRIC.skippedAsOlder]).toBeUndefined();
  });
});

describe('FIFO queue: the construct', () => {
  function receiver(props: Partial<WebhookReceiverProps> = {}, options: { nag?: boolean; outdir?: string } = {}) {
    const given = givenStack(options);
    const r = new WebhookReceiver(given.stack, 'Receiver', {
      providers: [WebhookProvider.stripe({ secret: given.stripeSecret }), WebhookProvider.github({ secret: given.githubSecret })],
      processor: given.processor,
      ordering: { entityKey: RequestValue.jsonPath('data.object.id'), entityKeys: { github: RequestValue.jsonPath('repository.id') } },
      ...props,
    });
    return { given, receiver: r };
  }

  test('the queue and its dead-letter queue are FIFO, with content-based deduplication off', () => {
    // GIVEN
    const { given, receiver: r } = receiver();

    // WHEN
    const template = Template.fromStack(given.stack);

    // THEN
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: false,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, ContentBasedDeduplication: false, RedrivePolicy: Match.absent() });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
    expect(r.queue.fifo).toBe(true);
    expect(r.deadLetterQueue.fifo).toBe(true);
  });

  test('the verifier is told each provider\'s entity key', () => {
    // GIVEN
    const { receiver: r } = receiver();

    // WHEN
    const config = verifierConfigOf(r);

    // THEN
    expect(config.ordering).toEqual({ entityKeys: { stripe: { jsonPath: 'data.object.id' }, github: { jsonPath: 'repository.id' } } });
  });

  test('without ordering the queues are standard and the verifier sends no group', () => {
    // GIVEN
    const given = givenStack();
    const r = new WebhookReceiver(given.stack, 'Receiver', { provider: WebhookProvider.stripe({ secret: given.stripeSecret }), processor: given.processor });

    // THEN
    Template.fromStack(given.stack).allResourcesProperties('AWS::SQS::Queue', { FifoQueue: Match.absent() });
    expect(verifierConfigOf(r).ordering).toBeUndefined();
  });

  test('cdk-nag finds nothing on a receiver with ordering', () => {
    // GIVEN
    const outdir = mkdtempSync(path.join(tmpdir(), 'nag-ordering-'));
    const { given } = receiver({}, { nag: true, outdir });

    // WHEN / THEN
    expect(() => given.app.synth()).not.toThrow();
  });

  test('fails if maxBatchingWindow is set with ordering', () => {
    expect(() => receiver({ maxBatchingWindow: Duration.seconds(5) })).toThrow(/maxBatchingWindow cannot be set with ordering: Lambda takes no batching window from a FIFO queue/);
  });

  test('fails if an entity key is the event type', () => {
    expect(() => receiver({ ordering: { entityKey: RequestValue.eventType() } })).toThrow(/ordering.entityKey is RequestValue.eventType\(\); an entity key is a header or a JSON path/);
  });

  test('fails if an entity key is not a RequestValue', () => {
    expect(() => receiver({ ordering: { entityKeys: { stripe: 'data.object.id' as unknown as RequestValue } } })).toThrow(/ordering.entityKeys.stripe must be a RequestValue/);
  });

  test('fails at synth if entityKeys names a provider the receiver does not have', () => {
    // GIVEN
    const { given } = receiver({ ordering: { entityKeys: { shopify: RequestValue.header('X-Shopify-Order-Id') } } });

    // WHEN / THEN
    expect(() => given.app.synth()).toThrow(/ordering.entityKeys names provider "shopify", which this receiver does not have; it has: stripe, github/);
  });
});
