/**
 * Reconciliation (issue #13): the shipped reconciler bundle (assets/reconciler/index.js) against loopback stand-ins
 * of the Stripe and GitHub APIs (test/support/provider-apis.ts) and the DynamoDB and SQS emulators, with the
 * verifier bundle taking the webhook deliveries first. Credentials come from the Secrets Manager stand-in.
 * Webhook signatures come from the providers' packages (`stripe`, `@octokit/webhooks-methods`).
 */
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Duration, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import Stripe from 'stripe';
import { RequestValue, WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';
import { givenStack, type Given } from './support/stacks';
import type { Envelope } from '../contract/config';
import type { ReconcileProviderConfig, ReconcilerConfig } from '../contract/reconcile';
import { CURSOR_KEY_PREFIX } from '../contract/reconcile';
import { apiEvent, clients, createInboxTable, createQueue, createSecret, drain, getRecord, loadBundle, sqsRecord, useEmulatorsForDefaultClients } from './support/aws';
import { GitHubApi, StripeApi } from './support/provider-apis';
import { verifierUnderTest, type VerifierUnderTest } from './support/verifier-under-test';

type ReconcilerModule = typeof import('../lambda/reconciler/index');
type RuntimeModule = typeof import('../lambda/runtime/index');
type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });

const WHSEC = `whsec_${randomUUID().replace(/-/g, '')}`;
const GH_SECRET = `gh-${randomUUID()}`;
const STRIPE_KEY = `rk_test_${randomUUID().replace(/-/g, '')}`;
const GH_TOKEN = `ghp_${randomUUID().replace(/-/g, '')}`;
const HOOK_PATH = '/repos/octo-org/hello-world/hooks/12345678/deliveries';
const HOUR = 3600;

const aws = clients();
const stripe = new Stripe('sk_test_unused');
let octokit: Octokit;
let verifier: VerifierUnderTest;
let reconciler: ReconcilerModule;
let runtime: RuntimeModule;
let stripeKeyArn: string;
let githubTokenArn: string;
const apis: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  useEmulatorsForDefaultClients();
  octokit = await import('@octokit/webhooks-methods');
  verifier = await verifierUnderTest({
    '/stripe': { secret: WHSEC, config: { id: 'stripe', kind: 'stripe', toleranceSeconds: 300 } },
    '/github': { secret: GH_SECRET, config: { id: 'github', kind: 'github' } },
  });
  stripeKeyArn = await createSecret(aws.secretsManager, STRIPE_KEY);
  githubTokenArn = await createSecret(aws.secretsManager, GH_TOKEN);
  reconciler = loadBundle<ReconcilerModule>('reconciler');
  jest.isolateModules(() => {
    runtime = require(path.join(__dirname, '..', 'dist', 'runtime', 'index.js')) as RuntimeModule;
  });
});

afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop()));
});

const now = () => Math.floor(Date.now() / 1000);
const evtId = () => `evt_${randomUUID().replace(/-/g, '').slice(0, 24)}`;

async function stripeApi(): Promise<StripeApi> {
  const api = await new StripeApi(STRIPE_KEY).start();
  apis.push(api);
  return api;
}

async function githubApi(pageSize?: number): Promise<GitHubApi> {
  const api = await new GitHubApi(GH_TOKEN, HOOK_PATH, pageSize).start();
  apis.push(api);
  return api;
}

interface Run {
  readonly metrics: Record<string, number>[];
  readonly logs: string[];
  run(remainingMs?: number): Promise<Awaited<ReturnType<ReturnType<ReconcilerModule['createReconciler']>>>>;
}

/** The bundle's reconciler over one provider, on a table and queue (the verifier's unless given). */
function reconcilerFor(provider: ReconcileProviderConfig, target: { tableName: string; queueUrl: string } = { tableName: verifier.config.tableName, queueUrl: verifier.config.queueUrl }): Run {
  const metrics: Record<string, number>[] = [];
  const logs: string[] = [];
  const config: ReconcilerConfig = { ...target, maxMessageBytes: 1024 * 1024, leaseSeconds: 20, metrics: { receiver: 'test' }, providers: [provider] };
  const handler = reconciler.createReconciler({
    config,
    dynamodb: reconciler.dynamodb,
    sqs: reconciler.sqs,
    credentials: new reconciler.CredentialStore(reconciler.secretsManager),
    log: reconciler.jsonLogger((line) => logs.push(line)),
    metrics: reconciler.emfMetrics(config.metrics!, (line) => {
      const document = JSON.parse(line) as Record<string, unknown>;
      metrics.push(Object.fromEntries(Object.entries(document).filter(([k, v]) => k.startsWith('Reconcile') && typeof v === 'number')) as Record<string, number>);
    }),
  });
  return { metrics, logs, run: (remainingMs = 120_000) => handler({ provider: provider.id }, { getRemainingTimeInMillis: () => remainingMs }) };
}

