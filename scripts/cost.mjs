#!/usr/bin/env node
// What a million webhooks cost, computed from a synthesized CloudFormation template and AWS's list prices.
//
//   node scripts/cost.mjs                      the example app (bin/app.ts) and the cheapest configuration
//                                              (both synthesized here; run `npm run build` first)
//   node scripts/cost.mjs <template.json>...   the given templates
//   node scripts/cost.mjs --readme             rewrites README.md's cost tables between the cost markers
//
// Everything the template says is read from it: memory, architecture and log settings (format, levels) of both
// functions, tracing, the event
// source mapping's batch size and window, alarms and the metrics each one watches, composite alarms, dashboards,
// KMS keys, WAF web ACLs and their rules, the API type, its routes and detailed metrics, the access log format,
// the providers and their secrets and the secret cache age. What it cannot say (durations, duplicate rate, how
// many events share a batch at a given rate) is in ASSUMPTIONS, each with its reason. The handlers' AWS calls per
// event are in CALLS, counted from the code (and measured against the emulators by test/cost.test.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * AWS list prices, us-east-1, first pricing tier, USD, as published on the services' pricing pages on PRICES_DATE
 * (aws.amazon.com/<service>/pricing). No free tier is counted. Not fetched live: this machine has no network.
 */
export const PRICES_DATE = '2025-11-01';
export const PRICES = {
  restApiPerMillion: 3.5, // API Gateway REST API, first 333 million requests a month
  httpApiPerMillion: 1.0, // API Gateway HTTP API, first 300 million, metered per 512 KB
  lambdaRequestPerMillion: 0.2,
  lambdaGbSecondArm64: 0.0000133334, // first 7.5 billion GB-s a month
  lambdaGbSecondX86: 0.0000166667, // first 6 billion GB-s a month
  dynamoWritePerMillion: 0.625, // on-demand write request unit (1 KB), since the November 2024 price cut
  dynamoReadPerMillion: 0.125, // on-demand read request unit (4 KB, strongly consistent)
  sqsRequestPerMillion: 0.4, // standard queue; every 64 KB chunk of a request is one request
  logsIngestPerGb: 0.5, // CloudWatch Logs, standard log class
  customMetricPerMonth: 0.3, // CloudWatch metric (EMF or API Gateway detailed metrics), first 10,000
  alarmMetricPerMonth: 0.1, // standard-resolution alarm, per metric it watches (metric math: each metric)
  compositeAlarmPerMonth: 0.5,
  dashboardPerMonth: 3.0, // beyond the account's first three
  kmsKeyPerMonth: 1.0,
  kmsRequestPer10k: 0.03,
  secretPerMonth: 0.4,
  secretsApiPer10k: 0.05,
  wafWebAclPerMonth: 5.0,
  wafRulePerMonth: 1.0, // a managed rule group counts as one rule
  wafRequestPerMillion: 0.6,
  xrayTracePerMillion: 5.0, // traces recorded
};

/** What the template cannot tell, with the reason for each value. */
export const ASSUMPTIONS = {
  /** Webhooks per month the table is for. */
  deliveries: 1_000_000,
  /** Request body: 2 KB, the issue's figure for a typical Stripe or GitHub event. */
  bodyBytes: 2048,
  /** Share of deliveries that are a provider's retry of an event already enqueued (acknowledged, not enqueued). */
  duplicateRate: 0.01,
  /** Warm verifier time per delivery: 3 AWS calls in the same region (conditional PutItem, SendMessage, UpdateItem) at ~10-15 ms each. */
  verifierMs: 40,
  /** Warm processor runtime time per event, without your own code: 2 UpdateItem calls. */
  processorMs: 25,
  /** Share of invocations that start a new container (billed INIT phase since August 2025). */
  coldStartRate: 0.005,
  verifierInitMs: 300,
  processorInitMs: 250,
  /**
   * Seconds the traffic is spread over: a month. At 1M a month that is 0.39 deliveries a second, so without a
   * batching window a batch holds one event; with one, as many as arrive in the window (up to the batch size).
   */
  monthSeconds: 30 * 24 * 3600,
  /** Warm verifier containers, each holding its own secret cache (at 0.39/s one is enough, two with overlap). */
  warmVerifiers: 2,
  /** Lambda's SQS event source mapping polls with five long-polling (20 s) connections when the queue is empty. */
  idlePollers: 5,
  longPollSeconds: 20,
  /** Key-caching calls to KMS a month per principal using a customer managed key (SQS data key reuse, DynamoDB table key). */
  kmsCallsPerPrincipalPerMonth: 8640,
  /** API Gateway's detailed (per-method) metrics: 4XXError, 5XXError, CacheHitCount, CacheMissCount, Count, IntegrationLatency, Latency. */
  apiDetailedMetricsPerMethod: 7,
  /** Bytes CloudWatch Logs counts on top of each log event's message (its PutLogEvents accounting); conservative. */
  logEventOverheadBytes: 26,
  /** X-Ray's default sampling rule: the first request each second, then 5 % (reservoir 1/s, rate 0.05). */
  xrayReservoirPerSecond: 1,
  xrayRate: 0.05,
};

