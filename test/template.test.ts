/**
 * The synthesized template of a WebhookReceiver: every resource, wiring and IAM statement, the derived
 * visibility timeout, and validation errors for bad props.
 */
import { App, Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { RequestValue, WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';

interface Fixture {
  readonly stack: Stack;
  readonly processor: lambda.Function;
  readonly stripeSecret: secretsmanager.Secret;
  readonly githubSecret: secretsmanager.Secret;
  readonly otherSecret: secretsmanager.Secret;
}

function fixture(processorTimeout = Duration.seconds(30)): Fixture {
  const stack = new Stack(new App(), 'Test');
  return {
    stack,
    processor: new lambda.Function(stack, 'Processor', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] })'),
      timeout: processorTimeout,
    }),
    stripeSecret: new secretsmanager.Secret(stack, 'StripeSecret'),
    githubSecret: new secretsmanager.Secret(stack, 'GitHubSecret'),
    otherSecret: new secretsmanager.Secret(stack, 'UnrelatedSecret'),
  };
}

function receiver(f: Fixture, props: Partial<WebhookReceiverProps> = {}): WebhookReceiver {
  return new WebhookReceiver(f.stack, 'Receiver', {
    providers: [WebhookProvider.stripe({ secret: f.stripeSecret }), WebhookProvider.github({ secret: f.githubSecret })],
    processor: f.processor,
    ...props,
  });
}

function ref(stack: Stack, construct: { node: { defaultChild?: unknown } } | undefined): string {
  return stack.getLogicalId(construct!.node.defaultChild as never);
}

function policyStatementsOf(template: Template, roleLogicalIdPrefix: string): any[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p: any) => p.Properties.Roles.some((r: any) => String(r.Ref).startsWith(roleLogicalIdPrefix)))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    // Action order carries no meaning.
    .map((statement: any) => (Array.isArray(statement.Action) ? { ...statement, Action: [...statement.Action].sort() } : statement));
}

describe('resources and secure defaults', () => {
  test('an inbox table: on demand, point-in-time recovery, TTL, retained', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    receiver(f);

    // THEN
    const template = Template.fromStack(f.stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('tableRemovalPolicy overrides the retention', () => {
    const f = fixture();
    receiver(f, { tableRemovalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(f.stack).hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  test('a queue and a dead-letter queue: encrypted, 1 MiB messages, redrive after 5 receives, TLS only', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    const r = receiver(f);

    // THEN
    const template = Template.fromStack(f.stack);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MaximumMessageSize: 1048576,
      MessageRetentionPeriod: 345600,
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [ref(f.stack, r.deadLetterQueue), 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MaximumMessageSize: 1048576,
      MessageRetentionPeriod: 1209600,
      RedrivePolicy: Match.absent(),
    });
    for (const queue of [r.queue, r.deadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: ref(f.stack, queue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  test('maxReceiveCount sets the redrive policy', () => {
    const f = fixture();
    receiver(f, { maxReceiveCount: 3 });
    Template.fromStack(f.stack).hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }) });
  });

  test('the verifier: Node.js 24 on arm64, 10 s, 256 MB, its own log group kept a month', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    const r = receiver(f);

    // THEN
    const template = Template.fromStack(f.stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 10,
      MemorySize: 256,
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ReceiverVerifierLogs') } },
      Environment: { Variables: { WEBHOOK_RECEIVER_CONFIG: Match.anyValue() } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    expect(r.verifier.runtime.name).toBe('nodejs24.x');
  });

  test('a regional REST API that hands the verifier every body as bytes, one POST per provider and nothing else', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    const r = receiver(f);

    // THEN
    const template = Template.fromStack(f.stack);
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
      BinaryMediaTypes: ['*/*'],
    });
    template.resourceCountIs('AWS::ApiGateway::Resource', 2);
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'stripe' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'github' });
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    expect(methods).toHaveLength(2);
    for (const method of methods) {
      expect(method.Properties).toMatchObject({
        HttpMethod: 'POST',
        AuthorizationType: 'NONE',
        Integration: {
          Type: 'AWS_PROXY',
          IntegrationHttpMethod: 'POST',
          Uri: { 'Fn::Join': ['', expect.arrayContaining([{ 'Fn::GetAtt': [ref(f.stack, r.verifier), 'Arn'] }])] },
        },
      });
    }
  });

  test('the stage: throttled, metrics on, error logs without bodies, JSON access logs', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    receiver(f);

    // THEN
    Template.fromStack(f.stack).hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'webhooks',
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
          MetricsEnabled: true,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        },
      ],
      AccessLogSetting: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReceiverAccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('"status":"\\$context.status"'),
      },
    });
  });

  test('throttling, stage name and verifier settings follow the props', () => {
    const f = fixture();
    receiver(f, { throttlingRateLimit: 5, throttlingBurstLimit: 10, stageName: 'live', verifierTimeout: Duration.seconds(20), verifierMemorySize: 512 });
    const template = Template.fromStack(f.stack);
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'live',
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Timeout: 20, MemorySize: 512 });
  });

  test('the account role for API Gateway logs is created by default and can be left out', () => {
    const withRole = fixture();
    receiver(withRole);
    Template.fromStack(withRole.stack).resourceCountIs('AWS::ApiGateway::Account', 1);
    const withoutRole = fixture();
    receiver(withoutRole, { apiGatewayCloudWatchRole: false });
    Template.fromStack(withoutRole.stack).resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  test('each provider has an output with its URL', () => {
    const f = fixture();
    const r = receiver(f);
    const outputs = Template.fromStack(f.stack).findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual([
      expect.stringMatching(/^ReceiverApiEndpoint/), // the API's own, the stage's root URL
      expect.stringMatching(/^ReceiverGithubEndpoint/),
      expect.stringMatching(/^ReceiverStripeEndpoint/),
    ]);
    expect(r.urlFor('stripe')).toMatch(/\/stripe$/);
    expect(() => r.urlFor('shopify')).toThrow(/No provider "shopify" in this receiver; it has: stripe, github/);
  });
});

