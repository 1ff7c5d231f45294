/**
 * The handlers' metrics as CloudWatch would read them: the shipped verifier bundle (assets/verifier) and the
 * processor runtime (dist/runtime) run against the emulators, their stdout captured and every Embedded Metric
 * Format line parsed and checked against the format (`_aws` block, dimension sets, units, values), against the
 * outcome of the request, and for leaks: no secret, signature, body or delivery id.
 */
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import Stripe from 'stripe';
import type { VerifierConfig } from '../contract/config';
import { VERIFIER_COUNTERS } from '../contract/metric-names';
import {
  apiEvent,
  captureLogs,
  clients,
  createInboxTable,
  createQueue,
  createSecret,
  drain,
  loadStagedVerifier,
  rotateSecret,
  useEmulatorsForDefaultClients,
  sqsRecord,
} from './support/aws';

type VerifierModule = typeof import('../lambda/verifier/index');
type RuntimeModule = typeof import('../lambda/runtime/index');

const STRIPE_SECRET = 'whsec_emf_tests_3a9d0c1b2e';
const GITHUB_SECRET = 'github-emf-secret-77f1';
const TARGET = { namespace: 'Test/Webhooks', receiver: 'TestStack/Payments' };
const stripe = new Stripe('sk_test_unused');
const aws = clients();

/** CloudWatch's metric units (PutMetricData's StandardUnit). */
const UNITS = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits',
  'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second',
  'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second',
  'Terabits/Second', 'Count/Second', 'None',
]);
const VERIFIER_OUTCOMES = ['Enqueued', 'Duplicate', 'Handshake', 'Ignored', 'Rejected', 'InFlight', 'InternalError'];
const REJECTION_REASONS = ['RejectedSignature', 'RejectedStale', 'RejectedMalformed', 'RejectedTooLarge'];

let octokitSign: (secret: string, payload: string) => Promise<string>;
let tableName: string;
let queueUrl: string;
let config: VerifierConfig;
let verifier: VerifierModule;
let runtime: RuntimeModule;

beforeAll(async () => {
  ({ sign: octokitSign } = await import('@octokit/webhooks-methods'));
  useEmulatorsForDefaultClients();
  tableName = await createInboxTable(aws.dynamodb);
  queueUrl = (await createQueue(aws.sqs)).url;
  config = {
    tableName,
    queueUrl,
    maxBodyBytes: 64 * 1024,
    maxMessageBytes: 1024 * 1024,
    leaseSeconds: 20,
    secretMaxAgeSeconds: 300,
    secretRefreshMinIntervalSeconds: 30,
    providers: {
      '/stripe': { id: 'stripe', kind: 'stripe', secretId: await createSecret(aws.secretsManager, STRIPE_SECRET), toleranceSeconds: 300 },
      '/github': { id: 'github', kind: 'github', secretId: await createSecret(aws.secretsManager, GITHUB_SECRET) },
      // Only invoices: other verified events are acknowledged as ignored.
      '/stripe-invoices': { id: 'stripe-invoices', kind: 'stripe', secretId: await createSecret(aws.secretsManager, STRIPE_SECRET), toleranceSeconds: 300, eventTypes: ['invoice.paid'] },
    },
    metrics: TARGET,
  };
  // As deployed: config.json beside the bundle; no deploy-time values (the config holds none).
  delete process.env.WEBHOOK_RECEIVER_VALUES;
  verifier = loadStagedVerifier<VerifierModule>(config).module;
  jest.isolateModules(() => {
    runtime = require(path.join(__dirname, '..', 'dist', 'runtime', 'index.js')) as RuntimeModule;
  });
});

afterEach(async () => {
  await drain(aws.sqs, queueUrl);
});

interface EmfRecord {
  readonly namespace: string;
  readonly dimensionSets: string[][];
  readonly dimensions: Record<string, string>;
  readonly values: Record<string, number>;
  readonly units: Record<string, string>;
}

/**
 * Parses one EMF line and checks it the way CloudWatch Logs does: a JSON object with `_aws.Timestamp` (epoch
 * milliseconds) and one metric directive, every dimension a string member of the root, every metric a number
 * member of the root with a valid unit.
 */
