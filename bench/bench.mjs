// The verifier's performance budget, measured side by side in one run (never asserted in tests: these machines
// are shared and noisy). Run with `npm run bench` (builds first, runs on Node.js 24 like the Lambda runtime).
//
// 1. Bundle size: assets/verifier/index.js against a bare bundle of the same three SDK v3 clients built with the
//    same esbuild options (budget: verifier <= 450 KB).
// 2. Cold initialisation: fresh processes loading each bundle and constructing its clients, interleaved
//    (budget: verifier <= 1.10x bare, median against median).
// 3. Warm path against the emulators on loopback: the verifier's time per new delivery beside the same three SDK
//    calls (conditional PutItem with the same item and condition, SendMessage with the same envelope, the
//    conditional UpdateItem that records the enqueue) made directly with the same clients, interleaved
//    (target: <= 1.15x),
//    with the AWS calls counted per delivery, and the duplicate path.
//
// Environment: BENCH_COLD_RUNS (default 30), BENCH_WARM_RUNS (default 300).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const work = `${root}.bench`;
const VERIFIER = `${root}assets/verifier/index.js`;
const BARE = `${work}/bare.js`;
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 30);
const WARM_RUNS = Number(process.env.BENCH_WARM_RUNS ?? 300);
const BUDGET = { bundleBytes: 450 * 1000, cold: 1.1, warm: 1.15 };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];
const ms = (x) => `${x.toFixed(2)} ms`;
const verdict = (ok) => (ok ? 'within budget' : 'OVER BUDGET');

// ---------------------------------------------------------------------------------------------------------
// 1. Bundle size
mkdirSync(work, { recursive: true });
writeFileSync(
  `${work}/bare-entry.mjs`,
  `// The three clients the verifier uses, built and configured as it builds them, and nothing else.
import { DynamoDBClient, PutItemCommand, DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
const requestHandler = { connectionTimeout: 1000, requestTimeout: 2000 };
export const dynamodb = new DynamoDBClient({ maxAttempts: 3, requestHandler });
export const sqs = new SQSClient({ maxAttempts: 3, requestHandler });
export const secretsManager = new SecretsManagerClient({ maxAttempts: 3, requestHandler });
export const commands = { PutItemCommand, DeleteItemCommand, GetItemCommand, SendMessageCommand, GetSecretValueCommand };
`,
);
// The same options as scripts/bundle.mjs.
await build({
  entryPoints: [`${work}/bare-entry.mjs`],
  outfile: BARE,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  mainFields: ['module', 'main'],
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: root,
});
const sizes = { verifier: statSync(VERIFIER).size, bare: statSync(BARE).size };
console.log('1. Bundle size (minified, same esbuild options)');
console.log(`   verifier ${(sizes.verifier / 1000).toFixed(1)} KB   bare SDK clients ${(sizes.bare / 1000).toFixed(1)} KB   ratio ${(sizes.verifier / sizes.bare).toFixed(3)}x`);

