import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Aspects, CfnOutput, Duration, Fn, Names, RemovalPolicy, Size, Stack, Token, type IAspect } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct, type IConstruct } from 'constructs';
import { WebhookReceiverBase, type WebhookReceiverAlarms, type WebhookReceiverMonitoringProps } from './monitoring';
import { WebhookProvider } from './provider';
import type { OrderingOptions } from './ordering';
import { checkOrderingOptions, orderingConfig, unknownEntityKeyProviders } from './private/ordering';
import { ApiType, type CustomDomainOptions } from './api';
import { mapCustomDomain, ReceiverHttpApi } from './private/http-api';
import { CONFIG_VALUES_ENV, DEFAULT_DEDUP_WINDOW_SECONDS, DEFAULT_PREVIOUS_SECRET_GRACE_SECONDS, INBOX_TABLE_ENV, type DeployTimeValue, type VerifierConfig } from '../contract/config';
import { DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADER_COUNT, MAX_INLINE_BODY_BYTES, MAX_LAMBDA_BODY_BYTES, MAX_MESSAGE_BYTES } from '../contract/limits';
import * as nag from './private/nag';
import { addOperatorOutputs, grantRedrive } from './private/operators';
import { addGatewayResponses, allowLogsToUseKey, createBodyBucket, createWebAcl, grantBodyBucket, grantDataKeyUse, SourceIpPolicy, throttleRoute } from './private/security';
import type { WafOptions } from './security';
import { DEFAULT_METRIC_NAMESPACE, METRICS_NAMESPACE_ENV, METRICS_RECEIVER_ENV } from '../contract/metric-names';
import { ReceiverMonitoring } from './private/monitoring';
import { Reconciler, type ReconcilerProps } from './private/reconciler';
import { checkArray, checkBoolean, checkDuration, checkInterface, checkNumber, checkOneOf, checkPropsObject, checkSize, checkString, describeValue } from './private/validate';
import { DeployTimeValues, StagedVerifierCode } from './private/verifier-code';
import type { ArchiveOptions } from './archive';
import { createArchiveBucket, DEFAULT_ARCHIVE_RETENTION_DAYS, grantArchiveWrite, grantInboxRead, grantReplay } from './private/archive';
import type { WebhookReceiverLogging } from './logging';
import { verifierLoggingConfig } from './private/logging';

/** How long an SQS message can live (the dead-letter queue's retention), added to the dedup window for stored bodies. */
const MAX_MESSAGE_RETENTION = Duration.days(14);
/** Lambda's limit for the whole environment of a function. */
const MAX_ENVIRONMENT_BYTES = 4 * 1024;

export interface WebhookReceiverProps extends WebhookReceiverMonitoringProps {
  /**
   * The provider this receiver serves. Give either `provider` or `providers`.
   *
   * @default - the providers in `providers`
   */
  readonly provider?: WebhookProvider;

  /**
   * Several providers, each at its own path with its own secret, sharing the table, queue and processor.
   *
   * @default - only `provider`
   */
  readonly providers?: WebhookProvider[];

  /** Your function that handles verified events, fed from the queue. */
  readonly processor: lambda.IFunction;

  /**
   * The processor's timeout, from which the queue's visibility timeout is derived (6x plus the batching window).
   *
   * @default - the processor's own timeout when it is a `lambda.Function` (3 seconds if it sets none);
   * required for an imported function
   */
  readonly processorTimeout?: Duration;

  /**
   * Events per processor invocation (1-10000).
   *
   * @default 10
   */
  readonly batchSize?: number;

  /**
   * How long Lambda gathers events before invoking the processor (at most 5 minutes).
   *
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * Most processor invocations the queue may drive at once (2-1000).
   *
   * @default - no limit beyond the function's own concurrency
   */
  readonly maxConcurrency?: number;

  /**
   * Failed receives after which an event moves to the dead-letter queue (1-1000).
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;

  /**
   * Largest request body accepted; larger bodies get 413 `body_too_large` before any AWS call. At most 4,669,440
   * bytes (about 4.45 MiB), the largest raw body a REST API's Lambda proxy integration can carry: 6 MiB of
   * invocation payload, the body in base64, 64 KiB kept for the event around it. Above 780,288 bytes (762 KiB), a
   * body that does not fit one SQS message is stored in S3 and the message carries a pointer to it (the claim
   * check): the receiver then creates `bodyBucket`.
   *
   * @default Size.kibibytes(256)
   */
  readonly maxBodySize?: Size;

  /**
   * How long bodies stored in S3 (the claim check) are kept before the bucket's lifecycle rule deletes them. Only
   * with a `maxBodySize` above 762 KiB.
   *
   * @default - the longest dedup window of the receiver's providers plus 14 days (the longest an SQS message can
   * wait in the dead-letter queue)
   */
  readonly bodyRetention?: Duration;

  /**
   * The kind of API that receives the webhooks. `ApiType.HTTP` costs about a third of a REST API per request, but
   * cannot be combined with `waf` or a provider's `allowedIpRanges`, and refuses a body that is not valid UTF-8
   * under a text media type (400 `body_not_byte_exact`; see `ApiType.HTTP`).
   *
   * @default ApiType.REST
   */
  readonly apiType?: ApiType;

  /**
   * A custom domain name for the API, with its ACM certificate. The URLs the providers are given (`urlFor`, the
   * stack outputs) and the public URL that URL-signing providers (Twilio, Square, HubSpot...) sign are then on
   * this domain. Point a DNS alias record at `domainName`'s regional domain name.
   *
   * @default - the API's own execute-api URL
   */
  readonly customDomain?: CustomDomainOptions;

  /**
   * Steady-state requests per second the API stage accepts.
   *
   * @default 100
   */
  readonly throttlingRateLimit?: number;

  /**
   * Burst of requests the API stage accepts.
   *
   * @default 200
   */
  readonly throttlingBurstLimit?: number;

  /**
   * The verifier's timeout. A claimed delivery is leased for this long plus 10 seconds, so no retry can take
   * it over while the attempt that claimed it may still be running.
   *
   * @default Duration.seconds(10)
   */
  readonly verifierTimeout?: Duration;

  /**
   * The verifier's memory.
   *
   * @default 256
   */
  readonly verifierMemorySize?: number;

