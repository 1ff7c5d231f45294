/**
 * The shipped verifier bundle (assets/verifier/index.js), run in-process against DynamoDB (dynalite), SQS
 * (fauxqs) and a Secrets Manager endpoint on loopback, with the real AWS SDK v3 clients. Signatures come from
 * the providers' own packages: `stripe` and `@octokit/webhooks-methods`.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import Stripe from 'stripe';
import type { ProviderConfig, VerifierConfig } from '../contract/config';
import {
  apiEvent,
  captureLogs,
  clients,
  createInboxTable,
  createQueue,
  createSecret,
  drain,
  endpoints,
  getRecord,
  loadStagedVerifier,
  rotateSecret,
  scanTable,
  useEmulatorsForDefaultClients,
} from './support/aws';

type VerifierModule = typeof import('../lambda/verifier/index');

const STRIPE_SECRET = 'whsec_test_5f2b1c0d9e8a7b6c5d4e3f2a1b0c9d8e';
const GITHUB_SECRET = "It's a Secret to Everybody";
const stripe = new Stripe('sk_test_unused');
const aws = clients();

let octokitSign: (secret: string, payload: string) => Promise<string>;
let tableName: string;
let queueUrl: string;
let stripeSecretArn: string;
let githubSecretArn: string;
let config: VerifierConfig;
let verifier: VerifierModule;

beforeAll(async () => {
  ({ sign: octokitSign } = await import('@octokit/webhooks-methods'));
  useEmulatorsForDefaultClients();
  tableName = await createInboxTable(aws.dynamodb);
  queueUrl = (await createQueue(aws.sqs)).url;
  stripeSecretArn = await createSecret(aws.secretsManager, STRIPE_SECRET);
  githubSecretArn = await createSecret(aws.secretsManager, GITHUB_SECRET);
  config = verifierConfig({
    '/stripe': { id: 'stripe', kind: 'stripe', secretId: stripeSecretArn, dedupWindowSeconds: 604800, toleranceSeconds: 300 },
    '/github': { id: 'github', kind: 'github', secretId: githubSecretArn, dedupWindowSeconds: 604800 },
  });
  // As deployed: config.json beside the bundle; no deploy-time values (the config holds none).
  delete process.env.WEBHOOK_RECEIVER_VALUES;
  verifier = loadStagedVerifier<VerifierModule>(config).module;
  // Count every AWS call the bundle's own clients make, by command name.
  for (const client of [verifier.dynamodb, verifier.sqs, verifier.secretsManager] as const) {
    (client.middlewareStack as { add: (m: unknown, o: unknown) => void }).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) => async (args: unknown) => {
        awsCalls[context.commandName] = (awsCalls[context.commandName] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'testCallCounter' },
    );
  }
});

const awsCalls: Record<string, number> = {};
function callsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
  const before = { ...awsCalls };
  return fn().then((result) => ({
    result,
    calls: Object.fromEntries(Object.entries(awsCalls).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v !== 0)),
  }));
}

afterEach(async () => {
  // Each test starts from an empty queue.
  await drain(aws.sqs, queueUrl);
});

function verifierConfig(providers: { [path: string]: ProviderConfig }, overrides: Partial<VerifierConfig> = {}): VerifierConfig {
  return {
    tableName,
    queueUrl,
    maxBodyBytes: 256 * 1024,
    maxMessageBytes: 1024 * 1024,
    leaseSeconds: 20,
    secretMaxAgeSeconds: 300,
    secretRefreshMinIntervalSeconds: 30,
    providers,
    ...overrides,
  };
}

function stripeEvent(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: 'pi_123', object: 'payment_intent', amount: 2000, currency: 'eur' } },
    ...overrides,
  });
}

function stripeRequest(payload: string | Buffer, options: { secret?: string; timestamp?: number; signature?: string } = {}) {
  const signature =
    options.signature ??
    stripe.webhooks.generateTestHeaderString({
      payload: payload.toString(),
      secret: options.secret ?? STRIPE_SECRET,
      timestamp: options.timestamp,
    });
  return apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature } });
}

async function githubRequest(payload: string, options: { secret?: string; event?: string; delivery?: string } = {}) {
  return apiEvent({
    resource: '/github',
    body: payload,
    headers: {
      'X-Hub-Signature-256': await octokitSign(options.secret ?? GITHUB_SECRET, payload),
      'X-GitHub-Event': options.event ?? 'push',
      'X-GitHub-Delivery': options.delivery ?? randomUUID(),
    },
  });
}

async function invoke(event: ReturnType<typeof apiEvent>) {
  const { result, lines } = await captureLogs(() => verifier.handler(event));
  if (process.env.DEBUG_VERIFIER) console.error(lines.join('\n'));
  return { status: result.statusCode, body: JSON.parse(result.body), headers: result.headers ?? {}, lines };
}

async function markDone(key: string) {
  await aws.dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { pk: { S: key } },
      UpdateExpression: 'SET #s = :done',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':done': { S: 'DONE' } },
    }),
  );
}

describe('genuine deliveries', () => {
  test('a Stripe event signed by the stripe package is accepted and enqueued exactly once', async () => {
    // GIVEN
    const payload = stripeEvent();
    const { id } = JSON.parse(payload);

    // WHEN
    const response = await invoke(stripeRequest(payload));

    // THEN
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
    const messages = await drain(aws.sqs, queueUrl);
    expect(messages).toHaveLength(1);
    const envelope = JSON.parse(messages[0].Body!);
    expect(envelope).toMatchObject({
      v: 2,
      provider: 'stripe',
      deliveryId: id,
      key: `stripe#${id}`,
      eventType: 'payment_intent.succeeded',
      auth: 'hmac',
      bodySigned: true,
      origin: 'delivery',
      bodySha256: createHash('sha256').update(payload).digest('hex'),
      bodyEncoding: 'utf8',
      body: payload,
      contentType: 'application/json',
    });
    expect(Date.parse(envelope.receivedAt)).toBeGreaterThan(Date.now() - 60_000);
    const record = await getRecord(aws.dynamodb, tableName, `stripe#${id}`);
    // The message is in the queue: the record says so, and every later attempt is a duplicate.
    expect(record?.status.S).toBe('ENQUEUED');
    expect(Number(record?.expiresAt.N)).toBeGreaterThan(Date.now() / 1000 + 604800 - 120);
  });

  test('a GitHub event signed by @octokit/webhooks-methods is accepted and enqueued exactly once', async () => {
    // GIVEN
    const delivery = randomUUID();
    const payload = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'octo/repo' } });

    // WHEN
    const response = await invoke(await githubRequest(payload, { delivery }));

    // THEN
    expect(response.status).toBe(200);
    expect(response.body.code).toBe('accepted');
    const messages = await drain(aws.sqs, queueUrl);
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0].Body!)).toMatchObject({ provider: 'github', deliveryId: delivery, eventType: 'push', body: payload });
  });

  test('header names match case-insensitively', async () => {
    const payload = stripeEvent();
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const response = await invoke(apiEvent({ resource: '/stripe', body: payload, headers: { 'sTrIpE-sIgNaTuRe': signature } }));
    expect(response.status).toBe(200);
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(1);
  });

  test('a body that is not valid UTF-8 verifies byte-exactly and reaches the queue byte-exactly', async () => {
    // GIVEN bytes that no UTF-8 decoder round-trips. @octokit/webhooks-methods only signs strings, so the
    // signature is GitHub's documented scheme (HMAC-SHA256 over the raw bytes) computed with node:crypto,
    // anchored to octokit: for a UTF-8 body the same computation gives exactly octokit's signature.
    const githubScheme = (bytes: Buffer) => `sha256=${createHmac('sha256', GITHUB_SECRET).update(bytes).digest('hex')}`;
    const text = '{"note":"caf\u00e9 \ud83d\ude80"}';
    expect(githubScheme(Buffer.from(text, 'utf8'))).toBe(await octokitSign(GITHUB_SECRET, text));
    const body = Buffer.concat([Buffer.from('{"note":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]);

    // WHEN
    const response = await invoke(
      apiEvent({
        resource: '/github',
        body,
        headers: { 'X-Hub-Signature-256': githubScheme(body), 'X-GitHub-Event': 'issues', 'X-GitHub-Delivery': randomUUID() },
      }),
    );

    // THEN
    expect(response.status).toBe(200);
    const [message] = await drain(aws.sqs, queueUrl);
    const envelope = JSON.parse(message.Body!);
    expect(envelope.bodyEncoding).toBe('base64');
    expect(Buffer.from(envelope.body, 'base64').equals(body)).toBe(true);
  });

  test('a body with non-ASCII and astral characters verifies and reaches the queue unchanged', async () => {
    // GIVEN text SQS emulators that only take the BMP would refuse unescaped
    const payload = stripeEvent({ description: 'Zahlung f\u00fcr Kaffee \u2615 und Rakete \ud83d\ude80, \u6f22\u5b57' });

    // WHEN
    const response = await invoke(stripeRequest(payload));

    // THEN
    expect(response.status).toBe(200);
    const [message] = await drain(aws.sqs, queueUrl);
    const envelope = JSON.parse(message.Body!);
    expect(envelope.bodyEncoding).toBe('utf8');
    expect(envelope.body).toBe(payload);
    expect(message.Body).not.toMatch(/[\ud800-\udfff]/);
  });
});

describe('rejections: 4xx with a code, no message, no record', () => {
  async function expectNoSideEffects() {
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(0);
  }

  async function expectRejected(event: ReturnType<typeof apiEvent>, status: number, code: string) {
    const before = (await scanTable(aws.dynamodb, tableName)).length;
    const response = await invoke(event);
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ ok: false, error: code });
    await expectNoSideEffects();
    expect((await scanTable(aws.dynamodb, tableName)).length).toBe(before);
    return response;
  }

  test('a tampered body is rejected', async () => {
    const payload = stripeEvent();
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const tampered = payload.replace('"amount":2000', '"amount":1');
    await expectRejected(stripeRequest(tampered, { signature }), 401, 'signature_mismatch');
  });

  test('a signature made with the wrong secret is rejected', async () => {
    await expectRejected(stripeRequest(stripeEvent(), { secret: 'whsec_not_the_right_one' }), 401, 'signature_mismatch');
  });

  test('a GitHub signature made with the wrong secret is rejected', async () => {
    await expectRejected(await githubRequest('{"zen":"Keep it logically awesome."}', { secret: 'wrong' }), 401, 'signature_mismatch');
  });

  test('a stale timestamp is rejected', async () => {
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    await expectRejected(stripeRequest(stripeEvent(), { timestamp: tenMinutesAgo }), 401, 'timestamp_out_of_window');
  });

  test('size, route, header, timestamp and JSON checks make no AWS call at all', async () => {
    // GIVEN a new container (nothing cached)
    const fresh = verifierWith(config.providers);
    const t = Math.floor(Date.now() / 1000);
    const requests = [
      stripeRequest(stripeEvent({ padding: 'x'.repeat(300 * 1024) })),
      { ...stripeRequest(stripeEvent()), body: '%%%' },
      apiEvent({ resource: '/nowhere', body: '{}' }),
      apiEvent({ resource: '/stripe', body: stripeEvent() }),
      stripeRequest(stripeEvent(), { timestamp: t - 3600 }),
      stripeRequest(stripeEvent(), { signature: `t=${t},v1=zz` }),
      stripeRequest('not json'),
    ];

    // WHEN
    const { result, calls } = await callsDuring(() => captureLogs(() => Promise.all(requests.map((r) => fresh(r)))));

    // THEN
    expect(result.result.map((r) => r.statusCode)).toEqual([413, 400, 404, 401, 401, 401, 400]);
    expect(calls).toEqual({});
  });

  test('a timestamp too far in the future is rejected', async () => {
    const inTenMinutes = Math.floor(Date.now() / 1000) + 600;
    await expectRejected(stripeRequest(stripeEvent(), { timestamp: inTenMinutes }), 401, 'timestamp_out_of_window');
  });

  test('a timestamp inside the window is accepted', async () => {
    const fourMinutesAgo = Math.floor(Date.now() / 1000) - 240;
    const response = await invoke(stripeRequest(stripeEvent(), { timestamp: fourMinutesAgo }));
    expect(response.status).toBe(200);
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(1);
  });

  test('a missing signature header is rejected', async () => {
    await expectRejected(apiEvent({ resource: '/stripe', body: stripeEvent() }), 401, 'signature_missing');
    await expectRejected(apiEvent({ resource: '/github', body: '{}', headers: { 'X-GitHub-Delivery': randomUUID() } }), 401, 'signature_missing');
  });

  test('a signature header without a v1 entry or with a wrong prefix is rejected as malformed', async () => {
    const t = Math.floor(Date.now() / 1000);
    await expectRejected(stripeRequest(stripeEvent(), { signature: `t=${t},v0=abcdef` }), 401, 'signature_malformed');
    await expectRejected(
      apiEvent({ resource: '/github', body: '{}', headers: { 'X-Hub-Signature-256': 'sha1=abcdef', 'X-GitHub-Delivery': randomUUID() } }),
      401,
      'signature_malformed',
    );
  });

  test('a Stripe signature header without a timestamp is rejected', async () => {
    const signed = stripe.webhooks.generateTestHeaderString({ payload: stripeEvent(), secret: STRIPE_SECRET });
    const withoutTimestamp = signed.split(',').filter((part) => !part.startsWith('t=')).join(',');
    await expectRejected(stripeRequest(stripeEvent(), { signature: withoutTimestamp }), 401, 'timestamp_missing');
  });

  test('a signature header sent twice is rejected', async () => {
    const payload = stripeEvent();
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const event = apiEvent({
      resource: '/stripe',
      body: payload,
      headers: { 'Stripe-Signature': signature },
      multiValueHeaders: { 'Stripe-Signature': [signature, signature] },
    });
    await expectRejected(event, 401, 'signature_missing');
  });

  test('a body over the maximum is rejected with 413', async () => {
    const payload = stripeEvent({ padding: 'x'.repeat(300 * 1024) });
    await expectRejected(stripeRequest(payload), 413, 'body_too_large');
  });

  test('a body that is not base64 is rejected with 400', async () => {
    const event = { ...stripeRequest(stripeEvent()), body: 'not*base64!' };
    await expectRejected(event, 400, 'body_malformed');
  });

  test('a Stripe body that is not JSON is rejected with 400', async () => {
    await expectRejected(stripeRequest('this is not json'), 400, 'body_malformed');
  });

  test('too many or too large headers are rejected with 431', async () => {
    const many = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`X-Filler-${i}`, 'x']));
    await expectRejected(apiEvent({ resource: '/stripe', body: stripeEvent(), headers: many }), 431, 'headers_too_large');
    await expectRejected(apiEvent({ resource: '/stripe', body: stripeEvent(), headers: { 'X-Big': 'x'.repeat(40 * 1024) } }), 431, 'headers_too_large');
  });

  test('an unknown route is rejected with 404', async () => {
    await expectRejected(apiEvent({ resource: '/shopify', body: '{}' }), 404, 'unknown_route');
  });

  test('logs carry neither the secret, the signature nor the body', async () => {
    const payload = stripeEvent({ marker: 'BODY-MARKER-5b7e' });
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const accepted = await invoke(stripeRequest(payload, { signature }));
    const rejected = await invoke(stripeRequest(payload.replace('5b7e', '5b7f'), { signature }));
    const lines = [...accepted.lines, ...rejected.lines];
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const v1 = signature.split('v1=')[1].split(',')[0];
    for (const line of lines) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toContain(STRIPE_SECRET);
      expect(line).not.toContain(v1);
      expect(line).not.toContain('BODY-MARKER');
    }
    expect(JSON.parse(rejected.lines[0])).toMatchObject({ level: 'WARN', code: 'signature_mismatch', status: 401 });
    await drain(aws.sqs, queueUrl);
  });
});

describe('idempotency', () => {
  test('a redelivery of a finished delivery is acknowledged without a second message', async () => {
    // GIVEN a delivery that was enqueued and processed
    const payload = stripeEvent();
    const { id } = JSON.parse(payload);
    expect((await invoke(stripeRequest(payload))).status).toBe(200);
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(1);
    await markDone(`stripe#${id}`);

    // WHEN Stripe delivers it again, freshly signed
    const response = await invoke(stripeRequest(payload));

    // THEN
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, code: 'duplicate', deliveryId: id });
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(0);
  });

  test('a retry inside the lease of an event already enqueued is a duplicate, not a 409', async () => {
    // GIVEN a delivery that is in the queue (the processor has not run yet)
    const payload = stripeEvent();
    const { id } = JSON.parse(payload);
    expect((await invoke(stripeRequest(payload))).status).toBe(200);

    // WHEN Stripe retries at once, freshly signed
    const response = await invoke(stripeRequest(payload));

    // THEN it is told the event is safe: 200 duplicate, nothing enqueued again
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, code: 'duplicate', deliveryId: id });
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(1);
  });

  test('only an attempt that may still be running answers a retryable 409', async () => {
    // GIVEN a first attempt stuck in its SendMessage (SQS answers only when the test says so)
    let openLatch!: () => void;
    const latch = new Promise<void>((resolve) => (openLatch = resolve));
    let sends = 0;
    const slowSqs = {
      send: async (command: never) => {
        sends++;
        await latch;
        return verifier.sqs.send(command);
      },
    };
    const handler = verifier.createVerifier({
      config,
      inbox: new verifier.Inbox(verifier.dynamodb, tableName, config.leaseSeconds * 1000),
      secrets: new verifier.SecretCache(verifier.secretsManager, { maxAgeMs: 300_000, refreshMinIntervalMs: 30_000 }),
      sqs: slowSqs as never,
      log: verifier.jsonLogger(() => undefined),
    });
    const payload = stripeEvent();
    const first = handler(stripeRequest(payload));
    while (sends === 0) await new Promise((r) => setTimeout(r, 5));

    // WHEN the provider retries while the first attempt is still sending
    const retry = await handler(stripeRequest(payload));

    // THEN the retry is told to come back, with a Retry-After inside the lease
    expect(retry.statusCode).toBe(409);
    expect(JSON.parse(retry.body)).toMatchObject({ ok: false, error: 'delivery_in_flight' });
    expect(Number(retry.headers!['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(Number(retry.headers!['Retry-After'])).toBeLessThanOrEqual(config.leaseSeconds);
    openLatch();
    expect((await first).statusCode).toBe(200);
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(1);
  });

  test('20 concurrent deliveries of one id enqueue exactly one message', async () => {
    // GIVEN one GitHub delivery sent 20 times at once (GitHub's id is a header, so the bodies are identical)
    const delivery = randomUUID();
    const event = await githubRequest('{"action":"opened","number":7}', { delivery, event: 'pull_request' });

    // WHEN
    const { result: responses } = await captureLogs(() => Promise.all(Array.from({ length: 20 }, () => verifier.handler(event))));

    // THEN
    const codes = responses.map((r) => JSON.parse(r.body).code ?? JSON.parse(r.body).error);
    expect(codes.filter((c) => c === 'accepted')).toHaveLength(1);
    // The others came either while the first attempt held its claim (409) or after it was enqueued (duplicate).
    expect(codes.filter((c) => c !== 'accepted').every((c) => c === 'delivery_in_flight' || c === 'duplicate')).toBe(true);
    const messages = await drain(aws.sqs, queueUrl);
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0].Body!).deliveryId).toBe(delivery);
  });

  test('a provider without a delivery id is deduplicated by the hash of its body', async () => {
    // GIVEN a generic HMAC provider with no id source, signed as GitHub signs (octokit)
    const local = verifierWith({
      '/acme': {
        id: 'acme',
        kind: 'custom',
        secretId: githubSecretArn,
        dedupWindowSeconds: 3600,
        scheme: {
          signature: { algorithm: 'sha256', encoding: 'hex', header: 'x-acme-signature', format: { kind: 'plain', prefix: 'sha256=' }, signedContent: '{body}', keyEncoding: 'utf8' },
        },
      },
    });
    const payload = `{"order":"${randomUUID()}"}`;
    const event = apiEvent({ resource: '/acme', body: payload, headers: { 'X-Acme-Signature': await octokitSign(GITHUB_SECRET, payload) } });

    // WHEN
    const first = await captureLogs(() => local(event));
    const second = await captureLogs(() => local(event));

    // THEN
    expect(first.result.statusCode).toBe(200);
    expect(JSON.parse(first.result.body).deliveryId).toBe(`sha256:${createHash('sha256').update(payload).digest('hex')}`);
    expect(second.result.statusCode).toBe(200);
    expect(JSON.parse(second.result.body).code).toBe('duplicate');
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(1);
  });
});

/** A verifier built by the shipped bundle from another configuration, with the bundle's own clients. */
function verifierWith(providers: { [path: string]: ProviderConfig }, overrides: Partial<VerifierConfig> = {}) {
  return verifier.verifierFromConfig(verifierConfig(providers, overrides));
}

