/**
 * One catalog provider behind the shipped verifier bundle, against the emulators on loopback: a table, a
 * queue and a secret of its own. Provider tests sign requests with the provider's own package (or its
 * published vectors) and assert what the verifier answers and what reaches the queue.
 */
import type { ProviderConfig } from '../../contract/config';
import type { Envelope } from '../../contract/config';
import { assertNoSecret } from './secret-scan';
import { apiEvent, captureLogs, clients, createInboxTable, createQueue, createSecret, drain, rotateSecret, scanTable, useEmulatorsForDefaultClients, type RequestOptions } from './aws';

type VerifierModule = typeof import('../../lambda/verifier/index');

export interface HarnessOptions {
  /** The secret's string value (signing secret, public key, token, or JSON as the README describes). */
  readonly secret: string;
  /** @default the kind */
  readonly id?: string;
  readonly toleranceSeconds?: number;
  /** For providers that sign their URL. @default `https://hooks.example.com/webhooks/<id>` */
  readonly publicUrl?: string;
  /** For `custom` providers. */
  readonly config?: Partial<ProviderConfig>;
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | number | boolean>;
  /** The raw response body. */
  readonly text: string;
  /** The response body parsed as JSON, when it is JSON. */
  readonly body: any;
  /** The verifier's log lines for this request. */
  readonly logs: string[];
}

export interface Harness {
  readonly id: string;
  readonly resource: string;
  readonly publicUrl: string;
  readonly secretArn: string;
  /** Sends one request (an API Gateway REST proxy event; body base64 as with binary media types). */
  send(request: Omit<RequestOptions, 'resource'> & { query?: Record<string, string> }): Promise<Answer>;
  /** Every message now in the queue, parsed (each received once). */
  messages(): Promise<Envelope[]>;
  /** How many inbox records exist. */
  records(): Promise<number>;
  /** Puts a new AWSCURRENT version; the old one becomes AWSPREVIOUS. */
  rotate(value: string): Promise<void>;
}

/** Each harness of this test file: its secrets so far, and a drain of what is left in its queue. */
const created: Array<{ id: string; secrets: string[]; drainRest: () => Promise<string[]> }> = [];

// The secret scan of every message no test read: what is left in each harness's queue after the file's tests.
afterAll(async () => {
  for (const harness of created) {
    for (const text of await harness.drainRest()) assertNoSecret(text, harness.secrets, `${harness.id} (left in the queue)`);
  }
});

/** Sets up one provider of `kind` with its own table, queue and secret. Call in `beforeAll`. */
export async function providerHarness(kind: string, options: HarnessOptions): Promise<Harness> {
  useEmulatorsForDefaultClients();
  const aws = clients();
  const id = options.id ?? kind;
  const resource = `/${id}`;
  const publicUrl = options.publicUrl ?? `https://hooks.example.com/webhooks/${id}`;
  const tableName = await createInboxTable(aws.dynamodb);
  const queue = await createQueue(aws.sqs);
  const secretArn = await createSecret(aws.secretsManager, options.secret);
  let verifier: VerifierModule | undefined;
  jest.isolateModules(() => {
    verifier = require('../../assets/verifier/index.js') as VerifierModule;
  });
  const handler = verifier!.verifierFromConfig({
    tableName,
    queueUrl: queue.url,
    maxBodyBytes: 256 * 1024,
    maxMessageBytes: 1024 * 1024,
    leaseSeconds: 20,
    secretMaxAgeSeconds: 300,
    secretRefreshMinIntervalSeconds: 30,
    providers: {
      [resource]: {
        id,
        kind,
        secretId: secretArn,
        dedupWindowSeconds: 604800,
        toleranceSeconds: options.toleranceSeconds,
        publicUrl,
        ...options.config,
      },
    },
  });
  const secrets = [options.secret];
  created.push({ id, secrets, drainRest: async () => (await drain(aws.sqs, queue.url)).map((m) => m.Body!) });
  return {
    id,
    resource,
    publicUrl,
    secretArn,
    async send(request) {
      const event = apiEvent({ ...request, resource });
      const query = request.query;
      const withQuery = query
        ? {
            ...event,
            queryStringParameters: query,
            multiValueQueryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
          }
        : event;
      const { result, lines } = await captureLogs(() => handler(withQuery));
      let body: unknown;
      try {
        body = JSON.parse(result.body);
      } catch {
        body = undefined;
      }
      return { status: result.statusCode, headers: result.headers ?? {}, text: result.body, body, logs: lines };
    },
    async messages() {
      const texts = (await drain(aws.sqs, queue.url)).map((m) => m.Body!);
      // No message may carry a secret of this provider (secret-scan.ts).
      for (const text of texts) assertNoSecret(text, secrets, id);
      return texts.map((text) => JSON.parse(text) as Envelope);
    },
    async records() {
      return (await scanTable(aws.dynamodb, tableName)).length;
    },
    async rotate(value) {
      secrets.push(value);
      await rotateSecret(aws.secretsManager, secretArn, value);
    },
  };
}

/**
 * The rejection checks every provider must pass: a 401 with the expected code, no message, no record.
 */
export async function expectRejected(harness: Harness, request: Parameters<Harness['send']>[0], code: string): Promise<void> {
  const before = await harness.records();
  const answer = await harness.send(request);
  expect({ status: answer.status, error: answer.body?.error }).toEqual({ status: 401, error: code });
  expect(await harness.messages()).toEqual([]);
  expect(await harness.records()).toBe(before);
}

/** Bytes that are not valid UTF-8 inside an otherwise JSON-looking body. */
export function invalidUtf8Json(prefix = '{"note":"', suffix = '"}'): Buffer {
  return Buffer.concat([Buffer.from(prefix), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(suffix)]);
}
