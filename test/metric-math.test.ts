/**
 * Each rate alarm's metric math, as synthesized into the template, evaluated on synthetic per-period series: it
 * fires above its threshold, stays quiet below it, and stays quiet under the minimum-traffic guard. The evaluator
 * (test/support/metric-math.ts) is first checked against the examples of the CloudWatch user guide.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { WebhookProvider, WebhookReceiver, type ReceiverAlarmOptions } from '../lib';
import { alarmSeries, alarmState, evaluate, type AlarmProperties, type Series } from './support/metric-math';

describe('the evaluator follows the CloudWatch user guide', () => {
  const _ = null;

  test('comparison and logical operators', () => {
    // "metric1 has values of [30, 20, 0, 0] and metric2 has values of [20, -, 20, -]"
    const ids = { metric1: [30, 20, 0, 0], metric2: [20, _, 20, _] };
    expect(evaluate('(metric1 < metric2)', ids, 4)).toEqual([0, 0, 1, 0]);
    expect(evaluate('(metric1 >= 30)', ids, 4)).toEqual([1, 0, 0, 0]);
    expect(evaluate('(metric1 > 15 AND metric2 > 15)', ids, 4)).toEqual([1, 0, 0, 0]);
  });

  test('IF with series and scalars', () => {
    const ids = { metric1: [1, 1, 0, 0, _], metric2: [30, _, 0, 0, 30], metric3: [0, 0, 20, _, 20] };
    expect(evaluate('IF(metric1, metric2, metric3)', ids, 5)).toEqual([30, 0, 20, _, _]);
    expect(evaluate('IF(metric1, 5, metric3)', ids, 5)).toEqual([5, 5, 20, _, _]);
    expect(evaluate('IF(metric1, metric2, 5)', ids, 5)).toEqual([30, 0, 5, 5, _]);
  });

  test('FILL, division by zero, precedence', () => {
    const ids = { m1: [4, _, 0], m2: [2, 2, 0] };
    expect(evaluate('FILL(m1, 0)', ids, 3)).toEqual([4, 0, 0]);
    expect(evaluate('m1 / m2', ids, 3)).toEqual([2, 0, _]);
    expect(evaluate('1 + 2 * 3 >= 7', ids, 3)).toBe(1);
    expect(() => evaluate('RATE(m1)', ids, 3)).toThrow(/does not know RATE/);
  });
});

function receiverTemplate(alarms?: ReceiverAlarmOptions): Template {
  const stack = new Stack(new App(), 'Test');
  const processor = new lambda.Function(stack, 'Processor', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    timeout: Duration.seconds(30),
  });
  const secret = new secretsmanager.Secret(stack, 'Secret');
  new WebhookReceiver(stack, 'Receiver', { provider: WebhookProvider.stripe({ secret }), processor, alarms });
  return Template.fromStack(stack);
}

function alarm(template: Template, name: string): AlarmProperties {
  const found = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith(`ReceiverMonitoring${name}`));
  expect(found).toHaveLength(1);
  return found[0][1].Properties as AlarmProperties;
}

/** Per-period traffic: how many requests (or events) there were and how many failed. */
type Period = [total: number, failed: number];

/** How each rate alarm's metrics look for a given traffic. */
const RATE_ALARMS: Array<[string, (p: Period) => Record<string, number>]> = [
  ['SignatureFailuresStripe', ([total, failed]) => ({ Received: total, RejectedSignatureMismatch: failed })],
  ['ServerErrors', ([total, failed]) => ({ Count: total, '5XXError': failed })],
  ['ProcessorFailures', ([total, failed]) => ({ Processed: total - failed, ProcessingFailed: failed, SkippedAsDone: 0 })],
];

function seriesOf(metrics: (p: Period) => Record<string, number>, periods: Period[]): Record<string, Series> {
  const data: Record<string, Series> = {};
  for (const period of periods) {
    for (const [name, value] of Object.entries(metrics(period))) (data[name] ??= []).push(value);
  }
  return data;
}

