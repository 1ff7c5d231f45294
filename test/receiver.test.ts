/**
 * Template assertions for WebhookReceiver: each resource and its secure defaults, the wiring between them,
 * the derived visibility timeout, every IAM statement, several providers, and the validation of props.
 */
import { App, CfnElement, Duration, Fn, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import {
  HmacAlgorithm,
  RequestValue,
  SignatureEncoding,
  SignatureFormat,
  TimestampSource,
  TimestampUnit,
  WebhookProvider,
  WebhookReceiver,
  type WebhookReceiverProps,
} from '../lib';
import { ENTITY_KEY_PREFIX, REPLAY_RUN_KEY_PREFIX, RESERVED_PROVIDER_IDS } from '../contract/config';
import { CURSOR_KEY_PREFIX } from '../contract/reconcile';
import { inStackSecretId, synthesizedVerifier, verifierConfigOf as configOf } from './support/verifier-config';

// ---------------------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------------------

/** A fresh stack with a processor function and three secrets, one of which no provider uses. */
interface Given {
  readonly stack: Stack;
  readonly processor: lambda.Function;
  readonly stripeSecret: secretsmanager.Secret;
  readonly githubSecret: secretsmanager.Secret;
  readonly unrelatedSecret: secretsmanager.Secret;
}

function givenStack(processorTimeout: Duration = Duration.seconds(30)): Given {
  const stack = new Stack(new App(), 'Test');
  return {
    stack,
    processor: new lambda.Function(stack, 'Processor', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
      timeout: processorTimeout,
    }),
    stripeSecret: new secretsmanager.Secret(stack, 'StripeSecret'),
    githubSecret: new secretsmanager.Secret(stack, 'GitHubSecret'),
    unrelatedSecret: new secretsmanager.Secret(stack, 'UnrelatedSecret'),
  };
}

/** A receiver for Stripe and GitHub unless the props name their own provider(s). */
function givenReceiver(given: Given, props: Partial<WebhookReceiverProps> = {}): WebhookReceiver {
  const defaultProviders = props.provider || props.providers ? {} : {
    providers: [WebhookProvider.stripe({ secret: given.stripeSecret }), WebhookProvider.github({ secret: given.githubSecret })],
  };
  return new WebhookReceiver(given.stack, 'Receiver', { processor: given.processor, ...defaultProviders, ...props });
}

/** An imported processor (not a `lambda.Function`), with a role the receiver can add statements to. */
function importedProcessor(stack: Stack): lambda.IFunction {
  return lambda.Function.fromFunctionAttributes(stack, 'ImportedProcessor', {
    functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:processor',
    sameEnvironment: true,
    role: iam.Role.fromRoleArn(stack, 'ImportedProcessorRole', 'arn:aws:iam::123456789012:role/processor-role'),
  });
}

/** The logical id of the CloudFormation resource behind an L2 construct. */
function logicalIdOf(construct: IConstruct): string {
  const child = construct.node.defaultChild;
  if (!(child instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(child);
}

/** `{ Ref }` and `{ Fn::GetAtt: [.., 'Arn'] }` of an L2 construct, as they appear in the template. */
const refOf = (construct: IConstruct) => ({ Ref: logicalIdOf(construct) });
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalIdOf(construct), 'Arn'] });

/** The verifier's configuration (its config.json with the deploy-time values as `<Ref Id>` placeholders). */
function verifierConfigOf(_template: Template, receiver: WebhookReceiver): any {
  return configOf(receiver);
}

/** The placeholder `verifierConfigOf` puts where the config references a construct. */
const placeholderOf = (construct: IConstruct) => `<Ref ${logicalIdOf(construct)}>`;
/** How the config names a secret created in the stack: by its ARN, rebuilt from its `name-suffix`. */
const secretIdOf = (secret: IConstruct) => inStackSecretId(secret);

/**
 * Every statement of every IAM policy attached to the given role, with `Action` and `Resource` always arrays
 * and actions sorted (their order means nothing).
 */
function statementsOfRole(template: Template, roleRef: unknown): any[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([roleRef]) } });
  return Object.values(policies)
    .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement)
    .map((statement: any) => ({
      ...statement,
      Action: [statement.Action].flat().sort(),
      Resource: [statement.Resource].flat(),
    }));
}

/**
 * The statements are exactly the expected ones, in any order: as many, and each expected statement (a
 * `Match.objectLike` pattern over the normalised form of `statementsOfRole`) matches exactly one of them.
 */
function expectExactlyTheseStatements(actual: any[], expected: object[]): void {
  expect(actual).toHaveLength(expected.length);
  for (const pattern of expected) {
    const matcher = Match.objectLike(pattern);
    const matches = actual.filter((statement) => !matcher.test(statement).hasFailed()).length;
    expect({ statement: pattern, matches }).toEqual({ statement: pattern, matches: 1 });
  }
}