describe('wiring', () => {
  test('the queue feeds the processor with ReportBatchItemFailures; the processor knows the table', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    const r = receiver(f);

    // THEN
    const template = Template.fromStack(f.stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: ref(f.stack, f.processor) },
      EventSourceArn: { 'Fn::GetAtt': [ref(f.stack, r.queue), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: Match.absent(),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { WEBHOOK_INBOX_TABLE: { Ref: ref(f.stack, r.table) } } },
    });
  });

  test('batch size, batching window and maximum concurrency follow the props', () => {
    const f = fixture();
    receiver(f, { batchSize: 50, maxBatchingWindow: Duration.seconds(20), maxConcurrency: 5 });
    Template.fromStack(f.stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 20,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  test('the visibility timeout is 6x the processor timeout, plus the batching window', () => {
    const f = fixture(Duration.seconds(30));
    receiver(f, { maxBatchingWindow: Duration.seconds(20) });
    Template.fromStack(f.stack).hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 200 });
  });

  test('a processor with no timeout counts as the Lambda default of 3 s', () => {
    const stack = new Stack(new App(), 'Test');
    const processor = new lambda.Function(stack, 'Processor', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('x') });
    new WebhookReceiver(stack, 'Receiver', { provider: WebhookProvider.github({ secret: new secretsmanager.Secret(stack, 'S') }), processor });
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 18 });
  });

  test('an imported processor needs processorTimeout, and is told to set WEBHOOK_INBOX_TABLE itself', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Test');
    const role = new iam.Role(stack, 'ProcessorRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const processor = lambda.Function.fromFunctionAttributes(stack, 'Imported', {
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:processor',
      role,
      sameEnvironment: true,
    });
    const provider = WebhookProvider.github({ secret: new secretsmanager.Secret(stack, 'S') });

    // WHEN / THEN
    expect(() => new WebhookReceiver(stack, 'NoTimeout', { provider, processor })).toThrow(/processorTimeout is required when the processor is an imported function/);
    new WebhookReceiver(stack, 'Receiver', { provider, processor, processorTimeout: Duration.minutes(1) });
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 360 });
    Annotations.fromStack(stack).hasWarning('/Test/Receiver', Match.stringLikeRegexp('set its WEBHOOK_INBOX_TABLE environment variable'));
  });

  test('providers share one verifier, table and queue; adding one adds a route, a permission and a grant', () => {
    // GIVEN a receiver with one provider, and the same receiver to which a second is added
    const one = fixture();
    new WebhookReceiver(one.stack, 'Receiver', { provider: WebhookProvider.stripe({ secret: one.stripeSecret }), processor: one.processor });
    const two = fixture();
    const r = new WebhookReceiver(two.stack, 'Receiver', { provider: WebhookProvider.stripe({ secret: two.stripeSecret }), processor: two.processor });

    // WHEN
    r.addProvider(WebhookProvider.github({ secret: two.githubSecret }));

    // THEN
    const count = (f: Fixture) => {
      const counts: Record<string, number> = {};
      for (const resource of Object.values(Template.fromStack(f.stack).toJSON().Resources as Record<string, { Type: string }>)) {
        counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
      }
      return counts;
    };
    const [before, after] = [count(one), count(two)];
    const grown = Object.fromEntries(Object.keys(after).filter((t) => after[t] !== before[t]).map((t) => [t, after[t] - (before[t] ?? 0)]));
    expect(grown).toEqual({ 'AWS::ApiGateway::Resource': 1, 'AWS::ApiGateway::Method': 1, 'AWS::Lambda::Permission': 1 });
    expect(after['AWS::Lambda::Function']).toBe(2);
    expect(after['AWS::DynamoDB::Table']).toBe(1);
    expect(after['AWS::SQS::Queue']).toBe(2);
    const statements = policyStatementsOf(Template.fromStack(two.stack), 'ReceiverVerifierServiceRole');
    expect(JSON.stringify(statements)).toContain(ref(two.stack, two.githubSecret));
  });
});

