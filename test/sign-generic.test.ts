/**
 * The test kit's signers for generic providers: `signRequest(webhookProvider)` reads the scheme a
 * `WebhookProvider.hmac()` / `.publicKey()` / `.jwt()` / `.sharedToken()` / `.basicAuth()` configures, and the request
 * is accepted by a package that verifies that scheme (standardwebhooks for a Standard-Webhooks-shaped HMAC, stripe for
 * a `t=,v1=` one, jsonwebtoken for the JWT, discord-interactions and @sendgrid/eventwebhook for the public keys) and by
 * the shipped verifier configured with the same provider.
 */
import { createHash } from 'node:crypto';
import { Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { verifyKey as discordVerify } from 'discord-interactions';
import jwt from 'jsonwebtoken';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { BodyHashEncoding, HmacAlgorithm, PublicKeyAlgorithm, RequestValue, SecretEncoding, SignatureEncoding, SignatureFormat, TimestampSource, WebhookProvider } from '../lib';
import { generateTestKeyPair, signRequest, type SignedWebhookRequest } from '../testing';
import { providerHarness } from './support/provider-harness';

const stack = new Stack();
let n = 0;
const secret = () => secretsmanager.Secret.fromSecretNameV2(stack, `Secret${n++}`, 'webhooks/acme');
const lower = (request: SignedWebhookRequest) => Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
const typed = { deliveryId: [RequestValue.header('x-acme-delivery')], eventType: RequestValue.jsonPath('type') };

/** Signs with the kit, checks the scheme's package accepts it, then the shipped verifier configured with `provider`. */
async function expectAccepted(provider: WebhookProvider, secretValue: string, accepts: (request: SignedWebhookRequest) => boolean | Promise<boolean>, options: { privateKey?: string } = {}) {
  // GIVEN a request the kit signed for the provider, which the scheme's own package accepts
  const request = signRequest(provider, { secret: options.privateKey ? undefined : secretValue, privateKey: options.privateKey, eventType: 'invoice.paid' });
  expect(await accepts(request)).toBe(true);

  // WHEN it is delivered to the shipped verifier configured with the same provider
  const config = provider._toConfig('https://hooks.example.com/webhooks/acme');
  const harness = await providerHarness('custom', { id: provider.id, secret: secretValue, config: { scheme: config.scheme, deliveryId: config.deliveryId, eventType: config.eventType } });
  const answer = await harness.send({ body: request.body, headers: request.headers });

  // THEN it is accepted, with the delivery id and event type where the provider's configuration reads them
  expect([answer.status, answer.body?.code]).toEqual([200, 'accepted']);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ provider: provider.id, eventType: 'invoice.paid' });
  return { request, message };
}

test('WebhookProvider.hmac shaped as Standard Webhooks (base64 whsec_ key, id and timestamp headers): standardwebhooks verifies it', async () => {
  const value = `whsec_${Buffer.from('a generic standard secret!').toString('base64')}`;
  const provider = WebhookProvider.hmac({
    id: 'acme-std',
    secret: secret(),
    signatureHeader: 'x-hook-signature',
    encoding: SignatureEncoding.BASE64,
    format: SignatureFormat.list({ separator: ' ', prefix: 'v1,' }),
    signedContent: '{id}.{timestamp}.{body}',
    timestamp: TimestampSource.header('x-hook-timestamp'),
    secretEncoding: SecretEncoding.BASE64,
    deliveryId: [RequestValue.header('x-hook-id')],
    eventType: RequestValue.jsonPath('type'),
  });
  const { request, message } = await expectAccepted(provider, value, (r) => {
    const h = lower(r);
    new StandardWebhook(value).verify(r.body.toString(), { 'webhook-id': h['x-hook-id'], 'webhook-timestamp': h['x-hook-timestamp'], 'webhook-signature': h['x-hook-signature'] });
    return true;
  });
  expect(message.deliveryId).toBe(request.deliveryId);
});

