/**
 * Strict order per entity on a FIFO queue: the message group of an event is its provider and entity key, and its
 * deduplication id is its inbox key. SQS allows 1-128 characters from `!` to `~` in both; a value outside that is
 * replaced by its SHA-256, so any entity key or delivery id can be sent.
 */
import { createHash } from 'node:crypto';

/** What SQS accepts in `MessageGroupId` and `MessageDeduplicationId`. */
const SQS_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * `<provider>#<entity key>`; `<provider>#sha256:<hex>` when the key has characters SQS does not take or is too long;
 * `<provider>` (the provider's fallback group) when the request has no entity key.
 */
export function messageGroupId(provider: string, entityKey: string | undefined): string {
  if (entityKey === undefined || entityKey === '') return provider;
  const plain = `${provider}#${entityKey}`;
  return SQS_ID.test(plain) ? plain : `${provider}#sha256:${sha256(entityKey)}`;
}

/** The event's inbox key; `sha256:<hex>` of it when SQS would not take it as is. */
export function messageDeduplicationId(inboxKey: string): string {
  return SQS_ID.test(inboxKey) ? inboxKey : `sha256:${sha256(inboxKey)}`;
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
