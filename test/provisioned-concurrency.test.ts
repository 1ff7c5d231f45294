/**
 * Provider deadlines: `verifierProvisionedConcurrency` keeps verifier instances initialized behind an alias, and API
 * Gateway invokes that alias (its integration and its one invoke permission), so that no delivery waits for a cold
 * start. Without the prop, API Gateway invokes the function itself and no version or alias exists.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';
import { givenStack, type Given } from './support/stacks';

function givenReceiver(given: Given, props: Partial<WebhookReceiverProps> = {}): WebhookReceiver {
  return new WebhookReceiver(given.stack, 'Receiver', {
    providers: [WebhookProvider.stripe({ secret: given.stripeSecret }), WebhookProvider.github({ secret: given.githubSecret })],
    processor: given.processor,
    ...props,
  });
}

const logicalIdOf = (construct: { node: { defaultChild?: unknown } } & object) =>
  Stack.of(construct as never).getLogicalId((construct as { node: { defaultChild: never } }).node.defaultChild);

describe('verifierProvisionedConcurrency', () => {
  test('creates an alias of a published version with that many provisioned instances, and API Gateway invokes the alias', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given, { verifierProvisionedConcurrency: 3 });

    // THEN
    const template = Template.fromStack(given.stack);
    const verifierId = logicalIdOf(receiver.verifier);
    const versions = template.findResources('AWS::Lambda::Version', { Properties: { FunctionName: { Ref: verifierId } } });
    expect(Object.keys(versions)).toHaveLength(1);
    const aliases = template.findResources('AWS::Lambda::Alias', {
      Properties: {
        FunctionName: { Ref: verifierId },
        FunctionVersion: { 'Fn::GetAtt': [Object.keys(versions)[0], 'Version'] },
        Name: 'live',
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 3 },
      },
    });
    expect(Object.keys(aliases)).toHaveLength(1);
    const aliasId = Object.keys(aliases)[0];
    expect(receiver.verifierAlias && logicalIdOf(receiver.verifierAlias)).toBe(aliasId);

    // Every route's integration calls the alias, never the bare function.
    const methods = template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'POST' } });
    expect(Object.keys(methods)).toHaveLength(2);
    for (const method of Object.values(methods)) {
      expect(method.Properties.Integration.Uri['Fn::Join'][1]).toContainEqual({ Ref: aliasId });
      expect(JSON.stringify(method.Properties.Integration.Uri)).not.toContain(`"${verifierId}"`);
    }
    // One invoke permission, on the alias, for this API's stage only.
    const permissions = template.findResources('AWS::Lambda::Permission', { Properties: { Principal: 'apigateway.amazonaws.com' } });
    expect(Object.values(permissions).map((p) => p.Properties.FunctionName)).toEqual([{ Ref: aliasId }]);
  });

  test('is off by default: API Gateway invokes the function, and there is no version or alias', () => {
    // GIVEN
    const given = givenStack();

    // WHEN
    const receiver = givenReceiver(given);

    // THEN
    const template = Template.fromStack(given.stack);
    expect(receiver.verifierAlias).toBeUndefined();
    template.resourceCountIs('AWS::Lambda::Alias', 0);
    template.resourceCountIs('AWS::Lambda::Version', 0);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(receiver.verifier), 'Arn'] },
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      Integration: { Uri: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [logicalIdOf(receiver.verifier), 'Arn'] }])] } },
    });
  });

  test.each([0, 10001, 1.5])('fails if it is %p', (value) => {
    // GIVEN
    const given = givenStack();

    // WHEN / THEN
    expect(() => givenReceiver(given, { verifierProvisionedConcurrency: value })).toThrow(
      `verifierProvisionedConcurrency must be a whole number from 1 to 10000, got ${value}.`,
    );
  });

  test('fails if it is not a number (JavaScript callers)', () => {
    const given = givenStack();
    expect(() => givenReceiver(given, { verifierProvisionedConcurrency: '2' as unknown as number })).toThrow(/verifierProvisionedConcurrency must be a number/);
  });

  test('cdk-nag\'s AwsSolutions and Serverless packs find nothing new with it', () => {
    // GIVEN
    const outdir = mkdtempSync(path.join(tmpdir(), 'nag-pc-'));
    try {
      const given = givenStack({ nag: true, outdir });
      givenReceiver(given, { verifierProvisionedConcurrency: 2 });

      // WHEN / THEN
      expect(() => given.app.synth()).not.toThrow();
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