  /**
   * Verifier instances kept initialized (Lambda provisioned concurrency), so that a delivery never waits for a cold
   * start: for providers that give up after a few seconds (Slack and Zoom 3 s, Shopify 5 s; see the README's
   * "Provider deadlines"). API Gateway then invokes an alias (`live`) of a published version that carries it
   * (1-10000). Billed per instance-hour whether or not webhooks arrive.
   *
   * @default - none: on-demand instances, with a cold start on the first delivery to a new instance
   */
  readonly verifierProvisionedConcurrency?: number;

  /**
   * How long the verifier caches secrets before reading them again.
   *
   * @default Duration.minutes(5)
   */
  readonly secretCacheMaxAge?: Duration;

  /**
   * How long after a rotation the secret's previous version (AWSPREVIOUS) still verifies, counted from the
   * creation of the AWSCURRENT version; after it, a signature by the previous version is refused as any mismatch
   * (401 `signature_mismatch`; logged as `previous_secret_expired`, counted as `RejectedExpiredPreviousSecret`).
   * `Duration.seconds(0)` refuses the previous version at once, for a leaked secret. At most 30 days. See the
   * README's rotation procedure: the period must cover `secretCacheMaxAge` plus the time to change the secret
   * at the provider.
   *
   * @default Duration.hours(24)
   */
  readonly previousSecretGracePeriod?: Duration;

  /**
   * Retention of the verifier's logs and the API's access logs.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What the verifier logs: Lambda's platform lines from this level up, and whether each accepted delivery gets a
   * line of its own (see `WebhookReceiverLogging`).
   *
   * @default - JSON log format; Lambda's platform lines at WARN and above (no START/END/REPORT); rejections,
   * failures and deliveries verified with a previous secret version logged, other accepted deliveries only counted
   */
  readonly logging?: WebhookReceiverLogging;

  /**
   * What happens to the inbox table when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly tableRemovalPolicy?: RemovalPolicy;

  /**
   * Name of the API stage (part of the endpoint URLs).
   *
   * @default 'webhooks'
   */
  readonly stageName?: string;

  /**
   * Create the account-wide IAM role a REST API needs to write logs. Set false when the account already has
   * one (only one is in force per account and region). An HTTP API writes its access logs without that role:
   * with `apiType: ApiType.HTTP` no role is created, and setting this to true is an error.
   *
   * @default true for a REST API; no role for an HTTP API
   */
  readonly apiGatewayCloudWatchRole?: boolean;

  /**
   * A customer managed KMS key that encrypts the inbox table, the queue and its dead-letter queue, and the
   * verifier's and the API's log groups. A key created in the same app gets the key policy statement CloudWatch
   * Logs needs; an imported key's policy must already allow it (a warning says so).
   *
   * @default - AWS managed encryption: the table with the DynamoDB AWS managed key, the queues with SQS-managed
   * keys (SSE-SQS), the log groups with CloudWatch Logs' own encryption
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Active X-Ray tracing of the verifier and the API stage.
   *
   * @default false
   */
  readonly tracing?: boolean;

  /**
   * An AWS WAF web ACL in front of the API stage, with a rate-based rule per client address.
   *
   * @default - no web ACL: the stage's and routes' throttling bound the request rate
   */
  readonly waf?: WafOptions;

  /**
   * Most request headers the verifier accepts (each value of a repeated header counts; API Gateway adds about
   * ten of its own); more get 431 `headers_too_large` before any AWS call (10-1000).
   *
   * @default 100
   */
  readonly maxHeaderCount?: number;

  /**
   * Most bytes of request headers the verifier accepts, counted as on the wire (`name: value` and CRLF each);
   * more get 431 `headers_too_large` before any AWS call (1-64 KiB). API Gateway itself refuses requests whose
   * request line and headers together exceed 10 KB.
   *
   * @default Size.kibibytes(16)
   */
  readonly maxHeaderSize?: Size;

  /**
   * Strict order per entity: the queue and the dead-letter queue are FIFO (high-throughput mode: deduplication
   * and throughput per message group), each event goes in the message group of its entity key, and its inbox key
   * is its deduplication id. Events of one entity reach the processor one at a time, in order; a failed one holds
   * its entity's later events back until it succeeds or moves to the dead-letter queue. Takes no
   * `maxBatchingWindow` (so a `batchSize` of at most 10). Turning it on or off replaces both queues: drain them first.
   *
   * @default - standard queues: events of one entity may be processed out of order and at the same time
   */
  readonly ordering?: OrderingOptions;

  /**
   * Keep a raw archive of verified requests in S3 (see the README's Archive section): one object per request whose
   * events are enqueued, written before they are sent (a failed write answers 503 and the provider retries), read
   * back by `npx cdk-webhook-receiver replay`.
   *
   * @default - no archive
   */
  readonly archive?: ArchiveOptions;
}

/**
 * A production webhook endpoint: API Gateway -> verifier Lambda (signature, idempotency) -> SQS -> your
 * processor, with a dead-letter queue, alarms and a dashboard.
 */
export class WebhookReceiver extends WebhookReceiverBase {
  /** The REST API, with one POST route per provider; undefined with `apiType: ApiType.HTTP` (see `httpApi`). */
  public readonly api?: apigateway.RestApi;
  /** The HTTP API, with one POST route per provider, when `apiType` is `ApiType.HTTP`. */
  public readonly httpApi?: apigatewayv2.HttpApi;
  /** The HTTP API's stage, when `apiType` is `ApiType.HTTP`. */
  public readonly httpStage?: apigatewayv2.HttpStage;
  /**
   * The REST API's custom domain, when `customDomain` is set: point a DNS alias record at it
   * (`route53_targets.ApiGatewayDomain`).
   */
  public readonly domainName?: apigateway.DomainName;
  /**
   * The HTTP API's custom domain, when `customDomain` is set with `apiType: ApiType.HTTP`: point a DNS alias record
   * at it (`route53_targets.ApiGatewayv2DomainProperties(regionalDomainName, regionalHostedZoneId)`).
   */
  public readonly httpDomainName?: apigatewayv2.DomainName;
  /**
   * The receiver's base URL, ending in `/`: a provider's endpoint is this URL followed by its id (see `urlFor`).
   * On the custom domain when `customDomain` is set.
   */
  public readonly url: string;
  /** The inbox: one record per delivery id, for idempotency and processing state. */
  public readonly table: dynamodb.Table;
  /** The queue of verified events. */
  public readonly queue: sqs.Queue;
  /** Where events rest after `maxReceiveCount` failed receives. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The function that verifies, deduplicates and enqueues. */
  public readonly verifier: lambda.Function;
  /** The verifier's alias that API Gateway invokes, with `verifierProvisionedConcurrency` instances kept initialized (when set). */
  public readonly verifierAlias?: lambda.Alias;
  /** Your processor. */
  public readonly processor: lambda.IFunction;
  /** The providers, in the order they were added. */
  public readonly providers: WebhookProvider[] = [];
  /**
   * The bucket of bodies too large for one queue message (the claim check), when `maxBodySize` is above 762 KiB:
   * encrypted (the `encryptionKey`, else S3-managed keys), TLS only, public access blocked, objects expiring after
   * `bodyRetention`.
   */
  public readonly bodyBucket?: s3.Bucket;
  /**
   * The raw archive's bucket, when `archive` is set: the bucket given in `archive.bucket`, or one the receiver
   * creates (encrypted, TLS only, public access blocked, objects expiring after `archive.retention`). Its name
   * is a stack output, read by `npx cdk-webhook-receiver replay`.
   */
  public readonly archiveBucket?: s3.IBucket;
  /** The WAF web ACL on the API stage, when `waf` is set. */
  public readonly webAcl?: wafv2.CfnWebACL;
  /** The alarms, and the "receiver unhealthy" composite over them (see docs/runbook.md). */
  public readonly alarms: WebhookReceiverAlarms;
  /** The receiver's dashboard, unless `dashboard: false`. */
  public readonly dashboard?: cloudwatch.Dashboard;