function stripeProvider(api: StripeApi, extra: Partial<ReconcileProviderConfig> = {}): ReconcileProviderConfig {
  return {
    id: 'stripe',
    kind: 'stripe',
    credentialSecretId: stripeKeyArn,
    settleDelaySeconds: HOUR,
    initialLookbackSeconds: 24 * HOUR,
    dedupWindowSeconds: 7 * 24 * HOUR,
    apiBaseUrl: api.baseUrl,
    ...extra,
  };
}

function githubProvider(api: GitHubApi, extra: Partial<ReconcileProviderConfig> = {}): ReconcileProviderConfig {
  return {
    id: 'github',
    kind: 'github',
    credentialSecretId: githubTokenArn,
    settleDelaySeconds: 600,
    initialLookbackSeconds: 24 * HOUR,
    dedupWindowSeconds: 7 * 24 * HOUR,
    github: { repository: 'octo-org/hello-world', hookId: 12345678 },
    apiBaseUrl: api.baseUrl,
    ...extra,
  };
}

/** Delivers a Stripe event to the verifier as Stripe would, signed by the `stripe` package. */
async function deliverStripe(api: StripeApi, id: string): Promise<void> {
  const payload = api.eventText(id);
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: WHSEC });
  const answer = await verifier.send(apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature } }));
  expect(answer.status).toBe(200);
}

/** A fresh table and queue of their own, for runs that need no verifier. */
async function ownTarget(): Promise<{ tableName: string; queueUrl: string }> {
  return { tableName: await createInboxTable(aws.dynamodb), queueUrl: (await createQueue(aws.sqs)).url };
}

async function envelopes(queueUrl: string): Promise<Envelope[]> {
  return (await drain(aws.sqs, queueUrl)).map((m) => JSON.parse(m.Body!) as Envelope);
}

describe('the stand-ins speak the APIs', () => {
  test('the stripe package lists and auto-paginates the Stripe stand-in', async () => {
    // GIVEN 120 events, and the real client pointed at the stand-in
    const api = await stripeApi();
    const t = now() - 2 * HOUR;
    for (let i = 0; i < 120; i++) api.add({ id: `evt_${String(i).padStart(4, '0')}`, type: 'invoice.paid', created: t + i });
    const url = new URL(api.baseUrl);
    const client = new Stripe(STRIPE_KEY, { host: url.hostname, port: Number(url.port), protocol: 'http' });
    // WHEN
    const ids: string[] = [];
    for await (const event of client.events.list({ created: { gte: t + 10 }, types: ['invoice.paid'], limit: 50 })) ids.push(event.id);
    // THEN newest first, every one once, down to created[gte]
    expect(ids).toHaveLength(110);
    expect(ids[0]).toBe('evt_0119');
    expect(ids[109]).toBe('evt_0010');
    expect((await client.events.retrieve('evt_0005')).created).toBe(t + 5);
  });
});

