/**
 * What operators and the command-line tool (`npx cdk-webhook-receiver redrive|replay`) need from a deployed
 * receiver: stack outputs they can find by the receiver's construct path (contract/outputs.ts), and the policy of
 * `grantRedrive`.
 */
import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { receiverOutputDescription, type ReceiverOutputKind } from '../../contract/outputs';

/** The construct path of a receiver inside its stack (`Payments`, `Billing/Payments`). */
export function receiverPath(receiver: Construct): string {
  const stackPath = Stack.of(receiver).node.path;
  const path = receiver.node.path;
  return stackPath && path.startsWith(`${stackPath}/`) ? path.slice(stackPath.length + 1) : path;
}

export interface OperatorOutputs {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly tableName: string;
  readonly archiveBucket?: s3.IBucket;
  /** The receiver's first key segment in the archive (`ArchiveRecord.receiver`), when the archive knows it. */
  readonly archiveKeyPrefix?: string;
  readonly bodyBucket?: s3.IBucket;
  readonly bodyKeyPrefix?: string;
}

/** Construct ids of the outputs, under the receiver (public API: renaming one renames the output's key). */
const OUTPUT_IDS: Record<ReceiverOutputKind, string> = {
  queueUrl: 'QueueUrl',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  inboxTableName: 'InboxTableName',
  archiveBucketName: 'ArchiveBucketName',
  archiveKeyPrefix: 'ArchiveKeyPrefix',
  bodyBucketName: 'BodyBucketName',
  bodyKeyPrefix: 'BodyKeyPrefix',
};

/** Declares the receiver's operator outputs; those of a bucket only when the receiver has it. */
export function addOperatorOutputs(receiver: Construct, outputs: OperatorOutputs): void {
  const path = receiverPath(receiver);
  const values: Partial<Record<ReceiverOutputKind, string>> = {
    queueUrl: outputs.queue.queueUrl,
    deadLetterQueueUrl: outputs.deadLetterQueue.queueUrl,
    inboxTableName: outputs.tableName,
    archiveBucketName: outputs.archiveBucket?.bucketName,
    archiveKeyPrefix: outputs.archiveBucket ? outputs.archiveKeyPrefix : undefined,
    bodyBucketName: outputs.bodyBucket?.bucketName,
    bodyKeyPrefix: outputs.bodyBucket ? outputs.bodyKeyPrefix : undefined,
  };
  for (const [kind, value] of Object.entries(values) as Array<[ReceiverOutputKind, string | undefined]>) {
    if (value === undefined) continue;
    new CfnOutput(receiver, OUTPUT_IDS[kind], { value, description: receiverOutputDescription(kind, path) });
  }
}

/**
 * Exactly what `redrive` calls: the message-move task on the dead-letter queue (start, progress, cancel on
 * Ctrl-C), the receive / send / delete fallback and `--dry-run` (receive, give back with ChangeMessageVisibility,
 * read the counts), SendMessage on the queue, the queues' key through SQS only, and DescribeStacks on this
 * receiver's stack to find the queues.
 */
export function grantRedrive(
  receiver: Construct,
  grantee: iam.IGrantable,
  queue: sqs.IQueue,
  deadLetterQueue: sqs.IQueue,
  key: kms.IKey | undefined,
): iam.Grant {
  const stack = Stack.of(receiver);
  let grant = iam.Grant.addToPrincipal({
    grantee,
    actions: [
      'sqs:StartMessageMoveTask',
      'sqs:ListMessageMoveTasks',
      'sqs:CancelMessageMoveTask',
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueAttributes',
    ],
    resourceArns: [deadLetterQueue.queueArn],
  });
  grant = grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [queue.queueArn] }));
  grant = grant.combine(
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['cloudformation:DescribeStacks'],
      // The stack's own id (AWS::StackId): exactly this stack, no wildcard.
      resourceArns: [stack.stackId],
    }),
  );
  if (key) {
    // Reading the dead-letter queue decrypts, sending to the queue encrypts: through SQS only.
    grant = grant.combine(
      iam.Grant.addToPrincipalOrResource({
        grantee,
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resourceArns: [key.keyArn],
        resource: key,
        resourceSelfArns: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${stack.region}.amazonaws.com` } },
      }),
    );
  }
  return grant;
}