describe.each(RATE_ALARMS)('%s', (name, metrics) => {
  const template = receiverTemplate();
  const props = alarm(template, name);
  const threshold = props.Threshold;
  const state = (periods: Period[]) => alarmState(props, alarmSeries(props, seriesOf(metrics, periods)));
  // The guard in the expression, so the scenarios follow the defaults wherever they are set.
  const minimum = Number(/>= (\d+),/.exec(props.Metrics!.find((m) => m.Expression)!.Expression!)![1]);
  const failedFor = (total: number, percent: number) => Math.ceil((total * percent) / 100);

  test('the expression is a rate in percent, 0 under the guard', () => {
    const series = alarmSeries(props, seriesOf(metrics, [[1000, 250], [minimum, minimum], [minimum - 1, minimum - 1], [0, 0]]));
    expect(series).toEqual([25, 100, 0, 0]);
  });

  test('fires when the rate stays above its threshold', () => {
    expect(state([[1000, failedFor(1000, threshold) + 10], [1000, failedFor(1000, threshold) + 10], [1000, failedFor(1000, threshold) + 10]])).toBe('ALARM');
  });

  test('fires on two breaching periods out of three', () => {
    expect(state([[1000, 0], [1000, 500], [1000, 500]])).toBe('ALARM');
    expect(state([[1000, 500], [1000, 0], [1000, 500]])).toBe('ALARM');
  });

  test('stays quiet on one breaching period out of three', () => {
    expect(state([[1000, 0], [1000, 1000], [1000, 0]])).toBe('OK');
  });

  test('stays quiet at and below its threshold', () => {
    const at = (threshold * 1000) / 100;
    expect(state([[1000, at], [1000, at], [1000, at]])).toBe('OK');
    expect(state([[1000, Math.floor(at / 2)], [1000, Math.floor(at / 2)], [1000, Math.floor(at / 2)]])).toBe('OK');
  });

  test('stays quiet under the minimum-traffic guard, however high the rate', () => {
    // One failure in two requests at night.
    expect(state([[2, 1], [2, 1], [2, 1]])).toBe('OK');
    expect(state([[minimum - 1, minimum - 1], [minimum - 1, minimum - 1], [minimum - 1, minimum - 1]])).toBe('OK');
    // The guard is inclusive: exactly the minimum counts.
    expect(state([[minimum, minimum], [minimum, minimum], [minimum, minimum]])).toBe('ALARM');
  });

  test('stays quiet without any data', () => {
    expect(alarmState(props, [null, null, null])).toBe('OK');
    const empty = Object.fromEntries(Object.keys(metrics([0, 0])).map((k) => [k, [null, null, null] as Series]));
    expect(alarmState(props, alarmSeries(props, empty))).toBe('OK');
  });
});

test('the signature alarm stays quiet for scanners: requests with no or a malformed signature do not count', () => {
  const props = alarm(receiverTemplate(), 'SignatureFailuresStripe');
  // 1000 requests a period, 900 of them without a valid signature header, none with a wrong secret.
  const scanners = { Received: [1000, 1000, 1000], RejectedSignature: [900, 900, 900], RejectedSignatureMissing: [900, 900, 900], RejectedSignatureMismatch: [0, 0, 0] };
  expect(alarmState(props, alarmSeries(props, scanners))).toBe('OK');
  // The same traffic where 200 carry a well-formed signature under a wrong (rotated) secret.
  const wrongSecret = { ...scanners, RejectedSignature: [1100, 1100, 1100], RejectedSignatureMismatch: [200, 200, 200] };
  expect(alarmState(props, alarmSeries(props, wrongSecret))).toBe('ALARM');
});

