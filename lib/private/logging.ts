/**
 * The Lambda logging configuration of the functions the receiver creates or offers (the verifier,
 * `WebhookProcessorFunction`): JSON log format, so that Lambda filters lines by level before they are ingested.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { WebhookReceiverLogging } from '../logging';
import { checkBoolean, checkOneOf } from './validate';

/** The verifier's Lambda logging configuration from `logging`. */
export function verifierLoggingConfig(logging: WebhookReceiverLogging | undefined): {
  loggingFormat: lambda.LoggingFormat;
  systemLogLevelV2: lambda.SystemLogLevel;
  applicationLogLevelV2: lambda.ApplicationLogLevel;
} {
  if (logging !== undefined && (typeof logging !== 'object' || logging === null || Array.isArray(logging))) {
    throw new Error('logging must be an object, e.g. { systemLogLevel: lambda.SystemLogLevel.INFO, logDeliveries: true }.');
  }
  checkOneOf('logging.systemLogLevel', logging?.systemLogLevel, Object.values(lambda.SystemLogLevel), 'a lambda.SystemLogLevel (e.g. lambda.SystemLogLevel.INFO)');
  checkBoolean('logging.logDeliveries', logging?.logDeliveries);
  return {
    loggingFormat: lambda.LoggingFormat.JSON,
    systemLogLevelV2: logging?.systemLogLevel ?? lambda.SystemLogLevel.WARN,
    // Never above INFO: the EMF documents (the metrics behind every alarm) carry no level, which Lambda reads as INFO.
    applicationLogLevelV2: logging?.logDeliveries ? lambda.ApplicationLogLevel.DEBUG : lambda.ApplicationLogLevel.INFO,
  };
}
