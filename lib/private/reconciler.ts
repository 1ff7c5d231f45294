/**
 * The receiver's reconciler: one Lambda function (the shipped `assets/reconciler` bundle), created with the first
 * reconciled provider, and one EventBridge schedule per reconciled provider that invokes it with
 * `{ provider: <id> }`. Its role may write its own log group, claim and record events in the inbox (and keep the
 * cursor records there), send to the queue, and read the reconciled providers' credential secrets (AWSCURRENT):
 * nothing else, and never a signing secret.
 */
import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MetricsConfig } from '../../contract/config';
import { RECONCILER_CONFIG_ENV, type ReconcileProviderConfig, type ReconcilerConfig } from '../../contract/reconcile';
import { acknowledge } from './nag';
import type { ReconcileSettings } from './reconcile';
import { DATA_KEY_GRANTS } from './security';

export interface ReconcilerProps {
  readonly code: string;
  readonly table: dynamodb.ITable;
  readonly queue: sqs.IQueue;
  readonly maxMessageBytes: number;
  readonly leaseSeconds: number;
  readonly metrics: MetricsConfig;
  readonly logRetention: logs.RetentionDays;
  readonly logGroupName?: string;
  readonly encryptionKey?: kms.IKey;
  readonly tracing: boolean;
}

/** How long one run may take; a run that needs longer resumes in the next one from its cursor. */
export const RECONCILER_TIMEOUT = Duration.minutes(5);

export class Reconciler extends Construct {
  public readonly function: lambda.Function;
  private readonly providers: ReconcileProviderConfig[] = [];

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { logGroupName: props.logGroupName, retention: props.logRetention, encryptionKey: props.encryptionKey });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'The webhook reconciler: its log group, the inbox, the queue and the providers\' API credentials.',
    });
    logGroup.grantWrite(role);
    const config = (): ReconcilerConfig => ({
      tableName: props.table.tableName,
      queueUrl: props.queue.queueUrl,
      maxMessageBytes: props.maxMessageBytes,
      leaseSeconds: props.leaseSeconds,
      metrics: props.metrics,
      providers: this.providers,
    });
    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(props.code),
      memorySize: 256,
      timeout: RECONCILER_TIMEOUT,
      description: 'Polls the providers\' APIs for events no webhook delivered (reconciliation).',
      logGroup,
      role,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : undefined,
      // A failed run is not retried by Lambda: the next scheduled run resumes from the cursor.
      retryAttempts: 0,
      environment: { [RECONCILER_CONFIG_ENV]: Lazy.string({ produce: () => Stack.of(this).toJsonString(config()) }) },
    });
    // Exactly the calls it makes: its cursor and the inbox lookups (GetItem), claims and cursor saves (PutItem),
    // enqueued (UpdateItem), release after a failed send (DeleteItem); the send itself.
    props.table.grant(this.function, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    props.queue.grant(this.function, 'sqs:SendMessage');
    if (props.encryptionKey) {
      const region = Stack.of(this).region;
      for (const [service, actions] of Object.entries(DATA_KEY_GRANTS.verifier)) {
        iam.Grant.addToPrincipal({
          grantee: this.function,
          actions: [...actions],
          resourceArns: [props.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `${service}.${region}.amazonaws.com` } },
        });
      }
    }
    const noDeadLetter =
      'A failed reconciliation run needs no dead-letter queue or failure destination: the schedule\'s event carries ' +
      'nothing but the provider id, the failure is counted (ReconcileRunFailed, and Lambda\'s Errors), and the next ' +
      'scheduled run resumes from the cursor saved after the last page handled.';
    acknowledge(this.function, 'Serverless-LambdaDLQ', noDeadLetter);
    acknowledge(this.function, 'Serverless-LambdaAsyncFailureDestination', noDeadLetter);
    if (!props.tracing) {
      acknowledge(this.function, 'Serverless-LambdaTracing', 'X-Ray tracing is opt-in (tracing: true), as it is billed per trace recorded.');
    } else {
      acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions: X-Ray requires "*".');
    }
  }

  /** Reconciles one more provider: its schedule, its part of the configuration, read access to its credential. */
  public addProvider(providerId: string, construct: string, settings: ReconcileSettings, dedupWindowSeconds: number, eventTypes: string[] | undefined): events.Rule {
    this.providers.push({
      id: providerId,
      kind: settings.kind,
      credentialSecretId: settings.credential.secretFullArn ?? settings.credential.secretName,
      settleDelaySeconds: settings.settleDelaySeconds,
      // The first run looks back one period, so it covers the time since the schedule started.
      initialLookbackSeconds: settings.every.toSeconds(),
      dedupWindowSeconds,
      ...(eventTypes ? { eventTypes } : {}),
      ...(settings.github ? { github: settings.github } : {}),
    });
    settings.credential.grantRead(this.function, ['AWSCURRENT']);
    const rule = new events.Rule(this, `Schedule${construct}`, {
      description: `Reconciles ${providerId}: finds events no webhook delivered.`,
      schedule: events.Schedule.rate(settings.every),
      targets: [new targets.LambdaFunction(this.function, { event: events.RuleTargetInput.fromObject({ provider: providerId }), retryAttempts: 0 })],
    });
    acknowledge(
      rule,
      'Serverless-EventBusDLQ',
      'A scheduled run that EventBridge could not deliver needs no dead-letter queue: its event is only the provider ' +
        'id, and the next scheduled run covers the same time from the cursor.',
    );
    return rule;
  }
}