const VERSION_STAGES = { 'ForAnyValue:StringEquals': { 'secretsmanager:VersionStage': ['AWSCURRENT', 'AWSPREVIOUS'] } };
/** What the Lambda service needs of the processor's role to poll the queue (AWSLambdaSQSQueueExecutionRole's SQS actions). */
const SQS_CONSUME_ACTIONS = ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'];
/** The verifier only sends: it has the queue URL and reads no attribute. */
const SQS_SEND_ACTIONS = ['sqs:SendMessage'];

// ---------------------------------------------------------------------------------------------------------
// Resources and their secure defaults
// ---------------------------------------------------------------------------------------------------------

describe('resources and their secure defaults', () => {
  test('an inbox table: on demand, point-in-time recovery, TTL on expiresAt, string key pk, retained', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
        ProvisionedThroughput: Match.absent(),
      },
    });
  });

  test('tableRemovalPolicy overrides the retention', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    givenReceiver(given, { tableRemovalPolicy: RemovalPolicy.DESTROY });

    // THEN
    Template.fromStack(given.stack).hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });

  test('a queue and a dead-letter queue: SQS-managed encryption, 1 MiB messages, redrive after 5 receives', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    const resources = template.toJSON().Resources;
    expect(resources[logicalIdOf(receiver.queue)].Properties).toEqual({
      SqsManagedSseEnabled: true,
      MaximumMessageSize: 1048576,
      MessageRetentionPeriod: 345600,
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: arnOf(receiver.deadLetterQueue), maxReceiveCount: 5 },
    });
    expect(resources[logicalIdOf(receiver.deadLetterQueue)].Properties).toEqual({
      SqsManagedSseEnabled: true,
      MaximumMessageSize: 1048576,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  test('maxReceiveCount sets the redrive policy', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given, { maxReceiveCount: 3 });

    // THEN
    Template.fromStack(given.stack).hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: arnOf(receiver.deadLetterQueue), maxReceiveCount: 3 },
    });
  });

  test('both queues deny every request not made over TLS', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    template.resourceCountIs('AWS::SQS::QueuePolicy', 2);
    for (const queue of [receiver.queue, receiver.deadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [refOf(queue)],
        PolicyDocument: {
          Statement: Match.arrayWith([{
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sqs:*',
            Resource: arnOf(queue),
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }]),
        },
      });
    }
  });

  test('the verifier: Node.js 24 on arm64, index.handler, 10 s, 256 MB, its own log group kept 30 days', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    template.resourceCountIs('AWS::Lambda::Function', 2);
    const logGroup = new Capture();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(receiver.verifier.role!),
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 10,
      MemorySize: 256,
      LoggingConfig: { LogGroup: { Ref: logGroup } },
    });
    expect(template.toJSON().Resources[logGroup.asString()]).toEqual(expect.objectContaining({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
    }));
  });

  test('verifierTimeout, verifierMemorySize and logRetention reach the verifier', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given, { verifierTimeout: Duration.seconds(20), verifierMemorySize: 512, logRetention: 7 });

    // THEN
    const template = Template.fromStack(given.stack);
    template.hasResourceProperties('AWS::Lambda::Function', { Role: arnOf(receiver.verifier.role!), Timeout: 20, MemorySize: 512 });
    // The verifier's log group and the API's access log group.
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 7 }, 2);
    // A claimed delivery is leased for the verifier's timeout plus 10 s.
    expect(verifierConfigOf(template, receiver).leaseSeconds).toBe(30);
  });

  test('a regional REST API that hands every body through as bytes', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
      BinaryMediaTypes: ['*/*'],
    });
  });

  test('the stage webhooks: throttled at 100/200, metrics on, no data trace, JSON access logs kept 30 days', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    template.resourceCountIs('AWS::ApiGateway::Stage', 1);
    const accessLogs = new Capture();
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      RestApiId: refOf(receiver.api!),
      StageName: 'webhooks',
      MethodSettings: [Match.objectLike({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: 100,
        ThrottlingBurstLimit: 200,
        MetricsEnabled: true,
        DataTraceEnabled: false,
        LoggingLevel: 'ERROR',
      })],
      AccessLogSetting: {
        DestinationArn: { 'Fn::GetAtt': [accessLogs, 'Arn'] },
        Format: Match.serializedJson({
          requestId: '$context.requestId',
          ip: '$context.identity.sourceIp',
          requestTime: '$context.requestTime',
          httpMethod: '$context.httpMethod',
          resourcePath: '$context.resourcePath',
          status: '$context.status',
          protocol: '$context.protocol',
          responseLength: '$context.responseLength',
        }),
      },
    });
    expect(template.toJSON().Resources[accessLogs.asString()]).toEqual(expect.objectContaining({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
    }));
  });

  test('stageName and throttling can be overridden', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    givenReceiver(given, { stageName: 'hooks', throttlingRateLimit: 50, throttlingBurstLimit: 80 });

    // THEN
    Template.fromStack(given.stack).hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'hooks',
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 80 })],
    });
  });

  test('one POST per provider at its own path, proxied to the verifier, and no other method', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    template.resourceCountIs('AWS::ApiGateway::Resource', 2);
    template.resourceCountIs('AWS::ApiGateway::Method', 2);
    template.resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'POST' }, 2);
    for (const path of ['stripe', 'github']) {
      const resources = template.findResources('AWS::ApiGateway::Resource', {
        Properties: {
          RestApiId: refOf(receiver.api!),
          ParentId: { 'Fn::GetAtt': [logicalIdOf(receiver.api!), 'RootResourceId'] },
          PathPart: path,
        },
      });
      expect(Object.keys(resources)).toHaveLength(1);
      const [resourceId] = Object.keys(resources);
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        RestApiId: refOf(receiver.api!),
        ResourceId: { Ref: resourceId },
        HttpMethod: 'POST',
        AuthorizationType: 'NONE',
        Integration: {
          Type: 'AWS_PROXY',
          IntegrationHttpMethod: 'POST',
          Uri: { 'Fn::Join': ['', Match.arrayWith([arnOf(receiver.verifier)])] },
        },
      });
    }
  });

  test('the account role for API Gateway logs is created and retained by default, and can be left out', () => {
    // GIVEN
    const withRole = givenStack();
    const withoutRole = givenStack();

    // WHEN
    givenReceiver(withRole);
    givenReceiver(withoutRole, { apiGatewayCloudWatchRole: false });

    // THEN
    Template.fromStack(withRole.stack).hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Retain' });
    Template.fromStack(withoutRole.stack).resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------------------------------------

describe('wiring', () => {
  test('the queue feeds the processor 10 events at a time, reporting failures item by item', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(receiver.queue),
      FunctionName: refOf(given.processor),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumBatchingWindowInSeconds: Match.absent(),
      ScalingConfig: Match.absent(),
    });
  });

  test('batchSize, maxBatchingWindow and maxConcurrency reach the event source mapping', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    givenReceiver(given, { batchSize: 100, maxBatchingWindow: Duration.seconds(20), maxConcurrency: 5 });

    // THEN
    Template.fromStack(given.stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 20,
      ScalingConfig: { MaximumConcurrency: 5 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('the processor is told where the inbox table is', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    Template.fromStack(given.stack).hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(given.processor.role!),
      Environment: { Variables: { WEBHOOK_INBOX_TABLE: refOf(receiver.table) } },
    });
  });

  test('the verifier\'s configuration names the table, the queue, and each provider under its path', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    expect(verifierConfigOf(Template.fromStack(given.stack), receiver)).toEqual({
      tableName: placeholderOf(receiver.table),
      queueUrl: placeholderOf(receiver.queue),
      maxBodyBytes: 256 * 1024,
      maxMessageBytes: 1048576,
      leaseSeconds: 20,
      secretMaxAgeSeconds: 300,
      secretRefreshMinIntervalSeconds: 30,
      metrics: { receiver: 'Test/Receiver' },
      // The id and kind are the path, and the 7-day window is the verifier's default: none is repeated.
      providers: {
        '/stripe': { secretId: secretIdOf(given.stripeSecret), toleranceSeconds: 300 },
        '/github': { secretId: secretIdOf(given.githubSecret) },
      },
    });
  });

  test('maxBodySize up to 762 KiB and secretCacheMaxAge reach the verifier\'s configuration', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given, { maxBodySize: Size.kibibytes(762), secretCacheMaxAge: Duration.minutes(1) });

    // THEN
    expect(verifierConfigOf(Template.fromStack(given.stack), receiver)).toEqual(expect.objectContaining({
      maxBodyBytes: 762 * 1024,
      secretMaxAgeSeconds: 60,
    }));
  });
});

