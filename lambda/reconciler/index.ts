/**
 * Lambda entry point of the reconciler, invoked by each reconciled provider's schedule with `{ provider }`.
 * Clients and configuration are built once per container, at module scope; `createReconciler` is exported so
 * tests can hand in clients, `fetch` and a clock of their own.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { RECONCILER_CONFIG_ENV, type ReconcileRunEvent, type ReconcilerConfig } from '../../contract/reconcile';
import { jsonLogger } from '../shared/log';
import { emfMetrics } from '../shared/metrics';
import { CredentialStore } from './credential';
import { createReconciler, type ProviderRunResult, type ReconcilerHandler, type RunContext } from './reconciler';

export { createReconciler } from './reconciler';
export { CredentialStore } from './credential';
export { jsonLogger } from '../shared/log';
export { emfMetrics } from '../shared/metrics';

const requestHandler = { connectionTimeout: 2_000, requestTimeout: 5_000 };
export const dynamodb = new DynamoDBClient({ maxAttempts: 3, requestHandler });
export const sqs = new SQSClient({ maxAttempts: 3, requestHandler });
export const secretsManager = new SecretsManagerClient({ maxAttempts: 3, requestHandler });

/** The configuration the construct puts in the environment. */
export function loadReconcilerConfig(env: NodeJS.ProcessEnv): ReconcilerConfig {
  const text = env[RECONCILER_CONFIG_ENV];
  if (!text) throw new Error(`${RECONCILER_CONFIG_ENV} is not set.`);
  return JSON.parse(text) as ReconcilerConfig;
}

let configured: ReconcilerHandler | undefined;

export async function handler(event: Partial<ReconcileRunEvent> | undefined, context: RunContext): Promise<ProviderRunResult[]> {
  if (!configured) {
    const config = loadReconcilerConfig(process.env);
    configured = createReconciler({
      config,
      dynamodb,
      sqs,
      credentials: new CredentialStore(secretsManager),
      log: jsonLogger(),
      metrics: config.metrics ? emfMetrics(config.metrics) : undefined,
    });
  }
  return configured(event, context);
}
