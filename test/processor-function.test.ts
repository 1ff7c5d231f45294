/**
 * Template assertions for WebhookProcessorFunction and WebhookRuntimeLayer: a Node.js 24 arm64 function with the
 * runtime layer attached, one layer per stack, the layer's content as Lambda will mount it, the wiring with
 * WebhookReceiver, and the validation of props. (test/readme.test.ts runs a processor with this layer.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { WebhookProcessorFunction, WebhookProvider, WebhookReceiver, WebhookRuntimeLayer } from '../lib';
import { INBOX_TABLE_ENV } from '../contract/config';
import { METRICS_NAMESPACE_ENV, METRICS_RECEIVER_ENV } from '../contract/metric-names';

const code = () => lambda.Code.fromInline("exports.handler = require('cdk-webhook-receiver/runtime').webhookProcessor(() => {});");

function givenStack(app = new App()): Stack {
  return new Stack(app, 'Test');
}

/** The logical id of the only resource of a type. */
function onlyLogicalId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe('WebhookProcessorFunction', () => {
  test('defaults: Node.js 24 on arm64, index.handler, 30 s, 256 MiB, the runtime layer attached', () => {
    // GIVEN
    const stack = givenStack();

    // WHEN
    new WebhookProcessorFunction(stack, 'Processor', { code: code() });

    // THEN
    const template = Template.fromStack(stack);
    const layer = onlyLogicalId(template, 'AWS::Lambda::LayerVersion');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 30,
      MemorySize: 256,
      Layers: [{ Ref: layer }],
    });
    template.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleRuntimes: ['nodejs22.x', 'nodejs24.x'],
      CompatibleArchitectures: ['arm64', 'x86_64'],
      LicenseInfo: 'Apache-2.0',
    });
  });

  test('every processor of a stack shares one layer, also a plain lambda.Function given WebhookRuntimeLayer.of()', () => {
    // GIVEN
    const stack = givenStack();

    // WHEN
    const first = new WebhookProcessorFunction(stack, 'Payments', { code: code() });
    const second = new WebhookProcessorFunction(stack, 'Repositories', { code: code() });
    const own = new lambda.Function(stack, 'Own', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: code(),
      layers: [WebhookRuntimeLayer.of(stack)],
    });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    const layer = onlyLogicalId(template, 'AWS::Lambda::LayerVersion');
    expect(first.runtimeLayer).toBe(second.runtimeLayer);
    expect(template.findResources('AWS::Lambda::Function', { Properties: { Layers: [{ Ref: layer }] } })).toEqual({
      [stack.getLogicalId(first.node.defaultChild as lambda.CfnFunction)]: expect.anything(),
      [stack.getLogicalId(second.node.defaultChild as lambda.CfnFunction)]: expect.anything(),
      [stack.getLogicalId(own.node.defaultChild as lambda.CfnFunction)]: expect.anything(),
    });
  });

  test('the layer holds the runtime where Lambda looks (nodejs/node_modules), exporting only ./runtime', () => {
    // GIVEN
    const app = new App();
    const stack = givenStack(app);
    new WebhookProcessorFunction(stack, 'Processor', { code: code() });

    // WHEN
    const assembly = app.synth();
    const key: string = Template.fromStack(stack).findResources('AWS::Lambda::LayerVersion')[
      onlyLogicalId(Template.fromStack(stack), 'AWS::Lambda::LayerVersion')
    ].Properties.Content.S3Key;
    const staged = path.join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
    const pkg = path.join(staged, 'nodejs', 'node_modules', 'cdk-webhook-receiver');

    // THEN
    const manifest = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('cdk-webhook-receiver');
    expect(manifest.exports).toEqual({ './runtime': './runtime/index.js', './package.json': './package.json' });
    const runtime = readFileSync(path.join(pkg, 'runtime', 'index.js'), 'utf8');
    expect(runtime).toContain('webhookProcessor');
    // Only the SDK, which the Lambda runtime provides, is left outside the file.
    const required = [...runtime.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]).filter((name) => !name.startsWith('node:'));
    expect(required.filter((name) => !name.startsWith('@aws-sdk/'))).toEqual([]);
  });

  test('as the receiver\'s processor: the inbox table and metrics settings in its environment, visibility 6x its 30 s', () => {
    // GIVEN
    const stack = givenStack();
    const processor = new WebhookProcessorFunction(stack, 'Processor', { code: code(), environment: { STAGE: 'prod' } });

    // WHEN
    new WebhookReceiver(stack, 'Payments', {
      providers: [WebhookProvider.stripe({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'Stripe', 'webhooks/stripe') })],
      processor,
    });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Layers: [{ Ref: onlyLogicalId(template, 'AWS::Lambda::LayerVersion') }],
      Environment: { Variables: Match.objectLike({
        STAGE: 'prod',
        [INBOX_TABLE_ENV]: { Ref: Match.anyValue() },
        [METRICS_NAMESPACE_ENV]: Match.anyValue(),
        [METRICS_RECEIVER_ENV]: Match.anyValue(),
      }) },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: stack.getLogicalId(processor.node.defaultChild as lambda.CfnFunction) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 180 });
  });

  test('its props: architecture, handler, timeout, memory, more layers after the runtime layer, a runtime layer of your own', () => {
    // GIVEN
    const stack = givenStack();
    const extra = lambda.LayerVersion.fromLayerVersionArn(stack, 'Extra', 'arn:aws:lambda:us-east-1:123456789012:layer:extra:1');
    const mine = lambda.LayerVersion.fromLayerVersionArn(stack, 'Mine', 'arn:aws:lambda:us-east-1:123456789012:layer:runtime:7');

    // WHEN
    new WebhookProcessorFunction(stack, 'Processor', {
      code: code(),
      architecture: lambda.Architecture.X86_64,
      handler: 'dist/main.process',
      timeout: Duration.minutes(2),
      memorySize: 1024,
      layers: [extra],
      runtimeLayer: mine,
    });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::LayerVersion', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['x86_64'],
      Handler: 'dist/main.process',
      Timeout: 120,
      MemorySize: 1024,
      Layers: ['arn:aws:lambda:us-east-1:123456789012:layer:runtime:7', 'arn:aws:lambda:us-east-1:123456789012:layer:extra:1'],
    });
  });

  test('fails if the handler is not <file>.<export>', () => {
    // GIVEN
    const stack = givenStack();

    // WHEN
    const make = (handler: string) => () => new WebhookProcessorFunction(stack, `P${handler.length}`, { code: code(), handler });

    // THEN
    expect(make('index')).toThrow(/handler must be "<file without \.js>\.<exported function>", e\.g\. index\.handler or dist\/index\.handler; got "index"/);
    expect(make('index.')).toThrow(/handler must be/);
    expect(make('.handler')).toThrow(/handler must be/);
    expect(make('my index.handler')).toThrow(/handler must be/);
  });

  test('fails if code is missing or not a lambda.Code (JavaScript users)', () => {
    // GIVEN
    const stack = givenStack();

    // WHEN
    const missing = () => new WebhookProcessorFunction(stack, 'A', {} as never);
    const path = () => new WebhookProcessorFunction(stack, 'B', { code: 'processor/dist' as never });

    // THEN
    expect(missing).toThrow(/code is required: a lambda\.Code \(e\.g\. lambda\.Code\.fromAsset\('processor\/dist'\), the folder tsc wrote\)/);
    expect(path).toThrow(/code must be a lambda\.Code .* got a string/);
  });
});

