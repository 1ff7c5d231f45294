/**
 * The metrics the handlers emit (CloudWatch Embedded Metric Format) and the construct graphs and alarms on. Like
 * `config.ts`, this is a contract between `lib/` and `lambda/`: both import these names, so they change together.
 * Nothing here is exported from the package's public API.
 */

/** The namespace of the handlers' metrics unless `metricNamespace` says otherwise. */
export const DEFAULT_METRIC_NAMESPACE = 'WebhookReceiver';

/** Dimension: the receiver (its construct path). Every metric carries it. */
export const RECEIVER_DIMENSION = 'Receiver';
/** Dimension: the provider id. Metrics are emitted with and without it, so receiver totals need no SEARCH. */
export const PROVIDER_DIMENSION = 'Provider';

export const METRIC = {
  // The verifier: per request, each counter that is 1 (the others are left out, read as 0).
  /** Every request the verifier answered. */
  received: 'Received',
  /** Requests whose signature (or token) matched a key of the provider's secret. */
  verified: 'Verified',
  /** Requests refused with a 4xx for one of the four reasons below (not 409 `delivery_in_flight`). */
  rejected: 'Rejected',
  /**
   * 401: signature or token missing, malformed or not matching (`signature_*`, `verify_token_mismatch`): the sum
   * of the two below.
   */
  rejectedSignature: 'RejectedSignature',
  /** 401, part of RejectedSignature: no signature, or not one in the provider's format (`signature_missing`, `signature_malformed`): scanner noise. */
  rejectedSignatureMissing: 'RejectedSignatureMissing',
  /**
   * 401, part of RejectedSignature: a well-formed signature (or token) that matches no key (`signature_mismatch`,
   * `verify_token_mismatch`): a wrong or rotated secret, or a forgery.
   */
  rejectedSignatureMismatch: 'RejectedSignatureMismatch',
  /**
   * 401, part of RejectedSignatureMismatch: the secret's previous version, past its grace period after a rotation,
   * would have matched (logged as `previous_secret_expired`; answered as `signature_mismatch`).
   */
  rejectedExpiredPreviousSecret: 'RejectedExpiredPreviousSecret',
  /** 401: signed timestamp missing, malformed or outside the window (`timestamp_*`). */
  rejectedStale: 'RejectedStale',
  /**
   * 400, 404, 405, 415, 431: not a delivery this receiver can take (`body_malformed`, `unknown_route`,
   * `method_not_allowed`, `unsupported_media_type`, `headers_too_large`, ...).
   */
  rejectedMalformed: 'RejectedMalformed',
  /** 413: `body_too_large`. */
  rejectedTooLarge: 'RejectedTooLarge',
  /** Verified redeliveries of a delivery already processed: 200, not enqueued again. */
  duplicate: 'Duplicate',
  /** Verified deliveries sent to the queue. */
  enqueued: 'Enqueued',
  /** Provider handshakes answered (never enqueued). */
  handshake: 'Handshake',
  /**
   * Verified events of a type the provider's `eventTypes` leaves out: answered 200 `ignored`, written nowhere. A
   * body of several events counts when none of its items is of a listed type.
   */
  ignored: 'Ignored',
  /** 409: another attempt of the same delivery holds its lease. */
  inFlight: 'InFlight',
  /** 5xx: our own faults (`enqueue_failed`, `secret_unavailable`, `internal_error`). */
  internalError: 'InternalError',
  /** Verified with a key of the secret's AWSPREVIOUS version: the provider still signs with the old secret. */
  matchedPreviousSecret: 'MatchedPreviousSecret',
  /**
   * Events whose delivery id was seen before with a different payload: acknowledged as duplicates and never
   * enqueued twice, but worth a look (a provider that changes the body on retries, or ids that are not unique).
   */
  payloadMismatch: 'PayloadMismatch',

  // The processor runtime: one of each per event.
  /** Events your function handled and the runtime marked DONE. */
  processed: 'Processed',
  /** Events that failed (your function threw, or the message was not an envelope) and go back to the queue. */
  processingFailed: 'ProcessingFailed',
  /** Redelivered events skipped because the inbox already says DONE. */
  skippedAsDone: 'SkippedAsDone',
  /**
   * Another copy of the very same SQS message while an invocation is still processing it: returned to the queue
   * as a batch item failure (deleting this copy would delete the message), then skipped as done.
   */
  inProgressElsewhere: 'InProgressElsewhere',
  /** A second message for an event that another message is being processed for: acknowledged without running. */
  skippedAsDuplicate: 'SkippedAsDuplicate',
  /** Records not started because the invocation was about to time out: returned to the queue untouched. */
  notStartedBeforeTimeout: 'NotStartedBeforeTimeout',
  /**
   * "Newer wins" (the runtime's `newerWins` option): events older than the last one processed for their entity,
   * acknowledged without running your function.
   */
  skippedAsOlder: 'SkippedAsOlder',
  /**
   * On a FIFO queue: records returned to the queue without running because an earlier record of their message group
   * in the same batch failed (the group stops at its first failure, so its order holds).
   */
  groupStopped: 'GroupStopped',
  /** Milliseconds from the verifier receiving the request to the event being processed (processed events only). */
  eventAge: 'EventAge',

  // The reconciler: one of each per run and provider.
  /**
   * Events the provider's API knows, older than the settle delay, that no delivery brought to the inbox: a webhook
   * was lost. Stripe: enqueued by the reconciler (`origin: 'reconciliation'`); GitHub: failed deliveries whose
   * redelivery was requested.
   */
  reconcileMissed: 'ReconcileMissed',
  /** GitHub deliveries the reconciler asked GitHub to redeliver (they arrive as ordinary signed deliveries). */
  reconcileRedeliveryRequested: 'ReconcileRedeliveryRequested',
  /** Events (deliveries) the reconciler looked at in the provider's API. */
  reconcileChecked: 'ReconcileChecked',
  /** Runs that ended in an error (the cursor stays at the last page handled; the next run resumes there). */
  reconcileRunFailed: 'ReconcileRunFailed',
  /** Runs that stopped early on the provider's rate limit (the next run resumes). */
  reconcileRateLimited: 'ReconcileRateLimited',
} as const;