  private readonly integration?: apigateway.Integration;
  private readonly sourceIpPolicy?: SourceIpPolicy;
  private readonly receiverHttpApi?: ReceiverHttpApi;
  private readonly stageThrottling: { readonly throttlingRateLimit: number; readonly throttlingBurstLimit: number };
  private readonly endpointUrls = new Map<string, string>();
  private readonly verifierConfig: Omit<VerifierConfig, 'providers'>;
  private readonly verifierCode: StagedVerifierCode;
  private readonly stageName: string;
  private readonly onCustomDomain: boolean;
  private readonly monitoring: ReceiverMonitoring;
  private readonly bodyRetention?: Duration;
  private bodyLifecycleAdded = false;
  private readonly ordering?: OrderingOptions;
  private readonly archiveKey?: kms.IKey;
  private readonly archivePrefix: string;
  private readonly encryptionKey?: kms.IKey;
  private readonly reconcilerProps: Omit<ReconcilerProps, 'code'>;
  private reconcilerConstruct?: Reconciler;

  /**
   * @param scope the construct this receiver belongs to (usually the stack)
   * @param id the receiver's construct id: part of every resource's logical id, so renaming it replaces them
   * @param props the providers, your processor, and the settings
   */
  constructor(scope: Construct, id: string, props: WebhookReceiverProps) {
    super(scope, id, props);
    validateProps(props);
    this.ordering = props.ordering;
    if (props.ordering) {
      // Providers may be added after the constructor: the ids are checked once all are known.
      this.node.addValidation({
        validate: () => unknownEntityKeyProviders(props.ordering!, this.providers)
          .map((id) => `ordering.entityKeys names provider "${id}", which this receiver does not have; it has: ${this.providers.map((p) => p.id).join(', ')}.`),
      });
    }

    const providers = [...(props.provider ? [props.provider] : []), ...(props.providers ?? [])];
    const ownTimeout = props.processor instanceof lambda.Function ? props.processor.timeout ?? Duration.seconds(3) : undefined;
    const processorTimeout = props.processorTimeout ?? ownTimeout;
    if (props.processorTimeout && ownTimeout && !Token.isUnresolved(ownTimeout.toSeconds()) && !Token.isUnresolved(props.processorTimeout.toSeconds())
      && props.processorTimeout.toSeconds() < ownTimeout.toSeconds()) {
      throw new Error(`processorTimeout (${props.processorTimeout.toSeconds()} s) is shorter than the processor's own timeout (${ownTimeout.toSeconds()} s): the queue would hand out events that are still being processed. Leave processorTimeout unset.`);
    }
    if (processorTimeout === undefined) {
      throw new Error('processorTimeout is required when the processor is an imported function: the queue\'s visibility timeout is derived from it.');
    }
    const verifierTimeout = props.verifierTimeout ?? Duration.seconds(10);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.table = new dynamodb.Table(this, 'Inbox', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      encryption: props.encryptionKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.AWS_MANAGED,
      encryptionKey: props.encryptionKey,
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    const queueEncryption = props.encryptionKey ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED;
    // FIFO (ordering): deduplication ids are inbox keys, never the body's hash; scope and limit per message group
    // (high-throughput mode), as each group is one entity.
    const fifo = props.ordering
      ? { fifo: true, contentBasedDeduplication: false, deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP, fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID }
      : {};
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...(props.ordering ? { fifo: true, contentBasedDeduplication: false } : {}),
      encryption: queueEncryption,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
      retentionPeriod: Duration.days(14),
    });