// ---------------------------------------------------------------------------------------------------------
// 2. Cold initialisation in fresh processes
const runner = `${work}/cold-runner.cjs`;
writeFileSync(
  runner,
  `const { performance } = require('node:perf_hooks');
const t0 = performance.now();
require(process.argv[2]);
const t1 = performance.now();
process.stdout.write(JSON.stringify({ loadMs: t1 - t0, sinceStartMs: t1 }));
`,
);
const childEnv = { ...process.env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' };
function coldRun(bundle) {
  const started = performance.now();
  const out = spawnSync(process.execPath, [runner, bundle], { env: childEnv, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return { ...JSON.parse(out.stdout), wallMs: performance.now() - started };
}
coldRun(VERIFIER);
coldRun(BARE); // warm the file cache
const cold = { verifier: [], bare: [] };
for (let i = 0; i < COLD_RUNS; i++) {
  const order = i % 2 ? ['bare', 'verifier'] : ['verifier', 'bare'];
  for (const which of order) cold[which].push(coldRun(which === 'verifier' ? VERIFIER : BARE));
}
const coldLoad = { verifier: median(cold.verifier.map((r) => r.loadMs)), bare: median(cold.bare.map((r) => r.loadMs)) };
const coldWall = { verifier: median(cold.verifier.map((r) => r.wallMs)), bare: median(cold.bare.map((r) => r.wallMs)) };
console.log(`\n2. Cold initialisation, ${COLD_RUNS} fresh Node ${process.version} processes each, interleaved`);
console.log(`   load + construct clients: verifier median ${ms(coldLoad.verifier)} (p90 ${ms(p90(cold.verifier.map((r) => r.loadMs)))})   bare median ${ms(coldLoad.bare)} (p90 ${ms(p90(cold.bare.map((r) => r.loadMs)))})   ratio ${(coldLoad.verifier / coldLoad.bare).toFixed(3)}x`);
console.log(`   whole process:            verifier median ${ms(coldWall.verifier)}   bare median ${ms(coldWall.bare)}   ratio ${(coldWall.verifier / coldWall.bare).toFixed(3)}x`);

// ---------------------------------------------------------------------------------------------------------
// 2b. The lazily loaded files beside the bundle, every file scripts/bundle.mjs emits there besides index.js
// (lazy-schemes.js: the JWT family and Braintree; s3.js: the claim check and the archive; x509.js: the certificate
// schemes; jwks.js: fetched JSON Web Keys; multipart.js: multipart bodies): their size, and what the first request
// that needs one pays to read it, in fresh processes that have loaded the bundle.
const lazyRunner = `${work}/lazy-runner.cjs`;
writeFileSync(
  lazyRunner,
  `const { performance } = require('node:perf_hooks');
require(process.argv[2]);
const t0 = performance.now();
require(process.argv[3]);
process.stdout.write(JSON.stringify({ firstUseMs: performance.now() - t0 }));
`,
);
const LAZY_FILES = readdirSync(`${root}assets/verifier`).filter((file) => file.endsWith('.js') && file !== 'index.js').sort();
for (const expected of ['jwks.js', 'lazy-schemes.js', 'multipart.js', 's3.js', 'x509.js']) {
  if (!LAZY_FILES.includes(expected)) throw new Error(`assets/verifier/${expected} is missing: run npm run bundle`);
}
const LAZY_RUNS = Math.max(5, Math.round(COLD_RUNS / 3));
console.log(`\n2b. Lazily loaded files beside the verifier, first use in ${LAZY_RUNS} fresh processes each (after index.js is loaded)`);
for (const file of LAZY_FILES) {
  const path = `${root}assets/verifier/${file}`;
  const runs = [];
  for (let i = 0; i < LAZY_RUNS; i++) {
    const out = spawnSync(process.execPath, [lazyRunner, VERIFIER, path], { env: childEnv, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(out.stderr);
    runs.push(JSON.parse(out.stdout).firstUseMs);
  }
  console.log(`   ${file.padEnd(16)} ${(statSync(path).size / 1000).toFixed(1).padStart(6)} KB   require on first use: median ${ms(median(runs))} (p90 ${ms(p90(runs))})`);
}

// ---------------------------------------------------------------------------------------------------------
// 3. Warm path against the emulators
const emulators = spawn(process.execPath, [`${root}test/support/emulators.mjs`], {
  stdio: ['pipe', 'pipe', 'inherit'],
  env: { ...process.env, NODE_NO_WARNINGS: '1' },
});
const endpoints = await new Promise((resolve, reject) => {
  let out = '';
  emulators.once('exit', (code) => reject(new Error(`emulators exited with ${code}`)));
  emulators.stdout.on('data', (chunk) => {
    out += chunk;
    if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
  });
});
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
  AWS_ENDPOINT_URL_SQS: endpoints.sqs,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
});
const { CreateTableCommand, PutItemCommand, UpdateItemCommand } = require('@aws-sdk/client-dynamodb');
const { CreateQueueCommand, SendMessageCommand, PurgeQueueCommand } = require('@aws-sdk/client-sqs');
const { CreateSecretCommand } = require('@aws-sdk/client-secrets-manager');
const Stripe = require('stripe');
const stripe = new Stripe('sk_test_bench');
const verifier = require(VERIFIER);
const { dynamodb, sqs, secretsManager } = verifier;

const tableName = `bench-${randomUUID().slice(0, 8)}`;
await dynamodb.send(new CreateTableCommand({
  TableName: tableName,
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
}));
const created = await sqs.send(new CreateQueueCommand({ QueueName: `bench-${randomUUID().slice(0, 8)}`, Attributes: { MaximumMessageSize: '1048576' } }));
const queueUrl = new URL(new URL(created.QueueUrl).pathname, endpoints.sqs).toString();
const SECRET = 'whsec_bench_0123456789abcdef';
const { ARN: secretArn } = await secretsManager.send(new CreateSecretCommand({ Name: `bench-${randomUUID().slice(0, 8)}`, SecretString: SECRET }));

const counts = {};
for (const client of [dynamodb, sqs, secretsManager]) {
  client.middlewareStack.add((next, context) => async (args) => {
    counts[context.commandName] = (counts[context.commandName] ?? 0) + 1;
    return next(args);
  }, { step: 'initialize', name: 'benchCounter' });
}
const snapshot = () => ({ ...counts });
const delta = (before) => Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v));

const handler = verifier.verifierFromConfig({
  tableName,
  queueUrl,
  maxBodyBytes: 262144,
  maxMessageBytes: 1048576,
  leaseSeconds: 20,
  secretMaxAgeSeconds: 300,
  secretRefreshMinIntervalSeconds: 30,
  providers: { '/stripe': { id: 'stripe', kind: 'stripe', secretId: secretArn, dedupWindowSeconds: 604800, toleranceSeconds: 300 } },
});

function stripeDelivery(id = `evt_${randomUUID().replace(/-/g, '')}`) {
  const payload = JSON.stringify({
    id,
    object: 'event',
    api_version: '2026-10-28',
    created: Math.floor(Date.now() / 1000),
    type: 'invoice.paid',
    data: { object: { id: `in_${randomUUID().slice(0, 12)}`, object: 'invoice', amount_paid: 4200, currency: 'eur', customer: 'cus_bench', lines: { data: [{ id: 'il_1', amount: 4200 }] } } },
  });
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
  return {
    id,
    payload,
    event: {
      resource: '/stripe',
      path: '/stripe',
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
      multiValueHeaders: {},
      isBase64Encoded: true,
      body: Buffer.from(payload).toString('base64'),
      requestContext: { requestId: 'bench' },
    },
  };
}

const realWrite = process.stdout.write.bind(process.stdout);
async function quietly(fn) {
  process.stdout.write = () => true; // the verifier's JSON logs
  try {
    return await fn();
  } finally {
    process.stdout.write = realWrite;
  }
}
async function viaVerifier() {
  const delivery = stripeDelivery();
  const t0 = performance.now();
  const response = await quietly(() => handler(delivery.event));
  const t1 = performance.now();
  if (response.statusCode !== 200) throw new Error(`verifier answered ${response.statusCode}: ${response.body}`);
  return { ms: t1 - t0, delivery };
}
// The same three calls with the same shapes: the claim the verifier writes (same item, same condition with its
// replay term), the envelope it sends, the write that records the enqueue.
async function direct() {
  const delivery = stripeDelivery();
  const t0 = performance.now();
  const now = Date.now();
  const key = `direct#${delivery.id}`;
  const token = randomUUID();
  const signedAt = /t=(\d+)/.exec(delivery.event.headers['Stripe-Signature'])[1];
  const bodySha256 = createHash('sha256').update(delivery.payload).digest('hex');
  await dynamodb.send(new PutItemCommand({
    TableName: tableName,
    Item: {
      pk: { S: key },
      status: { S: 'CLAIMED' },
      leaseUntil: { N: String(now + 20000) },
      leaseToken: { S: token },
      expiresAt: { N: String(Math.floor(now / 1000) + 604800) },
      payloadSha256: { S: bodySha256 },
      provider: { S: 'stripe' },
      deliveryId: { S: delivery.id },
      receivedAt: { S: new Date(now).toISOString() },
      eventType: { S: 'invoice.paid' },
      signedAt: { S: signedAt },
    },
    ConditionExpression: 'attribute_not_exists(#pk) OR #exp < :nowSeconds OR (#status IN (:claimed, :pending) AND #lease < :now AND (attribute_not_exists(#signedAt) OR #signedAt <> :signedAt))',
    ExpressionAttributeNames: { '#pk': 'pk', '#exp': 'expiresAt', '#status': 'status', '#lease': 'leaseUntil', '#signedAt': 'signedAt' },
    ExpressionAttributeValues: {
      ':nowSeconds': { N: String(Math.floor(now / 1000)) },
      ':claimed': { S: 'CLAIMED' },
      ':pending': { S: 'PENDING' },
      ':now': { N: String(now) },
      ':signedAt': { S: signedAt },
    },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  }));
  await sqs.send(new SendMessageCommand({
    QueueUrl: queueUrl,
    MessageBody: JSON.stringify({
      v: 2,
      provider: 'stripe',
      deliveryId: delivery.id,
      key: `stripe#${delivery.id}`,
      eventType: 'invoice.paid',
      receivedAt: new Date(now).toISOString(),
      auth: 'hmac',
      bodySigned: true,
      origin: 'delivery',
      contentType: 'application/json',
      bodyEncoding: 'utf8',
      body: delivery.payload,
      bodySha256,
    }),
  }));
  await dynamodb.send(new UpdateItemCommand({
    TableName: tableName,
    Key: { pk: { S: key } },
    UpdateExpression: 'SET #status = :enqueued REMOVE #lease, #token',
    ConditionExpression: '#token = :token AND #status = :claimed',
    ExpressionAttributeNames: { '#status': 'status', '#lease': 'leaseUntil', '#token': 'leaseToken' },
    ExpressionAttributeValues: { ':enqueued': { S: 'ENQUEUED' }, ':claimed': { S: 'CLAIMED' }, ':token': { S: token } },
  }));
  return performance.now() - t0;
}

for (let i = 0; i < 50; i++) {
  await viaVerifier();
  await direct();
}
await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));

