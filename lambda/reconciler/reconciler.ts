/**
 * The reconciler's core: for one provider, walks the time windows of its cursor page by page up to now less the
 * settle delay, and saves the cursor after each page, so a run that fails (or stops on a rate limit, or runs out of
 * time) resumes after the last page it handled: nothing lost, nothing repeated (and were a page read twice, the
 * inbox would still keep its events from being enqueued twice).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ReconcileCursor, ReconcileProviderConfig, ReconcileRunEvent, ReconcilerConfig } from '../../contract/reconcile';
import { METRIC } from '../../contract/metric-names';
import { describeError, type Logger } from '../shared/log';
import type { Metrics } from '../shared/metrics';
import { enqueueDelivery } from '../verifier/enqueue';
import { Inbox } from '../verifier/inbox';
import type { CredentialStore } from './credential';
import { CursorMovedError, CursorStore } from './cursor';
import { githubSource } from './github';
import { RateLimitedError, type HttpDependencies } from './http';
import { inboxSeen } from './seen';
import type { Counts, Source, SourceContext } from './source';
import { stripeSource } from './stripe';

export interface ReconcilerDependencies {
  readonly config: ReconcilerConfig;
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly credentials: CredentialStore;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** The part of Lambda's context the reconciler reads. */
export interface RunContext {
  getRemainingTimeInMillis(): number;
}

export interface ProviderRunResult extends Counts {
  readonly provider: string;
  readonly outcome: 'done' | 'rate_limited' | 'out_of_time' | 'cursor_moved' | 'failed';
  readonly cursor?: ReconcileCursor;
}

/** Time kept back from the Lambda's deadline: a page (list, checks, enqueues, cursor save) must fit in it. */
const MARGIN_MS = 20_000;

export type ReconcilerHandler = (event: Partial<ReconcileRunEvent> | undefined, context: RunContext) => Promise<ProviderRunResult[]>;

export function createReconciler(deps: ReconcilerDependencies): ReconcilerHandler {
  const now = deps.now ?? Date.now;
  const { config } = deps;
  const inbox = new Inbox(deps.dynamodb, config.tableName, config.leaseSeconds * 1000);
  const cursors = new CursorStore(deps.dynamodb, config.tableName);
  const seen = inboxSeen(deps.dynamodb, config.tableName);
  const enqueue = (delivery: Parameters<typeof enqueueDelivery>[1]) =>
    enqueueDelivery({ inbox, sqs: deps.sqs, queueUrl: config.queueUrl, maxMessageBytes: config.maxMessageBytes, log: deps.log }, delivery);

  return async (event, context) => {
    const wanted = event?.provider;
    const providers = wanted === undefined ? config.providers : config.providers.filter((p) => p.id === wanted);
    if (providers.length === 0) throw new Error(`No reconciled provider "${String(wanted)}" in this receiver.`);
    const deadlineMs = now() + context.getRemainingTimeInMillis() - MARGIN_MS;
    const results: ProviderRunResult[] = [];
    let failure: unknown;
    for (const provider of providers) {
      const http: HttpDependencies = { fetch: deps.fetch ?? fetch, sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))), now, deadlineMs };
      const counts: Counts = { checked: 0, missed: 0, redeliveryRequested: 0 };
      let outcome: ProviderRunResult['outcome'] = 'done';
      let cursor: ReconcileCursor | undefined;
      try {
        const credential = await deps.credentials.get(provider.credentialSecretId);
        const context: SourceContext = { provider, credential, http, seen, enqueue, log: deps.log, now };
        const source = provider.kind === 'stripe' ? stripeSource(context) : githubSource(context);
        ({ outcome, cursor } = await runProvider(provider, source, cursors, counts, now, deadlineMs));
      } catch (error) {
        if (error instanceof RateLimitedError) {
          outcome = 'rate_limited';
          deps.log.warn('rate limited: stopping; the next run resumes from the cursor', { provider: provider.id, waitSeconds: Math.ceil(error.waitMs / 1000) });
        } else if (error instanceof CursorMovedError) {
          outcome = 'cursor_moved';
          deps.log.warn('another run moved the cursor: stopping', { provider: provider.id });
        } else {
          outcome = 'failed';
          failure = error;
          deps.log.error('reconciliation run failed; the next run resumes from the cursor', {
            provider: provider.id,
            error: describeError(error),
            ...(error instanceof Error && error.name === 'ApiError' ? { detail: error.message } : {}),
          });
        }
      }
      deps.metrics?.emit(provider.id, {
        [METRIC.reconcileMissed]: counts.missed,
        [METRIC.reconcileRedeliveryRequested]: counts.redeliveryRequested,
        [METRIC.reconcileChecked]: counts.checked,
        [METRIC.reconcileRunFailed]: outcome === 'failed' ? 1 : 0,
        [METRIC.reconcileRateLimited]: outcome === 'rate_limited' ? 1 : 0,
      });
      deps.log.info('reconciliation run', { provider: provider.id, outcome, ...counts, since: cursor?.since });
      results.push({ provider: provider.id, outcome, cursor, ...counts });
    }
    // A failed run is an error of the invocation (Lambda's Errors metric), after every provider had its turn.
    if (failure !== undefined) throw failure;
    return results;
  };
}

async function runProvider(
  provider: ReconcileProviderConfig,
  source: Source,
  cursors: CursorStore,
  counts: Counts,
  now: () => number,
  deadlineMs: number,
): Promise<{ outcome: ProviderRunResult['outcome']; cursor: ReconcileCursor }> {
  let { cursor, revision } = await cursors.load(provider.id);
  // Fixed for the run: a run ends at what was settled when it started, and the next run takes what settled since.
  const settledUntil = Math.floor(now() / 1000) - provider.settleDelaySeconds;
  if (!cursor) {
    cursor = { since: settledUntil - provider.initialLookbackSeconds };
    revision = await cursors.save(provider.id, revision, cursor, now());
  }
  for (;;) {
    if (now() > deadlineMs) return { outcome: 'out_of_time', cursor };
    if (cursor.until === undefined) {
      const until = settledUntil;
      if (until <= cursor.since) return { outcome: 'done', cursor };
      cursor = { since: cursor.since, until };
      revision = await cursors.save(provider.id, revision, cursor, now());
    }
    const next = await source.handlePage({ since: cursor.since, until: cursor.until! }, cursor.page, counts);
    cursor = next !== undefined ? { since: cursor.since, until: cursor.until, page: next } : { since: cursor.until! };
    revision = await cursors.save(provider.id, revision, cursor, now());
  }
}