// ---------------------------------------------------------------------------------------------------------
// The queue's visibility timeout, derived from the processor
// ---------------------------------------------------------------------------------------------------------

describe('the queue\'s visibility timeout', () => {
  test('is 6x the processor\'s timeout', () => {
    // GIVEN
    const given = givenStack(Duration.seconds(30));

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    Template.fromStack(given.stack).hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ deadLetterTargetArn: arnOf(receiver.deadLetterQueue) }),
      VisibilityTimeout: 180,
    });
  });

  test('adds the batching window', () => {
    // GIVEN
    const given = givenStack(Duration.seconds(30));

    // WHEN
    givenReceiver(given, { maxBatchingWindow: Duration.seconds(20) });

    // THEN
    Template.fromStack(given.stack).hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 200 });
  });

  test('counts a processor that sets no timeout as Lambda\'s default of 3 s', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Test');
    const processor = new lambda.Function(stack, 'Processor', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });

    // WHEN
    new WebhookReceiver(stack, 'Receiver', {
      provider: WebhookProvider.stripe({ secret: new secretsmanager.Secret(stack, 'StripeSecret') }),
      processor,
    });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 18 });
  });

  test('follows processorTimeout when it is given', () => {
    // GIVEN
    const given = givenStack(Duration.seconds(30));

    // WHEN
    givenReceiver(given, { processorTimeout: Duration.minutes(1) });

    // THEN
    Template.fromStack(given.stack).hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 360 });
  });

  test('for an imported processor comes from processorTimeout; the processor is wired and granted, and a warning asks for WEBHOOK_INBOX_TABLE', () => {
    // GIVEN
    const given = givenStack();
    const processor = importedProcessor(given.stack);

    // WHEN
    const receiver = givenReceiver(given, { processor, processorTimeout: Duration.minutes(2) });

    // THEN
    const template = Template.fromStack(given.stack);
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 720 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(receiver.queue),
      FunctionName: 'processor',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expectExactlyTheseStatements(statementsOfRole(template, 'processor-role'), [
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: [arnOf(receiver.table)], Condition: Match.absent() },
      { Effect: 'Allow', Action: SQS_CONSUME_ACTIONS, Resource: [arnOf(receiver.queue)], Condition: Match.absent() },
    ]);
    Annotations.fromStack(given.stack).hasWarning('/Test/Receiver', Match.stringLikeRegexp('set its WEBHOOK_INBOX_TABLE environment variable'));
  });

  test('no warning about WEBHOOK_INBOX_TABLE when the receiver sets it itself', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    givenReceiver(given);

    // THEN
    Annotations.fromStack(given.stack).hasNoWarning('*', Match.stringLikeRegexp('WEBHOOK_INBOX_TABLE'));
  });

  test('fails if an imported processor comes without processorTimeout', () => {
    // GIVEN
    const given = givenStack();
    const processor = lambda.Function.fromFunctionArn(given.stack, 'Imported', 'arn:aws:lambda:eu-west-1:123456789012:function:processor');

    // WHEN / THEN
    expect(() => givenReceiver(given, { processor })).toThrow(
      /processorTimeout is required when the processor is an imported function: the queue's visibility timeout is derived from it/,
    );
  });

  test('fails if the visibility timeout would exceed 12 hours', () => {
    // GIVEN
    const given = givenStack();
    const processor = importedProcessor(given.stack);

    // WHEN / THEN
    expect(() => givenReceiver(given, { processor, processorTimeout: Duration.hours(3) })).toThrow(
      /The queue's visibility timeout would be 64800 s \(6x processorTimeout plus maxBatchingWindow\); SQS allows at most 43200 s/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// IAM
// ---------------------------------------------------------------------------------------------------------

describe('IAM', () => {
  test('the verifier may write the inbox, send to the queue and read its providers\' secrets, and nothing else', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    expectExactlyTheseStatements(statementsOfRole(template, refOf(receiver.verifier.role!)), [
      {
        // Its own log group only (the log group's ARN covers its streams).
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^ReceiverVerifierLogs'), 'Arn'] }],
        Condition: Match.absent(),
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: [arnOf(receiver.table)],
        Condition: Match.absent(),
      },
      { Effect: 'Allow', Action: SQS_SEND_ACTIONS, Resource: [arnOf(receiver.queue)], Condition: Match.absent() },
      {
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: [refOf(given.stripeSecret)],
        Condition: VERSION_STAGES,
      },
      {
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: [refOf(given.githubSecret)],
        Condition: VERSION_STAGES,
      },
    ]);
    // Beyond that one policy, the role has nothing: no AWS managed policy.
    const role = template.toJSON().Resources[logicalIdOf(receiver.verifier.role!)];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
  });

  test('the verifier cannot read a secret of the stack that no provider uses, nor anything by wildcard', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    const statements = statementsOfRole(template, refOf(receiver.verifier.role!));
    expect(JSON.stringify(statements)).not.toContain(logicalIdOf(given.unrelatedSecret));
    // No policy of the stack mentions the unrelated secret at all.
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain(logicalIdOf(given.unrelatedSecret));
    for (const statement of statements) {
      expect(statement.Resource).not.toContain('*');
      expect(statement.Action.filter((action: string) => action.includes('*'))).toEqual([]);
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
    }
  });

  test('a secret imported by name is read by name, and granted with its random suffix', () => {
    // GIVEN
    const f = givenStack();
    const imported = secretsmanager.Secret.fromSecretNameV2(f.stack, 'Imported', 'webhooks/acme');

    // WHEN
    const r = new WebhookReceiver(f.stack, 'Receiver', { provider: WebhookProvider.github({ secret: imported }), processor: f.processor });

    // THEN
    const statements = Template.fromStack(f.stack).findResources('AWS::IAM::Policy');
    expect(JSON.stringify(statements)).toContain(':secret:webhooks/acme-??????');
    expect(configOf(r).providers['/github'].secretId).toBe('webhooks/acme');
  });

  test('the processor may read and update inbox records and consume the queue, and nothing else', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    expectExactlyTheseStatements(statementsOfRole(template, refOf(given.processor.role!)), [
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: [arnOf(receiver.table)], Condition: Match.absent() },
      { Effect: 'Allow', Action: SQS_CONSUME_ACTIONS, Resource: [arnOf(receiver.queue)], Condition: Match.absent() },
    ]);
  });

  test('API Gateway may invoke the verifier through the routes of its stage, with one permission for all', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN one permission (Lambda's 20 KB resource policy holds about 50 per-route ones), for this API's stage
    // only: not the console's test invocations (stage `test-invoke-stage`), not another API
    const template = Template.fromStack(given.stack);
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(receiver.verifier),
      Principal: 'apigateway.amazonaws.com',
      SourceArn: { 'Fn::Join': ['', [
        'arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', refOf(receiver.api!), '/webhooks/*/*',
      ]] },
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Several providers
// ---------------------------------------------------------------------------------------------------------

describe('several providers', () => {
  test('share one verifier, one table, one queue and one API', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    template.resourceCountIs('AWS::Lambda::Function', 2); // the verifier and the processor
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::SQS::Queue', 2); // the queue and its dead-letter queue
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
  });

  test('addProvider adds one route, one method, the secret grant and the configuration, and no permission', () => {
    // GIVEN
    const one = givenStack();
    const two = givenStack();
    givenReceiver(one, { provider: WebhookProvider.stripe({ secret: one.stripeSecret }) });
    const receiver = givenReceiver(two, { provider: WebhookProvider.stripe({ secret: two.stripeSecret }) });

    // WHEN
    receiver.addProvider(WebhookProvider.github({ secret: two.githubSecret }));

    // THEN
    const before = Template.fromStack(one.stack);
    const after = Template.fromStack(two.stack);
    for (const [type, added] of [
      ['AWS::ApiGateway::Resource', 1],
      ['AWS::ApiGateway::Method', 1],
      ['AWS::Lambda::Permission', 0],
      ['AWS::Lambda::Function', 0],
      ['AWS::DynamoDB::Table', 0],
      ['AWS::SQS::Queue', 0],
    ] as const) {
      expect([type, Object.keys(after.findResources(type)).length]).toEqual([type, Object.keys(before.findResources(type)).length + added]);
    }
    after.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'github' });
    expect(statementsOfRole(after, refOf(receiver.verifier.role!))).toContainEqual({
      Effect: 'Allow',
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Resource: [refOf(two.githubSecret)],
      Condition: VERSION_STAGES,
    });
    expect(Object.keys(verifierConfigOf(after, receiver).providers)).toEqual(['/stripe', '/github']);
    expect(receiver.providers.map((p) => p.id)).toEqual(['stripe', 'github']);
  });

  test('fails if processorTimeout is shorter than the processor\'s own timeout', () => {
    const given = givenStack(Duration.minutes(2));
    expect(() => givenReceiver(given, { processorTimeout: Duration.seconds(30) })).toThrow(
      /processorTimeout \(30 s\) is shorter than the processor's own timeout \(120 s\)/,
    );
  });

  test('fails if a provider id has two dashes in a row (a-b and a--b would share construct ids)', () => {
    const given = givenStack();
    expect(() => WebhookProvider.github({ id: 'a--b', secret: given.githubSecret })).toThrow(/Provider id "a--b" must be 1-32 lowercase letters, digits or single dashes/);
  });

  test.each(['entity', 'replay', 'reconcile-cursor'])('fails if a provider takes the reserved id %s (the inbox keys its own records with it)', (id) => {
    const given = givenStack();
    expect(() => WebhookProvider.github({ id, secret: given.githubSecret })).toThrow(
      new RegExp(`Provider id "${id}" is reserved: the inbox table keys its own records with it`),
    );
  });

  test('every inbox record prefix of its own is a reserved provider id, so no delivery key can take its form', () => {
    // Delivery keys are `<provider id>#<delivery id>`; the table's own records start `<prefix>#`.
    const prefixes = [ENTITY_KEY_PREFIX, REPLAY_RUN_KEY_PREFIX, CURSOR_KEY_PREFIX].map((prefix) => prefix.replace(/#$/, ''));
    expect([...RESERVED_PROVIDER_IDS].sort()).toEqual(prefixes.sort());
  });

  test('a large scheme travels in the code asset, not in the environment', () => {
    // GIVEN
    const given = givenStack();
    const receiver = givenReceiver(given);

    // WHEN
    receiver.addProvider(WebhookProvider.hmac({ id: 'big', secret: given.githubSecret, signatureHeader: 'X-Sig', signedContent: `${'x'.repeat(4000)}{body}` }));

    // THEN
    const { file, environment } = synthesizedVerifier(receiver);
    expect(file.providers['/big'].scheme.signature.signedContent).toBe(`${'x'.repeat(4000)}{body}`);
    expect(JSON.stringify(environment)).not.toContain('xxxx');
  });

  test('fails if a provider whose deploy-time values do not fit the environment is added, leaving the receiver unchanged', () => {
    // GIVEN a receiver with secrets known only by ARN tokens from elsewhere (120 bytes each counted at synth)
    const given = givenStack();
    const receiver = givenReceiver(given);
    const imported = (i: number) => secretsmanager.Secret.fromSecretCompleteArn(given.stack, `Imported${i}`, Fn.importValue(`webhook-secret-${i}`));
    let added = 0;
    const add = () => receiver.addProvider(WebhookProvider.github({ id: `github-${added}`, secret: imported(added) }));
    const fits = () => {
      try {
        add();
        added++;
        return true;
      } catch (error) {
        expect(String(error)).toMatch(/Lambda allows 4 KB of environment/);
        return false;
      }
    };

    // WHEN
    while (added < 100 && fits());

    // THEN about 25 fit; the one refused left nothing behind
    expect(added).toBeGreaterThan(20);
    expect(added).toBeLessThan(35);
    expect(receiver.providers).toHaveLength(2 + added);
    expect(() => receiver.urlFor(`github-${added}`)).toThrow(/No provider "github-\d+"/);
    Template.fromStack(given.stack).resourceCountIs('AWS::ApiGateway::Resource', 2 + added);
  });

  test('fails if a provider is added after the app was synthesized', () => {
    // GIVEN
    const given = givenStack();
    const receiver = givenReceiver(given);
    Template.fromStack(given.stack);

    // WHEN / THEN
    expect(() => receiver.addProvider(WebhookProvider.hmac({ id: 'late', secret: given.githubSecret, signatureHeader: 'X-Sig' }))).toThrow(
      /Provider "late" is added after the app was synthesized/,
    );
  });

  test('fails if two providers have the same id', () => {
    // GIVEN
    const given = givenStack();

    // WHEN / THEN
    expect(() => givenReceiver(given, {
      providers: [WebhookProvider.stripe({ secret: given.stripeSecret }), WebhookProvider.stripe({ secret: given.githubSecret })],
    })).toThrow(/Provider id "stripe" is used twice in this receiver; give one of them another id/);
  });

  test('fails if addProvider repeats an id', () => {
    // GIVEN
    const given = givenStack();
    const receiver = givenReceiver(given);

    // WHEN / THEN
    expect(() => receiver.addProvider(WebhookProvider.github({ id: 'stripe', secret: given.githubSecret }))).toThrow(
      /Provider id "stripe" is used twice in this receiver/,
    );
  });

  test('urlFor gives each provider\'s endpoint, which is also a stack output', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);
    const stripeUrl = receiver.urlFor('stripe');

    // THEN
    expect(Token.isUnresolved(stripeUrl)).toBe(true);
    const resolved = given.stack.resolve(stripeUrl);
    expect(resolved).toEqual({ 'Fn::Join': ['', expect.arrayContaining([refOf(receiver.api!), '/stripe'])] });
    const template = Template.fromStack(given.stack);
    template.hasOutput('*', { Description: 'Webhook URL for stripe', Value: resolved });
  });

  test('one output per provider endpoint', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    const outputs = template.findOutputs('*', { Description: Match.stringLikeRegexp('^Webhook URL for ') });
    expect(Object.values(outputs).map((o) => o.Description).sort()).toEqual(['Webhook URL for github', 'Webhook URL for stripe']);
    template.hasOutput('*', { Description: 'Webhook URL for github', Value: given.stack.resolve(receiver.urlFor('github')) });
  });

  test('fails if urlFor is asked for a provider the receiver does not have', () => {
    // GIVEN
    const given = givenStack();
    const receiver = givenReceiver(given);

    // WHEN / THEN
    expect(() => receiver.urlFor('nope')).toThrow(/No provider "nope" in this receiver; it has: stripe, github\./);
  });
});

