import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * What the verifier's log group receives. The verifier always uses Lambda's JSON log format (its own lines are
 * JSON already), which lets Lambda filter lines by level before they are ingested (and billed).
 */
export interface WebhookReceiverLogging {
  /**
   * The least level of Lambda's own (platform) lines the verifier's log group receives. At `WARN` the
   * START/END/REPORT records of every invocation are not written: their content (duration, billed duration,
   * memory used, init duration) is in the `AWS/Lambda` metrics (Duration, Errors, Throttles; the alarms watch
   * those), except the peak memory of each invocation. An invocation that crashes or times out still counts in
   * `Errors` (the verifier-errors alarm) and, when it crashed, writes the runtime's ERROR line; a timeout's own
   * platform record is INFO and is not written at `WARN`. `INFO` writes them all, as JSON records.
   *
   * @default lambda.SystemLogLevel.WARN
   */
  readonly systemLogLevel?: lambda.SystemLogLevel;

  /**
   * One line per accepted delivery (`delivery handled`: route, provider, delivery id, event type, secret version,
   * duration). Without it the EMF document still counts every delivery, rejections and failures are still logged
   * (WARN, ERROR), and so is a delivery verified with a previous secret version; what is not logged is the delivery
   * id and event type of each accepted delivery (the inbox table holds each delivery id until its record expires).
   * The line is written at DEBUG; this sets the verifier's application log level to DEBUG instead of INFO, so it can
   * also be turned on for an investigation in the Lambda console without a deployment.
   *
   * @default false
   */
  readonly logDeliveries?: boolean;
}
