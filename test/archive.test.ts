/**
 * The raw archive (issue #12), as shipped: the verifier bundle (assets/verifier) writes one object per request whose
 * events it enqueues, in the layout of contract/archive.ts, against the emulators on loopback (dynalite; fauxqs for
 * SQS and, through its S3 API, for S3). The runtime (dist/runtime) runs a replayed envelope even when the event is
 * done, once per replay run. Template assertions for the bucket, the verifier's grant, `grantReplay` and
 * `grantInboxRead`, and cdk-nag. Signatures from the providers' packages: `stripe`, `@adyen/api-library`, and
 * GitHub's scheme over raw bytes anchored to `@octokit/webhooks-methods`.
 */
import * as path from 'node:path';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { hmacValidator } from '@adyen/api-library';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent, SQSRecord } from 'aws-lambda';
import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import Stripe from 'stripe';
import { archiveObjectKey, type ArchiveRecord } from '../contract/archive';
import { ENVELOPE_VERSION, type Envelope } from '../contract/config';
import { WebhookProvider, WebhookReceiver, type WebhookReceiverProps } from '../lib';
import { captureLogs, clients, createBucket, createInboxTable, getRecord, s3Client, scanTable } from './support/aws';
import { secretsIn } from './support/secret-scan';
import { givenStack, type Given } from './support/stacks';
import { verifierConfigOf } from './support/verifier-config';
import { verifierUnderTest, writesIn, type VerifierUnderTest } from './support/verifier-under-test';

type RuntimeModule = typeof import('../lambda/runtime/index');