function parseEmf(line: string): EmfRecord {
  const document = JSON.parse(line);
  expect(Number.isInteger(document._aws.Timestamp)).toBe(true);
  expect(Math.abs(document._aws.Timestamp - Date.now())).toBeLessThan(60_000);
  expect(document._aws.CloudWatchMetrics).toHaveLength(1);
  const [directive] = document._aws.CloudWatchMetrics;
  expect(typeof directive.Namespace).toBe('string');
  const dimensions: Record<string, string> = {};
  for (const set of directive.Dimensions as string[][]) {
    expect(set.length).toBeGreaterThan(0);
    expect(set.length).toBeLessThanOrEqual(30);
    for (const name of set) {
      expect(typeof document[name]).toBe('string');
      dimensions[name] = document[name];
    }
  }
  const values: Record<string, number> = {};
  const units: Record<string, string> = {};
  for (const metric of directive.Metrics as Array<{ Name: string; Unit: string }>) {
    expect(values[metric.Name]).toBeUndefined();
    expect(UNITS.has(metric.Unit)).toBe(true);
    expect(Number.isFinite(document[metric.Name])).toBe(true);
    values[metric.Name] = document[metric.Name];
    units[metric.Name] = metric.Unit;
  }
  // Nothing at the root but the block, the dimensions and the metrics.
  expect(Object.keys(document).sort()).toEqual(['_aws', ...Object.keys(dimensions), ...Object.keys(values)].sort());
  return { namespace: directive.Namespace, dimensionSets: directive.Dimensions, dimensions, values, units };
}

const isEmf = (line: string) => line.includes('"_aws"');

/** Runs requests through a verifier, returning each one's status, its EMF record and all lines written. */
async function run(handler: (e: ReturnType<typeof apiEvent>) => Promise<{ statusCode: number }>, event: ReturnType<typeof apiEvent>) {
  const { result, lines } = await captureLogs(() => handler(event));
  const emf = lines.filter(isEmf);
  expect(emf).toHaveLength(1);
  return { status: result.statusCode, lines, emf: parseEmf(emf[0]) };
}

const verify = (event: ReturnType<typeof apiEvent>) => run(verifier.handler, event);

function stripeEvent(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', type: 'invoice.paid', data: { object: { id: 'in_1' } }, ...overrides });
}

function stripeRequest(payload: string, options: { secret?: string; timestamp?: number; signature?: string } = {}) {
  const signature = options.signature ?? stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? STRIPE_SECRET, timestamp: options.timestamp });
  return apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature } });
}

/** The verifier's counters of one record that are 1; all others must be 0. */
function ones(record: EmfRecord): string[] {
  return Object.entries(record.values)
    .filter(([, value]) => value !== 0)
    .map(([name]) => name)
    .sort();
}

