/**
 * The construct side of the providers verified by certificates (PayPal, the App Store, and the generic
 * `certificateUrl` and `x5cJws`): no secret is granted or configured for them, the test-only overrides of the
 * verifier cannot be set through the construct, and every bad option fails with a message.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AppStoreEnvironment, CertificateSignatureAlgorithm, RequestValue, WebhookProvider, WebhookReceiver } from '../lib';
import { receiverWith } from './support/stacks';
import { verifierConfigOf } from './support/verifier-config';


test('PayPal and the App Store get no secret: none is configured, none is granted; Stripe beside them keeps its own', () => {
  // GIVEN
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const stripeSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'StripeSecret', 'webhooks/stripe');
  const processor = new lambda.Function(stack, 'Processor', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });

  // WHEN
  const receiver = new WebhookReceiver(stack, 'Receiver', {
    providers: [
      WebhookProvider.stripe({ secret: stripeSecret }),
      WebhookProvider.paypal({ webhookId: '8PT597110X687430LKGECATA' }),
      WebhookProvider.appStore({ bundleId: 'com.example.app', appAppleId: 1234567890 }),
    ],
    processor,
  });

  // THEN
  const config = verifierConfigOf(receiver);
  expect(config.providers['/paypal']).toEqual({ certificates: { webhookId: '8PT597110X687430LKGECATA' } });
  expect(config.providers['/app-store']).toEqual({ certificates: { claims: { bundleId: 'com.example.app', environment: 'Production', appAppleId: '1234567890' } } });
  expect(config.providers['/stripe'].secretId).toBe('webhooks/stripe');
  const template = Template.fromStack(stack);
  const secretStatements = Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement)
    .filter((statement: any) => [statement.Action].flat().some((action: string) => action.startsWith('secretsmanager:')));
  expect(secretStatements).toHaveLength(1);
  expect(JSON.stringify(secretStatements[0].Resource)).toContain('webhooks/stripe');
});

test('the verifier\'s environment carries none of the test-only overrides', () => {
  const { stack } = receiverWith(WebhookProvider.paypal({ webhookId: 'WH1' }), WebhookProvider.appStore({ bundleId: 'com.example.app', environment: AppStoreEnvironment.SANDBOX }));
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  const text = JSON.stringify(functions);
  expect(text).not.toMatch(/WEBHOOK_RECEIVER_TEST_/);
  Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Environment: Match.objectLike({ Variables: Match.objectLike({}) }) });
});

describe('WebhookProvider.paypal()', () => {
  test('fails if webhookId is missing or not an id', () => {
    expect(() => WebhookProvider.paypal({} as never)).toThrow(/webhookId of WebhookProvider.paypal\(\) must be PayPal's webhook id/);
    expect(() => WebhookProvider.paypal({ webhookId: 'WH 1|x' })).toThrow(/1-64 letters, digits or dashes/);
  });

  test('fails if given a secret: it has none', () => {
    const stack = new Stack();
    const secret = new secretsmanager.Secret(stack, 'S');
    expect(() => WebhookProvider.paypal({ webhookId: 'WH1', secret } as never)).toThrow(/takes no secret: its requests are verified by certificates/);
  });
});

describe('WebhookProvider.certificateUrl()', () => {
  const base = { id: 'acme', certificateUrlHeader: 'X-Cert-Url', signatureHeader: 'X-Signature', allowedHosts: ['certs.acme.example'] };

  test('configures the scheme: hosts, template with lowercased header names, algorithm, timeout', () => {
    const provider = WebhookProvider.certificateUrl({
      ...base,
      allowedHosts: ['certs.acme.example', '*.keys.acme.example'],
      certificatePathPrefix: '/certs/',
      signedContent: '{header:X-Acme-Id}.{crc32}',
      subjectCommonNames: ['signer.acme.example'],
      algorithm: CertificateSignatureAlgorithm.ECDSA_SHA256,
      fetchTimeout: Duration.seconds(3),
      deliveryId: [RequestValue.header('X-Acme-Id')],
    });
    expect(provider.secret).toBeUndefined();
    expect(provider._toConfig('').scheme).toEqual({
      certificateUrl: {
        certUrlHeader: 'x-cert-url',
        allowedHosts: ['certs.acme.example', '*.keys.acme.example'],
        pathPrefix: '/certs/',
        signatureHeader: 'x-signature',
        algorithm: 'ecdsa-sha256',
        signedContent: '{header:x-acme-id}.{crc32}',
        subjectCommonNames: ['signer.acme.example'],
        fetchTimeoutMs: 3000,
      },
    });
  });

  test.each([
    ['an IP address', '10.0.0.1'],
    ['a port', 'certs.acme.example:8443'],
    ['a URL', 'https://certs.acme.example'],
    ['uppercase', 'Certs.Acme.Example'],
    ['a bare wildcard', '*'],
  ])('fails if an allowed host is %s', (_name, host) => {
    expect(() => WebhookProvider.certificateUrl({ ...base, allowedHosts: [host] })).toThrow(/must be a lowercase DNS name \(or \*\.name\), not an address, a port or a URL/);
  });

  test('fails if no host is allowed', () => {
    expect(() => WebhookProvider.certificateUrl({ ...base, allowedHosts: [] })).toThrow(/allowedHosts must list at least one host/);
  });

  test('fails if the signed content covers neither the body nor its CRC-32', () => {
    expect(() => WebhookProvider.certificateUrl({ ...base, signedContent: '{header:x-id}' })).toThrow(/must include \{body\} or \{crc32\}/);
  });

  test('fails if the signed content uses an unknown placeholder', () => {
    expect(() => WebhookProvider.certificateUrl({ ...base, signedContent: '{timestamp}.{body}' })).toThrow(/uses \{timestamp\}; only \{header:<name>\}, \{webhookId\}, \{crc32\} and \{body\} exist/);
  });

  test('fails if webhookId and {webhookId} do not go together', () => {
    expect(() => WebhookProvider.certificateUrl({ ...base, signedContent: '{webhookId}|{body}' })).toThrow(/Set webhookId exactly when signedContent uses \{webhookId\}/);
    expect(() => WebhookProvider.certificateUrl({ ...base, webhookId: 'WH1' })).toThrow(/Set webhookId exactly when signedContent uses \{webhookId\}/);
  });

  test('fails if the fetch timeout is longer than 10 seconds', () => {
    expect(() => WebhookProvider.certificateUrl({ ...base, fetchTimeout: Duration.seconds(30) })).toThrow(/fetchTimeout must be 100 ms to 10 seconds, got 30000 ms/);
  });

  test('fails if it has no id', () => {
    expect(() => WebhookProvider.certificateUrl({ ...base, id: undefined })).toThrow(/generic provider needs an id/);
  });
});

describe('WebhookProvider.x5cJws()', () => {
  test('fails if a root is not a certificate', () => {
    expect(() => WebhookProvider.x5cJws({ id: 'acme', jwsField: 'signedPayload', rootCertificates: ['bm90IGEgY2VydA=='] })).toThrow(/rootCertificates\[0\] is not a certificate \(PEM, or base64 DER\)/);
  });

  test('fails if no root is given', () => {
    expect(() => WebhookProvider.x5cJws({ id: 'acme', jwsField: 'signedPayload', rootCertificates: [] })).toThrow(/rootCertificates must list at least one root certificate/);
  });

  test('fails if an OID is not dotted decimal', () => {
    const { BUILT_IN_ROOTS } = require('../lambda/verifier/x509') as typeof import('../lambda/verifier/x509');
    expect(() => WebhookProvider.x5cJws({ id: 'acme', jwsField: 'signedPayload', rootCertificates: [BUILT_IN_ROOTS['apple-root-ca-g3']], leafOids: ['apple'] })).toThrow(/OID "apple" must be dotted decimal/);
  });
});
