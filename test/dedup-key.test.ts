/**
 * Issue #13: `dedupKey`, `eventTypes` and the provider's event time, through the shipped verifier bundle against
 * the emulators on loopback (and the shipped processor runtime for `eventTime`). The providers' configurations are
 * the construct's own output (`WebhookProvider.*()._toConfig()`), so what the construct writes is what the
 * verifier reads. Requests are signed by the providers' own packages: Stripe's `generateTestHeaderString`,
 * HubSpot's `Signature.getSignature` (signature v3), GitHub's `sign` from `@octokit/webhooks-methods`.
 */
import * as path from 'node:path';
import { randomInt, randomUUID } from 'node:crypto';
import { Signature } from '@hubspot/api-client';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { SQSRecord } from 'aws-lambda';
import Stripe from 'stripe';
import type { Envelope, ProviderConfig } from '../contract/config';
import { RequestValue, WebhookProvider, type ProviderOptions } from '../lib';
import { apiEvent } from './support/aws';
import { verifierUnderTest, writesIn, type VerifierUnderTest } from './support/verifier-under-test';

type RuntimeModule = typeof import('../lambda/runtime/index');
type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });

const STRIPE_SECRET = `whsec_${randomUUID().replace(/-/g, '')}`;
const HUBSPOT_SECRET = randomUUID();
const GITHUB_SECRET = randomUUID();
const HUBSPOT_URL = 'https://hooks.example.com/webhooks/hubspot';
const stripe = new Stripe('sk_test_unused');
let octokit: Octokit;
let verifier: VerifierUnderTest;

/** A provider's configuration as the construct writes it, without the secret id (the harness makes one). */
function configOf(factory: (options: ProviderOptions) => WebhookProvider, options: Omit<ProviderOptions, 'secret'>): Omit<ProviderConfig, 'secretId'> {
  const stack = new Stack(new App(), 'Config');
  const provider = factory({ ...options, secret: secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'webhooks/test') });
  const { secretId: _secretId, ...config } = provider._toConfig(HUBSPOT_URL);
  return { ...config, id: provider.id, kind: provider.kind };
}

beforeAll(async () => {
  octokit = await import('@octokit/webhooks-methods');
  verifier = await verifierUnderTest({
    // One event per order and status: the event type, the order's id and its status.
    '/orders': {
      secret: STRIPE_SECRET,
      config: configOf((o) => WebhookProvider.stripe(o), {
        id: 'orders',
        dedupKey: [RequestValue.eventType(), RequestValue.jsonPath('data.object.id'), RequestValue.jsonPath('data.object.status')],
      }),
    },
    // HubSpot's retries carry the same eventId and another attemptNumber.
    '/hubspot': {
      secret: HUBSPOT_SECRET,
      config: configOf((o) => WebhookProvider.hubspot(o), { dedupKey: [RequestValue.jsonPath('0.eventId')] }),
    },
    // Pull requests only, one event per pull request and action.
    '/github': {
      secret: GITHUB_SECRET,
      config: configOf((o) => WebhookProvider.github(o), {
        dedupKey: [RequestValue.jsonPath('pull_request.id'), RequestValue.jsonPath('action')],
        eventTypes: ['pull_request'],
      }),
    },
    // Plain Stripe, for the event time.
    '/stripe': { secret: STRIPE_SECRET, config: configOf((o) => WebhookProvider.stripe(o), {}) },
  });
});

afterEach(async () => {
  await verifier.messages();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

function stripeEvent(type: string, object: Record<string, unknown>, created = nowSeconds()): { id: string; body: string } {
  const id = `evt_${randomUUID().replace(/-/g, '')}`;
  return { id, body: JSON.stringify({ id, object: 'event', type, created, data: { object } }) };
}

function stripeRequest(resource: string, body: string) {
  const signature = stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET });
  return apiEvent({ resource, body, headers: { 'Stripe-Signature': signature } });
}