describe('verifier', () => {
  test('an accepted delivery writes one EMF line after its log line: counts, under the receiver and the provider', async () => {
    // WHEN
    const { status, lines, emf } = await verify(stripeRequest(stripeEvent()));

    // THEN
    expect(status).toBe(200);
    expect(lines).toHaveLength(2);
    expect(isEmf(lines[0])).toBe(false);
    expect(emf.namespace).toBe(TARGET.namespace);
    expect(emf.dimensionSets).toEqual([['Receiver'], ['Receiver', 'Provider']]);
    expect(emf.dimensions).toEqual({ Receiver: TARGET.receiver, Provider: 'stripe' });
    expect(ones(emf)).toEqual(['Enqueued', 'Received', 'Verified']);
    // only the counters that are not 0: a counter left out is no data point, which the alarms read as 0 (FILL)
    expect(Object.keys(emf.values).sort()).toEqual(['Enqueued', 'Received', 'Verified']);
    expect(new Set(Object.values(emf.units))).toEqual(new Set(['Count']));
    // and its log line is DEBUG: Lambda writes it only at the application log level DEBUG (logging.logDeliveries)
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'DEBUG', message: 'delivery handled', route: '/stripe' });
  });

  test('no document carries a counter at 0, and every counter a document carries is a verifier counter', async () => {
    // GIVEN requests of every kind of outcome
    const requests = [
      stripeRequest(stripeEvent()),
      stripeRequest(stripeEvent(), { secret: 'whsec_wrong' }),
      stripeRequest('[]'),
      apiEvent({ resource: '/nowhere', body: '{}' }),
      { ...stripeRequest(stripeEvent({ type: 'charge.refunded' })), resource: '/stripe-invoices' },
    ];

    // WHEN they are verified
    for (const request of requests) {
      const { values } = (await verify(request)).emf;

      // THEN
      expect(Object.values(values).filter((value) => value === 0)).toEqual([]);
      expect(Object.keys(values).filter((name) => !VERIFIER_COUNTERS.includes(name))).toEqual([]);
    }
  });

  test.each([
    ['a signature made with another secret', 401, 'RejectedSignature,RejectedSignatureMismatch', () => stripeRequest(stripeEvent(), { secret: 'whsec_wrong' })],
    ['no signature header', 401, 'RejectedSignature,RejectedSignatureMissing', () => apiEvent({ resource: '/stripe', body: stripeEvent() })],
    ['a malformed signature header', 401, 'RejectedSignature,RejectedSignatureMissing', () => stripeRequest(stripeEvent(), { signature: `t=${Math.floor(Date.now() / 1000)},v0=ab` })],
    ['a timestamp an hour old', 401, 'RejectedStale', () => stripeRequest(stripeEvent(), { timestamp: Math.floor(Date.now() / 1000) - 3600 })],
    ['a signature header without a timestamp', 401, 'RejectedStale', () => stripeRequest(stripeEvent(), { signature: 'v1=abcdef' })],
    ['a body that is not JSON', 400, 'RejectedMalformed', () => stripeRequest('not json')],
    ['a body over the maximum', 413, 'RejectedTooLarge', () => stripeRequest(stripeEvent({ padding: 'x'.repeat(70 * 1024) }))],
    ['a GET on a POST route', 405, 'RejectedMalformed', () => ({ ...stripeRequest(stripeEvent()), httpMethod: 'GET' })],
    ['a Content-Type the route does not take', 415, 'RejectedMalformed', () => ({ ...stripeRequest(stripeEvent()), headers: { 'Content-Type': 'text/html', 'Stripe-Signature': 'x' }, multiValueHeaders: { 'Content-Type': ['text/html'], 'Stripe-Signature': ['x'] } })],
    ['more headers than the receiver accepts', 431, 'RejectedMalformed', () => {
      const request = stripeRequest(stripeEvent());
      const extra = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`X-Filler-${i}`, 'x']));
      return { ...request, headers: { ...request.headers, ...extra }, multiValueHeaders: { ...request.multiValueHeaders, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, [v]])) } };
    }],
  ])('%s: %i, counted as Received, Rejected and %s, under the provider', async (_name, status, reasons, request) => {
    const { status: answered, emf } = await verify(request());
    expect(answered).toBe(status);
    expect(ones(emf)).toEqual(['Received', 'Rejected', ...reasons.split(',')].sort());
    expect(emf.dimensions.Provider).toBe('stripe');
  });

  test('a request to an unknown route is counted under the receiver only', async () => {
    const { status, emf } = await verify(apiEvent({ resource: '/nowhere', body: '{}' }));
    expect(status).toBe(404);
    expect(ones(emf)).toEqual(['Received', 'Rejected', 'RejectedMalformed']);
    expect(emf.dimensionSets).toEqual([['Receiver']]);
    expect(emf.dimensions).toEqual({ Receiver: TARGET.receiver });
  });

  test('a duplicate, a delivery in flight and a handshake are verified and counted as such', async () => {
    // GIVEN a delivery enqueued once
    const payload = stripeEvent();
    const { id } = JSON.parse(payload);
    expect((await verify(stripeRequest(payload))).status).toBe(200);

    // WHEN another event comes while an attempt holds its claim (a record CLAIMED with a live lease), the first
    // again after it was processed; and GitHub pings
    const claimedPayload = stripeEvent();
    await aws.dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: `stripe#${JSON.parse(claimedPayload).id}` } },
        UpdateExpression: 'SET #s = :claimed, #lease = :lease, #exp = :exp',
        ExpressionAttributeNames: { '#s': 'status', '#lease': 'leaseUntil', '#exp': 'expiresAt' },
        ExpressionAttributeValues: { ':claimed': { S: 'CLAIMED' }, ':lease': { N: String(Date.now() + 20_000) }, ':exp': { N: String(Math.floor(Date.now() / 1000) + 3600) } },
      }),
    );
    const inFlight = await verify(stripeRequest(claimedPayload));
    await aws.dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: `stripe#${id}` } },
        UpdateExpression: 'SET #s = :done',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':done': { S: 'DONE' } },
      }),
    );
    const duplicate = await verify(stripeRequest(payload));
    const pingBody = '{"zen":"Keep it logically awesome.","hook_id":1}';
    const ping = await verify(
      apiEvent({
        resource: '/github',
        body: pingBody,
        headers: { 'X-Hub-Signature-256': await octokitSign(GITHUB_SECRET, pingBody), 'X-GitHub-Event': 'ping', 'X-GitHub-Delivery': randomUUID() },
      }),
    );

    // THEN
    expect(inFlight.status).toBe(409);
    expect(ones(inFlight.emf)).toEqual(['InFlight', 'Received', 'Verified']);
    expect(duplicate.status).toBe(200);
    expect(ones(duplicate.emf)).toEqual(['Duplicate', 'Received', 'Verified']);
    expect(ping.status).toBe(200);
    expect(ones(ping.emf)).toEqual(['Handshake', 'Received', 'Verified']);
    expect(ping.emf.dimensions.Provider).toBe('github');
  });

  test('an event of a type the provider does not take is counted as Ignored, after verification', async () => {
    // GIVEN a Stripe route that takes only invoice.paid
    const request = (payload: string) => ({ ...stripeRequest(payload), resource: '/stripe-invoices' });

    // WHEN a charge.refunded and an invoice.paid event come
    const ignored = await verify(request(stripeEvent({ type: 'charge.refunded' })));
    const taken = await verify(request(stripeEvent()));

    // THEN the first is Ignored (and nothing else but Received and Verified), the second Enqueued
    expect(ignored.status).toBe(200);
    expect(ones(ignored.emf)).toEqual(['Ignored', 'Received', 'Verified']);
    expect(ignored.emf.dimensions.Provider).toBe('stripe-invoices');
    expect(ones(taken.emf)).toEqual(['Enqueued', 'Received', 'Verified']);
  });

  test('a signature made with the previous secret version is counted as MatchedPreviousSecret', async () => {
    // GIVEN a rotated secret
    const secretId = await createSecret(aws.secretsManager, 'whsec_old_emf_1');
    await rotateSecret(aws.secretsManager, secretId, 'whsec_new_emf_2');
    const handler = verifier.verifierFromConfig({ ...config, providers: { '/stripe': { id: 'stripe', kind: 'stripe', secretId } } });

    // WHEN the provider signs with the old one, then with the new one
    const old = await run(handler, stripeRequest(stripeEvent(), { secret: 'whsec_old_emf_1' }));
    const current = await run(handler, stripeRequest(stripeEvent(), { secret: 'whsec_new_emf_2' }));

    // THEN
    expect(ones(old.emf)).toEqual(['Enqueued', 'MatchedPreviousSecret', 'Received', 'Verified']);
    expect(ones(current.emf)).toEqual(['Enqueued', 'Received', 'Verified']);
    // and the delivery verified with the previous version is logged at INFO (the runbook's query reads it), the
    // other at DEBUG (written by Lambda only at the application log level DEBUG)
    const logOf = (lines: string[]) => JSON.parse(lines.find((line) => !isEmf(line))!);
    expect(logOf(old.lines)).toMatchObject({ level: 'INFO', message: 'delivery handled', secretVersion: 'previous' });
    expect(logOf(current.lines)).toMatchObject({ level: 'DEBUG', message: 'delivery handled', secretVersion: 'current' });
  });

  test('our own fault is counted as InternalError, after verification', async () => {
    // GIVEN a verifier whose SQS client fails, with the bundle's own EMF writer
    const handler = verifier.createVerifier({
      config,
      inbox: new verifier.Inbox(verifier.dynamodb, tableName, 20_000),
      secrets: new verifier.SecretCache(verifier.secretsManager, { maxAgeMs: 300_000, refreshMinIntervalMs: 30_000 }),
      sqs: { send: () => Promise.reject(Object.assign(new Error('injected outage'), { name: 'ServiceUnavailable' })) } as never,
      log: verifier.jsonLogger(),
      metrics: verifier.emfMetrics(TARGET),
    });

    // WHEN
    const { status, emf } = await run(handler, stripeRequest(stripeEvent()));

    // THEN
    expect(status).toBe(503);
    expect(ones(emf)).toEqual(['InternalError', 'Received', 'Verified']);
  });

  test('without a metrics configuration the verifier writes no EMF', async () => {
    const handler = verifier.verifierFromConfig({ ...config, metrics: undefined });
    const { result, lines } = await captureLogs(() => handler(stripeRequest(stripeEvent())));
    expect(result.statusCode).toBe(200);
    expect(lines.filter(isEmf)).toEqual([]);
  });

  test('every request counts once as received and once as exactly one outcome; rejections add up by reason', async () => {
    const requests = [
      stripeRequest(stripeEvent()),
      stripeRequest(stripeEvent(), { secret: 'whsec_wrong' }),
      stripeRequest('[]'),
      apiEvent({ resource: '/nowhere', body: '{}' }),
      apiEvent({ resource: '/github', body: '{}', headers: { 'X-GitHub-Delivery': randomUUID() } }),
      { ...stripeRequest(stripeEvent({ type: 'charge.refunded' })), resource: '/stripe-invoices' },
    ];
    for (const request of requests) {
      // (a counter that is not written is 0, as the alarms' FILL reads it)
      const emitted = (await verify(request)).emf.values;
      const values = Object.fromEntries(VERIFIER_COUNTERS.map((name) => [name, emitted[name] ?? 0]));
      expect(values.Received).toBe(1);
      expect(VERIFIER_OUTCOMES.reduce((sum, name) => sum + values[name], 0)).toBe(1);
      expect(REJECTION_REASONS.reduce((sum, name) => sum + values[name], 0)).toBe(values.Rejected);
      expect(values.RejectedSignatureMissing + values.RejectedSignatureMismatch).toBe(values.RejectedSignature);
      expect(values.RejectedExpiredPreviousSecret).toBeLessThanOrEqual(values.RejectedSignatureMismatch);
    }
  });

  test('metrics carry neither the secret, the signature, the body nor the delivery id', async () => {
    // GIVEN deliveries whose body, signature and id are recognisable
    const payload = stripeEvent({ marker: 'BODY-MARKER-e3c1' });
    const { id } = JSON.parse(payload);
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const v1 = signature.split('v1=')[1].split(',')[0];
    const githubDelivery = randomUUID();
    const githubBody = '{"marker":"BODY-MARKER-e3c1"}';

    // WHEN they are accepted and rejected
    const results = [
      await verify(stripeRequest(payload, { signature })),
      await verify(stripeRequest(payload.replace('e3c1', 'e3c2'), { signature })),
      await verify(
        apiEvent({
          resource: '/github',
          body: githubBody,
          headers: { 'X-Hub-Signature-256': await octokitSign(GITHUB_SECRET, githubBody), 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': githubDelivery },
        }),
      ),
    ];

    // THEN the EMF lines hold only names, counts, the receiver and the provider
    for (const { lines, emf } of results) {
      const line = lines.find(isEmf)!;
      for (const forbidden of [STRIPE_SECRET, GITHUB_SECRET, v1, 'BODY-MARKER', id, githubDelivery]) {
        expect(line).not.toContain(forbidden);
      }
      expect(Object.values(emf.dimensions).every((value) => [TARGET.receiver, 'stripe', 'github'].includes(value))).toBe(true);
    }
  });

  test('the Lambda entry point writes EMF to the namespace and receiver of its configuration', async () => {
    // GIVEN a fresh container configured as the construct configures it
    const fresh = loadStagedVerifier<VerifierModule>(config).module;

    // WHEN
    const { emf } = await run(fresh.handler, stripeRequest(stripeEvent()));

    // THEN
    expect(emf.namespace).toBe(TARGET.namespace);
    expect(emf.dimensions.Receiver).toBe(TARGET.receiver);
  });
});

