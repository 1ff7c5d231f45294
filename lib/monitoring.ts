import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { DEFAULT_METRIC_NAMESPACE, METRIC, RECEIVER_DIMENSION } from '../contract/metric-names';

/**
 * How an alarm evaluates. Each alarm has its own defaults, listed (with their reasons) on `ReceiverAlarmOptions`
 * and in `docs/runbook.md`.
 */
export interface AlarmOptions {
  /**
   * Create the alarm. `false` creates none (and leaves it out of the composite alarm).
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Length of one evaluation period: whole minutes, at most one day.
   *
   * @default - the alarm's own, see `ReceiverAlarmOptions`
   */
  readonly period?: Duration;

  /**
   * Number of most recent periods evaluated (the N of "M out of N"). Periods times this may span at most one
   * day for periods under an hour, and at most seven days otherwise.
   *
   * @default - the alarm's own, see `ReceiverAlarmOptions`
   */
  readonly evaluationPeriods?: number;

  /**
   * Breaching periods among `evaluationPeriods` that set off the alarm (the M of "M out of N").
   *
   * @default - the alarm's own, see `ReceiverAlarmOptions`, and never more than `evaluationPeriods`
   */
  readonly datapointsToAlarm?: number;

  /**
   * How a period without data counts.
   *
   * @default cloudwatch.TreatMissingData.NOT_BREACHING
   */
  readonly treatMissingData?: cloudwatch.TreatMissingData;
}

/** An alarm on a percentage of requests (or events), computed with metric math in each period. */
export interface RateAlarmOptions extends AlarmOptions {
  /**
   * The alarm breaches when the rate is above this percentage (more than 0, at most 100).
   *
   * @default - the alarm's own, see `ReceiverAlarmOptions`
   */
  readonly thresholdPercent?: number;

  /**
   * Requests (or events) a period needs before its rate counts at all; a quieter period counts as 0 %, so one
   * failure out of two requests at night pages no one. At least 1.
   *
   * @default - the alarm's own, see `ReceiverAlarmOptions`
   */
  readonly minimumRequests?: number;
}

/** An alarm on a count reaching a threshold in a period. */
export interface CountAlarmOptions extends AlarmOptions {
  /**
   * The alarm breaches when the count in a period is at least this (a whole number, at least 1).
   *
   * @default - the alarm's own, see `ReceiverAlarmOptions`
   */
  readonly threshold?: number;
}

/** An alarm on the age of the oldest message in the queue. */
export interface QueueAgeAlarmOptions extends AlarmOptions {
  /**
   * The alarm breaches when the oldest message is at least this old (from 1 minute to 4 days, the queue's
   * retention).
   *
   * @default - see `ReceiverAlarmOptions.queueAge`
   */
  readonly maxAge?: Duration;
}

/** The composite alarm over the others. */
export interface CompositeAlarmOptions {
  /**
   * Create the composite alarm.
   *
   * @default true
   */
  readonly enabled?: boolean;
}

/**
 * The receiver's alarms, one field each. Every alarm is on by default; what it means and what to do when it
 * fires is in `docs/runbook.md`.
 */
export interface ReceiverAlarmOptions {
  /**
   * One alarm per provider: the share of its requests whose signature (or token) is well formed but matches no
   * key (RejectedSignatureMismatch / Received): a rotated or wrong secret, a provider half-updated after a
   * rotation, the previous secret past its grace period, or forgeries made without the secret. Requests with no
   * signature or a malformed one (RejectedSignatureMissing: scanners, health checks) do not count: they are on
   * the dashboard, and page no one. Providers sign every genuine request, so the normal rate is 0 %; 10 %
   * catches a half-updated provider. 20 requests per period keep a quiet provider's two stray requests from
   * counting.
   *
   * @default - 10 % of at least 20 requests, 5-minute periods, 2 of 3 breaching, missing data not breaching
   */
  readonly signatureFailures?: RateAlarmOptions;

  /**
   * The share of API Gateway's answers that are 5xx (5XXError / Count of the stage). Only our own faults are
   * 5xx, and GitHub does not retry them; 5 % over two of three periods shows a failing dependency within 15
   * minutes while a single blip that providers retry does not page.
   *
   * @default - 5 % of at least 20 requests, 5-minute periods, 2 of 3 breaching, missing data not breaching
   */
  readonly serverErrors?: RateAlarmOptions;