// ---------------------------------------------------------------------------------------------------------
// A generic HMAC provider
// ---------------------------------------------------------------------------------------------------------

describe('a generic HMAC provider', () => {
  test('its whole scheme reaches the verifier\'s configuration, at its own route with its own secret', () => {
    // GIVEN
    const given = givenStack();
    const secret = new secretsmanager.Secret(given.stack, 'AcmeSecret');

    // WHEN
    const receiver = givenReceiver(given, {
      provider: WebhookProvider.hmac({
        id: 'acme',
        signatureHeader: 'X-Acme-Signature',
        algorithm: HmacAlgorithm.SHA512,
        encoding: SignatureEncoding.BASE64,
        format: SignatureFormat.plain('sha512='),
        deliveryId: [RequestValue.header('X-Acme-Delivery')],
        eventType: RequestValue.jsonPath('event.type'),
        secret,
      }),
    });

    // THEN
    const template = Template.fromStack(given.stack);
    expect(verifierConfigOf(template, receiver).providers).toEqual({
      '/acme': {
        kind: 'custom',
        secretId: secretIdOf(secret),
        scheme: {
          signature: {
            algorithm: 'sha512',
            encoding: 'base64',
            header: 'x-acme-signature',
            format: { kind: 'plain', prefix: 'sha512=' },
            signedContent: '{body}',
            keyEncoding: 'utf8',
          },
        },
        deliveryId: [{ header: 'x-acme-delivery' }],
        eventType: { jsonPath: 'event.type' },
      },
    });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'acme' });
    expect(statementsOfRole(template, refOf(receiver.verifier.role!))).toContainEqual(expect.objectContaining({
      Resource: [refOf(secret)],
      Condition: VERSION_STAGES,
    }));
  });

  test('a timestamp header brings its unit and tolerance into the configuration', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given, {
      provider: WebhookProvider.hmac({
        id: 'acme',
        signatureHeader: 'X-Acme-Signature',
        signedContent: '{timestamp}.{body}',
        timestamp: TimestampSource.header('X-Acme-Timestamp', TimestampUnit.MILLISECONDS),
        tolerance: Duration.minutes(10),
        secret: given.stripeSecret,
      }),
    });

    // THEN
    const acme = verifierConfigOf(Template.fromStack(given.stack), receiver).providers['/acme'];
    expect(acme.scheme.signature).toEqual(expect.objectContaining({
      algorithm: 'sha256',
      encoding: 'hex',
      signedContent: '{timestamp}.{body}',
      timestamp: { source: 'header', header: 'x-acme-timestamp', unit: 'ms', toleranceSeconds: 600, allowFuture: false },
    }));
    // No delivery id source: the verifier falls back to the body's hash.
    expect(acme.deliveryId).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------

