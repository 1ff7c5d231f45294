/**
 * What operators and `npx cdk-webhook-receiver` find in a deployed receiver's stack: outputs whose descriptions
 * name the receiver by its construct path (contract/outputs.ts), and `grantRedrive`'s exact policy.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Size } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { WebhookProvider, WebhookReceiver } from '../lib';
import { parseReceiverOutputDescription } from '../contract/outputs';
import { givenStack } from './support/stacks';
import { verifierConfigOf } from './support/verifier-config';

function ref(stack: Stack, construct: Construct) {
  return { Ref: stack.getLogicalId(construct.node.defaultChild as never) };
}

describe('operator outputs', () => {
  test('queue, dead-letter queue and table of each receiver, told apart by construct path, nested or not', () => {
    // GIVEN two receivers, one nested
    const given = givenStack();
    const nested = new WebhookReceiver(new Construct(given.stack, 'Billing'), 'Payments', { provider: WebhookProvider.stripe({ secret: given.stripeSecret }), processor: given.processor });
    const top = new WebhookReceiver(given.stack, 'Orders', { provider: WebhookProvider.github({ secret: given.githubSecret }), processor: given.processor });

    // WHEN
    const outputs = Template.fromStack(given.stack).toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
    const found = Object.values(outputs)
      .map((o) => ({ ...parseReceiverOutputDescription(o.Description), value: o.Value }))
      .filter((o) => o.kind !== undefined);

    // THEN
    expect(found).toEqual(
      expect.arrayContaining([
        { kind: 'queueUrl', receiverPath: 'Billing/Payments', value: ref(given.stack, nested.queue) },
        { kind: 'deadLetterQueueUrl', receiverPath: 'Billing/Payments', value: ref(given.stack, nested.deadLetterQueue) },
        { kind: 'inboxTableName', receiverPath: 'Billing/Payments', value: ref(given.stack, nested.table) },
        { kind: 'queueUrl', receiverPath: 'Orders', value: ref(given.stack, top.queue) },
        { kind: 'deadLetterQueueUrl', receiverPath: 'Orders', value: ref(given.stack, top.deadLetterQueue) },
        { kind: 'inboxTableName', receiverPath: 'Orders', value: ref(given.stack, top.table) },
      ]),
    );
    // no bucket outputs without buckets
    expect(found).toHaveLength(6);
    expect(Object.values(outputs).map((o) => o.Description)).toContain('[cdk-webhook-receiver] deadLetterQueueUrl of receiver Orders: URL of the dead-letter queue (npx cdk-webhook-receiver redrive)');
  });

  test('the body bucket and its key prefix when the receiver has one (claim check)', () => {
    const given = givenStack();
    const receiver = new WebhookReceiver(given.stack, 'Receiver', {
      provider: WebhookProvider.stripe({ secret: given.stripeSecret }),
      processor: given.processor,
      maxBodySize: Size.mebibytes(4),
    });
    const outputs = Template.fromStack(given.stack).toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
    const byKind = Object.fromEntries(Object.values(outputs).map((o) => [parseReceiverOutputDescription(o.Description)?.kind, o.Value]));
    expect(byKind.bodyBucketName).toEqual(ref(given.stack, receiver.bodyBucket!));
    // the prefix the verifier writes under and the processor may read (the receiver's unique name)
    expect(byKind.bodyKeyPrefix).toMatch(/^Test-Receiver-[0-9A-F]{8}$/);
    expect(byKind.archiveBucketName).toBeUndefined();
    expect(byKind.archiveKeyPrefix).toBeUndefined();
  });

  test('the archive bucket and the first key segment the verifier archives under, which replay lists', () => {
    const given = givenStack();
    const receiver = new WebhookReceiver(given.stack, 'Receiver', {
      provider: WebhookProvider.stripe({ secret: given.stripeSecret }),
      processor: given.processor,
      archive: {},
    });
    const outputs = Template.fromStack(given.stack).toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
    const byKind = Object.fromEntries(Object.values(outputs).map((o) => [parseReceiverOutputDescription(o.Description)?.kind, o.Value]));
    expect(byKind.archiveBucketName).toEqual(ref(given.stack, receiver.archiveBucket as never));
    expect(byKind.archiveKeyPrefix).toEqual(verifierConfigOf(receiver).archive.receiver);
    expect(byKind.archiveKeyPrefix).toMatch(/^Test-Receiver-[0-9A-F]{8}$/);
  });
});

describe('grantRedrive', () => {
  test('exactly what redrive calls: the move task and reads on the DLQ, SendMessage on the queue, DescribeStacks on this stack', () => {
    // GIVEN
    const given = givenStack();
    const receiver = new WebhookReceiver(given.stack, 'Receiver', { provider: WebhookProvider.stripe({ secret: given.stripeSecret }), processor: given.processor });
    const operator = new iam.Role(given.stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });

    // WHEN
    receiver.grantRedrive(operator);

    // THEN
    const template = Template.fromStack(given.stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [ref(given.stack, operator)],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: [
              'sqs:StartMessageMoveTask',
              'sqs:ListMessageMoveTasks',
              'sqs:CancelMessageMoveTask',
              'sqs:ReceiveMessage',
              'sqs:DeleteMessage',
              'sqs:ChangeMessageVisibility',
              'sqs:GetQueueAttributes',
            ],
            Resource: { 'Fn::GetAtt': [given.stack.getLogicalId(receiver.deadLetterQueue.node.defaultChild as never), 'Arn'] },
          },
          { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [given.stack.getLogicalId(receiver.queue.node.defaultChild as never), 'Arn'] } },
          { Effect: 'Allow', Action: 'cloudformation:DescribeStacks', Resource: { Ref: 'AWS::StackId' } },
        ],
      },
    });
  });

  test('with an encryptionKey: the key, through SQS only, to decrypt what it reads and encrypt what it sends', () => {
    const given = givenStack();
    const key = new kms.Key(given.stack, 'Key');
    const receiver = new WebhookReceiver(given.stack, 'Receiver', { provider: WebhookProvider.stripe({ secret: given.stripeSecret }), processor: given.processor, encryptionKey: key });
    const operator = new iam.Role(given.stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });

    receiver.grantRedrive(operator);

    Template.fromStack(given.stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [ref(given.stack, operator)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: { 'Fn::GetAtt': [given.stack.getLogicalId(key.node.defaultChild as never), 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['sqs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
          },
        ]),
      },
    });
  });
});
