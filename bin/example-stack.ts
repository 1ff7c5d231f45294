/**
 * The example: one receiver serving Stripe and GitHub, feeding an example processor, as an infra team would
 * write it. `bin/app.ts` synthesizes it; `test/nag.test.ts` checks it with cdk-nag's packs.
 */
import * as path from 'node:path';
import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { WebhookProvider, WebhookReceiver } from 'cdk-webhook-receiver';

export class WebhookReceiverExampleStack extends Stack {
  public readonly receiver: WebhookReceiver;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, {
      description: 'Example: Stripe and GitHub webhooks into one processor (cdk-webhook-receiver).',
      ...props,
    });

    // The signing secrets live in Secrets Manager; create them once with
    //   aws secretsmanager create-secret --name webhooks/stripe --secret-string whsec_...
    const stripeSecret = secretsmanager.Secret.fromSecretNameV2(this, 'StripeSecret', 'webhooks/stripe');
    const githubSecret = secretsmanager.Secret.fromSecretNameV2(this, 'GitHubSecret', 'webhooks/github');

    // The processor writes only its own log group (no AWS managed policy).
    const processorLogs = new logs.LogGroup(this, 'ProcessorLogs', { retention: logs.RetentionDays.ONE_MONTH });
    const processorRole = new iam.Role(this, 'ProcessorRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    processorLogs.grantWrite(processorRole);
    const processor = new lambda.Function(this, 'Processor', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, '..', 'assets', 'example-processor')),
      memorySize: 256,
      timeout: Duration.seconds(30),
      role: processorRole,
      logGroup: processorLogs,
    });
    Validations.of(processor).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason: 'SQS invokes the processor; events that keep failing go to the receiver\'s dead-letter queue.',
    });

    this.receiver = new WebhookReceiver(this, 'Webhooks', {
      providers: [WebhookProvider.stripe({ secret: stripeSecret }), WebhookProvider.github({ secret: githubSecret })],
      processor,
    });
  }
}
