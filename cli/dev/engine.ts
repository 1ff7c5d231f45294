/**
 * The local receiver: runs each WebhookReceiver found in a cloud assembly (assembly.ts) on this machine, as API
 * Gateway, Lambda and the SQS event source mapping run it in AWS.
 *
 * - The stand-ins (emulators.ts) get the receiver's table, its queue (with the template's RedrivePolicy:
 *   the dead-letter queue and maxReceiveCount) and buckets, and each provider's secret.
 * - The verifier is the bundle the app staged (its `config.json` with the deploy-time values resolved to the local
 *   resources), loaded in this process with its AWS clients pointed at the stand-ins (AWS_ENDPOINT_URL_*).
 * - An HTTP server on 127.0.0.1 turns each request into the REST API (payload 1.0) event API Gateway gives the
 *   verifier, with the body base64-encoded (the receiver's binary media type is * / *), and answers with its result.
 * - A poller per receiver receives batches from the queue as the event source mapping does (the mapping's batch
 *   size, ReportBatchItemFailures), with a short visibility timeout so that a failing event reaches the dead-letter
 *   queue in seconds; it invokes the processor with the environment the template gives it (resolved to the local
 *   resources), deletes what succeeded, and leaves failures to come back.
 *
 * - PayPal, the App Store and Plaid sign with keys only they hold: the server also answers, on its own origin, as
 *   PayPal's certificate host and Plaid's key service with the published stand-in certificate and key
 *   (testing/keys.ts), and the verifier is told to trust them through its test-only variables (set in this process,
 *   where the verifier runs; the verifier refuses them inside AWS Lambda). `send` and the test kit sign with them.
 *
 * What happens is reported as `DevEvent`s (output.ts prints them). The functions' log lines are read to tell
 * what happened to each delivery and event (correlated by request id and message id), never to print a secret.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { CONFIG_VALUES_ENV } from '../../contract/config';
import { DEV_ERRORS_ENV } from '../../contract/dev';
import { fillIn } from '../../lambda/verifier/config';
import { answerAsProvider, localProviderOverrides } from '../../testing/keys';
import { CommandError } from '../shared/io';
import { resolveValue, type ReceiverSpec } from './assembly';
import { sharedEmulators, startEmulators } from './emulators';
import type { SecretLookup, SecretSource } from './secrets';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What a processor is to the engine: Lambda's handler signature for an SQS event. */
export type ProcessorFunction = (event: { Records: Json[] }, context: Json) => Promise<{ batchItemFailures?: Array<{ itemIdentifier: string }> } | void | undefined>;

export type Verdict = 'accepted' | 'duplicate' | 'handshake' | 'ignored' | 'rejected' | 'error';

export type DevEvent =
  | { type: 'secret'; receiver: string; provider: string; source: SecretSource }
  | { type: 'route'; receiver: string; provider: string; url: string }
  | { type: 'listening'; url: string; visibilityTimeoutSeconds: number; standInsPid: number }
  | { type: 'delivery'; receiver: string; provider: string; deliveryId?: string; eventType?: string; verdict: Verdict; status: number; code: string }
  | { type: 'processed' | 'skipped'; receiver: string; provider?: string; deliveryId?: string; eventType?: string; messageId: string; receiveCount: number; detail?: string }
  | { type: 'failed'; receiver: string; provider?: string; deliveryId?: string; eventType?: string; messageId: string; receiveCount: number; maxReceiveCount: number; error: string }
  | { type: 'dead-lettered'; receiver: string; provider?: string; deliveryId?: string; eventType?: string; messageId: string; receiveCount: number }
  | { type: 'status'; receiver: string; queued: number; inFlight: number; deadLettered: number }
  | { type: 'reloaded'; receiver: string; codeDir: string }
  | { type: 'log'; receiver?: string; source: 'verifier' | 'processor' | 'app'; line: string };

