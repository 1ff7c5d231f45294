/**
 * The shipped verifier bundle (assets/verifier/index.js) loaded fresh, as a new Lambda container would load it,
 * behind several providers at once, against the emulators on loopback: a table, a queue and one secret per
 * provider of its own. Every AWS call the bundle's clients make is counted by command name, so a test can say
 * exactly which calls one request caused.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Envelope, ProviderConfig, VerifierConfig } from '../../contract/config';
import { assertNoSecret } from './secret-scan';
import { captureLogs, clients, createInboxTable, createQueue, createSecret, drain, loadBundle, scanTable, useEmulatorsForDefaultClients } from './aws';

export type VerifierModule = typeof import('../../lambda/verifier/index');

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | number | boolean>;
  /** The raw response body. */
  readonly text: string;
  /** The response body parsed as JSON, when it is JSON. */
  readonly body: any;
  /** The verifier's log lines for this request. */
  readonly logs: string[];
  /** The AWS calls this request caused, by command name (e.g. `PutItemCommand`). */
  readonly calls: Record<string, number>;
}

export interface VerifierUnderTest {
  /** The loaded bundle. */
  readonly module: VerifierModule;
  readonly config: VerifierConfig;
  /** Each provider's secret ARN, by route path. */
  readonly secretArns: Record<string, string>;
  /** Sends one event to the handler; never throws for a handled request (the handler's own rejection propagates). */
  send(event: APIGatewayProxyEvent): Promise<Answer>;
  /** Every message now in the queue, parsed (each received once). */
  messages(): Promise<Envelope[]>;
  /** How many inbox records exist. */
  records(): Promise<number>;
}

export interface ProviderUnderTest {
  /** The secret's string value. */
  readonly secret: string;
  /** The provider's configuration, without its secret id. */
  readonly config: Omit<ProviderConfig, 'secretId'>;
}

/**
 * Sets up the bundle behind these providers (keyed by route path). Call in `beforeAll`. `bundleDir`: a copy of
 * assets/verifier to load instead.
 */
export async function verifierUnderTest(
  providers: Record<string, ProviderUnderTest>,
  overrides: Partial<VerifierConfig> = {},
  bundleDir?: string,
): Promise<VerifierUnderTest> {
  useEmulatorsForDefaultClients();
  const aws = clients();
  const tableName = await createInboxTable(aws.dynamodb);
  const queue = await createQueue(aws.sqs);
  const secretArns: Record<string, string> = {};
  const configured: Record<string, ProviderConfig> = {};
  for (const [path, provider] of Object.entries(providers)) {
    secretArns[path] = await createSecret(aws.secretsManager, provider.secret);
    configured[path] = { ...provider.config, secretId: secretArns[path] };
  }
  const config: VerifierConfig = {
    tableName,
    queueUrl: queue.url,
    maxBodyBytes: 256 * 1024,
    maxMessageBytes: 1024 * 1024,
    leaseSeconds: 20,
    secretMaxAgeSeconds: 300,
    secretRefreshMinIntervalSeconds: 30,
    providers: configured,
    ...overrides,
  };
  const module = loadBundle<VerifierModule>('verifier', bundleDir);
  const counts: Record<string, number> = {};
  for (const client of [module.dynamodb, module.sqs, module.secretsManager] as const) {
    (client.middlewareStack as { add: (m: unknown, o: unknown) => void }).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) => async (args: unknown) => {
        counts[context.commandName] = (counts[context.commandName] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'testCallCounter' },
    );
  }
  const handler = module.verifierFromConfig(config);
  return {
    module,
    config,
    secretArns,
    async send(event) {
      const before = { ...counts };
      const { result, lines } = await captureLogs<APIGatewayProxyResult>(() => handler(event));
      const calls = Object.fromEntries(
        Object.entries(counts)
          .map(([name, n]) => [name, n - (before[name] ?? 0)] as const)
          .filter(([, n]) => n !== 0),
      );
      let body: unknown;
      try {
        body = JSON.parse(result.body);
      } catch {
        body = undefined;
      }
      return { status: result.statusCode, headers: result.headers ?? {}, text: result.body, body, logs: lines, calls };
    },
    async messages() {
      const texts = (await drain(aws.sqs, queue.url)).map((m) => m.Body!);
      // No message may carry a secret of any provider behind this verifier (secret-scan.ts).
      const secrets = Object.values(providers).map((p) => p.secret);
      for (const text of texts) assertNoSecret(text, secrets, 'verifier under test');
      return texts.map((text) => JSON.parse(text) as Envelope);
    },
    async records() {
      return (await scanTable(aws.dynamodb, tableName)).length;
    },
  };
}

/** The calls that write something: a record in the inbox or a message in the queue. */
export function writesIn(calls: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(calls).filter(([name]) => /^(PutItem|UpdateItem|DeleteItem|SendMessage|SendMessageBatch)Command$/.test(name)));
}
