/**
 * scripts/cost.mjs: its counts come from the template, not from constants (another receiver with other memory,
 * alarms, providers, batching, key or WAF gives another result, by exactly what changed), and what it assumes of
 * the code is what the shipped bundles do: the AWS calls per event and the bytes of log per delivery are measured
 * here on the verifier bundle and the processor runtime against the emulators.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import Stripe from 'stripe';
import { WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';
import type { VerifierConfig } from '../contract/config';
import * as metricNames from '../contract/metric-names';
import { apiEvent, captureLogs, clients, createInboxTable, createQueue, createSecret, drain, endpoints, loadBundle, useEmulatorsForDefaultClients } from './support/aws';
import { givenStack } from './support/stacks';

type CostModule = typeof import('../scripts/cost.mjs', { with: { 'resolution-mode': 'import' } });
type VerifierModule = typeof import('../lambda/verifier/index');
type RuntimeModule = typeof import('../lambda/runtime/index');

let cost: CostModule;
beforeAll(async () => {
  cost = await import(path.join(__dirname, '..', 'scripts', 'cost.mjs'));
});

const metricCounts = () => cost.handlerMetricCounts(metricNames);
/** The verifier bundle's AWS calls, as measured below (`ddb:PutItem`, `sqs:SendMessage`, ...). */
const measuredVerifierCalls: string[] = [];
/** The metric names in the EMF documents measured below, by handler. */
const measuredMetrics = { verifier: new Set<string>(), processor: new Set<string>() };
const metricNamesOf = (emfLine: string): string[] => (JSON.parse(emfLine)._aws.CloudWatchMetrics[0].Metrics as Array<{ Name: string }>).map((m) => m.Name);

/** A receiver in a fresh stack; its template as the script reads it. */
function receiverTemplate(props: Partial<WebhookReceiverProps> = {}, processorMemory = 256) {
  const given = givenStack();
  const processor = new lambda.Function(given.stack, 'SizedProcessor', {
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })'),
    memorySize: processorMemory,
    timeout: Duration.seconds(10),
  });
  new WebhookReceiver(given.stack, 'Receiver', {
    providers: [WebhookProvider.stripe({ secret: given.stripeSecret }), WebhookProvider.github({ secret: given.githubSecret })],
    processor,
    ...props,
  });
  return { stack: given.stack, template: Template.fromStack(given.stack) };
}

const line = (lines: Array<{ item: string; usd: number }>, item: string) => {
  const found = lines.find((l) => l.item === item);
  if (!found) throw new Error(`No line "${item}" in ${lines.map((l) => l.item).join(', ')}`);
  return found;
};