describe('processor runtime', () => {
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };

  beforeEach(() => {
    process.env.WEBHOOK_METRICS_NAMESPACE = TARGET.namespace;
    process.env.WEBHOOK_METRICS_RECEIVER = TARGET.receiver;
  });

  afterEach(() => {
    delete process.env.WEBHOOK_METRICS_NAMESPACE;
    delete process.env.WEBHOOK_METRICS_RECEIVER;
  });

  /** Delivers Stripe events through the verifier and receives them as Lambda's event source mapping would. */
  async function batchOf(payloads: string[]): Promise<SQSEvent> {
    for (const payload of payloads) {
      const { result } = await captureLogs(() => verifier.handler(stripeRequest(payload)));
      expect(result.statusCode).toBe(200);
    }
    return receive();
  }

  async function receive(): Promise<SQSEvent> {
    const out = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30, MessageSystemAttributeNames: ['All'] }));
    return { Records: (out.Messages ?? []).map((m) => sqsRecord(m)) };
  }


  async function runBatch(batch: SQSEvent, fn: Parameters<RuntimeModule['webhookProcessor']>[0]) {
    const handler = runtime.webhookProcessor(fn, { tableName, logger: quiet });
    const { result, lines } = await captureLogs(() => handler(batch));
    return { result, lines, emf: lines.map(parseEmf) };
  }

  test('each event writes one EMF line: processed with its age in milliseconds, or failed, under the provider', async () => {
    // GIVEN two events, one of which the function fails
    const batch = await batchOf([stripeEvent({ type: 'invoice.paid' }), stripeEvent({ type: 'charge.failed' })]);

    // WHEN
    const { result, emf } = await runBatch(batch, (event) => {
      if (event.eventType === 'charge.failed') throw new Error('business rule failed');
    });

    // THEN
    expect(result.batchItemFailures).toHaveLength(1);
    expect(emf).toHaveLength(2);
    const [processed, failed] = emf;
    expect(processed.namespace).toBe(TARGET.namespace);
    expect(processed.dimensionSets).toEqual([['Receiver'], ['Receiver', 'Provider']]);
    expect(processed.dimensions).toEqual({ Receiver: TARGET.receiver, Provider: 'stripe' });
    // only the outcome at 1 (and the age): counters at 0 are not written
    expect(Object.keys(processed.values).sort()).toEqual(['EventAge', 'Processed']);
    expect(processed.values.Processed).toBe(1);
    expect(processed.units).toEqual({ Processed: 'Count', EventAge: 'Milliseconds' });
    expect(processed.values.EventAge).toBeGreaterThanOrEqual(0);
    expect(processed.values.EventAge).toBeLessThan(60_000);
    expect(failed.values).toEqual({ ProcessingFailed: 1 });
    expect(failed.dimensions.Provider).toBe('stripe');
  });

  test('a redelivered event already done is counted as SkippedAsDone', async () => {
    const batch = await batchOf([stripeEvent()]);
    await runBatch(batch, () => {});
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: batch.Records[0].body }));

    const { emf } = await runBatch(await receive(), () => {});

    expect(emf.map((e) => e.values)).toEqual([{ SkippedAsDone: 1 }]);
  });

  test('a message that is not an envelope is counted as failed under the receiver only', async () => {
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"provider":"BODY-MARKER"}' }));

    const { emf, lines } = await runBatch(await receive(), () => {});

    expect(emf).toHaveLength(1);
    expect(emf[0].dimensionSets).toEqual([['Receiver']]);
    expect(emf[0].values).toEqual({ ProcessingFailed: 1 });
    expect(lines[0]).not.toContain('BODY-MARKER');
  });

  test('metrics carry neither the body nor the delivery id', async () => {
    const payload = stripeEvent({ marker: 'BODY-MARKER-77aa' });
    const { id } = JSON.parse(payload);
    const { lines } = await runBatch(await batchOf([payload]), () => {});
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('BODY-MARKER');
    expect(lines[0]).not.toContain(id);
  });

  test('without the construct\'s environment the runtime writes no metrics', async () => {
    delete process.env.WEBHOOK_METRICS_RECEIVER;
    const { lines, result } = await runBatch(await batchOf([stripeEvent()]), () => {});
    expect(result.batchItemFailures).toEqual([]);
    expect(lines).toEqual([]);
  });
});