  /**
   * Verifier invocations that errored or were throttled (Errors + Throttles of the verifier function). The
   * verifier answers every failure of a request itself, so a Lambda error means it crashed, timed out or ran out
   * of memory, and the provider got a 5xx (GitHub does not retry): a count, not a rate, so a crashing verifier
   * pages at low traffic too. Two periods of three keep a single cold-start timeout from paging.
   *
   * @default - at least 1 error or throttle, 5-minute periods, 2 of 3 breaching, missing data not breaching
   */
  readonly verifierErrors?: CountAlarmOptions;

  /**
   * Processor invocations that errored or were throttled (Errors + Throttles of your processor function). The
   * runtime reports a failing event item by item (ProcessingFailed), so a Lambda error is what the runtime never
   * saw: a timeout, a crash, out of memory, a failing init, or a processor not using the runtime; a throttle
   * delays every event of the batch. Neither emits ProcessingFailed, so `processorFailures` cannot see them.
   *
   * @default - at least 1 error or throttle, 5-minute periods, 2 of 3 breaching, missing data not breaching
   */
  readonly processorErrors?: CountAlarmOptions;

  /**
   * The share of events the processor runtime failed (ProcessingFailed / all events handled). Failed events are
   * retried, so occasional failures are normal; 10 % sustained means your function or what it calls is broken.
   * Counts only processors that use `cdk-webhook-receiver/runtime`.
   *
   * @default - 10 % of at least 20 events, 5-minute periods, 2 of 3 breaching, missing data not breaching
   */
  readonly processorFailures?: RateAlarmOptions;

  /**
   * The dead-letter queue holds messages (ApproximateNumberOfMessagesVisible, maximum). Every message there is
   * an event that failed `maxReceiveCount` times and will not be retried until you redrive it.
   *
   * @default - at least 1 message, 1-minute periods, 1 of 1 breaching, missing data not breaching
   */
  readonly deadLetterQueue?: CountAlarmOptions;

  /**
   * The oldest message in the queue is too old (ApproximateAgeOfOldestMessage, maximum): events pile up because
   * the processor is down, throttled or too slow. The default leaves room for a failing event's own retries.
   *
   * @default - 15 minutes, or the time a failing event can spend in the queue before it reaches the
   * dead-letter queue (maxReceiveCount x the visibility timeout) plus 5 minutes when that is longer;
   * 5-minute periods, 1 of 1 breaching, missing data not breaching
   */
  readonly queueAge?: QueueAgeAlarmOptions;

  /**
   * Deliveries verified with the AWSPREVIOUS version of a secret, every day for three days: a provider still
   * signs with the old secret long after a rotation, and the next rotation will drop its deliveries.
   *
   * @default - at least 1 delivery a day, 1-day periods, 3 of 3 breaching, missing data not breaching
   */
  readonly previousSecretInUse?: CountAlarmOptions;

  /**
   * One alarm per reconciled provider (its `reconcile` option): reconciliation found events in the provider's API
   * that no webhook delivered (ReconcileMissed). The events themselves were recovered (Stripe: enqueued; GitHub:
   * redelivery requested), but a webhook was lost: any one is worth a look.
   *
   * @default - at least 1 event, 5-minute periods, 1 of 1 breaching, missing data not breaching
   */
  readonly reconcileMissed?: CountAlarmOptions;

  /**
   * One alarm per reconciled provider: reconciliation runs failed (ReconcileRunFailed). A failed run loses
   * nothing (the next one resumes from the cursor), so a single failure does not page; failures for two hours in
   * a row mean the cursor is stuck (an expired or revoked credential, the provider's API changed or down) and
   * lost webhooks are no longer found.
   *
   * @default - at least 1 failed run, 1-hour periods, 2 of 2 breaching, missing data not breaching
   */
  readonly reconcileRunFailed?: CountAlarmOptions;

  /**
   * "Receiver unhealthy": in alarm when any alarm above is, except `previousSecretInUse` (a chore, not an
   * outage) and the reconciliation alarms. It carries `alarmActions`, so one incident pages once.
   *
   * @default - enabled
   */
  readonly unhealthy?: CompositeAlarmOptions;
}

/** Monitoring props of `WebhookReceiverProps`. */
export interface WebhookReceiverMonitoringProps {
  /**
   * The CloudWatch namespace of the metrics the verifier and the processor runtime emit.
   *
   * @default 'WebhookReceiver'
   */
  readonly metricNamespace?: string;

  /**
   * Thresholds, periods and switches of each alarm.
   *
   * @default - every alarm with its defaults
   */
  readonly alarms?: ReceiverAlarmOptions;