describe('IAM', () => {
  test('the verifier may write the table, send to the queue and read exactly its providers\' secrets, nothing else', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    const r = receiver(f);

    // THEN every statement, in full
    const statements = policyStatementsOf(Template.fromStack(f.stack), 'ReceiverVerifierServiceRole');
    const secretStatement = (secret: secretsmanager.Secret) => ({
      Effect: 'Allow',
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Resource: { Ref: ref(f.stack, secret) },
      Condition: { 'ForAnyValue:StringEquals': { 'secretsmanager:VersionStage': ['AWSCURRENT', 'AWSPREVIOUS'] } },
    });
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: [{ 'Fn::GetAtt': [ref(f.stack, r.table), 'Arn'] }],
      },
      {
        Effect: 'Allow',
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Resource: { 'Fn::GetAtt': [ref(f.stack, r.queue), 'Arn'] },
      },
      secretStatement(f.stripeSecret),
      secretStatement(f.githubSecret),
    ]);
    expect(JSON.stringify(statements)).not.toContain(ref(f.stack, f.otherSecret));
  });

  test('the processor may read and update inbox records and consume the queue', () => {
    const f = fixture();
    const r = receiver(f);
    const statements = policyStatementsOf(Template.fromStack(f.stack), 'ProcessorServiceRole');
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
          Resource: { 'Fn::GetAtt': [ref(f.stack, r.queue), 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          Resource: [{ 'Fn::GetAtt': [ref(f.stack, r.table), 'Arn'] }],
        },
      ]),
    );
    expect(statements).toHaveLength(2);
  });

  test('no role of the receiver has a wildcard action or resource', () => {
    const f = fixture();
    receiver(f);
    const policies = Template.fromStack(f.stack).findResources('AWS::IAM::Policy');
    for (const statement of Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement)) {
      for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
      expect([statement.Resource].flat()).not.toContain('*');
    }
  });

  test('a secret imported by name is read by name, and granted with its random suffix', () => {
    // GIVEN
    const f = fixture();
    const imported = secretsmanager.Secret.fromSecretNameV2(f.stack, 'Imported', 'webhooks/acme');

    // WHEN
    const r = new WebhookReceiver(f.stack, 'Receiver', { provider: WebhookProvider.github({ secret: imported }), processor: f.processor });

    // THEN
    const statements = policyStatementsOf(Template.fromStack(f.stack), 'ReceiverVerifierServiceRole');
    expect(JSON.stringify(statements)).toContain(':secret:webhooks/acme-??????');
    const env = JSON.stringify(f.stack.resolve((r.verifier.node.defaultChild as lambda.CfnFunction).environment));
    expect(env).toContain('\\"secretId\\":\\"webhooks/acme\\"');
  });
});

