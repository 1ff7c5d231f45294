/**
 * The receiver's security options in the template: source address allowlists per route (the API's resource
 * policy), per-route throttling, the WAF web ACL, a customer managed key for the table, queues and logs, log
 * retention, tracing, API Gateway's own rejections in the verifier's format, and the request limits handed to
 * the verifier.
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { MediaType, WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';
import { verifierConfigOf } from './support/verifier-config';
import { givenStack, type Given } from './support/stacks';

function receiver(given: Given, props: Partial<WebhookReceiverProps> = {}): WebhookReceiver {
  return new WebhookReceiver(given.stack, 'Receiver', {
    providers: [WebhookProvider.stripe({ secret: given.stripeSecret }), WebhookProvider.github({ secret: given.githubSecret })],
    processor: given.processor,
    ...props,
  });
}

/** The verifier's configuration, with each CloudFormation reference written as `<Ref LogicalId>`. */
function verifierConfig(_stack: Stack, r: WebhookReceiver): any {
  return verifierConfigOf(r);
}

function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

describe('source address allowlist', () => {
  const STRIPE_RANGES = ['3.18.12.63/32', '3.130.192.231/32', '2600:1f18:2489:8200::/56'];

  test('the route of a provider with allowedIpRanges may be invoked only from them; the others from anywhere', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    receiver(given, {
      providers: [
        WebhookProvider.stripe({ secret: given.stripeSecret, allowedIpRanges: STRIPE_RANGES }),
        WebhookProvider.github({ secret: given.githubSecret }),
      ],
    });

    // THEN
    const invoke = { Action: 'execute-api:Invoke', Principal: { AWS: '*' } };
    Template.fromStack(given.stack).hasResourceProperties('AWS::ApiGateway::RestApi', {
      Policy: {
        Version: '2012-10-17',
        Statement: [
          { ...invoke, Sid: 'AllowFromRangesStripe', Effect: 'Allow', Resource: 'execute-api:/*/*/stripe', Condition: { IpAddress: { 'aws:SourceIp': STRIPE_RANGES } } },
          { ...invoke, Sid: 'DenyOutsideRangesStripe', Effect: 'Deny', Resource: 'execute-api:/*/*/stripe', Condition: { NotIpAddress: { 'aws:SourceIp': STRIPE_RANGES } } },
          { ...invoke, Sid: 'AllowGithub', Effect: 'Allow', Resource: 'execute-api:/*/*/github' },
        ],
      },
    });
  });

  test('routes added before the first allowlisted one are allowed too (a resource policy denies what it does not allow)', () => {
    // GIVEN a receiver whose first provider has no allowlist
    const given = givenStack();
    const r = receiver(given, { providers: [WebhookProvider.github({ secret: given.githubSecret })] });

    // WHEN an allowlisted provider is added
    r.addProvider(WebhookProvider.stripe({ secret: given.stripeSecret, allowedIpRanges: ['192.0.2.0/24'] }));

    // THEN
    const policy = Object.values(Template.fromStack(given.stack).findResources('AWS::ApiGateway::RestApi'))[0].Properties.Policy;
    expect(policy.Statement.map((s: any) => s.Sid)).toEqual(['AllowGithub', 'AllowFromRangesStripe', 'DenyOutsideRangesStripe']);
  });

  test('without any allowlist there is no resource policy', () => {
    const given = givenStack();
    receiver(given);
    Template.fromStack(given.stack).hasResourceProperties('AWS::ApiGateway::RestApi', { Policy: Match.absent() });
  });

  test('changing the ranges deploys the API again, so API Gateway applies the new policy', () => {
    const deploymentOf = (ranges: string[]) => {
      const given = givenStack();
      receiver(given, { providers: [WebhookProvider.stripe({ secret: given.stripeSecret, allowedIpRanges: ranges })] });
      return Object.keys(Template.fromStack(given.stack).findResources('AWS::ApiGateway::Deployment'))[0];
    };
    expect(deploymentOf(['192.0.2.0/24'])).not.toBe(deploymentOf(['198.51.100.0/24']));
    expect(deploymentOf(['192.0.2.0/24'])).toBe(deploymentOf(['192.0.2.0/24']));
  });

  test.each([['10.0.0.1'], ['300.1.1.1/8'], ['10.0.0.0/33'], ['2001:db8::/129'], ['hooks.stripe.com/32'], ['']])('fails if a range is not a CIDR block: %j', (range) => {
    const given = givenStack();
    expect(() => WebhookProvider.stripe({ secret: given.stripeSecret, allowedIpRanges: [range] })).toThrow(
      new RegExp(`allowedIpRanges of provider "stripe": "${range.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" is not a CIDR block`),
    );
  });

  test('a policy longer than API Gateway\'s 8192-character quota is warned about', () => {
    const given = givenStack();
    const ranges = Array.from({ length: 400 }, (_, i) => `10.${Math.floor(i / 250)}.${i % 250}.0/24`);
    receiver(given, { providers: [WebhookProvider.stripe({ secret: given.stripeSecret, allowedIpRanges: ranges })] });
    Annotations.fromStack(given.stack).hasWarning('/Test/Receiver/Api', Match.stringLikeRegexp("The API's resource policy is about \\d+ characters; API Gateway takes 8192"));
  });

  test('fails if the list is empty', () => {
    const given = givenStack();
    expect(() => WebhookProvider.github({ secret: given.githubSecret, allowedIpRanges: [] })).toThrow(
      /allowedIpRanges of provider "github" is empty, which would refuse every request/,
    );
  });
});