  /**
   * What an alarm does, e.g. `new cloudwatch_actions.SnsAction(onCallTopic)`. Set on the "receiver unhealthy"
   * composite alarm and on the alarms it does not cover (`previousSecretInUse` and the reconciliation alarms); on
   * every alarm when the composite is disabled.
   *
   * @default - no actions
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];

  /**
   * Create a CloudWatch dashboard for this receiver: traffic, rejections by reason, queue depth and age,
   * processor outcomes, latency, and the alarms.
   *
   * @default true
   */
  readonly dashboard?: boolean;
}

/** The alarms a receiver created; a disabled alarm is absent. */
export interface WebhookReceiverAlarms {
  /** Signature-failure rate, one alarm per provider id. */
  readonly signatureFailures: { [providerId: string]: cloudwatch.Alarm };
  /** 5xx rate at API Gateway. */
  readonly serverErrors?: cloudwatch.Alarm;
  /** Verifier Lambda errors and throttles. */
  readonly verifierErrors?: cloudwatch.Alarm;
  /** Processor Lambda errors and throttles. */
  readonly processorErrors?: cloudwatch.Alarm;
  /** Processor failure rate. */
  readonly processorFailures?: cloudwatch.Alarm;
  /** Dead-letter queue not empty. */
  readonly deadLetterQueue?: cloudwatch.Alarm;
  /** Age of the oldest queued message. */
  readonly queueAge?: cloudwatch.Alarm;
  /** A previous secret version still in use days after a rotation. */
  readonly previousSecretInUse?: cloudwatch.Alarm;
  /** "Receiver unhealthy", over all the others but `previousSecretInUse`, `missedEvents` and `reconcileRunFailures`. */
  readonly unhealthy?: cloudwatch.CompositeAlarm;
  /**
   * Reconciliation found an event no webhook delivered (`ReconcileMissed` >= 1), one alarm per reconciled provider
   * id: a webhook was lost (the event itself was recovered). Not covered by `unhealthy`; it carries the
   * `alarmActions` itself.
   */
  readonly missedEvents?: { [providerId: string]: cloudwatch.Alarm };
  /**
   * Reconciliation runs failing (`ReconcileRunFailed`), one alarm per reconciled provider id. Not covered by
   * `unhealthy`; it carries the `alarmActions` itself.
   */
  readonly reconcileRunFailures?: { [providerId: string]: cloudwatch.Alarm };
}

/**
 * The metrics of a webhook receiver (`WebhookReceiver` extends this), as the verifier and the processor runtime
 * emit them. Each `metric*()` method covers all the receiver's providers; for one provider add its dimension:
 * `receiver.metricReceived({ dimensionsMap: { Provider: 'stripe' } })`. Counts are sums over 5 minutes and
 * `metricEventAge` an average over 5 minutes, unless the props say otherwise.
 */
export abstract class WebhookReceiverBase extends Construct {
  /** The CloudWatch namespace of the handlers' metrics. */
  public readonly metricNamespace: string;
  /** The value of the `Receiver` dimension of the handlers' metrics: this construct's path. */
  public readonly metricReceiverName: string;

  /**
   * @param scope the construct this receiver belongs to
   * @param id the receiver's construct id
   * @param props the monitoring settings (metric namespace, alarms, dashboard)
   */
  constructor(scope: Construct, id: string, props: WebhookReceiverMonitoringProps = {}) {
    super(scope, id);
    const namespace = props.metricNamespace ?? DEFAULT_METRIC_NAMESPACE;
    if (!/^[A-Za-z0-9._\-/#: ]{1,255}$/.test(namespace) || namespace.startsWith('AWS/')) {
      throw new Error(`metricNamespace must be 1 to 255 letters, digits or . - _ / # : and spaces, and not start with "AWS/", got "${namespace}".`);
    }
    this.metricNamespace = namespace;
    this.metricReceiverName = this.node.path;
  }

  /**
   * A metric of this receiver by name (see `docs/runbook.md` for the list), with the `Receiver` dimension and
   * any dimensions given (e.g. `Provider`).
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricNamespace,
      metricName,
      statistic: cloudwatch.Stats.SUM,
      ...props,
      dimensionsMap: { [RECEIVER_DIMENSION]: this.metricReceiverName, ...props?.dimensionsMap },
    });
  }

  /** Requests the verifier answered. */
  public metricReceived(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.received, props);
  }

