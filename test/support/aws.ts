/**
 * Helpers for handler tests: real AWS SDK v3 clients pointed at the emulators on loopback (started by
 * global-setup.js), resources created per test file, the shipped bundles loaded as Lambda would load them,
 * and API Gateway events shaped as a REST API with binary media type *\/* delivers them.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent, SQSRecord } from 'aws-lambda';

export const REGION = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export function endpoints() {
  const dynamodb = process.env.TEST_DYNAMODB_ENDPOINT;
  const sqs = process.env.TEST_SQS_ENDPOINT;
  const secretsManager = process.env.TEST_SECRETS_MANAGER_ENDPOINT;
  if (!dynamodb || !sqs || !secretsManager) throw new Error('Emulators are not running (see test/support/global-setup.js).');
  return { dynamodb, sqs, secretsManager };
}

export function clients() {
  const ep = endpoints();
  return {
    dynamodb: new DynamoDBClient({ region: REGION, endpoint: ep.dynamodb, credentials }),
    sqs: new SQSClient({ region: REGION, endpoint: ep.sqs, credentials }),
    secretsManager: new SecretsManagerClient({ region: REGION, endpoint: ep.secretsManager, credentials }),
  };
}

/** Points the SDK's default clients (those the bundles build at module scope) at the emulators. */
export function useEmulatorsForDefaultClients(): void {
  const ep = endpoints();
  process.env.AWS_REGION = REGION;
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = ep.dynamodb;
  process.env.AWS_ENDPOINT_URL_SQS = ep.sqs;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = ep.secretsManager;
  // fauxqs serves S3 on the same loopback endpoint as SQS (path-style: the endpoint is an IP address).
  process.env.AWS_ENDPOINT_URL_S3 = ep.sqs;
}

/** An S3 client for fauxqs's S3 API, on the same loopback endpoint as its SQS API. */
export function s3Client(): S3Client {
  return new S3Client({ region: REGION, endpoint: endpoints().sqs, credentials, forcePathStyle: true });
}

/** A bucket in fauxqs's S3 (the claim check's stand-in). */
export async function createBucket(s3: S3Client): Promise<string> {
  const name = uniqueName('bodies');
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** An inbox table with the schema the construct creates. */
export async function createInboxTable(dynamodb: DynamoDBClient): Promise<string> {
  const name = uniqueName('inbox');
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return name;
}

export async function createQueue(sqs: SQSClient, attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const name = uniqueName('queue');
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { MaximumMessageSize: '1048576', ...attributes } }));
  // fauxqs names queues by host `sqs.<region>.localhost`; the same queue is reachable at the loopback endpoint,
  // which needs no DNS and matches the endpoint the clients use.
  const url = new URL(new URL(out.QueueUrl!).pathname, endpoints().sqs).toString();
  return { url, arn: `arn:aws:sqs:${REGION}:000000000000:${name}` };
}

export async function createSecret(secretsManager: SecretsManagerClient, value: string): Promise<string> {
  const out = await secretsManager.send(new CreateSecretCommand({ Name: uniqueName('webhook-secret'), SecretString: value }));
  return out.ARN!;
}

/** Rotates a secret: the new value becomes AWSCURRENT, the old one AWSPREVIOUS. */
export async function rotateSecret(secretsManager: SecretsManagerClient, arn: string, value: string): Promise<void> {
  await secretsManager.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value }));
}

/**
 * Sets the creation date of the version at `stage` in the Secrets Manager stand-in, e.g. to put a rotation in
 * the past. Test-only: the stand-in's own endpoint (test/support/emulators.mjs), not a Secrets Manager action.
 */
export async function setVersionCreatedDate(arn: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS', createdAt: Date): Promise<void> {
  const response = await fetch(new URL('/_created-date', endpoints().secretsManager), {
    method: 'POST',
    body: JSON.stringify({ SecretId: arn, VersionStage: stage, CreatedDate: createdAt.getTime() / 1000 }),
  });
  if (!response.ok) throw new Error(`The stand-in refused to set the creation date: ${await response.text()}`);
}

/** Every message now visible in a queue (each received once, with a long visibility timeout). */
export async function drain(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
    );
    if (!out.Messages || out.Messages.length === 0) return messages;
    messages.push(...out.Messages);
  }
}

export async function scanTable(dynamodb: DynamoDBClient, tableName: string): Promise<Record<string, AttributeValue>[]> {
  const out = await dynamodb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return out.Items ?? [];
}

export async function getRecord(dynamodb: DynamoDBClient, tableName: string, key: string) {
  const out = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } }, ConsistentRead: true }));
  return out.Item;
}

/** Loads a shipped bundle fresh, as a new Lambda container would. */
export function loadBundle<T>(name: 'verifier' | 'reconciler' | 'example-processor', dir = path.join(__dirname, '..', '..', 'assets', name)): T {
  const file = path.join(dir, 'index.js');
  let loaded: T | undefined;
  jest.isolateModules(() => {
    loaded = require(file) as T;
  });
  return loaded!;
}

/**
 * The shipped verifier bundle staged as the construct stages it (a directory with `index.js` and `config.json`)
 * and loaded from there, so its `handler` reads `config.json` beside it. `values` is what
 * `WEBHOOK_RECEIVER_VALUES` holds (the config's `$ref`s index it); the caller sets the environment.
 */
export function loadStagedVerifier<T>(config: unknown): { module: T; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'staged-verifier-'));
  for (const file of readdirSync(path.join(__dirname, '..', '..', 'assets', 'verifier'))) {
    copyFileSync(path.join(__dirname, '..', '..', 'assets', 'verifier', file), path.join(dir, file));
  }
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  let loaded: T | undefined;
  jest.isolateModules(() => {
    loaded = require(path.join(dir, 'index.js')) as T;
  });
  return { module: loaded!, dir };
}

export interface RequestOptions {
  readonly resource: string;
  readonly body: Buffer | string;
  readonly headers?: Record<string, string>;
  readonly multiValueHeaders?: Record<string, string[]>;
  readonly method?: string;
}

/** An API Gateway REST proxy event with the body base64-encoded, as binaryMediaTypes ['*\/*'] delivers it. */
export function apiEvent(options: RequestOptions): APIGatewayProxyEvent {
  const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body;
  const headers = { 'Content-Type': 'application/json', ...options.headers };
  return {
    resource: options.resource,
    path: options.resource,
    httpMethod: options.method ?? 'POST',
    headers,
    multiValueHeaders: options.multiValueHeaders ?? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    isBase64Encoded: true,
    body: body.toString('base64'),
    requestContext: { requestId: randomUUID() } as APIGatewayProxyEvent['requestContext'],
  };
}

/** Captures what the code under test writes to stdout (its JSON logs) while `fn` runs. */
export async function captureLogs<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const original = process.stdout.write.bind(process.stdout);
  const lines: string[] = [];
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(...chunk.toString().split('\n').filter((l) => l.length > 0));
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await fn(), lines };
  } finally {
    process.stdout.write = original;
  }
}

/** A received SQS message as Lambda's SQS event source hands it to a function. */
export function sqsRecord(message: Message, queueArn = `arn:aws:sqs:${REGION}:000000000000:queue`): SQSRecord {
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body!,
    attributes: message.Attributes as unknown as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: message.MD5OfBody!,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: REGION,
  };
}