describe('nothing verified is lost', () => {
  /** The bundle's verifier with its real clients, but an SQS client whose SendMessage fails `failures` times. */
  function verifierWithFlakySqs(failures: number, options: { now?: () => number; releaseFails?: boolean } = {}) {
    let remaining = failures;
    const sqs = {
      send: (command: { constructor: { name: string } }) => {
        if (remaining > 0) {
          remaining--;
          return Promise.reject(Object.assign(new Error('injected SQS outage'), { name: 'ServiceUnavailable' }));
        }
        return verifier.sqs.send(command as never);
      },
    };
    const inbox = new verifier.Inbox(verifier.dynamodb, tableName, config.leaseSeconds * 1000);
    if (options.releaseFails) {
      inbox.release = () => Promise.reject(new Error('injected DynamoDB outage'));
    }
    return verifier.createVerifier({
      config,
      inbox,
      secrets: new verifier.SecretCache(verifier.secretsManager, { maxAgeMs: 300_000, refreshMinIntervalMs: 30_000 }),
      sqs: sqs as never,
      log: verifier.jsonLogger(() => undefined),
      now: options.now,
    });
  }

  test('an SQS failure after the dedup write answers 503, and the next retry enqueues the event', async () => {
    // GIVEN SQS fails once
    const handler = verifierWithFlakySqs(1);
    const payload = stripeEvent();
    const { id } = JSON.parse(payload);

    // WHEN the first attempt hits the outage
    const first = await handler(stripeRequest(payload));

    // THEN it is our fault (5xx: the provider retries), and the claim was given back
    expect(first.statusCode).toBe(503);
    expect(JSON.parse(first.body)).toMatchObject({ error: 'enqueue_failed' });
    expect(await getRecord(aws.dynamodb, tableName, `stripe#${id}`)).toBeUndefined();
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(0);

    // WHEN the provider retries at once
    const retry = await handler(stripeRequest(payload));

    // THEN the event is enqueued exactly once
    expect(retry.statusCode).toBe(200);
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(1);
  });

  test('a verifier that dies between the dedup write and the enqueue leaves the event deliverable after the lease', async () => {
    // GIVEN an attempt that claimed the delivery and then could neither enqueue nor release (as if it crashed)
    let clock = Date.now();
    const handler = verifierWithFlakySqs(1, { now: () => clock, releaseFails: true });
    const payload = stripeEvent();
    const { id } = JSON.parse(payload);
    expect((await handler(stripeRequest(payload))).statusCode).toBe(503);
    expect((await getRecord(aws.dynamodb, tableName, `stripe#${id}`))?.status.S).toBe('CLAIMED');

    // WHEN a retry comes within the lease, THEN it is told to come back later, and nothing is enqueued
    const early = await handler(stripeRequest(payload));
    expect(early.statusCode).toBe(409);
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(0);

    // WHEN a retry comes after the lease, THEN it takes the delivery over and enqueues it once
    clock += (config.leaseSeconds + 1) * 1000;
    const late = await handler(stripeRequest(payload, { timestamp: Math.floor(clock / 1000) }));
    expect(late.statusCode).toBe(200);
    const messages = await drain(aws.sqs, queueUrl);
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0].Body!).deliveryId).toBe(id);
  });
});