const warm = { verifier: [], direct: [] };
const before = snapshot();
const accepted = [];
for (let i = 0; i < WARM_RUNS; i++) {
  const v = await viaVerifier();
  warm.verifier.push(v.ms);
  if (accepted.length < 20) accepted.push(v.delivery);
  warm.direct.push(await direct());
}
const measured = delta(before);
// The direct baseline makes one PutItem, one SendMessage and one UpdateItem per run: the rest is the verifier's.
const perDelivery = (name) => ((measured[name] ?? 0) - (['PutItemCommand', 'SendMessageCommand', 'UpdateItemCommand'].includes(name) ? WARM_RUNS : 0)) / WARM_RUNS;

// Duplicates: half still in the queue (ENQUEUED), half marked DONE by the processor; the provider sends them again.
for (const d of accepted.slice(0, accepted.length / 2)) {
  await dynamodb.send(new UpdateItemCommand({
    TableName: tableName,
    Key: { pk: { S: `stripe#${d.id}` } },
    UpdateExpression: 'SET #s = :done',
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: { ':done': { S: 'DONE' } },
  }));
}
const beforeDuplicates = snapshot();
const duplicateStatuses = {};
for (const d of accepted) {
  const again = stripeDelivery(d.id);
  again.event.body = Buffer.from(d.payload).toString('base64');
  again.event.headers['Stripe-Signature'] = stripe.webhooks.generateTestHeaderString({ payload: d.payload, secret: SECRET });
  const response = await quietly(() => handler(again.event));
  const key = `${response.statusCode} ${JSON.parse(response.body).code}`;
  duplicateStatuses[key] = (duplicateStatuses[key] ?? 0) + 1;
}
const duplicateCalls = delta(beforeDuplicates);