describe('the facts come from the template', () => {
  test('memory, alarms and their metrics, composite, dashboard, routes, providers, batch size: as the template has them', () => {
    // GIVEN
    const { template } = receiverTemplate();
    const json = template.toJSON();

    // WHEN
    const facts = cost.readTemplate(json);

    // THEN each fact equals what the template says, read here independently
    const functions = template.findResources('AWS::Lambda::Function');
    const verifier = Object.values(functions).find((f) => f.Properties.Environment?.Variables?.WEBHOOK_RECEIVER_VALUES);
    expect(facts.verifier.memoryMb).toBe(verifier!.Properties.MemorySize);
    expect(facts.processor.memoryMb).toBe(256);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(facts.alarms).toHaveLength(alarms.length);
    const watched = alarms.reduce((sum, a) => sum + (a.Properties.MetricName ? 1 : a.Properties.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat).length), 0);
    expect(facts.alarms.reduce((sum, a) => sum + a.metrics, 0)).toBe(watched);
    expect(facts.compositeAlarms).toBe(Object.keys(template.findResources('AWS::CloudWatch::CompositeAlarm')).length);
    expect(facts.dashboards).toBe(Object.keys(template.findResources('AWS::CloudWatch::Dashboard')).length);
    expect(facts.routes).toBe(Object.keys(template.findResources('AWS::ApiGateway::Method')).length);
    expect(facts.providers).toBe(2);
    const [mapping] = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(facts.batchSize).toBe(mapping.Properties.BatchSize);
    expect(facts).toMatchObject({ api: 'REST', kmsKeys: 0, encrypted: false, webAcls: [], stageTracing: false, secrets: 2, secretMaxAgeSeconds: 300 });
  });

  test('the logging settings come from the template: the delivery line and Lambda\'s platform records are counted only where the template lets them through', () => {
    // GIVEN the default receiver, one that logs each delivery, and one that keeps Lambda's platform records
    const factsOf = (props: Partial<WebhookReceiverProps>) => cost.readTemplate(receiverTemplate(props).template.toJSON());
    const quiet = factsOf({});
    const deliveries = factsOf({ logging: { logDeliveries: true } });
    const platform = factsOf({ logging: { systemLogLevel: lambda.SystemLogLevel.INFO } });

    // THEN the template's LoggingConfig is read
    expect(quiet.verifier).toMatchObject({ logFormat: 'JSON', systemLogLevel: 'WARN', applicationLogLevel: 'INFO' });
    expect(deliveries.verifier).toMatchObject({ logFormat: 'JSON', systemLogLevel: 'WARN', applicationLogLevel: 'DEBUG' });
    expect(platform.verifier).toMatchObject({ logFormat: 'JSON', systemLogLevel: 'INFO', applicationLogLevel: 'INFO' });
    // (the test's processor is a lambda.Function of its own, with Lambda's default text format)
    expect(quiet.processor.logFormat).toBe('Text');
    expect(cost.platformLogBytes(quiet.verifier, 40)).toEqual([]);
    expect(cost.platformLogBytes(platform.verifier, 40)).toHaveLength(3);
    expect(cost.platformLogBytes(quiet.processor, 40)).toHaveLength(3);
    // and the log line differs by exactly the lines let through, per delivery
    const logs = (facts: ReturnType<typeof factsOf>) => line(cost.costModel(facts, metricCounts()).perRequest, 'CloudWatch Logs ingestion').usd;
    const perDelivery = (bytes: number[]) =>
      (cost.PRICES.logsIngestPerGb * cost.ASSUMPTIONS.deliveries * bytes.reduce((sum, b) => sum + b + cost.ASSUMPTIONS.logEventOverheadBytes, 0)) / 1024 ** 3;
    expect(logs(deliveries) - logs(quiet)).toBeCloseTo(perDelivery([cost.LOG_BYTES.verifierLine]), 10);
    expect(logs(platform) - logs(quiet)).toBeCloseTo(perDelivery(cost.platformLogBytes(platform.verifier, cost.ASSUMPTIONS.verifierMs)), 10);
  });

  test('fails if the template has no receiver', () => {
    expect(() => cost.readTemplate({ Resources: {} })).toThrow(/No WebhookReceiver in this template: no function has WEBHOOK_RECEIVER_VALUES/);
  });
});

