/**
 * The raw archive's bucket and the IAM the archive brings: the verifier's writes, and the operators' grants
 * (`grantReplay`, `grantInboxRead`) with exactly the calls `npx cdk-webhook-receiver replay` and inbox readers make.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import * as nag from './nag';
import { createPrivateBucket, grantKeyVia } from './security';

/** How long archived requests are kept unless `archive.retention` says otherwise. */
export const DEFAULT_ARCHIVE_RETENTION_DAYS = 365;

/** The archive's bucket (`createPrivateBucket`): objects expire after `retention`. */
export function createArchiveBucket(scope: Construct, id: string, key: kms.IKey | undefined, retention: Duration): s3.Bucket {
  const bucket = createPrivateBucket(scope, id, key, [
    { id: 'ExpireArchivedRequests', expiration: retention, abortIncompleteMultipartUploadAfter: Duration.days(1) },
  ]);
  nag.acknowledgeArchiveBucket(bucket);
  return bucket;
}

function combine(grants: Array<iam.Grant | undefined>): iam.Grant {
  return grants.filter((g): g is iam.Grant => g !== undefined).reduce((all, g) => all.combine(g));
}

/** The verifier puts objects under the receiver's prefix; nothing else (no read, list or delete). */
export function grantArchiveWrite(bucket: s3.IBucket, prefix: string, key: kms.IKey | undefined, verifier: iam.IGrantable): void {
  const objects = bucket.arnForObjects(`${prefix}/*`);
  verifier.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] }));
  grantKeyVia(verifier, key, 's3', ['kms:GenerateDataKey']);
  nag.acknowledgeGrantWildcards(verifier.grantPrincipal, [{ arn: objects, reason: OBJECTS_REASON }]);
}

const OBJECTS_REASON =
  "Object keys are made per request (<receiver>/<provider>/<date>/<time>-<delivery id>.json): the grant is on the receiver's own prefix of the archive bucket, with one action.";

/** What `npx cdk-webhook-receiver replay` calls. */
export interface ReplayResources {
  readonly archive: { readonly bucket: s3.IBucket; readonly prefix: string; readonly key?: kms.IKey };
  readonly table: dynamodb.ITable;
  readonly queue: sqs.IQueue;
  /** The receiver's customer managed key (table and queue). */
  readonly key?: kms.IKey;
  /** The claim check's bucket, for replayed bodies too large for one message. */
  readonly bodies?: { readonly bucket: s3.IBucket; readonly prefix: string };
  readonly stack: Stack;
}

/**
 * Exactly the replay command's calls: find the receiver's outputs (DescribeStacks on its stack), list and read the
 * archive, record each event's send in the inbox with conditional writes (PutItem, UpdateItem, GetItem), send to
 * the queue (SendMessage; GetQueueAttributes to check it), store a body too large for one message as the claim
 * check does, and the keys through those services only.
 */
export function grantReplay(grantee: iam.IGrantable, r: ReplayResources): iam.Grant {
  const stackArn = r.stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${r.stack.stackName}/*` });
  const archived = r.archive.bucket.arnForObjects(`${r.archive.prefix}/*`);
  const bodies = r.bodies?.bucket.arnForObjects(`${r.bodies.prefix}/*`);
  nag.acknowledgeGrantWildcards(grantee.grantPrincipal, [
    { arn: stackArn, reason: "The receiver's stack by name: a stack ARN ends with its id, which changes if the stack is recreated; DescribeStacks only." },
    { arn: archived, reason: OBJECTS_REASON },
    ...(bodies ? [{ arn: bodies, reason: "Stored bodies are keyed per event under the receiver's own prefix of the body bucket; s3:PutObject only." }] : []),
  ]);
  const statements: iam.Grant[] = [
    iam.Grant.addToPrincipal({ grantee, actions: ['cloudformation:DescribeStacks'], resourceArns: [stackArn] }),
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [r.archive.bucket.bucketArn] }),
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [archived] }),
    r.table.grant(grantee, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'),
    r.queue.grant(grantee, 'sqs:SendMessage', 'sqs:GetQueueAttributes'),
  ];
  if (bodies) {
    statements.push(iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [bodies] }));
  }
  return combine([
    ...statements,
    grantKeyVia(grantee, r.archive.key, 's3', ['kms:Decrypt']),
    grantKeyVia(grantee, r.key, 'dynamodb', ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey']),
    grantKeyVia(grantee, r.key, 'sqs', ['kms:Decrypt', 'kms:GenerateDataKey']),
    // The claim check's bucket is encrypted with the receiver's key.
    r.bodies ? grantKeyVia(grantee, r.key, 's3', ['kms:GenerateDataKey']) : undefined,
  ]);
}

/** Reads of the inbox (GetItem, Query, Scan), and the receiver's key through DynamoDB to decrypt them. */
export function grantInboxRead(grantee: iam.IGrantable, table: dynamodb.ITable, key: kms.IKey | undefined): iam.Grant {
  return combine([
    table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'),
    grantKeyVia(grantee, key, 'dynamodb', ['kms:Decrypt', 'kms:DescribeKey']),
  ]);
}
