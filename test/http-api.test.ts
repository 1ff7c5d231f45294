/**
 * The HTTP API variant (`apiType: ApiType.HTTP`) in the template: routes per provider with the same paths as the
 * REST API, a named stage with throttling and JSON access logs (encrypted with `encryptionKey` when given), one
 * payload 2.0 integration, one invoke permission scoped to the stage, no REST API at all; the custom domain for both
 * variants, and the public URL that URL-signing providers sign derived from it; the refusals of what an HTTP API
 * cannot do (WAF, resource-policy allowlists). The verifier's side (payload 2.0 events) is in
 * http-api-verifier.test.ts.
 */
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ApiType, WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';
import { givenStack, type Given } from './support/stacks';
import { logicalIdOf, verifierConfigOf } from './support/verifier-config';

const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

function httpReceiver(given: Given, props: Partial<WebhookReceiverProps> = {}): WebhookReceiver {
  return new WebhookReceiver(given.stack, 'Receiver', {
    apiType: ApiType.HTTP,
    providers: [WebhookProvider.stripe({ secret: given.stripeSecret }), WebhookProvider.github({ secret: given.githubSecret })],
    processor: given.processor,
    ...props,
  });
}

const certificate = (stack: Stack) => acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN);
const ref = (construct: IConstruct | undefined) => ({ Ref: logicalIdOf(construct!) });