describe('WebhookRuntimeLayer', () => {
  test('of() returns the same layer from anywhere in the stack, and a new one in another stack', () => {
    // GIVEN
    const app = new App();
    const one = new Stack(app, 'One');
    const two = new Stack(app, 'Two');

    // WHEN
    const fromStack = WebhookRuntimeLayer.of(one);
    const fromChild = WebhookRuntimeLayer.of(new WebhookProcessorFunction(one, 'Processor', { code: code() }));
    const other = WebhookRuntimeLayer.of(two);

    // THEN
    expect(fromChild).toBe(fromStack);
    expect(other).not.toBe(fromStack);
    Template.fromStack(one).resourceCountIs('AWS::Lambda::LayerVersion', 1);
    Template.fromStack(two).resourceCountIs('AWS::Lambda::LayerVersion', 1);
  });

  test('fails if its construct id is taken by something else', () => {
    // GIVEN
    const stack = givenStack();
    new lambda.Function(stack, 'CdkWebhookReceiverRuntimeLayer', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: code() });

    // THEN
    expect(() => WebhookRuntimeLayer.of(stack)).toThrow(/The construct id CdkWebhookReceiverRuntimeLayer is taken in stack Test by something that is not a WebhookRuntimeLayer/);
  });
});

describe('WebhookProcessorFunction: its role and logs', () => {
  test('by default a role of its own that may write only its own log group (no AWS managed policy), and a log group kept a month', () => {
    // GIVEN
    const stack = givenStack();

    // WHEN
    new WebhookProcessorFunction(stack, 'Processor', { code: code() });

    // THEN
    const template = Template.fromStack(stack);
    const role = onlyLogicalId(template, 'AWS::IAM::Role');
    const logGroup = onlyLogicalId(template, 'AWS::Logs::LogGroup');
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Lambda::Function', { Role: { 'Fn::GetAtt': [role, 'Arn'] }, LoggingConfig: { LogGroup: { Ref: logGroup } } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] } }] },
    });
  });

  test('logRetention sets the retention of the log group it creates; a log group of your own is used as given', () => {
    // GIVEN
    const stack = givenStack();

    // WHEN
    new WebhookProcessorFunction(stack, 'Processor', { code: code(), logRetention: logs.RetentionDays.ONE_WEEK });
    const own = new logs.LogGroup(stack, 'Own', { retention: logs.RetentionDays.ONE_YEAR });
    new WebhookProcessorFunction(stack, 'Other', { code: code(), logGroup: own });

    // THEN
    const template = Template.fromStack(stack);
    expect(Object.values(template.findResources('AWS::Logs::LogGroup')).map((r) => r.Properties.RetentionInDays).sort()).toEqual([365, 7]);
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: Stack.of(own).getLogicalId(own.node.defaultChild as logs.CfnLogGroup) } } });
  });

  test.each([
    ['without tracing', undefined],
    ['with active tracing', lambda.Tracing.ACTIVE],
  ])('as the receiver\'s processor, %s: cdk-nag AwsSolutions and Serverless find nothing unacknowledged', (_name, tracing) => {
    // GIVEN
    const outdir = mkdtempSync(path.join(tmpdir(), 'processor-nag-'));
    try {
      const app = new App({ outdir });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
      const stack = givenStack(app);
      const processor = new WebhookProcessorFunction(stack, 'Processor', { code: code(), tracing });
      new WebhookReceiver(stack, 'Receiver', {
        provider: WebhookProvider.stripe({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'webhooks/stripe') }),
        processor,
      });

      // WHEN / THEN
      expect(() => app.synth()).not.toThrow();
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