  /** Requests whose signature (or token) matched. */
  public metricVerified(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.verified, props);
  }

  /** Requests rejected with 400, 401, 404, 405, 413, 415 or 431 (not 409). */
  public metricRejected(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.rejected, props);
  }

  /** Requests rejected for their signature or token: missing, malformed, not matching (the sum of the next two). */
  public metricRejectedSignature(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.rejectedSignature, props);
  }

  /** Requests with no signature (or token), or one not in the provider's format: mostly scanners. */
  public metricRejectedSignatureMissing(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.rejectedSignatureMissing, props);
  }

  /** Requests with a well-formed signature (or token) that matched no key: a wrong or rotated secret, or a forgery. */
  public metricRejectedSignatureMismatch(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.rejectedSignatureMismatch, props);
  }

  /**
   * Requests refused because only the secret's previous version, past `previousSecretGracePeriod`, matched them
   * (part of `metricRejectedSignatureMismatch`): the provider still signs with the retired secret.
   */
  public metricRejectedExpiredPreviousSecret(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.rejectedExpiredPreviousSecret, props);
  }

  /** Requests rejected for their signed timestamp: missing, malformed, outside the window. */
  public metricRejectedStale(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.rejectedStale, props);
  }

  /**
   * Requests rejected as malformed (400), at an unknown route (404), with a wrong method (405), with a
   * Content-Type the route does not take (415) or with too many or too large headers (431).
   */
  public metricRejectedMalformed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.rejectedMalformed, props);
  }

  /** Requests rejected as too large (413). */
  public metricRejectedTooLarge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.rejectedTooLarge, props);
  }

  /** Redeliveries of deliveries already processed, acknowledged and not enqueued. */
  public metricDuplicates(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.duplicate, props);
  }

  /** Verified deliveries sent to the queue. */
  public metricEnqueued(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.enqueued, props);
  }

  /** Provider handshakes answered. */
  public metricHandshakes(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.handshake, props);
  }

  /** Verified events of a type the provider's `eventTypes` leaves out: acknowledged, not enqueued. */
  public metricIgnored(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.ignored, props);
  }

  /** Requests told to retry later (409) while another attempt of the same delivery held it. */
  public metricInFlight(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.inFlight, props);
  }

  /** Requests that failed on our side (5xx answered by the verifier). */
  public metricInternalErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.internalError, props);
  }

  /**
   * Events the reconciler found in a provider's API that no webhook delivered (Stripe: enqueued by it; GitHub:
   * redelivery requested).
   */
  public metricReconcileMissed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.reconcileMissed, props);
  }

  /** GitHub deliveries the reconciler asked GitHub to redeliver. */
  public metricReconcileRedeliveryRequested(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.reconcileRedeliveryRequested, props);
  }

  /** Reconciliation runs that failed (the next run resumes from the cursor). */
  public metricReconcileRunFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.reconcileRunFailed, props);
  }

  /** Events (deliveries) the reconciler looked at in the provider's API. */
  public metricReconcileChecked(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.reconcileChecked, props);
  }

  /** Reconciliation runs that stopped early on the provider's rate limit (the next run resumes). */
  public metricReconcileRateLimited(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.reconcileRateLimited, props);
  }

  /** Deliveries verified with a key of the secret's previous version. */
  public metricPreviousSecretMatches(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.matchedPreviousSecret, props);
  }

  /** Events the processor runtime processed and marked DONE. */
  public metricProcessed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.processed, props);
  }

  /** Events the processor runtime failed (they are retried, then dead-lettered). */
  public metricProcessingFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.processingFailed, props);
  }

  /** Redelivered events skipped because they were already DONE. */
  public metricSkippedAsDone(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.skippedAsDone, props);
  }

  /** Copies of an SQS message returned to the queue because another invocation was processing that very message. */
  public metricInProgressElsewhere(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.inProgressElsewhere, props);
  }

  /** Second messages for an event that another message was being processed for, acknowledged without running. */
  public metricSkippedAsDuplicate(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.skippedAsDuplicate, props);
  }

  /** Records the processor runtime did not start because its invocation was about to time out. */
  public metricNotStartedBeforeTimeout(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.notStartedBeforeTimeout, props);
  }

  /** "Newer wins" (the runtime's `newerWins`): events older than their entity's last one, acknowledged without running. */
  public metricSkippedAsOlder(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.skippedAsOlder, props);
  }

  /** FIFO queue (`ordering`): records returned without running because an earlier record of their group failed. */
  public metricGroupStopped(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.groupStopped, props);
  }

  /** Deliveries whose id was seen before with a different payload (acknowledged as duplicates, not enqueued). */
  public metricPayloadMismatches(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.payloadMismatch, props);
  }

  /** Milliseconds from the verifier receiving a delivery to the processor finishing it. */
  public metricEventAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.eventAge, { statistic: cloudwatch.Stats.AVERAGE, ...props });
  }
}
