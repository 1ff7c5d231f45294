/**
 * The contract between the construct and the reconciler Lambda (`lambda/reconciler/`): its configuration (one
 * JSON document in `RECONCILER_CONFIG_ENV`), the event its schedules send, and the inbox record that keeps each
 * provider's cursor. Like `config.ts`, nothing here is exported from the package's public API.
 */
import type { MetricsConfig } from './config';

/** The environment variable that carries the reconciler's `ReconcilerConfig` as JSON. */
export const RECONCILER_CONFIG_ENV = 'WEBHOOK_RECONCILER_CONFIG';

/** The event each provider's schedule sends to the reconciler: which provider to reconcile. */
export interface ReconcileRunEvent {
  readonly provider: string;
}

/** Which GitHub hook's deliveries are read. Exactly one of `repository`+`hookId`, `organization`+`hookId`, `app`. */
export interface GitHubHookConfig {
  /** `owner/name` of a repository hook. */
  readonly repository?: string;
  /** Login of an organization hook. */
  readonly organization?: string;
  /** The hook's id (repository and organization hooks). */
  readonly hookId?: number;
  /** A GitHub App's hook (`/app/hook/deliveries`); the credential is the App's private key, signed into a JWT. */
  readonly appId?: string;
}

/** One provider the reconciler polls. */
export interface ReconcileProviderConfig {
  /** The provider's id in the receiver (route, inbox key prefix, metric dimension). */
  readonly id: string;
  readonly kind: 'stripe' | 'github';
  /** Secret id of the API credential (Stripe secret or restricted key; GitHub token or App private key). */
  readonly credentialSecretId: string;
  /** Only events (deliveries) at least this old count: the provider may still be delivering younger ones. */
  readonly settleDelaySeconds: number;
  /** How far back the first run looks (the cursor starts at first run - settleDelay - this). */
  readonly initialLookbackSeconds: number;
  /** How long an event enqueued by the reconciler is remembered in the inbox (the provider's dedup window). */
  readonly dedupWindowSeconds: number;
  /** Stripe: event types listed (`types[]`); the provider's `eventTypes`. Absent: every type. */
  readonly eventTypes?: string[];
  /** GitHub: the hook. */
  readonly github?: GitHubHookConfig;
  /** The API's base URL. Absent: `https://api.stripe.com` or `https://api.github.com` (tests point it at a stand-in). */
  readonly apiBaseUrl?: string;
}

export interface ReconcilerConfig {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly maxMessageBytes: number;
  readonly leaseSeconds: number;
  readonly metrics?: MetricsConfig;
  readonly providers: ReconcileProviderConfig[];
}

/**
 * The cursor record of a provider in the inbox table, keyed `CURSOR_KEY_PREFIX<provider id>` (no delivery key has
 * that form: delivery keys are `<provider id>#<delivery id>`, and the id `reconcile-cursor` is reserved:
 * `RESERVED_PROVIDER_IDS`). A run handles the window [`since`, `until`) page by
 * page; after each page it records the page's position (`page`), so a run that fails resumes after the last page
 * it handled; when the window is done, `since` moves to `until` and the next window starts.
 */
export const CURSOR_KEY_PREFIX = 'reconcile-cursor#';

export interface ReconcileCursor {
  /** Epoch seconds: the start of the window (inclusive). */
  readonly since: number;
  /** Epoch seconds: the end of the window being handled (exclusive); absent between windows. */
  readonly until?: number;
  /** Where the next page of the window starts (Stripe: `starting_after` event id; GitHub: the `cursor` parameter). */
  readonly page?: string;
}

/** Defaults the construct documents and writes into the configuration. */
export const DEFAULT_RECONCILE_EVERY_SECONDS = 15 * 60;
export const DEFAULT_STRIPE_SETTLE_DELAY_SECONDS = 60 * 60;
export const DEFAULT_GITHUB_SETTLE_DELAY_SECONDS = 10 * 60;
