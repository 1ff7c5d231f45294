/**
 * The idempotency half of the inbox: one conditional write claims a delivery id before the event is enqueued.
 *
 * A claim is a record in state PENDING with a lease. While the lease runs, other attempts of the same delivery
 * are answered "in flight" (retryable): the first attempt might still fail. If the enqueue fails, the verifier
 * releases its claim so the provider's retry goes through at once. If the verifier dies between claim and
 * enqueue, the lease runs out and the next retry claims the record again. A record the processor marked DONE
 * turns every later attempt into an acknowledged duplicate.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { DONE, INBOX, PENDING } from '../shared/inbox-schema';

export interface ClaimRequest {
  readonly key: string;
  readonly provider: string;
  readonly deliveryId: string;
  readonly eventType?: string;
  readonly receivedAt: string;
  /** Epoch seconds after which the record may be forgotten (TTL). */
  readonly expiresAt: number;
  /**
   * The signed timestamp, as sent, for schemes that sign one. A request that repeats the holder's is a replay of
   * it (a provider signs each retry afresh), so it never takes over the holder's claim, even after the lease.
   */
  readonly signedAt?: string;
}

export type ClaimResult =
  | { readonly outcome: 'claimed'; readonly token: string }
  | { readonly outcome: 'done' }
  | { readonly outcome: 'in_flight'; readonly retryAfterSeconds: number };

export class Inbox {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly tableName: string,
    private readonly leaseMs: number,
  ) {}

  /** Claims a delivery with one conditional write; tells who holds it when the write is refused. */
  async claim(request: ClaimRequest, nowMs: number): Promise<ClaimResult> {
    const token = randomUUID();
    const item: Record<string, AttributeValue> = {
      [INBOX.key]: { S: request.key },
      [INBOX.status]: { S: PENDING },
      [INBOX.leaseUntil]: { N: String(nowMs + this.leaseMs) },
      [INBOX.leaseToken]: { S: token },
      [INBOX.expiresAt]: { N: String(request.expiresAt) },
      provider: { S: request.provider },
      deliveryId: { S: request.deliveryId },
      receivedAt: { S: request.receivedAt },
      ...(request.eventType !== undefined ? { eventType: { S: request.eventType } } : {}),
      ...(request.signedAt !== undefined ? { [INBOX.signedAt]: { S: request.signedAt } } : {}),
    };
    // Taking over an abandoned claim is for the provider's retry, which carries a new signed timestamp; a replay of
    // the claiming request repeats it and is answered as in flight until the processor has finished the event.
    const notAReplay = request.signedAt !== undefined ? ' AND (attribute_not_exists(#signedAt) OR #signedAt <> :signedAt)' : '';
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          // Free, expired (TTL deletes lazily) or abandoned by an attempt whose lease ran out.
          ConditionExpression: `attribute_not_exists(#pk) OR #exp < :nowSeconds OR (#status = :pending AND #lease < :now${notAReplay})`,
          ExpressionAttributeNames: {
            '#pk': INBOX.key,
            '#exp': INBOX.expiresAt,
            '#status': INBOX.status,
            '#lease': INBOX.leaseUntil,
            ...(notAReplay ? { '#signedAt': INBOX.signedAt } : {}),
          },
          ExpressionAttributeValues: {
            ':nowSeconds': { N: String(Math.floor(nowMs / 1000)) },
            ':pending': { S: PENDING },
            ':now': { N: String(nowMs) },
            ...(notAReplay ? { ':signedAt': { S: request.signedAt! } } : {}),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'claimed', token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // DynamoDB returns the holder's record; an emulator may not, so read it then.
      const holder = error.Item ?? (await this.read(request.key));
      if (!holder) {
        // Released between our write and our read: the next attempt will find it free.
        return { outcome: 'in_flight', retryAfterSeconds: 1 };
      }
      if (holder[INBOX.status]?.S === DONE) {
        return { outcome: 'done' };
      }
      const leaseUntil = Number(holder[INBOX.leaseUntil]?.N ?? nowMs);
      return { outcome: 'in_flight', retryAfterSeconds: Math.max(1, Math.ceil((leaseUntil - nowMs) / 1000)) };
    }
  }

  /** Gives a claim back after a failed enqueue, so the provider's retry is not held up by the lease. */
  async release(key: string, token: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { [INBOX.key]: { S: key } },
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': INBOX.leaseToken },
          ExpressionAttributeValues: { ':token': { S: token } },
        }),
      );
    } catch (error) {
      // Someone else holds it now (our lease ran out): theirs to finish.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async read(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { [INBOX.key]: { S: key } }, ConsistentRead: true }),
    );
    return out.Item;
  }
}
