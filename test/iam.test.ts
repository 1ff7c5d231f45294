/**
 * No role in a receiver's stack holds a wildcard action or resource beyond the ones the README documents
 * (Security > IAM): a new grant that brings one fails here until it is documented and added below. Checked with
 * the default options and with every security option on, since options bring grants (tracing, a key, WAF).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';
import { givenStack } from './support/stacks';

/**
 * The documented exceptions. Each is a statement shape that may carry a wildcard, and why.
 * - X-Ray's two write actions support no resource-level permissions; granted only with `tracing: true`.
 */
const DOCUMENTED_WILDCARD_STATEMENTS: ReadonlyArray<{ readonly actions: readonly string[]; readonly resource: '*' }> = [
  { actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resource: '*' },
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
      (allowed) => wildActions.length === 0 && JSON.stringify(actions) === JSON.stringify(allowed.actions) && statement.Resource === allowed.resource,
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
        WebhookProvider.github({ secret: given.githubSecret }),
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
