/**
 * cdk-nag's AwsSolutions and Serverless packs, as a security review runs them, on the example app and on a
 * minimal receiver: zero unacknowledged findings. Every acknowledgement sits next to its resource with the reason
 * in words, and is recorded in the cloud assembly.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { WebhookProvider, WebhookReceiver } from '../lib';
import { WebhookReceiverExampleStack } from '../bin/example-stack';

function appWithNag(): App {
  const app = new App();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return app;
}

/** A processor as a careful user writes one: own log group, explicit memory and timeout. */
function processorIn(stack: Stack): lambda.Function {
  const logGroup = new logs.LogGroup(stack, 'ProcessorLogs', { retention: logs.RetentionDays.ONE_WEEK });
  const role = new iam.Role(stack, 'ProcessorRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  const processor = new lambda.Function(stack, 'Processor', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })'),
    memorySize: 256,
    timeout: Duration.seconds(30),
    role,
    logGroup,
  });
  Validations.of(processor).acknowledge({ id: 'Serverless::Serverless-LambdaDLQ', reason: 'Invoked by SQS; failures go to the receiver\'s dead-letter queue.' });
  return processor;
}

test('the example app passes both packs', () => {
  const app = appWithNag();
  new WebhookReceiverExampleStack(app, 'Example');
  expect(() => app.synth()).not.toThrow();
});

test('a minimal receiver passes both packs, and records why each rule is acknowledged', () => {
  // GIVEN
  const app = appWithNag();
  const stack = new Stack(app, 'Minimal');
  const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'webhooks/github');

  // WHEN
  new WebhookReceiver(stack, 'Receiver', { provider: WebhookProvider.github({ secret }), processor: processorIn(stack) });
  const assembly = app.synth();

  // THEN every acknowledgement sits on the resource it concerns, with its reason, in the assembly
  const metadata = JSON.parse(readFileSync(path.join(assembly.directory, 'Minimal.metadata.json'), 'utf8')) as Record<string, Array<{ type: string; data: Record<string, string> }>>;
  const acknowledged = Object.entries(metadata).flatMap(([where, entries]) =>
    entries.filter((e) => e.type === 'aws:cdk:acknowledged-rules').flatMap((e) => Object.entries(e.data).map(([id, reason]) => ({ where, id, reason }))),
  );
  expect(acknowledged).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ where: '/Minimal/Receiver/Api', id: 'AwsSolutions::AwsSolutions-APIG4' }),
      expect.objectContaining({ where: '/Minimal/Receiver/Verifier', id: 'Serverless::Serverless-LambdaDLQ' }),
      expect.objectContaining({ where: '/Minimal/Receiver/DeadLetterQueue', id: 'Serverless::Serverless-SQSRedrivePolicy' }),
    ]),
  );
  for (const rule of acknowledged) expect(rule.reason.length).toBeGreaterThan(40);
});

test('with tracing on, the tracing rules hold without acknowledgement', () => {
  const app = appWithNag();
  const stack = new Stack(app, 'Traced');
  new WebhookReceiver(stack, 'Receiver', {
    provider: WebhookProvider.github({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'webhooks/github') }),
    processor: processorIn(stack),
    tracing: true,
  });
  expect(() => app.synth()).not.toThrow();
});

test('the packs are live: an unencrypted queue next to the receiver fails synthesis', () => {
  const app = appWithNag();
  const stack = new Stack(app, 'Broken');
  new WebhookReceiver(stack, 'Receiver', {
    provider: WebhookProvider.github({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'webhooks/github') }),
    processor: processorIn(stack),
  });
  new sqs.Queue(stack, 'Careless', { encryption: sqs.QueueEncryption.UNENCRYPTED });
  expect(() => app.synth()).toThrow(/Validation failed|SQS/);
});
