/**
 * The verifier's half of the inbox: one conditional write claims an event before it is enqueued, and one more
 * records that it was enqueued.
 *
 * A claim is a record in state CLAIMED with a lease. While the lease runs, other attempts of the same event are
 * answered "in flight" (retryable): the first attempt might still fail. Once the message is in the queue the
 * record moves to ENQUEUED, and from then on every attempt is an acknowledged duplicate, however far behind the
 * processor is. If the enqueue fails, the verifier releases its claim so the provider's retry goes through at
 * once. If the verifier dies between claim and enqueue, the lease runs out and the next retry (signed afresh)
 * claims the record again.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { CLAIMED, DONE, ENQUEUED, INBOX, PENDING, PROCESSING } from '../shared/inbox-schema';

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
  /**
   * SHA-256 (hex) of the event's payload, kept so a later delivery under the same id with other bytes is seen.
   * Absent for an event the reconciler fetched from the provider's API (other bytes than any delivery's).
   */
  readonly payloadSha256?: string;
}

export type ClaimResult =
  | { readonly outcome: 'claimed'; readonly token: string }
  | { readonly outcome: 'duplicate'; readonly state: string; readonly payloadSha256?: string }
  | { readonly outcome: 'in_flight'; readonly retryAfterSeconds: number; readonly payloadSha256?: string };

/** States in which the event is safely in the queue or beyond: every later attempt is a duplicate. */
const SETTLED = new Set([ENQUEUED, PROCESSING, DONE]);

export class Inbox {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly tableName: string,
    private readonly leaseMs: number,
  ) {}

  /** Claims an event with one conditional write; tells who holds it when the write is refused. */
  async claim(request: ClaimRequest, nowMs: number): Promise<ClaimResult> {
    const token = randomUUID();
    const item: Record<string, AttributeValue> = {
      [INBOX.key]: { S: request.key },
      [INBOX.status]: { S: CLAIMED },
      [INBOX.leaseUntil]: { N: String(nowMs + this.leaseMs) },
      [INBOX.leaseToken]: { S: token },
      [INBOX.expiresAt]: { N: String(request.expiresAt) },
      ...(request.payloadSha256 !== undefined ? { [INBOX.payloadSha256]: { S: request.payloadSha256 } } : {}),
      provider: { S: request.provider },
      deliveryId: { S: request.deliveryId },
      receivedAt: { S: request.receivedAt },
      ...(request.eventType !== undefined ? { eventType: { S: request.eventType } } : {}),
      ...(request.signedAt !== undefined ? { [INBOX.signedAt]: { S: request.signedAt } } : {}),
    };
    // Taking over an abandoned claim is for the provider's retry, which carries a new signed timestamp; a replay of
    // the claiming request repeats it and is answered as in flight until the event is enqueued.
    const notAReplay = request.signedAt !== undefined ? ' AND (attribute_not_exists(#signedAt) OR #signedAt <> :signedAt)' : '';
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          // Free, expired (TTL deletes lazily) or abandoned by an attempt whose lease ran out. PENDING is the
          // previous version's CLAIMED.
          ConditionExpression: `attribute_not_exists(#pk) OR #exp < :nowSeconds OR (#status IN (:claimed, :pending) AND #lease < :now${notAReplay})`,
          ExpressionAttributeNames: {
            '#pk': INBOX.key,
            '#exp': INBOX.expiresAt,
            '#status': INBOX.status,
            '#lease': INBOX.leaseUntil,
            ...(notAReplay ? { '#signedAt': INBOX.signedAt } : {}),
          },
          ExpressionAttributeValues: {
            ':nowSeconds': { N: String(Math.floor(nowMs / 1000)) },
            ':claimed': { S: CLAIMED },
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
      const state = holder[INBOX.status]?.S ?? '';
      const payloadSha256 = holder[INBOX.payloadSha256]?.S;
      if (SETTLED.has(state)) {
        return { outcome: 'duplicate', state, payloadSha256 };
      }
      const leaseUntil = Number(holder[INBOX.leaseUntil]?.N ?? nowMs);
      return { outcome: 'in_flight', retryAfterSeconds: Math.max(1, Math.ceil((leaseUntil - nowMs) / 1000)), payloadSha256 };
    }
  }

  /**
   * Records that the claimed event is in the queue. Returns false when the claim is no longer ours (the lease ran
   * out and another attempt took it, or the processor already moved it on), which is no error: the event is queued.
   */
  async markEnqueued(key: string, token: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [INBOX.key]: { S: key } },
          UpdateExpression: 'SET #status = :enqueued REMOVE #lease, #token',
          ConditionExpression: '#token = :token AND #status = :claimed',
          ExpressionAttributeNames: { '#status': INBOX.status, '#lease': INBOX.leaseUntil, '#token': INBOX.leaseToken },
          ExpressionAttributeValues: { ':enqueued': { S: ENQUEUED }, ':claimed': { S: CLAIMED }, ':token': { S: token } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Gives a claim back after a failed enqueue, so the provider's retry is not held up by the lease. */
  async release(key: string, token: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { [INBOX.key]: { S: key } },
          ConditionExpression: '#token = :token AND #status = :claimed',
          ExpressionAttributeNames: { '#token': INBOX.leaseToken, '#status': INBOX.status },
          ExpressionAttributeValues: { ':token': { S: token }, ':claimed': { S: CLAIMED } },
        }),
      );
    } catch (error) {
      // Someone else holds it now (our lease ran out, or the message did reach the queue and the processor took it).
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