/** A HubSpot POST signed with HubSpot's SDK (signature v3 over method, URL, body and timestamp). */
function hubspotRequest(body: string) {
  const timestamp = Date.now();
  const signature = Signature.getSignature('POST', 'v3', { signature: '', clientSecret: HUBSPOT_SECRET, requestBody: body, url: HUBSPOT_URL, timestamp });
  return apiEvent({ resource: '/hubspot', body, headers: { 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': String(timestamp) } });
}

async function githubRequest(event: string, payload: unknown, delivery = randomUUID()) {
  const body = JSON.stringify(payload);
  return apiEvent({
    resource: '/github',
    body,
    headers: { 'X-Hub-Signature-256': await octokit.sign(GITHUB_SECRET, body), 'X-GitHub-Event': event, 'X-GitHub-Delivery': delivery },
  });
}

const mismatchLogged = (logs: string[]) => logs.some((line) => line.includes('payload mismatch'));

describe('dedupKey', () => {
  test('two deliveries with different delivery ids and the same key fields enqueue once', async () => {
    // GIVEN two Stripe events (two event ids) about the same order in the same status, and one in another status
    const order = `pi_${randomUUID().slice(0, 8)}`;
    const first = stripeEvent('payment_intent.succeeded', { id: order, status: 'succeeded', amount: 2000 });
    const second = stripeEvent('payment_intent.succeeded', { id: order, status: 'succeeded', amount: 2000, note: 'resent' });
    const refunded = stripeEvent('payment_intent.succeeded', { id: order, status: 'refunded', amount: 2000 });

    // WHEN all three are delivered
    const a = await verifier.send(stripeRequest('/orders', first.body));
    const b = await verifier.send(stripeRequest('/orders', second.body));
    const c = await verifier.send(stripeRequest('/orders', refunded.body));

    // THEN the first is enqueued under the key's hash, the second is a duplicate of it (not a payload mismatch),
    // and the order's new status is an event of its own
    expect(a.body).toMatchObject({ code: 'accepted', deliveryId: expect.stringMatching(/^dedup:[0-9a-f]{64}$/) });
    expect(b.body).toEqual({ ok: true, code: 'duplicate', deliveryId: a.body.deliveryId });
    expect(writesIn(b.calls)).not.toHaveProperty('SendMessageCommand');
    expect(mismatchLogged(b.logs)).toBe(false);
    expect(c.body.code).toBe('accepted');
    expect(c.body.deliveryId).not.toBe(a.body.deliveryId);
    const messages = await verifier.messages();
    expect(messages.map((m) => [m.deliveryId, m.providerDeliveryId, m.key])).toEqual([
      [a.body.deliveryId, first.id, `orders#${a.body.deliveryId}`],
      [c.body.deliveryId, refunded.id, `orders#${c.body.deliveryId}`],
    ]);
    expect(messages[0].body).toBe(first.body);
  });

  test('the key covers the event type: another type with the same fields is another event', async () => {
    const order = `pi_${randomUUID().slice(0, 8)}`;
    const a = await verifier.send(stripeRequest('/orders', stripeEvent('payment_intent.succeeded', { id: order, status: 'succeeded' }).body));
    const b = await verifier.send(stripeRequest('/orders', stripeEvent('payment_intent.created', { id: order, status: 'succeeded' }).body));
    expect([a.body.code, b.body.code]).toEqual(['accepted', 'accepted']);
    expect(await verifier.messages()).toHaveLength(2);
  });

  test.each([
    ['the order id', { status: 'succeeded' }, 'body field data.object.id'],
    ['the status', { id: 'pi_1' }, 'body field data.object.status'],
    ['a value (an empty status)', { id: 'pi_1', status: '' }, 'body field data.object.status'],
  ])('a delivery without %s is refused with 400 dedup_key_missing before any AWS call', async (_name, object, field) => {
    // GIVEN a genuine Stripe event that lacks a field of the key
    const request = stripeRequest('/orders', stripeEvent('payment_intent.succeeded', object).body);

    // WHEN it is delivered
    const answer = await verifier.send(request);

    // THEN it is refused with its code and the field named, and no AWS call was made (not even the secret's read)
    expect({ status: answer.status, body: answer.body, calls: answer.calls }).toEqual({
      status: 400,
      body: { ok: false, error: 'dedup_key_missing', message: `The request has no ${field}, which the provider's dedupKey needs.` },
      calls: {},
    });
    expect(await verifier.messages()).toEqual([]);
  });

  test('HubSpot retries with a changed body (attemptNumber) are deduped by eventId', async () => {
    // GIVEN a contact.creation event, and HubSpot's retry of it: the same eventId, the next attemptNumber, so
    // another body (and another body hash, HubSpot's default key)
    const eventId = randomInt(1, 2 ** 31);
    const attempt = (attemptNumber: number) =>
      JSON.stringify([{ eventId, subscriptionId: 12345, portalId: 62515, appId: 54321, occurredAt: 1_700_000_000_123, subscriptionType: 'contact.creation', attemptNumber, objectId: 123, changeSource: 'CRM' }]);
    const other = JSON.stringify([{ eventId: eventId + 1, subscriptionType: 'contact.creation', attemptNumber: 0, objectId: 124, occurredAt: 1_700_000_000_456 }]);

    // WHEN the first attempt, the retry and another event are delivered
    const first = await verifier.send(hubspotRequest(attempt(0)));
    const retry = await verifier.send(hubspotRequest(attempt(1)));
    const another = await verifier.send(hubspotRequest(other));

    // THEN the retry is a duplicate (not a payload mismatch); the other event is enqueued
    expect(first.body.code).toBe('accepted');
    expect(retry.body).toEqual({ ok: true, code: 'duplicate', deliveryId: first.body.deliveryId });
    expect(mismatchLogged(retry.logs)).toBe(false);
    expect(another.body.code).toBe('accepted');
    const messages = await verifier.messages();
    expect(messages.map((m) => m.body)).toEqual([attempt(0), other]);
    // HubSpot sends no delivery id of its own; its first event's occurredAt is the event time
    expect(messages[0].providerDeliveryId).toBeUndefined();
    expect(messages[0].eventTime).toBe(new Date(1_700_000_000_123).toISOString());
  });

  test('a GitHub ping, which has none of the key fields, is still answered as a handshake', async () => {
    const answer = await verifier.send(await githubRequest('ping', { zen: 'Keep it logically awesome.', hook_id: 1 }));
    expect(answer.status).toBe(200);
    expect(answer.body.code).toBe('handshake');
    expect(await verifier.messages()).toEqual([]);
  });
});

describe('eventTypes', () => {
  test('a verified event of another type is acknowledged 200 ignored and written nowhere, even without the key fields', async () => {
    // GIVEN a push (GitHub sends no pull_request in it) to a route that takes pull requests only
    const records = await verifier.records();

    // WHEN it is delivered
    const answer = await verifier.send(await githubRequest('push', { ref: 'refs/heads/main', after: 'abc' }));

    // THEN it is ignored after verification (next test: a forged one is refused): no write, no record, no message
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true, code: 'ignored' });
    expect(writesIn(answer.calls)).toEqual({});
    expect(await verifier.records()).toBe(records);
    expect(await verifier.messages()).toEqual([]);
  });

  test('an ignored type is refused like any request when its signature is wrong', async () => {
    const request = await githubRequest('push', { ref: 'refs/heads/main' });
    const forged = { ...request, headers: { ...request.headers, 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` }, multiValueHeaders: { ...request.multiValueHeaders, 'X-Hub-Signature-256': [`sha256=${'0'.repeat(64)}`] } };
    const answer = await verifier.send(forged);
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 401, error: 'signature_mismatch' });
  });

  test('an event of a listed type is enqueued, keyed by its dedupKey; its redelivery under a new delivery id is a duplicate', async () => {
    const pr = { action: 'opened', pull_request: { id: randomInt(1, 2 ** 31), number: 7 } };
    const delivery = randomUUID();
    const first = await verifier.send(await githubRequest('pull_request', pr, delivery));
    const redelivery = await verifier.send(await githubRequest('pull_request', pr));
    expect([first.body.code, redelivery.body.code]).toEqual(['accepted', 'duplicate']);
    const messages = await verifier.messages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ eventType: 'pull_request', providerDeliveryId: delivery });
    // GitHub sends no event time
    expect(messages[0].eventTime).toBeUndefined();

    // The processor sees both ids: the key's, and the provider's own
    let runtime: RuntimeModule | undefined;
    jest.isolateModules(() => {
      runtime = require(path.join(__dirname, '..', 'dist', 'runtime', 'index.js')) as RuntimeModule;
    });
    const seen: Array<[string, string | undefined]> = [];
    const handler = runtime!.webhookProcessor((e) => void seen.push([e.deliveryId, e.providerDeliveryId]), {
      tableName: verifier.config.tableName,
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    });
    const record = { messageId: randomUUID(), receiptHandle: 'r', body: JSON.stringify(messages[0]), attributes: { ApproximateReceiveCount: '1' } } as unknown as SQSRecord;
    expect(await handler({ Records: [record] })).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([[messages[0].deliveryId, delivery]]);
  });
});

describe('eventTime', () => {
  test('a Stripe event\'s envelope carries its created as eventTime, and the runtime hands it over as a Date', async () => {
    // GIVEN a Stripe event created an hour ago (Stripe retries carry the event's original created)
    const created = nowSeconds() - 3600;
    const event = stripeEvent('invoice.paid', { id: 'in_1' }, created);

    // WHEN it is delivered, and its message is processed by the shipped runtime
    const answer = await verifier.send(stripeRequest('/stripe', event.body));
    const [message] = await verifier.messages();
    let runtime: RuntimeModule | undefined;
    jest.isolateModules(() => {
      runtime = require(path.join(__dirname, '..', 'dist', 'runtime', 'index.js')) as RuntimeModule;
    });
    const seen: Array<Date | undefined> = [];
    const handler = runtime!.webhookProcessor((e) => void seen.push(e.eventTime), {
      tableName: verifier.config.tableName,
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    });
    const record = { messageId: randomUUID(), receiptHandle: 'r', body: JSON.stringify(message), attributes: { ApproximateReceiveCount: '1' } } as unknown as SQSRecord;
    const result = await handler({ Records: [record] });

    // THEN
    expect(answer.body.code).toBe('accepted');
    expect(message.eventTime).toBe(new Date(created * 1000).toISOString());
    expect(result).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([new Date(created * 1000)]);
  });

  test('a created that is not a time leaves eventTime out; the event is still enqueued', async () => {
    const id = `evt_${randomUUID().replace(/-/g, '')}`;
    const body = JSON.stringify({ id, object: 'event', type: 'invoice.paid', created: 'yesterday', data: { object: {} } });
    expect((await verifier.send(stripeRequest('/stripe', body))).body.code).toBe('accepted');
    const [message] = await verifier.messages();
    expect(message.deliveryId).toBe(id);
    expect(message).not.toHaveProperty('eventTime');
  });
});

describe('construct validation', () => {
  let n = 0;
  const secret = (stack: Stack) => secretsmanager.Secret.fromSecretNameV2(stack, `Secret${n++}`, 'webhooks/x');

  test('fails if dedupKey is empty', () => {
    const stack = new Stack();
    expect(() => WebhookProvider.stripe({ secret: secret(stack), dedupKey: [] })).toThrow(/dedupKey of provider "stripe" is empty/);
  });

  test('fails if dedupKey holds something other than a RequestValue', () => {
    const stack = new Stack();
    expect(() => WebhookProvider.stripe({ secret: secret(stack), dedupKey: ['data.object.id'] as never })).toThrow(/dedupKey of provider "stripe"\[0\] must be a RequestValue/);
  });

  test('fails if dedupKey is given to Adyen, whose items are keyed each by its own id', () => {
    const stack = new Stack();
    expect(() => WebhookProvider.adyen({ secret: secret(stack), dedupKey: [RequestValue.jsonPath('live')] })).toThrow(/carries several events, each keyed by its own id/);
  });

  test('fails if dedupKey uses the event type of a provider that sends none', () => {
    const stack = new Stack();
    expect(() => WebhookProvider.twilio({ secret: secret(stack), dedupKey: [RequestValue.eventType()] })).toThrow(/uses RequestValue.eventType\(\), but the provider sends no event type/);
    expect(() => WebhookProvider.hmac({ id: 'acme', secret: secret(stack), signatureHeader: 'X-Sig', dedupKey: [RequestValue.eventType()] })).toThrow(/sends no event type \(set eventType\)/);
  });

  test('fails if RequestValue.eventType() is used as a delivery id or event type source', () => {
    const stack = new Stack();
    expect(() => WebhookProvider.hmac({ id: 'acme', secret: secret(stack), signatureHeader: 'X-Sig', deliveryId: [RequestValue.eventType()] })).toThrow(/only for a dedupKey/);
  });

  test('fails if eventTypes is empty, or given to a provider that sends no event type', () => {
    const stack = new Stack();
    expect(() => WebhookProvider.stripe({ secret: secret(stack), eventTypes: [] })).toThrow(/eventTypes of provider "stripe" is empty/);
    expect(() => WebhookProvider.x({ secret: secret(stack), eventTypes: ['tweet_create_events'] })).toThrow(/eventTypes of provider "x" cannot filter: the provider sends no event type/);
    expect(() => WebhookProvider.stripe({ secret: secret(stack), eventTypes: [''] })).toThrow(/each must be 1 to 256 characters/);
  });

  test('a generic provider with an eventType takes both; the configuration carries them', () => {
    const stack = new Stack();
    const provider = WebhookProvider.hmac({
      id: 'acme',
      secret: secret(stack),
      signatureHeader: 'X-Sig',
      eventType: RequestValue.header('X-Event'),
      dedupKey: [RequestValue.eventType(), RequestValue.header('X-Order')],
      eventTypes: ['order.paid'],
      dedupWindow: Duration.days(2),
    });
    expect(provider._toConfig('https://x.example.com')).toMatchObject({
      dedupKey: [{ eventType: true }, { header: 'x-order' }],
      eventTypes: ['order.paid'],
      dedupWindowSeconds: 2 * 24 * 3600,
    });
  });
});