    const maxReceiveCount = props.maxReceiveCount ?? 5;
    const visibilityTimeout = Duration.seconds(6 * processorTimeout.toSeconds() + (props.maxBatchingWindow?.toSeconds() ?? 0));
    if (!Token.isUnresolved(visibilityTimeout.toSeconds()) && visibilityTimeout.toSeconds() > 43200) {
      throw new Error(`The queue's visibility timeout would be ${visibilityTimeout.toSeconds()} s (6x processorTimeout plus maxBatchingWindow); SQS allows at most 43200 s. Lower processorTimeout.`);
    }
    nag.acknowledgeDeadLetterQueue(this.deadLetterQueue);
    this.queue = new sqs.Queue(this, 'Queue', {
      ...fifo,
      encryption: queueEncryption,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
      retentionPeriod: Duration.days(4),
      visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    const maxBodyBytes = (props.maxBodySize ?? Size.kibibytes(256)).toBytes();
    // A body of up to MAX_INLINE_BODY_BYTES always fits one message: only a larger limit needs the claim check.
    const bodyPrefix = Names.uniqueResourceName(this, { separator: '-', maxLength: 100 });
    if (Token.isUnresolved(maxBodyBytes) || maxBodyBytes > MAX_INLINE_BODY_BYTES) {
      this.bodyBucket = createBodyBucket(this, 'BodyBucket', props.encryptionKey);
      this.bodyRetention = props.bodyRetention;
    } else if (props.bodyRetention !== undefined) {
      Annotations.of(this).addWarningV2('cdk-webhook-receiver:bodyRetention', `bodyRetention has no effect: maxBodySize (${maxBodyBytes} bytes) always fits one queue message, so no body is stored in S3.`);
    }

    // The archive's objects are `<prefix>/<provider>/<yyyy>/<mm>/<dd>/...` (contract/archive.ts): the same prefix as
    // the stored bodies, unique to this receiver in the account.
    this.archivePrefix = bodyPrefix;
    this.encryptionKey = props.encryptionKey;
    if (props.archive) {
      this.archiveBucket = props.archive.bucket ?? createArchiveBucket(this, 'ArchiveBucket', props.encryptionKey, props.archive.retention ?? Duration.days(DEFAULT_ARCHIVE_RETENTION_DAYS));
      this.archiveKey = props.archive.bucket ? props.archive.bucket.encryptionKey : props.encryptionKey;
    }

    this.verifierConfig = {
      tableName: this.table.tableName,
      queueUrl: this.queue.queueUrl,
      maxBodyBytes,
      bodyStore: this.bodyBucket ? { bucket: this.bodyBucket.bucketName, prefix: bodyPrefix } : undefined,
      archive: this.archiveBucket ? { bucket: this.archiveBucket.bucketName, receiver: this.archivePrefix } : undefined,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      leaseSeconds: verifierTimeout.toSeconds() + 10,
      secretMaxAgeSeconds: (props.secretCacheMaxAge ?? Duration.minutes(5)).toSeconds(),
      secretRefreshMinIntervalSeconds: 30,
      previousSecretGraceSeconds: previousSecretGraceSeconds(props),
      ...headerLimits(props),
      metrics: {
        namespace: this.metricNamespace === DEFAULT_METRIC_NAMESPACE ? undefined : this.metricNamespace,
        receiver: this.metricReceiverName,
      },
    };
    // With a customer managed key the log groups are named, so that the key policy can name them.
    const logGroupNamePrefix = `/webhook-receiver/${Names.uniqueResourceName(this, { separator: '-', maxLength: 200 })}/`;
    const logGroupName = (suffix: string) => (props.encryptionKey ? `${logGroupNamePrefix}${suffix}` : undefined);
    if (props.encryptionKey) allowLogsToUseKey(this, props.encryptionKey, logGroupNamePrefix);
    const tracing = props.tracing ?? false;

    const verifierLogs = new logs.LogGroup(this, 'VerifierLogs', { logGroupName: logGroupName('verifier'), retention: logRetention, encryptionKey: props.encryptionKey });
    // Its own role, so it carries no AWS managed policy: it may write to its own log group and nothing else there.
    const verifierRole = new iam.Role(this, 'VerifierRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'The webhook verifier: its log group, the inbox, the queue and the providers\' secrets.',
    });
    verifierLogs.grantWrite(verifierRole);
    this.verifier = new lambda.Function(this, 'Verifier', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      // The shipped bundle and its config.json, staged when the app is synthesized (see stageVerifierCode).
      code: (this.verifierCode = new StagedVerifierCode(handlerAsset('verifier'))),
      memorySize: props.verifierMemorySize ?? 256,
      timeout: verifierTimeout,
      description: 'Verifies webhook signatures, deduplicates deliveries and enqueues them.',
      logGroup: verifierLogs,
      role: verifierRole,
      tracing: tracing ? lambda.Tracing.ACTIVE : undefined,
      ...verifierLoggingConfig(props.logging),
    });
    // After every provider is added, before the template is resolved: the configuration is final then.
    const receiver = this;
    Aspects.of(this).add({
      visit(node: IConstruct) {
        if (node === receiver) receiver.stageVerifierCode();
      },
    } satisfies IAspect);
    // Exactly the calls the verifier makes: claim (PutItem), enqueued (UpdateItem), release (DeleteItem), the holder's
    // record where DynamoDB does not return it (GetItem).
    this.table.grant(this.verifier, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem');
    // Only the call the verifier makes. Not grantSendMessages: it adds sqs:GetQueueAttributes and sqs:GetQueueUrl,
    // which the verifier never calls (it has the URL), and with a customer managed key kms:ReEncrypt* and
    // kms:GenerateDataKey* (grantDataKeyUse below grants the key by name, through SQS only).
    this.queue.grant(this.verifier, 'sqs:SendMessage');
    nag.acknowledgeVerifier(this.verifier, tracing);
    if (tracing) nag.acknowledgeTracingPolicy(verifierRole);
    this.reconcilerProps = {
      table: this.table,
      queue: this.queue,
      maxMessageBytes: this.verifierConfig.maxMessageBytes,
      leaseSeconds: this.verifierConfig.leaseSeconds,
      metrics: this.verifierConfig.metrics!,
      logRetention,
      logGroupName: logGroupName('reconciler'),
      encryptionKey: props.encryptionKey,
      tracing,
    };

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { logGroupName: logGroupName('access'), retention: logRetention, encryptionKey: props.encryptionKey });
    const throttling = { throttlingRateLimit: props.throttlingRateLimit ?? 100, throttlingBurstLimit: props.throttlingBurstLimit ?? 200 };
    this.stageName = props.stageName ?? 'webhooks';
    // What API Gateway invokes: the function, or with provisioned concurrency its alias that carries it.
    this.verifierAlias = props.verifierProvisionedConcurrency === undefined ? undefined
      : this.verifier.addAlias('live', { provisionedConcurrentExecutions: props.verifierProvisionedConcurrency });
    const verifierTarget: lambda.IFunction = this.verifierAlias ?? this.verifier;
    if ((props.apiType ?? ApiType.REST) === ApiType.REST) {
      const cloudWatchRole = props.apiGatewayCloudWatchRole ?? true;
      this.api = new apigateway.RestApi(this, 'Api', {
        // API Gateway's metrics know an API by its name: make it this receiver's own.
        restApiName: Names.uniqueResourceName(this, { separator: '-', maxLength: 255 }),
        description: 'Webhook endpoints: one POST route per provider.',
        endpointTypes: [apigateway.EndpointType.REGIONAL],
        // Every body arrives base64-encoded, byte for byte as sent: signatures are over raw bytes.
        binaryMediaTypes: ['*/*'],
        cloudWatchRole,
        // Other stacks of the account may rely on the role: keep it when this stack goes.
        cloudWatchRoleRemovalPolicy: cloudWatchRole ? RemovalPolicy.RETAIN : undefined,
        deployOptions: {
          stageName: this.stageName,
          ...throttling,
          tracingEnabled: tracing,
          metricsEnabled: true,
          loggingLevel: apigateway.MethodLoggingLevel.ERROR,
          // Never log request bodies: they are customer data.
          dataTraceEnabled: false,
          accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
          accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields({
            caller: false,
            httpMethod: true,
            ip: true,
            protocol: true,
            requestTime: true,
            resourcePath: true,
            responseLength: true,
            status: true,
            user: false,
          }),
        },
      });
      // Not a LambdaIntegration: it adds a Lambda permission per method, and Lambda's 20 KB resource policy holds
      // about 50 of them. One permission covers every route of the stage (added below).
      this.integration = new apigateway.AwsIntegration({
        proxy: true,
        service: 'lambda',
        path: `2015-03-31/functions/${verifierTarget.functionArn}/invocations`,
      });
      verifierTarget.addPermission('ApiInvoke', {
        principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        // Only this API's stage (not the console's test invocations), any method and route of it.
        sourceArn: this.api.arnForExecuteApi('*', '/*', this.stageName),
      });
      this.stageThrottling = throttling;
      this.sourceIpPolicy = new SourceIpPolicy(this.api);
      addGatewayResponses(this.api);
      nag.acknowledgeApi(this.api);
      const loggingRole = this.api.node.tryFindChild('CloudWatchRole');
      if (loggingRole) nag.acknowledgeApiGatewayLoggingRole(loggingRole);
      this.webAcl = props.waf ? createWebAcl(this, this.api.deploymentStage, props.waf) : undefined;
      nag.acknowledgeStage(this.api.deploymentStage, tracing, props.waf !== undefined);
    } else {
      // Refused at the start (validateProps): waf. Refused per provider (addProvider): allowedIpRanges.
      this.receiverHttpApi = new ReceiverHttpApi(this, { stageName: this.stageName, ...throttling, accessLogs, verifier: verifierTarget });
      this.httpApi = this.receiverHttpApi.api;
      this.httpStage = this.receiverHttpApi.stage;
      this.stageThrottling = throttling;
    }
    this.onCustomDomain = props.customDomain !== undefined;
    if (props.customDomain) {
      const mapped = mapCustomDomain(this, props.customDomain, { restApi: this.api, httpApi: this.receiverHttpApi });
      this.url = mapped.url;
      if (this.api) this.domainName = mapped.domain as apigateway.DomainName;
      else this.httpDomainName = mapped.domain as apigatewayv2.DomainName;
    } else {
      this.url = this.api ? this.api.url : this.receiverHttpApi!.url;
    }

