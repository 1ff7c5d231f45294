/**
 * No role in a receiver's stack holds a wildcard action or resource beyond the ones the README documents
 * (Security > IAM): a new grant that brings one fails here until it is documented and added below. Checked with
 * the default options and with every security option on, since options bring grants (tracing, a key, WAF).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';
import { givenStack } from './support/stacks';

/**
 * The documented exceptions. Each is a statement shape that may carry a wildcard, and why.
 * - X-Ray's two write actions support no resource-level permissions; granted only with `tracing: true`.
 * - The claim check (a `maxBodySize` above 762 KiB): the verifier puts, the processor gets, objects under the
 *   receiver's own prefix of its own bucket (`<bucket ARN>/<receiver>/*`): object keys are made per event.
 * - The archive (`archive`): the verifier puts objects under the receiver's own prefix of the archive bucket
 *   (`<bucket ARN>/<receiver>/*`): object keys are made per request.
 */
const DOCUMENTED_WILDCARD_STATEMENTS: ReadonlyArray<{ readonly actions: readonly string[]; readonly resource: '*' | RegExp }> = [
  { actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resource: '*' },
  { actions: ['s3:PutObject'], resource: /^\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["ReceiverBodyBucket[0-9A-F]{8}","Arn"\]\},"\/Test-Receiver-[0-9A-F]{8}\/\*"\]\]\}$/ },
  { actions: ['s3:GetObject'], resource: /^\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["ReceiverBodyBucket[0-9A-F]{8}","Arn"\]\},"\/Test-Receiver-[0-9A-F]{8}\/\*"\]\]\}$/ },
  { actions: ['s3:PutObject'], resource: /^\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["ReceiverArchiveBucket[0-9A-F]{8}","Arn"\]\},"\/Test-Receiver-[0-9A-F]{8}\/\*"\]\]\}$/ },
];
/** The only AWS managed policy: API Gateway's account-level logging role (AWS documents it for that role). */
const DOCUMENTED_MANAGED_POLICIES = ['service-role/AmazonAPIGatewayPushToCloudWatchLogs'];

interface Statement {
  readonly where: string;
  readonly Effect: string;
  readonly Action?: string | string[];
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
}

/** Every identity-policy statement of every role in the stack, inline or attached, with where it is. */
function roleStatements(stack: Stack): Statement[] {
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
  const statements: Statement[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      for (const s of resource.Properties.PolicyDocument.Statement) statements.push({ where: id, ...s });
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of resource.Properties.Policies ?? []) {
        for (const s of policy.PolicyDocument.Statement) statements.push({ where: `${id}/${policy.PolicyName}`, ...s });
      }
    }
  }
  return statements;
}

/** Every string of a (resolved) value, Fn::Join parts included, so a "*" inside an ARN is found. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

function wildcardFindings(stack: Stack): string[] {
  const findings: string[] = [];
  for (const statement of roleStatements(stack)) {
    if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
      findings.push(`${statement.where}: NotAction/NotResource`);
      continue;
    }
    if (statement.Effect !== 'Allow') continue;
    const actions = [statement.Action ?? []].flat().sort();
    const wildActions = actions.filter((action) => action.includes('*'));
    const wildResources = strings(statement.Resource).filter((part) => part.includes('*'));
    if (wildActions.length === 0 && wildResources.length === 0) continue;
    const documented = DOCUMENTED_WILDCARD_STATEMENTS.some(
      (allowed) =>
        wildActions.length === 0 &&
        JSON.stringify(actions) === JSON.stringify(allowed.actions) &&
        (allowed.resource === '*' ? statement.Resource === '*' : allowed.resource.test(JSON.stringify(statement.Resource))),
    );
    if (!documented) findings.push(`${statement.where}: actions ${JSON.stringify(actions)} on ${JSON.stringify(statement.Resource)}`);
  }
  return findings;
}

function managedPolicies(stack: Stack): string[] {
  const roles = Template.fromStack(stack).findResources('AWS::IAM::Role');
  return Object.values(roles)
    .flatMap((role: any) => role.Properties.ManagedPolicyArns ?? [])
    .map((arn: unknown) => strings(arn).join('').replace(/^.*:iam::aws:policy\//, ''));
}

const everyOption = (stack: Stack): Partial<WebhookReceiverProps> => ({
  encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
  tracing: true,
  waf: { rateLimit: 1000, blockIpReputationList: true },
  // Brings the claim-check bucket and its grants.
  maxBodySize: Size.mebibytes(4),
  // Brings the archive bucket and the verifier's grant on it.
  archive: {},
});

describe.each([
  ['the default options', (_: Stack) => ({})],
  ['every security option', everyOption],
])('with %s', (_name, options) => {
  function build() {
    const given = givenStack();
    new WebhookReceiver(given.stack, 'Receiver', {
      providers: [
        WebhookProvider.stripe({ secret: given.stripeSecret, allowedIpRanges: ['192.0.2.0/24'], throttlingRateLimit: 10 }),
        // Reconciliation brings a function and a role of its own (and its credential's grant).
        WebhookProvider.github({ secret: given.githubSecret, reconcile: { credential: new secretsmanager.Secret(given.stack, 'GitHubToken'), repository: 'octo-org/hello-world', hookId: 1 } }),
        WebhookProvider.meta({ secret: new secretsmanager.Secret(given.stack, 'MetaSecret') }),
      ],
      processor: given.processor,
      ...options(given.stack),
    });
    return given.stack;
  }

  test('no role gains a wildcard action or resource beyond the documented ones', () => {
    expect(wildcardFindings(build())).toEqual([]);
  });

  test('the only AWS managed policy is API Gateway\'s account-level logging role', () => {
    expect(managedPolicies(build())).toEqual(DOCUMENTED_MANAGED_POLICIES);
  });
});

test('the check is not vacuous: a role that gains a wildcard fails it', () => {
  // GIVEN a receiver, and a grant that brings wildcard actions (CDK's grantEncryptDecrypt: kms:ReEncrypt*, ...)
  const given = givenStack();
  const receiver = new WebhookReceiver(given.stack, 'Receiver', { provider: WebhookProvider.stripe({ secret: given.stripeSecret }), processor: given.processor });
  new kms.Key(given.stack, 'Other').grantEncryptDecrypt(receiver.verifier);
  receiver.table.grantFullAccess(given.processor);

  // THEN
  const findings = wildcardFindings(given.stack);
  expect(findings).toEqual(
    expect.arrayContaining([expect.stringMatching(/kms:GenerateDataKey\*/), expect.stringMatching(/dynamodb:\*/)]),
  );
});