describe('Stripe', () => {
  test('events delivered by webhook are not enqueued again; a missed one is enqueued once, with origin reconciliation, and reaches the runtime', async () => {
    // GIVEN three settled events, one delivered by webhook, and one event younger than the settle delay
    const api = await stripeApi();
    const [delivered, missed, young] = [evtId(), evtId(), evtId()];
    const missedCreated = now() - 2 * HOUR;
    api.add(
      { id: delivered, type: 'invoice.paid', created: now() - 3 * HOUR },
      { id: missed, type: 'invoice.payment_failed', created: missedCreated },
      { id: young, type: 'invoice.paid', created: now() - 60 },
    );
    await deliverStripe(api, delivered);
    expect((await verifier.messages()).map((m) => m.deliveryId)).toEqual([delivered]);
    const run = reconcilerFor(stripeProvider(api));

    // WHEN it runs twice
    const [first] = await run.run();
    const afterFirst = await verifier.messages();
    const [second] = await run.run();

    // THEN only the missed one is enqueued, once, as the API returned it
    expect(afterFirst).toHaveLength(1);
    const envelope = afterFirst[0];
    expect(envelope).toMatchObject({ provider: 'stripe', deliveryId: missed, key: `stripe#${missed}`, eventType: 'invoice.payment_failed', origin: 'reconciliation', auth: 'provider-api', bodySigned: false });
    expect(envelope.body).toBe(api.eventText(missed));
    expect(await verifier.messages()).toHaveLength(0);
    expect(first).toMatchObject({ outcome: 'done', missed: 1, checked: 2 });
    expect(second).toMatchObject({ outcome: 'done', missed: 0 });
    expect(run.metrics[0]).toMatchObject({ ReconcileMissed: 1, ReconcileRunFailed: 0 });
    // The young event was not asked for: the window ends at now less the settle delay.
    expect(api.requests.every((r) => r.path !== '/v1/events' || Number(r.query.get('created[lt]')) <= now() - HOUR)).toBe(true);
    expect(api.requests.some((r) => r.path === `/v1/events/${young}`)).toBe(false);
    // The inbox record is ENQUEUED without a payload hash (a later webhook delivery's bytes differ).
    const record = await getRecord(aws.dynamodb, verifier.config.tableName, `stripe#${missed}`);
    expect(record?.status.S).toBe('ENQUEUED');
    expect(record?.payloadSha256).toBeUndefined();

    // AND the runtime hands it to the processor as a reconciled event
    const seen: Array<{ id: string; origin: string; authentication: string; signatureVerified: boolean; eventTime?: string }> = [];
    const handler = runtime.webhookProcessor(
      (event) => {
        seen.push({ id: event.deliveryId, origin: event.origin, authentication: event.authentication, signatureVerified: event.signatureVerified, eventTime: event.eventTime?.toISOString() });
      },
      { tableName: verifier.config.tableName, logger: { info: () => {}, warn: () => {}, error: () => {} } },
    );
    const result = await handler({ Records: [sqsRecord({ MessageId: randomUUID(), ReceiptHandle: 'r', Body: JSON.stringify(envelope), MD5OfBody: 'm', Attributes: { ApproximateReceiveCount: '1' } })] });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([{ id: missed, origin: 'reconciliation', authentication: 'provider-api', signatureVerified: false, eventTime: new Date(missedCreated * 1000).toISOString() }]);

    // AND a late webhook delivery of the missed event is a duplicate, not a payload mismatch
    await deliverStripe(api, missed);
    expect(await verifier.messages()).toHaveLength(0);
  });

  test('only the provider\'s eventTypes are listed (types[]) and counted', async () => {
    // GIVEN two settled missed events, one of a type the provider does not enqueue
    const api = await stripeApi();
    const [wanted, other] = [evtId(), evtId()];
    api.add({ id: wanted, type: 'charge.refunded', created: now() - 2 * HOUR }, { id: other, type: 'customer.created', created: now() - 2 * HOUR });
    const target = await ownTarget();
    // WHEN
    const [result] = await reconcilerFor(stripeProvider(api, { eventTypes: ['charge.refunded'] }), target).run();
    // THEN
    expect((await envelopes(target.queueUrl)).map((e) => e.deliveryId)).toEqual([wanted]);
    expect(result).toMatchObject({ missed: 1, checked: 1 });
    expect(api.requests.find((r) => r.path === '/v1/events')!.query.getAll('types[]')).toEqual(['charge.refunded']);
  });

  test('a run that fails on page 2 resumes from its cursor: nothing lost, nothing doubled', async () => {
    // GIVEN 150 missed events (two pages) and a stand-in that fails the second page once
    const api = await stripeApi();
    const t = now() - 5 * HOUR;
    const ids = Array.from({ length: 150 }, (_, i) => `evt_${String(i).padStart(4, '0')}_${randomUUID().slice(0, 8)}`);
    ids.forEach((id, i) => api.add({ id, type: 'invoice.paid', created: t + i }));
    api.fail({ when: (r) => r.path === '/v1/events' && r.query.has('starting_after'), status: 500 });
    const target = await ownTarget();
    const run = reconcilerFor(stripeProvider(api), target);

    // WHEN the first run fails half-way
    await expect(run.run()).rejects.toThrow(/Stripe list events answered 500/);
    const firstBatch = await envelopes(target.queueUrl);
    // THEN page 1 is enqueued and the cursor names where page 2 starts
    expect(firstBatch).toHaveLength(100);
    expect(run.metrics[0]).toMatchObject({ ReconcileMissed: 100, ReconcileRunFailed: 1 });
    const cursor = await getRecord(aws.dynamodb, target.tableName, `${CURSOR_KEY_PREFIX}stripe`);
    expect(cursor?.page?.S).toBe(ids[50]);

    // WHEN the next run goes
    const before = api.requests.length;
    const [result] = await run.run();
    const secondBatch = await envelopes(target.queueUrl);
    // THEN it starts at page 2 and enqueues the other 50: each event exactly once overall
    expect(result).toMatchObject({ outcome: 'done', missed: 50 });
    expect(api.requests.slice(before).find((r) => r.path === '/v1/events')!.query.get('starting_after')).toBe(ids[50]);
    const all = [...firstBatch, ...secondBatch].map((e) => e.deliveryId).sort();
    expect(all).toEqual([...ids].sort());
    // Each event was fetched once: no page was handled twice.
    expect(api.requests.filter((r) => r.path.startsWith('/v1/events/evt_'))).toHaveLength(150);
    const saved = await getRecord(aws.dynamodb, target.tableName, `${CURSOR_KEY_PREFIX}stripe`);
    expect(saved?.page).toBeUndefined();
    expect(saved?.until).toBeUndefined();
  });

  test('a 429 with Retry-After is waited out', async () => {
    // GIVEN a missed event and a stand-in that answers the first list with 429, Retry-After 1
    const api = await stripeApi();
    const id = evtId();
    api.add({ id, type: 'invoice.paid', created: now() - 2 * HOUR });
    api.fail({ when: (r) => r.path === '/v1/events', status: 429, headers: { 'retry-after': '1' }, body: { error: { type: 'rate_limit_error' } } });
    const target = await ownTarget();
    // WHEN
    const [result] = await reconcilerFor(stripeProvider(api), target).run();
    // THEN the retry came after the wait, and the event is enqueued
    const lists = api.requests.filter((r) => r.path === '/v1/events');
    expect(lists).toHaveLength(2);
    expect(lists[1].at - lists[0].at).toBeGreaterThanOrEqual(1000);
    expect(result).toMatchObject({ outcome: 'done', missed: 1 });
    expect((await envelopes(target.queueUrl)).map((e) => e.deliveryId)).toEqual([id]);
  });

  test('a rate limit that outlasts the run stops it; the next run resumes with nothing lost', async () => {
    // GIVEN a Retry-After far longer than the run has left
    const api = await stripeApi();
    const id = evtId();
    api.add({ id, type: 'invoice.paid', created: now() - 2 * HOUR });
    api.fail({ when: (r) => r.path === '/v1/events', status: 429, headers: { 'retry-after': '600' } });
    const target = await ownTarget();
    const run = reconcilerFor(stripeProvider(api), target);
    // WHEN
    const [stopped] = await run.run(60_000);
    // THEN it stopped without waiting, counted, and the next run gets the event
    expect(stopped).toMatchObject({ outcome: 'rate_limited', missed: 0 });
    expect(run.metrics[0]).toMatchObject({ ReconcileRateLimited: 1, ReconcileRunFailed: 0 });
    const [resumed] = await run.run();
    expect(resumed).toMatchObject({ outcome: 'done', missed: 1 });
    expect((await envelopes(target.queueUrl)).map((e) => e.deliveryId)).toEqual([id]);
  });

  test('a wrong API key fails the run, counted, with the status and no key in the logs', async () => {
    const api = new StripeApi('rk_test_other');
    await api.start();
    apis.push(api);
    api.add({ id: evtId(), type: 'invoice.paid', created: now() - 2 * HOUR });
    const run = reconcilerFor(stripeProvider(api), await ownTarget());
    await expect(run.run()).rejects.toThrow(/answered 401/);
    expect(run.metrics[0]).toMatchObject({ ReconcileRunFailed: 1 });
    expect(run.logs.join('\n')).not.toContain(STRIPE_KEY);
  });
});

