/**
 * One receiver with 60 providers: every catalog provider and as many generic ones as make 60 (HMAC, public key,
 * shared token, basic auth, in turn), with secrets referenced by complete ARN, by name, or created in the stack. The synth-time
 * configuration travels in the verifier's code asset (config.json); only deploy-time values are in its
 * environment, which must stay under Lambda's 4 KB once CloudFormation resolves it. API Gateway invokes the
 * verifier through one permission, and each POST-only provider adds at most 4 resources.
 *
 * The last provider then takes a genuine Stripe delivery (signed by the `stripe` package) through the verifier
 * bundle loaded from the staged asset directory of the cloud assembly, with the environment the template gives
 * it (intrinsics evaluated as CloudFormation would), against the emulators.
 */
import { catalogOptions } from './support/catalog-options';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { APIGatewayProxyResult } from 'aws-lambda';
import Stripe from 'stripe';
import { CATALOG } from '../catalog/providers';
import { CONFIG_VALUES_ENV, type Envelope } from '../contract/config';
import { PublicKeyAlgorithm, WebhookProvider, WebhookReceiver, type ProviderOptions } from '../lib';
import { apiEvent, captureLogs, clients, createInboxTable, createQueue, createSecret, drain, useEmulatorsForDefaultClients } from './support/aws';
import { evaluate, logicalIdOf, synthesizedVerifier } from './support/verifier-config';

type SecretStyle = 'arn' | 'name' | 'in-stack';
type VerifierModule = typeof import('../lambda/verifier/index');

const PROVIDERS = 60;

function stackWithProcessor() {
  const stack = new Stack(new App(), 'Test');
  const processor = new lambda.Function(stack, 'Processor', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  return { stack, processor };
}

function secretFor(stack: Stack, id: string, style: SecretStyle): secretsmanager.ISecret {
  switch (style) {
    case 'arn':
      return secretsmanager.Secret.fromSecretCompleteArn(stack, `Secret-${id}`, `arn:aws:secretsmanager:eu-central-1:123456789012:secret:webhooks/${id}-AbCdEf`);
    case 'name':
      return secretsmanager.Secret.fromSecretNameV2(stack, `Secret-${id}`, `webhooks/${id}`);
    case 'in-stack':
      return new secretsmanager.Secret(stack, `Secret-${id}`);
  }
}

/** Generic providers, one scheme after another, then every provider of the catalog, Stripe last: 60 in all. */
function sixtyProviders(stack: Stack, style: SecretStyle): WebhookProvider[] {
  const providers: WebhookProvider[] = [];
  const generic = [
    (i: number) => WebhookProvider.hmac({ id: `hmac-${i}`, secret: secretFor(stack, `hmac-${i}`, style), signatureHeader: 'X-Signature', publicUrl: 'https://hooks.example.com/x' }),
    (i: number) => WebhookProvider.publicKey({ id: `ed-${i}`, secret: secretFor(stack, `ed-${i}`, style), algorithm: PublicKeyAlgorithm.ED25519, signatureHeader: 'X-Signature-Ed25519' }),
    (i: number) => WebhookProvider.sharedToken({ id: `token-${i}`, secret: secretFor(stack, `token-${i}`, style), header: 'X-Token' }),
    (i: number) => WebhookProvider.basicAuth({ id: `basic-${i}`, secret: secretFor(stack, `basic-${i}`, style) }),
  ];
  for (let n = 0; n < PROVIDERS - Object.keys(CATALOG).length; n++) {
    providers.push(generic[n % generic.length](Math.floor(n / generic.length)));
  }
  const kinds = Object.keys(CATALOG).filter((kind) => kind !== 'stripe');
  for (const kind of [...kinds, 'stripe']) {
    const factory = (WebhookProvider as unknown as Record<string, (o: ProviderOptions) => WebhookProvider>)[CATALOG[kind].factory];
    providers.push(factory(catalogOptions(kind, secretFor(stack, kind, style))));
  }
  return providers;
}

/**
 * Deploy-time values as long as they get: the longest partition and a long region, a 12-digit account, and
 * CloudFormation's generated names (`<stack>-<logical id>-<12 random>`; a secret's ARN adds `-<6 random>`).
 */
function longestRefs(template: any): Record<string, string> {
  const region = 'ap-southeast-4';
  const refs: Record<string, string> = {
    'AWS::Partition': 'aws-us-gov',
    'AWS::Region': region,
    'AWS::AccountId': '123456789012',
    'AWS::URLSuffix': 'amazonaws.com.cn',
  };
  for (const [id, resource] of Object.entries<any>(template.Resources)) {
    const generated = `Test-${id}-ABCDEFGHIJKL`;
    refs[id] = resource.Type === 'AWS::SecretsManager::Secret'
      ? `arn:aws-us-gov:secretsmanager:${region}:123456789012:secret:${id}-ABCDEFGHIJKL-AbCdEf`
      : resource.Type === 'AWS::SQS::Queue'
        ? `https://sqs.${region}.amazonaws.com/123456789012/${generated}`
        : generated;
  }
  return refs;
}

function environmentBytes(variables: Record<string, unknown>, refs: Record<string, string>): number {
  return Object.entries(variables).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(String(evaluate(value, refs))), 0);
}