describe.each(['VerifierErrors', 'ProcessorErrors'])('%s: a count of Lambda errors and throttles', (name) => {
  const props = alarm(receiverTemplate(), name);

  test('a crash at low traffic pages: one error in each of two periods of three', () => {
    expect(alarmSeries(props, { Errors: [1, null, 1], Throttles: [null, null, null] })).toEqual([1, 0, 1]);
    expect(alarmState(props, alarmSeries(props, { Errors: [1, 0, 1], Throttles: [0, 0, 0] }))).toBe('ALARM');
  });

  test('throttles count as errors', () => {
    expect(alarmState(props, alarmSeries(props, { Errors: [0, 0, 0], Throttles: [0, 3, 2] }))).toBe('ALARM');
  });

  test('a single bad period does not page, nor does silence', () => {
    expect(alarmState(props, alarmSeries(props, { Errors: [0, 5, 0], Throttles: [0, 0, 0] }))).toBe('OK');
    expect(alarmState(props, alarmSeries(props, { Errors: [null, null, null], Throttles: [null, null, null] }))).toBe('OK');
  });
});

test('the processor alarm counts skipped events as handled', () => {
  const props = alarm(receiverTemplate(), 'ProcessorFailures');
  const series = alarmSeries(props, { Processed: [70, 70, 70], ProcessingFailed: [10, 10, 10], SkippedAsDone: [20, 20, 20] });
  expect(series).toEqual([10, 10, 10]);
  expect(alarmState(props, series)).toBe('OK');
});

test('overridden thresholds and guards change what fires', () => {
  // GIVEN a signature alarm at 50 % of at least 5 requests, 1 of 1 periods
  const props = alarm(
    receiverTemplate({ signatureFailures: { thresholdPercent: 50, minimumRequests: 5, evaluationPeriods: 1, datapointsToAlarm: 1 } }),
    'SignatureFailuresStripe',
  );
  const state = (received: number, rejected: number) => alarmState(props, alarmSeries(props, { Received: [received], RejectedSignatureMismatch: [rejected] }));

  // THEN 20 % no longer fires, 4 of 6 does, 4 of 4 is under the guard
  expect(state(1000, 200)).toBe('OK');
  expect(state(6, 4)).toBe('ALARM');
  expect(state(4, 4)).toBe('OK');
});

describe('count and age alarms', () => {
  const template = receiverTemplate();

  test('the dead-letter queue alarm fires on one message', () => {
    const props = alarm(template, 'DeadLetterQueueNotEmpty');
    expect(alarmState(props, alarmSeries(props, { ApproximateNumberOfMessagesVisible: [0] }))).toBe('OK');
    expect(alarmState(props, alarmSeries(props, { ApproximateNumberOfMessagesVisible: [1] }))).toBe('ALARM');
    expect(alarmState(props, [null])).toBe('OK');
  });

  test('the queue age alarm fires at its maximum age', () => {
    const props = alarm(template, 'QueueAge');
    expect(alarmState(props, alarmSeries(props, { ApproximateAgeOfOldestMessage: [props.Threshold - 1] }))).toBe('OK');
    expect(alarmState(props, alarmSeries(props, { ApproximateAgeOfOldestMessage: [props.Threshold] }))).toBe('ALARM');
  });

  test('the previous-secret alarm fires only when the old secret is used every day of three', () => {
    const props = alarm(template, 'PreviousSecretInUse');
    expect(alarmState(props, alarmSeries(props, { MatchedPreviousSecret: [5, 3, 0] }))).toBe('OK');
    expect(alarmState(props, alarmSeries(props, { MatchedPreviousSecret: [5, 3, 1] }))).toBe('ALARM');
  });
});

