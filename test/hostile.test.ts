/**
 * The hostile-input suite: property-based requests (fast-check) against the shipped verifier bundle, with
 * DynamoDB, SQS and Secrets Manager on loopback. For every generated request: no 5xx, no thrown exception, no
 * DynamoDB write and no SQS message unless the signature is genuine (signed by the `stripe` package or
 * `@octokit/webhooks-methods`), and no secret or signature in any log line. The closing line prints how many
 * requests ran and the count of each outcome.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import Stripe from 'stripe';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { apiEvent, captureLogs, clients, createInboxTable, createQueue, createSecret, drain, loadBundle, useEmulatorsForDefaultClients } from './support/aws';

type VerifierModule = typeof import('../lambda/verifier/index');

const STRIPE_SECRET = 'whsec_hostile_7d1e0c5b3a9f';
const GITHUB_SECRET = 'gh-hostile-4f2a9c';
const TOKEN = 'gitlab-hostile-token-81c3';
const RUNS = Number(process.env.HOSTILE_RUNS ?? 1000);
const stripe = new Stripe('sk_test_unused');
const aws = clients();

let verify: (event: APIGatewayProxyEvent) => Promise<{ statusCode: number; body: string }>;
let queueUrl: string;
let sign: (secret: string, payload: string) => Promise<string>;
const calls: Record<string, number> = {};
const outcomes: Record<string, number> = {};
let genuineAccepted = 0;

beforeAll(async () => {
  ({ sign } = await import('@octokit/webhooks-methods'));
  useEmulatorsForDefaultClients();
  const tableName = await createInboxTable(aws.dynamodb);
  queueUrl = (await createQueue(aws.sqs)).url;
  const verifier = loadBundle<VerifierModule>('verifier');
  for (const client of [verifier.dynamodb, verifier.sqs, verifier.secretsManager] as const) {
    (client.middlewareStack as { add: (m: unknown, o: unknown) => void }).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) => async (args: unknown) => {
        calls[context.commandName] = (calls[context.commandName] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'hostileCounter' },
    );
  }
  const handler = verifier.verifierFromConfig({
    tableName,
    queueUrl,
    maxBodyBytes: 64 * 1024,
    maxMessageBytes: 1024 * 1024,
    leaseSeconds: 20,
    secretMaxAgeSeconds: 300,
    secretRefreshMinIntervalSeconds: 30,
    providers: {
      '/stripe': { secretId: await createSecret(aws.secretsManager, STRIPE_SECRET), toleranceSeconds: 300 },
      '/github': { secretId: await createSecret(aws.secretsManager, GITHUB_SECRET) },
      '/gitlab': { secretId: await createSecret(aws.secretsManager, TOKEN) },
    },
  });
  verify = (event) => handler(event);
});

afterAll(() => {
  const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
  process.stdout.write(`\nhostile suite: ${total} generated requests; outcomes ${JSON.stringify(outcomes)}; genuine accepted ${genuineAccepted}\n`);
});

const headerName = fc.oneof(
  fc.constantFrom('Stripe-Signature', 'stripe-signature', 'STRIPE-SIGNATURE', 'X-Hub-Signature-256', 'x-hub-signature-256', 'X-GitHub-Delivery', 'X-Gitlab-Token', 'Content-Type', 'X-GitHub-Event'),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,30}$/),
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('t=1,v1=abc', 'sha256=', 'sha256=zz', 'v1=', ',,,', '=', 't=abc,v1=' + 'a'.repeat(64), TOKEN.slice(0, -1)),
  fc.string({ minLength: 8_000, maxLength: 12_000 }),
);
const jsonBomb = fc.integer({ min: 1_000, max: 200_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));
const body = fc.oneof(
  fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)),
  fc.json().map((text) => Buffer.from(text)),
  jsonBomb.map((text) => Buffer.from(text)),
  fc.constant(Buffer.alloc(0)),
  fc.string().map((text) => Buffer.from(text, 'utf8').subarray(0, Math.max(0, Buffer.byteLength(text) - 1))), // truncated UTF-8
  fc.constant(Buffer.alloc(70 * 1024, 0x61)),
);

interface Generated {
  readonly event: APIGatewayProxyEvent;
  readonly genuine: boolean;
  readonly secrets: string[];
}

/** A request an attacker could send: any route, method, headers (mixed case, duplicated, huge), body, encoding. */
const hostile: fc.Arbitrary<Generated> = fc
  .record({
    resource: fc.constantFrom('/stripe', '/github', '/gitlab', '/nowhere'),
    method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'),
    headers: fc.dictionary(headerName, headerValue, { maxKeys: 8 }),
    duplicate: fc.option(headerName),
    body,
    encoding: fc.constantFrom('base64', 'base64', 'raw', 'broken-base64'),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', ''),
  })
  .map(({ resource, method, headers, duplicate, body: bytes, encoding, contentType }) => {
    const event = apiEvent({ resource, body: bytes, method, headers: { ...headers, 'Content-Type': contentType } });
    if (duplicate) event.multiValueHeaders[duplicate] = ['a', 'b'];
    if (encoding === 'raw') Object.assign(event, { isBase64Encoded: false, body: bytes.toString('latin1') });
    if (encoding === 'broken-base64') event.body = `${event.body ?? ''}*%`;
    return { event, genuine: false, secrets: [] };
  });