describe('secret rotation', () => {
  test('a signature made with the previous secret version is accepted after a rotation', async () => {
    // GIVEN a secret rotated from old to new, and a new container
    const arn = await createSecret(aws.secretsManager, 'whsec_old_version_0001');
    await rotateSecret(aws.secretsManager, arn, 'whsec_new_version_0002');
    const handler = verifierWith({ '/stripe': { id: 'stripe', kind: 'stripe', secretId: arn, dedupWindowSeconds: 604800, toleranceSeconds: 300 } });

    // WHEN Stripe still signs with the old secret, and then with the new one
    const old = await captureLogs(() => handler(stripeRequest(stripeEvent(), { secret: 'whsec_old_version_0001' })));
    const current = await captureLogs(() => handler(stripeRequest(stripeEvent(), { secret: 'whsec_new_version_0002' })));
    const unrelated = await captureLogs(() => handler(stripeRequest(stripeEvent(), { secret: 'whsec_never_valid_0003' })));

    // THEN both versions verify, and the log says which one matched
    expect(old.result.statusCode).toBe(200);
    expect(JSON.parse(old.lines[0])).toMatchObject({ secretVersion: 'previous' });
    expect(current.result.statusCode).toBe(200);
    expect(JSON.parse(current.lines[0])).toMatchObject({ secretVersion: 'current' });
    expect(unrelated.result.statusCode).toBe(401);
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(2);
  });

  test('a rotation after the secret was cached is picked up by one bounded re-read', async () => {
    // GIVEN a container that cached the secret before the rotation
    const arn = await createSecret(aws.secretsManager, 'whsec_before_rotation');
    const handler = verifierWith({ '/stripe': { id: 'stripe', kind: 'stripe', secretId: arn, dedupWindowSeconds: 604800, toleranceSeconds: 300 } });
    expect((await captureLogs(() => handler(stripeRequest(stripeEvent(), { secret: 'whsec_before_rotation' })))).result.statusCode).toBe(200);
    await rotateSecret(aws.secretsManager, arn, 'whsec_after_rotation');

    // WHEN the provider signs with the new secret, and then forgers send 10 bad signatures
    const { result, calls } = await callsDuring(async () => {
      const rotated = await captureLogs(() => handler(stripeRequest(stripeEvent(), { secret: 'whsec_after_rotation' })));
      const forged = await captureLogs(() =>
        Promise.all(Array.from({ length: 10 }, () => handler(stripeRequest(stripeEvent(), { secret: 'whsec_forged' })))),
      );
      return { rotated: rotated.result.statusCode, forged: forged.result.map((r) => r.statusCode) };
    });

    // THEN the new secret verifies after one re-read (two versions), and the forgeries cause no further reads
    expect(result.rotated).toBe(200);
    expect(result.forged).toEqual(Array(10).fill(401));
    expect(calls.GetSecretValueCommand).toBe(2);
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(2);
  });

  test('a warm delivery makes two DynamoDB writes (claim, enqueued), one SQS send and no Secrets Manager call', async () => {
    await invoke(stripeRequest(stripeEvent()));
    await drain(aws.sqs, queueUrl);

    const { calls } = await callsDuring(() => invoke(stripeRequest(stripeEvent())));

    expect(calls).toEqual({ PutItemCommand: 1, SendMessageCommand: 1, UpdateItemCommand: 1 });
  });
});

describe('handshakes', () => {
  test('a GitHub ping is verified and answered, never enqueued or recorded', async () => {
    const delivery = randomUUID();
    const response = await invoke(await githubRequest('{"zen":"Design for failure.","hook_id":1}', { event: 'ping', delivery }));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, code: 'handshake' });
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(0);
    expect(await getRecord(aws.dynamodb, tableName, `github#${delivery}`)).toBeUndefined();
  });

  test('a ping with a bad signature is rejected', async () => {
    const response = await invoke(await githubRequest('{"zen":"x"}', { event: 'ping', secret: 'nope' }));
    expect(response.status).toBe(401);
  });
});
