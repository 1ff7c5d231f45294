/**
 * The processor runtime as shipped (dist/runtime, imported by users as `cdk-webhook-receiver/runtime`) and the
 * example processor bundle, fed by real SQS receives from fauxqs, recording in dynalite. Events get into the
 * queue through the shipped verifier, signed by the `stripe` package.
 */
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ChangeMessageVisibilityCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import Stripe from 'stripe';
import type { VerifierConfig } from '../contract/config';
import { apiEvent, captureLogs, clients, createInboxTable, createQueue, createSecret, drain, getRecord, loadBundle, useEmulatorsForDefaultClients, sqsRecord } from './support/aws';

type RuntimeModule = typeof import('../lambda/runtime/index');
type VerifierModule = typeof import('../lambda/verifier/index');

const SECRET = 'whsec_processor_tests_8c1f';
const MAX_RECEIVE_COUNT = 3;
const stripe = new Stripe('sk_test_unused');
const aws = clients();

let runtime: RuntimeModule;
let verify: (event: ReturnType<typeof apiEvent>) => Promise<{ statusCode: number; body: string }>;
let tableName: string;
let queue: { url: string; arn: string };
let deadLetterQueue: { url: string; arn: string };

beforeAll(async () => {
  useEmulatorsForDefaultClients();
  tableName = await createInboxTable(aws.dynamodb);
  deadLetterQueue = await createQueue(aws.sqs);
  queue = await createQueue(aws.sqs, {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: MAX_RECEIVE_COUNT }),
  });
  const secretArn = await createSecret(aws.secretsManager, SECRET);
  const config: VerifierConfig = {
    tableName,
    queueUrl: queue.url,
    maxBodyBytes: 256 * 1024,
    maxMessageBytes: 1024 * 1024,
    leaseSeconds: 20,
    secretMaxAgeSeconds: 300,
    secretRefreshMinIntervalSeconds: 30,
    providers: { '/stripe': { id: 'stripe', kind: 'stripe', secretId: secretArn, dedupWindowSeconds: 604800, toleranceSeconds: 300 } },
  };
  const verifier = loadBundle<VerifierModule>('verifier');
  const handler = verifier.verifierFromConfig(config);
  verify = async (event) => (await captureLogs(() => handler(event))).result;
  jest.isolateModules(() => {
    runtime = require(path.join(__dirname, '..', 'dist', 'runtime', 'index.js')) as RuntimeModule;
  });
});

afterEach(async () => {
  await drain(aws.sqs, queue.url);
  await drain(aws.sqs, deadLetterQueue.url);
});

/** Sends a Stripe event through the shipped verifier; returns its id. */
async function deliver(type = 'invoice.paid', extra: Record<string, unknown> = {}): Promise<string> {
  const id = `evt_${randomUUID().replace(/-/g, '')}`;
  const payload = JSON.stringify({ id, object: 'event', type, data: { object: { id: 'in_1' } }, ...extra });
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
  const response = await verify(apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature } }));
  expect(response.statusCode).toBe(200);
  return id;
}

/** Receives up to 10 messages, as Lambda's event source mapping would, and shapes them as an SQS event. */
async function receiveBatch(queueUrl = queue.url): Promise<SQSEvent> {
  const out = await aws.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
  );
  return { Records: (out.Messages ?? []).map((m) => sqsRecord(m, queue.arn)) };
}


/** What Lambda does with the response: failed items become visible again, the rest are deleted. */
async function settle(batch: SQSEvent, failures: string[]) {
  for (const record of batch.Records) {
    if (failures.includes(record.messageId)) {
      await aws.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: record.receiptHandle, VisibilityTimeout: 0 }));
    }
  }
}

function quietProcessor(fn: Parameters<RuntimeModule['webhookProcessor']>[0]) {
  const lines: string[] = [];
  const logger = { info: (m: string, f?: object) => lines.push(JSON.stringify({ m, ...f })), warn: () => {}, error: (m: string, f?: object) => lines.push(JSON.stringify({ m, ...f })) };
  return { handler: runtime.webhookProcessor(fn, { tableName, logger }), lines };
}