const warmMedian = { verifier: median(warm.verifier), direct: median(warm.direct) };
console.log(`\n3. Warm path against dynalite + fauxqs on loopback, ${WARM_RUNS} new deliveries, interleaved with the direct calls`);
console.log(`   verifier (verify + claim + enqueue): median ${ms(warmMedian.verifier)}  p90 ${ms(p90(warm.verifier))}`);
console.log(`   direct PutItem + SendMessage + UpdateItem: median ${ms(warmMedian.direct)}  p90 ${ms(p90(warm.direct))}`);
console.log(`   ratio of medians ${(warmMedian.verifier / warmMedian.direct).toFixed(3)}x`);
console.log(`   AWS calls per new delivery (verifier's share): DynamoDB PutItem ${perDelivery('PutItemCommand').toFixed(2)}, UpdateItem ${perDelivery('UpdateItemCommand').toFixed(2)}, other DynamoDB ${(((measured.GetItemCommand ?? 0) + (measured.DeleteItemCommand ?? 0)) / WARM_RUNS).toFixed(2)}, SQS SendMessage ${perDelivery('SendMessageCommand').toFixed(2)}, Secrets Manager GetSecretValue ${(measured.GetSecretValueCommand ?? 0)}`);
console.log(`   ${accepted.length} duplicates (half enqueued, half done): answers ${JSON.stringify(duplicateStatuses)}, SQS SendMessage ${duplicateCalls.SendMessageCommand ?? 0}, DynamoDB calls ${JSON.stringify(Object.fromEntries(Object.entries(duplicateCalls).filter(([k]) => !k.startsWith('Send'))))}`);

const coldRatio = coldLoad.verifier / coldLoad.bare;
const warmRatio = warmMedian.verifier / warmMedian.direct;
console.log('\nSummary');
console.log(`   bundle ${(sizes.verifier / 1000).toFixed(1)} KB <= 450 KB: ${verdict(sizes.verifier <= BUDGET.bundleBytes)}`);
console.log(`   cold init ${coldRatio.toFixed(3)}x bare <= 1.10x: ${verdict(coldRatio <= BUDGET.cold)}`);
console.log(`   warm ${warmRatio.toFixed(3)}x direct <= 1.15x: ${verdict(warmRatio <= BUDGET.warm)}`);
console.log(`   two writes (claim, enqueued) and one send per new delivery: ${verdict(perDelivery('PutItemCommand') === 1 && perDelivery('UpdateItemCommand') === 1 && perDelivery('SendMessageCommand') === 1)}; no secret read while cached: ${verdict(!measured.GetSecretValueCommand)}; no send for a duplicate: ${verdict(!duplicateCalls.SendMessageCommand)}`);

emulators.stdin.end();
for (const client of [dynamodb, sqs, secretsManager]) client.destroy();
