import type { Duration } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * Reconciliation: a safety net under the webhooks. On a schedule, the receiver's reconciler Lambda reads the
 * provider's API with `credential` and finds the events that no delivery brought to the inbox (older than
 * `settleDelay`, of the provider's `eventTypes`). Each one is counted in the `ReconcileMissed` metric (an alarm
 * fires on it: a webhook was lost) and recovered: Stripe events are enqueued like a delivery, marked
 * `origin: 'reconciliation'`; GitHub is asked to redeliver (the redelivery arrives signed, as usual).
 */
export interface ReconciliationOptions {
  /**
   * The secret whose string value is the API credential. Stripe: a restricted key with read access to Events
   * (`rk_live_...`). GitHub: a token that may read the hook's deliveries and redeliver them (a fine-grained token
   * with the repository's or organization's Webhooks: read and write), or for an App (`appId`) the App's private
   * key (PEM). Only the reconciler can read it.
   */
  readonly credential: secretsmanager.ISecret;

  /**
   * How often the reconciler runs (an EventBridge schedule). Whole minutes, from 5 minutes to 1 day.
   *
   * @default Duration.minutes(15)
   */
  readonly every?: Duration;

  /**
   * How old an event must be before its absence from the inbox counts as missed: younger ones may still be on
   * their way (a delivery in flight, a provider retry). Whole minutes, at least 1 minute; for GitHub at most 2
   * days (GitHub redelivers deliveries of the past 3 days), for Stripe at most 29 days (its API lists 30 days).
   *
   * @default - Stripe 1 hour, GitHub 10 minutes
   */
  readonly settleDelay?: Duration;
}

/**
 * Reconciliation of a GitHub hook: which hook's deliveries are read. Give `repository` and `hookId` (a repository
 * hook), `organization` and `hookId` (an organization hook), or `appId` (a GitHub App's hook, the credential being
 * the App's private key).
 */
export interface GitHubReconciliationOptions extends ReconciliationOptions {
  /**
   * The repository of a repository hook, as `owner/name`.
   *
   * @default - not a repository hook
   */
  readonly repository?: string;

  /**
   * The organization (its login) of an organization hook.
   *
   * @default - not an organization hook
   */
  readonly organization?: string;

  /**
   * The hook's id (in the hook's settings URL), for a repository or organization hook.
   *
   * @default - none; required with `repository` or `organization`
   */
  readonly hookId?: number;

  /**
   * The App id of a GitHub App whose webhook this is; the credential is then the App's private key (PEM), and the
   * reconciler signs a JWT with it for each run.
   *
   * @default - not an App's hook
   */
  readonly appId?: string;
}
