/**
 * The construct side of `WebhookProvider.jwks`: the configuration it writes for the verifier, that it holds no
 * secret (none configured, none granted), every bad option refused with a message, `ProviderBaseOptions` shared by
 * the providers without a secret, and the docs that describe it.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { BodyHashEncoding, JwksAlgorithm, RequestValue, WebhookProvider, WebhookReceiver, type JwksProviderOptions } from '../lib';
import { FETCH_TIMEOUT_MS, FETCH_WINDOW_MS, KEY_MAX_AGE_MS, MAX_FETCHES_PER_WINDOW, MAX_RESPONSE_BYTES, UNKNOWN_KID_RETRY_MS } from '../lambda/verifier/jwks';
import { receiverWith } from './support/stacks';
import { verifierConfigOf } from './support/verifier-config';

const JWKS_URL = 'https://keys.example.com/.well-known/jwks.json';
const ROOT = path.join(__dirname, '..');


describe('WebhookProvider.jwks', () => {
  test('writes the whole scheme, with no secret configured and none granted (Stripe beside it keeps its own)', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Stack');
    const stripeSecret = secretsmanager.Secret.fromSecretNameV2(stack, 'StripeSecret', 'webhooks/stripe');
    const processor = new lambda.Function(stack, 'Processor', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });

    // WHEN
    const receiver = new WebhookReceiver(stack, 'Receiver', {
      processor,
      providers: [
        WebhookProvider.stripe({ secret: stripeSecret }),
        WebhookProvider.jwks({
          id: 'acme',
          jwksUrl: 'https://Keys.Example.com/.well-known/jwks.json',
          algorithms: [JwksAlgorithm.ES256, JwksAlgorithm.EDDSA, JwksAlgorithm.ES256],
          header: 'X-Acme-Token',
          requireBearer: true,
          issuer: 'https://acme.example',
          audience: 'receiver-1',
          bodyHashClaim: 'body_sha256',
          bodyHashEncoding: BodyHashEncoding.BASE64URL,
          maxAge: Duration.minutes(5),
          clockSkew: Duration.seconds(30),
          deliveryId: [RequestValue.header('X-Acme-Delivery'), RequestValue.jsonPath('id')],
          eventType: RequestValue.jsonPath('type'),
          eventTypes: ['thing.created'],
        }),
      ],
    });

    // THEN
    const config = verifierConfigOf(receiver);
    expect(config.providers['/acme']).toEqual({
      kind: 'custom',
      scheme: {
        jwks: {
          header: 'x-acme-token',
          requireBearer: true,
          algorithms: ['ES256', 'EdDSA'],
          keySource: 'jwks',
          jwksUrl: JWKS_URL,
          bodyHashClaim: 'body_sha256',
          bodyHashEncoding: 'base64url',
          maxAgeSeconds: 300,
          clockSkewSeconds: 30,
          issuer: 'https://acme.example',
          audience: 'receiver-1',
        },
      },
      deliveryId: [{ header: 'x-acme-delivery' }, { jsonPath: 'id' }],
      eventType: { jsonPath: 'type' },
      toleranceSeconds: 300,
      eventTypes: ['thing.created'],
    });
    const secretStatements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement)
      .filter((statement: any) => [statement.Action].flat().some((action: string) => action.startsWith('secretsmanager:')));
    expect(secretStatements).toHaveLength(1);
    expect(JSON.stringify(secretStatements[0].Resource)).toContain('webhooks/stripe');
  });

  test('defaults: Authorization (Bearer optional), RS256 and ES256, exp required (no maxAge), 10 s of skew, the body not covered', () => {
    const provider = WebhookProvider.jwks({ id: 'acme', jwksUrl: JWKS_URL });
    expect(provider.secret).toBeUndefined();
    expect(provider._toConfig('https://unused.example.com')).toEqual({
      kind: 'custom',
      scheme: { jwks: { header: 'authorization', algorithms: ['RS256', 'ES256'], keySource: 'jwks', jwksUrl: JWKS_URL, clockSkewSeconds: 10 } },
      deliveryId: [],
    });
  });

  test('the verifier\'s environment carries no test-only override', () => {
    const { stack } = receiverWith(WebhookProvider.jwks({ id: 'acme', jwksUrl: JWKS_URL }));
    expect(JSON.stringify(Template.fromStack(stack).findResources('AWS::Lambda::Function'))).not.toMatch(/WEBHOOK_RECEIVER_TEST_/);
  });

  const base: JwksProviderOptions = { id: 'acme', jwksUrl: JWKS_URL };
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['the JWK set URL is missing', { jwksUrl: undefined }, /jwksUrl must be the https URL of the JWK set \(e\.g\. "https:\/\/keys\.example\.com\/\.well-known\/jwks\.json"\), got undefined/],
    ['the JWK set URL is not a URL', { jwksUrl: 'keys.example.com/jwks.json' }, /jwksUrl "keys\.example\.com\/jwks\.json" is not a URL/],
    ['the JWK set URL is http', { jwksUrl: 'http://keys.example.com/jwks.json' }, /jwksUrl "http:\/\/keys\.example\.com\/jwks\.json" must use https/],
    ['the JWK set URL carries credentials', { jwksUrl: 'https://user:pw@keys.example.com/jwks.json' }, /must not carry a user name or password/],
    ['the JWK set URL names a port', { jwksUrl: 'https://keys.example.com:8443/jwks.json' }, /must use the default https port \(443\)/],
    ['the JWK set URL has a query', { jwksUrl: 'https://keys.example.com/jwks.json?tenant=1' }, /must have no query or fragment/],
    ['the JWK set URL has a fragment', { jwksUrl: 'https://keys.example.com/jwks.json#k1' }, /must have no query or fragment/],
    ['the JWK set URL names an IPv4 address', { jwksUrl: 'https://169.254.169.254/latest/jwks.json' }, /must name its host as a DNS name/],
    ['the JWK set URL names an IPv6 address', { jwksUrl: 'https://[::1]/jwks.json' }, /must name its host as a DNS name/],
    ['the JWK set URL names localhost', { jwksUrl: 'https://localhost/jwks.json' }, /must name its host as a DNS name/],
    ['algorithms holds none', { algorithms: ['none'] }, /algorithms may hold only ES256, ES384, RS256, RS384, RS512, PS256, EdDSA; got "none" \(`none` and HMAC algorithms prove nothing with a public key\)/],
    ['algorithms holds HS256', { algorithms: ['HS256'] }, /got "HS256" \(`none` and HMAC algorithms prove nothing/],
    ['algorithms holds an unknown alg', { algorithms: ['ES512'] }, /algorithms may hold only .*; got "ES512"\./],
    ['algorithms is empty', { algorithms: [] }, /algorithms must list at least one of ES256/],
    ['algorithms is not an array', { algorithms: 'RS256' }, /algorithms must be an array/],
    ['the header is not a header name', { header: 'X Token' }, /Header name "X Token" is not a valid HTTP header name/],
    ['requireBearer is a string', { requireBearer: 'yes' }, /requireBearer must be true or false, got a string/],
    ['the issuer is empty', { issuer: '' }, /issuer must be 1 to 256 characters, got 0/],
    ['the audience is not a string', { audience: 42 }, /audience must be a string/],
    ['the body hash claim is not a claim name', { bodyHashClaim: 'body hash' }, /bodyHashClaim must be a claim name of 1-64 letters, digits, _, \$ or -, got "body hash"/],
    ['a body hash encoding comes without a claim', { bodyHashEncoding: BodyHashEncoding.HEX }, /bodyHashEncoding is only for a bodyHashClaim/],
    ['the body hash encoding is unknown', { bodyHashClaim: 'h', bodyHashEncoding: 'base32' }, /bodyHashEncoding must be one of hex, base64, base64url, got "base32"/],
    ['maxAge is a number', { maxAge: 300 }, /maxAge must be a Duration/],
    ['maxAge is 0', { maxAge: Duration.seconds(0) }, /tolerance of provider "acme" is 0 s; it must be at least 1 second/],
    ['maxAge is not shorter than the dedup window', { maxAge: Duration.hours(2), dedupWindow: Duration.hours(1) }, /dedupWindow of provider "acme" \(3600 s\) must be longer than its tolerance \(7200 s\)/],
    ['clockSkew is over 5 minutes', { clockSkew: Duration.minutes(6) }, /clockSkew must be 0 to 300 seconds, got 360/],
    ['a deliveryId source is a string', { deliveryId: ['id'] }, /deliveryId\[0\] must be a RequestValue \(RequestValue\.header\(\) or \.jsonPath\(\)\), got a string/],
    ['the eventType source is a string', { eventType: 'type' }, /eventType must be a RequestValue/],
    ['the id is missing', { id: undefined }, /A generic provider needs an id \(e\.g\. "acme"\)/],
    ['a secret is given', { secret: { grantRead: () => undefined } }, /WebhookProvider\.jwks\(\) takes no secret: its tokens are verified with the public keys of the JWK set at jwksUrl/],
    ['eventTypes without an eventType source', { eventTypes: ['a'] }, /eventTypes of provider "acme" cannot filter: the provider sends no event type \(set eventType\)/],
  ])('fails if %s', (_name, change, message) => {
    expect(() => WebhookProvider.jwks({ ...base, ...change } as unknown as JwksProviderOptions)).toThrow(message);
  });

  test('fails if the options are not an object', () => {
    expect(() => WebhookProvider.jwks(undefined as unknown as JwksProviderOptions)).toThrow(/WebhookProvider\.jwks\(\)/);
  });
});

describe('ProviderBaseOptions', () => {
  const assembly = JSON.parse(readFileSync(path.join(ROOT, '.jsii'), 'utf8'));
  const type = (name: string) => assembly.types[`cdk-webhook-receiver.${name}`];
  const props = (name: string) => (type(name).properties ?? []).map((p: { name: string }) => p.name);

  test('holds every option of ProviderOptions but the secret; ProviderOptions adds only the secret', () => {
    expect(type('ProviderOptions').interfaces).toEqual(['cdk-webhook-receiver.ProviderBaseOptions']);
    expect(props('ProviderOptions')).toEqual(['secret']);
    expect(props('ProviderBaseOptions').sort()).toEqual(['allowedIpRanges', 'contentTypes', 'dedupKey', 'dedupWindow', 'eventTypes', 'id', 'throttlingBurstLimit', 'throttlingRateLimit']);
  });

  test('the providers without a secret take it instead of repeating its options', () => {
    expect(type('CertificateProviderOptions').interfaces).toEqual(['cdk-webhook-receiver.ProviderBaseOptions']);
    expect(type('CertificateProviderOptions').properties).toBeUndefined();
    expect(type('JwksProviderOptions').interfaces).toEqual(['cdk-webhook-receiver.ProviderBaseOptions']);
  });
});

describe('docs', () => {
  test('the README shows a generic JWKS provider and its options table; API.md documents the factory', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/WebhookProvider\.jwks\(\{[\s\S]*?jwksUrl: 'https:\/\//);
    expect(readme).toContain('#### JwksProviderOptions (also takes ProviderBaseOptions)');
    expect(readme).toContain('#### ProviderOptions (also takes ProviderBaseOptions)');
    // The fetch rules the README and the factory's docs state are the verifier's.
    const rules = [
      [FETCH_TIMEOUT_MS / 1000, MAX_RESPONSE_BYTES / 1024, KEY_MAX_AGE_MS / 3_600_000, UNKNOWN_KID_RETRY_MS / 60_000, MAX_FETCHES_PER_WINDOW, FETCH_WINDOW_MS / 60_000],
    ];
    expect(rules).toEqual([[2, 64, 1, 1, 10, 1]]);
    expect(readme).toContain('follows no redirect, reads at most 64 KiB, gives up after 2 s, caches every key of the set by\nits `kid` for an hour, looks an unknown `kid` up at most once a minute, and makes at most 10 fetches a minute per\ncontainer');
    const api = readFileSync(path.join(ROOT, 'API.md'), 'utf8');
    expect(api).toContain('JwksProviderOptions');
    expect(api).toMatch(/WebhookProvider\.jwks\(/);
  });
});