describe('per-route throttling', () => {
  test('a route with its own limits gets method settings for each of its methods; the stage keeps its own', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    receiver(given, {
      throttlingRateLimit: 50,
      throttlingBurstLimit: 80,
      providers: [
        WebhookProvider.stripe({ secret: given.stripeSecret, throttlingRateLimit: 10 }),
        WebhookProvider.meta({ secret: given.githubSecret, throttlingRateLimit: 5, throttlingBurstLimit: 10 }),
        WebhookProvider.github({ secret: given.githubSecret }),
      ],
    });

    // THEN
    const route = { DataTraceEnabled: false, LoggingLevel: 'ERROR', MetricsEnabled: true };
    Template.fromStack(given.stack).hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [
        { ...route, HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 80 },
        { ...route, HttpMethod: 'POST', ResourcePath: '/~1stripe', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 80 },
        { ...route, HttpMethod: 'GET', ResourcePath: '/~1meta', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
        { ...route, HttpMethod: 'POST', ResourcePath: '/~1meta', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      ],
    });
  });

  test('fails if a route limit is out of range', () => {
    const given = givenStack();
    expect(() => WebhookProvider.stripe({ secret: given.stripeSecret, throttlingRateLimit: 0 })).toThrow(
      /throttlingRateLimit of provider "stripe" must be a whole number from 1 to 10000, got 0/,
    );
    expect(() => WebhookProvider.stripe({ secret: given.stripeSecret, throttlingBurstLimit: 5001 })).toThrow(
      /throttlingBurstLimit of provider "stripe" must be a whole number from 1 to 5000, got 5001/,
    );
  });
});

describe('WAF', () => {
  test('waf creates a regional web ACL with a rate-based rule per address, answering 429 rate_limited, on the stage', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const r = receiver(given, { waf: { rateLimit: 500 } });

    // THEN
    const template = Template.fromStack(given.stack);
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: [
        {
          Name: 'RateLimitPerAddress',
          Priority: 0,
          Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'rateLimited' } } },
          Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 500, EvaluationWindowSec: 300 } },
          VisibilityConfig: Match.objectLike({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: false }),
        },
      ],
      CustomResponseBodies: {
        rateLimited: { ContentType: 'APPLICATION_JSON', Content: JSON.stringify({ ok: false, error: 'rate_limited', message: 'Too many requests from this address; retry later.' }) },
      },
    });
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: { 'Fn::GetAtt': [logicalId(given.stack, { node: { defaultChild: r.webAcl } }), 'Arn'] },
      ResourceArn: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':apigateway:', '::/restapis/', '/stages/'])] }),
    });
    expect(r.webAcl).toBeDefined();
  });

  test('the window and Amazon\'s IP reputation list are options', () => {
    const given = givenStack();
    receiver(given, { waf: { rateLimit: 100, rateLimitWindow: Duration.minutes(1), blockIpReputationList: true } });
    const acl = Object.values(Template.fromStack(given.stack).findResources('AWS::WAFv2::WebACL'))[0].Properties;
    expect(acl.Rules.map((rule: any) => [rule.Priority, rule.Name])).toEqual([[0, 'AmazonIpReputationList'], [1, 'RateLimitPerAddress']]);
    expect(acl.Rules[0].Statement).toEqual({ ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesAmazonIpReputationList' } });
    expect(acl.Rules[1].Statement.RateBasedStatement.EvaluationWindowSec).toBe(60);
  });

  test('no web ACL without waf', () => {
    const given = givenStack();
    const r = receiver(given);
    Template.fromStack(given.stack).resourceCountIs('AWS::WAFv2::WebACL', 0);
    Template.fromStack(given.stack).resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    expect(r.webAcl).toBeUndefined();
  });

  test('fails if the rate limit or the window is not one WAF takes', () => {
    expect(() => receiver(givenStack(), { waf: { rateLimit: 9 } })).toThrow(/waf.rateLimit must be a whole number from 10 to 2000000000, got 9/);
    expect(() => receiver(givenStack(), { waf: { rateLimit: 100, rateLimitWindow: Duration.minutes(3) } })).toThrow(
      /waf.rateLimitWindow must be 1, 2, 5 or 10 minutes, got 180 seconds/,
    );
  });
});