test('WebhookProvider.hmac shaped as Stripe (t=,v1= in one header): Stripe verifies it', async () => {
  const provider = WebhookProvider.hmac({
    id: 'acme-kv',
    secret: secret(),
    signatureHeader: 'X-Acme-Signature',
    algorithm: HmacAlgorithm.SHA256,
    format: SignatureFormat.keyValue({ signatureKey: 'v1', timestampKey: 't' }),
    signedContent: '{timestamp}.{body}',
    timestamp: TimestampSource.signatureHeader(),
    ...typed,
  });
  const { request, message } = await expectAccepted(provider, 'acme-kv-secret', (r) => {
    new Stripe('sk_test_unused').webhooks.constructEvent(r.body, lower(r)['x-acme-signature'], 'acme-kv-secret');
    return true;
  });
  expect(message.deliveryId).toBe(request.deliveryId);
  expect(lower(request)['x-acme-delivery']).toBe(request.deliveryId);
});

test('WebhookProvider.jwt (HS256, a body-hash claim): jsonwebtoken verifies the token, whose claim is the body\'s SHA-256', async () => {
  const provider = WebhookProvider.jwt({ id: 'acme-jwt', secret: secret(), bodyHashClaim: 'payload_hash', bodyHashEncoding: BodyHashEncoding.HEX, issuer: 'acme', ...typed });
  await expectAccepted(provider, 'acme-jwt-secret', (r) => {
    const claims = jwt.verify(lower(r).authorization, 'acme-jwt-secret', { algorithms: ['HS256'], issuer: 'acme' }) as { payload_hash: string };
    return claims.payload_hash === createHash('sha256').update(r.body).digest('hex');
  });
});

test('WebhookProvider.publicKey (Ed25519, hex key): discord-interactions verifies it with a generated pair', async () => {
  const pair = generateTestKeyPair('ed25519');
  const provider = WebhookProvider.publicKey({ id: 'acme-ed', secret: secret(), algorithm: PublicKeyAlgorithm.ED25519, signatureHeader: 'x-acme-signature', encoding: SignatureEncoding.HEX, signedContent: '{timestamp}{body}', timestamp: TimestampSource.header('x-acme-timestamp'), ...typed });
  await expectAccepted(provider, pair.publicKey, (r) => discordVerify(r.body, lower(r)['x-acme-signature'], lower(r)['x-acme-timestamp'], pair.publicKey), { privateKey: pair.privateKeyPem });
});

test('WebhookProvider.publicKey (ECDSA P-256, base64): @sendgrid/eventwebhook verifies it with a generated pair', async () => {
  const pair = generateTestKeyPair('ecdsa-p256-sha256');
  const provider = WebhookProvider.publicKey({ id: 'acme-ec', secret: secret(), algorithm: PublicKeyAlgorithm.ECDSA_P256_SHA256, signatureHeader: 'x-acme-signature', signedContent: '{timestamp}{body}', timestamp: TimestampSource.header('x-acme-timestamp'), ...typed });
  const sendgrid = new EventWebhook();
  await expectAccepted(provider, pair.publicKey, (r) => sendgrid.verifySignature(sendgrid.convertPublicKeyToECDSA(pair.publicKey), r.body.toString(), lower(r)['x-acme-signature'], lower(r)['x-acme-timestamp']), { privateKey: pair.privateKeyPem });
});

test('WebhookProvider.sharedToken and .basicAuth: the token header, and Basic credentials, as the receiver compares them', async () => {
  const token = WebhookProvider.sharedToken({ id: 'acme-token', secret: secret(), header: 'X-Acme-Token', ...typed });
  await expectAccepted(token, 'acme-shared-token', (r) => lower(r)['x-acme-token'] === 'acme-shared-token');
  const basic = WebhookProvider.basicAuth({ id: 'acme-basic', secret: secret(), ...typed });
  await expectAccepted(basic, 'user:pass word', (r) => lower(r).authorization === `Basic ${Buffer.from('user:pass word').toString('base64')}`);
});
