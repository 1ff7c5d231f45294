/**
 * The stack outputs a receiver declares for its operators, and how the command-line tool finds them again.
 *
 * An output's key (its logical id) is derived from the construct path and a hash, so it cannot be predicted by a
 * tool that only knows the receiver's id. The description can: it starts with a fixed tag naming what the output
 * is and which receiver it belongs to, by the receiver's construct path inside its stack (`Payments`, or
 * `Billing/Payments` when nested). Several receivers in one stack are told apart by that path.
 */

/** What an operator output holds. */
export type ReceiverOutputKind =
  | 'queueUrl'
  | 'deadLetterQueueUrl'
  | 'inboxTableName'
  | 'archiveBucketName'
  | 'archiveKeyPrefix'
  | 'bodyBucketName'
  | 'bodyKeyPrefix';

/** Every kind, in the order the receiver declares them. */
export const RECEIVER_OUTPUT_KINDS: readonly ReceiverOutputKind[] = [
  'queueUrl',
  'deadLetterQueueUrl',
  'inboxTableName',
  'archiveBucketName',
  'archiveKeyPrefix',
  'bodyBucketName',
  'bodyKeyPrefix',
];

const TAG = '[cdk-webhook-receiver]';

/** What each output says to a human reading the stack's outputs, after the tag. */
const WHAT: Record<ReceiverOutputKind, string> = {
  queueUrl: 'URL of the queue of verified events',
  deadLetterQueueUrl: 'URL of the dead-letter queue (npx cdk-webhook-receiver redrive)',
  inboxTableName: 'name of the inbox table',
  archiveBucketName: 'name of the raw archive bucket (npx cdk-webhook-receiver replay)',
  archiveKeyPrefix: "first segment of this receiver's keys in the archive (ArchiveRecord.receiver)",
  bodyBucketName: 'name of the bucket of bodies too large for one queue message',
  bodyKeyPrefix: 'key prefix of the stored bodies in the body bucket',
};

/** The description of an output: `[cdk-webhook-receiver] queueUrl of receiver Payments: URL of the queue ...`. */
export function receiverOutputDescription(kind: ReceiverOutputKind, receiverPath: string): string {
  return `${TAG} ${kind} of receiver ${receiverPath}: ${WHAT[kind]}`;
}

/** Reads a description back; undefined for an output that is not a receiver's operator output. */
export function parseReceiverOutputDescription(description: string | undefined): { kind: ReceiverOutputKind; receiverPath: string } | undefined {
  if (description === undefined || !description.startsWith(`${TAG} `)) return undefined;
  const match = /^(\S+) of receiver (.+?): /.exec(description.slice(TAG.length + 1));
  if (!match || !(RECEIVER_OUTPUT_KINDS as readonly string[]).includes(match[1])) return undefined;
  return { kind: match[1] as ReceiverOutputKind, receiverPath: match[2] };
}