export interface EngineOptions {
  readonly receivers: ReceiverSpec[];
  /** 0: any free port. */
  readonly port: number;
  readonly secrets: SecretLookup;
  /** The visibility timeout of the local queues, and of each receive. */
  readonly visibilityTimeoutSeconds: number;
  readonly onEvent: (event: DevEvent) => void;
  /** The processor of a receiver when it is not the one in the assembly (the test kit's function). */
  readonly processorFor?: (receiver: ReceiverSpec) => ProcessorFunction | undefined;
  /** Use the stand-ins of this process shared by every engine (the test kit), left running at stop. @default false */
  readonly sharedStandIns?: boolean;
  /** Watch each processor's code directory and load it again when it changes. @default false */
  readonly watchProcessors?: boolean;
}

export interface LocalRequest {
  readonly method?: string;
  /** The path on the local server, with its query string (`/stripe`, `/stripe?x=1`). */
  readonly path: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: Buffer | string;
  readonly sourceIp?: string;
}

export interface LocalResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface Engine {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Each provider's local URL, by receiver path and provider id. */
  readonly routes: Array<{ receiver: string; provider: string; url: string }>;
  /** Answers one request as the HTTP server does (the test kit calls it without HTTP). */
  handle(request: LocalRequest): Promise<LocalResponse>;
  /** Resolves when every queue is empty, nothing is in flight and every event that will be dead-lettered was. */
  idle(timeoutMs?: number): Promise<void>;
  /** Loads the processors again from these (newly synthesized) receivers' code directories. */
  reload(receivers: ReceiverSpec[]): void;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
/** API Gateway's largest payload. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

interface EventInfo {
  provider?: string;
  deliveryId?: string;
  eventType?: string;
}

interface Running {
  readonly spec: ReceiverSpec;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  verifier: (event: Json) => Promise<{ statusCode: number; headers?: Record<string, Json>; body: string; isBase64Encoded?: boolean }>;
  processor?: { fn?: ProcessorFunction; codeDir?: string; handler?: string; stale: boolean; env: Record<string, string>; given: boolean };
  inFlight: number;
  deadLettered: number;
  pendingDeadLetters: Array<EventInfo & { messageId: string; receiveCount: number }>;
  lastStatus?: string;
  watcher?: FSWatcher;
}

/** Lines written to stdout by the functions, correlated by request id (verifier) and message id (runtime). */
const tap = {
  listeners: new Set<(record: Json, line: string) => boolean>(),
  original: undefined as undefined | typeof process.stdout.write,
  install(listener: (record: Json, line: string) => boolean): () => void {
    this.listeners.add(listener);
    if (!this.original) {
      const original = process.stdout.write;
      this.original = original;
      process.stdout.write = function (this: NodeJS.WriteStream, chunk: Json, ...rest: Json[]) {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        const passed: string[] = [];
        for (const line of text.split('\n')) {
          if (line.length === 0) continue;
          let record: Json;
          try {
            record = JSON.parse(line);
          } catch {
            record = undefined;
          }
          let taken = false;
          for (const l of tap.listeners) if (l(record, line)) taken = true;
          if (!taken) passed.push(line);
        }
        if (passed.length === 0) {
          const callback = rest.find((r) => typeof r === 'function');
          if (callback) callback();
          return true;
        }
        return original.call(this, `${passed.join('\n')}\n`, ...rest);
      } as typeof process.stdout.write;
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.original) {
        process.stdout.write = this.original;
        this.original = undefined;
      }
    };
  },
  /** Writes past the tap. */
  write(text: string): void {
    (this.original ?? process.stdout.write).call(process.stdout, text);
  },
};

