/**
 * Replays of a genuine delivery: the exact request, bytes and headers, sent again. After the signed timestamp's
 * window it is refused before any AWS call, whatever the inbox remembers. Inside the window it never enqueues
 * anything: 409 while an attempt that may still be running holds the claim, 200 `duplicate` once the event is
 * enqueued. The provider's own retry, signed afresh, still takes over a claim that an
 * attempt abandoned. The shipped verifier bundle and processor runtime, against the emulators, on a clock the
 * test moves; signatures from the `stripe` and `@octokit/webhooks-methods` packages.
 */
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, SQSEvent } from 'aws-lambda';
import Stripe from 'stripe';
import type { VerifierConfig } from '../contract/config';
import { apiEvent, clients, createInboxTable, createQueue, createSecret, drain, getRecord, loadBundle, scanTable, useEmulatorsForDefaultClients } from './support/aws';

type VerifierModule = typeof import('../lambda/verifier/index');
type RuntimeModule = typeof import('../lambda/runtime/index');

const STRIPE_SECRET = 'whsec_replay_tests_7d21c4';
const GITHUB_SECRET = 'replay tests github secret';
const TOLERANCE_SECONDS = 300;
const LEASE_SECONDS = 20;
const stripe = new Stripe('sk_test_unused');
const aws = clients();

let verifier: VerifierModule;
let runtime: RuntimeModule;
let config: VerifierConfig;
let queue: { url: string; arn: string };
let octokitSign: (secret: string, payload: string) => Promise<string>;
const calls: Record<string, number> = {};

beforeAll(async () => {
  ({ sign: octokitSign } = await import('@octokit/webhooks-methods'));
  useEmulatorsForDefaultClients();
  queue = await createQueue(aws.sqs);
  config = {
    tableName: await createInboxTable(aws.dynamodb),
    queueUrl: queue.url,
    maxBodyBytes: 256 * 1024,
    maxMessageBytes: 1024 * 1024,
    leaseSeconds: LEASE_SECONDS,
    secretMaxAgeSeconds: 300,
    secretRefreshMinIntervalSeconds: 30,
    providers: {
      '/stripe': { secretId: await createSecret(aws.secretsManager, STRIPE_SECRET), toleranceSeconds: TOLERANCE_SECONDS },
      '/github': { secretId: await createSecret(aws.secretsManager, GITHUB_SECRET) },
    },
  };
  verifier = loadBundle<VerifierModule>('verifier');
  for (const client of [verifier.dynamodb, verifier.sqs, verifier.secretsManager] as const) {
    (client.middlewareStack as { add: (m: unknown, o: unknown) => void }).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) => async (args: unknown) => {
        calls[context.commandName] = (calls[context.commandName] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'testCallCounter' },
    );
  }
  jest.isolateModules(() => {
    runtime = require(path.join(__dirname, '..', 'dist', 'runtime', 'index.js')) as RuntimeModule;
  });
});

afterEach(async () => {
  await drain(aws.sqs, queue.url);
});

/** The bundle's verifier on a clock the test moves; `sqs` may be replaced to inject an outage. */
function verifierAt(clock: { now: number }, options: { sqs?: VerifierModule['sqs']; releaseFails?: boolean } = {}) {
  const inbox = new verifier.Inbox(verifier.dynamodb, config.tableName, config.leaseSeconds * 1000);
  if (options.releaseFails) inbox.release = () => Promise.reject(new Error('injected DynamoDB outage'));
  const handler = verifier.createVerifier({
    config,
    inbox,
    secrets: new verifier.SecretCache(verifier.secretsManager, { maxAgeMs: 300_000, refreshMinIntervalMs: 30_000 }),
    sqs: options.sqs ?? verifier.sqs,
    log: verifier.jsonLogger(() => undefined),
    now: () => clock.now,
  });
  return async (event: APIGatewayProxyEvent) => {
    const before = { ...calls };
    const result = await handler(event);
    const made = Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v !== 0));
    return { status: result.statusCode, body: JSON.parse(result.body), headers: result.headers ?? {}, calls: made };
  };
}

/** A genuine Stripe delivery signed at `timestamp` (seconds) by the stripe package. */
function stripeDelivery(timestamp: number) {
  const id = `evt_${randomUUID().replace(/-/g, '')}`;
  const payload = JSON.stringify({ id, object: 'event', type: 'invoice.paid', created: timestamp, data: { object: { id: 'in_1' } } });
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET, timestamp });
  return { id, event: apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature } }) };
}

/** What the processor does with what is in the queue: the shipped runtime marks each event DONE. */
async function processQueue(): Promise<number> {
  const out = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0 }));
  const batch: SQSEvent = {
    Records: (out.Messages ?? []).map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body!,
      attributes: { ApproximateReceiveCount: '1' } as never,
      messageAttributes: {},
      md5OfBody: m.MD5OfBody!,
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
    })),
  };
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const result = await runtime.webhookProcessor(() => undefined, { tableName: config.tableName, logger: quiet })(batch);
  expect(result.batchItemFailures).toEqual([]);
  return batch.Records.length;
}

const records = async () => (await scanTable(aws.dynamodb, config.tableName)).length;

