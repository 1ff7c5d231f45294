/**
 * The receiver's alarms, composite alarm, dashboard and metrics in the synthesized template: every alarm's
 * metric (or metric math), threshold, periods, missing-data treatment and actions, each default overridden by
 * its prop, and the validation of those props. test/metric-math.test.ts evaluates the expressions.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';
import { ALARM_DEFAULTS } from '../lib/private/monitoring';
import { verifierConfigOf } from './support/verifier-config';

interface Fixture {
  readonly stack: Stack;
  readonly receiver: WebhookReceiver;
  readonly template: Template;
}

/** A receiver for Stripe and GitHub, its processor's timeout 30 s (visibility timeout 180 s). */
function receiver(props: Partial<WebhookReceiverProps> = {}, processorTimeout = Duration.seconds(30)): Fixture {
  const stack = new Stack(new App(), 'Test');
  const processor = new lambda.Function(stack, 'Processor', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    timeout: processorTimeout,
  });
  const secret = new secretsmanager.Secret(stack, 'Secret');
  const created = new WebhookReceiver(stack, 'Receiver', {
    providers: [WebhookProvider.stripe({ secret }), WebhookProvider.github({ secret })],
    processor,
    ...props,
  });
  // Synthesized when first read, so a test can still add providers before.
  let template: Template | undefined;
  return {
    stack,
    receiver: created,
    get template() {
      return (template ??= Template.fromStack(stack));
    },
  };
}

const ref = (stack: Stack, construct: { node: { defaultChild?: unknown } } | unknown) =>
  stack.getLogicalId((construct as { node: { defaultChild: never } }).node.defaultChild);

/** The one alarm whose logical id starts with `ReceiverMonitoring<name>`. */
function alarmProps(template: Template, name: string): Record<string, any> {
  const found = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith(`ReceiverMonitoring${name}`));
  expect(found.map(([id]) => id)).toHaveLength(1);
  return found[0][1].Properties;
}

const emf = (metricName: string, provider?: string, period = 300) => ({
  MetricStat: {
    Metric: {
      Namespace: 'WebhookReceiver',
      MetricName: metricName,
      Dimensions: provider ? [{ Name: 'Provider', Value: provider }, { Name: 'Receiver', Value: 'Test/Receiver' }] : [{ Name: 'Receiver', Value: 'Test/Receiver' }],
    },
    Period: period,
    Stat: 'Sum',
  },
  ReturnData: false,
});

