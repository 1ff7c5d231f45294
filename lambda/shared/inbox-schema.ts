/**
 * Attribute names and states of an inbox record, shared by the verifier and the processor runtime.
 *
 * A record moves through these states, each move a conditional write:
 *
 *   CLAIMED (a verifier attempt holds a lease) -> ENQUEUED (the message is in the queue)
 *     -> PROCESSING (an invocation of the processor holds a lease) -> DONE
 *
 * A failed enqueue deletes the CLAIMED record; a failed processing returns PROCESSING to ENQUEUED. A lease that
 * ran out (the attempt or the invocation died) lets the next one take the record over.
 */
export const INBOX = {
  /** Partition key: `<provider>#<deliveryId>`. */
  key: 'pk',
  status: 'status',
  /** Epoch milliseconds until which the holder of a CLAIMED or PROCESSING record may still be working. */
  leaseUntil: 'leaseUntil',
  /** A random token naming the holder of the lease; every write of the holder is conditional on it. */
  leaseToken: 'leaseToken',
  /** TTL attribute (epoch seconds). The table's TTL setting points here. */
  expiresAt: 'expiresAt',
  doneAt: 'doneAt',
  /** The signed timestamp of the request that claimed the record, for schemes that sign one. */
  signedAt: 'signedAt',
  /** SHA-256 (hex) of the event's verified payload, to tell a redelivery from a different payload under one id. */
  payloadSha256: 'payloadSha256',
  /** The SQS message id whose processing holds a PROCESSING record. */
  messageId: 'messageId',
} as const;

/** A verifier attempt claimed the delivery and is enqueueing it (lease). */
export const CLAIMED = 'CLAIMED';
/**
 * Written by verifiers before envelope version 2: claimed, and perhaps enqueued. Read as CLAIMED, so a record left
 * by the previous version is taken over after its lease exactly as that version would have.
 */
export const PENDING = 'PENDING';
/** The event is in the queue; no attempt needs to enqueue it again. */
export const ENQUEUED = 'ENQUEUED';
/** An invocation of the processor is running the user's function on the event (lease). */
export const PROCESSING = 'PROCESSING';
/** The processor finished this event. */
export const DONE = 'DONE';

export function inboxKey(provider: string, deliveryId: string): string {
  return `${provider}#${deliveryId}`;
}

/**
 * The inbox key of a replay run's processing claim of an event: its own record (same CLAIMED/PROCESSING/DONE
 * discipline, with a TTL), so a replay runs the user's function even when the event is DONE, and at most once per
 * run. It starts with `#`, which no provider id does, so it never meets an event's own key.
 */
export function replayClaimKey(eventKey: string, runId: string): string {
  return `#replay#${encodeURIComponent(runId)}#${eventKey}`;
}