describe('GitHub', () => {
  /** Delivers a GitHub event to the verifier, signed by Octokit. */
  async function deliverGitHub(guid: string, event = 'issues'): Promise<void> {
    const body = JSON.stringify({ action: 'opened', issue: { number: 1 }, repository: { full_name: 'octo-org/hello-world' } });
    const signature = await octokit.sign(GH_SECRET, body);
    const answer = await verifier.send(apiEvent({ resource: '/github', body, headers: { 'X-Hub-Signature-256': signature, 'X-GitHub-Event': event, 'X-GitHub-Delivery': guid } }));
    expect(answer.status).toBe(200);
  }

  test('failed deliveries get one redelivery request each; successful, received, young and ping ones none', async () => {
    // GIVEN the hook's deliveries
    const api = await githubApi();
    const guid = () => randomUUID();
    const [ok, receivedButFailed, lost, timedOut, young, ping] = [guid(), guid(), guid(), guid(), guid(), guid()];
    const t = now() - 2 * HOUR;
    api.add(
      { id: 101, guid: ok, deliveredAt: t, statusCode: 200, event: 'issues' },
      // GitHub gave up waiting, but the verifier had recorded it: in the inbox.
      { id: 102, guid: receivedButFailed, deliveredAt: t + 1, statusCode: 0, event: 'issues' },
      { id: 103, guid: lost, deliveredAt: t + 2, statusCode: 503, event: 'push' },
      // A manual redelivery of the lost one that failed too: still one request for the GUID.
      { id: 104, guid: lost, deliveredAt: t + 3, statusCode: 502, event: 'push', redelivery: true },
      { id: 105, guid: timedOut, deliveredAt: t + 4, statusCode: 0, event: 'issues' },
      { id: 106, guid: young, deliveredAt: now() - 30, statusCode: 500, event: 'issues' },
      { id: 107, guid: ping, deliveredAt: t + 5, statusCode: 500, event: 'ping' },
    );
    await deliverGitHub(receivedButFailed);
    await verifier.messages();
    const run = reconcilerFor(githubProvider(api));

    // WHEN it runs twice
    const [first] = await run.run();
    const [second] = await run.run();

    // THEN exactly the lost and the timed-out delivery were asked for, once each, with the token
    expect(api.redeliveries.sort()).toEqual([104, 105]);
    expect(first).toMatchObject({ outcome: 'done', missed: 2, redeliveryRequested: 2, checked: 6 });
    expect(second).toMatchObject({ missed: 0, redeliveryRequested: 0 });
    expect(run.metrics[0]).toMatchObject({ ReconcileMissed: 2, ReconcileRedeliveryRequested: 2 });
    expect(api.requests.every((r) => r.authorization === `Bearer ${GH_TOKEN}`)).toBe(true);
    // Nothing was enqueued by the reconciler itself: the redelivery arrives as a signed delivery.
    expect(await verifier.messages()).toHaveLength(0);
  });

  test('pages are followed through the Link header, and a failure on page 2 resumes there', async () => {
    // GIVEN 5 failed deliveries, 2 per page, and a stand-in that fails page 2 once
    const api = await githubApi(2);
    const t = now() - 3 * HOUR;
    for (let i = 1; i <= 5; i++) api.add({ id: 200 + i, guid: randomUUID(), deliveredAt: t + i, statusCode: 500, event: 'issues' });
    api.fail({ when: (r) => r.path === HOOK_PATH && r.query.has('cursor'), status: 502 });
    const target = await ownTarget();
    const run = reconcilerFor(githubProvider(api, { id: 'github-paged' }), target);
    // WHEN
    await expect(run.run()).rejects.toThrow(/answered 502/);
    expect(api.redeliveries).toEqual([205, 204]);
    const [result] = await run.run();
    // THEN each was asked for once
    expect(result).toMatchObject({ outcome: 'done', redeliveryRequested: 3 });
    expect(api.redeliveries.sort()).toEqual([201, 202, 203, 204, 205]);
  });

  test('a 403 with x-ratelimit-remaining 0 is waited out until x-ratelimit-reset', async () => {
    const api = await githubApi();
    api.add({ id: 301, guid: randomUUID(), deliveredAt: now() - HOUR, statusCode: 500, event: 'issues' });
    api.fail({ when: (r) => r.path === HOOK_PATH, status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now() + 1) }, body: { message: 'API rate limit exceeded' } });
    const [result] = await reconcilerFor(githubProvider(api, { id: 'github-limited' }), await ownTarget()).run();
    const lists = api.requests.filter((r) => r.path === HOOK_PATH);
    expect(lists).toHaveLength(2);
    expect(lists[1].at - lists[0].at).toBeGreaterThanOrEqual(1000);
    expect(result).toMatchObject({ outcome: 'done', redeliveryRequested: 1 });
  });
});

