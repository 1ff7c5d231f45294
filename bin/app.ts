#!/usr/bin/env node
/**
 * The example app: one receiver serving Stripe and GitHub, feeding an example processor. It synthesizes
 * offline, with no AWS account: `npm run synth`. cdk-nag's AwsSolutions and Serverless packs check it on every
 * synth: a finding that is neither fixed nor acknowledged (next to its resource, with a reason) fails the synth.
 */
import * as path from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { WebhookProvider, WebhookReceiver } from 'cdk-webhook-receiver';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
const stack = new Stack(app, 'WebhookReceiverExample', {
  description: 'Example: Stripe and GitHub webhooks into one processor (cdk-webhook-receiver).',
});

// The signing secrets live in Secrets Manager; create them once with
//   aws secretsmanager create-secret --name webhooks/stripe --secret-string whsec_...
const stripeSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'StripeSecret', 'webhooks/stripe');
const githubSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'GitHubSecret', 'webhooks/github');

// One key for the inbox, the queues and the logs; rotated yearly.
const key = new kms.Key(stack, 'WebhooksKey', { enableKeyRotation: true, description: 'Webhook inbox, queues and logs' });

// The processor gets a role of its own, allowed to write its own log group (no AWS managed policy).
const processorLogs = new logs.LogGroup(stack, 'ProcessorLogs', { retention: logs.RetentionDays.ONE_MONTH });
const processorRole = new iam.Role(stack, 'ProcessorRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
processorLogs.grantWrite(processorRole);
const processor = new lambda.Function(stack, 'Processor', {
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, '..', 'assets', 'example-processor')),
  timeout: Duration.seconds(30),
  memorySize: 256,
  role: processorRole,
  logGroup: processorLogs,
  tracing: lambda.Tracing.ACTIVE,
});
Validations.of(processor).acknowledge({
  id: 'Serverless-LambdaDLQ',
  reason: 'The processor is invoked by the SQS event source mapping, never asynchronously: an event that keeps failing moves to the receiver\'s dead-letter queue after maxReceiveCount receives.',
});
Validations.of(processorRole).acknowledge({
  id: 'AwsSolutions-IAM5[Resource::*]',
  reason: 'Active tracing grants xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.',
});

new WebhookReceiver(stack, 'Webhooks', {
  providers: [
    WebhookProvider.stripe({ secret: stripeSecret }),
    WebhookProvider.github({ secret: githubSecret, throttlingRateLimit: 20, throttlingBurstLimit: 40 }),
  ],
  processor,
  encryptionKey: key,
  tracing: true,
});

app.synth();
