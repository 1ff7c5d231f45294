/**
 * The receiver's alarms and dashboard, built from `WebhookReceiverMonitoringProps`. The defaults live in one
 * table (`ALARM_DEFAULTS`), which the `@default` docs of `ReceiverAlarmOptions` describe; a test reads both.
 */
import { CfnOutput, Duration, Lazy, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type {
  AlarmOptions,
  CountAlarmOptions,
  QueueAgeAlarmOptions,
  RateAlarmOptions,
  ReceiverAlarmOptions,
  WebhookReceiverAlarms,
  WebhookReceiverBase,
  WebhookReceiverMonitoringProps,
} from '../monitoring';
import { PROVIDER_DIMENSION } from '../../contract/metric-names';

interface Evaluation {
  readonly period: Duration;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}
interface RateDefaults extends Evaluation {
  readonly thresholdPercent: number;
  readonly minimumRequests: number;
}
interface CountDefaults extends Evaluation {
  readonly threshold: number;
}
interface AgeDefaults extends Evaluation {
  /** The least default maximum age. */
  readonly maxAge: Duration;
  /** Added to a failing event's time in the queue when that is the longer. */
  readonly retryAllowance: Duration;
}

const FIVE_MINUTES = Duration.minutes(5);

/** Every alarm's defaults. Their reasons are on `ReceiverAlarmOptions` and in docs/runbook.md. */
export const ALARM_DEFAULTS = {
  signatureFailures: { thresholdPercent: 10, minimumRequests: 20, period: FIVE_MINUTES, evaluationPeriods: 3, datapointsToAlarm: 2 } as RateDefaults,
  serverErrors: { thresholdPercent: 5, minimumRequests: 20, period: FIVE_MINUTES, evaluationPeriods: 3, datapointsToAlarm: 2 } as RateDefaults,
  verifierErrors: { threshold: 1, period: FIVE_MINUTES, evaluationPeriods: 3, datapointsToAlarm: 2 } as CountDefaults,
  processorErrors: { threshold: 1, period: FIVE_MINUTES, evaluationPeriods: 3, datapointsToAlarm: 2 } as CountDefaults,
  processorFailures: { thresholdPercent: 10, minimumRequests: 20, period: FIVE_MINUTES, evaluationPeriods: 3, datapointsToAlarm: 2 } as RateDefaults,
  deadLetterQueue: { threshold: 1, period: Duration.minutes(1), evaluationPeriods: 1, datapointsToAlarm: 1 } as CountDefaults,
  queueAge: { maxAge: Duration.minutes(15), retryAllowance: Duration.minutes(5), period: FIVE_MINUTES, evaluationPeriods: 1, datapointsToAlarm: 1 } as AgeDefaults,
  previousSecretInUse: { threshold: 1, period: Duration.days(1), evaluationPeriods: 3, datapointsToAlarm: 3 } as CountDefaults,
  reconcileMissed: { threshold: 1, period: FIVE_MINUTES, evaluationPeriods: 1, datapointsToAlarm: 1 } as CountDefaults,
  reconcileRunFailed: { threshold: 1, period: Duration.hours(1), evaluationPeriods: 2, datapointsToAlarm: 2 } as CountDefaults,
};

/** Where each alarm is explained in docs/runbook.md. */
const RUNBOOK = 'https://github.com/cdk-webhook-receiver/cdk-webhook-receiver/blob/main/docs/runbook.md';

/** The queue's retention: an older message is gone, so no age alarm can be above it. */
const QUEUE_RETENTION = Duration.days(4);

/** The metrics of an API stage, which a REST API's and an HTTP API's stages both have. */
export interface ApiStageMetrics {
  metricServerError(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  metricIntegrationLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

export interface ReceiverMonitoringProps {
  readonly receiver: WebhookReceiverBase;
  /** The API's stage (a REST API's deployment stage, or an HTTP API's stage): its request metrics. */
  readonly stage: ApiStageMetrics;
  readonly verifier: lambda.IFunction;
  readonly processor: lambda.IFunction;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /** How long a failing event can stay in the queue before it is dead-lettered (maxReceiveCount x visibility). */
  readonly retryHorizon: Duration;
  readonly options: WebhookReceiverMonitoringProps;
}

/** The alarms, the composite over them and the dashboard of one receiver. */
export class ReceiverMonitoring extends Construct {
  public readonly alarms: WebhookReceiverAlarms;
  public readonly dashboard?: cloudwatch.Dashboard;

  private readonly receiver: WebhookReceiverBase;
  private readonly signatureOptions?: ResolvedRate;
  private readonly signatureFailures: { [providerId: string]: cloudwatch.Alarm } = {};
  private readonly missedEvents: { [providerId: string]: cloudwatch.Alarm } = {};
  private readonly reconcileRunFailures: { [providerId: string]: cloudwatch.Alarm } = {};
  private reconciliationWidget?: cloudwatch.GraphWidget;
  private readonly reconcileMissedOptions?: ResolvedCount;
  private readonly reconcileRunFailedOptions?: ResolvedCount;
  /** The alarms the composite covers; it renders them when the template is synthesized. */
  private readonly covered: cloudwatch.Alarm[] = [];
  /** Every alarm, for the dashboard's alarm widget (read when the template is synthesized). */
  private readonly all: cloudwatch.IAlarm[] = [];
  private readonly actions: cloudwatch.IAlarmAction[];
  private readonly hasComposite: boolean;

  constructor(scope: Construct, id: string, props: ReceiverMonitoringProps) {
    super(scope, id);
    this.receiver = props.receiver;
    this.actions = props.options.alarmActions ?? [];
    const options: ReceiverAlarmOptions = props.options.alarms ?? {};
    const d = ALARM_DEFAULTS;

    // Everything is validated before anything is created.
    const signature = resolveRate('signatureFailures', options.signatureFailures, d.signatureFailures);
    const serverErrors = resolveRate('serverErrors', options.serverErrors, d.serverErrors);
    const verifierErrors = resolveCount('verifierErrors', options.verifierErrors, d.verifierErrors);
    const processorErrors = resolveCount('processorErrors', options.processorErrors, d.processorErrors);
    const processorFailures = resolveRate('processorFailures', options.processorFailures, d.processorFailures);
    const deadLetter = resolveCount('deadLetterQueue', options.deadLetterQueue, d.deadLetterQueue);
    const queueAge = resolveAge('queueAge', options.queueAge, d.queueAge, props.retryHorizon);
    const previousSecret = resolveCount('previousSecretInUse', options.previousSecretInUse, d.previousSecretInUse);
    this.reconcileMissedOptions = resolveCount('reconcileMissed', options.reconcileMissed, d.reconcileMissed);
    this.reconcileRunFailedOptions = resolveCount('reconcileRunFailed', options.reconcileRunFailed, d.reconcileRunFailed);
    this.signatureOptions = signature;

    const coverable = [signature, serverErrors, verifierErrors, processorErrors, processorFailures, deadLetter, queueAge].some((o) => o !== undefined);
    this.hasComposite = (options.unhealthy?.enabled ?? true) && coverable;

    const stage = props.stage;
    const alarms = {
      signatureFailures: this.signatureFailures,
      serverErrors:
        serverErrors &&
        this.rateAlarm('ServerErrors', serverErrors, {
          description: `More than ${serverErrors.thresholdPercent}% of the API's answers were 5xx`,
          runbook: 'server-errors',
          failed: { errors: stage.metricServerError({ statistic: cloudwatch.Stats.SUM }) },
          total: { requests: stage.metricCount({ statistic: cloudwatch.Stats.SUM }) },
        }),
      verifierErrors:
        verifierErrors &&
        this.sumAlarm('VerifierErrors', verifierErrors, {
          description: `At least ${verifierErrors.threshold} verifier invocation(s) errored (crash, timeout, out of memory) or were throttled`,
          runbook: 'verifier-errors',
          metrics: { errors: props.verifier.metricErrors(), throttles: props.verifier.metricThrottles() },
        }),
      processorErrors:
        processorErrors &&
        this.sumAlarm('ProcessorErrors', processorErrors, {
          description: `At least ${processorErrors.threshold} processor invocation(s) errored (crash, timeout, out of memory) or were throttled`,
          runbook: 'processor-errors',
          metrics: { errors: props.processor.metricErrors(), throttles: props.processor.metricThrottles() },
        }),
      processorFailures:
        processorFailures &&
        this.rateAlarm('ProcessorFailures', processorFailures, {
          description: `More than ${processorFailures.thresholdPercent}% of events failed in the processor`,
          runbook: 'processor-failures',
          failed: { failed: this.receiver.metricProcessingFailed() },
          total: { processed: this.receiver.metricProcessed(), failed: this.receiver.metricProcessingFailed(), skipped: this.receiver.metricSkippedAsDone() },
        }),
      deadLetterQueue:
        deadLetter &&
        this.alarm('DeadLetterQueueNotEmpty', deadLetter, {
          metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM }),
          threshold: deadLetter.threshold,
          description: `The dead-letter queue holds at least ${deadLetter.threshold} event(s) that failed every retry`,
          runbook: 'dead-letter-queue',
          covered: true,
        }),
      queueAge:
        queueAge &&
        this.alarm('QueueAge', queueAge, {
          metric: props.queue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM }),
          threshold: queueAge.maxAgeSeconds,
          description: `The oldest queued event is at least ${Duration.seconds(queueAge.maxAgeSeconds).toHumanString()} old: events pile up`,
          runbook: 'queue-age',
          covered: true,
        }),
      previousSecretInUse:
        previousSecret &&
        this.alarm('PreviousSecretInUse', previousSecret, {
          // The verifier writes the counter only when it is 1: a day without such a delivery has no data point.
          metric: new cloudwatch.MathExpression({
            expression: 'FILL(matched, 0)',
            usingMetrics: { matched: this.receiver.metricPreviousSecretMatches() },
            period: previousSecret.period,
            label: 'PreviousSecretInUse',
          }),
          threshold: previousSecret.threshold,
          description: `At least ${previousSecret.threshold} delivery(ies) verified with a previous secret version: a provider still signs with the old secret`,
          runbook: 'previous-secret-in-use',
          covered: false,
        }),
      unhealthy: this.hasComposite ? this.composite() : undefined,
      missedEvents: this.missedEvents,
      reconcileRunFailures: this.reconcileRunFailures,
    };
    this.alarms = alarms;

    if (props.options.dashboard ?? true) {
      this.dashboard = this.createDashboard(props);
      // Dashboard names are account-wide, so CloudFormation makes this one up; the output says which it is.
      new CfnOutput(this, 'DashboardName', {
        description: `CloudWatch dashboard of the webhook receiver ${this.receiver.metricReceiverName}`,
        value: this.dashboard.dashboardName,
      });
    }
  }

  /** One signature-failure alarm for a provider the receiver now serves. */
  public addProvider(providerId: string): void {
    const options = this.signatureOptions;
    if (!options) return;
    const dimensionsMap = { [PROVIDER_DIMENSION]: providerId };
    this.signatureFailures[providerId] = this.rateAlarm(`SignatureFailures${pascal(providerId)}`, options, {
      description: `More than ${options.thresholdPercent}% of ${providerId} requests carried a well-formed signature that matched no key`,
      runbook: 'signature-failures',
      // Not the requests with no or a malformed signature: scanners send those, and no secret is wrong.
      failed: { mismatched: this.receiver.metricRejectedSignatureMismatch({ dimensionsMap }) },
      total: { received: this.receiver.metricReceived({ dimensionsMap }) },
    });
  }

  /**
   * The two alarms of a reconciled provider: events found missing (a webhook was lost), and runs failing (the
   * cursor is stuck: an expired credential, a revoked token, the provider's API down). Neither is covered by the
   * composite: both carry the actions themselves.
   */
  public addReconciliation(providerId: string): void {
    const dimensionsMap = { [PROVIDER_DIMENSION]: providerId };
    if (this.dashboard && !this.reconciliationWidget) {
      // One row for every reconciled provider, added with the first.
      const r = this.receiver;
      this.reconciliationWidget = new cloudwatch.GraphWidget({
        title: 'Reconciliation',
        left: [
          r.metricReconcileMissed({ label: 'Missed (a webhook was lost)' }),
          r.metricReconcileRedeliveryRequested({ label: 'Redelivery requested (GitHub)' }),
          r.metricReconcileRunFailed({ label: 'Runs failed' }),
          r.metricReconcileRateLimited({ label: 'Runs stopped on a rate limit' }),
        ],
        right: [r.metricReconcileChecked({ label: 'Events checked' })],
        width: 24,
        height: 6,
      });
      this.dashboard.addWidgets(this.reconciliationWidget);
    }
    const missed = this.reconcileMissedOptions;
    if (missed) {
      this.missedEvents[providerId] = this.alarm(`ReconcileMissed${pascal(providerId)}`, missed, {
        metric: this.receiver.metricReconcileMissed({ dimensionsMap }),
        threshold: missed.threshold,
        description: `Reconciliation found at least ${missed.threshold} ${providerId} event(s) that no webhook delivered: a webhook was lost`,
        runbook: 'reconciliation-missed-events',
        covered: false,
      });
    }
    const failed = this.reconcileRunFailedOptions;
    if (failed) {
      this.reconcileRunFailures[providerId] = this.alarm(`ReconcileRunFailed${pascal(providerId)}`, failed, {
        metric: this.receiver.metricReconcileRunFailed({ dimensionsMap }),
        threshold: failed.threshold,
        description: `At least ${failed.threshold} ${providerId} reconciliation run(s) failed: the cursor does not move, and events no webhook delivered are not found`,
        runbook: 'reconciliation-runs-failing',
        covered: false,
      });
    }
  }

  /**
   * An alarm on `100 * failed / total` in each period, and 0 in periods with fewer than `minimumRequests` in
   * `total`. Missing values count as 0 (FILL), so a period with traffic always has a value.
   */
  private rateAlarm(
    id: string,
    options: ResolvedRate,
    spec: { description: string; runbook: string; failed: Record<string, cloudwatch.IMetric>; total: Record<string, cloudwatch.IMetric> },
  ): cloudwatch.Alarm {
    const sum = (metrics: Record<string, cloudwatch.IMetric>) => Object.keys(metrics).map((key) => `FILL(${key}, 0)`).join(' + ');
    const total = sum(spec.total);
    const expression = new cloudwatch.MathExpression({
      expression: `IF(${total} >= ${options.minimumRequests}, 100 * (${sum(spec.failed)}) / (${total}), 0)`,
      usingMetrics: { ...spec.total, ...spec.failed },
      period: options.period,
      label: `${id} (%)`,
    });
    return this.alarm(id, options, {
      metric: expression,
      threshold: options.thresholdPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: `${spec.description} (periods with at least ${options.minimumRequests})`,
      runbook: spec.runbook,
      covered: true,
    });
  }

  /** An alarm on the sum of some counts in each period (missing values count as 0). */
  private sumAlarm(
    id: string,
    options: ResolvedCount,
    spec: { description: string; runbook: string; metrics: Record<string, cloudwatch.IMetric> },
  ): cloudwatch.Alarm {
    const expression = new cloudwatch.MathExpression({
      expression: Object.keys(spec.metrics).map((key) => `FILL(${key}, 0)`).join(' + '),
      usingMetrics: spec.metrics,
      period: options.period,
      label: id,
    });
    return this.alarm(id, options, { metric: expression, threshold: options.threshold, description: spec.description, runbook: spec.runbook, covered: true });
  }

  private alarm(
    id: string,
    options: ResolvedEvaluation,
    spec: {
      metric: cloudwatch.IMetric;
      threshold: number;
      comparisonOperator?: cloudwatch.ComparisonOperator;
      description: string;
      runbook: string;
      covered: boolean;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric: spec.metric instanceof cloudwatch.Metric ? spec.metric.with({ period: options.period }) : spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods,
      datapointsToAlarm: options.datapointsToAlarm,
      treatMissingData: options.treatMissingData,
      alarmDescription:
        `${this.receiver.metricReceiverName}: ${spec.description}, in ${options.datapointsToAlarm} of ${options.evaluationPeriods} ` +
        `${periodText(options.period)} periods. Runbook: ${RUNBOOK}#${spec.runbook}`,
    });
    this.all.push(alarm);
    if (spec.covered) this.covered.push(alarm);
    // One incident pages once: the composite carries the actions for the alarms it covers.
    if (!(spec.covered && this.hasComposite)) {
      for (const action of this.actions) alarm.addAlarmAction(action);
    }
    return alarm;
  }

  private composite(): cloudwatch.CompositeAlarm {
    const covered = this.covered;
    const composite = new cloudwatch.CompositeAlarm(this, 'Unhealthy', {
      alarmDescription: `${this.receiver.metricReceiverName}: receiver unhealthy, one of its alarms is firing. Runbook: ${RUNBOOK}#receiver-unhealthy`,
      // Rendered at synthesis, so the signature alarms of providers added later are covered too.
      alarmRule: { renderAlarmRule: () => Lazy.string({ produce: () => cloudwatch.AlarmRule.anyOf(...covered).renderAlarmRule() }) },
    });
    for (const action of this.actions) composite.addAlarmAction(action);
    this.all.push(composite);
    return composite;
  }

  private createDashboard(props: ReceiverMonitoringProps): cloudwatch.Dashboard {
    const r = this.receiver;
    const stage = props.stage;
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...extra });
    // The handlers write a counter only when it is not 0 (lambda/shared/metrics.ts): each graph of counters fills a
    // period without a data point with 0, so a quiet period shows as 0, not as a gap.
    const byProvider = (metricName: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `FILL(SEARCH('{"${r.metricNamespace}",Receiver,Provider} MetricName="${metricName}" Receiver="${r.metricReceiverName}"', 'Sum', 300), 0)`,
        label,
        period: FIVE_MINUTES,
      });
    const filled = (metric: cloudwatch.Metric, label: string, period: Duration = FIVE_MINUTES) => {
      const id = `${metric.metricName.charAt(0).toLowerCase()}${metric.metricName.slice(1)}`;
      return new cloudwatch.MathExpression({ expression: `FILL(${id}, 0)`, usingMetrics: { [id]: metric }, label, period });
    };

    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Webhook receiver ${r.metricReceiverName}\nMetrics in namespace \`${r.metricNamespace}\`. What each alarm means and what to do: [runbook](${RUNBOOK}).`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.all, width: 24, height: 3 }),
    );
    dashboard.addWidgets(
      graph('Traffic', [
        filled(r.metricReceived(), 'Received'),
        filled(r.metricEnqueued(), 'Enqueued'),
        filled(r.metricDuplicates(), 'Duplicates'),
        filled(r.metricHandshakes(), 'Handshakes'),
        filled(r.metricIgnored(), 'Ignored (event type)'),
        filled(r.metricInFlight(), 'In flight (409)'),
      ]),
      graph('Requests by provider', [byProvider('Received', 'Received')]),
      graph('Rejections by reason', [
        filled(r.metricRejectedSignatureMismatch(), 'Signature not matching'),
        filled(r.metricRejectedSignatureMissing(), 'Signature missing or malformed'),
        filled(r.metricRejectedStale(), 'Stale timestamp'),
        filled(r.metricRejectedMalformed(), 'Malformed, unknown route, method'),
        filled(r.metricRejectedTooLarge(), 'Too large'),
      ], { stacked: true }),
    );
    dashboard.addWidgets(
      graph('Errors', [
        filled(r.metricInternalErrors(), 'Verifier 5xx answers'),
        stage.metricServerError({ label: 'API 5XXError', statistic: cloudwatch.Stats.SUM }),
        props.verifier.metricErrors({ label: 'Verifier Lambda errors' }),
        props.verifier.metricThrottles({ label: 'Verifier throttles' }),
      ]),
      graph('Signature rejections by provider', [
        byProvider('RejectedSignatureMismatch', 'Not matching'),
        byProvider('RejectedSignatureMissing', 'Missing or malformed'),
      ]),
      graph('Previous secret after a rotation', [
        filled(r.metricPreviousSecretMatches(), 'Verified with AWSPREVIOUS', Duration.hours(1)),
        filled(r.metricRejectedExpiredPreviousSecret(), 'AWSPREVIOUS past its grace period (refused)', Duration.hours(1)),
      ]),
    );
    dashboard.addWidgets(
      graph('Queue depth', [
        props.queue.metricApproximateNumberOfMessagesVisible({ label: 'Queue visible', statistic: cloudwatch.Stats.MAXIMUM }),
        props.queue.metricApproximateNumberOfMessagesNotVisible({ label: 'Queue in flight', statistic: cloudwatch.Stats.MAXIMUM }),
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'Dead-letter queue', statistic: cloudwatch.Stats.MAXIMUM }),
      ]),
      graph('Age of oldest queued event (s)', [props.queue.metricApproximateAgeOfOldestMessage({ label: 'Oldest', statistic: cloudwatch.Stats.MAXIMUM })]),
      graph('Processor outcomes', [
        filled(r.metricProcessed(), 'Processed'),
        filled(r.metricProcessingFailed(), 'Failed'),
        filled(r.metricSkippedAsDone(), 'Skipped (already done)'),
        filled(r.metricSkippedAsDuplicate(), 'Skipped (another message of it in progress)'),
        filled(r.metricInProgressElsewhere(), 'Returned (same message in progress)'),
        filled(r.metricNotStartedBeforeTimeout(), 'Not started (invocation about to time out)'),
        filled(r.metricPayloadMismatches(), 'Payload mismatches (same id, other bytes)'),
        filled(r.metricSkippedAsOlder(), 'Skipped (older than its entity\'s last, newerWins)'),
        filled(r.metricGroupStopped(), 'Returned (FIFO group stopped at a failure)'),
        props.processor.metricErrors({ label: 'Processor Lambda errors' }),
        props.processor.metricThrottles({ label: 'Processor throttles' }),
      ]),
    );
    dashboard.addWidgets(
      graph('API latency (ms)', [
        stage.metricLatency({ label: 'p50', statistic: cloudwatch.Stats.percentile(50) }),
        stage.metricLatency({ label: 'p99', statistic: cloudwatch.Stats.percentile(99) }),
        stage.metricIntegrationLatency({ label: 'integration p99', statistic: cloudwatch.Stats.percentile(99) }),
      ]),
      graph('Verifier duration (ms)', [
        props.verifier.metricDuration({ label: 'p50', statistic: cloudwatch.Stats.percentile(50) }),
        props.verifier.metricDuration({ label: 'p99', statistic: cloudwatch.Stats.percentile(99) }),
      ]),
      graph('End-to-end age, received to processed (ms)', [
        r.metricEventAge({ label: 'p50', statistic: cloudwatch.Stats.percentile(50) }),
        r.metricEventAge({ label: 'p99', statistic: cloudwatch.Stats.percentile(99) }),
        r.metricEventAge({ label: 'max', statistic: cloudwatch.Stats.MAXIMUM }),
      ]),
    );
    return dashboard;
  }
}

