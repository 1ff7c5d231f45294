/**
 * cdk-nag's AwsSolutions and Serverless packs (3.x, as policy-validation plugins) on a minimal receiver, on a
 * receiver with every security option, and on the example app: synth passes with no finding left unfixed or
 * unacknowledged. Each acknowledgement sits on the one resource it concerns, with its reason, and the set of
 * them is pinned here, so a new one needs a reviewed change to this file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ApiType, WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';
import { givenStack, type Given } from './support/stacks';

let outdir: string;
beforeEach(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'nag-'));
});
afterEach(() => {
  rmSync(outdir, { recursive: true, force: true });
});

function receiver(given: Given, props: Partial<WebhookReceiverProps> = {}): WebhookReceiver {
  return new WebhookReceiver(given.stack, 'Receiver', {
    providers: [WebhookProvider.stripe({ secret: given.stripeSecret }), WebhookProvider.github({ secret: given.githubSecret })],
    processor: given.processor,
    ...props,
  });
}

/** The acknowledged rules in a synthesized stack's metadata: path -> { rule id -> reason }. */
function acknowledgements(dir: string, stackName: string): Record<string, Record<string, string>> {
  const metadata = JSON.parse(readFileSync(path.join(dir, `${stackName}.metadata.json`), 'utf8')) as Record<string, Array<{ type: string; data: Record<string, string> }>>;
  const found: Record<string, Record<string, string>> = {};
  for (const [constructPath, entries] of Object.entries(metadata)) {
    for (const entry of entries) {
      if (entry.type !== 'aws:cdk:acknowledged-rules') continue;
      for (const [id, reason] of Object.entries(entry.data)) {
        (found[constructPath] ??= {})[id.replace(/^annotation::/i, '')] = reason;
      }
    }
  }
  return found;
}

/** The receiver's acknowledgements only (the test's processor has its own), as `path: rule` lines. */
function receiverRules(found: Record<string, Record<string, string>>): string[] {
  return Object.entries(found)
    .filter(([p]) => p.startsWith('/Test/Receiver') || p.includes('/SqsEventSource:'))
    .flatMap(([p, rules]) => Object.keys(rules).map((rule) => `${p.replace('/Test/', '').replace(/SqsEventSource:\w+/, 'SqsEventSource')}: ${rule}`))
    .sort();
}

const ROUTE_RULES = (id: string, method = 'POST') => [`Receiver/Api/Default/${id}/${method}: AwsSolutions-APIG4`, `Receiver/Api/Default/${id}/${method}: AwsSolutions-COG4`];

describe('a minimal receiver', () => {
  test('synthesizes with both packs and no unacknowledged finding', () => {
    // GIVEN
    const given = givenStack({ nag: true, outdir });
    receiver(given);

    // WHEN / THEN
    expect(() => given.app.synth()).not.toThrow();
  });

  test('the acknowledgements are exactly these, each on its own resource, each with a reason', () => {
    // GIVEN
    const given = givenStack({ nag: true, outdir });
    receiver(given);

    // WHEN
    given.app.synth();
    const found = acknowledgements(outdir, 'Test');

    // THEN
    expect(receiverRules(found)).toEqual(
      [
        'Processor/SqsEventSource: Serverless-LambdaEventSourceMappingDestination',
        'Receiver/Api: AwsSolutions-APIG2',
        'Receiver/Api/CloudWatchRole: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'Receiver/Api/DeploymentStage.webhooks: AwsSolutions-APIG3',
        'Receiver/Api/DeploymentStage.webhooks: Serverless-APIGWXrayEnabled',
        ...ROUTE_RULES('github'),
        ...ROUTE_RULES('stripe'),
        'Receiver/DeadLetterQueue: Serverless-SQSRedrivePolicy',
        'Receiver/Verifier: Serverless-LambdaDLQ',
        'Receiver/Verifier: Serverless-LambdaTracing',
      ].sort(),
    );
    // Never on the stack or the receiver as a whole, where it would cover resources it was not written for.
    expect(Object.keys(found)).not.toContain('/Test');
    expect(Object.keys(found)).not.toContain('/Test/Receiver');
    for (const rules of Object.values(found)) {
      for (const reason of Object.values(rules)) expect(reason.length).toBeGreaterThan(40);
    }
  });

  test('the check is real: a resource with findings fails the synth, naming them', () => {
    // GIVEN a receiver, and a queue with neither a dead-letter queue nor TLS enforced
    const given = givenStack({ nag: true, outdir });
    receiver(given);
    new sqs.Queue(given.stack, 'Careless', { encryption: sqs.QueueEncryption.SQS_MANAGED });

    // WHEN / THEN
    expect(() => given.app.synth()).toThrow(/Test\/Careless\/Resource[\s\S]*AwsSolutions-SQS3[\s\S]*AwsSolutions-SQS4/);
  });
});

