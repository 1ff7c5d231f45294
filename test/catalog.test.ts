/**
 * The provider catalog as the construct configures it: every factory yields a kind the shipped verifier
 * knows, the right routes (GET only where a handshake needs it), the public URL for URL-signing providers,
 * and clear errors for bad generic options.
 */
import { catalogOptions } from './support/catalog-options';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  HmacAlgorithm,
  PublicKeyAlgorithm,
  RequestValue,
  SignatureFormat,
  TimestampSource,
  WebhookProvider,
  WebhookReceiver,
  type ProviderOptions,
} from '../lib';
import { verifierConfigOf } from './support/verifier-config';
import { CATALOG as DEFINITIONS, defaultToleranceOf, PROVIDER_KINDS } from '../catalog/providers';

function stackWithProcessor() {
  const stack = new Stack(new App(), 'Test');
  const processor = new lambda.Function(stack, 'Processor', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  return { stack, processor };
}

/** The verifier's configuration, with each CloudFormation reference written as `<Ref LogicalId>`. */
function verifierConfig(_stack: Stack, receiver: WebhookReceiver): any {
  return verifierConfigOf(receiver);
}

const CATALOG: Array<[string, (o: ProviderOptions) => WebhookProvider]> = [
  ['stripe', WebhookProvider.stripe],
  ['github', WebhookProvider.github],
  ['shopify', WebhookProvider.shopify],
  ['slack', WebhookProvider.slack],
  ['twilio', WebhookProvider.twilio],
  ['standard-webhooks', WebhookProvider.standardWebhooks],
  ['svix', WebhookProvider.svix],
  ['resend', WebhookProvider.resend],
  ['clerk', WebhookProvider.clerk],
  ['zoom', WebhookProvider.zoom],
  ['square', WebhookProvider.square],
  ['paddle', WebhookProvider.paddle],
  ['linear', WebhookProvider.linear],
  ['intercom', WebhookProvider.intercom],
  ['mailgun', WebhookProvider.mailgun],
  ['sendgrid', WebhookProvider.sendgrid],
  ['discord', WebhookProvider.discord],
  ['pagerduty', WebhookProvider.pagerduty],
  ['gitlab', WebhookProvider.gitlab],
  ['bitbucket', WebhookProvider.bitbucket],
  ['typeform', WebhookProvider.typeform],
  ['calendly', WebhookProvider.calendly],
  ['hubspot', WebhookProvider.hubspot],
  ['meta', WebhookProvider.meta],
  ['twitch', WebhookProvider.twitch],
  ['lemon-squeezy', WebhookProvider.lemonSqueezy],
  ['vercel', WebhookProvider.vercel],
  ['sentry', WebhookProvider.sentry],
  ['jira', WebhookProvider.jira],
  ['x', WebhookProvider.x],
  ['microsoft-graph', WebhookProvider.microsoftGraph],
  ['adyen', WebhookProvider.adyen],
  ['openai', WebhookProvider.openai],
  ['razorpay', WebhookProvider.razorpay],
  ['workos', WebhookProvider.workos],
  ['mux', WebhookProvider.mux],
  ['elevenlabs', WebhookProvider.elevenlabs],
  ['onfido', WebhookProvider.onfido],
  ['polar', WebhookProvider.polar],
  ['mollie', WebhookProvider.mollie],
  ['stream', WebhookProvider.stream],
  ['webflow', WebhookProvider.webflow],
  ['sanity', WebhookProvider.sanity],
  ['box', WebhookProvider.box],
  ['telnyx', WebhookProvider.telnyx],
  ['contentful', WebhookProvider.contentful],
  ['plivo', WebhookProvider.plivo],
  ['gocardless', WebhookProvider.gocardless],
  ['line', WebhookProvider.line],
  ['pusher', WebhookProvider.pusher],
  ['vonage', WebhookProvider.vonage],
  ['livekit', WebhookProvider.livekit],
  ['braintree', WebhookProvider.braintree],
  ['plaid', WebhookProvider.plaid],
  ['dropbox-sign', WebhookProvider.dropboxSign],
  ['paypal', WebhookProvider.paypal as unknown as (o: ProviderOptions) => WebhookProvider],
  ['app-store', WebhookProvider.appStore as unknown as (o: ProviderOptions) => WebhookProvider],
];

test('every catalog entry has its factory, each a distinct kind the shipped verifier knows', () => {
  const { stack } = stackWithProcessor();
  const secret = new secretsmanager.Secret(stack, 'Secret');
  const kinds = CATALOG.map(([id, factory]) => factory(catalogOptions(id, secret)).kind);
  expect(new Set(kinds).size).toBe(Object.keys(DEFINITIONS).length);
  for (const kind of kinds) expect(PROVIDER_KINDS).toContain(kind);
  expect(CATALOG.map(([id, factory]) => factory(catalogOptions(id, secret)).id)).toEqual(CATALOG.map(([id]) => id));
});

test('every catalog definition has its factory, which takes its defaults from the definition', () => {
  // GIVEN
  const { stack, processor } = stackWithProcessor();
  const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'webhooks/all');

  // WHEN
  const providers = Object.entries(DEFINITIONS).map(([kind, definition]) => {
    const factory = (WebhookProvider as unknown as Record<string, (o: ProviderOptions) => WebhookProvider>)[definition.factory];
    expect({ kind, factory: typeof factory }).toEqual({ kind, factory: 'function' });
    return factory(catalogOptions(kind, secret));
  });
  const receiver = new WebhookReceiver(stack, 'Receiver', { providers, processor });

  // THEN
  const configured = verifierConfig(stack, receiver).providers;
  expect(Object.keys(DEFINITIONS).sort()).toEqual(CATALOG.map(([id]) => id).sort());
  for (const [kind, definition] of Object.entries(DEFINITIONS)) {
    const provider = providers.find((p) => p.kind === kind)!;
    expect({ kind, methods: provider.methods }).toEqual({ kind, methods: definition.methods ?? ['POST'] });
    expect({ kind, tolerance: configured[`/${kind}`].toleranceSeconds }).toEqual({ kind, tolerance: defaultToleranceOf(definition) });
    expect({ kind, signsUrl: configured[`/${kind}`].publicUrl !== undefined }).toEqual({ kind, signsUrl: definition.signsUrl ?? false });
  }
});