interface ResolvedEvaluation {
  readonly period: Duration;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
}
interface ResolvedRate extends ResolvedEvaluation {
  readonly thresholdPercent: number;
  readonly minimumRequests: number;
}
interface ResolvedCount extends ResolvedEvaluation {
  readonly threshold: number;
}
interface ResolvedAge extends ResolvedEvaluation {
  readonly maxAgeSeconds: number;
}

/** The options merged with the defaults and checked; undefined when the alarm is disabled. */
function resolveEvaluation(name: string, options: AlarmOptions | undefined, defaults: Evaluation): ResolvedEvaluation | undefined {
  if (options?.enabled === false) return undefined;
  const period = options?.period ?? defaults.period;
  const evaluationPeriods = options?.evaluationPeriods ?? defaults.evaluationPeriods;
  // A smaller evaluationPeriods given alone brings the default M down with it.
  const datapointsToAlarm = options?.datapointsToAlarm ?? Math.min(defaults.datapointsToAlarm, evaluationPeriods);
  const seconds = period.toSeconds();
  if (!Token.isUnresolved(seconds) && (seconds % 60 !== 0 || seconds < 60 || seconds > 86400)) {
    throw new Error(`alarms.${name}.period must be whole minutes from 1 minute to 1 day, got ${seconds} seconds.`);
  }
  checkWhole(`alarms.${name}.evaluationPeriods`, evaluationPeriods, 1, 10080);
  if (!Token.isUnresolved(datapointsToAlarm)) {
    checkWhole(`alarms.${name}.datapointsToAlarm`, datapointsToAlarm, 1, evaluationPeriods);
  }
  if (!Token.isUnresolved(seconds) && !Token.isUnresolved(evaluationPeriods)) {
    const limit = seconds < 3600 ? 86400 : 604800;
    if (seconds * evaluationPeriods > limit) {
      throw new Error(
        `alarms.${name}: period x evaluationPeriods must be at most ${limit / 86400} day(s) for ${seconds < 3600 ? 'periods under an hour' : 'periods of an hour or more'}, got ${seconds} s x ${evaluationPeriods}.`,
      );
    }
  }
  return { period, evaluationPeriods, datapointsToAlarm, treatMissingData: options?.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING };
}

