/** Attribute names and states of an inbox record, shared by the verifier and the processor runtime. */
export const INBOX = {
  /** Partition key: `<provider>#<deliveryId>`. */
  key: 'pk',
  status: 'status',
  leaseUntil: 'leaseUntil',
  leaseToken: 'leaseToken',
  /** TTL attribute (epoch seconds). The table's TTL setting points here. */
  expiresAt: 'expiresAt',
  doneAt: 'doneAt',
  /** The signed timestamp of the request that claimed the record, for schemes that sign one. */
  signedAt: 'signedAt',
} as const;

/** Enqueue claimed (or done) but not yet reported finished by the processor. */
export const PENDING = 'PENDING';
/** The processor finished this delivery. */
export const DONE = 'DONE';

export function inboxKey(provider: string, deliveryId: string): string {
  return `${provider}#${deliveryId}`;
}