describe('validation of the receiver\'s props', () => {
  test('fails if there is no provider', () => {
    // GIVEN
    const given = givenStack();

    // WHEN / THEN
    expect(() => new WebhookReceiver(given.stack, 'Receiver', { processor: given.processor })).toThrow(
      /A WebhookReceiver needs at least one provider: set provider or providers/,
    );
    expect(() => new WebhookReceiver(given.stack, 'Receiver2', { processor: given.processor, providers: [] })).toThrow(
      /A WebhookReceiver needs at least one provider/,
    );
  });

  test('fails if both provider and providers are set', () => {
    // GIVEN
    const given = givenStack();

    // WHEN / THEN
    expect(() => givenReceiver(given, {
      provider: WebhookProvider.stripe({ secret: given.stripeSecret }),
      providers: [WebhookProvider.github({ secret: given.githubSecret })],
    })).toThrow(/Set provider or providers, not both/);
  });

  test('fails if batchSize is out of range', () => {
    // GIVEN
    const given = givenStack();
    const another = givenStack();

    // WHEN / THEN
    expect(() => givenReceiver(given, { batchSize: 0 })).toThrow(/batchSize must be a whole number from 1 to 10000, got 0/);
    expect(() => givenReceiver(another, { batchSize: 10001, maxBatchingWindow: Duration.seconds(1) })).toThrow(
      /batchSize must be a whole number from 1 to 10000, got 10001/,
    );
  });

  test('fails if batchSize is above 10 without maxBatchingWindow', () => {
    // GIVEN
    const given = givenStack();

    // WHEN / THEN
    expect(() => givenReceiver(given, { batchSize: 11 })).toThrow(/batchSize 11 is above 10, which SQS allows only with a maxBatchingWindow/);
  });

  test('fails if batchSize is above 10 with a maxBatchingWindow of 0 seconds', () => {
    // GIVEN
    const given = givenStack();

    // WHEN / THEN
    // Lambda requires MaximumBatchingWindowInSeconds >= 1 when BatchSize > 10 on an SQS source; 0 fails at deploy.
    expect(() => givenReceiver(given, { batchSize: 11, maxBatchingWindow: Duration.seconds(0) })).toThrow(/batchSize 11 is above 10/);
  });

  test('fails if maxConcurrency is 1', () => {
    // GIVEN
    const given = givenStack();

    // WHEN / THEN
    expect(() => givenReceiver(given, { maxConcurrency: 1 })).toThrow(/maxConcurrency must be a whole number from 2 to 1000, got 1/);
  });

  test('fails if maxReceiveCount is 0', () => {
    // GIVEN
    const given = givenStack();

    // WHEN / THEN
    expect(() => givenReceiver(given, { maxReceiveCount: 0 })).toThrow(/maxReceiveCount must be a whole number from 1 to 1000, got 0/);
  });

  test('fails if maxBodySize is above what a Lambda proxy integration can carry', () => {
    // GIVEN
    const given = givenStack();

    // WHEN / THEN
    expect(() => givenReceiver(given, { maxBodySize: Size.mebibytes(5) })).toThrow(
      /maxBodySize \(bytes\) must be a whole number from 1 to 4669440, got 5242880/,
    );
  });

  test('fails if verifierTimeout is 60 seconds, beyond API Gateway\'s 29', () => {
    // GIVEN
    const given = givenStack();

    // WHEN / THEN
    expect(() => givenReceiver(given, { verifierTimeout: Duration.seconds(60) })).toThrow(
      /verifierTimeout \(seconds\) must be a whole number from 3 to 29, got 60/,
    );
  });
});