function resolveRate(name: string, options: RateAlarmOptions | undefined, defaults: RateDefaults): ResolvedRate | undefined {
  const evaluation = resolveEvaluation(name, options, defaults);
  if (!evaluation) return undefined;
  const thresholdPercent = options?.thresholdPercent ?? defaults.thresholdPercent;
  if (!Token.isUnresolved(thresholdPercent) && !(thresholdPercent > 0 && thresholdPercent <= 100)) {
    throw new Error(`alarms.${name}.thresholdPercent must be above 0 and at most 100, got ${thresholdPercent}.`);
  }
  const minimumRequests = options?.minimumRequests ?? defaults.minimumRequests;
  checkWhole(`alarms.${name}.minimumRequests`, minimumRequests, 1, 1_000_000_000);
  return { ...evaluation, thresholdPercent, minimumRequests };
}

function resolveCount(name: string, options: CountAlarmOptions | undefined, defaults: CountDefaults): ResolvedCount | undefined {
  const evaluation = resolveEvaluation(name, options, defaults);
  if (!evaluation) return undefined;
  const threshold = options?.threshold ?? defaults.threshold;
  checkWhole(`alarms.${name}.threshold`, threshold, 1, 1_000_000_000);
  return { ...evaluation, threshold };
}

function resolveAge(name: string, options: QueueAgeAlarmOptions | undefined, defaults: AgeDefaults, retryHorizon: Duration): ResolvedAge | undefined {
  const evaluation = resolveEvaluation(name, options, defaults);
  if (!evaluation) return undefined;
  let maxAgeSeconds: number;
  if (options?.maxAge !== undefined) {
    maxAgeSeconds = options.maxAge.toSeconds();
    if (!Token.isUnresolved(maxAgeSeconds) && (maxAgeSeconds < 60 || maxAgeSeconds > QUEUE_RETENTION.toSeconds())) {
      throw new Error(`alarms.${name}.maxAge must be from 1 minute to 4 days (the queue's retention), got ${maxAgeSeconds} seconds.`);
    }
  } else {
    const horizon = retryHorizon.toSeconds();
    const floor = defaults.maxAge.toSeconds();
    maxAgeSeconds = Token.isUnresolved(horizon) ? floor : Math.min(Math.max(floor, horizon + defaults.retryAllowance.toSeconds()), QUEUE_RETENTION.toSeconds());
  }
  return { ...evaluation, maxAgeSeconds };
}

function checkWhole(name: string, value: number, min: number, max: number): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${value}.`);
  }
}

/** `5-minute`, `1-hour`, `1-day`. */
function periodText(period: Duration): string {
  const minutes = period.toMinutes();
  if (Token.isUnresolved(minutes)) return 'given';
  if (minutes % 1440 === 0) return `${minutes / 1440}-day`;
  if (minutes % 60 === 0) return `${minutes / 60}-hour`;
  return `${minutes}-minute`;
}

function pascal(id: string): string {
  return id.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}