    this.processor = props.processor;
    // The mapping SqsEventSource would create (same construct id), without its grantConsumeMessages: with a
    // customer managed key that grants kms:Decrypt on the key for any use. The Lambda service polls with the
    // processor's role and needs these three actions (AWS's AWSLambdaSQSQueueExecutionRole has the same), and
    // the key only through SQS (grantDataKeyUse).
    const mapping = this.processor.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(this.queue.node)}`, {
      eventSourceArn: this.queue.queueArn,
      batchSize: props.batchSize ?? 10,
      maxBatchingWindow: props.maxBatchingWindow,
      maxConcurrency: props.maxConcurrency,
      reportBatchItemFailures: true,
    });
    this.queue.grant(this.processor, 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes');
    nag.acknowledgeEventSourceMapping(mapping);
    this.table.grant(this.processor, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    grantDataKeyUse(props.encryptionKey, this.verifier, this.processor);
    if (this.bodyBucket) grantBodyBucket(this.bodyBucket, bodyPrefix, props.encryptionKey, this.verifier, this.processor);
    if (this.archiveBucket) grantArchiveWrite(this.archiveBucket, this.archivePrefix, this.archiveKey, this.verifier);
    if (this.processor instanceof lambda.Function) {
      this.processor.addEnvironment(INBOX_TABLE_ENV, this.table.tableName);
      this.processor.addEnvironment(METRICS_NAMESPACE_ENV, this.metricNamespace);
      this.processor.addEnvironment(METRICS_RECEIVER_ENV, this.metricReceiverName);
    } else {
      Annotations.of(this).addWarningV2(
        'cdk-webhook-receiver:processorEnvironment',
        `The processor is an imported function: set its ${INBOX_TABLE_ENV} environment variable to the inbox table name yourself, ` +
          `and ${METRICS_NAMESPACE_ENV}=${this.metricNamespace} and ${METRICS_RECEIVER_ENV}=${this.metricReceiverName} for its metrics.`,
      );
    }

    this.monitoring = new ReceiverMonitoring(this, 'Monitoring', {
      receiver: this,
      stage: this.api ? this.api.deploymentStage : this.httpStage!,
      verifier: this.verifier,
      processor: this.processor,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      retryHorizon: Duration.seconds(maxReceiveCount * visibilityTimeout.toSeconds()),
      options: props,
    });
    this.alarms = this.monitoring.alarms;
    this.dashboard = this.monitoring.dashboard;

    for (const provider of providers) {
      this.addProvider(provider);
    }

    // For operators and `npx cdk-webhook-receiver`: found by the receiver's construct path (contract/outputs.ts).
    addOperatorOutputs(this, {
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      tableName: this.table.tableName,
      archiveBucket: this.archiveBucket,
      archiveKeyPrefix: this.archivePrefix,
      bodyBucket: this.bodyBucket,
      bodyKeyPrefix: bodyPrefix,
    });
  }

  /**
   * Serves one more provider at its own path (`/<provider.id>`), with its own secret. Adds a route (a resource
   * and its methods) and read access to the provider's secret.
   */
  public addProvider(provider: WebhookProvider): void {
    checkProvider('addProvider(provider)', provider);
    if (this.verifierCode.isStaged) {
      throw new Error(`Provider "${provider.id}" is added after the app was synthesized; the verifier's configuration is staged then. Add providers before synthesis.`);
    }
    if (this.providers.some((p) => p.id === provider.id)) {
      throw new Error(`Provider id "${provider.id}" is used twice in this receiver; give one of them another id.`);
    }
    if (this.httpApi && provider.allowedIpRanges !== undefined) {
      throw new Error(`Provider "${provider.id}" sets allowedIpRanges, which needs a resource policy, and an HTTP API (apiType: ApiType.HTTP) has none. Use apiType: ApiType.REST, or leave allowedIpRanges unset (the signature still authenticates every request).`);
    }
    const url = `${this.url}${provider.id}`;
    // Check that the configuration still fits before anything changes, so a refused provider leaves no trace.
    this.checkEnvironmentSize(this.renderConfig([...this.providers, provider]).values);

    this.providers.push(provider);
    this.endpointUrls.set(provider.id, url);
    if (this.api) {
      const resource = this.api.root.addResource(provider.id);
      for (const method of provider.methods) {
        nag.acknowledgeRoute(resource.addMethod(method, this.integration));
      }
      this.sourceIpPolicy!.addRoute(provider.id, provider.allowedIpRanges);
      throttleRoute(this.api.deploymentStage, provider.id, provider.methods, this.stageThrottling, provider.throttlingRateLimit, provider.throttlingBurstLimit);
    } else {
      for (const route of this.receiverHttpApi!.addRoute(provider.id, provider.methods, provider.throttlingRateLimit, provider.throttlingBurstLimit)) {
        nag.acknowledgeRoute(route);
      }
    }
    this.monitoring.addProvider(provider.id);
    // Only the two versions the verifier reads, and only this secret.
    provider.secret?.grantRead(this.verifier, ['AWSCURRENT', 'AWSPREVIOUS']);
    const reconciliation = provider._reconciliation();
    if (reconciliation && this.ordering) {
      // The reconciler sends without a message group, which a FIFO queue refuses.
      throw new Error(`Provider ${provider.id}: reconcile cannot be combined with the receiver's ordering (FIFO queue) yet; use one or the other.`);
    }
    if (reconciliation) {
      this.reconcilerConstruct ??= new Reconciler(this, 'Reconciler', { ...this.reconcilerProps, code: handlerAsset('reconciler') });
      this.reconcilerConstruct.addProvider(provider.id, pascal(provider.id), reconciliation, provider.dedupWindow.toSeconds(), provider.eventTypes);
      this.monitoring.addReconciliation(provider.id);
    }
    new CfnOutput(this, `${pascal(provider.id)}Endpoint`, {
      description: `Webhook URL for ${provider.id}`,
      value: url,
    });
  }

  /**
   * The reconciler function (see `ReconciliationOptions`), created with the first provider that has `reconcile`;
   * undefined while none has.
   */
  public get reconciler(): lambda.IFunction | undefined {
    return this.reconcilerConstruct?.function;
  }

  /** The URL to give the provider with the given id. */
  public urlFor(providerId: string): string {
    const url = this.endpointUrls.get(providerId);
    if (url === undefined) {
      throw new Error(`No provider "${providerId}" in this receiver; it has: ${[...this.endpointUrls.keys()].join(', ') || 'none'}.`);
    }
    return url;
  }

  /**
   * Lets a principal run `npx cdk-webhook-receiver redrive`: move the dead-letter queue's messages back to the queue
   * (SQS's message-move task, or receive / send / delete), read them for `--dry-run`, and find the queues in this
   * stack's outputs. With an `encryptionKey`, its use through SQS only.
   */
  public grantRedrive(grantee: iam.IGrantable): iam.Grant {
    return grantRedrive(this, grantee, this.queue, this.deadLetterQueue, this.encryptionKey);
  }

  /** Lets a principal read and update the inbox records (for tools that inspect or repair deliveries). */
  public grantInboxReadWrite(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadWriteData(grantee);
  }

  /**
   * Lets a principal (an operator's role) replay archived requests with `npx cdk-webhook-receiver replay`: read the
   * receiver's stack outputs, list and read the archive, record each replayed event in the inbox with conditional
   * writes, send to the queue, store a body too large for one message in the body bucket (when the receiver has
   * one), and use the receiver's keys through those services only. Throws when the receiver has no archive.
   */
  public grantReplay(grantee: iam.IGrantable): iam.Grant {
    if (!this.archiveBucket) {
      throw new Error('grantReplay needs the raw archive, and this receiver keeps none: set its archive prop (e.g. archive: {}).');
    }
    return grantReplay(grantee, {
      archive: { bucket: this.archiveBucket, prefix: this.archivePrefix, key: this.archiveKey },
      table: this.table,
      queue: this.queue,
      key: this.encryptionKey,
      bodies: this.bodyBucket ? { bucket: this.bodyBucket, prefix: this.archivePrefix } : undefined,
      stack: Stack.of(this),
    });
  }

  /** Lets a principal read the inbox records (GetItem, Query, Scan), and decrypt them with the receiver's key. */
  public grantInboxRead(grantee: iam.IGrantable): iam.Grant {
    return grantInboxRead(grantee, this.table, this.encryptionKey);
  }

  /**
   * The verifier's configuration for these providers, with every deploy-time value lifted out. A secret created
   * in this stack is referred to by the `name-suffix` part of its ARN only; the verifier rebuilds the ARN.
   */
  private renderConfig(providers: WebhookProvider[]): { readonly file: unknown; readonly values: DeployTimeValues } {
    const values = new DeployTimeValues();
    const stack = Stack.of(this);
    // Lifted out only when used, so a receiver that needs none carries none.
    const arnPrefix = () => values.refString(`arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:`);
    // The stage's name as a literal, not the stage's Ref: the stage depends (through the deployment and the
    // methods) on this function, so its Ref in the function's environment would be a dependency cycle.
    // On the custom domain when there is one: the URL the provider is given is the one it signs.
    const apiUrl = () => values.refString(this.onCustomDomain ? this.url
      : `https://${this.api ? this.api.restApiId : this.httpApi!.apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${this.stageName}/`);
    const config: VerifierConfig = {
      ...this.verifierConfig,
      ...(this.ordering ? { ordering: orderingConfig(this.ordering, providers) } : {}),
      providers: Object.fromEntries(providers.map((p) => {
        const config = p._toConfig(PUBLIC_URL_PLACEHOLDER);
        return [`/${p.id}`, {
          ...config,
          secretId: p.secret ? (secretIdOf(p.secret, this, values, arnPrefix) as unknown as string) : undefined,
          publicUrl: config.publicUrl === PUBLIC_URL_PLACEHOLDER ? { $ref: [...apiUrl().$ref, p.id] } as unknown as string : config.publicUrl,
        }];
      })),
    };
    return { file: values.externalize(config), values };
  }

  private checkEnvironmentSize(values: DeployTimeValues): void {
    const estimate = values.estimateBytes() + CONFIG_VALUES_ENV.length + OTHER_ENVIRONMENT_BYTES;
    if (estimate > MAX_ENVIRONMENT_BYTES) {
      throw new Error(`The verifier's environment would be about ${estimate} bytes with ${this.providers.length + 1} providers; Lambda allows 4 KB of environment. Import the secrets by name or complete ARN (they then travel in the code asset), or split the providers over several receivers.`);
    }
  }

  /** Stages the verifier's code with its configuration file, and puts the deploy-time values in its environment. */
  private stageVerifierCode(): void {
    if (this.bodyBucket && !this.bodyLifecycleAdded) {
      // Now that every provider is known: their longest dedup window.
      const window = Math.max(...this.providers.map((p) => p._toConfig(PUBLIC_URL_PLACEHOLDER).dedupWindowSeconds ?? DEFAULT_DEDUP_WINDOW_SECONDS));
      const expiration = this.bodyRetention ?? Duration.days(Math.ceil(window / 86400) + MAX_MESSAGE_RETENTION.toDays());
      this.bodyBucket.addLifecycleRule({ id: 'ExpireStoredBodies', expiration, abortIncompleteMultipartUploadAfter: Duration.days(1) });
      this.bodyLifecycleAdded = true;
    }
    const { file, values } = this.renderConfig(this.providers);
    this.verifierCode.stage(this, 'VerifierCode', file, this.verifier.node.defaultChild as lambda.CfnFunction);
    this.verifier.addEnvironment(CONFIG_VALUES_ENV, values.render(this));
  }
}

