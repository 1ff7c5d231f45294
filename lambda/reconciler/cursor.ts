/**
 * A provider's reconciliation cursor, kept in the inbox table as a record of its own. Each save is conditional on
 * the revision read, so two runs of one provider that overlap cannot both move it: the second one's save fails
 * (`CursorMovedError`) and it stops, leaving the window to the first.
 */
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CURSOR_KEY_PREFIX, type ReconcileCursor } from '../../contract/reconcile';
import { INBOX } from '../shared/inbox-schema';

export class CursorMovedError extends Error {
  constructor(readonly provider: string) {
    super(`The reconciliation cursor of ${provider} was moved by another run`);
    this.name = 'CursorMovedError';
  }
}

export interface StoredCursor {
  readonly cursor?: ReconcileCursor;
  readonly revision: number;
}

export class CursorStore {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async load(provider: string): Promise<StoredCursor> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { [INBOX.key]: { S: CURSOR_KEY_PREFIX + provider } }, ConsistentRead: true }),
    );
    const item = out.Item;
    if (!item) return { revision: 0 };
    return {
      revision: Number(item.revision?.N ?? 0),
      cursor: {
        since: Number(item.since.N),
        ...(item.until?.N !== undefined ? { until: Number(item.until.N) } : {}),
        ...(item.page?.S !== undefined ? { page: item.page.S } : {}),
      },
    };
  }

  /** Saves `cursor` as revision `revision + 1` if the record is still at `revision`; returns the new revision. */
  async save(provider: string, revision: number, cursor: ReconcileCursor, nowMs: number): Promise<number> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [INBOX.key]: { S: CURSOR_KEY_PREFIX + provider },
            revision: { N: String(revision + 1) },
            since: { N: String(cursor.since) },
            ...(cursor.until !== undefined ? { until: { N: String(cursor.until) } } : {}),
            ...(cursor.page !== undefined ? { page: { S: cursor.page } } : {}),
            updatedAt: { S: new Date(nowMs).toISOString() },
          },
          ConditionExpression: revision === 0 ? 'attribute_not_exists(#pk)' : '#revision = :revision',
          ExpressionAttributeNames: revision === 0 ? { '#pk': INBOX.key } : { '#revision': 'revision' },
          ...(revision === 0 ? {} : { ExpressionAttributeValues: { ':revision': { N: String(revision) } } }),
        }),
      );
      return revision + 1;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new CursorMovedError(provider);
      throw error;
    }
  }
}