/**
 * The handlers' AWS calls per event, counted from the code (test/cost.test.ts counts them again on the shipped
 * bundles against the emulators):
 * - verifier (lambda/verifier/inbox.ts, enqueue.ts): claim = conditional PutItem; SendMessage; markEnqueued =
 *   conditional UpdateItem. A duplicate: the one PutItem, refused by its condition (still a write unit; DynamoDB
 *   returns the holder's record with the refusal, ReturnValuesOnConditionCheckFailure, so no read).
 * - processor runtime (lambda/runtime/index.ts): claim = conditional UpdateItem to PROCESSING; markDone = UpdateItem.
 * Inbox items hold no body (a hash of it): well under 1 KB, so one write unit each.
 */
export const CALLS = {
  verifierWritesPerEvent: 2,
  verifierWritesPerDuplicate: 1,
  verifierSendsPerEvent: 1,
  processorWritesPerEvent: 2,
  readsPerEvent: 0,
  writeUnitsPerWrite: 1,
};

/**
 * Log lines per delivery, as the shipped bundles write them (bytes, measured by test/cost.test.ts on a 2 KB Stripe
 * event; the test fails if the code's lines grow past these or shrink well below them), and the level each is
 * written at. With Lambda's JSON log format, Lambda drops a line below the function's application log level before
 * it is ingested; a line with no level (an EMF document) counts as INFO. With the text format every line is kept.
 */
export const LOG_BYTES = {
  verifierLine: 330, // {"level":"DEBUG","message":"delivery handled",...}: only at application log level DEBUG
  verifierLineLevel: 'DEBUG',
  verifierEmf: 380, // one EMF document: the counters at 1 (Received, Verified, Enqueued), two dimension sets
  processorLine: 240, // {"level":"INFO","message":"webhook event processed",...}
  processorLineLevel: 'INFO',
  processorEmf: 330, // Processed and EventAge
  /**
   * The SQS message beyond the body's own bytes: the envelope, and the JSON escaping of a JSON body (carried as
   * text when it is valid UTF-8, base64 otherwise).
   */
  envelopeOverhead: 520,
};

/**
 * The metrics that have a data point in every hour at the modelled traffic, now that the handlers write a counter
 * only when it is not 0: every delivery is Received and (signed) Verified, 99 % are Enqueued, 1 % Duplicate (about
 * 14 an hour at 1M a month); every event is Processed, with its EventAge. CloudWatch bills a custom metric by the
 * hour, for the hours it receives data: the other counters (rejections, failures, in-flight, ...) cost only in the
 * hours they are not 0.
 */
export const METRICS_WITH_DATA_EVERY_HOUR = {
  verifier: ['Received', 'Verified', 'Enqueued', 'Duplicate'],
  processor: ['Processed', 'EventAge'],
};

/** Log levels in Lambda's order, least severe first. */
const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** Whether Lambda ingests a line of `level` from this function (text format: every line). */
export function keepsLine(fn, level) {
  if (fn.logFormat !== 'JSON') return true;
  return LEVELS.indexOf(level) >= LEVELS.indexOf(fn.applicationLogLevel ?? 'INFO');
}