/** What `_toConfig` is given as the route's URL, replaced by a reference to the API's URL. */
const PUBLIC_URL_PLACEHOLDER = 'https://route.invalid';
/** Room kept for the verifier's other environment variables (none today but Lambda's own). */
const OTHER_ENVIRONMENT_BYTES = 256;

/**
 * How the verifier names a provider's secret: a secret imported by name, by its name (a partial ARN may not
 * resolve); one created in this stack by the prefix shared by all (partition, region, account) and its own
 * `name-suffix`, cut from its ARN at deploy time; any other by its complete ARN.
 */
function secretIdOf(secret: secretsmanager.ISecret, receiver: Construct, values: DeployTimeValues, arnPrefix: () => DeployTimeValue): string | DeployTimeValue {
  const arn = secret.secretFullArn;
  if (arn === undefined) return secret.secretName;
  if (!Token.isUnresolved(arn)) return arn;
  if (secret instanceof secretsmanager.Secret && Stack.of(secret) === Stack.of(receiver)) {
    const cfn = secret.node.defaultChild as secretsmanager.CfnSecret;
    // CloudFormation names an unnamed secret `<logical id>-<12 random characters>`; the ARN adds `-<6 more>`.
    const name = cfn.name !== undefined && !Token.isUnresolved(cfn.name) ? cfn.name : `${Stack.of(secret).resolve(cfn.logicalId)}-xxxxxxxxxxxx`;
    const nameSuffix = Fn.select(6, Fn.split(':', arn));
    return { $ref: [...arnPrefix().$ref, values.indexOf(arn, nameSuffix, name.length + 7)] };
  }
  return values.refString(arn);
}

