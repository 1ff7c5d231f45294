/**
 * "Newer wins": an event older than the last one admitted for its entity is acknowledged without running your
 * function. One conditional write per event on the inbox table decides it, on a record per entity:
 *
 *   pk = `entity#<provider>#<entity id>`, lastTime (epoch ms), lastKey (the admitted event's inbox key), expiresAt
 *
 * written only if there is no record yet or `lastTime <= :t`. An event with the same time as the last one is
 * admitted: providers stamp events in whole seconds (Stripe's `created`), so two real changes can share a time, and
 * refusing the second would lose it; between equal times the later processed wins. The same event processed again
 * (its retry after a failure) has the same time, so it is admitted again.
 *
 * The write happens before your function runs. Then an event that fails leaves the entity advanced, and an older
 * event that arrives meanwhile is skipped: the failed newer one is retried from the queue (and can be redriven
 * from the dead-letter queue), and it is the state that must win. Writing after your function could not refuse
 * anything: the older event would already have run. This does not serialise your function: two events of one
 * entity in different invocations can run at the same time (the older one admitted first); a FIFO queue
 * (`ordering`) runs a group's events one at a time.
 */
import { ConditionalCheckFailedException, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENTITY_KEY_PREFIX } from '../../contract/config';
import { INBOX } from '../shared/inbox-schema';
import type { WebhookEvent } from './index';

/** The `newerWins` option of `webhookProcessor`. */
export interface NewerWinsOptions {
  /**
   * The entity the event is about (an order id, a customer id), read from the event, e.g.
   * `(event) => event.json<{ data: { object: { id: string } } }>().data.object.id`. Undefined: the event is about
   * no entity and is processed without the check.
   */
  readonly entityId: (event: WebhookEvent) => string | undefined;
  /**
   * The time that orders the entity's events. Undefined: the event is processed without the check and leaves the
   * entity's record as it is (the time it has is the verifier's receipt, which orders deliveries, not events).
   *
   * @default - the provider's event time (`event.eventTime`)
   */
  readonly eventTime?: (event: WebhookEvent) => Date | undefined;
  /**
   * How long an entity's record is kept after its last admitted event (the table's TTL). An event older than that
   * record that arrives after it expired is processed. Keep it longer than the providers' retry horizon plus the
   * queues' retention.
   *
   * @default 30 days
   */
  readonly retentionSeconds?: number;
}

/** `newerWins.entityId` returned something other than a non-empty string of at most 1024 bytes, or undefined. */
export class InvalidEntityIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEntityIdError';
  }
}

/** `newerWins.eventTime` returned something other than a valid Date, or undefined. */
export class InvalidEventTimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventTimeError';
  }
}

/** The key of an entity's record. */
export function entityKey(provider: string, entityId: string): string {
  return `${ENTITY_KEY_PREFIX}${provider}#${entityId}`;
}

/** The longest entity id taken (DynamoDB keys are at most 2048 bytes). */
const MAX_ENTITY_ID_BYTES = 1024;

/** Attribute names of an entity's record (besides INBOX.key and INBOX.expiresAt). */
export const ENTITY = { lastTime: 'lastTime', lastKey: 'lastKey' } as const;

/**
 * Admits the event (true) and advances the entity to its time, unless the entity's last admitted event is newer
 * (false). One conditional write.
 */
export async function admitNewer(
  client: Pick<DynamoDBClient, 'send'>,
  tableName: string,
  entity: { readonly provider: string; readonly id: string },
  event: { readonly key: string; readonly timeMs: number },
  nowMs: number,
  retentionSeconds: number,
): Promise<boolean> {
  if (typeof entity.id !== 'string' || entity.id === '' || Buffer.byteLength(entity.id, 'utf8') > MAX_ENTITY_ID_BYTES) {
    throw new InvalidEntityIdError(`newerWins.entityId must return a non-empty string of at most ${MAX_ENTITY_ID_BYTES} bytes, or undefined.`);
  }
  if (!Number.isFinite(event.timeMs)) throw new InvalidEventTimeError('newerWins.eventTime must return a valid Date, or undefined.');
  try {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { [INBOX.key]: { S: entityKey(entity.provider, entity.id) } },
        UpdateExpression: 'SET #time = :t, #last = :key, #exp = :exp',
        ConditionExpression: 'attribute_not_exists(#pk) OR #time <= :t',
        ExpressionAttributeNames: { '#pk': INBOX.key, '#time': ENTITY.lastTime, '#last': ENTITY.lastKey, '#exp': INBOX.expiresAt },
        ExpressionAttributeValues: {
          ':t': { N: String(event.timeMs) },
          ':key': { S: event.key },
          ':exp': { N: String(Math.floor(nowMs / 1000) + retentionSeconds) },
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
