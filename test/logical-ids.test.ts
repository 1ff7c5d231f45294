/**
 * Upgrades keep resources. CloudFormation replaces a resource whose logical id changes: for the inbox table, the
 * queues, the body bucket and the log groups that means lost dedup records, lost events and lost logs on the next
 * `cdk deploy`. This test synthesizes one fixed app (a receiver with two providers, the claim-check body bucket on,
 * a customer managed key) and pins the logical id of every stateful resource in it, as literals.
 *
 * When it fails, a change renamed (or moved) a construct: on `cdk deploy` it REPLACES that resource for every
 * user. Keep the old construct id if you can; if the replacement is intended, update the literals here and say it
 * in CHANGELOG.md (what is replaced, what is lost, how to migrate).
 */
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { WebhookProcessorFunction, WebhookProvider, WebhookReceiver } from '../lib';

/** The resource types that hold data or history: replacing one loses it. */
const STATEFUL_TYPES = ['AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::KMS::Key'];

/** The pinned logical ids of the fixed app below, with their types. */
const PINNED: Record<string, string> = {
  PaymentsInbox025CC2CF: 'AWS::DynamoDB::Table',
  PaymentsQueueC485226B: 'AWS::SQS::Queue',
  PaymentsDeadLetterQueue6627B8CC: 'AWS::SQS::Queue',
  PaymentsBodyBucket4165F46E: 'AWS::S3::Bucket',
  PaymentsVerifierLogs34E625CB: 'AWS::Logs::LogGroup',
  PaymentsAccessLogs264031DF: 'AWS::Logs::LogGroup',
  // WebhookProcessorFunction's own log group (`<id>Logs`, beside the function).
  ProcessorLogs811939FE: 'AWS::Logs::LogGroup',
  // The app's own key (the receiver creates none; it would show up here as a new KMS key if it did).
  WebhooksKeyAFA0995D: 'AWS::KMS::Key',
};

function fixedApp(): Template {
  const app = new App();
  const stack = new Stack(app, 'Webhooks');
  const key = new kms.Key(stack, 'WebhooksKey', { enableKeyRotation: true });
  const processor = new WebhookProcessorFunction(stack, 'Processor', {
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })'),
    timeout: Duration.seconds(30),
  });
  new WebhookReceiver(stack, 'Payments', {
    providers: [
      WebhookProvider.stripe({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'Stripe', 'webhooks/stripe') }),
      WebhookProvider.github({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'GitHub', 'webhooks/github') }),
    ],
    processor,
    encryptionKey: key,
    maxBodySize: Size.mebibytes(2),
  });
  return Template.fromStack(stack);
}

test('the stateful resources of a fixed app keep their logical ids (a change here replaces them on cdk deploy)', () => {
  // GIVEN / WHEN
  const template = fixedApp();
  const actual: Record<string, string> = {};
  for (const type of STATEFUL_TYPES) {
    for (const id of Object.keys(template.findResources(type))) actual[id] = type;
  }

  // THEN
  const lost = Object.keys(PINNED).filter((id) => actual[id] !== PINNED[id]).map((id) => `  ${id} (${PINNED[id]})`);
  const added = Object.keys(actual).filter((id) => PINNED[id] === undefined).map((id) => `  ${id} (${actual[id]})`);
  if (lost.length > 0 || added.length > 0) {
    throw new Error(
      'The logical ids of stateful resources changed. On `cdk deploy`, CloudFormation REPLACES a resource whose logical id changes: '
        + 'the inbox table (dedup records), the queues (events in flight), the body bucket and the log groups would be deleted and created anew. '
        + 'Keep the old construct ids if you can; if the replacement is intended, update PINNED in test/logical-ids.test.ts and say in '
        + 'CHANGELOG.md what is replaced and how users migrate.\n'
        + (lost.length ? `Pinned, now gone or of another type:\n${lost.join('\n')}\n` : '')
        + (added.length ? `New, not pinned (pin them, so later renames are caught):\n${added.join('\n')}\n` : ''),
    );
  }
  expect(actual).toEqual(PINNED);
});