test('the README documents each exception', () => {
  const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const iam = readme.split('### IAM')[1]?.split('\n## ')[0] ?? '';
  for (const allowed of DOCUMENTED_WILDCARD_STATEMENTS) for (const action of allowed.actions) expect(iam).toContain(action);
  for (const policy of DOCUMENTED_MANAGED_POLICIES) expect(iam).toContain(policy.replace('service-role/', ''));
});

/**
 * The exact statements of the verifier's and the processor's policies, and of the key policy for CloudWatch
 * Logs: each action one the code calls (or the Lambda service calls for it), the key only through the service
 * that uses it, the logs statement only for the receiver's own log groups.
 */
describe('each grant is what the code calls, pinned', () => {
  function build(withKey: boolean) {
    const given = givenStack();
    const key = withKey ? new kms.Key(given.stack, 'Key', { enableKeyRotation: true }) : undefined;
    const receiver = new WebhookReceiver(given.stack, 'Receiver', {
      provider: WebhookProvider.stripe({ secret: given.stripeSecret }),
      processor: given.processor,
      encryptionKey: key,
    });
    const template = Template.fromStack(given.stack);
    const id = (c: { node: { defaultChild?: unknown } }) => given.stack.getLogicalId(c.node.defaultChild as never);
    const statementsOf = (role: { node: { defaultChild?: unknown } }) =>
      Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: id(role) }] } })).flatMap(
        (p: any) => p.Properties.PolicyDocument.Statement,
      );
    const arn = (c: { node: { defaultChild?: unknown } }) => ({ 'Fn::GetAtt': [id(c), 'Arn'] });
    return { given, key, receiver, template, statementsOf, arn };
  }
  const via = (service: string) => ({ StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', [`${service}.`, { Ref: 'AWS::Region' }, '.amazonaws.com']] } } });
  const onKey = (statements: any[], keyArn: unknown) => statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(keyArn));
  const onQueue = (statements: any[], queueArn: unknown) => statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(queueArn));

  test('the verifier may only send to the queue (no GetQueueAttributes, no GetQueueUrl)', () => {
    const { receiver, statementsOf, arn } = build(false);
    expect(onQueue(statementsOf(receiver.verifier.role!), arn(receiver.queue))).toEqual([{ Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arn(receiver.queue) }]);
  });

  test('the processor\'s role holds what the Lambda service needs to poll the queue, nothing more', () => {
    const { given, receiver, statementsOf, arn } = build(false);
    expect(onQueue(statementsOf(given.processor.role!), arn(receiver.queue))).toEqual([
      { Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Effect: 'Allow', Resource: arn(receiver.queue) },
    ]);
  });

  test('with a customer managed key, the verifier may use it only through SQS (send) and DynamoDB', () => {
    const { key, receiver, statementsOf, arn } = build(true);
    expect(onKey(statementsOf(receiver.verifier.role!), arn(key!))).toEqual([
      { Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Condition: via('sqs'), Effect: 'Allow', Resource: arn(key!) },
      { Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'], Condition: via('dynamodb'), Effect: 'Allow', Resource: arn(key!) },
    ]);
  });

  test('with a customer managed key, the processor may use it only through SQS (receive) and DynamoDB', () => {
    const { given, key, statementsOf, arn } = build(true);
    expect(onKey(statementsOf(given.processor.role!), arn(key!))).toEqual([
      { Action: 'kms:Decrypt', Condition: via('sqs'), Effect: 'Allow', Resource: arn(key!) },
      { Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'], Condition: via('dynamodb'), Effect: 'Allow', Resource: arn(key!) },
    ]);
  });

  test('the key lets CloudWatch Logs use it for the receiver\'s own log groups only, and those are the ones it encrypts', () => {
    const { key, template, arn } = build(true);
    const policy = template.findResources('AWS::KMS::Key')[Object.keys(template.findResources('AWS::KMS::Key'))[0]].Properties.KeyPolicy.Statement;
    const logs = policy.filter((s: any) => s.Principal?.Service !== undefined);
    expect(logs).toEqual([
      {
        Sid: 'AllowCloudWatchLogsOfTestReceiverB98122EB',
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        Condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:/webhook-receiver/Test-Receiver-B98122EB/*']],
            },
          },
        },
        Effect: 'Allow',
        Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
        Resource: '*',
      },
    ]);
    const encrypted = Object.values(template.findResources('AWS::Logs::LogGroup', { Properties: { KmsKeyId: arn(key!) } })).map((lg: any) => lg.Properties.LogGroupName);
    expect(encrypted.sort()).toEqual(['/webhook-receiver/Test-Receiver-B98122EB/access', '/webhook-receiver/Test-Receiver-B98122EB/verifier']);
  });
});