describe('a receiver with every security option', () => {
  test('synthesizes with both packs; tracing and WAF fix their findings instead of acknowledging them', () => {
    // GIVEN
    const given = givenStack({ nag: true, outdir });
    receiver(given, {
      providers: [
        WebhookProvider.stripe({ secret: given.stripeSecret, allowedIpRanges: ['192.0.2.0/24'], throttlingRateLimit: 10 }),
        WebhookProvider.meta({ secret: given.githubSecret }),
      ],
      encryptionKey: new kms.Key(given.stack, 'Key', { enableKeyRotation: true }),
      tracing: true,
      waf: { rateLimit: 1000 },
    });

    // WHEN
    expect(() => given.app.synth()).not.toThrow();

    // THEN
    expect(receiverRules(acknowledgements(outdir, 'Test'))).toEqual(
      [
        'Processor/SqsEventSource: Serverless-LambdaEventSourceMappingDestination',
        'Receiver/Api: AwsSolutions-APIG2',
        'Receiver/Api/CloudWatchRole: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        ...ROUTE_RULES('meta', 'GET'),
        ...ROUTE_RULES('meta'),
        ...ROUTE_RULES('stripe'),
        'Receiver/DeadLetterQueue: Serverless-SQSRedrivePolicy',
        'Receiver/Verifier: Serverless-LambdaDLQ',
        // X-Ray's actions take no resource: the one statement with "*" (test/iam.test.ts holds it to that).
        'Receiver/VerifierRole: AwsSolutions-IAM5[Resource::*]',
      ].sort(),
    );
  });

  test('without the account logging role there is nothing to acknowledge for it', () => {
    const given = givenStack({ nag: true, outdir });
    receiver(given, { apiGatewayCloudWatchRole: false });
    expect(() => given.app.synth()).not.toThrow();
    expect(receiverRules(acknowledgements(outdir, 'Test')).filter((rule) => rule.includes('IAM4'))).toEqual([]);
  });
});

describe('an HTTP API receiver (apiType: ApiType.HTTP)', () => {
  test('synthesizes with both packs; the only acknowledgements are the ones every receiver has, and its routes\' authorization', () => {
    // GIVEN an HTTP API receiver with a GET route, per-route throttling, a key and a custom domain
    const given = givenStack({ nag: true, outdir });
    receiver(given, {
      apiType: ApiType.HTTP,
      providers: [WebhookProvider.stripe({ secret: given.stripeSecret, throttlingRateLimit: 10 }), WebhookProvider.meta({ secret: given.githubSecret })],
      encryptionKey: new kms.Key(given.stack, 'Key', { enableKeyRotation: true }),
      customDomain: { domainName: 'hooks.example.com', certificate: acm.Certificate.fromCertificateArn(given.stack, 'Certificate', 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555') },
    });

    // WHEN
    expect(() => given.app.synth()).not.toThrow();

    // THEN
    // (No stage finding to acknowledge: the stage has access logs and throttling, and X-Ray does not trace HTTP APIs.)
    expect(receiverRules(acknowledgements(outdir, 'Test'))).toEqual(
      [
        'Processor/SqsEventSource: Serverless-LambdaEventSourceMappingDestination',
        'Receiver/DeadLetterQueue: Serverless-SQSRedrivePolicy',
        'Receiver/HttpApi/GETMeta: AwsSolutions-APIG4',
        'Receiver/HttpApi/GETMeta: AwsSolutions-COG4',
        'Receiver/HttpApi/POSTMeta: AwsSolutions-APIG4',
        'Receiver/HttpApi/POSTMeta: AwsSolutions-COG4',
        'Receiver/HttpApi/POSTStripe: AwsSolutions-APIG4',
        'Receiver/HttpApi/POSTStripe: AwsSolutions-COG4',
        'Receiver/Verifier: Serverless-LambdaDLQ',
        'Receiver/Verifier: Serverless-LambdaTracing',
      ].sort(),
    );
  });
});

describe('the example app (bin/app.ts)', () => {
  test('synthesizes with both packs applied to it, as `cdk synth` runs it', () => {
    // GIVEN the app as built (npm run build compiles bin/app.ts)
    const app = path.join(__dirname, '..', 'bin', 'app.js');
    expect(existsSync(app)).toBe(true);

    // WHEN
    const result = spawnSync(process.execPath, [app], { env: { ...process.env, CDK_OUTDIR: outdir }, encoding: 'utf8' });

    // THEN
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(existsSync(path.join(outdir, 'WebhookReceiverExample.template.json'))).toBe(true);
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
    // The app registers the packs itself: its source says so, and the acknowledgements it needs are recorded.
    expect(readFileSync(path.join(__dirname, '..', 'bin', 'app.ts'), 'utf8')).toMatch(/addPlugins\(new AwsSolutionsChecks\(app\), new ServerlessChecks\(app\)\)/);
    const found = acknowledgements(outdir, 'WebhookReceiverExample');
    expect(Object.keys(found)).toEqual(expect.arrayContaining(['/WebhookReceiverExample/Webhooks/Verifier', '/WebhookReceiverExample/Processor']));
  });
});