const STRIPE_SECRET = 'whsec_archive_tests_5e0b77';
const GITHUB_SECRET = 'github-archive-tests-secret';
const ADYEN_KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
const RECEIVER = 'Test-Receiver-1A2B3C4D';
const stripe = new Stripe('sk_test_unused');
const adyen = new hmacValidator();
const aws = clients();
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe('the verifier with the archive (shipped bundle, emulators)', () => {
  let s3c: S3Client;
  let bucket: string;
  let verifier: VerifierUnderTest;
  let octokitSign: (secret: string, payload: string) => Promise<string>;
  const s3Calls: Record<string, number> = {};

  beforeAll(async () => {
    ({ sign: octokitSign } = await import('@octokit/webhooks-methods'));
    s3c = s3Client();
    bucket = await createBucket(s3c);
    verifier = await verifierUnderTest(
      {
        '/stripe': { secret: STRIPE_SECRET, config: { toleranceSeconds: 300 } },
        '/github': { secret: GITHUB_SECRET, config: {} },
        '/adyen': { secret: ADYEN_KEY, config: {} },
      },
      { archive: { bucket, receiver: RECEIVER } },
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
  });

  afterEach(async () => {
    await verifier.messages();
  });

  /** Every archived object under a provider's prefix: key and text. */
  async function archived(provider: string): Promise<Array<{ key: string; text: string; record: ArchiveRecord }>> {
    const listed = await s3c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${RECEIVER}/${provider}/` }));
    return Promise.all(
      (listed.Contents ?? []).map(async ({ Key }) => {
        const out = await s3c.send(new GetObjectCommand({ Bucket: bucket, Key }));
        const text = await out.Body!.transformToString('utf-8');
        return { key: Key!, text, record: JSON.parse(text) as ArchiveRecord };
      }),
    );
  }
  const only = <T>(list: T[], where: (t: T) => boolean) => {
    const found = list.filter(where);
    expect(found).toHaveLength(1);
    return found[0];
  };
  const puts = () => s3Calls.PutObjectCommand ?? 0;

  function stripeRequest(payload: string): { event: APIGatewayProxyEvent; signature: string } {
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    return {
      signature,
      event: {
        ...apiEventOf('/stripe', Buffer.from(payload, 'utf8'), { 'Content-Type': 'application/json; charset=utf-8', 'Stripe-Signature': signature, 'User-Agent': 'Stripe/1.0' }),
      },
    };
  }

  test('a non-ASCII Stripe body: one object at the documented key, the exact bytes, the headers without the signature, each event\'s envelope', async () => {
    // GIVEN a Stripe event with accents, an emoji and CJK, signed by stripe
    const id = `evt_${randomUUID().replace(/-/g, '')}`;
    const payload = JSON.stringify({ id, object: 'event', type: 'invoice.paid', data: { object: { note: 'Zahlung f\u00fcr Kaffee \u2615 \ud83d\ude80 \u6f22\u5b57' } } });
    const { event, signature } = stripeRequest(payload);
    const before = puts();

    // WHEN
    const answer = await verifier.send(event);

    // THEN one PutObject beside the usual writes, and one object
    expect(answer.status).toBe(200);
    expect(writesIn(answer.calls)).toEqual({ PutItemCommand: 1, SendMessageCommand: 1, UpdateItemCommand: 1 });
    expect(puts() - before).toBe(1);
    const [message] = await verifier.messages();
    const object = only(await archived('stripe'), (o) => o.record.events[0].deliveryId === id);
    expect(object.key).toBe(archiveObjectKey(RECEIVER, 'stripe', new Date(message.receivedAt), id));
    // The exact bytes, and what the queue got
    const bytes = Buffer.from(payload, 'utf8');
    expect(object.record.bodyEncoding).toBe('utf8');
    expect(Buffer.from(object.record.body, 'utf8').equals(bytes)).toBe(true);
    expect(object.record.bodySha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(object.record).toMatchObject({ v: 1, receiver: RECEIVER, provider: 'stripe', receivedAt: message.receivedAt, method: 'POST', path: '/stripe', contentType: 'application/json; charset=utf-8' });
    const { body: _b, bodyEncoding: _e, ...withoutBody } = message;
    expect(object.record.events).toEqual([withoutBody]);
    expect(object.record.headers).toEqual({ 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0' });
    // No secret, no signature value
    expect(secretsIn(object.text, [STRIPE_SECRET])).toEqual([]);
    const v1 = /v1=([0-9a-f]{64})/.exec(signature)![1];
    expect(object.text).not.toContain(v1);
    expect(object.text.toLowerCase()).not.toContain('stripe-signature');
  });

  test('an invalid-UTF-8 GitHub body: archived byte-exactly (base64); no secret, signature or token header', async () => {
    // GIVEN bytes no UTF-8 decoder round-trips, signed with GitHub's scheme (anchored to octokit), and a token header
    const text = '{"note":"caf\u00e9 \ud83d\ude80"}';
    const githubScheme = (bytes: Buffer) => `sha256=${createHmac('sha256', GITHUB_SECRET).update(bytes).digest('hex')}`;
    expect(githubScheme(Buffer.from(text, 'utf8'))).toBe(await octokitSign(GITHUB_SECRET, text));
    const body = Buffer.concat([Buffer.from('{"action":"opened","note":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80, 0xe2, 0x82]), Buffer.from('"}')]);
    const delivery = randomUUID();
    const signature = githubScheme(body);
    const sha1 = `sha1=${createHmac('sha1', GITHUB_SECRET).update(body).digest('hex')}`;

    // WHEN
    const answer = await verifier.send(
      apiEventOf('/github', body, {
        'Content-Type': 'application/json',
        'X-Hub-Signature-256': signature,
        'X-Hub-Signature': sha1,
        'X-GitHub-Event': 'issues',
        'X-GitHub-Delivery': delivery,
        Authorization: 'Bearer not-for-the-archive',
      }),
    );

    // THEN
    expect(answer.status).toBe(200);
    await verifier.messages();
    const object = only(await archived('github'), (o) => o.record.events[0].deliveryId === delivery);
    expect(object.record.bodyEncoding).toBe('base64');
    expect(Buffer.from(object.record.body, 'base64').equals(body)).toBe(true);
    expect(object.record.headers).toEqual({ 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': delivery });
    expect(secretsIn(object.text, [GITHUB_SECRET])).toEqual([]);
    for (const value of [signature, signature.slice(7), sha1.slice(5), 'not-for-the-archive']) expect(object.text).not.toContain(value);
  });

  test('a duplicate is not archived again', async () => {
    // GIVEN a delivery, accepted and archived
    const id = `evt_${randomUUID().replace(/-/g, '')}`;
    const { event } = stripeRequest(JSON.stringify({ id, object: 'event', type: 'charge.succeeded' }));
    expect((await verifier.send(event)).status).toBe(200);
    const before = puts();

    // WHEN the provider sends it again
    const again = await verifier.send(event);

    // THEN acknowledged as a duplicate, with no PutObject and still one object
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ code: 'duplicate' });
    expect(puts() - before).toBe(0);
    expect(await verifier.messages()).toHaveLength(1);
    expect((await archived('stripe')).filter((o) => o.record.events[0].deliveryId === id)).toHaveLength(1);
  });

  test('a failed archive write answers 503, enqueues nothing, gives the claim back; the provider\'s retry is archived and enqueued', async () => {
    // GIVEN the same bundle and inbox, with an archive bucket that does not exist
    const broken = verifier.module.verifierFromConfig({ ...verifier.config, archive: { bucket: `missing-${randomUUID()}`, receiver: RECEIVER } });
    const id = `evt_${randomUUID().replace(/-/g, '')}`;
    const payload = JSON.stringify({ id, object: 'event', type: 'charge.refunded' });

    // WHEN
    const { result, lines } = await captureLogs(() => broken(stripeRequest(payload).event));

    // THEN our fault, retryable: 503, nothing in the queue, no record left to block the retry, the failure logged
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body)).toMatchObject({ ok: false, error: 'archive_failed' });
    expect(await verifier.messages()).toEqual([]);
    expect((await scanTable(aws.dynamodb, verifier.config.tableName)).filter((r) => r.pk.S === `stripe#${id}`)).toEqual([]);
    expect(lines.join('\n')).toContain('archive write failed');

    // WHEN Stripe retries (signed afresh) with the archive back
    const retry = await verifier.send(stripeRequest(payload).event);

    // THEN archived once and enqueued once
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ code: 'accepted' });
    expect(await verifier.messages()).toHaveLength(1);
    expect((await archived('stripe')).filter((o) => o.record.events[0].deliveryId === id)).toHaveLength(1);
  });

  test('Adyen, several events per body: one object listing each event enqueued; a later body archives only its new event', async () => {
    // GIVEN two items signed by Adyen's library
    const item = (eventCode: string) => ({
      pspReference: `${Date.now()}${Math.floor(Math.random() * 1e6)}`,
      merchantAccountCode: 'ExampleShopECOM',
      merchantReference: 'order-1001 Caf\u00e9 \u2615',
      amount: { value: 1999, currency: 'EUR' },
      eventCode,
      success: 'true',
    });
    const notification = (items: ReturnType<typeof item>[]) =>
      JSON.stringify({ live: 'false', notificationItems: items.map((i) => ({ NotificationRequestItem: { ...i, additionalData: { hmacSignature: adyen.calculateHmac(i as never, ADYEN_KEY) } } })) });
    const [a, b, c] = [item('AUTHORISATION'), item('CAPTURE'), item('REFUND')];
    const before = puts();

    // WHEN
    const first = await verifier.send(apiEventOf('/adyen', Buffer.from(notification([a, b])), { 'Content-Type': 'application/json' }));

    // THEN one PutObject; the object lists both events, each as enqueued
    expect(first.status).toBe(200);
    expect(puts() - before).toBe(1);
    const messages = await verifier.messages();
    expect(messages).toHaveLength(2);
    const object = only(await archived('adyen'), (o) => o.record.events.some((e) => e.deliveryId === `${a.pspReference}:AUTHORISATION`));
    expect(object.record.events.map((e) => [e.deliveryId, e.eventType, e.item])).toEqual([
      [`${a.pspReference}:AUTHORISATION`, 'AUTHORISATION', { index: 0, count: 2 }],
      [`${b.pspReference}:CAPTURE`, 'CAPTURE', { index: 1, count: 2 }],
    ]);
    expect(object.record.events).toEqual(messages.map(({ body: _b, bodyEncoding: _e, ...rest }) => rest).sort((x, y) => x.item!.index - y.item!.index));

    // WHEN a later body carries b again and a new c
    const second = await verifier.send(apiEventOf('/adyen', Buffer.from(notification([b, c])), { 'Content-Type': 'application/json' }));

    // THEN its object lists only c, under c's id
    expect(second.status).toBe(200);
    await verifier.messages();
    const later = only(await archived('adyen'), (o) => o.record.events.some((e) => e.deliveryId === `${c.pspReference}:REFUND`));
    expect(later.record.events.map((e) => e.deliveryId)).toEqual([`${c.pspReference}:REFUND`]);
    expect(later.key).toContain(`-${encodeURIComponent(`${c.pspReference}:REFUND`)}.json`);
  });
});

