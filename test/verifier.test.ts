/**
 * The shipped verifier bundle (assets/verifier/index.js), run in-process against DynamoDB (dynalite), SQS
 * (fauxqs) and a Secrets Manager endpoint on loopback, with the real AWS SDK v3 clients. Signatures come from
 * the providers' own packages: `stripe` and `@octokit/webhooks-methods`.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import Stripe from 'stripe';
import type { ProviderConfig, VerifierConfig } from '../lib/private/config';
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
  loadBundle,
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
  process.env.WEBHOOK_RECEIVER_CONFIG = JSON.stringify(config);
  verifier = loadBundle<VerifierModule>('verifier');
});

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
      v: 1,
      provider: 'stripe',
      deliveryId: id,
      key: `stripe#${id}`,
      eventType: 'payment_intent.succeeded',
      signatureVerified: true,
      bodyEncoding: 'utf8',
      body: payload,
      contentType: 'application/json',
    });
    expect(Date.parse(envelope.receivedAt)).toBeGreaterThan(Date.now() - 60_000);
    const record = await getRecord(aws.dynamodb, tableName, `stripe#${id}`);
    expect(record?.status.S).toBe('PENDING');
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