/** A provider given from JavaScript may be anything: say what it must be. */
function checkProvider(name: string, provider: unknown): void {
  if (!(provider instanceof WebhookProvider)) {
    throw new Error(`${name} must be a WebhookProvider made by one of its factories (e.g. WebhookProvider.stripe({ secret })), got ${describeValue(provider)}.`);
  }
}

/** Types first (for JavaScript callers, who have no compiler to check them), then ranges and combinations. */
function checkTypes(props: WebhookReceiverProps): void {
  checkPropsObject('WebhookReceiver', props, '{ provider: WebhookProvider.stripe({ secret }), processor: myFunction }');
  checkInterface('processor', props.processor, ['addEventSource', 'metricErrors'], 'a lambda.IFunction (your function that handles verified events, e.g. a lambda.Function)', true);
  if (props.provider !== undefined) checkProvider('provider', props.provider);
  checkArray('providers', props.providers, checkProvider);
  for (const name of ['processorTimeout', 'maxBatchingWindow', 'verifierTimeout', 'secretCacheMaxAge', 'previousSecretGracePeriod', 'bodyRetention'] as const) {
    checkDuration(name, props[name]);
  }
  checkSize('maxBodySize', props.maxBodySize);
  checkSize('maxHeaderSize', props.maxHeaderSize);
  for (const name of ['batchSize', 'maxConcurrency', 'maxReceiveCount', 'throttlingRateLimit', 'throttlingBurstLimit', 'verifierMemorySize', 'maxHeaderCount', 'verifierProvisionedConcurrency'] as const) {
    checkNumber(name, props[name]);
  }
  checkBoolean('apiGatewayCloudWatchRole', props.apiGatewayCloudWatchRole);
  checkBoolean('tracing', props.tracing);
  checkBoolean('dashboard', props.dashboard);
  verifierLoggingConfig(props.logging);
  checkString('stageName', props.stageName);
  checkString('metricNamespace', props.metricNamespace);
  checkNumber('logRetention', props.logRetention);
  checkOneOf('tableRemovalPolicy', props.tableRemovalPolicy, Object.values(RemovalPolicy), 'a RemovalPolicy (e.g. RemovalPolicy.RETAIN)');
  checkInterface('encryptionKey', props.encryptionKey, ['grant', 'addToResourcePolicy'], 'a kms.IKey (e.g. a kms.Key)', false);
  checkArray('alarmActions', props.alarmActions, (name, action) =>
    checkInterface(name, action, ['bind'], 'a cloudwatch.IAlarmAction (e.g. new cloudwatch_actions.SnsAction(topic))', true));
  if (props.alarms !== undefined && (typeof props.alarms !== 'object' || props.alarms === null || Array.isArray(props.alarms))) {
    throw new Error(`alarms must be an object of alarm options (e.g. { deadLetterQueue: { threshold: 5 } }), got ${describeValue(props.alarms)}.`);
  }
  if (props.archive !== undefined) {
    checkPropsObject('archive', props.archive, '{ retention: Duration.days(365) }');
    checkDuration('archive.retention', props.archive.retention);
    checkInterface('archive.bucket', props.archive.bucket, ['arnForObjects', 'grantRead'], 'an s3.IBucket (e.g. an s3.Bucket)', false);
  }
  checkOneOf('apiType', props.apiType, Object.values(ApiType), 'an ApiType (ApiType.REST or ApiType.HTTP)');
  if (props.customDomain !== undefined) {
    checkPropsObject('customDomain', props.customDomain, "{ domainName: 'hooks.example.com', certificate }");
    checkString('customDomain.domainName', props.customDomain.domainName);
    checkInterface('customDomain.certificate', props.customDomain.certificate, ['metricDaysToExpiry'], 'an acm.ICertificate (e.g. acm.Certificate.fromCertificateArn(...))', true);
    checkString('customDomain.basePath', props.customDomain.basePath);
  }
  if (props.waf !== undefined) {
    checkPropsObject('waf', props.waf, '{ rateLimit: 1000 }');
    checkNumber('waf.rateLimit', props.waf.rateLimit);
    if (props.waf.rateLimit === undefined) throw new Error('waf.rateLimit is required: requests per client address per window (at least 10).');
    checkDuration('waf.rateLimitWindow', props.waf.rateLimitWindow);
    checkBoolean('waf.blockIpReputationList', props.waf.blockIpReputationList);
  }
}