describe('another template, another cost, by what changed', () => {
  test('more verifier and processor memory: their duration lines scale with it, nothing else changes', () => {
    // GIVEN
    const small = cost.costModel(cost.readTemplate(receiverTemplate({ verifierMemorySize: 128 }, 128).template.toJSON()), metricCounts());
    const large = cost.costModel(cost.readTemplate(receiverTemplate({ verifierMemorySize: 1024 }, 512).template.toJSON()), metricCounts());

    // THEN
    expect(line(large.perRequest, 'Verifier Lambda duration').usd / line(small.perRequest, 'Verifier Lambda duration').usd).toBeCloseTo(8, 6);
    expect(line(large.perRequest, 'Processor Lambda duration').usd / line(small.perRequest, 'Processor Lambda duration').usd).toBeCloseTo(4, 6);
    expect(line(large.perRequest, 'DynamoDB writes').usd).toBe(line(small.perRequest, 'DynamoDB writes').usd);
    expect(large.monthly).toBe(small.monthly);
  });

  test('alarms turned off and no dashboard: the fixed cost drops by their price, counted from the template', () => {
    // GIVEN
    const all = receiverTemplate();
    const fewer = receiverTemplate({ dashboard: false, alarms: { queueAge: { enabled: false }, serverErrors: { enabled: false }, unhealthy: { enabled: false } } });
    const before = cost.costModel(cost.readTemplate(all.template.toJSON()), metricCounts());
    const after = cost.costModel(cost.readTemplate(fewer.template.toJSON()), metricCounts());

    // THEN the alarm line is $0.10 per watched metric plus $0.50 per composite, as the templates count them
    const priced = (t: Template) => {
      const facts = cost.readTemplate(t.toJSON());
      return facts.alarms.reduce((s, a) => s + a.metrics, 0) * cost.PRICES.alarmMetricPerMonth + facts.compositeAlarms * cost.PRICES.compositeAlarmPerMonth;
    };
    expect(line(before.fixed, 'Alarms').usd).toBeCloseTo(priced(all.template), 10);
    expect(line(after.fixed, 'Alarms').usd).toBeCloseTo(priced(fewer.template), 10);
    expect(after.facts.alarms.length).toBe(before.facts.alarms.length - 2);
    expect(after.facts.compositeAlarms).toBe(0);
    expect(after.fixed.map((l) => l.item)).not.toContain('Dashboard');
    expect(before.monthly - after.monthly).toBeCloseTo(line(before.fixed, 'Alarms').usd - line(after.fixed, 'Alarms').usd + cost.PRICES.dashboardPerMonth, 10);
    expect(after.perMillion).toBe(before.perMillion);
  });

  test('a third provider: one more signature alarm, one more route, one more set of per-provider metrics', () => {
    // GIVEN
    const two = cost.costModel(cost.readTemplate(receiverTemplate().template.toJSON()), metricCounts());
    const given = givenStack();
    new WebhookReceiver(given.stack, 'Receiver', {
      providers: [
        WebhookProvider.stripe({ secret: given.stripeSecret }),
        WebhookProvider.github({ secret: given.githubSecret }),
        WebhookProvider.shopify({ secret: secretsmanager.Secret.fromSecretNameV2(given.stack, 'Shop', 'webhooks/shopify') }),
      ],
      processor: given.processor,
    });
    const three = cost.costModel(cost.readTemplate(Template.fromStack(given.stack).toJSON()), metricCounts());

    // THEN
    const counts = metricCounts();
    expect(counts).toEqual({ verifier: metricNames.VERIFIER_COUNTERS.length, processor: metricNames.PROCESSOR_COUNTERS.length + 1 });
    // per provider, the metrics with data every hour (the others are billed only in the hours they are not 0)
    const withData = cost.METRICS_WITH_DATA_EVERY_HOUR.verifier.length + cost.METRICS_WITH_DATA_EVERY_HOUR.processor.length;
    expect(line(three.fixed, 'Handler metrics (EMF)').usd - line(two.fixed, 'Handler metrics (EMF)').usd).toBeCloseTo(withData * cost.PRICES.customMetricPerMonth, 10);
    expect(three.facts.routes).toBe(two.facts.routes + 1);
    expect(three.facts.alarms.length).toBe(two.facts.alarms.length + 1);
    expect(three.facts.secrets).toBe(3);
  });

  test('a batching window fills batches: fewer processor invocations and SQS receives, from the template\'s window and batch size', () => {
    // GIVEN at 1M a month (0.39/s): a 60 s window gathers 23 events, within a batch size of 100
    const none = cost.costModel(cost.readTemplate(receiverTemplate().template.toJSON()), metricCounts());
    const windowed = cost.costModel(cost.readTemplate(receiverTemplate({ batchSize: 100, maxBatchingWindow: Duration.seconds(60) }).template.toJSON()), metricCounts());
    const capped = cost.costModel(cost.readTemplate(receiverTemplate({ batchSize: 5, maxBatchingWindow: Duration.seconds(60) }).template.toJSON()), metricCounts());

    // THEN
    const perSecond = cost.ASSUMPTIONS.deliveries / cost.ASSUMPTIONS.monthSeconds;
    expect(none.perBatch).toBe(1);
    expect(windowed.perBatch).toBe(Math.floor(perSecond * 60));
    expect(capped.perBatch).toBe(5);
    expect(line(windowed.perRequest, 'Processor Lambda requests').usd).toBeCloseTo(line(none.perRequest, 'Processor Lambda requests').usd / windowed.perBatch, 10);
    expect(line(windowed.perRequest, 'SQS requests').usd).toBeLessThan(line(none.perRequest, 'SQS requests').usd);
  });

  test('a customer managed key, tracing and WAF add their lines; the WAF rules are counted from the web ACL', () => {
    // GIVEN
    const given = givenStack();
    new WebhookReceiver(given.stack, 'Receiver', {
      providers: [WebhookProvider.stripe({ secret: given.stripeSecret })],
      processor: given.processor,
      encryptionKey: new kms.Key(given.stack, 'Key', { enableKeyRotation: true }),
      tracing: true,
      waf: { rateLimit: 1000, blockIpReputationList: true },
    });
    const template = Template.fromStack(given.stack);
    const result = cost.costModel(cost.readTemplate(template.toJSON()), metricCounts());

    // THEN
    const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL'));
    expect(line(result.fixed, 'WAF web ACL').usd).toBeCloseTo(cost.PRICES.wafWebAclPerMonth + acl.Properties.Rules.length * cost.PRICES.wafRulePerMonth, 10);
    expect(acl.Properties.Rules.length).toBe(2);
    expect(line(result.fixed, 'KMS key').usd).toBeGreaterThanOrEqual(cost.PRICES.kmsKeyPerMonth);
    expect(line(result.perRequest, 'WAF requests').usd).toBeCloseTo(cost.PRICES.wafRequestPerMillion, 10);
    // The stage and the verifier are traced (one trace per delivery), and givenStack's processor too.
    expect(line(result.perRequest, 'X-Ray traces').usd).toBeGreaterThanOrEqual(cost.PRICES.xrayTracePerMillion);
  });

  test('the markdown table carries every line and the totals', () => {
    const result = cost.costModel(cost.readTemplate(receiverTemplate().template.toJSON()), metricCounts());
    const markdown = cost.renderMarkdown('Test', result);
    for (const l of [...result.perRequest, ...result.fixed]) expect(markdown).toContain(`| ${l.item} |`);
    expect(markdown).toContain(`$${result.perMillion.toFixed(2)} per million webhooks`);
  });
});

