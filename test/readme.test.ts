/**
 * The README's recipe, as a new user follows it. Every code block of the README marked
 * `<!-- snippet: <path> -->` is written to that path of a new CDK app (tsconfig.json from `cdk init app
 * --language typescript` of the installed aws-cdk CLI; `cdk-webhook-receiver` is this built repository, linked
 * into the app's node_modules). Then, as the README says:
 *
 * - `tsc -p processor` compiles the processor with plain tsc, and the app's own `tsc` type-checks everything;
 * - the app runs as the CDK CLI runs it (CDK_OUTDIR set) and synthesizes the stack;
 * - the processor's staged asset and the runtime layer's staged asset from that synthesis are copied into a
 *   sandbox laid out as Lambda's (/var/task, /opt, /var/runtime) and the processor runs on one event in a child
 *   Node.js process whose module path holds only the layer and the AWS SDK: the repository's node_modules are
 *   not reachable from it (no node_modules above the sandbox; a control run without the layer proves it).
 *
 * A snippet that drifts from the API, or a recipe that stops working, fails here.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import Stripe from 'stripe';
import { apiEvent, clients, endpoints, getRecord, REGION } from './support/aws';
import { verifierUnderTest, type VerifierUnderTest } from './support/verifier-under-test';

type NodeRuntime = typeof import('../scripts/node-runtime.mjs', { with: { 'resolution-mode': 'import' } });

const root = path.join(__dirname, '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const SECRET = 'whsec_readme_recipe_5d2e';

/** The README's marked snippets: `<!-- snippet: path -->` right before a fenced block. */
function readmeSnippets(): Map<string, string> {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const snippets = new Map<string, string>();
  for (const match of readme.matchAll(/<!-- snippet: (\S+) -->\n```\w*\n([\s\S]*?)\n```\n/g)) {
    if (snippets.has(match[1])) throw new Error(`README.md marks two snippets as ${match[1]}`);
    snippets.set(match[1], `${match[2]}\n`);
  }
  return snippets;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}`, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** The end of a command's output, short enough to read in a failing test (a CDK error prints minified source). */
const tail = (text: string) => text.split('\n').slice(-15).map((line) => (line.length > 300 ? `${line.slice(0, 300)}...` : line)).join('\n');

let work: string;
let app: string;
let snippets: Map<string, string>;
let processorCompile: ReturnType<typeof run>;
let appCheck: ReturnType<typeof run>;
let synth: ReturnType<typeof run>;
let alarmsSynth: ReturnType<typeof run>;
let customSynth: ReturnType<typeof run>;
let jwksSynth: ReturnType<typeof run>;

beforeAll(() => {
  snippets = readmeSnippets();
  work = mkdtempSync(path.join(tmpdir(), 'cwr-readme-'));
  app = path.join(work, 'app');
  // A new app as `cdk init app --language typescript` lays it out (its package.json has no "type": "module").
  const template = path.join(root, 'node_modules', 'aws-cdk', 'lib', 'init-templates', 'app', 'typescript');
  mkdirSync(app);
  cpSync(path.join(template, 'tsconfig.json'), path.join(app, 'tsconfig.json'));
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'webhooks', version: '0.1.0', private: true }));
  for (const [file, text] of snippets) {
    mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
    writeFileSync(path.join(app, file), text);
  }
  // `npm install cdk-webhook-receiver` and the app's dependencies: this repository, built, and its copies of them.
  mkdirSync(path.join(app, 'node_modules', '@types'), { recursive: true });
  symlinkSync(root, path.join(app, 'node_modules', 'cdk-webhook-receiver'), 'dir');
  for (const dep of ['aws-cdk-lib', 'constructs', '@types/node', '@types/jest']) {
    symlinkSync(path.join(root, 'node_modules', dep), path.join(app, 'node_modules', dep), 'dir');
  }

  // `npx tsc -p processor`, then the app's own type check (cdk.json runs `npx tsc` before the app). To run the
  // app with node rather than tsx, the same check emits JavaScript beside the sources (as tsx runs them, so
  // __dirname is the same).
  processorCompile = run(process.execPath, [tsc, '-p', 'processor'], app);
  appCheck = run(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit', 'false', '--declaration', 'false', '--inlineSourceMap', 'false', '--inlineSources', 'false'], app);
  synth = run(process.execPath, [path.join('bin', 'webhooks.js')], app, { ...process.env, CDK_OUTDIR: path.join(app, 'cdk.out') });
  customSynth = run(process.execPath, [path.join('bin', 'custom-provider.js')], app, { ...process.env, CDK_OUTDIR: path.join(app, 'cdk.out.custom') });
  jwksSynth = run(process.execPath, [path.join('bin', 'jwks-provider.js')], app, { ...process.env, CDK_OUTDIR: path.join(app, 'cdk.out.jwks') });
  alarmsSynth = run(process.execPath, [path.join('bin', 'alarms.js')], app, { ...process.env, CDK_OUTDIR: path.join(app, 'cdk.out.alarms') });
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the README recipe in a new CDK app', () => {
  test('the README marks the stack, the processor and its tsconfig as snippets', () => {
    expect([...snippets.keys()]).toEqual(['bin/webhooks.ts', 'processor/index.ts', 'processor/tsconfig.json', 'bin/custom-provider.ts', 'bin/jwks-provider.ts', 'bin/alarms.ts']);
    expect(snippets.get('bin/webhooks.ts')).toMatch(/const app = new App\(\);\nconst stack = new Stack\(app, 'Webhooks'\);/);
    expect(snippets.get('processor/index.ts')).toMatch(/^import \{ webhookProcessor \} from 'cdk-webhook-receiver\/runtime';/);
  });

  test('plain tsc compiles the processor into processor/dist/index.js, which still requires the runtime by name', () => {
    expect({ status: processorCompile.status, output: tail(processorCompile.output) }).toEqual({ status: 0, output: '' });
    expect(readdirSync(path.join(app, 'processor', 'dist'))).toEqual(['index.js']);
    expect(readFileSync(path.join(app, 'processor', 'dist', 'index.js'), 'utf8')).toContain('require("cdk-webhook-receiver/runtime")');
  });

  test('the app type-checks with the tsconfig of cdk init', () => {
    expect({ status: appCheck.status, output: tail(appCheck.output) }).toEqual({ status: 0, output: '' });
  });

  test('the app synthesizes: the processor on Node.js 24 arm64 with the runtime layer, fed by the receiver', () => {
    // THEN
    expect({ status: synth.status, stderr: tail(synth.stderr) }).toEqual({ status: 0, stderr: '' });
    const template = Template.fromJSON(JSON.parse(readFileSync(path.join(app, 'cdk.out', 'Webhooks.template.json'), 'utf8')));
    const layers = Object.keys(template.findResources('AWS::Lambda::LayerVersion'));
    expect(layers).toHaveLength(1);
    const processors = template.findResources('AWS::Lambda::Function', { Properties: { Layers: [{ Ref: layers[0] }] } });
    expect(Object.values(processors).map((fn) => [fn.Properties.Runtime, fn.Properties.Architectures, fn.Properties.Handler, fn.Properties.Timeout])).toEqual([
      ['nodejs24.x', ['arm64'], 'index.handler', 30],
    ]);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: Object.keys(processors)[0] } });
    template.resourceCountIs('AWS::ApiGateway::Method', 2);
  });
});

describe('the README provider not in the catalog', () => {
  test('synthesizes a receiver with the generic HMAC provider at /acme, its scheme in the verifier\'s configuration', () => {
    // THEN
    expect({ status: customSynth.status, stderr: tail(customSynth.stderr) }).toEqual({ status: 0, stderr: '' });
    const template = Template.fromJSON(JSON.parse(readFileSync(path.join(app, 'cdk.out.custom', 'AcmeWebhooks.template.json'), 'utf8')));
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'acme' });
    template.resourceCountIs('AWS::ApiGateway::Method', 1);
  });
});

describe('the README provider verified by a JWK set', () => {
  test('synthesizes a receiver with the JWKS provider at /acme: its JWK set URL configured, no secret read', () => {
    // THEN
    expect({ status: jwksSynth.status, stderr: tail(jwksSynth.stderr) }).toEqual({ status: 0, stderr: '' });
    const template = Template.fromJSON(JSON.parse(readFileSync(path.join(app, 'cdk.out.jwks', 'AcmeJwksWebhooks.template.json'), 'utf8')));
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'acme' });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
    expect(statements.filter((statement: any) => [statement.Action].flat().some((action: string) => action.startsWith('secretsmanager:')))).toEqual([]);
    const configs = readdirSync(path.join(app, 'cdk.out.jwks'))
      .filter((entry) => existsSync(path.join(app, 'cdk.out.jwks', entry, 'config.json')))
      .map((entry) => JSON.parse(readFileSync(path.join(app, 'cdk.out.jwks', entry, 'config.json'), 'utf8')));
    expect(configs.map((config) => config.providers['/acme'].scheme.jwks.jwksUrl)).toEqual(['https://keys.acme.example/.well-known/jwks.json']);
  });
});

describe('the README alarm example', () => {
  test('synthesizes with the tuned alarms, the composite alarm paging the topic, and the alarm of your own', () => {
    // THEN
    expect({ status: alarmsSynth.status, stderr: tail(alarmsSynth.stderr) }).toEqual({ status: 0, stderr: '' });
    const template = Template.fromJSON(JSON.parse(readFileSync(path.join(app, 'cdk.out.alarms', 'AlarmedWebhooks.template.json'), 'utf8')));
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(topic).toHaveLength(1);
    template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmActions: [{ Ref: topic[0] }] });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
    // Besides the composite, only the alarms it does not group page: previousSecretInUse and the one of your own.
    const metricNameOf = (alarm: any) => alarm.MetricName ?? alarm.Metrics?.find((m: any) => m.MetricStat)?.MetricStat.Metric.MetricName;
    expect(alarms.filter((alarm) => alarm.AlarmActions !== undefined).map(metricNameOf).sort()).toEqual(['Enqueued', 'MatchedPreviousSecret']);
    // One signature alarm per provider, on one-hour periods, 1 of 1.
    const signature = alarms.filter((alarm) => alarm.Metrics?.some((m: any) => m.MetricStat?.Metric?.MetricName === 'RejectedSignatureMismatch'));
    expect(signature).toHaveLength(2);
    for (const alarm of signature) {
      expect({ periods: alarm.EvaluationPeriods, datapoints: alarm.DatapointsToAlarm, period: alarm.Metrics.find((m: any) => m.MetricStat).MetricStat.Period }).toEqual({ periods: 1, datapoints: 1, period: 3600 });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 45 * 60 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Enqueued',
      Dimensions: [{ Name: 'Provider', Value: 'stripe' }, { Name: 'Receiver', Value: 'AlarmedWebhooks/Payments' }],
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: topic[0] }],
    });
  });
});

describe('the README processor in a sandbox with only what Lambda provides', () => {
  let verifier: VerifierUnderTest;
  let sandbox: string;
  let node: string;

  beforeAll(async () => {
    const { findNode }: NodeRuntime = await import(path.join(root, 'scripts', 'node-runtime.mjs'));
    node = findNode(root).path;
    verifier = await verifierUnderTest({
      '/stripe': { secret: SECRET, config: { id: 'stripe', kind: 'stripe', dedupWindowSeconds: 604800, toleranceSeconds: 300 } },
    });

    // The two assets the synthesis staged, where Lambda puts them: the function's code in /var/task, the layer in
    // /opt. The SDK as the Node.js runtime provides it in /var/runtime/node_modules (here: this repository's
    // @aws-sdk packages, linked, which find their own dependencies beside themselves).
    expect({ status: synth.status, stderr: tail(synth.stderr) }).toEqual({ status: 0, stderr: '' });
    const template = JSON.parse(readFileSync(path.join(app, 'cdk.out', 'Webhooks.template.json'), 'utf8'));
    const staged = (type: string, pick: (properties: any) => string | undefined) => {
      const keys = Object.values<any>(template.Resources)
        .filter((resource) => resource.Type === type)
        .map((resource) => pick(resource.Properties))
        .filter((key): key is string => key !== undefined && existsSync(path.join(app, 'cdk.out', `asset.${key.replace(/\.zip$/, '')}`, ...(type === 'AWS::Lambda::Function' ? ['index.js'] : []))));
      return keys.map((key) => path.join(app, 'cdk.out', `asset.${key.replace(/\.zip$/, '')}`));
    };
    const processorAsset = staged('AWS::Lambda::Function', (p) => (p.Layers ? p.Code?.S3Key : undefined));
    const layerAsset = staged('AWS::Lambda::LayerVersion', (p) => p.Content?.S3Key);
    expect([processorAsset.length, layerAsset.length]).toEqual([1, 1]);

    sandbox = mkdtempSync(path.join(tmpdir(), 'cwr-lambda-'));
    cpSync(processorAsset[0], path.join(sandbox, 'var', 'task'), { recursive: true });
    cpSync(layerAsset[0], path.join(sandbox, 'opt'), { recursive: true });
    mkdirSync(path.join(sandbox, 'var', 'runtime', 'node_modules'), { recursive: true });
    symlinkSync(path.join(root, 'node_modules', '@aws-sdk'), path.join(sandbox, 'var', 'runtime', 'node_modules', '@aws-sdk'), 'dir');
    // The runtime interface client's part: load the handler, call it with one event, write its answer.
    writeFileSync(
      path.join(sandbox, 'var', 'runtime', 'bootstrap.cjs'),
      [
        "const fs = require('node:fs');",
        "const path = require('node:path');",
        'const [file, name] = process.env._HANDLER.split(".");',
        'const deadline = Date.now() + 30000;',
        "const context = { functionName: 'processor', awsRequestId: 'request-1', getRemainingTimeInMillis: () => deadline - Date.now() };",
        'Promise.resolve()',
        '  .then(() => require(path.join(process.env.LAMBDA_TASK_ROOT, file))[name](JSON.parse(fs.readFileSync(process.env.TEST_EVENT_FILE, "utf8")), context))',
        '  .then((answer) => fs.writeFileSync(process.env.TEST_ANSWER_FILE, JSON.stringify({ answer })))',
        '  .catch((error) => fs.writeFileSync(process.env.TEST_ANSWER_FILE, JSON.stringify({ error: { code: error.code, message: error.message } })));',
        '',
      ].join('\n'),
    );
  }, 60_000);

  afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

  /** Runs the processor on `event` as Lambda's nodejs24.x runtime would, with `nodePath` as its module path. */
  function invoke(event: unknown, nodePath: string[]) {
    const eventFile = path.join(sandbox, `event-${randomUUID()}.json`);
    const answerFile = path.join(sandbox, `answer-${randomUUID()}.json`);
    writeFileSync(eventFile, JSON.stringify(event));
    const env = {
      PATH: process.env.PATH,
      NODE_PATH: nodePath.join(path.delimiter),
      LAMBDA_TASK_ROOT: path.join(sandbox, 'var', 'task'),
      _HANDLER: 'index.handler',
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: endpoints().dynamodb,
      WEBHOOK_INBOX_TABLE: verifier.config.tableName,
      TEST_EVENT_FILE: eventFile,
      TEST_ANSWER_FILE: answerFile,
    };
    const result = run(node, [path.join(sandbox, 'var', 'runtime', 'bootstrap.cjs')], path.join(sandbox, 'var', 'task'), env);
    return { ...result, ...(JSON.parse(readFileSync(answerFile, 'utf8')) as { answer?: any; error?: { code?: string; message: string } }) };
  }

  /** Lambda's module path for nodejs24.x, with the sandbox's folders. */
  const lambdaNodePath = () => [
    path.join(sandbox, 'opt', 'nodejs', 'node24', 'node_modules'),
    path.join(sandbox, 'opt', 'nodejs', 'node_modules'),
    path.join(sandbox, 'var', 'runtime', 'node_modules'),
    path.join(sandbox, 'var', 'runtime'),
    path.join(sandbox, 'var', 'task'),
  ];

  /** One Stripe `invoice.paid` through the shipped verifier, signed by the `stripe` package; its SQS event. */
  async function deliverInvoicePaid() {
    const id = `evt_${randomUUID().replace(/-/g, '')}`;
    const payload = JSON.stringify({ id, object: 'event', type: 'invoice.paid', data: { object: { id: 'in_recipe_1', customer: 'cus_42' } } });
    const signature = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({ payload, secret: SECRET });
    const answer = await verifier.send(apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature } }));
    expect(answer.status).toBe(200);
    const [envelope] = await verifier.messages();
    const messageId = randomUUID();
    const sqsEvent = {
      Records: [
        {
          messageId,
          receiptHandle: 'receipt-1',
          body: JSON.stringify(envelope),
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'verifier', ApproximateFirstReceiveTimestamp: String(Date.now()) },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:${REGION}:000000000000:queue`,
          awsRegion: REGION,
        },
      ],
    };
    return { id, sqsEvent };
  }

  test('nothing above the sandbox holds a node_modules folder the processor could fall back on', () => {
    const above: string[] = [];
    for (let dir = sandbox; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      if (existsSync(path.join(path.dirname(dir), 'node_modules'))) above.push(path.dirname(dir));
    }
    expect(above).toEqual([]);
    expect(readdirSync(path.join(sandbox, 'var', 'task'))).toEqual(['index.js']);
  });

  test('the compiled processor loads the runtime from the layer, runs one event and marks it DONE', async () => {
    // GIVEN
    const { id, sqsEvent } = await deliverInvoicePaid();
    const aws = clients();

    // WHEN
    const result = invoke(sqsEvent, lambdaNodePath());

    // THEN
    expect(result.error).toBeUndefined();
    expect(result.answer).toEqual({ batchItemFailures: [] });
    const logged = result.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    expect(logged).toContainEqual({ message: 'invoice paid', invoice: 'in_recipe_1', customer: 'cus_42' });
    expect((await getRecord(aws.dynamodb, verifier.config.tableName, `stripe#${id}`))?.status.S).toBe('DONE');
  });

  test('control: without the layer the same code fails as the issue reported, so nothing else provides the runtime', async () => {
    // GIVEN
    const { id, sqsEvent } = await deliverInvoicePaid();
    const aws = clients();
    const withoutLayer = lambdaNodePath().filter((dir) => !dir.startsWith(path.join(sandbox, 'opt')));

    // WHEN
    const result = invoke(sqsEvent, withoutLayer);

    // THEN
    expect(result.error?.code).toBe('MODULE_NOT_FOUND');
    expect(result.error?.message).toMatch(/^Cannot find module 'cdk-webhook-receiver\/runtime'/);
    expect((await getRecord(aws.dynamodb, verifier.config.tableName, `stripe#${id}`))?.status.S).toBe('ENQUEUED');
  });
});