describe('default alarms', () => {
  const f = receiver();
  const stack = f.stack;
  const verifier = { Name: 'FunctionName', Value: { Ref: ref(stack, f.receiver.verifier) } };
  const apiName = Template.fromStack(stack).findResources('AWS::ApiGateway::RestApi');
  const [restApi] = Object.values(apiName);
  const apiDimensions = [
    { Name: 'ApiName', Value: restApi.Properties.Name },
    { Name: 'Stage', Value: { Ref: ref(stack, f.receiver.api!.deploymentStage) } },
  ];
  const rate = { ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: 'notBreaching' };

  test.each(['stripe', 'github'])('signature failures of %s: well-formed signatures matching no key / received, per provider', (provider) => {
    expect(alarmProps(f.template, `SignatureFailures${provider.charAt(0).toUpperCase()}${provider.slice(1)}`)).toEqual(
      expect.objectContaining({
        ...rate,
        Threshold: 10,
        Metrics: [
          { Id: 'expr_1', Expression: 'IF(FILL(received, 0) >= 20, 100 * (FILL(mismatched, 0)) / (FILL(received, 0)), 0)', Label: expect.any(String), ReturnData: true },
          { Id: 'received', ...emf('Received', provider) },
          // Not RejectedSignature: requests with no or a malformed signature (scanners) page no one.
          { Id: 'mismatched', ...emf('RejectedSignatureMismatch', provider) },
        ],
      }),
    );
  });

  test('5xx rate at API Gateway: 5XXError / Count of the stage', () => {
    const metric = (name: string) => ({ MetricStat: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: name, Dimensions: apiDimensions }, Period: 300, Stat: 'Sum' }, ReturnData: false });
    expect(alarmProps(f.template, 'ServerErrors')).toEqual(
      expect.objectContaining({
        ...rate,
        Threshold: 5,
        Metrics: [
          { Id: 'expr_1', Expression: 'IF(FILL(requests, 0) >= 20, 100 * (FILL(errors, 0)) / (FILL(requests, 0)), 0)', Label: expect.any(String), ReturnData: true },
          { Id: 'requests', ...metric('Count') },
          { Id: 'errors', ...metric('5XXError') },
        ],
      }),
    );
  });

  test.each([
    ['verifier', 'VerifierErrors'],
    ['processor', 'ProcessorErrors'],
  ] as const)('%s Lambda errors and throttles: Errors + Throttles of the function, a count', (fn, name) => {
    const target = fn === 'verifier' ? verifier : { Name: 'FunctionName', Value: { Ref: ref(stack, f.receiver.processor) } };
    const metric = (metricName: string) => ({ MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: [target] }, Period: 300, Stat: 'Sum' }, ReturnData: false });
    expect(alarmProps(f.template, name)).toEqual(
      expect.objectContaining({
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
        Threshold: 1,
        Metrics: [
          { Id: 'expr_1', Expression: 'FILL(errors, 0) + FILL(throttles, 0)', Label: name, ReturnData: true },
          { Id: 'errors', ...metric('Errors') },
          { Id: 'throttles', ...metric('Throttles') },
        ],
      }),
    );
  });

  test('processor failures: failed / all events the runtime handled', () => {
    expect(alarmProps(f.template, 'ProcessorFailures')).toEqual(
      expect.objectContaining({
        ...rate,
        Threshold: 10,
        Metrics: [
          {
            Id: 'expr_1',
            Expression: 'IF(FILL(processed, 0) + FILL(failed, 0) + FILL(skipped, 0) >= 20, 100 * (FILL(failed, 0)) / (FILL(processed, 0) + FILL(failed, 0) + FILL(skipped, 0)), 0)',
            Label: expect.any(String),
            ReturnData: true,
          },
          { Id: 'processed', ...emf('Processed') },
          { Id: 'failed', ...emf('ProcessingFailed') },
          { Id: 'skipped', ...emf('SkippedAsDone') },
        ],
      }),
    );
  });

  test('dead-letter queue not empty: at least one visible message, each minute', () => {
    expect(alarmProps(f.template, 'DeadLetterQueueNotEmpty')).toEqual(
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ref(stack, f.receiver.deadLetterQueue), 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
      }),
    );
  });

  test('age of the oldest queued message: 20 minutes when a failing event may wait 5 x 180 s before the DLQ', () => {
    expect(alarmProps(f.template, 'QueueAge')).toEqual(
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ref(stack, f.receiver.queue), 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 5 * 180 + 300,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
      }),
    );
  });

  test('previous secret in use: verified with AWSPREVIOUS on each of three days (a day without one, which writes no point, is 0)', () => {
    expect(alarmProps(f.template, 'PreviousSecretInUse')).toEqual(
      expect.objectContaining({
        Metrics: [
          { Id: 'expr_1', Expression: 'FILL(matched, 0)', Label: 'PreviousSecretInUse', ReturnData: true },
          { Id: 'matched', ...emf('MatchedPreviousSecret', undefined, 86400) },
        ],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'notBreaching',
      }),
    );
  });

  test('the composite "receiver unhealthy" covers every alarm but the previous-secret one', () => {
    const alarms = f.template.findResources('AWS::CloudWatch::Alarm');
    const [composite] = Object.values(f.template.findResources('AWS::CloudWatch::CompositeAlarm'));
    const rule = JSON.stringify(composite.Properties.AlarmRule);
    const covered = Object.keys(alarms).filter((id) => rule.includes(`"${id}"`));
    expect(covered.map((id) => id.replace(/^ReceiverMonitoring|[0-9A-F]{8}$/g, '')).sort()).toEqual(
      ['DeadLetterQueueNotEmpty', 'ProcessorErrors', 'ProcessorFailures', 'QueueAge', 'ServerErrors', 'SignatureFailuresGithub', 'SignatureFailuresStripe', 'VerifierErrors'].sort(),
    );
    expect(composite.Properties.AlarmRule['Fn::Join'][1][0]).toBe('(ALARM("');
  });

  test('every alarm points to its runbook section and names the receiver', () => {
    const anchors = Object.values(f.template.findResources('AWS::CloudWatch::Alarm')).map((a) => /runbook\.md#([a-z-]+)$/.exec(a.Properties.AlarmDescription)?.[1]);
    const runbook = readFileSync(path.join(__dirname, '..', 'docs', 'runbook.md'), 'utf8');
    for (const anchor of [...anchors, 'receiver-unhealthy']) {
      expect(anchor).toBeDefined();
      const heading = runbook.split('\n').find((line) => /^##+ /.test(line) && slug(line) === anchor);
      expect(heading).toBeDefined();
    }
    for (const alarm of Object.values(f.template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmDescription).toMatch(/^Test\/Receiver: /);
    }
  });

  test('without alarmActions no alarm has an action', () => {
    for (const alarm of Object.values(f.template.findResources('AWS::CloudWatch::Alarm'))) expect(alarm.Properties.AlarmActions).toBeUndefined();
    for (const alarm of Object.values(f.template.findResources('AWS::CloudWatch::CompositeAlarm'))) expect(alarm.Properties.AlarmActions).toBeUndefined();
  });

  test('receiver.alarms holds the alarms of the template', () => {
    const alarms = f.receiver.alarms;
    expect(Object.keys(alarms.signatureFailures).sort()).toEqual(['github', 'stripe']);
    for (const alarm of [alarms.serverErrors, alarms.verifierErrors, alarms.processorErrors, alarms.processorFailures, alarms.deadLetterQueue, alarms.queueAge, alarms.previousSecretInUse, alarms.signatureFailures.stripe]) {
      expect(alarm).toBeInstanceOf(cloudwatch.Alarm);
      expect(f.template.findResources('AWS::CloudWatch::Alarm')[ref(stack, alarm)]).toBeDefined();
    }
    expect(alarms.unhealthy).toBeInstanceOf(cloudwatch.CompositeAlarm);
  });
});