/** The grace period in seconds, left out of the configuration when it is the default (4 KB of environment). */
function previousSecretGraceSeconds(props: WebhookReceiverProps): number | undefined {
  const value = props.previousSecretGracePeriod?.toSeconds();
  return value === undefined || value === DEFAULT_PREVIOUS_SECRET_GRACE_SECONDS ? undefined : value;
}

function validateProps(props: WebhookReceiverProps): void {
  checkTypes(props);
  if (!props.provider && (!props.providers || props.providers.length === 0)) {
    throw new Error('A WebhookReceiver needs at least one provider: set provider or providers.');
  }
  if (props.provider && props.providers) {
    throw new Error('Set provider or providers, not both.');
  }
  if (props.apiType === ApiType.HTTP && props.waf !== undefined) {
    throw new Error('apiType: ApiType.HTTP cannot be combined with waf: AWS WAF protects REST APIs only, not HTTP APIs. Use apiType: ApiType.REST to keep the web ACL, or remove waf (the stage\'s throttling still bounds the request rate).');
  }
  if (props.apiType === ApiType.HTTP && props.apiGatewayCloudWatchRole === true) {
    throw new Error('apiType: ApiType.HTTP cannot be combined with apiGatewayCloudWatchRole: true: the account role is for REST APIs\' logs, and an HTTP API writes its access logs without it. Remove apiGatewayCloudWatchRole.');
  }
  checkCustomDomain(props.customDomain);
  checkRange('batchSize', props.batchSize, 1, 10000);
  checkRange('maxConcurrency', props.maxConcurrency, 2, 1000);
  checkRange('maxReceiveCount', props.maxReceiveCount, 1, 1000);
  checkRange('throttlingRateLimit', props.throttlingRateLimit, 1, 10000);
  checkRange('throttlingBurstLimit', props.throttlingBurstLimit, 1, 5000);
  checkRange('verifierMemorySize', props.verifierMemorySize, 128, 10240);
  checkRange('verifierProvisionedConcurrency', props.verifierProvisionedConcurrency, 1, 10000);
  const maxBody = props.maxBodySize?.toBytes();
  checkRange('maxBodySize (bytes)', maxBody, 1, MAX_LAMBDA_BODY_BYTES);
  const timeout = props.verifierTimeout?.toSeconds();
  checkRange('verifierTimeout (seconds)', timeout, 3, 29);
  checkRange('maxBatchingWindow (seconds)', props.maxBatchingWindow?.toSeconds(), 0, 300);
  if ((props.batchSize ?? 10) > 10 && (props.maxBatchingWindow?.toSeconds() ?? 0) < 1) {
    throw new Error(`batchSize ${props.batchSize} is above 10, which SQS allows only with a maxBatchingWindow of at least 1 second.`);
  }
  checkRange('secretCacheMaxAge (seconds)', props.secretCacheMaxAge?.toSeconds(), 1, 3600);
  checkRange('previousSecretGracePeriod (seconds)', props.previousSecretGracePeriod?.toSeconds(), 0, 30 * 86400);
  checkRange('bodyRetention (days)', props.bodyRetention?.toDays({ integral: false }), 1, 3650);
  checkRange('maxHeaderCount', props.maxHeaderCount, 10, 1000);
  checkRange('archive.retention (days)', props.archive?.retention?.toDays({ integral: false }), 1, 3650);
  if (props.archive?.bucket && props.archive.retention) {
    throw new Error('archive.retention applies to the bucket the receiver creates; archive.bucket is yours: give it a lifecycle rule of your own, and leave retention unset.');
  }
  checkRange('maxHeaderSize (bytes)', props.maxHeaderSize?.toBytes(), 1024, 64 * 1024);
  if (props.ordering !== undefined) {
    checkOrderingOptions(props.ordering);
    if (props.maxBatchingWindow !== undefined) {
      throw new Error('maxBatchingWindow cannot be set with ordering: Lambda takes no batching window from a FIFO queue.');
    }
  }
}

/** The header limits for the verifier's configuration, left out where they are the defaults (4 KB of environment). */
function headerLimits(props: WebhookReceiverProps): Pick<VerifierConfig, 'maxHeaderCount' | 'maxHeaderBytes'> {
  const count = props.maxHeaderCount ?? DEFAULT_MAX_HEADER_COUNT;
  const bytes = props.maxHeaderSize?.toBytes() ?? DEFAULT_MAX_HEADER_BYTES;
  return {
    maxHeaderCount: count === DEFAULT_MAX_HEADER_COUNT ? undefined : count,
    maxHeaderBytes: bytes === DEFAULT_MAX_HEADER_BYTES ? undefined : bytes,
  };
}

/** A host name (not a URL) and a base path without slashes at its ends; tokens are left to deploy time. */
function checkCustomDomain(domain: CustomDomainOptions | undefined): void {
  if (domain === undefined) return;
  const name = domain.domainName;
  if (name === undefined) throw new Error("customDomain.domainName is required: the host name, e.g. 'hooks.example.com'.");
  if (!Token.isUnresolved(name) && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(name)) {
    throw new Error(`customDomain.domainName must be a host name such as 'hooks.example.com' (no scheme, path or port), got '${name}'.`);
  }
  const base = domain.basePath;
  if (base !== undefined && !Token.isUnresolved(base) && !/^[A-Za-z0-9._-]+$/.test(base)) {
    throw new Error(`customDomain.basePath must be one path segment of letters, digits, '.', '_' or '-', such as 'webhooks' (no slashes), got '${base}'.`);
  }
}

function checkRange(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${value}.`);
  }
}

function handlerAsset(name: string): string {
  const dir = path.join(__dirname, '..', 'assets', name);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    throw new Error(`The bundled ${name} handler is missing at ${dir}; run "npm run build" in cdk-webhook-receiver.`);
  }
  return dir;
}

function pascal(id: string): string {
  return id.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}