/**
 * The verifier's counters. A request's EMF document carries those that are 1 (Received always); a counter at 0 is
 * left out, and the alarms and the dashboard read a missing value as 0 (FILL), so rates are defined in every period
 * with traffic.
 */
export const VERIFIER_COUNTERS: readonly string[] = [
  METRIC.received,
  METRIC.verified,
  METRIC.rejected,
  METRIC.rejectedSignature,
  METRIC.rejectedSignatureMissing,
  METRIC.rejectedSignatureMismatch,
  METRIC.rejectedExpiredPreviousSecret,
  METRIC.rejectedStale,
  METRIC.rejectedMalformed,
  METRIC.rejectedTooLarge,
  METRIC.duplicate,
  METRIC.enqueued,
  METRIC.handshake,
  METRIC.ignored,
  METRIC.inFlight,
  METRIC.internalError,
  METRIC.matchedPreviousSecret,
  METRIC.payloadMismatch,
];

/** The processor runtime's counters: each event's EMF document carries its one outcome at 1 (the others, at 0, are left out). */
export const PROCESSOR_COUNTERS: readonly string[] = [
  METRIC.processed,
  METRIC.processingFailed,
  METRIC.skippedAsDone,
  METRIC.inProgressElsewhere,
  METRIC.skippedAsDuplicate,
  METRIC.notStartedBeforeTimeout,
];

/**
 * Counters of opt-in features, emitted (at 1) only where the feature is on: SkippedAsOlder with
 * `newerWins`, GroupStopped for records of a FIFO queue. A processor that uses neither writes the same lines as before.
 */
export const OPTIONAL_PROCESSOR_COUNTERS: readonly string[] = [METRIC.skippedAsOlder, METRIC.groupStopped];
/** The reconciler's counters, every one emitted with each run. */
export const RECONCILER_COUNTERS: readonly string[] = [
  METRIC.reconcileMissed,
  METRIC.reconcileRedeliveryRequested,
  METRIC.reconcileChecked,
  METRIC.reconcileRunFailed,
  METRIC.reconcileRateLimited,
];

/** Metrics measured in milliseconds; all others are counts. */
export const MILLISECOND_METRICS: readonly string[] = [METRIC.eventAge];

/** Environment variables that tell the processor runtime where its metrics go (the construct sets them). */
export const METRICS_NAMESPACE_ENV = 'WEBHOOK_METRICS_NAMESPACE';
export const METRICS_RECEIVER_ENV = 'WEBHOOK_METRICS_RECEIVER';