test('verified events arrive typed, with their exact body and metadata, and are marked DONE', async () => {
  // GIVEN
  const id = await deliver('customer.created', { livemode: false });
  const seen: Array<{ provider: string; deliveryId: string; eventType?: string; type: string; receivedAt: Date }> = [];
  const { handler } = quietProcessor((event) => {
    seen.push({ provider: event.provider, deliveryId: event.deliveryId, eventType: event.eventType, type: event.json<{ type: string }>().type, receivedAt: event.receivedAt });
  });

  // WHEN
  const response = await handler(await receiveBatch());

  // THEN
  expect(response.batchItemFailures).toEqual([]);
  expect(seen).toHaveLength(1);
  expect(seen[0]).toMatchObject({ provider: 'stripe', deliveryId: id, eventType: 'customer.created', type: 'customer.created' });
  expect(seen[0].receivedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
  expect((await getRecord(aws.dynamodb, tableName, `stripe#${id}`))?.status.S).toBe('DONE');
});

test('one event that throws is reported alone; its neighbours are done', async () => {
  // GIVEN a batch of three, the middle one failing
  const ids = [await deliver(), await deliver('charge.failed'), await deliver()];
  const batch = await receiveBatch();
  expect(batch.Records).toHaveLength(3);
  const { handler } = quietProcessor((event) => {
    if (event.eventType === 'charge.failed') throw new Error('business rule failed');
  });

  // WHEN
  const response = await handler(batch);

  // THEN exactly that item is reported
  const failing = batch.Records.find((r) => JSON.parse(r.body).deliveryId === ids[1])!;
  expect(response.batchItemFailures).toEqual([{ itemIdentifier: failing.messageId }]);
  expect((await getRecord(aws.dynamodb, tableName, `stripe#${ids[0]}`))?.status.S).toBe('DONE');
  // Its processing claim was given back: the message's next receive may run it at once.
  const released = await getRecord(aws.dynamodb, tableName, `stripe#${ids[1]}`);
  expect(released?.status.S).toBe('ENQUEUED');
  expect(released?.leaseToken).toBeUndefined();
  expect((await getRecord(aws.dynamodb, tableName, `stripe#${ids[2]}`))?.status.S).toBe('DONE');
});

test(`a poison event ends in the dead-letter queue after ${MAX_RECEIVE_COUNT} receives`, async () => {
  // GIVEN an event the processor always fails
  const id = await deliver('poison.pill');
  const { handler } = quietProcessor(() => {
    throw new Error('cannot handle this');
  });

  // WHEN Lambda receives and fails it again and again
  const receiveCounts: number[] = [];
  for (let attempt = 0; attempt < MAX_RECEIVE_COUNT + 1; attempt++) {
    const batch = await receiveBatch();
    if (batch.Records.length === 0) break;
    const response = await handler(batch);
    receiveCounts.push(Number(batch.Records[0].attributes.ApproximateReceiveCount));
    await settle(batch, response.batchItemFailures.map((f) => f.itemIdentifier));
  }

  // THEN it was tried maxReceiveCount times and now rests in the DLQ, redrivable, with its envelope intact
  expect(receiveCounts).toEqual([1, 2, 3]);
  expect(await drain(aws.sqs, queue.url)).toHaveLength(0);
  const dead = await drain(aws.sqs, deadLetterQueue.url);
  expect(dead).toHaveLength(1);
  expect(JSON.parse(dead[0].Body!)).toMatchObject({ deliveryId: id, eventType: 'poison.pill' });
});

test('an already-finished event is skipped when SQS delivers it again', async () => {
  // GIVEN an event processed once
  await deliver();
  const first = await receiveBatch();
  let calls = 0;
  const { handler, lines } = quietProcessor(() => {
    calls++;
  });
  await handler(first);

  // WHEN the same message comes again (SQS is at-least-once)
  await aws.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: first.Records[0].body }));
  const response = await handler(await receiveBatch());

  // THEN the function is not called twice
  expect(response.batchItemFailures).toEqual([]);
  expect(calls).toBe(1);
  expect(lines.some((l) => l.includes('already done'))).toBe(true);
});

test('after processing, a provider redelivery is acknowledged as a duplicate and not enqueued', async () => {
  // GIVEN a delivery processed to DONE
  const id = `evt_${randomUUID().replace(/-/g, '')}`;
  const payload = JSON.stringify({ id, object: 'event', type: 'invoice.paid', data: { object: {} } });
  const send = () => verify(apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }) } }));
  expect((await send()).statusCode).toBe(200);
  await quietProcessor(() => {}).handler(await receiveBatch());

  // WHEN Stripe redelivers it
  const again = await send();

  // THEN
  expect(again.statusCode).toBe(200);
  expect(JSON.parse(again.body)).toMatchObject({ code: 'duplicate' });
  expect(await drain(aws.sqs, queue.url)).toHaveLength(0);
});

test('a message that is not a webhook envelope is reported as failed, not passed to the function', async () => {
  await aws.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"hello":"world"}' }));
  const batch = await receiveBatch();
  let calls = 0;
  const { handler, lines } = quietProcessor(() => {
    calls++;
  });

  const response = await handler(batch);

  expect(response.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[0].messageId }]);
  expect(calls).toBe(0);
  expect(lines.some((l) => l.includes('InvalidEnvelopeError'))).toBe(true);
});

test('the example processor bundle handles Stripe events and fails what it does not know', async () => {
  // GIVEN the shipped example processor, configured as the construct configures it
  process.env.WEBHOOK_INBOX_TABLE = tableName;
  const example = loadBundle<{ handler: (event: SQSEvent) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }> }>('example-processor');
  await deliver('checkout.session.completed');
  const batch = await receiveBatch();
  const stranger = { ...batch.Records[0], messageId: 'stranger', body: JSON.stringify({ ...JSON.parse(batch.Records[0].body), provider: 'acme', key: `acme#${randomUUID()}` }) };

  const printed = jest.spyOn(console, 'log').mockImplementation(() => undefined);

  // WHEN
  const { result } = await captureLogs(() => example.handler({ Records: [...batch.Records, stranger] }));

  // THEN
  expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'stranger' }]);
  expect(printed).toHaveBeenCalledWith(expect.stringContaining('"type":"checkout.session.completed"'));
  printed.mockRestore();
});