/** The metric names the handlers emit (from contract/metric-names). */
export function handlerMetricCounts(metricNames) {
  return {
    verifier: metricNames.VERIFIER_COUNTERS.length,
    processor: metricNames.PROCESSOR_COUNTERS.length + metricNames.MILLISECOND_METRICS.length,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Reading the template
// ---------------------------------------------------------------------------------------------------------

const ofType = (template, type) => Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === type);
const refOf = (value) => (value && typeof value === 'object' ? value.Ref ?? value['Fn::GetAtt']?.[0] : undefined);

/** A Fn::Join of strings and tokens as one string, tokens replaced by a placeholder. */
function joined(value) {
  if (typeof value === 'string') return value;
  if (value && value['Fn::Join']) return value['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(value['Fn::Join'][0]);
  return undefined;
}

function lambdaOf(template, id) {
  const props = template.Resources[id].Properties;
  return {
    id,
    memoryMb: props.MemorySize ?? 128,
    arm64: (props.Architectures ?? ['x86_64']).includes('arm64'),
    tracing: props.TracingConfig?.Mode === 'Active',
    // Lambda's defaults: text format; with JSON, INFO for both levels.
    logFormat: props.LoggingConfig?.LogFormat ?? 'Text',
    systemLogLevel: props.LoggingConfig?.LogFormat === 'JSON' ? props.LoggingConfig.SystemLogLevel ?? 'INFO' : undefined,
    applicationLogLevel: props.LoggingConfig?.LogFormat === 'JSON' ? props.LoggingConfig.ApplicationLogLevel ?? 'INFO' : undefined,
  };
}

/** The facts of a template the cost depends on; throws when it has no receiver. */
export function readTemplate(template) {
  const functions = ofType(template, 'AWS::Lambda::Function');
  // The verifier carries its deploy-time values in WEBHOOK_RECEIVER_VALUES; the rest of its configuration is in
  // its code asset, so what the cost needs is read from the template's own resources.
  const verifierEntry = functions.find(([, r]) => r.Properties?.Environment?.Variables?.WEBHOOK_RECEIVER_VALUES !== undefined);
  if (!verifierEntry) throw new Error('No WebhookReceiver in this template: no function has WEBHOOK_RECEIVER_VALUES.');
  const verifierRole = refOf(verifierEntry[1].Properties.Role);
  const secretArns = new Set(
    ofType(template, 'AWS::IAM::Policy')
      .filter(([, r]) => (r.Properties.Roles ?? []).some((role) => refOf(role) === verifierRole))
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement)
      .filter((st) => st.Effect === 'Allow' && [st.Action].flat().includes('secretsmanager:GetSecretValue'))
      .flatMap((st) => [st.Resource].flat().map((resource) => JSON.stringify(resource))),
  );
  const mappings = ofType(template, 'AWS::Lambda::EventSourceMapping');
  if (mappings.length !== 1) throw new Error(`Expected one event source mapping (the processor's), found ${mappings.length}.`);
  const mapping = mappings[0][1].Properties;
  const processorId = refOf(mapping.FunctionName);
  const processor = template.Resources[processorId]
    ? lambdaOf(template, processorId)
    : { id: 'imported', memoryMb: undefined, arm64: true, tracing: false, logFormat: 'Text' };

  const stages = ofType(template, 'AWS::ApiGateway::Stage').map(([, r]) => r.Properties);
  const httpApis = ofType(template, 'AWS::ApiGatewayV2::Api');
  const methods = ofType(template, 'AWS::ApiGateway::Method').filter(([, r]) => r.Properties.HttpMethod !== 'OPTIONS');
  const stage = stages[0];
  // An HTTP API (apiType: ApiType.HTTP): its routes (`POST /stripe`), its stage's access log and detailed metrics.
  const httpRoutes = ofType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
  const httpStage = ofType(template, 'AWS::ApiGatewayV2::Stage').map(([, r]) => r.Properties)[0];
  const detailedMetrics = httpApis.length > 0
    ? httpStage?.DefaultRouteSettings?.DetailedMetricsEnabled === true
    : (stage?.MethodSettings ?? []).some((s) => s.MetricsEnabled === true);

  const alarms = ofType(template, 'AWS::CloudWatch::Alarm').map(([id, r]) => ({
    id,
    metrics: r.Properties.MetricName !== undefined ? 1 : (r.Properties.Metrics ?? []).filter((m) => m.MetricStat !== undefined).length,
  }));
  const webAcls = ofType(template, 'AWS::WAFv2::WebACL').map(([id, r]) => ({ id, rules: (r.Properties.Rules ?? []).length }));

  return {
    api: httpApis.length > 0 ? 'HTTP' : 'REST',
    routes: httpApis.length > 0 ? httpRoutes.length : methods.length,
    detailedMetrics,
    stageTracing: stage?.TracingEnabled === true,
    accessLogFormat: httpApis.length > 0 ? httpStage?.AccessLogSettings?.Format : stage?.AccessLogSetting?.Format,
    verifier: lambdaOf(template, verifierEntry[0]),
    processor,
    batchSize: mapping.BatchSize ?? 10,
    batchingWindowSeconds: mapping.MaximumBatchingWindowInSeconds ?? 0,
    // One API resource (`/<id>`) per provider; an HTTP API: one path per provider, with one route per method.
    providers: httpApis.length > 0 ? new Set(httpRoutes.map((key) => key.split(' ')[1])).size : ofType(template, 'AWS::ApiGateway::Resource').length,
    secrets: secretArns.size,
    // secretCacheMaxAge's default; a receiver that changes it changes only the secret reads, a few cents a month.
    secretMaxAgeSeconds: 300,
    alarms,
    compositeAlarms: ofType(template, 'AWS::CloudWatch::CompositeAlarm').length,
    dashboards: ofType(template, 'AWS::CloudWatch::Dashboard').length,
    kmsKeys: ofType(template, 'AWS::KMS::Key').length,
    encrypted: ofType(template, 'AWS::SQS::Queue').some(([, r]) => r.Properties.KmsMasterKeyId !== undefined),
    webAcls,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------------------

/**
 * The platform's lines per invocation: in the text format START, END and REPORT; in the JSON format the
 * platform.start, platform.runtimeDone and platform.report records, which are INFO: none at system log level WARN.
 */
export function platformLogBytes(fn, ms) {
  const id = '00000000-0000-0000-0000-000000000000';
  const time = '2026-12-02T06:44:37.123Z';
  if (fn.logFormat === 'JSON') {
    if (LEVELS.indexOf(fn.systemLogLevel ?? 'INFO') > LEVELS.indexOf('INFO')) return [];
    const tracing = fn.tracing ? { tracing: { spanId: '0000000000000000', type: 'X-Amzn-Trace-Id', value: 'Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=1' } } : {};
    const records = [
      { time, type: 'platform.start', record: { requestId: id, version: '$LATEST', ...tracing } },
      { time, type: 'platform.runtimeDone', record: { requestId: id, status: 'success', ...tracing, spans: [{ name: 'responseLatency', start: time, durationMs: ms }, { name: 'responseDuration', start: time, durationMs: 0.1 }], metrics: { durationMs: ms, producedBytes: 120 } } },
      { time, type: 'platform.report', record: { requestId: id, metrics: { durationMs: ms, billedDurationMs: Math.ceil(ms), memorySizeMB: fn.memoryMb ?? 128, maxMemoryUsedMB: 99 }, ...tracing, status: 'success' } },
    ];
    return records.map((r) => Buffer.byteLength(JSON.stringify(r)));
  }
  const requestId = `RequestId: ${id}`;
  const lines = [
    `START ${requestId} Version: $LATEST`,
    `END ${requestId}`,
    `REPORT ${requestId}\tDuration: ${ms.toFixed(2)} ms\tBilled Duration: ${Math.ceil(ms)} ms\tMemory Size: ${fn.memoryMb ?? 128} MB\tMax Memory Used: 99 MB\t`
      + (fn.tracing ? '\nXRAY TraceId: 1-00000000-000000000000000000000000\tSegmentId: 0000000000000000\tSampled: true\t' : ''),
  ];
  return lines.map((l) => Buffer.byteLength(l));
}

/** The access log line for one request: the template's format with typical values. */
function accessLogBytes(format) {
  if (!format) return 0;
  const values = {
    '$context.requestId': '00000000-0000-0000-0000-000000000000',
    '$context.identity.sourceIp': '203.0.113.117',
    '$context.requestTime': '02/Dec/2026:06:44:37 +0000',
    '$context.httpMethod': 'POST',
    '$context.resourcePath': '/stripe',
    '$context.routeKey': 'POST /stripe',
    '$context.integrationErrorMessage': '-',
    '$context.status': '200',
    '$context.protocol': 'HTTP/1.1',
    '$context.responseLength': '27',
  };
  return Buffer.byteLength(format.replace(/\$context\.[A-Za-z.]+/g, (v) => values[v] ?? 'x'.repeat(20)));
}

const million = (count, pricePerMillion) => (count / 1e6) * pricePerMillion;
/** HTTP APIs meter requests in 512 KB increments: a request of up to 512 KB is one, up to 1 MB two, and so on. */
const httpMetered = (bodyBytes) => Math.max(1, Math.ceil(bodyBytes / (512 * 1024)));

/**
 * The cost of `a.deliveries` webhooks (per-request lines, USD) and the fixed monthly cost (USD/month) of a
 * receiver, from the facts of its template. Pure: no I/O.
 */
export function costModel(facts, metricCounts, a = ASSUMPTIONS, p = PRICES) {
  const deliveries = a.deliveries;
  const events = deliveries * (1 - a.duplicateRate);
  const duplicates = deliveries - events;
  const perSecond = deliveries / a.monthSeconds;
  const perBatch = Math.max(1, Math.min(facts.batchSize, Math.floor(perSecond * facts.batchingWindowSeconds)));
  const batches = events / perBatch;
  const messageBytes = a.bodyBytes + LOG_BYTES.envelopeOverhead;
  const chunks = (bytes) => Math.max(1, Math.ceil(bytes / (64 * 1024)));
  const gbSecond = (fn) => (fn.arm64 ? p.lambdaGbSecondArm64 : p.lambdaGbSecondX86) * ((fn.memoryMb ?? 128) / 1024);
  const sampled = perSecond <= a.xrayReservoirPerSecond ? 1 : (a.xrayReservoirPerSecond + a.xrayRate * (perSecond - a.xrayReservoirPerSecond)) / perSecond;
  const logGb = (lines, count) => (count * lines.reduce((sum, bytes) => sum + bytes + a.logEventOverheadBytes, 0)) / 1024 ** 3;

  const verifierPlatform = platformLogBytes(facts.verifier, a.verifierMs);
  const processorPlatform = platformLogBytes(facts.processor, a.processorMs * perBatch);
  const accessLog = accessLogBytes(facts.accessLogFormat);
  const waf = facts.webAcls.length > 0;
  const sum = (bytes) => bytes.reduce((total, b) => total + b, 0);
  // The lines each function writes that its log group receives (the JSON format's level filter), and what they are.
  const verifierKeepsLine = keepsLine(facts.verifier, LOG_BYTES.verifierLineLevel);
  const verifierLines = [...(verifierKeepsLine ? [LOG_BYTES.verifierLine] : []), LOG_BYTES.verifierEmf, ...verifierPlatform];
  const verifierParts = [
    verifierKeepsLine ? 'delivery line' : 'no delivery line',
    'EMF',
    verifierPlatform.length > 0 ? (facts.verifier.logFormat === 'JSON' ? 'platform records' : 'START/END/REPORT') : 'no platform lines',
    ...(accessLog ? ['access log'] : []),
  ];
  const processorKeepsLine = facts.processor.memoryMb === undefined || keepsLine(facts.processor, LOG_BYTES.processorLineLevel);
  const processorLines = [...(processorKeepsLine ? [LOG_BYTES.processorLine] : []), LOG_BYTES.processorEmf];
  const processorParts = [
    processorKeepsLine ? 'runtime line' : 'no runtime line',
    'EMF',
    processorPlatform.length > 0 ? `${facts.processor.logFormat === 'JSON' ? 'platform records' : 'START/END/REPORT'} per batch` : 'no platform lines',
  ];

  const perRequest = [
    facts.api === 'HTTP'
      ? {
        item: 'API Gateway HTTP API requests',
        detail: `${deliveries.toLocaleString('en-US')} requests, metered per 512 KB (a ${a.bodyBytes / 1024} KB body is ${httpMetered(a.bodyBytes)} request)`,
        usd: million(deliveries * httpMetered(a.bodyBytes), p.httpApiPerMillion),
      }
      : {
        item: 'API Gateway REST API requests',
        detail: `${deliveries.toLocaleString('en-US')} requests`,
        usd: million(deliveries, p.restApiPerMillion),
      },
    waf && { item: 'WAF requests', detail: 'every request is inspected', usd: million(deliveries, p.wafRequestPerMillion) },
    { item: 'Verifier Lambda requests', detail: 'one invocation per delivery', usd: million(deliveries, p.lambdaRequestPerMillion) },
    {
      item: 'Verifier Lambda duration',
      detail: `${facts.verifier.memoryMb} MB ${facts.verifier.arm64 ? 'arm64' : 'x86_64'}, ${a.verifierMs} ms warm, ${a.coldStartRate * 100} % cold (+${a.verifierInitMs} ms INIT)`,
      usd: deliveries * ((a.verifierMs + a.coldStartRate * a.verifierInitMs) / 1000) * gbSecond(facts.verifier),
    },
    {
      item: 'DynamoDB writes',
      detail: `${CALLS.verifierWritesPerEvent} verifier + ${CALLS.processorWritesPerEvent} processor per event, ${CALLS.verifierWritesPerDuplicate} refused per duplicate (${a.duplicateRate * 100} %)`,
      usd: million(
        (events * (CALLS.verifierWritesPerEvent + CALLS.processorWritesPerEvent) + duplicates * CALLS.verifierWritesPerDuplicate) * CALLS.writeUnitsPerWrite,
        p.dynamoWritePerMillion,
      ),
    },
    { item: 'DynamoDB reads', detail: 'none: a refused write returns the holder\'s record', usd: million(events * CALLS.readsPerEvent, p.dynamoReadPerMillion) },
    {
      item: 'SQS requests',
      detail: `send 1 per event; receive + delete 1 each per batch of ${perBatch} (batch size ${facts.batchSize}, window ${facts.batchingWindowSeconds} s); ${(messageBytes / 1024).toFixed(1)} KB messages`,
      usd: million(events * CALLS.verifierSendsPerEvent * chunks(messageBytes) + batches * (chunks(perBatch * messageBytes) + 1), p.sqsRequestPerMillion),
    },
    {
      item: 'Processor Lambda requests',
      detail: `one invocation per batch of ${perBatch}`,
      usd: million(batches, p.lambdaRequestPerMillion),
    },
    {
      item: 'Processor Lambda duration',
      detail: facts.processor.memoryMb === undefined
        ? 'imported processor: not counted'
        : `${facts.processor.memoryMb} MB ${facts.processor.arm64 ? 'arm64' : 'x86_64'}, ${a.processorMs} ms per event (runtime only, your code extra)`,
      usd: facts.processor.memoryMb === undefined ? 0
        : (events * a.processorMs + batches * a.coldStartRate * a.processorInitMs) / 1000 * gbSecond(facts.processor),
    },
    {
      item: 'CloudWatch Logs ingestion',
      detail: `per delivery ${verifierLines.length + (accessLog ? 1 : 0)} lines, ~${Math.round(sum(verifierLines) + accessLog)} B (${verifierParts.join(', ')}); `
        + `per event ~${Math.round(sum(processorLines) + sum(processorPlatform) / perBatch)} B (${processorParts.join(', ')})`,
      usd: p.logsIngestPerGb * (
        logGb([...verifierLines, ...(accessLog ? [accessLog] : [])], deliveries)
        + logGb(processorLines, events)
        + logGb(processorPlatform, batches)
      ),
    },
    (facts.stageTracing || facts.verifier.tracing || facts.processor.tracing) && {
      item: 'X-Ray traces',
      detail: `${facts.stageTracing || facts.verifier.tracing ? 'one per delivery' : ''}${(facts.stageTracing || facts.verifier.tracing) && facts.processor.tracing ? ' + ' : ''}${facts.processor.tracing ? 'one per processor invocation' : ''}; ${Math.round(sampled * 100)} % sampled at ${perSecond.toFixed(2)}/s`,
      usd: million(sampled * ((facts.stageTracing || facts.verifier.tracing ? deliveries : 0) + (facts.processor.tracing ? batches : 0)), p.xrayTracePerMillion),
    },
  ].filter(Boolean);

  // Each metric name under the receiver and under each provider; billed for the hours it has data.
  const withData = METRICS_WITH_DATA_EVERY_HOUR.verifier.length + METRICS_WITH_DATA_EVERY_HOUR.processor.length;
  const emfMetrics = withData * (1 + facts.providers);
  const sometimes = (metricCounts.verifier + metricCounts.processor - withData) * (1 + facts.providers);
  const alarmMetrics = facts.alarms.reduce((sum, alarm) => sum + alarm.metrics, 0);
  const principalsUsingKey = 2;
  const secretCalls = a.warmVerifiers * facts.secrets * 2 * (a.monthSeconds / facts.secretMaxAgeSeconds);
  const idleReceives = a.idlePollers * (a.monthSeconds / a.longPollSeconds);
  const fixed = [
    {
      item: 'Handler metrics (EMF)',
      detail: `${METRICS_WITH_DATA_EVERY_HOUR.verifier.length} verifier + ${METRICS_WITH_DATA_EVERY_HOUR.processor.length} processor metrics with data every hour x (receiver + ${facts.providers} providers) = ${emfMetrics}; `
        + `the other ${sometimes} (rejections, failures, ...) only for the hours they are not 0, at most ${usd(sometimes * p.customMetricPerMonth)} more`,
      usd: emfMetrics * p.customMetricPerMonth,
    },
    facts.detailedMetrics && {
      item: 'API Gateway detailed metrics',
      detail: `${a.apiDetailedMetricsPerMethod} per route x ${facts.routes} routes`,
      usd: a.apiDetailedMetricsPerMethod * facts.routes * p.customMetricPerMonth,
    },
    {
      item: 'Alarms',
      detail: `${facts.alarms.length} alarms watching ${alarmMetrics} metrics${facts.compositeAlarms ? `, ${facts.compositeAlarms} composite` : ''}`,
      usd: alarmMetrics * p.alarmMetricPerMonth + facts.compositeAlarms * p.compositeAlarmPerMonth,
    },
    facts.dashboards > 0 && { item: 'Dashboard', detail: `${facts.dashboards}`, usd: facts.dashboards * p.dashboardPerMonth },
    {
      item: 'Secrets',
      detail: `${facts.secrets} secrets; ${Math.round(secretCalls).toLocaleString('en-US')} reads (2 versions every ${facts.secretMaxAgeSeconds} s in ${a.warmVerifiers} containers)`,
      usd: facts.secrets * p.secretPerMonth + (secretCalls / 1e4) * p.secretsApiPer10k,
    },
    {
      item: 'SQS idle polling',
      detail: `${a.idlePollers} long polls every ${a.longPollSeconds} s by the event source mapping`,
      usd: million(idleReceives, p.sqsRequestPerMillion),
    },
    (facts.kmsKeys > 0 || facts.encrypted) && {
      item: 'KMS key',
      detail: `${facts.kmsKeys} key(s); ~${(principalsUsingKey * 2 * a.kmsCallsPerPrincipalPerMonth).toLocaleString('en-US')} cached data-key calls (SQS, DynamoDB)`,
      usd: facts.kmsKeys * p.kmsKeyPerMonth + ((principalsUsingKey * 2 * a.kmsCallsPerPrincipalPerMonth) / 1e4) * p.kmsRequestPer10k,
    },
    ...facts.webAcls.map((acl) => ({
      item: 'WAF web ACL',
      detail: `${acl.rules} rule(s)`,
      usd: p.wafWebAclPerMonth + acl.rules * p.wafRulePerMonth,
    })),
  ].filter(Boolean);

  const total = (lines) => lines.reduce((sum, line) => sum + line.usd, 0);
  return { facts, perBatch, perRequest, fixed, perMillion: total(perRequest), monthly: total(fixed) };
}

// ---------------------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------------------

const usd = (value) => `$${value.toFixed(value < 1 ? 3 : 2)}`;

/** One configuration's tables in Markdown. */
export function renderMarkdown(title, result) {
  const rows = (lines) => lines.map((l) => `| ${l.item} | ${l.detail} | ${usd(l.usd)} |`).join('\n');
  return [
    `**${title}: ${usd(result.perMillion)} per million webhooks + ${usd(result.monthly)} a month**`,
    '',
    '| Per million webhooks | What | USD |',
    '|---|---|---:|',
    rows(result.perRequest),
    `| **Total** | | **${usd(result.perMillion)}** |`,
    '',
    '| Fixed, per month | What | USD |',
    '|---|---|---:|',
    rows(result.fixed),
    `| **Total** | | **${usd(result.monthly)}** |`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------------------

const CHEAPEST_APP = `
const { App, Duration, Stack } = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const logs = require('aws-cdk-lib/aws-logs');
const secretsmanager = require('aws-cdk-lib/aws-secretsmanager');
const { ApiType, WebhookProvider, WebhookReceiver } = require(process.env.COST_LIB);
const app = new App();
const stack = new Stack(app, 'Cheapest');
// The example's two providers and processor; an HTTP API (a third of a REST API's request price: what it gives up
// is WAF, allowlists and binary media types, see ApiType.HTTP), no WAF, no customer managed key, no tracing,
// 128 MB (the least Lambda and verifierMemorySize allow), a 20-second batching window (events wait up to 20 s
// for the processor; batches of up to 10 at this rate). Alarms and dashboard as by default: every guarantee kept.
// The processor is a function of your own, logging as WebhookProcessorFunction does by default: JSON format,
// Lambda's platform lines from WARN (no START/END/REPORT).
const processor = new lambda.Function(stack, 'Processor', {
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })'),
  timeout: Duration.seconds(30),
  memorySize: 128,
  logGroup: new logs.LogGroup(stack, 'ProcessorLogs', { retention: logs.RetentionDays.ONE_MONTH }),
  loggingFormat: lambda.LoggingFormat.JSON,
  systemLogLevelV2: lambda.SystemLogLevel.WARN,
});
new WebhookReceiver(stack, 'Webhooks', {
  providers: [
    WebhookProvider.stripe({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'StripeSecret', 'webhooks/stripe') }),
    WebhookProvider.github({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'GitHubSecret', 'webhooks/github') }),
  ],
  processor,
  apiType: ApiType.HTTP,
  maxBatchingWindow: Duration.seconds(20),
  verifierMemorySize: 128,
});
app.synth();
`;

function synth(outdir, args) {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, CDK_OUTDIR: outdir, COST_LIB: path.join(ROOT, 'lib', 'index.js'), NODE_PATH: path.join(ROOT, 'node_modules') }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`Synth failed (run "npm run build" first?):\n${result.stderr}`);
}

/** Synthesizes the example app and the cheapest configuration; returns their templates. */
export function synthesizeDefaults() {
  const dir = mkdtempSync(path.join(tmpdir(), 'cost-'));
  try {
    synth(path.join(dir, 'example'), [path.join(ROOT, 'bin', 'app.js')]);
    writeFileSync(path.join(dir, 'cheapest.js'), CHEAPEST_APP);
    synth(path.join(dir, 'cheapest'), [path.join(dir, 'cheapest.js')]);
    const read = (file) => JSON.parse(readFileSync(file, 'utf8'));
    return {
      'The example app (bin/app.ts)': read(path.join(dir, 'example', 'WebhookReceiverExample.template.json')),
      'Cheapest configuration': read(path.join(dir, 'cheapest', 'Cheapest.template.json')),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function metricCountsFromBuild() {
  const require = createRequire(import.meta.url);
  return handlerMetricCounts(require(path.join(ROOT, 'contract', 'metric-names.js')));
}

/**
 * What would take a configuration lower, each lever priced by the same model on changed facts (none of them is a
 * prop today, except the batching window).
 */
export function levers(facts, metricCounts) {
  const base = costModel(facts, metricCounts);
  const changes = [
    ...(facts.api === 'REST' ? [['apiType: ApiType.HTTP instead of REST (no WAF, no allowlists)', { api: 'HTTP' }]] : []),
    ['maxBatchingWindow: Duration.seconds(20) (batches of up to 10 at this rate)', { batchingWindowSeconds: 20, batchSize: Math.max(facts.batchSize, 10) }],
    ['No API access log (the EMF documents still count every delivery; source addresses and statuses are then logged nowhere)', { accessLogFormat: undefined }],
    ['No API Gateway detailed metrics (stage totals stay free)', { detailedMetrics: false }],
  ];
  const rows = changes.map(([lever, change]) => {
    const r = costModel({ ...facts, ...change }, metricCounts);
    return { lever, perMillion: r.perMillion - base.perMillion, monthly: r.monthly - base.monthly };
  }).filter((row) => row.perMillion !== 0 || row.monthly !== 0); // a lever already pulled is no row
  const all = costModel(Object.assign({ ...facts }, ...changes.map(([, change]) => change)), metricCounts);
  return { base, rows, all };
}

/** What the logging settings add to a configuration: each priced by the same model on changed facts. */
export function loggingCosts(facts, metricCounts) {
  const base = costModel(facts, metricCounts);
  const changes = [
    ['`logging: { logDeliveries: true }`: a line per accepted delivery', { verifier: { ...facts.verifier, applicationLogLevel: 'DEBUG' } }],
    ['`logging: { systemLogLevel: lambda.SystemLogLevel.INFO }`: Lambda\'s platform records of each verifier invocation', { verifier: { ...facts.verifier, systemLogLevel: 'INFO' } }],
    ...(facts.processor.memoryMb !== undefined && facts.processor.logFormat === 'JSON'
      ? [['A processor in Lambda\'s text log format (a `lambda.Function`\'s default): START/END/REPORT per batch', { processor: { ...facts.processor, logFormat: 'Text', systemLogLevel: undefined, applicationLogLevel: undefined } }]]
      : []),
  ];
  return changes.map(([setting, change]) => ({ setting, perMillion: costModel({ ...facts, ...change }, metricCounts).perMillion - base.perMillion }));
}

/** The README section between the markers. */
export function renderReadmeTables(templates, metricCounts) {
  const tables = Object.entries(templates).map(([title, template]) => renderMarkdown(title, costModel(readTemplate(template), metricCounts)));
  const [lastTitle, lastTemplate] = Object.entries(templates).at(-1);
  const { rows, all } = levers(readTemplate(lastTemplate), metricCounts);
  const signed = (v) => (v === 0 ? '-' : `${v < 0 ? '-' : '+'}${usd(Math.abs(v))}`);
  tables.push([
    `**What would take the ${lastTitle.toLowerCase()} lower** (same model, changed facts):`,
    '',
    '| Lever | Per million | Per month |',
    '|---|---:|---:|',
    ...rows.map((r) => `| ${r.lever} | ${signed(r.perMillion)} | ${signed(r.monthly)} |`),
    `| **All of them** | **${usd(all.perMillion)}** | **${usd(all.monthly)}** |`,
  ].join('\n'));
  tables.push([
    `**What logging more would add to the ${lastTitle.toLowerCase()}** (same model, changed facts):`,
    '',
    '| Setting | Per million |',
    '|---|---:|',
    ...loggingCosts(readTemplate(lastTemplate), metricCounts).map((r) => `| ${r.setting} | ${signed(r.perMillion)} |`),
  ].join('\n'));
  return tables.join('\n\n');
}

const BEGIN = '<!-- cost:begin (generated by node scripts/cost.mjs --readme) -->';
const END = '<!-- cost:end -->';
export const README_MARKERS = { BEGIN, END };

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const files = args.filter((a) => !a.startsWith('--'));
  const templates = files.length > 0
    ? Object.fromEntries(files.map((f) => [path.basename(f), JSON.parse(readFileSync(f, 'utf8'))]))
    : synthesizeDefaults();
  const tables = renderReadmeTables(templates, metricCountsFromBuild());
  console.log(`AWS list prices, us-east-1, as of ${PRICES_DATE}; ${ASSUMPTIONS.deliveries.toLocaleString('en-US')} webhooks of ${ASSUMPTIONS.bodyBytes} bytes a month.\n`);
  console.log(tables);
  if (args.includes('--readme')) {
    const readmePath = path.join(ROOT, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const start = readme.indexOf(BEGIN);
    const end = readme.indexOf(END);
    if (start < 0 || end < start) throw new Error(`README.md has no "${BEGIN}" ... "${END}" section.`);
    writeFileSync(readmePath, `${readme.slice(0, start + BEGIN.length)}\n${tables}\n${readme.slice(end)}`);
    console.log('\nREADME.md updated.');
  }
}