test('only providers whose handshake is a GET get a GET route', () => {
  // GIVEN
  const { stack, processor } = stackWithProcessor();
  const secret = new secretsmanager.Secret(stack, 'Secret');

  // WHEN
  new WebhookReceiver(stack, 'Receiver', {
    providers: [WebhookProvider.meta({ secret }), WebhookProvider.x({ secret }), WebhookProvider.slack({ secret }), WebhookProvider.microsoftGraph({ secret })],
    processor,
  });

  // THEN
  const methods = Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::Method')).map((m) => m.Properties.HttpMethod);
  expect(methods.sort()).toEqual(['GET', 'GET', 'POST', 'POST', 'POST', 'POST']);
});

test('URL-signing providers get the route URL, or the one configured', () => {
  // GIVEN
  const { stack, processor } = stackWithProcessor();
  const secret = new secretsmanager.Secret(stack, 'Secret');

  // WHEN
  const receiver = new WebhookReceiver(stack, 'Receiver', {
    providers: [
      WebhookProvider.twilio({ secret }),
      WebhookProvider.square({ secret, publicUrl: 'https://hooks.example.com/square' }),
      WebhookProvider.stripe({ secret }),
    ],
    processor,
  });

  // THEN
  const { providers } = verifierConfig(stack, receiver);
  expect(providers['/square'].publicUrl).toBe('https://hooks.example.com/square');
  expect(providers['/twilio'].publicUrl).toMatch(/^https:\/\/<Ref ReceiverApi[0-9A-F]+>\.execute-api\.<Ref AWS::Region>\.<Ref AWS::URLSuffix>\/webhooks\/twilio$/);
  expect(providers['/stripe'].publicUrl).toBeUndefined();
});

test('defaults are left out of the configuration, so one receiver carries every catalog provider (secrets imported by name) in 4 KB', () => {
  const { stack, processor } = stackWithProcessor();
  const providers = CATALOG.map(([id, factory]) =>
    factory(catalogOptions(id, secretsmanager.Secret.fromSecretNameV2(stack, `S${id}`, `webhooks/${id}`))),
  );
  expect(() => new WebhookReceiver(stack, 'Receiver', { providers, processor })).not.toThrow();
});

