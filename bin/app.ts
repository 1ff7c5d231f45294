#!/usr/bin/env node
/**
 * The example app: one receiver serving Stripe and GitHub, feeding an example processor. It synthesizes
 * offline, with no AWS account: `npm run synth`.
 */
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { WebhookProvider, WebhookReceiver } from 'cdk-webhook-receiver';

const app = new App();
const stack = new Stack(app, 'WebhookReceiverExample', {
  description: 'Example: Stripe and GitHub webhooks into one processor (cdk-webhook-receiver).',
});

// The signing secrets live in Secrets Manager; create them once with
//   aws secretsmanager create-secret --name webhooks/stripe --secret-string whsec_...
const stripeSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'StripeSecret', 'webhooks/stripe');
const githubSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'GitHubSecret', 'webhooks/github');

const processor = new lambda.Function(stack, 'Processor', {
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, '..', 'assets', 'example-processor')),
  timeout: Duration.seconds(30),
});

new WebhookReceiver(stack, 'Webhooks', {
  providers: [
    WebhookProvider.stripe({ secret: stripeSecret }),
    WebhookProvider.github({ secret: githubSecret }),
  ],
  processor,
});

app.synth();
