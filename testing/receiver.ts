/**
 * The test kit's in-process receiver (`cdk-webhook-receiver/testing`): a processor author's unit test signs a
 * request (with the provider's own package, or the kit's signers), delivers it, and asserts what the processor did.
 * The request goes the whole way a deployed one goes: the shipped verifier (signature, screens, dedup in the inbox),
 * the queue (with the dead-letter queue and maxReceiveCount), and the processor FUNCTION the test passes in, called
 * as the SQS event source mapping calls it (batches, partial batch failures). The same engine as
 * `npx cdk-webhook-receiver dev` (cli/dev/engine.ts), with local stand-ins for DynamoDB, SQS and Secrets Manager
 * started once per process in a child process on 127.0.0.1 and shared by the receivers of the process, each with
 * tables and queues of its own (Node.js >= 22.5).
 *
 * The receiver is the one `WebhookReceiver` builds: from catalog provider ids (`providers: ['stripe']`), from your
 * own construct code (`build`), or from an app you synthesized (`assembly`). While it runs, it points the AWS SDK's
 * default clients of this process at the stand-ins (AWS_ENDPOINT_URL_DYNAMODB, ... ) and gives the processor the
 * environment the construct gives it (WEBHOOK_INBOX_TABLE, ...), as process.env; `stop()` puts process.env back.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { findReceivers, type ReceiverSpec } from '../cli/dev/assembly';
import { startEngine, type DevEvent, type Engine, type ProcessorFunction } from '../cli/dev/engine';
import { secretLookup } from '../cli/dev/secrets';

export type { DevEvent as TestReceiverEvent, ProcessorFunction } from '../cli/dev/engine';

export interface TestReceiverOptions {
  /**
   * Catalog providers to receive, by factory name (`'stripe'`, `'github'`, `'shopify'`, ...), each with default
   * options at its own path (`/stripe`). Use `build` for options, or for generic providers.
   */
  readonly providers?: string[];
  /**
   * Builds the receiver(s) in a stack of an in-memory app: `(stack, processor) => new WebhookReceiver(stack, 'Id',
   * { providers: [...], processor })`. The processor function given to it is a placeholder: `processor` below runs.
   */
  readonly build?: (stack: import('aws-cdk-lib').Stack, processor: import('aws-cdk-lib/aws-lambda').IFunction) => void;
  /** A cloud assembly directory (`cdk.out`) your app synthesized; every receiver in it runs, all with `processor`. */
  readonly assembly?: string;
  /** The processor: what `webhookProcessor(...)` from `cdk-webhook-receiver/runtime` returns (Lambda's SQS handler). */
  readonly processor: ProcessorFunction;
  /** Each provider's secret, as its Secrets Manager secret would hold it, by provider id (`{ stripe: 'whsec_...' }`). */
  readonly secrets: Record<string, string>;
  /** How soon a failed event is received again, in seconds. @default 1 */
  readonly visibilityTimeoutSeconds?: number;
  /** Also serve HTTP on this port of 127.0.0.1 (`url`). @default 0 (any free port) */
  readonly port?: number;
}

