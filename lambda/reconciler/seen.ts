/** Whether the inbox holds a live record of an event (in any state): then a delivery brought it, or is bringing it. */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { INBOX, inboxKey } from '../shared/inbox-schema';

export type SeenCheck = (provider: string, deliveryId: string, nowMs: number) => Promise<boolean>;

export function inboxSeen(client: Pick<DynamoDBClient, 'send'>, tableName: string): SeenCheck {
  return async (provider, deliveryId, nowMs) => {
    const out = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { [INBOX.key]: { S: inboxKey(provider, deliveryId) } },
        ConsistentRead: true,
        ProjectionExpression: '#exp',
        ExpressionAttributeNames: { '#exp': INBOX.expiresAt },
      }),
    );
    if (!out.Item) return false;
    // TTL deletes lazily: a record past its expiry is as good as gone.
    const expiresAt = Number(out.Item[INBOX.expiresAt]?.N ?? Number.POSITIVE_INFINITY);
    return expiresAt >= Math.floor(nowMs / 1000);
  };
}