describe('customer managed key', () => {
  test('encrypts the table, both queues and both log groups, and lets CloudWatch Logs use it', () => {
    // GIVEN
    const given = givenStack();
    const key = new kms.Key(given.stack, 'Key', { enableKeyRotation: true });
    const keyArn = { 'Fn::GetAtt': [given.stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] };

    // WHEN
    receiver(given, { encryptionKey: key });

    // THEN
    const template = Template.fromStack(given.stack);
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn } });
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    expect(queues.map((q) => [q.Properties.KmsMasterKeyId, q.Properties.SqsManagedSseEnabled])).toEqual([[keyArn, undefined], [keyArn, undefined]]);
    const receiverLogs = Object.entries(template.findResources('AWS::Logs::LogGroup')).filter(([id]) => id.startsWith('Receiver'));
    expect(receiverLogs.map(([id, lg]) => [id.replace(/[0-9A-F]{8}$/, ''), lg.Properties.KmsKeyId])).toEqual([
      ['ReceiverVerifierLogs', keyArn],
      ['ReceiverAccessLogs', keyArn],
    ]);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: Match.stringLikeRegexp('^AllowCloudWatchLogsOf'),
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  test('the verifier and the processor may use the key for the data, by name (no kms:* wildcard), only via SQS and DynamoDB', () => {
    const given = givenStack();
    const key = new kms.Key(given.stack, 'Key', { enableKeyRotation: true });
    const r = receiver(given, { encryptionKey: key });
    const keyArn = { 'Fn::GetAtt': [given.stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] };
    const template = Template.fromStack(given.stack);
    for (const role of [r.verifier.role!, given.processor.role!]) {
      const roleRef = { Ref: given.stack.getLogicalId(role.node.defaultChild as never) };
      const statements = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [roleRef] } })).flatMap(
        (p: any) => p.Properties.PolicyDocument.Statement,
      );
      const onKey = statements.filter((s: any) => JSON.stringify(s.Resource) === JSON.stringify(keyArn));
      const kmsActions = onKey.flatMap((s: any) => [s.Action].flat());
      expect(kmsActions).toEqual(expect.arrayContaining(['kms:Decrypt']));
      expect(kmsActions.filter((a: string) => a.includes('*') || a === 'kms:Encrypt' || a.startsWith('kms:ReEncrypt') || a === 'kms:GenerateDataKeyWithoutPlaintext')).toEqual([]);
      for (const statement of onKey) expect(Object.keys(statement.Condition?.StringEquals ?? {})).toEqual(['kms:ViaService']);
    }
  });

  test('without a key: the AWS managed table key, SQS-managed encryption, CloudWatch Logs\' own encryption', () => {
    const given = givenStack();
    receiver(given);
    const template = Template.fromStack(given.stack);
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() } });
    for (const queue of Object.values(template.findResources('AWS::SQS::Queue'))) {
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
      expect(queue.Properties.KmsMasterKeyId).toBeUndefined();
    }
    for (const lg of Object.values(template.findResources('AWS::Logs::LogGroup'))) expect(lg.Properties.KmsKeyId).toBeUndefined();
  });

  test('an imported key cannot be given the CloudWatch Logs statement: a warning says what to add', () => {
    const given = givenStack();
    const key = kms.Key.fromKeyArn(given.stack, 'Imported', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    receiver(given, { encryptionKey: key });
    Annotations.fromStack(given.stack).hasWarning('/Test/Receiver', Match.stringLikeRegexp('its key policy cannot be extended here: it must allow the service principal logs.<region>.amazonaws.com'));
  });
});