describe('the README', () => {
  test('its cost tables are what the script prints for the example app and the cheapest configuration (node scripts/cost.mjs --readme)', () => {
    // GIVEN the built example app and library (npm run build)
    const templates = cost.synthesizeDefaults();

    // WHEN
    const tables = cost.renderReadmeTables(templates, metricCounts());

    // THEN
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const start = readme.indexOf(cost.README_MARKERS.BEGIN);
    const end = readme.indexOf(cost.README_MARKERS.END);
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + cost.README_MARKERS.BEGIN.length, end).trim()).toBe(tables.trim());
  }, 60_000);

  test('every dollar figure in the Cost section\'s prose is one the tables show or a list price of the script', () => {
    // GIVEN the Cost section without its generated tables
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Cost\n'), readme.indexOf('\n## ', readme.indexOf('\n## Cost\n') + 1));
    const start = section.indexOf(cost.README_MARKERS.BEGIN);
    const end = section.indexOf(cost.README_MARKERS.END);
    const tables = section.slice(start, end);
    const prose = section.slice(0, start) + section.slice(end);

    // WHEN its figures are read
    const figures = [...prose.matchAll(/\$(\d+(?:\.\d+)?)/g)].map((m) => Number(m[1]));
    const shown = new Set([...tables.matchAll(/\$(\d+(?:\.\d+)?)/g)].map((m) => Number(m[1])));
    const prices = new Set(Object.values(cost.PRICES).map(Number));

    // THEN each is in the tables or is a price
    expect(figures.length).toBeGreaterThan(5);
    expect(figures.filter((f) => !shown.has(f) && !prices.has(f))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// What the script assumes of the code, measured on the shipped bundles against the emulators
// ---------------------------------------------------------------------------------------------------------

describe('the calls and log bytes per event are those of the shipped code', () => {
  const SECRET = 'whsec_cost_measure_5c1e';
  const stripe = new Stripe('sk_test_unused');
  const aws = clients();
  let verifier: VerifierModule;
  let runtime: RuntimeModule;
  let tableName: string;
  let queueUrl: string;
  let handle: ReturnType<VerifierModule['verifierFromConfig']>;
  const calls: string[] = [];
  const count = (client: { middlewareStack: { add: (...args: never[]) => void } }, prefix: string) =>
    (client.middlewareStack.add as unknown as (mw: unknown, options: unknown) => void)(
      (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) => async (args: unknown) => {
        calls.push(`${prefix}:${context.commandName.replace(/Command$/, '')}`);
        return next(args);
      },
      { step: 'initialize', name: `count-${prefix}` },
    );

  beforeAll(async () => {
    useEmulatorsForDefaultClients();
    tableName = await createInboxTable(aws.dynamodb);
    queueUrl = (await createQueue(aws.sqs)).url;
    // The example app's receiver: its metrics target and the default namespace.
    const config: VerifierConfig = {
      tableName,
      queueUrl,
      maxBodyBytes: 256 * 1024,
      maxMessageBytes: 1024 * 1024,
      leaseSeconds: 20,
      secretMaxAgeSeconds: 300,
      secretRefreshMinIntervalSeconds: 30,
      providers: { '/stripe': { secretId: await createSecret(aws.secretsManager, SECRET), toleranceSeconds: 300 } },
      metrics: { receiver: 'WebhookReceiverExample/Webhooks' },
    };
    process.env.WEBHOOK_METRICS_NAMESPACE = metricNames.DEFAULT_METRIC_NAMESPACE;
    process.env.WEBHOOK_METRICS_RECEIVER = 'WebhookReceiverExample/Webhooks';
    verifier = loadBundle<VerifierModule>('verifier');
    handle = verifier.verifierFromConfig(config);
    jest.isolateModules(() => {
      runtime = require(path.join(__dirname, '..', 'dist', 'runtime', 'index.js')) as RuntimeModule;
    });
    count(verifier.dynamodb as never, 'ddb');
    count(verifier.sqs as never, 'sqs');
    count(verifier.secretsManager as never, 'secrets');
  });

  afterAll(async () => {
    delete process.env.WEBHOOK_METRICS_NAMESPACE;
    delete process.env.WEBHOOK_METRICS_RECEIVER;
    await drain(aws.sqs, queueUrl);
  });

  /** A Stripe event of exactly `bytes` bytes, with ids shaped as Stripe's. */
  function stripeEvent(bytes: number): string {
    const id = () => randomUUID().replace(/-/g, '').slice(0, 24);
    const base = { id: `evt_${id()}`, object: 'event', api_version: '2024-06-20', created: 1733120677, type: 'invoice.payment_succeeded', livemode: false, pending_webhooks: 1, request: { id: `req_${id()}`, idempotency_key: randomUUID() }, data: { object: { id: `in_${id()}`, object: 'invoice', customer: `cus_${id()}`, description: '' } } };
    const padding = bytes - Buffer.byteLength(JSON.stringify(base));
    base.data.object.description = 'x'.repeat(padding);
    const payload = JSON.stringify(base);
    expect(Buffer.byteLength(payload)).toBe(bytes);
    return payload;
  }
  const request = (payload: string) =>
    apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }) } });

  test('a 2 KB delivery: the verifier\'s writes and send, its two log lines, the message size, then the processor\'s writes and lines', async () => {
    // GIVEN a warm verifier (the secret read and cached by a first delivery)
    await captureLogs(() => handle(request(stripeEvent(cost.ASSUMPTIONS.bodyBytes))));
    await drain(aws.sqs, queueUrl);
    calls.length = 0;
    const payload = stripeEvent(cost.ASSUMPTIONS.bodyBytes);

    // WHEN it takes a delivery
    const delivered = await captureLogs(() => handle(request(payload)));

    // THEN its AWS calls are the model's, and no more
    measuredVerifierCalls.push(...calls);
    expect(delivered.result.statusCode).toBe(200);
    const writes = calls.filter((c) => /^ddb:(PutItem|UpdateItem|DeleteItem)$/.test(c));
    expect(writes).toHaveLength(cost.CALLS.verifierWritesPerEvent);
    expect(calls.filter((c) => c === 'sqs:SendMessage')).toHaveLength(cost.CALLS.verifierSendsPerEvent);
    expect(calls.filter((c) => c === 'ddb:GetItem' || c.startsWith('secrets:'))).toHaveLength(cost.CALLS.readsPerEvent);
    // and its log lines are one JSON line at the level the model says (DEBUG: Lambda drops it at the application
    // log level INFO) and one EMF document, of at most the sizes the model counts
    const [emf, ...logLines] = [...delivered.lines].sort((a, b) => Number(b.includes('"_aws"')) - Number(a.includes('"_aws"')));
    expect(logLines).toHaveLength(1);
    expect(JSON.parse(logLines[0]).level).toBe(cost.LOG_BYTES.verifierLineLevel);
    expectSize(logLines[0], cost.LOG_BYTES.verifierLine, 'verifierLine');
    expectSize(emf, cost.LOG_BYTES.verifierEmf, 'verifierEmf');
    for (const name of metricNamesOf(emf)) measuredMetrics.verifier.add(name);

    // WHEN the message is received as the event source mapping does, and processed
    const out = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }));
    expect(out.Messages).toHaveLength(1);
    const message = out.Messages![0];
    const envelopeBytes = Buffer.byteLength(message.Body!) - cost.ASSUMPTIONS.bodyBytes;
    expectSize('x'.repeat(Math.max(0, envelopeBytes)), cost.LOG_BYTES.envelopeOverhead, 'envelopeOverhead');
    const batch: SQSEvent = { Records: [{ messageId: message.MessageId!, receiptHandle: message.ReceiptHandle!, body: message.Body!, attributes: message.Attributes as never, messageAttributes: {}, md5OfBody: message.MD5OfBody!, eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:queue', awsRegion: 'us-east-1' }] };
    calls.length = 0;
    const dynamodb = new DynamoDBClient({ region: 'us-east-1', endpoint: endpoints().dynamodb, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    count(dynamodb as never, 'ddb');
    const processed = await captureLogs(() => runtime.webhookProcessor(() => {}, { tableName, dynamodb })(batch));

    // THEN
    expect(processed.result.batchItemFailures).toEqual([]);
    expect(calls.filter((c) => /^ddb:(PutItem|UpdateItem|DeleteItem)$/.test(c))).toHaveLength(cost.CALLS.processorWritesPerEvent);
    expect(calls.filter((c) => c === 'ddb:GetItem')).toHaveLength(cost.CALLS.readsPerEvent);
    const processorEmf = processed.lines.filter((l) => l.includes('"_aws"'));
    const processorLines = processed.lines.filter((l) => !l.includes('"_aws"'));
    expect([processorEmf.length, processorLines.length]).toEqual([1, 1]);
    expect(JSON.parse(processorLines[0]).level).toBe(cost.LOG_BYTES.processorLineLevel);
    expectSize(processorLines[0], cost.LOG_BYTES.processorLine, 'processorLine');
    expectSize(processorEmf[0], cost.LOG_BYTES.processorEmf, 'processorEmf');
    for (const name of metricNamesOf(processorEmf[0])) measuredMetrics.processor.add(name);
  });

  test('a duplicate of an enqueued event costs one refused write and nothing else (the emulator adds a read AWS does not)', async () => {
    // GIVEN an event delivered once
    const payload = stripeEvent(cost.ASSUMPTIONS.bodyBytes);
    await captureLogs(() => handle(request(payload)));
    await drain(aws.sqs, queueUrl);
    calls.length = 0;

    // WHEN the provider retries it
    const retried = await captureLogs(() => handle(request(payload)));

    // THEN
    measuredVerifierCalls.push(...calls);
    for (const name of metricNamesOf(retried.lines.find((l) => l.includes('"_aws"'))!)) measuredMetrics.verifier.add(name);
    expect(retried.result.statusCode).toBe(200);
    expect(calls.filter((c) => /^ddb:(PutItem|UpdateItem|DeleteItem)$/.test(c))).toHaveLength(cost.CALLS.verifierWritesPerDuplicate);
    expect(calls.filter((c) => c.startsWith('sqs:'))).toEqual([]);
    // dynalite does not return the holder's record with the refusal (DESIGN.md), so the code reads it; DynamoDB does.
    expect(calls.filter((c) => c === 'ddb:GetItem').length).toBeLessThanOrEqual(1);
  });
});

test('the metrics the model bills every hour are those the handlers write for deliveries, duplicates and processed events', () => {
  // GIVEN the EMF documents measured above (a delivery, its duplicate, the event processed)
  // THEN their metric names are the model's, and no more: a counter at 0 is not written, so it has no data
  expect([...measuredMetrics.verifier].sort()).toEqual([...cost.METRICS_WITH_DATA_EVERY_HOUR.verifier].sort());
  expect([...measuredMetrics.processor].sort()).toEqual([...cost.METRICS_WITH_DATA_EVERY_HOUR.processor].sort());
});

describe('the verifier\'s role grants what the measured code calls', () => {
  // Not a cost question, but the measurement above is the first place that sees which calls the shipped bundle
  // makes; the emulators check no IAM. (It found that the verifier's role lacked UpdateItem for markEnqueued.)
  test('every DynamoDB and SQS action the verifier bundle calls for a delivery and a duplicate is in its role\'s policy', async () => {
    // GIVEN the calls measured in the tests above, as IAM actions
    const measured = [...new Set(measuredVerifierCalls)].map((c) => c.replace(/^ddb:/, 'dynamodb:')).filter((a) => /^(dynamodb|sqs):/.test(a)).sort();
    expect(measured).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'sqs:SendMessage']));

    // WHEN the template grants the verifier's role
    const { template } = receiverTemplate();
    const functions = template.findResources('AWS::Lambda::Function');
    const verifier = Object.values(functions).find((f) => f.Properties.Environment?.Variables?.WEBHOOK_RECEIVER_VALUES)!;
    const roleId = verifier.Properties.Role['Fn::GetAtt'][0];
    const granted = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement.filter((st: { Effect: string }) => st.Effect === 'Allow').flatMap((st: { Action: string | string[] }) => [st.Action].flat()));

    // THEN
    expect(measured.filter((action) => !granted.includes(action))).toEqual([]);
  });
});

/** The model's size for a line is at least what the code writes, and not more than 15 % (+16 B) above it. */
function expectSize(measuredLine: string, modelled: number, name: string): void {
  const measured = Buffer.byteLength(measuredLine);
  expect([name, measured <= modelled && modelled <= measured * 1.15 + 16 ? 'fits' : `model ${modelled} B, code writes ${measured} B`]).toEqual([name, 'fits']);
}