describe('validation', () => {
  const cases: Array<[string, Partial<WebhookReceiverProps>, RegExp]> = [
    ['batchSize is out of range', { batchSize: 0 }, /batchSize must be a whole number from 1 to 10000, got 0/],
    ['batchSize is above 10 without a batching window', { batchSize: 11 }, /batchSize 11 is above 10, which SQS allows only with a maxBatchingWindow/],
    ['maxConcurrency is 1', { maxConcurrency: 1 }, /maxConcurrency must be a whole number from 2 to 1000, got 1/],
    ['maxReceiveCount is 0', { maxReceiveCount: 0 }, /maxReceiveCount must be a whole number from 1 to 1000, got 0/],
    ['maxBodySize is above what a queue message holds', { maxBodySize: Size.mebibytes(1) }, /maxBodySize \(bytes\) must be a whole number from 1 to 780288, got 1048576/],
    ['verifierTimeout is longer than API Gateway waits', { verifierTimeout: Duration.seconds(60) }, /verifierTimeout \(seconds\) must be a whole number from 3 to 29, got 60/],
    ['throttlingRateLimit is 0', { throttlingRateLimit: 0 }, /throttlingRateLimit must be a whole number from 1 to 10000, got 0/],
    ['the batching window is over 5 minutes', { maxBatchingWindow: Duration.minutes(6) }, /maxBatchingWindow \(seconds\) must be a whole number from 0 to 300, got 360/],
  ];
  test.each(cases)('fails if %s', (_name, props, message) => {
    const f = fixture();
    expect(() => receiver(f, props)).toThrow(message);
  });

  test('fails if there is no provider', () => {
    const f = fixture();
    expect(() => new WebhookReceiver(f.stack, 'Receiver', { processor: f.processor })).toThrow(/needs at least one provider: set provider or providers/);
    expect(() => new WebhookReceiver(f.stack, 'Receiver2', { providers: [], processor: f.processor })).toThrow(/needs at least one provider/);
  });

  test('fails if both provider and providers are set', () => {
    const f = fixture();
    const provider = WebhookProvider.github({ secret: f.githubSecret });
    expect(() => new WebhookReceiver(f.stack, 'Receiver', { provider, providers: [provider], processor: f.processor })).toThrow(/Set provider or providers, not both/);
  });

  test('fails if two providers share an id', () => {
    const f = fixture();
    expect(() =>
      new WebhookReceiver(f.stack, 'Receiver', {
        providers: [WebhookProvider.github({ secret: f.githubSecret }), WebhookProvider.github({ secret: f.otherSecret })],
        processor: f.processor,
      }),
    ).toThrow(/Provider id "github" is used twice in this receiver/);
  });

  test('fails if the visibility timeout would exceed 12 hours', () => {
    const stack = new Stack(new App(), 'Test');
    const processor = lambda.Function.fromFunctionArn(stack, 'P', 'arn:aws:lambda:us-east-1:123456789012:function:p');
    expect(() =>
      new WebhookReceiver(stack, 'Receiver', { provider: WebhookProvider.github({ secret: new secretsmanager.Secret(stack, 'S') }), processor, processorTimeout: Duration.hours(3) }),
    ).toThrow(/visibility timeout would be 64800 s .* SQS allows at most 43200 s/);
  });

  test('fails if a provider id, window or generic scheme is invalid', () => {
    const f = fixture();
    const secret = f.githubSecret;
    expect(() => WebhookProvider.github({ secret, id: 'GitHub!' })).toThrow(/Provider id "GitHub!" must be 1-32 lowercase letters/);
    expect(() => WebhookProvider.github({ secret, dedupWindow: Duration.minutes(30) })).toThrow(/dedupWindow of provider "github" is 1800 s; it must be at least 1 hour/);
    expect(() => WebhookProvider.stripe({ secret, tolerance: Duration.hours(2), dedupWindow: Duration.hours(1) })).toThrow(/must be longer than its tolerance \(7200 s\)/);
    expect(() => RequestValue.header('X Bad')).toThrow(/Header name "X Bad" is not a valid HTTP header name/);
    expect(() => RequestValue.jsonPath('data..id')).toThrow(/JSON path "data..id" must be field names separated by dots/);
  });
});