describe('the construct', () => {
  function receiver(given: Given, props: Partial<WebhookReceiverProps> = {}): { receiver: WebhookReceiver; stripeKey: secretsmanager.ISecret; githubToken: secretsmanager.ISecret } {
    const stripeKey = secretsmanager.Secret.fromSecretNameV2(given.stack, 'StripeKey', 'reconcile/stripe');
    const githubToken = secretsmanager.Secret.fromSecretNameV2(given.stack, 'GitHubToken', 'reconcile/github');
    const r = new WebhookReceiver(given.stack, 'Receiver', {
      providers: [
        WebhookProvider.stripe({ secret: given.stripeSecret, eventTypes: ['invoice.paid'], reconcile: { credential: stripeKey } }),
        WebhookProvider.github({
          secret: given.githubSecret,
          reconcile: { credential: githubToken, every: Duration.minutes(30), settleDelay: Duration.minutes(20), repository: 'octo-org/hello-world', hookId: 12345678 },
        }),
      ],
      processor: given.processor,
      ...props,
    });
    return { receiver: r, stripeKey, githubToken };
  }

  const reconcilerFunctionId = (stack: Stack) => Object.keys(Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('reconciliation') } }))[0];

  test('one reconciler function, on the shipped bundle, with a schedule per provider at the documented default rate', () => {
    // GIVEN
    const given = givenStack();
    const { receiver: r } = receiver(given);
    const template = Template.fromStack(given.stack);

    // THEN
    expect(r.reconciler).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('reconciliation'),
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 300,
      Handler: 'index.handler',
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
    const fn = reconcilerFunctionId(given.stack);
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] }, Input: '{"provider":"stripe"}', RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 minutes)',
      Targets: [Match.objectLike({ Input: '{"provider":"github"}' })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] } });
  });

  test('its configuration carries each provider\'s settings, defaults filled in', () => {
    const given = givenStack();
    receiver(given);
    const fnResource = Template.fromStack(given.stack).toJSON().Resources[reconcilerFunctionId(given.stack)];
    const text = JSON.stringify(fnResource.Properties.Environment.Variables.WEBHOOK_RECONCILER_CONFIG);
    // Stripe: 1 hour settle delay, the provider's eventTypes; GitHub: its hook and 20 minutes.
    expect(text).toContain('\\"id\\":\\"stripe\\",\\"kind\\":\\"stripe\\"');
    expect(text).toContain('\\"settleDelaySeconds\\":3600,\\"initialLookbackSeconds\\":900,\\"dedupWindowSeconds\\":604800,\\"eventTypes\\":[\\"invoice.paid\\"]');
    expect(text).toContain('\\"settleDelaySeconds\\":1200,\\"initialLookbackSeconds\\":1800');
    expect(text).toContain('\\"github\\":{\\"repository\\":\\"octo-org/hello-world\\",\\"hookId\\":12345678}');
  });

  test('its role reads only the credentials (AWSCURRENT), writes the inbox and sends to the queue; the verifier cannot read the credentials', () => {
    const given = givenStack();
    receiver(given);
    const template = Template.fromStack(given.stack);
    const policies = template.findResources('AWS::IAM::Policy');
    const reconcilerPolicy = Object.entries(policies).find(([id]) => id.startsWith('ReceiverReconcilerRole'))![1];
    const statements = reconcilerPolicy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }>;
    const actions = statements.map((st) => [st.Action].flat().sort().join(','));
    expect(actions.sort()).toEqual(
      [
        'logs:CreateLogStream,logs:PutLogEvents',
        'dynamodb:DeleteItem,dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem',
        'sqs:SendMessage',
        'secretsmanager:DescribeSecret,secretsmanager:GetSecretValue',
        'secretsmanager:DescribeSecret,secretsmanager:GetSecretValue',
      ].sort(),
    );
    const secretStatements = statements.filter((st) => [st.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(JSON.stringify(secretStatements)).toMatch(/reconcile\/stripe/);
    expect(JSON.stringify(secretStatements)).toMatch(/reconcile\/github/);
    expect(JSON.stringify(secretStatements)).not.toMatch(/webhooks\//);
    for (const st of secretStatements) expect(st.Condition).toEqual({ 'ForAnyValue:StringEquals': { 'secretsmanager:VersionStage': ['AWSCURRENT'] } });
    const verifierPolicy = Object.entries(policies).find(([id]) => id.startsWith('ReceiverVerifierRole'))![1];
    expect(JSON.stringify(verifierPolicy)).not.toMatch(/reconcile\//);
  });

  test('an alarm per reconciled provider fires on one missed event, with the runbook', () => {
    const given = givenStack();
    const { receiver: r } = receiver(given);
    expect(Object.keys(r.alarms.missedEvents ?? {}).sort()).toEqual(['github', 'stripe']);
    Template.fromStack(given.stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ReconcileMissed',
      Namespace: 'WebhookReceiver',
      Dimensions: Match.arrayWith([{ Name: 'Provider', Value: 'stripe' }]),
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('runbook.md#reconciliation-missed-events'),
    });
  });

  test('an alarm per reconciled provider fires when runs fail two hours in a row; not covered by the composite', () => {
    const given = givenStack();
    const { receiver: r } = receiver(given);
    expect(Object.keys(r.alarms.reconcileRunFailures ?? {}).sort()).toEqual(['github', 'stripe']);
    const template = Template.fromStack(given.stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ReconcileRunFailed',
      Dimensions: Match.arrayWith([{ Name: 'Provider', Value: 'github' }]),
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 1,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('runbook.md#reconciliation-runs-failing'),
    });
    const composite = JSON.stringify(template.findResources('AWS::CloudWatch::CompositeAlarm'));
    expect(composite).not.toContain('ReconcileRunFailed');
    expect(composite).not.toContain('ReconcileMissed');
  });

  test('the dashboard gets one reconciliation row for both reconciled providers', () => {
    const given = givenStack();
    receiver(given);
    const [dashboard] = Object.values(Template.fromStack(given.stack).findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body.split('\\"title\\":\\"Reconciliation\\"').length - 1).toBe(1);
    for (const metric of ['ReconcileMissed', 'ReconcileRedeliveryRequested', 'ReconcileRunFailed', 'ReconcileRateLimited', 'ReconcileChecked']) {
      expect(body).toContain(`\\"${metric}\\"`);
    }
  });

  test('the reconciliation alarms are tunable and can be turned off', () => {
    const given = givenStack();
    const { receiver: r } = receiver(given, {
      alarms: { reconcileMissed: { threshold: 5, period: Duration.hours(1) }, reconcileRunFailed: { enabled: false } },
    });
    expect(r.alarms.reconcileRunFailures).toEqual({});
    const template = Template.fromStack(given.stack);
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'ReconcileRunFailed' }, 0);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ReconcileMissed', Threshold: 5, Period: 3600 });
    expect(() => receiver(givenStack(), { alarms: { reconcileRunFailed: { threshold: 0 } } })).toThrow(/alarms\.reconcileRunFailed\.threshold/);
  });

  test('without reconcile there is no reconciler, schedule or alarm', () => {
    const given = givenStack();
    const r = new WebhookReceiver(given.stack, 'Receiver', { provider: WebhookProvider.stripe({ secret: given.stripeSecret }), processor: given.processor });
    expect(r.reconciler).toBeUndefined();
    Template.fromStack(given.stack).resourceCountIs('AWS::Events::Rule', 0);
    Template.fromStack(given.stack).resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'ReconcileMissed' }, 0);
  });

  describe.each([
    ['the default options', (_: Stack) => ({})],
    ['a customer managed key and tracing', (stack: Stack) => ({ encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }), tracing: true })],
  ])('cdk-nag with %s', (_name, options) => {
    test('synthesizes with both packs; the reconciler\'s acknowledgements are these', () => {
      const outdir = mkdtempSync(path.join(tmpdir(), 'nag-reconcile-'));
      try {
        const given = givenStack({ nag: true, outdir });
        receiver(given, options(given.stack));
        expect(() => given.app.synth()).not.toThrow();
        const metadata = JSON.parse(readFileSync(path.join(outdir, 'Test.metadata.json'), 'utf8')) as Record<string, Array<{ type: string; data: Record<string, string> }>>;
        const rules = Object.entries(metadata)
          .filter(([p]) => p.startsWith('/Test/Receiver/Reconciler'))
          .flatMap(([p, entries]) => entries.filter((e) => e.type === 'aws:cdk:acknowledged-rules').flatMap((e) => Object.keys(e.data).map((id) => `${p.replace('/Test/Receiver/', '')}: ${id.replace(/^annotation::/i, '')}`)));
        const tracing = _name !== 'the default options';
        expect(rules.sort()).toEqual(
          (tracing
            ? ['Reconciler/Role: AwsSolutions-IAM5[Resource::*]']
            : ['Reconciler/Function: Serverless-LambdaTracing']
          )
            .concat([
              'Reconciler/Function: Serverless-LambdaDLQ',
              'Reconciler/Function: Serverless-LambdaAsyncFailureDestination',
              'Reconciler/ScheduleStripe: Serverless-EventBusDLQ',
              'Reconciler/ScheduleGithub: Serverless-EventBusDLQ',
            ])
            .sort(),
        );
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    });
  });

  describe('fails if', () => {
    const secret = (given: Given) => given.stripeSecret;
    const github = (given: Given, reconcile: Record<string, unknown>) => () => WebhookProvider.github({ secret: given.githubSecret, reconcile: { credential: secret(given), ...reconcile } as never });

    test('fails if reconcile is given to a provider without an events API', () => {
      const given = givenStack();
      expect(() => WebhookProvider.shopify({ secret: given.stripeSecret, reconcile: { credential: given.stripeSecret } } as never)).toThrow(/reconcile of provider "shopify": reconciliation is offered for Stripe and GitHub only, not for shopify/);
    });

    test('fails if the credential is not a secret', () => {
      const given = givenStack();
      expect(() => WebhookProvider.stripe({ secret: given.stripeSecret, reconcile: { credential: 'rk_live_abc' as never } })).toThrow(/credential of reconcile of provider "stripe" must be a secretsmanager.ISecret holding the API credential, never its value, got a string/);
    });

    test('fails if every is not whole minutes from 5 minutes to 1 day', () => {
      const given = givenStack();
      expect(() => WebhookProvider.stripe({ secret: given.stripeSecret, reconcile: { credential: secret(given), every: Duration.minutes(2) } })).toThrow(/every of reconcile of provider "stripe" is 120 s; it must be whole minutes from 5 minutes to 1 day/);
    });

    test('fails if settleDelay is past what GitHub can redeliver', () => {
      const given = givenStack();
      expect(github(given, { settleDelay: Duration.days(3), repository: 'o/r', hookId: 1 })).toThrow(/settleDelay of reconcile of provider "github" is 259200 s; it must be whole minutes from 1 minute to 2 days/);
    });

    test('fails if the GitHub hook is not said exactly once', () => {
      const given = givenStack();
      expect(github(given, {})).toThrow(/needs exactly one of repository \(with hookId\), organization \(with hookId\) or appId to say which hook; got 0/);
      expect(github(given, { repository: 'o/r', appId: '1' })).toThrow(/got 2/);
      expect(github(given, { repository: 'o/r' })).toThrow(/hookId of reconcile of provider "github" must be the hook's id, a positive whole number, got undefined/);
      expect(github(given, { repository: 'not a repo', hookId: 1 })).toThrow(/repository of reconcile of provider "github" must be "owner\/name"/);
      expect(github(given, { appId: 'abc' })).toThrow(/appId of reconcile of provider "github" must be the App's numeric id/);
    });

    test('fails if a Stripe reconciliation names a GitHub hook', () => {
      const given = givenStack();
      expect(() => WebhookProvider.stripe({ secret: given.stripeSecret, reconcile: { credential: secret(given), hookId: 3 } as never })).toThrow(/hookId is a GitHub option/);
    });

    test('fails if the provider keys its events by a dedupKey', () => {
      const given = givenStack();
      expect(() => WebhookProvider.stripe({ secret: given.stripeSecret, dedupKey: [RequestValue.jsonPath('data.object.id')], reconcile: { credential: secret(given) } })).toThrow(/has a dedupKey, so its inbox keys are not the provider's event ids/);
    });

    test('fails if the receiver orders its events on a FIFO queue (the reconciler sends no message group)', () => {
      const given = givenStack();
      expect(() => new WebhookReceiver(given.stack, 'Receiver', {
        provider: WebhookProvider.stripe({ secret: given.stripeSecret, reconcile: { credential: secret(given) } }),
        processor: given.processor,
        ordering: { entityKey: RequestValue.jsonPath('data.object.id') },
      })).toThrow(/Provider stripe: reconcile cannot be combined with the receiver's ordering \(FIFO queue\) yet/);
    });
  });
});
