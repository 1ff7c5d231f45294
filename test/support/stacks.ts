/**
 * Stacks for template tests: a processor that is itself clean (its own role and log group, explicit memory and
 * timeout), so that what cdk-nag and the IAM checks find in a stack is the receiver's doing.
 */
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { WebhookReceiver, type WebhookProvider } from '../../lib';

export interface Given {
  readonly app: App;
  readonly stack: Stack;
  readonly processor: lambda.Function;
  readonly stripeSecret: secretsmanager.ISecret;
  readonly githubSecret: secretsmanager.ISecret;
}

/** A stack with a processor and two imported secrets; with cdk-nag's packs on the app when `nag` is set. */
export function givenStack(options: { nag?: boolean; outdir?: string } = {}): Given {
  const app = new App(options.outdir ? { outdir: options.outdir } : {});
  if (options.nag) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  const stack = new Stack(app, 'Test');
  const logGroup = new logs.LogGroup(stack, 'ProcessorLogs', { retention: logs.RetentionDays.ONE_WEEK });
  const role = new iam.Role(stack, 'ProcessorRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  const processor = new lambda.Function(stack, 'Processor', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })'),
    memorySize: 256,
    timeout: Duration.seconds(10),
    role,
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
  });
  // The test's own function, not the receiver's: acknowledged here, as a user would.
  Validations.of(processor).acknowledge({ id: 'Serverless-LambdaDLQ', reason: 'Invoked by an SQS event source mapping only; failures go to the queue\'s dead-letter queue.' });
  Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'Active tracing: X-Ray actions support no resource-level permissions.' });
  return {
    app,
    stack,
    processor,
    stripeSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'StripeSecret', 'webhooks/stripe'),
    githubSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'GitHubSecret', 'webhooks/github'),
  };
}

/** A receiver of these providers in a stack of its own, with an inline processor (for tests of what a provider writes). */
export function receiverWith(...providers: WebhookProvider[]): { stack: Stack; receiver: WebhookReceiver } {
  const stack = new Stack(new App(), 'Stack');
  const processor = new lambda.Function(stack, 'Processor', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  const receiver = new WebhookReceiver(stack, 'Receiver', { providers, processor });
  return { stack, receiver };
}