describe('log retention and tracing', () => {
  test('both log groups keep a month by default, and logRetention sets both', () => {
    const given = givenStack();
    receiver(given);
    const other = givenStack();
    receiver(other, { logRetention: logs.RetentionDays.ONE_YEAR });
    const retentions = (stack: Stack) =>
      Object.entries(Template.fromStack(stack).findResources('AWS::Logs::LogGroup'))
        .filter(([id]) => id.startsWith('Receiver'))
        .map(([, lg]) => lg.Properties.RetentionInDays);
    expect(retentions(given.stack)).toEqual([30, 30]);
    expect(retentions(other.stack)).toEqual([365, 365]);
  });

  test('tracing is off by default, and tracing: true traces the verifier and the stage', () => {
    const off = givenStack();
    const r = receiver(off);
    const on = givenStack();
    const traced = receiver(on, { tracing: true });
    const fn = (stack: Stack, rec: WebhookReceiver) => Template.fromStack(stack).toJSON().Resources[logicalId(stack, rec.verifier)].Properties;
    const stage = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::Stage'))[0].Properties;
    expect(fn(off.stack, r).TracingConfig).toBeUndefined();
    expect(stage(off.stack).TracingEnabled).toBe(false);
    expect(fn(on.stack, traced).TracingConfig).toEqual({ Mode: 'Active' });
    expect(stage(on.stack).TracingEnabled).toBe(true);
  });
});

describe('API Gateway\'s own rejections', () => {
  test.each([
    ['ACCESS_DENIED', '403', 'access_denied'],
    ['WAF_FILTERED', '403', 'request_blocked'],
    ['THROTTLED', '429', 'throttled'],
    ['MISSING_AUTHENTICATION_TOKEN', '404', 'unknown_route'],
    ['REQUEST_TOO_LARGE', '413', 'request_too_large'],
    ['DEFAULT_4XX', undefined, 'request_rejected'],
    ['DEFAULT_5XX', undefined, 'internal_error'],
  ])('%s answers %p (undefined: the status API Gateway chose) with the code %s in the verifier\'s JSON shape', (type, status, code) => {
    const given = givenStack();
    receiver(given);
    const responses = Template.fromStack(given.stack).findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: type } });
    const [response] = Object.values(responses);
    expect(response.Properties.StatusCode).toBe(status);
    const body = JSON.parse(response.Properties.ResponseTemplates['application/json']);
    expect(body).toEqual({ ok: false, error: code, message: expect.any(String) });
  });
});

describe('request limits and media types handed to the verifier', () => {
  test('defaults are left out of the configuration; other values are passed on', () => {
    const given = givenStack();
    const r = receiver(given);
    expect(verifierConfig(given.stack, r)).not.toHaveProperty('maxHeaderCount');
    expect(verifierConfig(given.stack, r)).not.toHaveProperty('maxHeaderBytes');

    const other = givenStack();
    const limited = receiver(other, { maxHeaderCount: 40, maxHeaderSize: Size.kibibytes(8) });
    expect(verifierConfig(other.stack, limited)).toMatchObject({ maxHeaderCount: 40, maxHeaderBytes: 8192 });
  });

  test('fails if a header limit is out of range', () => {
    expect(() => receiver(givenStack(), { maxHeaderCount: 5 })).toThrow(/maxHeaderCount must be a whole number from 10 to 1000, got 5/);
    expect(() => receiver(givenStack(), { maxHeaderSize: Size.kibibytes(65) })).toThrow(/maxHeaderSize \(bytes\) must be a whole number from 1024 to 65536, got 66560/);
  });

  test('a provider\'s contentTypes are passed on, lowercased; the defaults are not', () => {
    const given = givenStack();
    const r = receiver(given, {
      providers: [
        WebhookProvider.stripe({ secret: given.stripeSecret }),
        WebhookProvider.shopify({ secret: given.githubSecret, contentTypes: [MediaType.JSON, 'Application/XML'] }),
      ],
    });
    const { providers } = verifierConfig(given.stack, r);
    expect(providers['/stripe'].contentTypes).toBeUndefined();
    expect(providers['/shopify'].contentTypes).toEqual(['application/json', 'application/xml']);
  });

  test.each([[[]], [['json']], [['application/json;charset=utf-8']], [['*/json']]])('fails if contentTypes is not a list of media ranges: %j', (contentTypes) => {
    const given = givenStack();
    expect(() => WebhookProvider.stripe({ secret: given.stripeSecret, contentTypes })).toThrow(/contentTypes of provider "stripe" must be media ranges/);
  });
});