/** GitHub's anchor for a markdown heading. */
function slug(heading: string): string {
  return heading
    .replace(/^#+\s*/, '')
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

describe('props override each default', () => {
  const tuned = {
    period: Duration.minutes(10),
    evaluationPeriods: 6,
    datapointsToAlarm: 4,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  };
  const expectedTuning = { EvaluationPeriods: 6, DatapointsToAlarm: 4, TreatMissingData: 'breaching' };

  test.each([
    ['signatureFailures', 'SignatureFailuresStripe', 'received'],
    ['serverErrors', 'ServerErrors', 'requests'],
    ['processorFailures', 'ProcessorFailures', 'processed'],
  ])('%s: thresholdPercent, minimumRequests, period, evaluation periods, datapoints, missing data', (option, name, totalId) => {
    const f = receiver({ alarms: { [option]: { ...tuned, thresholdPercent: 25.5, minimumRequests: 50 } } });
    const props = alarmProps(f.template, name);
    expect(props).toEqual(expect.objectContaining({ ...expectedTuning, Threshold: 25.5 }));
    expect(props.Metrics[0].Expression).toMatch(new RegExp(`^IF\\(FILL\\(${totalId}, 0\\).* >= 50, `));
    for (const query of props.Metrics.slice(1)) expect(query.MetricStat.Period).toBe(600);
  });

  test('deadLetterQueue: threshold, period, evaluation periods, datapoints, missing data', () => {
    const f = receiver({ alarms: { deadLetterQueue: { ...tuned, threshold: 7 } } });
    expect(alarmProps(f.template, 'DeadLetterQueueNotEmpty')).toEqual(expect.objectContaining({ ...expectedTuning, Threshold: 7, Period: 600 }));
  });

  test.each([
    ['previousSecretInUse', 'PreviousSecretInUse'],
    ['verifierErrors', 'VerifierErrors'],
    ['processorErrors', 'ProcessorErrors'],
  ])('%s: threshold, period, evaluation periods, datapoints, missing data', (option, name) => {
    const f = receiver({ alarms: { [option]: { ...tuned, threshold: 7 } } });
    const props = alarmProps(f.template, name);
    expect(props).toEqual(expect.objectContaining({ ...expectedTuning, Threshold: 7 }));
    for (const query of props.Metrics.slice(1)) expect(query.MetricStat.Period).toBe(600);
  });

  test('queueAge: maxAge, period, evaluation periods, datapoints, missing data', () => {
    const f = receiver({ alarms: { queueAge: { ...tuned, maxAge: Duration.hours(2) } } });
    expect(alarmProps(f.template, 'QueueAge')).toEqual(expect.objectContaining({ ...expectedTuning, Threshold: 7200, Period: 600 }));
  });

  test('a smaller evaluationPeriods alone brings the default datapointsToAlarm down with it', () => {
    const f = receiver({ alarms: { serverErrors: { evaluationPeriods: 1 } } });
    expect(alarmProps(f.template, 'ServerErrors')).toEqual(expect.objectContaining({ EvaluationPeriods: 1, DatapointsToAlarm: 1 }));
  });

  test('the default queue age is never under 15 minutes nor over the queue retention', () => {
    // 3 s processor: a failing event leaves for the DLQ after 5 x 18 s.
    expect(alarmProps(receiver({}, Duration.seconds(3)).template, 'QueueAge').Threshold).toBe(900);
    // 15 min processor, 100 receives: 100 x 5400 s is more than the 4 days a message lives.
    expect(alarmProps(receiver({ maxReceiveCount: 100 }, Duration.minutes(15)).template, 'QueueAge').Threshold).toBe(4 * 86400);
  });

  test.each([
    ['signatureFailures', /^ReceiverMonitoringSignatureFailures/],
    ['serverErrors', /^ReceiverMonitoringServerErrors/],
    ['verifierErrors', /^ReceiverMonitoringVerifierErrors/],
    ['processorErrors', /^ReceiverMonitoringProcessorErrors/],
    ['processorFailures', /^ReceiverMonitoringProcessorFailures/],
    ['deadLetterQueue', /^ReceiverMonitoringDeadLetterQueueNotEmpty/],
    ['queueAge', /^ReceiverMonitoringQueueAge/],
    ['previousSecretInUse', /^ReceiverMonitoringPreviousSecretInUse/],
  ])('%s: enabled false creates no alarm and leaves it out of the composite', (option, id) => {
    const f = receiver({ alarms: { [option]: { enabled: false } } });
    const ids = Object.keys(f.template.findResources('AWS::CloudWatch::Alarm'));
    expect(ids.filter((i) => id.test(i))).toEqual([]);
    expect(ids.length).toBe(option === 'signatureFailures' ? 7 : 8);
    const [composite] = Object.values(f.template.findResources('AWS::CloudWatch::CompositeAlarm'));
    expect(JSON.stringify(composite.Properties.AlarmRule)).not.toMatch(new RegExp(`"${id.source.slice(1)}`));
  });

  test('with every covered alarm disabled there is no composite', () => {
    const off = { enabled: false };
    const f = receiver({
      alarms: { signatureFailures: off, serverErrors: off, verifierErrors: off, processorErrors: off, processorFailures: off, deadLetterQueue: off, queueAge: off },
    });
    f.template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    f.template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    expect(f.receiver.alarms.unhealthy).toBeUndefined();
  });
});

describe('alarm actions', () => {
  function withTopic(props: Partial<WebhookReceiverProps> = {}) {
    const stack = new Stack(new App(), 'Test');
    const topic = new sns.Topic(stack, 'OnCall');
    const processor = new lambda.Function(stack, 'Processor', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
    const secret = new secretsmanager.Secret(stack, 'Secret');
    const r = new WebhookReceiver(stack, 'Receiver', {
      provider: WebhookProvider.stripe({ secret }),
      processor,
      alarmActions: [new cloudwatchActions.SnsAction(topic)],
      ...props,
    });
    return { stack, receiver: r, topicRef: { Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) } };
  }

  test('go to the composite and to the alarm it does not cover, so one incident pages once', () => {
    const { stack, topicRef } = withTopic();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmActions: [topicRef] });
    for (const [id, alarm] of Object.entries(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect([id, alarm.Properties.AlarmActions]).toEqual([id, id.startsWith('ReceiverMonitoringPreviousSecretInUse') ? [topicRef] : undefined]);
    }
  });

  test('go to every alarm when the composite is disabled, including providers added later', () => {
    const { stack, receiver: r, topicRef } = withTopic({ alarms: { unhealthy: { enabled: false } } });
    r.addProvider(WebhookProvider.github({ secret: new secretsmanager.Secret(stack, 'GitHubSecret') }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(9);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
  });
});

describe('providers added later', () => {
  test('get their own signature alarm, in the composite and on the dashboard', () => {
    // GIVEN
    const f = receiver();
    const secret = new secretsmanager.Secret(f.stack, 'ShopifySecret');

    // WHEN
    f.receiver.addProvider(WebhookProvider.shopify({ secret }));

    // THEN
    const template = Template.fromStack(f.stack);
    const props = alarmProps(template, 'SignatureFailuresShopify');
    expect(props.Metrics[1].MetricStat.Metric.Dimensions).toContainEqual({ Name: 'Provider', Value: 'shopify' });
    const id = ref(f.stack, f.receiver.alarms.signatureFailures.shopify);
    const [composite] = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'));
    expect(JSON.stringify(composite.Properties.AlarmRule)).toContain(`"${id}"`);
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(JSON.stringify(dashboard.Properties.DashboardBody)).toContain(`"${id}"`);
  });
});

describe('dashboard', () => {
  test('one per receiver, with traffic, rejections by reason, queue depth and age, processor outcomes, latency and alarms', () => {
    const f = receiver();
    f.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [dashboard] = Object.values(f.template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of [
      'Traffic',
      'Requests by provider',
      'Rejections by reason',
      'Errors',
      'Queue depth',
      'Age of oldest queued event (s)',
      'Processor outcomes',
      'API latency (ms)',
      'End-to-end age, received to processed (ms)',
      'Alarms',
    ]) {
      expect(body).toContain(`\\"title\\":\\"${title}\\"`);
    }
    for (const metric of ['RejectedSignatureMismatch', 'RejectedSignatureMissing', 'RejectedExpiredPreviousSecret', 'RejectedStale', 'RejectedMalformed', 'RejectedTooLarge', 'ProcessingFailed', 'EventAge', 'ApproximateAgeOfOldestMessage', 'SkippedAsOlder', 'GroupStopped']) {
      expect(body).toContain(`\\"${metric}\\"`);
    }
    // Reconciliation has its row only where a provider is reconciled (test/reconcile.test.ts)
    expect(body).not.toContain('Reconciliation');
    // the handlers' counters are graphed with missing points filled with 0 (a counter at 0 is not written)
    for (const [id, metric] of [['received', 'Received'], ['rejectedSignatureMismatch', 'RejectedSignatureMismatch'], ['processingFailed', 'ProcessingFailed']]) {
      expect(body).toContain(`\\"expression\\":\\"FILL(${id}, 0)\\"`);
      expect(body).toContain(`\\"${metric}\\",\\"Receiver\\",\\"Test/Receiver\\",{\\"id\\":\\"${id}\\"`);
    }
    expect(body).toContain('FILL(SEARCH(');
    expect(f.receiver.dashboard).toBeInstanceOf(cloudwatch.Dashboard);
    f.template.hasOutput('*', { Value: { Ref: ref(f.stack, f.receiver.dashboard) }, Description: 'CloudWatch dashboard of the webhook receiver Test/Receiver' });
    expect(Annotations.fromStack(f.stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('dashboard false creates none', () => {
    const f = receiver({ dashboard: false });
    f.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(f.receiver.dashboard).toBeUndefined();
    expect(Object.keys(f.template.findOutputs('*'))).not.toContainEqual(expect.stringMatching(/Dashboard/));
  });
});

describe('metrics', () => {
  test('metric methods name the receiver\'s namespace and dimension; a provider narrows them', () => {
    const { stack, receiver: r } = receiver();
    const cases: Array<[cloudwatch.Metric, string]> = [
      [r.metricReceived(), 'Received'],
      [r.metricVerified(), 'Verified'],
      [r.metricRejected(), 'Rejected'],
      [r.metricRejectedSignature(), 'RejectedSignature'],
      [r.metricRejectedSignatureMissing(), 'RejectedSignatureMissing'],
      [r.metricRejectedSignatureMismatch(), 'RejectedSignatureMismatch'],
      [r.metricRejectedExpiredPreviousSecret(), 'RejectedExpiredPreviousSecret'],
      [r.metricRejectedStale(), 'RejectedStale'],
      [r.metricRejectedMalformed(), 'RejectedMalformed'],
      [r.metricRejectedTooLarge(), 'RejectedTooLarge'],
      [r.metricDuplicates(), 'Duplicate'],
      [r.metricEnqueued(), 'Enqueued'],
      [r.metricHandshakes(), 'Handshake'],
      [r.metricIgnored(), 'Ignored'],
      [r.metricInFlight(), 'InFlight'],
      [r.metricInternalErrors(), 'InternalError'],
      [r.metricPreviousSecretMatches(), 'MatchedPreviousSecret'],
      [r.metricProcessed(), 'Processed'],
      [r.metricProcessingFailed(), 'ProcessingFailed'],
      [r.metricSkippedAsDone(), 'SkippedAsDone'],
      [r.metricSkippedAsDuplicate(), 'SkippedAsDuplicate'],
      [r.metricInProgressElsewhere(), 'InProgressElsewhere'],
      [r.metricNotStartedBeforeTimeout(), 'NotStartedBeforeTimeout'],
      [r.metricSkippedAsOlder(), 'SkippedAsOlder'],
      [r.metricGroupStopped(), 'GroupStopped'],
      [r.metricPayloadMismatches(), 'PayloadMismatch'],
    ];
    for (const [metric, name] of cases) {
      expect([name, metric.namespace, metric.metricName, metric.dimensions, metric.statistic, metric.period.toSeconds()]).toEqual([
        name,
        'WebhookReceiver',
        name,
        { Receiver: 'Test/Receiver' },
        'Sum',
        300,
      ]);
    }
    expect(r.metricEventAge().statistic).toBe('Average');
    const stripe = r.metricReceived({ dimensionsMap: { Provider: 'stripe' }, period: Duration.minutes(1), statistic: 'SampleCount' });
    expect([stripe.dimensions, stripe.period.toSeconds(), stripe.statistic]).toEqual([{ Receiver: 'Test/Receiver', Provider: 'stripe' }, 60, 'SampleCount']);
    expect(stack.resolve(r.metricNamespace)).toBe('WebhookReceiver');
  });

  test('the handlers are told where their metrics go: the verifier in its configuration, the processor in its environment', () => {
    const { stack, receiver: r, template } = receiver({ metricNamespace: 'Payments/Webhooks' });
    expect(verifierConfigOf(r).metrics).toEqual({ namespace: 'Payments/Webhooks', receiver: 'Test/Receiver' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: { Variables: { WEBHOOK_METRICS_NAMESPACE: 'Payments/Webhooks', WEBHOOK_METRICS_RECEIVER: 'Test/Receiver' } },
    });
    expect(alarmProps(template, 'PreviousSecretInUse').Metrics[1].MetricStat.Metric.Namespace).toBe('Payments/Webhooks');
  });

  test('the default namespace is left out of the verifier\'s configuration', () => {
    const { stack, receiver: r } = receiver();
    expect(verifierConfigOf(r).metrics).toEqual({ receiver: 'Test/Receiver' });
  });

  test('an imported processor is told which metric variables to set', () => {
    const stack = new Stack(new App(), 'Test');
    const processor = lambda.Function.fromFunctionAttributes(stack, 'Imported', {
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:proc',
      role: new iam.Role(stack, 'ProcessorRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }),
      sameEnvironment: true,
    });
    new WebhookReceiver(stack, 'Receiver', {
      provider: WebhookProvider.stripe({ secret: new secretsmanager.Secret(stack, 'Secret') }),
      processor,
      processorTimeout: Duration.seconds(10),
    });
    Annotations.fromStack(stack).hasWarning(
      '/Test/Receiver',
      Match.stringLikeRegexp('set its WEBHOOK_INBOX_TABLE environment variable.*WEBHOOK_METRICS_NAMESPACE=WebhookReceiver and WEBHOOK_METRICS_RECEIVER=Test/Receiver'),
    );
  });

  test('each receiver\'s API has its own name, so API Gateway metrics of two receivers never mix', () => {
    const stack = new Stack(new App(), 'Test');
    const processor = new lambda.Function(stack, 'Processor', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
    const secret = new secretsmanager.Secret(stack, 'Secret');
    new WebhookReceiver(stack, 'Payments', { provider: WebhookProvider.stripe({ secret }), processor });
    new WebhookReceiver(stack, 'Builds', { provider: WebhookProvider.github({ secret }), processor, dashboard: false });
    const names = Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::RestApi')).map((api) => api.Properties.Name);
    expect(names).toEqual([expect.stringMatching(/^Test-Payments-[0-9A-F]{8}$/), expect.stringMatching(/^Test-Builds-[0-9A-F]{8}$/)]);
  });
});

describe('validation', () => {
  test.each([
    ['a rate threshold is 0', { serverErrors: { thresholdPercent: 0 } }, /alarms.serverErrors.thresholdPercent must be above 0 and at most 100, got 0\./],
    ['a rate threshold is above 100', { signatureFailures: { thresholdPercent: 120 } }, /alarms.signatureFailures.thresholdPercent must be above 0 and at most 100, got 120\./],
    ['minimumRequests is 0', { processorFailures: { minimumRequests: 0 } }, /alarms.processorFailures.minimumRequests must be a whole number from 1 to 1000000000, got 0\./],
    ['minimumRequests is not whole', { serverErrors: { minimumRequests: 2.5 } }, /alarms.serverErrors.minimumRequests must be a whole number from 1 to 1000000000, got 2.5\./],
    ['a Lambda error threshold is not whole', { processorErrors: { threshold: 0.5 } }, /alarms.processorErrors.threshold must be a whole number from 1 to 1000000000, got 0.5\./],
    ['a period is not whole minutes', { serverErrors: { period: Duration.seconds(90) } }, /alarms.serverErrors.period must be whole minutes from 1 minute to 1 day, got 90 seconds\./],
    ['a period is longer than a day', { previousSecretInUse: { period: Duration.days(2) } }, /alarms.previousSecretInUse.period must be whole minutes from 1 minute to 1 day, got 172800 seconds\./],
    ['evaluationPeriods is 0', { queueAge: { evaluationPeriods: 0 } }, /alarms.queueAge.evaluationPeriods must be a whole number from 1 to 10080, got 0\./],
    ['datapointsToAlarm is above evaluationPeriods', { serverErrors: { evaluationPeriods: 3, datapointsToAlarm: 4 } }, /alarms.serverErrors.datapointsToAlarm must be a whole number from 1 to 3, got 4\./],
    ['short periods span more than a day', { deadLetterQueue: { period: Duration.minutes(5), evaluationPeriods: 300 } }, /alarms.deadLetterQueue: period x evaluationPeriods must be at most 1 day\(s\) for periods under an hour, got 300 s x 300\./],
    ['long periods span more than seven days', { previousSecretInUse: { evaluationPeriods: 8, datapointsToAlarm: 8 } }, /alarms.previousSecretInUse: period x evaluationPeriods must be at most 7 day\(s\) for periods of an hour or more, got 86400 s x 8\./],
    ['a count threshold is 0', { deadLetterQueue: { threshold: 0 } }, /alarms.deadLetterQueue.threshold must be a whole number from 1 to 1000000000, got 0\./],
    ['maxAge is under a minute', { queueAge: { maxAge: Duration.seconds(30) } }, /alarms.queueAge.maxAge must be from 1 minute to 4 days \(the queue's retention\), got 30 seconds\./],
    ['maxAge is beyond the queue retention', { queueAge: { maxAge: Duration.days(5) } }, /alarms.queueAge.maxAge must be from 1 minute to 4 days \(the queue's retention\), got 432000 seconds\./],
  ])('fails if %s', (_name, alarms, message) => {
    expect(() => receiver({ alarms: alarms as WebhookReceiverProps['alarms'] })).toThrow(message);
  });

  test('fails if the metric namespace is reserved for AWS', () => {
    expect(() => receiver({ metricNamespace: 'AWS/Webhooks' })).toThrow(/metricNamespace must be 1 to 255 letters.*not start with "AWS\/", got "AWS\/Webhooks"\./);
  });

  test('fails if the metric namespace has characters CloudWatch refuses', () => {
    expect(() => receiver({ metricNamespace: 'Webhooks$' })).toThrow(/metricNamespace must be 1 to 255 letters, digits or \. - _ \/ # : and spaces/);
  });
});

describe('documented defaults', () => {
  const assembly = JSON.parse(readFileSync(path.join(__dirname, '..', '.jsii'), 'utf8'));
  const docs = (type: string, prop: string): string =>
    assembly.types[`cdk-webhook-receiver.${type}`].properties.find((p: { name: string }) => p.name === prop).docs.default.replace(/\s+/g, ' ');
  const period = (d: Duration) =>
    d.toMinutes() % 1440 === 0 ? `${d.toMinutes() / 1440}-day` : d.toMinutes() % 60 === 0 ? `${d.toMinutes() / 60}-hour` : `${d.toMinutes()}-minute`;
  const evaluation = (d: { period: Duration; evaluationPeriods: number; datapointsToAlarm: number }) =>
    `${period(d.period)} periods, ${d.datapointsToAlarm} of ${d.evaluationPeriods} breaching, missing data not breaching`;

  test.each([
    ['signatureFailures', 'requests'],
    ['serverErrors', 'requests'],
    ['processorFailures', 'events'],
  ] as const)('ReceiverAlarmOptions.%s says what ALARM_DEFAULTS does', (name, unit) => {
    const d = ALARM_DEFAULTS[name];
    expect(docs('ReceiverAlarmOptions', name)).toBe(`- ${d.thresholdPercent} % of at least ${d.minimumRequests} ${unit}, ${evaluation(d)}`);
  });

  test.each(['verifierErrors', 'processorErrors'] as const)('ReceiverAlarmOptions.%s says what ALARM_DEFAULTS does', (name) => {
    const d = ALARM_DEFAULTS[name];
    expect(docs('ReceiverAlarmOptions', name)).toBe(`- at least ${d.threshold} error or throttle, ${evaluation(d)}`);
  });

  test('deadLetterQueue and previousSecretInUse say what ALARM_DEFAULTS does', () => {
    const dlq = ALARM_DEFAULTS.deadLetterQueue;
    expect(docs('ReceiverAlarmOptions', 'deadLetterQueue')).toBe(`- at least ${dlq.threshold} message, ${evaluation(dlq)}`);
    const previous = ALARM_DEFAULTS.previousSecretInUse;
    expect(docs('ReceiverAlarmOptions', 'previousSecretInUse')).toBe(`- at least ${previous.threshold} delivery a day, ${evaluation(previous)}`);
  });

  test('reconcileMissed and reconcileRunFailed say what ALARM_DEFAULTS does', () => {
    const missed = ALARM_DEFAULTS.reconcileMissed;
    expect(docs('ReceiverAlarmOptions', 'reconcileMissed')).toBe(`- at least ${missed.threshold} event, ${evaluation(missed)}`);
    const failed = ALARM_DEFAULTS.reconcileRunFailed;
    expect(docs('ReceiverAlarmOptions', 'reconcileRunFailed')).toBe(`- at least ${failed.threshold} failed run, ${evaluation(failed)}`);
  });

  test('queueAge says what ALARM_DEFAULTS does', () => {
    const d = ALARM_DEFAULTS.queueAge;
    expect(docs('ReceiverAlarmOptions', 'queueAge')).toBe(
      `- ${d.maxAge.toMinutes()} minutes, or the time a failing event can spend in the queue before it reaches the dead-letter queue ` +
        `(maxReceiveCount x the visibility timeout) plus ${d.retryAllowance.toMinutes()} minutes when that is longer; ${evaluation(d)}`,
    );
  });

  test('the missing-data default is the one every alarm gets', () => {
    expect(docs('AlarmOptions', 'treatMissingData')).toBe('cloudwatch.TreatMissingData.NOT_BREACHING');
    const f = receiver();
    for (const alarm of Object.values(f.template.findResources('AWS::CloudWatch::Alarm'))) expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
  });
});
