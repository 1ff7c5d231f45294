/**
 * The claim check, as shipped: the verifier bundle (assets/verifier) stores a body too large for one queue message
 * in S3 and enqueues a pointer; the runtime (dist/runtime) fetches it, checks it, and hands the user's function
 * the exact bytes. Against the emulators on loopback: dynalite, fauxqs for SQS and, through its S3 API, for S3.
 * Signatures from the providers' packages (Stripe) or GitHub's scheme anchored to @octokit/webhooks-methods.
 */
import * as path from 'node:path';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import Stripe from 'stripe';
import type { Envelope } from '../contract/config';
import { LAMBDA_SYNC_PAYLOAD_BYTES, MAX_INLINE_BODY_BYTES, MAX_LAMBDA_BODY_BYTES } from '../contract/limits';
import { apiEvent, clients, createBucket, getRecord, s3Client, sqsRecord } from './support/aws';
import { verifierUnderTest, writesIn, type VerifierUnderTest } from './support/verifier-under-test';

type RuntimeModule = typeof import('../lambda/runtime/index');

const STRIPE_SECRET = 'whsec_claim_check_tests_71c2';
const GITHUB_SECRET = 'github-claim-check-secret';
const MAX_BODY = 4_500_000;
const stripe = new Stripe('sk_test_unused');
const aws = clients();
let s3: S3Client;
let bucket: string;
let verifier: VerifierUnderTest;
let runtime: RuntimeModule;
let octokitSign: (secret: string, payload: string) => Promise<string>;
const s3Calls: Record<string, number> = {};

beforeAll(async () => {
  ({ sign: octokitSign } = await import('@octokit/webhooks-methods'));
  s3 = s3Client();
  bucket = await createBucket(s3);
  verifier = await verifierUnderTest(
    {
      '/stripe': { secret: STRIPE_SECRET, config: { toleranceSeconds: 300 } },
      '/github': { secret: GITHUB_SECRET, config: {} },
    },
    { maxBodyBytes: MAX_BODY, bodyStore: { bucket, prefix: 'Stack-Receiver' } },
  );
  // Counts the S3 client's calls from the moment the verifier creates it (on first use).
  verifier.module.s3Hooks.onCreate = (client) => {
    (client.middlewareStack as { add: (m: unknown, o: unknown) => void }).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) => async (args: unknown) => {
        s3Calls[context.commandName] = (s3Calls[context.commandName] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'testS3CallCounter' },
    );
  };
  jest.isolateModules(() => {
    runtime = require(path.join(__dirname, '..', 'dist', 'runtime', 'index.js')) as RuntimeModule;
  });
});

afterEach(async () => {
  await verifier.messages();
});

/** JSON of about `size` bytes with non-ASCII and astral characters all through it. */
function largeStripeEvent(size: number): string {
  const head = JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', type: 'invoice.paid', data: { object: { id: 'in_1', note: '' } } });
  const unit = 'Zahlung f\u00fcr Kaffee \u2615 \ud83d\ude80 \u6f22\u5b57 "quoted" \\ ';
  const filler = unit.repeat(Math.ceil(size / Buffer.byteLength(unit)));
  return head.replace('"note":""', `"note":${JSON.stringify(filler)}`);
}

function stripeRequest(payload: string | Buffer) {
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  const signature = stripe.webhooks.generateTestHeaderString({ payload: text, secret: STRIPE_SECRET });
  return apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature } });
}

/** GitHub's scheme (HMAC-SHA256 over the raw bytes), for bytes octokit cannot take as a string; anchored below. */
const githubScheme = (bytes: Buffer) => `sha256=${createHmac('sha256', GITHUB_SECRET).update(bytes).digest('hex')}`;

async function receive(): Promise<SQSEvent> {
  const out = await aws.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: verifier.config.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
  );
  return { Records: (out.Messages ?? []).map((m) => sqsRecord(m)) };
}


const quiet = { info: () => {}, warn: () => {}, error: () => {} };

