/**
 * Lambda entry point of the verifier. Clients and configuration are built once per container, at module
 * scope; `createVerifier` is exported so tests can hand in clients pointed at local endpoints.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { ApiGatewayEvent } from './request';
import type { VerifierConfig } from '../../contract/config';
import { jsonLogger } from '../shared/log';
import { emfMetrics } from '../shared/metrics';
import { loadConfig } from './config';
import { createVerifier, type VerifierHandler } from './handler';
import { Inbox } from './inbox';
import { s3BodyStore } from './body-store';
import { credentialHeaders, s3Archive } from './archive';
import { SecretCache } from './secrets';

export { createVerifier, toResponse } from './handler';
export { Inbox } from './inbox';
export { SecretCache } from './secrets';
export { loadConfig } from './config';
export { bodyObjectKey, s3BodyStore } from './body-store';
export { archivedHeaders, credentialHeaders, s3Archive } from './archive';
export { constantTimeEqual, constantTimeTokenEqual } from './auth';
export { jsonLogger } from '../shared/log';
export { emfMetrics } from '../shared/metrics';

/** Bounded time per AWS call, so an attempt always ends (and releases its claim) before the Lambda times out. */
const requestHandler = { connectionTimeout: 1_000, requestTimeout: 2_000 };

export const dynamodb = new DynamoDBClient({ maxAttempts: 3, requestHandler });
export const sqs = new SQSClient({ maxAttempts: 3, requestHandler });
export const secretsManager = new SecretsManagerClient({ maxAttempts: 3, requestHandler });

/**
 * The S3 module, beside this bundle (`s3.js`, built from `./s3.ts` and kept out of this file by esbuild), read on
 * first use.
 */
export function loadS3(): typeof import('./s3') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./s3.js') as typeof import('./s3');
}

/** The certificate schemes (`x509.js`, built from `./x509.ts`), read on first use by a PayPal or App Store route. */
export function loadX509(): typeof import('./x509') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./x509.js') as typeof import('./x509');
}

let s3: S3Client | undefined;
/**
 * The S3 client of the claim check, created (and its module loaded) on first use: a container that never stores
 * a body never loads it. `onS3Client` is called once with it when it is created (tests count its calls).
 */
export async function s3Client(): Promise<S3Client> {
  if (!s3) {
    const { S3Client } = loadS3();
    s3 = new S3Client({ maxAttempts: 3, requestHandler });
    s3Hooks.onCreate?.(s3);
  }
  return s3;
}
/** Whether the S3 client was created in this container. */
export function s3ClientCreated(): boolean {
  return s3 !== undefined;
}
export const s3Hooks: { onCreate?: (client: S3Client) => void } = {};

/** Builds the verifier from a configuration and the module's clients. */
export function verifierFromConfig(config: VerifierConfig): VerifierHandler {
  return createVerifier({
    config,
    inbox: new Inbox(dynamodb, config.tableName, config.leaseSeconds * 1000),
    secrets: new SecretCache(secretsManager, {
      maxAgeMs: config.secretMaxAgeSeconds * 1000,
      refreshMinIntervalMs: config.secretRefreshMinIntervalSeconds * 1000,
      previousGraceMs: config.previousSecretGraceSeconds === undefined ? undefined : config.previousSecretGraceSeconds * 1000,
    }),
    sqs,
    log: jsonLogger(),
    metrics: config.metrics ? emfMetrics(config.metrics) : undefined,
    bodyStore: config.bodyStore ? s3BodyStore(config.bodyStore, s3Client, () => loadS3().PutObjectCommand) : undefined,
    archive: config.archive ? archiveOf(config.archive) : undefined,
    certificates: loadX509,
  });
}

/** The archive of each request, in the configured bucket, through the S3 client created on first use. */
function archiveOf(config: NonNullable<VerifierConfig['archive']>): NonNullable<Parameters<typeof createVerifier>[0]['archive']> {
  const excluded = new Map<string, Set<string>>();
  return (provider, request) => {
    let names = excluded.get(provider.id);
    if (!names) excluded.set(provider.id, (names = credentialHeaders(provider)));
    return s3Archive(config, request, names, s3Client, () => loadS3().PutObjectCommand);
  };
}

let configured: VerifierHandler | undefined;

export async function handler(event: ApiGatewayEvent): Promise<APIGatewayProxyResult> {
  if (!configured) {
    // config.json beside this file: the construct stages it with the bundle.
    configured = verifierFromConfig(loadConfig(__dirname, process.env));
  }
  return configured(event);
}