test('a verifier without the archive never loads the S3 client', async () => {
  // GIVEN a fresh bundle with neither archive nor claim check
  const plain = await verifierUnderTest({ '/stripe': { secret: STRIPE_SECRET, config: { toleranceSeconds: 300 } } });
  const payload = JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', type: 'invoice.paid' });
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });

  // WHEN
  const answer = await plain.send(apiEventOf('/stripe', Buffer.from(payload), { 'Content-Type': 'application/json', 'Stripe-Signature': signature }));

  // THEN
  expect(answer.status).toBe(200);
  expect(await plain.messages()).toHaveLength(1);
  expect(plain.module.s3ClientCreated()).toBe(false);
});

/** A REST API proxy event as the receiver's API hands it over (binary media type `*\/*`: the body in base64). */
function apiEventOf(resource: string, body: Buffer, headers: Record<string, string>): APIGatewayProxyEvent {
  return {
    resource,
    path: resource,
    httpMethod: 'POST',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: { requestId: randomUUID(), identity: { sourceIp: '192.0.2.1' } } as never,
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
}

describe('the runtime with replayed envelopes (dist/runtime, dynalite)', () => {
  let runtime: RuntimeModule;
  let tableName: string;

  beforeAll(async () => {
    tableName = await createInboxTable(aws.dynamodb);
    jest.isolateModules(() => {
      runtime = require(path.join(__dirname, '..', 'dist', 'runtime', 'index.js')) as RuntimeModule;
    });
  });

  function envelope(deliveryId: string, replay?: { runId: string }): Envelope {
    return {
      v: ENVELOPE_VERSION,
      provider: 'stripe',
      deliveryId,
      key: `stripe#${deliveryId}`,
      eventType: 'invoice.paid',
      receivedAt: '2026-01-01T00:00:00.000Z',
      auth: 'hmac',
      bodySigned: true,
      origin: replay ? 'replay' : 'delivery',
      contentType: 'application/json',
      bodyEncoding: 'utf8',
      body: JSON.stringify({ id: deliveryId }),
      bodySha256: createHash('sha256').update(JSON.stringify({ id: deliveryId })).digest('hex'),
      ...(replay ? { replay: { runId: replay.runId, archiveKey: `${RECEIVER}/stripe/2026/01/01/000000-${deliveryId}.json` } } : {}),
    };
  }
  const record = (env: unknown, messageId = randomUUID()): SQSRecord =>
    ({ messageId, receiptHandle: messageId, body: JSON.stringify(env), attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:queue', awsRegion: 'us-east-1' }) as SQSRecord;

  function processor(seen: Array<{ deliveryId: string; origin: string; replayRunId?: string }>, delayMs = 0) {
    return runtime.webhookProcessor(async (event) => {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      seen.push({ deliveryId: event.deliveryId, origin: event.origin, replayRunId: event.replayRunId });
    }, { tableName, dynamodb: aws.dynamodb, logger: quiet });
  }

  test('a replay runs a DONE event again, once per run: the same message twice and the same run re-sent run it once, another run again', async () => {
    // GIVEN an event delivered and done
    const id = `evt_${randomUUID()}`;
    const seen: Array<{ deliveryId: string; origin: string; replayRunId?: string }> = [];
    const handler = processor(seen);
    await handler({ Records: [record(envelope(id))] });
    await handler({ Records: [record(envelope(id))] });
    expect(seen).toEqual([{ deliveryId: id, origin: 'delivery', replayRunId: undefined }]);

    // WHEN replay run r1 sends it, SQS hands that message out twice, and the run sends it again
    const replayed = record(envelope(id, { runId: 'r1' }));
    const outcomes = [
      await handler({ Records: [replayed] }),
      await handler({ Records: [replayed] }),
      await handler({ Records: [record(envelope(id, { runId: 'r1' }))] }),
    ];

    // THEN the user's function ran once more, told it is replay r1; every copy acknowledged
    expect(outcomes.map((o) => o.batchItemFailures)).toEqual([[], [], []]);
    expect(seen).toEqual([
      { deliveryId: id, origin: 'delivery', replayRunId: undefined },
      { deliveryId: id, origin: 'replay', replayRunId: 'r1' },
    ]);

    // WHEN another run, r2, replays it
    await handler({ Records: [record(envelope(id, { runId: 'r2' }))] });

    // THEN it runs again; the event's own record is still DONE; each run's record is DONE with a TTL
    expect(seen.map((s) => s.replayRunId)).toEqual([undefined, 'r1', 'r2']);
    expect((await getRecord(aws.dynamodb, tableName, `stripe#${id}`))?.status.S).toBe('DONE');
    for (const run of ['r1', 'r2']) {
      const runRecord = await getRecord(aws.dynamodb, tableName, `#replay#${run}#stripe#${id}`);
      expect(runRecord?.status.S).toBe('DONE');
      expect(Number(runRecord?.expiresAt.N)).toBeGreaterThan(Date.now() / 1000);
    }

    // AND a delivery of the event after the replays is still a duplicate
    await handler({ Records: [record(envelope(id))] });
    expect(seen).toHaveLength(3);
  });

  test('two copies of one replay message at once, with a slow function: it runs once', async () => {
    // GIVEN a done event
    const id = `evt_${randomUUID()}`;
    const seen: Array<{ deliveryId: string; origin: string; replayRunId?: string }> = [];
    await processor(seen)({ Records: [record(envelope(id))] });

    // WHEN two invocations get the same replay message concurrently
    const replayed = record(envelope(id, { runId: 'concurrent' }));
    const slow = processor(seen, 300);
    const [one, two] = await Promise.all([slow({ Records: [replayed] }), slow({ Records: [replayed] })]);

    // THEN one ran it; the other gave its copy back (it is skipped as done when it returns)
    expect(seen.filter((s) => s.origin === 'replay')).toHaveLength(1);
    expect([one.batchItemFailures.length, two.batchItemFailures.length].sort()).toEqual([0, 1]);
    await processor(seen)({ Records: [replayed] });
    expect(seen.filter((s) => s.origin === 'replay')).toHaveLength(1);
  });

  test('a replay whose function fails gives its run claim back: the next receive runs it', async () => {
    const id = `evt_${randomUUID()}`;
    let calls = 0;
    const flaky = runtime.webhookProcessor(() => {
      calls += 1;
      if (calls === 1) throw new Error('downstream unavailable');
    }, { tableName, dynamodb: aws.dynamodb, logger: quiet });
    const replayed = record(envelope(id, { runId: 'retry' }));

    expect((await flaky({ Records: [replayed] })).batchItemFailures).toEqual([{ itemIdentifier: replayed.messageId }]);
    expect((await flaky({ Records: [replayed] })).batchItemFailures).toEqual([]);
    expect(calls).toBe(2);
  });

  test('a replay without a run id is refused as an invalid envelope, and the function does not run', async () => {
    const id = `evt_${randomUUID()}`;
    const seen: Array<{ deliveryId: string; origin: string; replayRunId?: string }> = [];
    const bad = { ...envelope(id), origin: 'replay' };
    const errors: string[] = [];
    const handler = runtime.webhookProcessor(() => {
      seen.push({ deliveryId: id, origin: 'replay' });
    }, { tableName, dynamodb: aws.dynamodb, logger: { ...quiet, error: (_m: string, f?: Record<string, unknown>) => errors.push(JSON.stringify(f)) } });
    const message = record(bad);

    expect((await handler({ Records: [message] })).batchItemFailures).toEqual([{ itemIdentifier: message.messageId }]);
    expect(seen).toEqual([]);
    expect(errors.join('\n')).toContain('InvalidEnvelopeError');
  });
});

describe('the construct', () => {
  function receiver(given: Given, props: Partial<WebhookReceiverProps> = {}): WebhookReceiver {
    return new WebhookReceiver(given.stack, 'Receiver', {
      providers: [WebhookProvider.stripe({ secret: given.stripeSecret }), WebhookProvider.github({ secret: given.githubSecret })],
      processor: given.processor,
      ...props,
    });
  }
  const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const arnOf = (stack: Stack, c: { node: { defaultChild?: unknown } }) => ({ 'Fn::GetAtt': [logicalId(stack, c), 'Arn'] });
  const via = (service: string) => ({ StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', [`${service}.`, { Ref: 'AWS::Region' }, '.amazonaws.com']] } } });
  function statementsOf(stack: Stack, role: iam.IRole): any[] {
    const template = Template.fromStack(stack);
    return Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(stack, role as never) }] } })).flatMap(
      (p: any) => p.Properties.PolicyDocument.Statement,
    );
  }

  test('no archive by default: no bucket, nothing in the configuration', () => {
    const given = givenStack();
    const r = receiver(given);
    Template.fromStack(given.stack).resourceCountIs('AWS::S3::Bucket', 0);
    expect(r.archiveBucket).toBeUndefined();
    expect(verifierConfigOf(r).archive).toBeUndefined();
  });

  test('archive: {} creates a bucket with S3-managed encryption, TLS only, public access blocked, no versioning, objects expiring after 365 days', () => {
    // GIVEN / WHEN
    const given = givenStack();
    const r = receiver(given, { archive: {} });

    // THEN
    const template = Template.fromStack(given.stack);
    const id = logicalId(given.stack, r.archiveBucket as s3.Bucket);
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: { Rules: [{ Id: 'ExpireArchivedRequests', Status: 'Enabled', ExpirationInDays: 365, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
        VersioningConfiguration: Match.absent(),
      },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: [
          {
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Resource: [{ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, '/*']] }],
          },
        ],
      },
    });
    // The verifier may put objects under the receiver's prefix, nothing else on the bucket
    const prefix = verifierConfigOf(r).archive.receiver as string;
    expect(prefix).toMatch(/^Test-Receiver-[0-9A-F]{8}$/);
    expect(verifierConfigOf(r).archive).toEqual({ bucket: `<Ref ${id}>`, receiver: prefix });
    const onBucket = statementsOf(given.stack, r.verifier.role!).filter((s) => JSON.stringify(s.Resource).includes(id));
    expect(onBucket).toEqual([{ Action: 's3:PutObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, `/${prefix}/*`]] } }]);
  });

  test('with an encryptionKey and a retention: SSE-KMS with a Bucket Key, the verifier may generate data keys via S3 only', () => {
    const given = givenStack();
    const key = new kms.Key(given.stack, 'Key', { enableKeyRotation: true });
    const r = receiver(given, { archive: { retention: Duration.days(30) }, encryptionKey: key });
    const template = Template.fromStack(given.stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arnOf(given.stack, key) } }],
      },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30 })] },
    });
    const onKey = statementsOf(given.stack, r.verifier.role!).filter((s) => JSON.stringify(s.Resource) === JSON.stringify(arnOf(given.stack, key)));
    expect(onKey).toContainEqual({ Action: 'kms:GenerateDataKey', Condition: via('s3'), Effect: 'Allow', Resource: arnOf(given.stack, key) });
  });

  test('a bucket of yours: used as is (no new bucket, no lifecycle added), the verifier may put under the receiver\'s prefix', () => {
    const given = givenStack();
    const mine = s3.Bucket.fromBucketName(given.stack, 'Mine', 'my-archive');
    const r = receiver(given, { archive: { bucket: mine } });
    Template.fromStack(given.stack).resourceCountIs('AWS::S3::Bucket', 0);
    expect(r.archiveBucket).toBe(mine);
    const prefix = verifierConfigOf(r).archive.receiver as string;
    expect(verifierConfigOf(r).archive.bucket).toBe('my-archive');
    expect(statementsOf(given.stack, r.verifier.role!)).toContainEqual({
      Action: 's3:PutObject',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::my-archive/${prefix}/*`]] },
    });
  });

  test('fails if a retention is given with a bucket of yours', () => {
    const given = givenStack();
    const mine = s3.Bucket.fromBucketName(given.stack, 'Mine', 'my-archive');
    expect(() => receiver(given, { archive: { bucket: mine, retention: Duration.days(30) } })).toThrow(/archive.retention applies to the bucket the receiver creates/);
  });

  test('fails if the retention is out of range', () => {
    expect(() => receiver(givenStack(), { archive: { retention: Duration.days(4000) } })).toThrow(/archive.retention \(days\) must be a whole number from 1 to 3650, got 4000/);
    expect(() => receiver(givenStack(), { archive: { retention: Duration.hours(12) } })).toThrow(/archive.retention \(days\) must be a whole number from 1 to 3650, got 0.5/);
  });

  test('fails if archive is not an options object', () => {
    expect(() => receiver(givenStack(), { archive: true as never })).toThrow(/archive/);
  });

  describe('grantReplay and grantInboxRead, pinned', () => {
    function build(withKey: boolean, props: Partial<WebhookReceiverProps> = { archive: {} }) {
      const given = givenStack();
      const key = withKey ? new kms.Key(given.stack, 'Key', { enableKeyRotation: true }) : undefined;
      const r = receiver(given, { encryptionKey: key, ...props });
      const operator = new iam.Role(given.stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
      return { given, key, r, operator };
    }

    test('grantReplay: DescribeStacks on the stack, list the archive, read its objects, conditional writes on the inbox, send to the queue', () => {
      const { given, r, operator } = build(false);
      r.grantReplay(operator);
      const bucketArn = arnOf(given.stack, r.archiveBucket as s3.Bucket);
      const prefix = verifierConfigOf(r).archive.receiver as string;
      expect(statementsOf(given.stack, operator)).toEqual([
        { Action: 'cloudformation:DescribeStacks', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudformation:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':stack/Test/*']] } },
        { Action: 's3:ListBucket', Effect: 'Allow', Resource: bucketArn },
        { Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [bucketArn, `/${prefix}/*`]] } },
        { Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'], Effect: 'Allow', Resource: [arnOf(given.stack, r.table)] },
        { Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], Effect: 'Allow', Resource: arnOf(given.stack, r.queue) },
      ]);
    });

    test('grantReplay with a customer managed key and the claim check: the key through S3, DynamoDB and SQS only, and PutObject for stored bodies', () => {
      const { given, key, r, operator } = build(true, { archive: {}, maxBodySize: Size.mebibytes(4) });
      r.grantReplay(operator);
      const statements = statementsOf(given.stack, operator);
      const keyArn = arnOf(given.stack, key!);
      expect(statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(keyArn))).toEqual([
        { Action: 'kms:Decrypt', Condition: via('s3'), Effect: 'Allow', Resource: keyArn },
        { Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'], Condition: via('dynamodb'), Effect: 'Allow', Resource: keyArn },
        { Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Condition: via('sqs'), Effect: 'Allow', Resource: keyArn },
        { Action: 'kms:GenerateDataKey', Condition: via('s3'), Effect: 'Allow', Resource: keyArn },
      ]);
      const bodyArn = arnOf(given.stack, r.bodyBucket!);
      expect(statements).toContainEqual({ Action: 's3:PutObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [bodyArn, `/${verifierConfigOf(r).bodyStore.prefix}/*`]] } });
      // Nothing with a wildcard action
      expect(statements.flatMap((s) => [s.Action].flat()).filter((a: string) => a.includes('*'))).toEqual([]);
    });

    test('fails if the receiver keeps no archive', () => {
      const { r, operator } = build(false, {});
      expect(() => r.grantReplay(operator)).toThrow(/grantReplay needs the raw archive, and this receiver keeps none: set its archive prop/);
    });

    test('grantInboxRead: GetItem, Query and Scan on the table; with a key, Decrypt and DescribeKey via DynamoDB only', () => {
      const plain = build(false, {});
      plain.r.grantInboxRead(plain.operator);
      expect(statementsOf(plain.given.stack, plain.operator)).toEqual([
        { Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'], Effect: 'Allow', Resource: [arnOf(plain.given.stack, plain.r.table)] },
      ]);

      const keyed = build(true, {});
      keyed.r.grantInboxRead(keyed.operator);
      const keyArn = arnOf(keyed.given.stack, keyed.key!);
      expect(statementsOf(keyed.given.stack, keyed.operator)).toEqual([
        { Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'], Effect: 'Allow', Resource: [arnOf(keyed.given.stack, keyed.r.table)] },
        { Action: ['kms:Decrypt', 'kms:DescribeKey'], Condition: via('dynamodb'), Effect: 'Allow', Resource: keyArn },
      ]);
    });
  });

  describe('cdk-nag', () => {
    let outdir: string;
    beforeEach(() => {
      outdir = mkdtempSync(path.join(tmpdir(), 'nag-archive-'));
    });
    afterEach(() => {
      rmSync(outdir, { recursive: true, force: true });
    });

    test.each([
      ['S3-managed keys', false, undefined],
      ['a customer managed key and the claim check', true, Size.mebibytes(4)],
    ])('a receiver with the archive and %s synthesizes with both packs and no finding; the bucket acknowledges only S1', (_name, withKey, maxBodySize) => {
      const given = givenStack({ nag: true, outdir });
      const r = receiver(given, { archive: {}, maxBodySize, encryptionKey: withKey ? new kms.Key(given.stack, 'Key', { enableKeyRotation: true }) : undefined });
      r.grantReplay(new iam.Role(given.stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() }));
      expect(() => given.app.synth()).not.toThrow();
      const metadata = (r.archiveBucket as s3.Bucket).node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => Object.keys(m.data as object));
      expect(metadata.flat().map((id) => id.replace(/^annotation::/i, ''))).toEqual(['AwsSolutions-S1']);
    });
  });
});