export interface TestRequest {
  /** The provider id (`'stripe'`); with several receivers, `'<receiver path>/<provider id>'`. */
  readonly provider: string;
  readonly headers?: Record<string, string | string[]>;
  /** The exact bytes; a string is sent as UTF-8. */
  readonly body?: string | Buffer;
  /** @default 'POST' */
  readonly method?: string;
  /** A query string, without `?`. */
  readonly query?: string;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface TestReceiver {
  /** `http://127.0.0.1:<port>`: the receiver also answers over HTTP. */
  readonly url: string;
  /** Each provider's URL. */
  readonly routes: Array<{ receiver: string; provider: string; url: string }>;
  /** Everything that happened so far: deliveries, processed, failed, dead-lettered events (see the dev server's --json). */
  readonly events: DevEvent[];
  /** Delivers one request through the verifier; resolves with its answer (the processor runs later, from the queue). */
  deliver(request: TestRequest): Promise<TestResponse>;
  /**
   * Resolves once the queue is empty, nothing is in flight and each event that failed its last receive is in the
   * dead-letter queue; rejects after `timeoutMs` (default 30 s).
   */
  idle(timeoutMs?: number): Promise<void>;
  /** Stops the processor, the server and the stand-ins; puts process.env back. */
  stop(): Promise<void>;
}

/** Starts an in-process receiver. Call `stop()` when done (in `afterAll`). */
export async function startTestReceiver(options: TestReceiverOptions): Promise<TestReceiver> {
  if (typeof options?.processor !== 'function') throw new Error('startTestReceiver: `processor` must be your processor function (what webhookProcessor(...) returns).');
  const ways = [options.providers !== undefined, options.build !== undefined, options.assembly !== undefined].filter(Boolean).length;
  if (ways !== 1) throw new Error('startTestReceiver: give exactly one of `providers` (catalog ids), `build` (your construct code) or `assembly` (a cdk.out directory).');
  if (options.secrets === null || typeof options.secrets !== 'object') throw new Error("startTestReceiver: `secrets` must map provider ids to secrets, e.g. { stripe: 'whsec_...' }.");
  const temporary: string[] = [];
  let receivers: ReceiverSpec[];
  if (options.assembly !== undefined) {
    receivers = findReceivers(path.resolve(options.assembly));
  } else {
    const outdir = mkdtempSync(path.join(tmpdir(), 'test-receiver-'));
    temporary.push(outdir);
    receivers = findReceivers(synthesizeInMemory(outdir, options));
  }
  const savedEnv = { ...process.env };
  const events: DevEvent[] = [];
  let engine: Engine;
  try {
    engine = await startEngine({
      receivers,
      port: options.port ?? 0,
      secrets: secretLookup({ generate: false, given: options.secrets, env: {} }),
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 1,
      onEvent: (event) => events.push(event),
      processorFor: () => options.processor,
      sharedStandIns: true,
    });
  } catch (error) {
    restoreEnv(savedEnv);
    for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const single = new Set(engine.routes.map((r) => r.receiver)).size === 1;
  return {
    url: engine.url,
    routes: engine.routes,
    events,
    async deliver(request) {
      const route = engine.routes.find((r) => (single && r.provider === request.provider) || `${r.receiver}/${r.provider}` === request.provider);
      if (!route) throw new Error(`No provider "${request.provider}" in this receiver; it has: ${engine.routes.map((r) => (single ? r.provider : `${r.receiver}/${r.provider}`)).join(', ')}.`);
      const pathname = new URL(route.url).pathname;
      const answer = await engine.handle({
        method: request.method ?? 'POST',
        path: request.query ? `${pathname}?${request.query}` : pathname,
        headers: request.headers,
        body: request.body,
      });
      let json: unknown;
      try {
        json = JSON.parse(answer.body);
      } catch {
        json = undefined;
      }
      return { ...answer, json };
    },
    idle: (timeoutMs = 30_000) => engine.idle(timeoutMs),
    async stop() {
      await engine.stop();
      restoreEnv(savedEnv);
      for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function restoreEnv(saved: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
}

/** An app with one stack: the receiver(s), and a placeholder processor whose code is never run. */
function synthesizeInMemory(outdir: string, options: TestReceiverOptions): string {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const lambda = require('aws-cdk-lib/aws-lambda') as typeof import('aws-cdk-lib/aws-lambda');
  const secretsmanager = require('aws-cdk-lib/aws-secretsmanager') as typeof import('aws-cdk-lib/aws-secretsmanager');
  const { WebhookProvider, WebhookReceiver } = require('../lib') as typeof import('../lib');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const code = path.join(outdir, 'placeholder-processor');
  mkdirSync(code);
  writeFileSync(path.join(code, 'index.js'), "exports.handler = async () => { throw new Error('placeholder: the test kit runs your function'); };\n");
  const app = new cdk.App({ outdir: path.join(outdir, 'cdk.out') });
  const stack = new cdk.Stack(app, 'TestReceiver');
  const processor = new lambda.Function(stack, 'Processor', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromAsset(code) });
  if (options.build) {
    options.build(stack, processor);
  } else {
    const factories = WebhookProvider as unknown as Record<string, (o: { secret: unknown }) => import('../lib').WebhookProvider>;
    const providers = options.providers!.map((id) => {
      if (typeof factories[id] !== 'function' || ['hmac', 'catalog'].includes(id)) throw new Error(`startTestReceiver: "${id}" is not a catalog provider (WebhookProvider.${id}() does not exist); use \`build\` for other providers.`);
      return factories[id]({ secret: secretsmanager.Secret.fromSecretNameV2(stack, `${id}Secret`, `webhooks/${id}`) });
    });
    new WebhookReceiver(stack, 'Receiver', { providers, processor });
  }
  app.synth();
  return path.join(outdir, 'cdk.out');
}
