/**
 * CloudWatch metrics in Embedded Metric Format (EMF): one JSON line on stdout per request (or per event), written
 * synchronously, which CloudWatch Logs turns into metrics. No PutMetricData call, no buffer, nothing to flush.
 *
 * Written by hand rather than with aws-embedded-metrics or @aws-lambda-powertools/metrics: the format needed here
 * is one JSON object, and those libraries add 37 KB and 16 KB to the verifier's minified bundle (its budget has
 * 50 KB of room); Powertools also adds a `service` dimension to every metric.
 *
 * What goes in: metric names with counts or milliseconds, the receiver (from the configuration) and the provider
 * id (a configured id; anything else is left out). Never a secret, a signature, a body or a delivery id.
 */
import type { MetricsConfig } from '../../contract/config';
import { DEFAULT_METRIC_NAMESPACE, MILLISECOND_METRICS, PROVIDER_DIMENSION, RECEIVER_DIMENSION } from '../../contract/metric-names';

export interface Metrics {
  /**
   * Writes one EMF line with these values, under the receiver, and also under the provider when one is given.
   * Never throws: metrics must not break a delivery.
   */
  emit(provider: string | undefined, values: Readonly<Record<string, number>>): void;
}

/** Provider ids are lowercase letters, digits and dashes; a value that is not one never becomes a dimension. */
const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function emfMetrics(
  target: MetricsConfig,
  write: (line: string) => void = (line) => process.stdout.write(line),
  now: () => number = Date.now,
): Metrics {
  return {
    emit(provider, values) {
      try {
        write(emfLine(target, provider, values, now()));
      } catch {
        // A closed stdout must not turn a delivery into a failure; the log line of the request still tells.
      }
    },
  };
}

/** One EMF document as a line. */
export function emfLine(target: MetricsConfig, provider: string | undefined, values: Readonly<Record<string, number>>, timestampMs: number): string {
  const withProvider = provider !== undefined && PROVIDER_ID.test(provider);
  const names = Object.keys(values);
  const document = {
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: target.namespace ?? DEFAULT_METRIC_NAMESPACE,
          Dimensions: withProvider ? [[RECEIVER_DIMENSION], [RECEIVER_DIMENSION, PROVIDER_DIMENSION]] : [[RECEIVER_DIMENSION]],
          Metrics: names.map((name) => ({ Name: name, Unit: MILLISECOND_METRICS.includes(name) ? 'Milliseconds' : 'Count' })),
        },
      ],
    },
    [RECEIVER_DIMENSION]: target.receiver,
    ...(withProvider ? { [PROVIDER_DIMENSION]: provider } : {}),
    ...values,
  };
  return `${JSON.stringify(document)}\n`;
}