/** Writes to the real stdout, past the tap that reads the functions' log lines. */
export function writeStdout(text: string): void {
  tap.write(text);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts the stand-ins, the receivers, the HTTP server and the pollers. */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  if (options.receivers.length === 0) {
    throw new CommandError('No WebhookReceiver in this app: the dev server runs the receivers of a CDK app that uses cdk-webhook-receiver 0.2 or later.');
  }
  const emulators = options.sharedStandIns ? await sharedEmulators() : await startEmulators();
  // Names of this run's tables and queues: unique, so that runs sharing the stand-ins never meet.
  const run = randomUUID().slice(0, 6);
  const stopping = new AbortController();
  let server: Server | undefined;
  const removers: Array<() => void> = [];
  try {
    const ep = emulators.endpoints;
    // The bundles build their AWS clients with the default chain: point it at the stand-ins.
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: ep.dynamodb,
      AWS_ENDPOINT_URL_SQS: ep.sqs,
      AWS_ENDPOINT_URL_S3: ep.s3,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: ep.secretsManager,
      [DEV_ERRORS_ENV]: '1',
    });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
    const dynamodb = new DynamoDBClient({ region: REGION, endpoint: ep.dynamodb, credentials });
    const sqs = new SQSClient({ region: REGION, endpoint: ep.sqs, credentials });
    const s3 = new S3Client({ region: REGION, endpoint: ep.s3, credentials, forcePathStyle: true });

    // Verifier log lines by request id; runtime log lines by message id.
    const deliveries = new Map<string, Json>();
    const processing = new Map<string, Json[]>();
    const ownRequests = new Set<string>();
    const ownMessages = new Set<string>();
    removers.push(
      tap.install((record, line) => {
        if (record && typeof record === 'object') {
          if (record._aws !== undefined) return true; // EMF metric lines: CloudWatch's, not the developer's.
          if (typeof record.requestId === 'string' && ownRequests.has(record.requestId) && /^delivery /.test(record.message)) {
            deliveries.set(record.requestId, record);
            return true;
          }
          if (typeof record.messageId === 'string' && ownMessages.has(record.messageId) && /^webhook event/.test(record.message)) {
            processing.set(record.messageId, [...(processing.get(record.messageId) ?? []), record]);
            return true;
          }
        }
        if (tap.listeners.size === 1) options.onEvent({ type: 'log', source: 'app', line });
        return tap.listeners.size === 1;
      }),
    );

    // Local resources, per stack: logical id -> what Ref and Fn::GetAtt give.
    const refs = new Map<string, Map<string, { ref: string; atts: Record<string, string> }>>();
    const lookupIn = (stack: string) => (id: string, attribute?: string) => {
      const found = refs.get(stack)?.get(id);
      if (found) return attribute === undefined ? found.ref : (found.atts[attribute] ?? `${found.ref}`);
      const resource = options.receivers.find((r) => r.stack === stack)?.template.Resources?.[id];
      if (resource?.Type === 'AWS::SecretsManager::Secret') {
        return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-${run}`;
      }
      return attribute === undefined ? id : `arn:aws:local:${REGION}:${ACCOUNT}:${id}/${attribute}`;
    };
    const remember = (stack: string, id: string, ref: string, atts: Record<string, string>) => {
      if (!refs.has(stack)) refs.set(stack, new Map());
      refs.get(stack)!.set(id, { ref, atts });
    };
    const localName = (stack: string, id: string, max: number) => `${`${stack}-${id}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, max - 7)}-${run}`;

    const createQueue = async (stack: string, id: string, props: Json, deadLetterArn?: string, maxReceiveCount?: number) => {
      const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
      const name = `${localName(stack, id, 70)}${fifo ? '.fifo' : ''}`;
      const attributes: Record<string, string> = {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        MaximumMessageSize: String(props.MaximumMessageSize ?? 262144),
      };
      if (fifo) {
        attributes.FifoQueue = 'true';
        if (props.ContentBasedDeduplication) attributes.ContentBasedDeduplication = 'true';
      }
      if (deadLetterArn) attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount });
      const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      // fauxqs names queues by host `sqs.<region>.localhost`; the same queue answers on the loopback endpoint.
      const url = new URL(new URL(out.QueueUrl!).pathname, ep.sqs).toString();
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      remember(stack, id, url, { Arn: arn, QueueName: name, QueueUrl: url });
      return { url, arn };
    };

    const running: Running[] = [];
    for (const spec of options.receivers) {
      const tableName = localName(spec.stack, spec.table.logicalId, 200);
      const tableProps = spec.table.properties;
      await dynamodb.send(
        new CreateTableCommand({
          TableName: tableName,
          KeySchema: tableProps.KeySchema,
          AttributeDefinitions: tableProps.AttributeDefinitions,
          BillingMode: 'PAY_PER_REQUEST',
          GlobalSecondaryIndexes: tableProps.GlobalSecondaryIndexes?.map((g: Json) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection })),
        }),
      );
      remember(spec.stack, spec.table.logicalId, tableName, { Arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${tableName}` });
      const dlq = await createQueue(spec.stack, spec.deadLetterQueue.logicalId, spec.deadLetterQueue.properties);
      const queue = await createQueue(spec.stack, spec.queue.logicalId, spec.queue.properties, dlq.arn, spec.queue.maxReceiveCount);
      for (const bucketId of spec.buckets) {
        const bucket = localName(spec.stack, bucketId, 63).toLowerCase().replace(/_/g, '-');
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        remember(spec.stack, bucketId, bucket, { Arn: `arn:aws:s3:::${bucket}`, DomainName: `${bucket}.s3.amazonaws.com` });
      }
      running.push({
        spec,
        queueUrl: queue.url,
        queueArn: queue.arn,
        deadLetterQueueUrl: dlq.url,
        verifier: undefined as unknown as Running['verifier'],
        inFlight: 0,
        deadLettered: 0,
        pendingDeadLetters: [],
      });
    }

    // Routes: `/<route>` with one receiver, `/<receiver path>/<route>` with several.
    const routes = new Map<string, { receiver: Running; resource: string }>();
    const single = running.length === 1;
    const routeOf = (r: Running, resource: string) => (single ? resource : `/${r.spec.path}${resource}`);

    server = createServer((req, res) => void serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server!.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new CommandError(`Port ${options.port} on 127.0.0.1 is in use: choose another with --port (0 takes any free port).`) : error),
      );
      server!.listen(options.port, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;
    // PayPal, the App Store and Plaid: the verifier (in this process, never in AWS Lambda) trusts the published
    // stand-in certificates and key (testing/keys.ts), served by this server on its own origin (`answerAsProvider`).
    Object.assign(process.env, localProviderOverrides(base));

    const routeList: Engine['routes'] = [];
    for (const r of running) {
      const lookup = lookupIn(r.spec.stack);
      const raw = r.spec.verifier.environment[CONFIG_VALUES_ENV];
      const valuesText = raw === undefined ? '[]' : resolveValue(raw, lookup, r.spec.stack);
      const values = typeof valuesText === 'string' ? JSON.parse(valuesText) : valuesText;
      const config = fillIn(r.spec.verifier.config, values) as Json;
      delete config.metrics; // EMF lines are for CloudWatch
      for (const [resource, provider] of Object.entries<Json>(config.providers)) {
        const id: string = provider.id ?? resource.replace(/^\//, '');
        const url = `${base}${routeOf(r, resource)}`;
        // URL-signing providers sign the URL they post to: here, the local one.
        if (provider.publicUrl !== undefined) provider.publicUrl = url;
        // PayPal and the App Store hold no secret (certificates only).
        if (provider.secretId !== undefined) {
          const secret = options.secrets.get(r.spec.path, id, typeof provider.kind === 'string' ? provider.kind : id);
          // A secret of this run only: a run sharing the stand-ins never reads another's value, not even as AWSPREVIOUS.
          provider.secretId = `${provider.secretId}#${run}`;
          await emulators.putSecret(provider.secretId, secret.value);
          options.onEvent({ type: 'secret', receiver: r.spec.path, provider: id, source: secret.source });
        }
        routes.set(routeOf(r, resource), { receiver: r, resource });
        routeList.push({ receiver: r.spec.path, provider: id, url });
      }
      const module = loadFresh(path.join(r.spec.verifier.codeDir, 'index.js')) as Json;
      if (typeof module.verifierFromConfig !== 'function') {
        throw new CommandError(`The verifier bundle in ${r.spec.verifier.codeDir} does not export verifierFromConfig: synthesize the app with this version of cdk-webhook-receiver.`);
      }
      r.verifier = module.verifierFromConfig(config);
      if (r.spec.processor) {
        const env: Record<string, string> = {};
        for (const [name, value] of Object.entries(r.spec.processor.environment)) env[name] = String(resolveValue(value, lookup, r.spec.stack));
        const given = options.processorFor?.(r.spec);
        r.processor = given
          ? { fn: given, stale: false, env, given: true }
          : { codeDir: r.spec.processor.codeDir, handler: r.spec.processor.handler, stale: true, env, given: false };
        for (const dir of r.spec.processor.layerDirs) addLayer(dir);
        if (options.watchProcessors && !given) watchProcessor(r);
      }
    }
    for (const route of routeList) options.onEvent({ type: 'route', receiver: route.receiver, provider: route.provider, url: route.url });
    options.onEvent({ type: 'listening', url: base, visibilityTimeoutSeconds: options.visibilityTimeoutSeconds, standInsPid: emulators.pid });

    function watchProcessor(r: Running) {
      r.watcher?.close();
      try {
        r.watcher = watch(r.processor!.codeDir!, { recursive: true }, () => {
          if (r.processor && !r.processor.stale) {
            r.processor.stale = true;
            options.onEvent({ type: 'reloaded', receiver: r.spec.path, codeDir: r.processor.codeDir! });
          }
        });
      } catch {
        r.watcher = undefined;
      }
    }

    async function handle(request: LocalRequest): Promise<LocalResponse> {
      const url = new URL(request.path, base);
      const match = routes.get(url.pathname) ?? routes.get(url.pathname.replace(/\/+$/, ''));
      const method = (request.method ?? 'POST').toUpperCase();
      if (!match) {
        if (method === 'GET' && url.pathname === '/') {
          const lines = routeList.map((r) => `${r.provider.padEnd(12)} ${r.url}   (receiver ${r.receiver})`);
          return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: `cdk-webhook-receiver dev: POST each provider's webhooks to its URL\n${lines.join('\n')}\n` };
        }
        options.onEvent({ type: 'delivery', receiver: '-', provider: '-', verdict: 'rejected', status: 404, code: 'unknown_route' });
        return { status: 404, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ok: false, error: 'unknown_route', message: `No provider at ${url.pathname}; GET / lists the routes.` }) };
      }
      const { receiver, resource } = match;
      const requestId = randomUUID();
      const headers: Record<string, string> = {};
      const multiValueHeaders: Record<string, string[]> = {};
      for (const [name, value] of Object.entries(request.headers ?? {})) {
        const values = Array.isArray(value) ? value : [value];
        multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), ...values];
        headers[name] = values[values.length - 1];
      }
      const query: Record<string, string> = {};
      const multiQuery: Record<string, string[]> = {};
      for (const [name, value] of url.searchParams) {
        query[name] = value;
        multiQuery[name] = [...(multiQuery[name] ?? []), value];
      }
      const body = request.body === undefined ? undefined : typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
      const event = {
        resource,
        path: resource,
        httpMethod: method,
        headers,
        multiValueHeaders,
        queryStringParameters: url.search ? query : null,
        multiValueQueryStringParameters: url.search ? multiQuery : null,
        pathParameters: null,
        stageVariables: null,
        requestContext: {
          accountId: ACCOUNT,
          apiId: 'local',
          stage: 'local',
          requestId,
          httpMethod: method,
          path: `/local${resource}`,
          resourcePath: resource,
          protocol: 'HTTP/1.1',
          requestTimeEpoch: Date.now(),
          identity: { sourceIp: request.sourceIp ?? '127.0.0.1', userAgent: headers['user-agent'] ?? headers['User-Agent'] ?? null },
        },
        body: body === undefined || body.length === 0 ? null : body.toString('base64'),
        isBase64Encoded: body !== undefined && body.length > 0,
      };
      ownRequests.add(requestId);
      let result: Awaited<ReturnType<Running['verifier']>>;
      try {
        result = await receiver.verifier(event);
      } catch (error) {
        options.onEvent({ type: 'log', receiver: receiver.spec.path, source: 'verifier', line: `the verifier threw ${(error as Error).name}` });
        result = { statusCode: 502, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ message: 'Internal server error' }) };
      } finally {
        ownRequests.delete(requestId);
      }
      const log = deliveries.get(requestId) ?? {};
      deliveries.delete(requestId);
      const code: string = log.code ?? (result.statusCode >= 500 ? 'internal_error' : String(result.statusCode));
      const verdict: Verdict =
        result.statusCode < 300 ? (['accepted', 'duplicate', 'handshake', 'ignored'].includes(code) ? (code as Verdict) : 'accepted') : result.statusCode >= 500 ? 'error' : 'rejected';
      const provider = String(receiver.spec.verifier.config.providers?.[resource]?.id ?? resource.replace(/^\//, ''));
      options.onEvent({ type: 'delivery', receiver: receiver.spec.path, provider, deliveryId: log.deliveryId, eventType: log.eventType, verdict, status: result.statusCode, code });
      const responseHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(result.headers ?? {})) responseHeaders[name] = String(value);
      const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
      return { status: result.statusCode, headers: responseHeaders, body: text };
    }

    async function serve(req: IncomingMessage, res: ServerResponse) {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_REQUEST_BYTES) tooLarge = true;
        else chunks.push(chunk as Buffer);
      }
      if (tooLarge) {
        res.writeHead(413, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: 'Request Too Long' }));
        return;
      }
      const headers: Record<string, string[]> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i];
        headers[name] = [...(headers[name] ?? []), req.rawHeaders[i + 1]];
      }
      try {
        const pathname = new URL(req.url ?? '/', base).pathname;
        const standIn = routes.has(pathname) ? undefined : answerAsProvider(req.method ?? 'GET', pathname, Buffer.concat(chunks).toString('utf8'));
        if (standIn) {
          res.writeHead(standIn.status, { 'Content-Type': standIn.contentType });
          res.end(standIn.body);
          return;
        }
        const answer = await handle({ method: req.method, path: req.url ?? '/', headers, body: Buffer.concat(chunks), sourceIp: req.socket.remoteAddress });
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      } catch (error) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: `dev server: ${(error as Error).message}` }));
      }
    }

    const status = async (r: Running, force = false) => {
      try {
        const [queue, dlq] = await Promise.all(
          [r.queueUrl, r.deadLetterQueueUrl].map((url) =>
            sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] })),
          ),
        );
        const visible = Number(queue.Attributes?.ApproximateNumberOfMessages ?? 0);
        const hidden = Number(queue.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
        const dead = Number(dlq.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(dlq.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
        while (dead > r.deadLettered) {
          r.deadLettered++;
          const moved = r.pendingDeadLetters.shift();
          if (moved) options.onEvent({ type: 'dead-lettered', receiver: r.spec.path, ...moved });
        }
        const line = `${visible}/${hidden}/${dead}`;
        if (force || line !== r.lastStatus) {
          r.lastStatus = line;
          options.onEvent({ type: 'status', receiver: r.spec.path, queued: visible, inFlight: hidden, deadLettered: dead });
        }
        return { visible, hidden, dead };
      } catch {
        return undefined;
      }
    };

    const loadProcessor = async (r: Running): Promise<ProcessorFunction> => {
      const p = r.processor!;
      if (p.fn && !p.stale) return p.fn;
      const [file, exported] = splitHandler(p.handler!);
      const module = await loadHandlerModule(p.codeDir!, file);
      const fn = exported.split('.').reduce((m: Json, k) => m?.[k], module);
      if (typeof fn !== 'function') throw new Error(`${p.handler} is not a function in ${p.codeDir}`);
      p.fn = fn as ProcessorFunction;
      p.stale = false;
      return p.fn;
    };

    const poll = async (r: Running) => {
      const spec = r.spec.processor!;
      while (!stopping.signal.aborted) {
        let messages: Message[] = [];
        try {
          const out = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: r.queueUrl,
              MaxNumberOfMessages: Math.min(10, spec.batchSize),
              WaitTimeSeconds: 1,
              VisibilityTimeout: options.visibilityTimeoutSeconds,
              MessageSystemAttributeNames: ['All'],
              MessageAttributeNames: ['All'],
            }),
            { abortSignal: stopping.signal },
          );
          messages = out.Messages ?? [];
        } catch {
          if (stopping.signal.aborted) return;
          await sleep(200);
          continue;
        }
        if (messages.length === 0) {
          if (r.pendingDeadLetters.length > 0) await status(r);
          continue;
        }
        r.inFlight += messages.length;
        try {
          await invoke(r, messages);
        } finally {
          r.inFlight -= messages.length;
        }
        await status(r);
      }
    };

    const invoke = async (r: Running, messages: Message[]) => {
      const spec = r.spec.processor!;
      const records = messages.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body ?? '',
        attributes: { ...m.Attributes },
        messageAttributes: Object.fromEntries(
          Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, { stringValue: v.StringValue, binaryValue: v.BinaryValue, dataType: v.DataType, stringListValues: [], binaryListValues: [] }]),
        ),
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: r.queueArn,
        awsRegion: REGION,
      }));
      for (const m of messages) ownMessages.add(m.MessageId!);
      const deadline = Date.now() + spec.timeoutSeconds * 1000;
      const context = {
        functionName: spec.logicalId,
        functionVersion: '$LATEST',
        invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${spec.logicalId}`,
        memoryLimitInMB: '256',
        awsRequestId: randomUUID(),
        logGroupName: `/aws/lambda/${spec.logicalId}`,
        logStreamName: 'local',
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
        done() {},
        fail() {},
        succeed() {},
      };
      let failedIds: Set<string>;
      let invocationError: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      try {
        const fn = await loadProcessor(r);
        Object.assign(process.env, r.processor!.env);
        const result = await Promise.race([
          fn({ Records: records }, context),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`Task timed out after ${spec.timeoutSeconds} seconds`)), spec.timeoutSeconds * 1000);
          }),
        ]);
        const failures = spec.reportBatchItemFailures && result && Array.isArray(result.batchItemFailures) ? result.batchItemFailures : [];
        failedIds = new Set(failures.map((f) => f.itemIdentifier));
      } catch (error) {
        invocationError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        failedIds = new Set(records.map((m) => m.messageId));
      } finally {
        clearTimeout(timer);
      }
      const done = messages.filter((m) => !failedIds.has(m.MessageId!));
      if (done.length > 0) {
        await sqs
          .send(new DeleteMessageBatchCommand({ QueueUrl: r.queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }))
          .catch(() => undefined);
      }
      for (const m of messages) {
        const id = m.MessageId!;
        const lines = processing.get(id) ?? [];
        processing.delete(id);
        ownMessages.delete(id);
        const info = eventInfo(m.Body);
        const receiveCount = Number(m.Attributes?.ApproximateReceiveCount ?? 1);
        const base = { receiver: r.spec.path, ...info, messageId: id, receiveCount };
        if (failedIds.has(id)) {
          const failure = lines.find((l) => l.message === 'webhook event failed');
          const retry = lines.find((l) => /returned to the queue|not started/.test(l.message));
          const error = invocationError ?? failure?.errorMessage ?? failure?.error ?? retry?.message ?? 'reported as a batch item failure';
          options.onEvent({ type: 'failed', ...base, maxReceiveCount: r.spec.queue.maxReceiveCount, error: String(error) });
          if (receiveCount >= r.spec.queue.maxReceiveCount) r.pendingDeadLetters.push({ ...info, messageId: id, receiveCount });
        } else {
          const skipped = lines.find((l) => /^webhook event skipped/.test(l.message));
          if (skipped) options.onEvent({ type: 'skipped', ...base, detail: String(skipped.message).replace(/^webhook event skipped: /, '') });
          else options.onEvent({ type: 'processed', ...base });
        }
      }
    };

    const pollers = running.filter((r) => r.processor).map((r) => poll(r));

    return {
      url: base,
      port,
      routes: routeList,
      handle,
      async idle(timeoutMs = 60_000) {
        const until = Date.now() + timeoutMs;
        for (;;) {
          let quiet = true;
          for (const r of running) {
            const s = await status(r);
            if (!s || s.visible > 0 || s.hidden > 0 || r.inFlight > 0 || r.pendingDeadLetters.length > 0) quiet = false;
          }
          if (quiet) return;
          if (Date.now() > until) throw new Error(`The local receiver was not idle after ${timeoutMs} ms.`);
          await sleep(100);
        }
      },
      reload(receivers) {
        for (const r of running) {
          const next = receivers.find((s) => s.stack === r.spec.stack && s.path === r.spec.path)?.processor;
          if (!next || !r.processor || r.processor.given) continue;
          r.processor.codeDir = next.codeDir;
          r.processor.handler = next.handler;
          r.processor.stale = true;
          if (options.watchProcessors) watchProcessor(r);
          options.onEvent({ type: 'reloaded', receiver: r.spec.path, codeDir: next.codeDir });
        }
      },
      async stop() {
        stopping.abort();
        for (const r of running) r.watcher?.close();
        await Promise.allSettled(pollers);
        await new Promise<void>((resolve) => {
          server!.close(() => resolve());
          server!.closeAllConnections();
        });
        for (const remove of removers) remove();
        dynamodb.destroy();
        sqs.destroy();
        s3.destroy();
        await emulators.close();
      },
    };
  } catch (error) {
    stopping.abort();
    if (server?.listening) server.close();
    for (const remove of removers) remove();
    await emulators.close();
    throw error;
  }
}

function eventInfo(body: string | undefined): EventInfo {
  try {
    const envelope = JSON.parse(body ?? '');
    return { provider: envelope.provider, deliveryId: envelope.deliveryId, eventType: envelope.eventType };
  } catch {
    return {};
  }
}

function splitHandler(handler: string): [string, string] {
  const slash = handler.lastIndexOf('/');
  const dot = handler.indexOf('.', slash + 1);
  if (dot < 0) throw new CommandError(`The processor's handler "${handler}" is not <file>.<export>.`);
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

/** A module loaded anew (its directory's modules dropped from the require cache first), as a new container would. */
function loadFresh(file: string): unknown {
  const dir = path.dirname(file);
  for (const key of Object.keys(require.cache)) if (key.startsWith(`${dir}${path.sep}`)) delete require.cache[key];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file);
}

let importCount = 0;
/** The handler's module: CommonJS through require (fresh), ES modules through import() with a new URL each time. */
async function loadHandlerModule(codeDir: string, file: string): Promise<unknown> {
  for (const ext of ['.js', '.cjs', '.mjs']) {
    const candidate = path.join(codeDir, `${file}${ext}`);
    if (!existsSync(candidate)) continue;
    if (ext !== '.mjs') {
      try {
        return loadFresh(candidate);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw error;
      }
    }
    const dynamicImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;
    const { pathToFileURL } = await import('node:url');
    return dynamicImport(`${pathToFileURL(candidate).href}?v=${++importCount}`);
  }
  throw new CommandError(`The processor's handler file ${file} (.js, .cjs or .mjs) is not in ${codeDir}.`);
}

/** A layer's Node.js modules on the module path, as Lambda puts /opt/nodejs/node_modules on NODE_PATH. */
function addLayer(dir: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const paths: string[] = require('node:module').globalPaths;
  for (const sub of ['nodejs/node_modules', 'nodejs/node24/node_modules']) {
    const full = path.join(dir, sub);
    if (!paths.includes(full)) paths.push(full);
  }
}