describe('validation of providers', () => {
  test('fails if a provider id is not lowercase letters, digits and dashes', () => {
    // GIVEN
    const secret = new secretsmanager.Secret(new Stack(new App(), 'Test'), 'Secret');

    // WHEN / THEN
    expect(() => WebhookProvider.stripe({ id: 'Stripe!', secret })).toThrow(
      /Provider id "Stripe!" must be 1-32 lowercase letters, digits or single dashes, not starting or ending with a dash/,
    );
  });

  test('fails if WebhookProvider.hmac has no id', () => {
    // GIVEN
    const secret = new secretsmanager.Secret(new Stack(new App(), 'Test'), 'Secret');

    // WHEN / THEN
    expect(() => WebhookProvider.hmac({ signatureHeader: 'X-Signature', secret })).toThrow(
      /A generic provider needs an id \(e.g. "acme"\): it names the route and the events/,
    );
  });

  test('fails if signedContent does not include {body}', () => {
    // GIVEN
    const secret = new secretsmanager.Secret(new Stack(new App(), 'Test'), 'Secret');

    // WHEN / THEN
    expect(() => WebhookProvider.hmac({
      id: 'acme',
      signatureHeader: 'X-Signature',
      signedContent: 'v0:{timestamp}',
      timestamp: TimestampSource.header('X-Timestamp'),
      secret,
    })).toThrow(/signedContent "v0:\{timestamp\}" must include \{body\}: a signature that does not cover the body proves nothing about it/);
  });

  test('fails if signedContent uses an unknown placeholder', () => {
    // GIVEN
    const secret = new secretsmanager.Secret(new Stack(new App(), 'Test'), 'Secret');

    // WHEN / THEN
    expect(() => WebhookProvider.hmac({ id: 'acme', signatureHeader: 'X-Signature', signedContent: '{nonce}.{body}', secret })).toThrow(
      /signedContent "\{nonce\}.\{body\}" uses \{nonce\}; only \{body\}, \{timestamp\}, \{id\}, \{url\}, \{method\} exist/,
    );
  });

  test('fails if signedContent uses {timestamp} without a timestamp source', () => {
    // GIVEN
    const secret = new secretsmanager.Secret(new Stack(new App(), 'Test'), 'Secret');

    // WHEN / THEN
    expect(() => WebhookProvider.hmac({ id: 'acme', signatureHeader: 'X-Signature', signedContent: '{timestamp}.{body}', secret })).toThrow(
      /signedContent uses \{timestamp\}, so timestamp must say where it is/,
    );
  });

  test('fails if signedContent uses {id} and the first deliveryId source is not a header', () => {
    // GIVEN
    const secret = new secretsmanager.Secret(new Stack(new App(), 'Test'), 'Secret');

    // WHEN / THEN
    expect(() => WebhookProvider.hmac({
      id: 'acme',
      signatureHeader: 'X-Signature',
      signedContent: '{id}.{body}',
      deliveryId: [RequestValue.jsonPath('id')],
      secret,
    })).toThrow(/signedContent uses \{id\}, so the first deliveryId source must be a header/);
  });

  test('fails if dedupWindow is below one hour', () => {
    // GIVEN
    const secret = new secretsmanager.Secret(new Stack(new App(), 'Test'), 'Secret');

    // WHEN / THEN
    expect(() => WebhookProvider.github({ secret, dedupWindow: Duration.minutes(30) })).toThrow(
      /dedupWindow of provider "github" is 1800 s; it must be at least 1 hour to outlive provider retries/,
    );
  });

  test('fails if dedupWindow is not longer than the tolerance', () => {
    // GIVEN
    const secret = new secretsmanager.Secret(new Stack(new App(), 'Test'), 'Secret');

    // WHEN / THEN
    expect(() => WebhookProvider.stripe({ secret, dedupWindow: Duration.hours(1), tolerance: Duration.hours(1) })).toThrow(
      /dedupWindow of provider "stripe" \(3600 s\) must be longer than its tolerance \(3600 s\)/,
    );
  });

  test('fails if RequestValue.header is given an invalid header name', () => {
    // WHEN / THEN
    expect(() => RequestValue.header('X Acme: Delivery')).toThrow(/Header name "X Acme: Delivery" is not a valid HTTP header name/);
  });

  test('fails if RequestValue.jsonPath is given an invalid path', () => {
    // WHEN / THEN
    expect(() => RequestValue.jsonPath('data..id')).toThrow(/JSON path "data..id" must be field names separated by dots, e.g. "data.id"/);
  });
});