describe.each<SecretStyle>(['arn', 'name', 'in-stack'])('60 providers, secrets by %s', (style) => {
  test('synthesize with the environment under 4 KB, one invoke permission, and at most 4 resources per POST-only provider', () => {
    // GIVEN
    const one = stackWithProcessor();
    const all = stackWithProcessor();
    const providers = sixtyProviders(all.stack, style);

    // WHEN
    new WebhookReceiver(one.stack, 'Receiver', { providers: [WebhookProvider.stripe({ secret: secretFor(one.stack, 'stripe', style) })], processor: one.processor });
    const receiver = new WebhookReceiver(all.stack, 'Receiver', { providers, processor: all.processor });

    // THEN
    expect(providers).toHaveLength(PROVIDERS);
    const template = Template.fromStack(all.stack);
    const json = template.toJSON();
    const { environment, file } = synthesizedVerifier(receiver);
    expect(Object.keys(file.providers)).toHaveLength(60);
    const bytes = environmentBytes(environment, longestRefs(json));
    console.log(`60 providers, secrets by ${style}: verifier environment ${bytes} bytes resolved (longest names), ${Object.keys(json.Resources).length} resources`);
    expect(bytes).toBeLessThan(4 * 1024);
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    const count = (t: Template) => Object.values<any>(t.toJSON().Resources).filter((r) => r.Type !== 'AWS::SecretsManager::Secret').length;
    const getRoutes = providers.filter((p) => p.methods.includes('GET')).length;
    expect(count(template) - count(Template.fromStack(one.stack))).toBeLessThanOrEqual(4 * 59 + getRoutes);
  });
});

describe('the verifier of a 60-provider receiver, as staged in the cloud assembly', () => {
  const STRIPE_SECRET = 'whsec_scale_test_secret';
  const stripe = new Stripe('sk_test_unused');
  const aws = clients();

  test('accepts a genuine delivery on the last provider (secrets created in the stack)', async () => {
    // GIVEN the synthesized receiver, and emulator resources standing in for its table, queue and Stripe secret
    useEmulatorsForDefaultClients();
    const { stack, processor } = stackWithProcessor();
    const providers = sixtyProviders(stack, 'in-stack');
    const receiver = new WebhookReceiver(stack, 'Receiver', { providers, processor });
    const { assetDir, valuesEnv } = synthesizedVerifier(receiver);
    const tableName = await createInboxTable(aws.dynamodb);
    const queue = await createQueue(aws.sqs);
    const stripeSecretArn = await createSecret(aws.secretsManager, STRIPE_SECRET);
    const refs: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': 'us-east-1',
      'AWS::AccountId': '000000000000',
      'AWS::URLSuffix': 'amazonaws.com',
      [logicalIdOf(receiver.table)]: tableName,
      [logicalIdOf(receiver.queue)]: queue.url,
      [logicalIdOf(receiver.api!)]: 'abcdef1234',
    };
    for (const provider of providers) {
      if (provider.secret) refs[logicalIdOf(provider.secret)] = provider.id === 'stripe' ? stripeSecretArn : `arn:aws:secretsmanager:us-east-1:000000000000:secret:${provider.id}-AbCdEf`;
    }
    process.env[CONFIG_VALUES_ENV] = evaluate(valuesEnv, refs);
    let verifier: VerifierModule | undefined;
    jest.isolateModules(() => {
      verifier = require(path.join(assetDir, 'index.js')) as VerifierModule;
    });

    // WHEN
    const body = JSON.stringify({ id: 'evt_scale_1', object: 'event', type: 'invoice.paid', data: { object: { id: 'in_1' } } });
    const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET });
    const { result } = await captureLogs<APIGatewayProxyResult>(() => verifier!.handler(apiEvent({ resource: '/stripe', body, headers: { 'Stripe-Signature': header } })));

    // THEN
    expect(providers[59].id).toBe('stripe');
    expect(JSON.parse(result.body)).toEqual({ ok: true, code: 'accepted', deliveryId: 'evt_scale_1' });
    const messages = (await drain(aws.sqs, queue.url)).map((m) => JSON.parse(m.Body!) as Envelope);
    expect(messages.map((m) => [m.provider, m.deliveryId, m.eventType])).toEqual([['stripe', 'evt_scale_1', 'invoice.paid']]);
    delete process.env[CONFIG_VALUES_ENV];
  });
});