describe('the HTTP API variant', () => {
  test('creates an HTTP API with a POST route per provider and no REST API', () => {
    // GIVEN / WHEN
    const given = givenStack();
    const receiver = httpReceiver(given);
    const template = Template.fromStack(given.stack);

    // THEN
    expect(receiver.api).toBeUndefined();
    expect(receiver.httpApi).toBeDefined();
    template.resourceCountIs('AWS::ApiGateway::RestApi', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey).sort();
    expect(routes).toEqual(['POST /github', 'POST /stripe']);
    // One integration, shared, payload format 2.0, with the verifier.
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [logicalIdOf(receiver.verifier), 'Arn'] },
    });
  });

  test('a provider with a GET handshake gets a GET route too, at the same path', () => {
    // GIVEN / WHEN
    const given = givenStack();
    const secret = new secretsmanager.Secret(given.stack, 'MetaSecret');
    httpReceiver(given, { providers: [WebhookProvider.meta({ secret })] });

    // THEN
    const routes = Object.values(Template.fromStack(given.stack).findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey).sort();
    expect(routes).toEqual(['GET /meta', 'POST /meta']);
  });

  test('the named stage throttles with the receiver\'s limits, per route where a provider sets its own, and auto-deploys', () => {
    // GIVEN / WHEN
    const given = givenStack();
    httpReceiver(given, {
      throttlingRateLimit: 50,
      throttlingBurstLimit: 80,
      providers: [WebhookProvider.stripe({ secret: given.stripeSecret, throttlingRateLimit: 5 }), WebhookProvider.github({ secret: given.githubSecret })],
    });

    // THEN
    Template.fromStack(given.stack).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'webhooks',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 80 },
      RouteSettings: { 'POST /stripe': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 80 } },
    });
  });

  test('the stage writes JSON access logs, without bodies or headers, to the receiver\'s access log group, encrypted with encryptionKey', () => {
    // GIVEN / WHEN
    const given = givenStack();
    const key = new kms.Key(given.stack, 'Key', { enableKeyRotation: true });
    httpReceiver(given, { encryptionKey: key });
    const template = Template.fromStack(given.stack);

    // THEN
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    const settings = stage.Properties.AccessLogSettings;
    const [logGroupId] = Object.entries(template.findResources('AWS::Logs::LogGroup')).find(([, r]) => JSON.stringify(r.Properties.LogGroupName ?? '').includes('access'))!;
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
    const format = JSON.parse(settings.Format);
    expect(Object.keys(format).sort()).toEqual(['httpMethod', 'integrationError', 'ip', 'protocol', 'requestId', 'requestTime', 'responseLength', 'routeKey', 'status']);
    expect(settings.Format).not.toMatch(/header|body/i);
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('/access$'), KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(key), 'Arn'] } });
  });

  test('one invoke permission, for API Gateway, scoped to this API\'s stage', () => {
    // GIVEN / WHEN
    const given = givenStack();
    const receiver = httpReceiver(given);
    const template = Template.fromStack(given.stack);

    // THEN
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission', { Properties: { FunctionName: { 'Fn::GetAtt': [logicalIdOf(receiver.verifier), 'Arn'] } } }));
    expect(permissions).toHaveLength(1);
    expect(permissions[0].Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', ref(receiver.httpApi), '/webhooks/*/*']],
      },
    });
  });

  test('urlFor and url give the stage URL, the same paths as the REST API\'s', () => {
    // GIVEN / WHEN
    const given = givenStack();
    const receiver = httpReceiver(given);
    const resolve = (value: string) => JSON.stringify(given.stack.resolve(value));

    // THEN
    const apiRef = JSON.stringify(ref(receiver.httpApi));
    expect(resolve(receiver.url)).toContain(apiRef);
    expect(resolve(receiver.url)).toMatch(/\/webhooks\/"\]\]\}$/);
    expect(resolve(receiver.urlFor('stripe'))).toMatch(/\/webhooks\/stripe"\]\]\}$/);
  });

  test('the API metrics of the alarms and the dashboard are the HTTP API stage\'s', () => {
    // GIVEN / WHEN
    const given = givenStack();
    const receiver = httpReceiver(given);
    const template = Template.fromStack(given.stack);

    // THEN the server-error alarm reads AWS/ApiGateway 5xx by ApiId and Stage
    const alarms = JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toContain('"MetricName":"5xx"');
    expect(alarms).toContain(JSON.stringify({ Name: 'ApiId', Value: ref(receiver.httpApi) }));
  });

  test('fails if combined with waf, naming both props', () => {
    const given = givenStack();
    expect(() => httpReceiver(given, { waf: { rateLimit: 1000 } })).toThrow(/apiType: ApiType\.HTTP cannot be combined with waf/);
  });

  test('fails if combined with apiGatewayCloudWatchRole: true (an HTTP API needs no account role), and creates none', () => {
    const given = givenStack();
    expect(() => httpReceiver(given, { apiGatewayCloudWatchRole: true })).toThrow(
      /apiType: ApiType\.HTTP cannot be combined with apiGatewayCloudWatchRole: true/,
    );
    for (const props of [{}, { apiGatewayCloudWatchRole: false }]) {
      const other = givenStack();
      httpReceiver(other, props);
      Template.fromStack(other.stack).resourceCountIs('AWS::ApiGateway::Account', 0);
    }
  });

  test('fails if a provider sets allowedIpRanges, naming both props', () => {
    const given = givenStack();
    expect(() => httpReceiver(given, { providers: [WebhookProvider.stripe({ secret: given.stripeSecret, allowedIpRanges: ['192.0.2.0/24'] })] })).toThrow(
      /Provider "stripe" sets allowedIpRanges, which needs a resource policy, and an HTTP API \(apiType: ApiType\.HTTP\) has none/,
    );
  });

  test('fails if a provider with allowedIpRanges is added later, leaving no trace', () => {
    // GIVEN
    const given = givenStack();
    const receiver = httpReceiver(given);
    const secret = new secretsmanager.Secret(given.stack, 'Other');

    // WHEN / THEN
    expect(() => receiver.addProvider(WebhookProvider.github({ secret, id: 'github-2', allowedIpRanges: ['192.0.2.0/24'] }))).toThrow(/allowedIpRanges/);
    expect(receiver.providers.map((p) => p.id)).toEqual(['stripe', 'github']);
  });

  test('fails if apiType is not an ApiType', () => {
    const given = givenStack();
    expect(() => httpReceiver(given, { apiType: 'GRPC' as ApiType })).toThrow(/apiType must be an ApiType \(ApiType\.REST or ApiType\.HTTP\)/);
  });
});

describe('a custom domain', () => {
  test('HTTP API: a regional domain name with the certificate, mapped to the stage at the root', () => {
    // GIVEN / WHEN
    const given = givenStack();
    const receiver = httpReceiver(given, { customDomain: { domainName: 'hooks.example.com', certificate: certificate(given.stack) } });
    const template = Template.fromStack(given.stack);

    // THEN
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'hooks.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: CERTIFICATE_ARN, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiId: ref(receiver.httpApi),
      DomainName: { Ref: logicalIdOf(receiver.httpDomainName!) },
      Stage: 'webhooks',
      ApiMappingKey: Match.absent(),
    });
    template.hasResource('AWS::ApiGatewayV2::ApiMapping', { DependsOn: [logicalIdOf(receiver.httpStage!)] });
    expect(receiver.url).toBe('https://hooks.example.com/');
    expect(receiver.urlFor('stripe')).toBe('https://hooks.example.com/stripe');
  });

  test('REST API: a regional domain name and a base path mapping to the deployment stage', () => {
    // GIVEN / WHEN
    const given = givenStack();
    const receiver = new WebhookReceiver(given.stack, 'Receiver', {
      provider: WebhookProvider.stripe({ secret: given.stripeSecret }),
      processor: given.processor,
      customDomain: { domainName: 'hooks.example.com', certificate: certificate(given.stack), basePath: 'payments' },
    });
    const template = Template.fromStack(given.stack);

    // THEN
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'hooks.example.com',
      RegionalCertificateArn: CERTIFICATE_ARN,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', {
      DomainName: { Ref: logicalIdOf(receiver.domainName!) },
      RestApiId: { Ref: logicalIdOf(receiver.api!) },
      BasePath: 'payments',
      Stage: { Ref: logicalIdOf(receiver.api!.deploymentStage) },
    });
    expect(receiver.urlFor('stripe')).toBe('https://hooks.example.com/payments/stripe');
  });

  test.each([ApiType.REST, ApiType.HTTP])('%s: the URL-signing providers sign the URL on the custom domain', (apiType) => {
    // GIVEN / WHEN
    const given = givenStack();
    const secret = new secretsmanager.Secret(given.stack, 'Secret');
    const receiver = new WebhookReceiver(given.stack, 'Receiver', {
      apiType,
      providers: [WebhookProvider.twilio({ secret }), WebhookProvider.square({ secret }), WebhookProvider.hubspot({ secret }), WebhookProvider.stripe({ secret })],
      processor: given.processor,
      customDomain: { domainName: 'hooks.example.com', certificate: certificate(given.stack), basePath: 'in' },
    });

    // THEN
    const { providers } = verifierConfigOf(receiver);
    expect(providers['/twilio'].publicUrl).toBe('https://hooks.example.com/in/twilio');
    expect(providers['/square'].publicUrl).toBe('https://hooks.example.com/in/square');
    expect(providers['/hubspot'].publicUrl).toBe('https://hooks.example.com/in/hubspot');
    expect(providers['/stripe'].publicUrl).toBeUndefined();
  });

  test('without a custom domain, an HTTP API\'s URL-signing provider signs the stage URL', () => {
    // GIVEN / WHEN
    const given = givenStack();
    const secret = new secretsmanager.Secret(given.stack, 'Secret');
    const receiver = httpReceiver(given, { providers: [WebhookProvider.twilio({ secret })] });

    // THEN
    expect(verifierConfigOf(receiver).providers['/twilio'].publicUrl).toMatch(
      /^https:\/\/<Ref ReceiverHttpApi[0-9A-F]+>\.execute-api\.<Ref AWS::Region>\.<Ref AWS::URLSuffix>\/webhooks\/twilio$/,
    );
  });

  test.each([
    ['https://hooks.example.com', /customDomain\.domainName must be a host name such as 'hooks\.example\.com' \(no scheme, path or port\), got 'https:\/\/hooks\.example\.com'/],
    ['hooks.example.com/x', /customDomain\.domainName must be a host name/],
  ])('fails if the domain name is %s', (domainName, message) => {
    const given = givenStack();
    expect(() => httpReceiver(given, { customDomain: { domainName, certificate: certificate(given.stack) } })).toThrow(message);
  });

  test('fails if the base path has a slash', () => {
    const given = givenStack();
    expect(() => httpReceiver(given, { customDomain: { domainName: 'hooks.example.com', certificate: certificate(given.stack), basePath: '/in' } })).toThrow(
      /customDomain\.basePath must be one path segment .* got '\/in'/,
    );
  });

  test('fails if the certificate is not an ICertificate', () => {
    const given = givenStack();
    expect(() => httpReceiver(given, { customDomain: { domainName: 'hooks.example.com', certificate: CERTIFICATE_ARN as never } })).toThrow(/customDomain\.certificate must be an acm\.ICertificate/);
  });
});