/** A genuine delivery, signed by the provider's own package, over a random JSON body. */
const genuine: fc.Arbitrary<Promise<Generated>> = fc
  .record({ provider: fc.constantFrom('stripe', 'github'), extra: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 30 }), { maxKeys: 4 }) })
  .map(async ({ provider, extra }) => {
    const payload = JSON.stringify({ ...extra, id: `evt_${randomUUID().replace(/-/g, '')}`, type: 'charge.succeeded' });
    if (provider === 'stripe') {
      const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
      return { event: apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature } }), genuine: true, secrets: [signature.split('v1=')[1]] };
    }
    const signature = await sign(GITHUB_SECRET, payload);
    const headers = { 'X-Hub-Signature-256': signature, 'X-GitHub-Delivery': randomUUID(), 'X-GitHub-Event': 'push' };
    return { event: apiEvent({ resource: '/github', body: payload, headers }), genuine: true, secrets: [signature.slice('sha256='.length)] };
  });

test(`${RUNS} generated requests: no 5xx, no side effect unless genuine, nothing secret in the logs`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof({ arbitrary: hostile.map((g) => Promise.resolve(g)), weight: 4 }, { arbitrary: genuine, weight: 1 }), async (pending) => {
      const request = await pending;
      const before = { ...calls };
      const { result, lines } = await captureLogs(() => verify(request.event));
      const delta = (name: string) => (calls[name] ?? 0) - (before[name] ?? 0);
      let code = 'accepted';
      try {
        code = JSON.parse(result.body).error ?? JSON.parse(result.body).code;
      } catch {
        code = 'non-json';
      }
      const key = `${result.statusCode} ${code}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;

      expect(result.statusCode).toBeLessThan(500);
      if (request.genuine) {
        expect(result.statusCode).toBe(200);
        genuineAccepted++;
      } else {
        expect(result.statusCode).toBeGreaterThanOrEqual(400);
        expect(delta('PutItemCommand') + delta('DeleteItemCommand') + delta('SendMessageCommand')).toBe(0);
      }
      for (const line of lines) {
        for (const secret of [STRIPE_SECRET, GITHUB_SECRET, TOKEN, ...request.secrets]) expect(line).not.toContain(secret);
      }
    }),
    { numRuns: RUNS, seed: Number(process.env.HOSTILE_SEED ?? 20261126) },
  );
  // Exactly the genuine deliveries reached the queue.
  expect(await drain(aws.sqs, queueUrl)).toHaveLength(genuineAccepted);
});

test('a genuine delivery replayed after its window is refused; a replay inside it enqueues nothing', async () => {
  const payload = JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, '')}`, type: 'invoice.paid' });
  const stale = Math.floor(Date.now() / 1000) - 301;
  const replayedLate = await verify(apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET, timestamp: stale }) } }));
  expect(JSON.parse(replayedLate.body)).toMatchObject({ error: 'timestamp_out_of_window' });

  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
  const first = await captureLogs(() => verify(apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature } })));
  const replay = await captureLogs(() => verify(apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature } })));
  expect(first.result.statusCode).toBe(200);
  expect(replay.result.statusCode).toBe(409); // in flight: the first attempt holds the lease; never a second message
  expect(await drain(aws.sqs, queueUrl)).toHaveLength(1);
});

test('signature comparisons go through crypto.timingSafeEqual', async () => {
  // GIVEN a fresh copy of the bundle, loaded while node:crypto's timingSafeEqual is watched
  const crypto = require('node:crypto') as typeof import('node:crypto');
  const spy = jest.spyOn(crypto, 'timingSafeEqual');
  const fresh = loadBundle<VerifierModule>('verifier');
  const handler = fresh.verifierFromConfig({
    tableName: 'unused',
    queueUrl,
    maxBodyBytes: 1024,
    maxMessageBytes: 1024 * 1024,
    leaseSeconds: 20,
    secretMaxAgeSeconds: 300,
    secretRefreshMinIntervalSeconds: 30,
    providers: { '/github': { secretId: await createSecret(aws.secretsManager, GITHUB_SECRET) } },
  });

  // WHEN a forged GitHub request is checked
  const payload = '{"forged":true}';
  const forged = await sign('not-the-secret', payload);
  const response = await captureLogs(() => handler(apiEvent({ resource: '/github', body: payload, headers: { 'X-Hub-Signature-256': forged } })));

  // THEN the refusal came from a constant-time comparison of the 32-byte digests
  expect(response.result.statusCode).toBe(401);
  expect(spy).toHaveBeenCalled();
  expect(spy.mock.calls.some(([a, b]) => (a as Buffer).length === 32 && (b as Buffer).length === 32)).toBe(true);
  spy.mockRestore();
});