describe('periods where the handlers wrote only some counters (a counter at 0 is not written, so it has no data point)', () => {
  const _ = null;

  test('signature alarm: no RejectedSignatureMismatch point is a rate of 0; periods that have one are rated as before', () => {
    const props = alarm(receiverTemplate(), 'SignatureFailuresStripe');
    expect(alarmSeries(props, { Received: [1000, 1000, 1000], RejectedSignatureMismatch: [_, _, _] })).toEqual([0, 0, 0]);
    expect(alarmState(props, alarmSeries(props, { Received: [1000, 1000, 1000], RejectedSignatureMismatch: [_, _, _] }))).toBe('OK');
    expect(alarmSeries(props, { Received: [1000, 1000, 1000], RejectedSignatureMismatch: [_, 300, 300] })).toEqual([0, 30, 30]);
    expect(alarmState(props, alarmSeries(props, { Received: [1000, 1000, 1000], RejectedSignatureMismatch: [_, 300, 300] }))).toBe('ALARM');
  });

  test('processor failures: only ProcessingFailed written (every event failed) is 100 %; only Processed written is 0 %', () => {
    const props = alarm(receiverTemplate(), 'ProcessorFailures');
    const allFailed = { Processed: [_, _, _], ProcessingFailed: [50, 50, 50], SkippedAsDone: [_, _, _] };
    expect(alarmSeries(props, allFailed)).toEqual([100, 100, 100]);
    expect(alarmState(props, alarmSeries(props, allFailed))).toBe('ALARM');
    const allProcessed = { Processed: [100, 100, 100], ProcessingFailed: [_, _, _], SkippedAsDone: [_, 5, _] };
    expect(alarmSeries(props, allProcessed)).toEqual([0, 0, 0]);
    expect(alarmState(props, alarmSeries(props, allProcessed))).toBe('OK');
  });

  test('server errors: a period with requests and no 5XXError point is 0 %', () => {
    const props = alarm(receiverTemplate(), 'ServerErrors');
    expect(alarmSeries(props, { Count: [500, 500, 500], '5XXError': [_, _, 100] })).toEqual([0, 0, 20]);
    expect(alarmState(props, alarmSeries(props, { Count: [500, 500, 500], '5XXError': [_, _, 100] }))).toBe('OK');
  });

  test('previous secret: days without a match have no point and count as 0, even where missing data is treated as missing', () => {
    // GIVEN the default alarm, and one that treats missing data as missing (INSUFFICIENT_DATA on a metric without points)
    const byDefault = alarm(receiverTemplate(), 'PreviousSecretInUse');
    const missing = alarm(receiverTemplate({ previousSecretInUse: { treatMissingData: cloudwatch.TreatMissingData.MISSING } }), 'PreviousSecretInUse');
    expect(missing.TreatMissingData).toBe('missing');

    for (const props of [byDefault, missing]) {
      // THEN no match for three days is three zeros: OK, neither a breach nor a lack of data
      expect(alarmSeries(props, { MatchedPreviousSecret: [_, _, _] })).toEqual([0, 0, 0]);
      expect(alarmState(props, alarmSeries(props, { MatchedPreviousSecret: [_, _, _] }))).toBe('OK');
      // a day without one among days with: not every day of three, OK; every day: ALARM
      expect(alarmState(props, alarmSeries(props, { MatchedPreviousSecret: [5, _, 1] }))).toBe('OK');
      expect(alarmState(props, alarmSeries(props, { MatchedPreviousSecret: [5, 2, 1] }))).toBe('ALARM');
    }
  });

  test('every rate alarm treating missing data as missing: a period with traffic and no failure point is OK, not INSUFFICIENT_DATA', () => {
    // GIVEN the rate alarms with missing data treated as missing
    const template = receiverTemplate({
      signatureFailures: { treatMissingData: cloudwatch.TreatMissingData.MISSING },
      serverErrors: { treatMissingData: cloudwatch.TreatMissingData.MISSING },
      processorFailures: { treatMissingData: cloudwatch.TreatMissingData.MISSING },
    });
    const quiet: Array<[string, Record<string, Series>]> = [
      ['SignatureFailuresStripe', { Received: [100, 100, 100], RejectedSignatureMismatch: [_, _, _] }],
      ['ServerErrors', { Count: [100, 100, 100], '5XXError': [_, _, _] }],
      ['ProcessorFailures', { Processed: [100, 100, 100], ProcessingFailed: [_, _, _], SkippedAsDone: [_, _, _] }],
    ];

    // THEN
    for (const [name, data] of quiet) {
      const props = alarm(template, name);
      expect([name, alarmState(props, alarmSeries(props, data))]).toEqual([name, 'OK']);
    }
  });
});