test('a body over the configured limit is refused with 413 before any AWS call, and the S3 client is never loaded', async () => {
  // GIVEN a signed body one byte over the limit (a fresh bundle: nothing has stored a body yet)
  const payload = largeStripeEvent(MAX_BODY);
  const body = Buffer.from(payload, 'utf8').subarray(0, MAX_BODY + 1);

  // WHEN
  const answer = await verifier.send(stripeRequest(body));

  // THEN
  expect(answer.status).toBe(413);
  expect(answer.body).toMatchObject({ error: 'body_too_large' });
  expect(answer.calls).toEqual({});
  expect(verifier.module.s3ClientCreated()).toBe(false);
  expect(await verifier.records()).toBe(0);
});

test('a body of exactly the configured limit is accepted', async () => {
  // GIVEN JSON padded to exactly MAX_BODY bytes with spaces
  const json = largeStripeEvent(3_500_000);
  const payload = json + ' '.repeat(MAX_BODY - Buffer.byteLength(json));
  expect(Buffer.byteLength(payload)).toBe(MAX_BODY);

  // WHEN / THEN
  expect((await verifier.send(stripeRequest(payload))).status).toBe(200);
});

test('a 4 MB body is stored in S3, the message carries the pointer, and the processor sees the exact bytes', async () => {
  // GIVEN a 4 MB Stripe event full of non-ASCII and astral characters
  const payload = largeStripeEvent(4_000_000);
  const bytes = Buffer.from(payload, 'utf8');
  expect(bytes.length).toBeGreaterThan(4_000_000);

  // WHEN the verifier accepts it
  const before = { ...s3Calls };
  const answer = await verifier.send(stripeRequest(payload));

  // THEN one PutObject, one message with a pointer and no body
  expect(answer.status).toBe(200);
  expect(writesIn(answer.calls)).toEqual({ PutItemCommand: 1, SendMessageCommand: 1, UpdateItemCommand: 1 });
  expect((s3Calls.PutObjectCommand ?? 0) - (before.PutObjectCommand ?? 0)).toBe(1);
  const batch = await receive();
  expect(batch.Records).toHaveLength(1);
  const envelope = JSON.parse(batch.Records[0].body) as Envelope;
  expect(Buffer.byteLength(batch.Records[0].body)).toBeLessThan(2048);
  expect(envelope.bodyEncoding).toBe('ref');
  expect(envelope.body).toBeUndefined();
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  expect(envelope.bodySha256).toBe(sha256);
  expect(envelope.bodyRef).toEqual({
    bucket,
    key: expect.stringMatching(new RegExp(`^Stack-Receiver/stripe/\\d{4}/\\d{2}/\\d{2}/${createHash('sha256').update(envelope.key).digest('hex')}$`)),
    size: bytes.length,
    sha256,
  });
  const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: envelope.bodyRef!.key }));
  expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(bytes)).toBe(true);

  // WHEN the processor runtime (default S3 client, loaded on first use) handles the message
  const seen: Buffer[] = [];
  const handler = runtime.webhookProcessor((event) => {
    seen.push(event.body);
  }, { tableName: verifier.config.tableName, logger: quiet });
  const response = await handler(batch);

  // THEN the user's function got the exact bytes, and the event is done
  expect(response.batchItemFailures).toEqual([]);
  expect(seen).toHaveLength(1);
  expect(seen[0].equals(bytes)).toBe(true);
  expect((await getRecord(aws.dynamodb, verifier.config.tableName, envelope.key))?.status.S).toBe('DONE');
});

test('an invalid-UTF-8 body over one message is stored and reaches the processor byte-exactly', async () => {
  // GIVEN 3 MB of bytes no UTF-8 decoder round-trips, signed with GitHub's scheme (anchored to octokit)
  const text = '{"note":"caf\u00e9 \ud83d\ude80"}';
  expect(githubScheme(Buffer.from(text, 'utf8'))).toBe(await octokitSign(GITHUB_SECRET, text));
  const junk = Buffer.alloc(3_000_000);
  for (let i = 0; i < junk.length; i++) junk[i] = [0xff, 0xfe, 0xc3, 0x28, 0x80][i % 5];
  const body = Buffer.concat([Buffer.from('{"note":"'), junk, Buffer.from('"}')]);

  // WHEN
  const answer = await verifier.send(
    apiEvent({ resource: '/github', body, headers: { 'X-Hub-Signature-256': githubScheme(body), 'X-GitHub-Event': 'issues', 'X-GitHub-Delivery': randomUUID() } }),
  );

  // THEN
  expect(answer.status).toBe(200);
  const batch = await receive();
  expect(JSON.parse(batch.Records[0].body).bodyEncoding).toBe('ref');
  const seen: Buffer[] = [];
  const response = await runtime.webhookProcessor((event) => {
    seen.push(event.body);
  }, { tableName: verifier.config.tableName, logger: quiet, s3 })(batch);
  expect(response.batchItemFailures).toEqual([]);
  expect(seen[0].equals(body)).toBe(true);
});

