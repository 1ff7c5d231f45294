import type { Duration } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * The raw archive: every request whose events the verifier enqueues is written to S3 as it was received (the exact
 * bytes as enqueued, the headers without signatures, tokens or credentials, and each event's envelope), one object
 * per request, so an operator can replay deliveries (`npx cdk-webhook-receiver replay`).
 */
export interface ArchiveOptions {
  /**
   * How long archived requests are kept before the bucket's lifecycle rule deletes them (1-3650 days). Only for
   * the bucket the receiver creates: a bucket of yours keeps its own lifecycle.
   *
   * @default Duration.days(365)
   */
  readonly retention?: Duration;

  /**
   * A bucket of yours to archive into, under the receiver's own key prefix. Its encryption, lifecycle, versioning
   * and policies are yours; the verifier gets `s3:PutObject` under the prefix (and `kms:GenerateDataKey` through S3
   * on the bucket's `encryptionKey`, when it has one).
   *
   * @default - a new bucket: encrypted with the receiver's `encryptionKey` (else S3-managed keys), TLS only, every
   * public access blocked, ACLs disabled, not versioned, objects deleted after `retention`, retained when the stack
   * is deleted
   */
  readonly bucket?: s3.IBucket;
}