describe('generic schemes', () => {
  const secretIn = (stack: Stack) => new secretsmanager.Secret(stack, 'Secret');

  test('fails if a generic provider has no id', () => {
    const { stack } = stackWithProcessor();
    expect(() => WebhookProvider.sharedToken({ secret: secretIn(stack), header: 'X-Token' })).toThrow(/generic provider needs an id/);
  });

  test('fails if the timestamp is read from a signature header that has no timestamp key', () => {
    const { stack } = stackWithProcessor();
    expect(() =>
      WebhookProvider.hmac({
        id: 'acme',
        secret: secretIn(stack),
        signatureHeader: 'X-Sig',
        format: SignatureFormat.plain('sha256='),
        signedContent: '{timestamp}.{body}',
        timestamp: TimestampSource.signatureHeader(),
      }),
    ).toThrow(/needs a SignatureFormat.keyValue with a timestampKey/);
  });

  test('fails if publicUrl is not an https URL without query', () => {
    const { stack } = stackWithProcessor();
    expect(() => WebhookProvider.twilio({ secret: secretIn(stack), publicUrl: 'http://hooks.example.com/twilio?x=1' })).toThrow(
      /publicUrl of provider "twilio" must be an https URL without query or fragment/,
    );
  });

  test('fails if signedContent uses {url} placeholders wrongly or an unknown one', () => {
    const { stack } = stackWithProcessor();
    expect(() => WebhookProvider.hmac({ id: 'acme', secret: secretIn(stack), signatureHeader: 'X-Sig', signedContent: '{path}{body}' })).toThrow(
      /uses \{path\}; only \{body\}, \{timestamp\}, \{id\}, \{url\}, \{method\} exist/,
    );
  });

  test('a key-value HMAC scheme with a header timestamp is configured as given', () => {
    // GIVEN
    const { stack, processor } = stackWithProcessor();
    const provider = WebhookProvider.hmac({
      id: 'acme',
      secret: secretIn(stack),
      signatureHeader: 'Acme-Signature',
      algorithm: HmacAlgorithm.SHA512,
      format: SignatureFormat.keyValue({ signatureKey: 'v2', timestampKey: 'ts', pairSeparator: ';' }),
      signedContent: '{timestamp}:{body}',
      timestamp: TimestampSource.signatureHeader(),
      tolerance: Duration.minutes(2),
      deliveryId: [RequestValue.header('Acme-Delivery')],
      eventType: RequestValue.jsonPath('event.type'),
    });

    // WHEN
    const receiver = new WebhookReceiver(stack, 'Receiver', { provider, processor });

    // THEN
    expect(verifierConfig(stack, receiver).providers['/acme']).toEqual({
      kind: 'custom',
      secretId: expect.stringMatching(/:secret:<NameSuffix Secret[0-9A-F]+>$/),
      toleranceSeconds: 120,
      deliveryId: [{ header: 'acme-delivery' }],
      eventType: { jsonPath: 'event.type' },
      scheme: {
        signature: {
          algorithm: 'sha512',
          encoding: 'hex',
          header: 'acme-signature',
          format: { kind: 'keyValue', pairSeparator: ';', keyValueSeparator: '=', signatureKey: 'v2', timestampKey: 'ts' },
          signedContent: '{timestamp}:{body}',
          timestamp: { source: 'signatureHeader', unit: 's', toleranceSeconds: 120, allowFuture: false },
          keyEncoding: 'utf8',
        },
      },
    });
  });

  test('public-key, shared-token and basic-auth schemes are configured', () => {
    const { stack, processor } = stackWithProcessor();
    const secret = secretIn(stack);
    const receiver = new WebhookReceiver(stack, 'Receiver', {
      providers: [
        WebhookProvider.publicKey({ id: 'signed', secret, algorithm: PublicKeyAlgorithm.ED25519, signatureHeader: 'X-Ed25519' }),
        WebhookProvider.sharedToken({ id: 'token', secret, header: 'X-Token' }),
        WebhookProvider.basicAuth({ id: 'basic', secret }),
      ],
      processor,
    });
    const { providers } = verifierConfig(stack, receiver);
    expect(providers['/signed'].scheme.signature).toMatchObject({ algorithm: 'ed25519', header: 'x-ed25519', encoding: 'base64', keyEncoding: 'hex' });
    expect(providers['/token'].scheme).toEqual({ token: { header: 'x-token' } });
    expect(providers['/basic'].scheme).toEqual({ basicAuth: true });
  });
});

describe('a provider whose timestamp is signed can have its window set, as its @default documents', () => {
  // The jsii assembly is what TypeScript, Python, Java and .NET users see of each factory
  const assembly = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, '..', '.jsii'), 'utf8'));
  const propsOf = (fqn: string): Array<{ name: string; docs?: { default?: string } }> => {
    const type = assembly.types[fqn];
    return [...(type.properties ?? []), ...(type.interfaces ?? []).flatMap((parent: string) => propsOf(parent))];
  };
  const factories: Array<{ name: string; fqn: string }> = assembly.types['cdk-webhook-receiver.WebhookProvider'].methods.map((m: any) => ({ name: m.name, fqn: m.parameters?.[0]?.type?.fqn }));
  const windowed = Object.entries(DEFINITIONS).filter(([, definition]) => defaultToleranceOf(definition) !== undefined);

  test.each(windowed)('%s: its factory takes `tolerance`, whose @default names it', (kind, definition) => {
    // GIVEN the factory's options type in the assembly
    const factory = factories.find((f) => f.name === definition.factory)!;
    const tolerance = propsOf(factory.fqn).find((p) => p.name === 'tolerance');

    // THEN it has a tolerance option, and the option's documented default names this provider's window
    expect({ kind, options: factory.fqn, tolerance: tolerance !== undefined }).toEqual({ kind, options: factory.fqn, tolerance: true });
    expect({ kind, named: tolerance!.docs?.default?.includes(definition.name.split(' ')[0]) }).toEqual({ kind, named: true });
  });

  test('Contentful: a tolerance widens its 30-second window (its factory took only publicUrl)', () => {
    // GIVEN a Contentful provider with a 90-second tolerance
    const { stack, processor } = stackWithProcessor();
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'webhooks/contentful');
    const receiver = new WebhookReceiver(stack, 'Receiver', { providers: [WebhookProvider.contentful({ secret, tolerance: Duration.seconds(90) })], processor });

    // THEN the verifier gets that window
    expect(verifierConfig(stack, receiver).providers['/contentful'].toleranceSeconds).toBe(90);
  });
});