test('a stored body that is not the one the pointer names fails the event and releases its claim', async () => {
  // GIVEN a stored body, then a message whose pointer names other bytes
  const payload = largeStripeEvent(1_200_000);
  expect((await verifier.send(stripeRequest(payload))).status).toBe(200);
  const batch = await receive();
  const envelope = JSON.parse(batch.Records[0].body) as Envelope;
  const tampered = { ...envelope, bodyRef: { ...envelope.bodyRef!, sha256: '0'.repeat(64) } };
  batch.Records[0].body = JSON.stringify(tampered);

  // WHEN
  const called: string[] = [];
  const errors: string[] = [];
  const response = await runtime.webhookProcessor((event) => {
    called.push(event.deliveryId);
  }, { tableName: verifier.config.tableName, logger: { ...quiet, error: (_m: string, f?: Record<string, unknown>) => errors.push(JSON.stringify(f)) }, s3 })(batch);

  // THEN the function never ran, the item failed, and the claim is back to ENQUEUED for the next receive
  expect(called).toEqual([]);
  expect(response.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[0].messageId }]);
  expect(errors.join('\n')).toMatch(/BodyIntegrityError/);
  expect((await getRecord(aws.dynamodb, verifier.config.tableName, envelope.key))?.status.S).toBe('ENQUEUED');
});

test('a body that fits one message is not stored', async () => {
  // GIVEN a body just under what always fits
  const payload = largeStripeEvent(MAX_INLINE_BODY_BYTES / 2);
  const before = s3Calls.PutObjectCommand ?? 0;

  // WHEN
  const answer = await verifier.send(stripeRequest(payload));

  // THEN
  expect(answer.status).toBe(200);
  const [envelope] = await verifier.messages();
  expect(envelope.bodyEncoding).toBe('utf8');
  expect(envelope.body).toBe(payload);
  expect(s3Calls.PutObjectCommand ?? 0).toBe(before);
});

test('the largest body the construct allows fits a Lambda invocation with the largest event around it', () => {
  // GIVEN API Gateway's most: 10 KiB of request line and headers (here all in headers, each value JSON-escaped to
  // twice its size), which the REST proxy event carries in headers and multiValueHeaders, and a request context
  const value = '"'.repeat(1000);
  const headers = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`x-h${i}`, value]));
  const event = {
    ...apiEvent({ resource: '/stripe', body: Buffer.alloc(MAX_LAMBDA_BODY_BYTES, 0xff), headers }),
    requestContext: {
      accountId: '123456789012', apiId: 'abcdefghij', domainName: 'abcdefghij.execute-api.eu-central-1.amazonaws.com', domainPrefix: 'abcdefghij',
      extendedRequestId: 'x'.repeat(16), httpMethod: 'POST', path: '/webhooks/stripe', protocol: 'HTTP/1.1', requestId: randomUUID(),
      requestTime: '09/Apr/2026:12:34:56 +0000', requestTimeEpoch: 1775738096000, resourceId: 'abc123', resourcePath: '/stripe', stage: 'webhooks',
      identity: { sourceIp: '203.0.113.7', userAgent: 'x'.repeat(512), accessKey: null, accountId: null, caller: null, user: null, userArn: null },
    },
  };

  // WHEN / THEN the invocation payload stays under Lambda's 6 MiB, with room to spare for what we did not foresee
  const size = Buffer.byteLength(JSON.stringify(event));
  expect(size).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_BYTES);
  expect(MAX_LAMBDA_BODY_BYTES).toBe(4_669_440);
});