describe('a genuine Stripe delivery, replayed', () => {
  test('after its window: refused before any AWS call, processed or not, even once the inbox has forgotten it', async () => {
    // GIVEN a delivery accepted at T and processed
    const clock = { now: Date.now() };
    const handle = verifierAt(clock);
    const { id, event } = stripeDelivery(Math.floor(clock.now / 1000));
    expect((await handle(event)).body).toMatchObject({ ok: true, code: 'accepted', deliveryId: id });
    expect(await processQueue()).toBe(1);
    const before = await records();

    // WHEN the same request comes back just after the window, a day later, and after the 7-day dedup window
    for (const later of [TOLERANCE_SECONDS + 1, 86_400, 8 * 86_400]) {
      const replay = await verifierAt({ now: clock.now + later * 1000 })(event);

      // THEN
      expect({ later, status: replay.status, code: replay.body.error, calls: replay.calls }).toEqual({ later, status: 401, code: 'timestamp_out_of_window', calls: {} });
    }
    expect(await drain(aws.sqs, queue.url)).toEqual([]);
    expect(await records()).toBe(before);
  });

  test('inside its window, once the event is enqueued, inside the lease: a duplicate, nothing enqueued', async () => {
    const clock = { now: Date.now() };
    const handle = verifierAt(clock);
    const { event } = stripeDelivery(Math.floor(clock.now / 1000));
    expect((await handle(event)).status).toBe(200);

    clock.now += 5_000;
    const replay = await handle(event);

    expect({ status: replay.status, code: replay.body.code }).toEqual({ status: 200, code: 'duplicate' });
    expect(replay.calls.SendMessageCommand).toBeUndefined();
    expect(await drain(aws.sqs, queue.url)).toHaveLength(1);
  });

  test('inside its window, after the lease but before the processor has finished: a duplicate, nothing enqueued, the record untouched', async () => {
    // GIVEN a delivery enqueued, not yet processed, its lease run out
    const clock = { now: Date.now() };
    const handle = verifierAt(clock);
    const { id, event } = stripeDelivery(Math.floor(clock.now / 1000));
    expect((await handle(event)).status).toBe(200);
    const claim = await getRecord(aws.dynamodb, config.tableName, `stripe#${id}`);
    clock.now += (LEASE_SECONDS + 40) * 1000;

    // WHEN the same request is replayed, still inside the 5-minute window
    const replay = await handle(event);

    // THEN it is not taken for the provider's retry: nothing enqueued, the record as it was
    expect({ status: replay.status, code: replay.body.code }).toEqual({ status: 200, code: 'duplicate' });
    expect(replay.calls.SendMessageCommand).toBeUndefined();
    expect(await drain(aws.sqs, queue.url)).toHaveLength(1);
    expect(await getRecord(aws.dynamodb, config.tableName, `stripe#${id}`)).toEqual(claim);
  });

  test('inside its window, once the processor has finished: a duplicate, acknowledged, nothing enqueued or recorded', async () => {
    const clock = { now: Date.now() };
    const handle = verifierAt(clock);
    const { id, event } = stripeDelivery(Math.floor(clock.now / 1000));
    expect((await handle(event)).status).toBe(200);
    expect(await processQueue()).toBe(1);
    const before = await records();
    clock.now += 120_000;

    const replay = await handle(event);

    expect({ status: replay.status, body: replay.body }).toEqual({ status: 200, body: { ok: true, code: 'duplicate', deliveryId: id } });
    expect(replay.calls.SendMessageCommand).toBeUndefined();
    expect(await drain(aws.sqs, queue.url)).toEqual([]);
    expect(await records()).toBe(before);
  });

  test('the provider\'s own retry, signed afresh, still takes over a claim abandoned by a crash; a replay of the crashed request does not', async () => {
    // GIVEN an attempt that claimed the delivery, then could neither enqueue nor release (as if it crashed)
    const clock = { now: Date.now() };
    let outage = true;
    const flaky = { send: (command: never) => (outage ? Promise.reject(Object.assign(new Error('injected'), { name: 'ServiceUnavailable' })) : verifier.sqs.send(command)) };
    const handle = verifierAt(clock, { sqs: flaky as never, releaseFails: true });
    const signedAt = Math.floor(clock.now / 1000);
    const { id, event } = stripeDelivery(signedAt);
    expect((await handle(event)).status).toBe(503);
    outage = false;
    clock.now += (LEASE_SECONDS + 1) * 1000;

    // WHEN the crashed request is replayed byte for byte after the lease, THEN it is refused as in flight
    expect((await handle(event)).status).toBe(409);
    expect(await drain(aws.sqs, queue.url)).toEqual([]);

    // WHEN Stripe retries (the same event, a new timestamp and signature), THEN it takes over and enqueues once
    const payload = Buffer.from(event.body!, 'base64').toString('utf8');
    const retry = apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET, timestamp: signedAt + 25 }) } });
    expect((await handle(retry)).body).toMatchObject({ ok: true, code: 'accepted', deliveryId: id });
    expect((await drain(aws.sqs, queue.url)).map((m) => JSON.parse(m.Body!).deliveryId)).toEqual([id]);
  });
});

test('GitHub signs no timestamp and redelivers byte for byte: after an abandoned claim, its redelivery goes through (the dedup window is its only replay bound)', async () => {
  const clock = { now: Date.now() };
  let outage = true;
  const flaky = { send: (command: never) => (outage ? Promise.reject(new Error('injected')) : verifier.sqs.send(command)) };
  const handle = verifierAt(clock, { sqs: flaky as never, releaseFails: true });
  const payload = '{"action":"opened"}';
  const delivery = randomUUID();
  const event = apiEvent({
    resource: '/github',
    body: payload,
    headers: { 'X-Hub-Signature-256': await octokitSign(GITHUB_SECRET, payload), 'X-GitHub-Event': 'issues', 'X-GitHub-Delivery': delivery },
  });
  expect((await handle(event)).status).toBe(503);
  outage = false;
  clock.now += (LEASE_SECONDS + 1) * 1000;

  expect((await handle(event)).body).toMatchObject({ ok: true, code: 'accepted', deliveryId: delivery });
  expect(await drain(aws.sqs, queue.url)).toHaveLength(1);
});
