/**
 * Lambda entry point of the verifier. Clients and configuration are built once per container, at module
 * scope; `createVerifier` is exported so tests can hand in clients pointed at local endpoints.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { CONFIG_ENV, type VerifierConfig } from '../../contract/config';
import { jsonLogger } from '../shared/log';
import { emfMetrics } from '../shared/metrics';
import { createVerifier, type VerifierHandler } from './handler';
import { Inbox } from './inbox';
import { SecretCache } from './secrets';

export { createVerifier, toResponse } from './handler';
export { Inbox } from './inbox';
export { SecretCache } from './secrets';
export { constantTimeEqual, constantTimeTokenEqual } from './auth';
export { jsonLogger } from '../shared/log';
export { emfMetrics } from '../shared/metrics';

/** Bounded time per AWS call, so an attempt always ends (and releases its claim) before the Lambda times out. */
const requestHandler = { connectionTimeout: 1_000, requestTimeout: 2_000 };

export const dynamodb = new DynamoDBClient({ maxAttempts: 3, requestHandler });
export const sqs = new SQSClient({ maxAttempts: 3, requestHandler });
export const secretsManager = new SecretsManagerClient({ maxAttempts: 3, requestHandler });

/** Builds the verifier from a configuration and the module's clients. */
export function verifierFromConfig(config: VerifierConfig): VerifierHandler {
  return createVerifier({
    config,
    inbox: new Inbox(dynamodb, config.tableName, config.leaseSeconds * 1000),
    secrets: new SecretCache(secretsManager, {
      maxAgeMs: config.secretMaxAgeSeconds * 1000,
      refreshMinIntervalMs: config.secretRefreshMinIntervalSeconds * 1000,
    }),
    sqs,
    log: jsonLogger(),
    metrics: config.metrics ? emfMetrics(config.metrics) : undefined,
  });
}

let configured: VerifierHandler | undefined;

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  if (!configured) {
    const raw = process.env[CONFIG_ENV];
    if (!raw) throw new Error(`${CONFIG_ENV} is not set.`);
    configured = verifierFromConfig(JSON.parse(raw) as VerifierConfig);
  }
  return configured(event);
}
