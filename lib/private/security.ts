/**
 * The receiver's security options, kept out of the main construct file: per-route source address allowlists
 * (the API's resource policy), per-route throttling, the WAF web ACL, API Gateway's own rejections in the
 * verifier's error format, and the key policy CloudWatch Logs needs to use a customer managed key.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { Annotations, ArnFormat, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { ProviderBaseOptions } from '../provider';
import type { WafOptions } from '../security';
import * as nag from './nag';
import { MEDIA_RANGE } from '../../contract/limits';

/** The security options of one provider, checked. */
export interface ProviderSecurity {
  readonly allowedIpRanges?: string[];
  readonly throttlingRateLimit?: number;
  readonly throttlingBurstLimit?: number;
  readonly contentTypes?: string[];
}

/** Checks a provider's security options; throws with the provider id, the value and what is allowed. */
export function providerSecurity(id: string, options: ProviderBaseOptions): ProviderSecurity {
  const ranges = options.allowedIpRanges;
  if (ranges !== undefined && !Token.isUnresolved(ranges)) {
    if (ranges.length === 0) {
      throw new Error(`allowedIpRanges of provider "${id}" is empty, which would refuse every request; leave it unset to accept any address.`);
    }
    for (const range of ranges) {
      if (!Token.isUnresolved(range) && !isCidr(range)) {
        throw new Error(`allowedIpRanges of provider "${id}": "${range}" is not a CIDR block such as 192.0.2.0/24 or 2001:db8::/32.`);
      }
    }
  }
  checkWhole(`throttlingRateLimit of provider "${id}"`, options.throttlingRateLimit, 1, 10000);
  checkWhole(`throttlingBurstLimit of provider "${id}"`, options.throttlingBurstLimit, 1, 5000);
  let contentTypes: string[] | undefined;
  if (options.contentTypes !== undefined) {
    contentTypes = options.contentTypes.map((type) => type.trim().toLowerCase());
    const bad = contentTypes.filter((type) => !MEDIA_RANGE.test(type));
    if (contentTypes.length === 0 || bad.length > 0) {
      throw new Error(`contentTypes of provider "${id}" must be media ranges such as "application/json", "text/*" or MediaType.ANY, got ${JSON.stringify(options.contentTypes)}.`);
    }
  }
  return {
    allowedIpRanges: ranges,
    throttlingRateLimit: options.throttlingRateLimit,
    throttlingBurstLimit: options.throttlingBurstLimit,
    contentTypes,
  };
}

function isCidr(value: string): boolean {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!match) return false;
  const prefix = Number(match[2]);
  return (isIPv4(match[1]) && prefix <= 32) || (isIPv6(match[1]) && prefix <= 128);
}

export function checkWhole(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${value}.`);
  }
}

/**
 * The API's resource policy. There is none until a provider sets `allowedIpRanges`: then every route gets an
 * Allow statement, and each allowlisted route an Allow only from its ranges plus a Deny from anywhere else (an
 * explicit Deny wins over any Allow). API Gateway applies a changed policy only when the API is deployed again,
 * so the statements are part of the deployment's identity.
 */
export class SourceIpPolicy {
  private readonly routes: Array<{ readonly id: string; readonly ranges?: string[] }> = [];
  private readonly statements: iam.PolicyStatement[] = [];
  private active = false;

  constructor(private readonly api: apigateway.RestApi) {}

  /** Adds the route of a provider, with its allowed ranges (undefined: any address). */
  public addRoute(id: string, ranges: string[] | undefined): void {
    const route = { id, ranges };
    this.routes.push(route);
    if (this.active) {
      this.render(route);
    } else if (ranges !== undefined) {
      this.active = true;
      this.routes.forEach((r) => this.render(r));
    }
  }

  private render(route: { readonly id: string; readonly ranges?: string[] }): void {
    // execute-api:/<stage>/<method>/<path>: every stage and method of this one route.
    const resources = [`execute-api:/*/*/${route.id}`];
    const invoke = { principals: [new iam.AnyPrincipal()], actions: ['execute-api:Invoke'], resources };
    const statements =
      route.ranges === undefined
        ? [new iam.PolicyStatement({ ...invoke, sid: sid('Allow', route.id) })]
        : [
          new iam.PolicyStatement({ ...invoke, sid: sid('AllowFromRanges', route.id), conditions: { IpAddress: { 'aws:SourceIp': route.ranges } } }),
          new iam.PolicyStatement({ ...invoke, sid: sid('DenyOutsideRanges', route.id), effect: iam.Effect.DENY, conditions: { NotIpAddress: { 'aws:SourceIp': route.ranges } } }),
        ];
    for (const statement of statements) {
      this.api.addToResourcePolicy(statement);
      this.statements.push(statement);
    }
    this.api.latestDeployment?.addToLogicalId({ sourceIpPolicy: route });
    const length = JSON.stringify({ Version: '2012-10-17', Statement: this.statements.map((st) => st.toStatementJson()) }).length;
    if (length > MAX_RESOURCE_POLICY_CHARS) {
      Annotations.of(this.api).addWarningV2(
        'cdk-webhook-receiver:resourcePolicyLength',
        `The API's resource policy is about ${length} characters; API Gateway takes ${MAX_RESOURCE_POLICY_CHARS} unless the quota is raised. Merge allowedIpRanges into wider blocks, or ask for a higher quota.`,
      );
    }
  }
}

/** API Gateway's default quota for the length of a REST API's resource policy. */
const MAX_RESOURCE_POLICY_CHARS = 8192;

function sid(prefix: string, id: string): string {
  return prefix + id.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

/** What every method of the stage has, which a route's own settings must repeat (they replace, not merge). */
export interface StageMethodSettings {
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
}

/** Gives a provider's route its own throttling, keeping the stage's logging and metrics settings. */
export function throttleRoute(stage: apigateway.Stage, id: string, methods: readonly string[], stageSettings: StageMethodSettings, rate?: number, burst?: number): void {
  if (rate === undefined && burst === undefined) return;
  const cfn = stage.node.defaultChild as apigateway.CfnStage;
  const existing = (cfn.methodSettings ?? []) as apigateway.CfnStage.MethodSettingProperty[];
  cfn.methodSettings = [
    ...existing,
    ...methods.map((httpMethod) => ({
      // A resource path in a method setting escapes its slashes as ~1.
      resourcePath: `/~1${id}`,
      httpMethod,
      metricsEnabled: true,
      loggingLevel: apigateway.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      throttlingRateLimit: rate ?? stageSettings.throttlingRateLimit,
      throttlingBurstLimit: burst ?? stageSettings.throttlingBurstLimit,
    })),
  ];
}

const WAF_WINDOWS_SECONDS = [60, 120, 300, 600];
const RATE_LIMITED_BODY = 'rateLimited';

/**
 * A regional web ACL on the API stage: a rate-based rule per client address (429 `rate_limited`), and
 * optionally Amazon's IP reputation list. Sampled requests are off: they would keep request headers, signatures
 * included, in the WAF console.
 */
export function createWebAcl(scope: Construct, stage: apigateway.Stage, options: WafOptions): wafv2.CfnWebACL {
  checkWhole('waf.rateLimit', options.rateLimit, 10, 2_000_000_000);
  const window = (options.rateLimitWindow ?? Duration.minutes(5)).toSeconds();
  if (!Token.isUnresolved(window) && !WAF_WINDOWS_SECONDS.includes(window)) {
    throw new Error(`waf.rateLimitWindow must be 1, 2, 5 or 10 minutes, got ${window} seconds.`);
  }
  const prefix = Names.uniqueId(scope).slice(-200);
  const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
    cloudWatchMetricsEnabled: true,
    sampledRequestsEnabled: false,
    metricName: `${prefix}${name}`,
  });
  const rules: wafv2.CfnWebACL.RuleProperty[] = [];
  if (options.blockIpReputationList) {
    rules.push({
      name: 'AmazonIpReputationList',
      priority: rules.length,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesAmazonIpReputationList' } },
      visibilityConfig: visibility('IpReputation'),
    });
  }
  rules.push({
    name: 'RateLimitPerAddress',
    priority: rules.length,
    action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: RATE_LIMITED_BODY } } },
    statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: options.rateLimit, evaluationWindowSec: window } },
    visibilityConfig: visibility('RateLimit'),
  });
  const webAcl = new wafv2.CfnWebACL(scope, 'WebAcl', {
    scope: 'REGIONAL',
    description: 'Webhook endpoints: rate limit per client address.',
    defaultAction: { allow: {} },
    customResponseBodies: {
      [RATE_LIMITED_BODY]: {
        contentType: 'APPLICATION_JSON',
        content: errorBody('rate_limited', 'Too many requests from this address; retry later.'),
      },
    },
    rules,
    visibilityConfig: visibility('WebAcl'),
  });
  new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', { resourceArn: stage.stageArn, webAclArn: webAcl.attrArn });
  return webAcl;
}

/**
 * API Gateway's own rejections (resource policy, WAF, throttling, unknown route or method, oversized request)
 * answered in the verifier's format, each with a machine-readable code.
 */
export const GATEWAY_RESPONSES: ReadonlyArray<{ type: apigateway.ResponseType; status?: string; code: string; message: string }> = [
  { type: apigateway.ResponseType.ACCESS_DENIED, status: '403', code: 'access_denied', message: 'This address may not call this route.' },
  { type: apigateway.ResponseType.WAF_FILTERED, status: '403', code: 'request_blocked', message: 'The request was blocked by the firewall.' },
  { type: apigateway.ResponseType.THROTTLED, status: '429', code: 'throttled', message: 'Too many requests; retry later.' },
  { type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, status: '404', code: 'unknown_route', message: 'No webhook route takes this method at this path.' },
  { type: apigateway.ResponseType.REQUEST_TOO_LARGE, status: '413', code: 'request_too_large', message: 'The request is larger than API Gateway accepts.' },
  { type: apigateway.ResponseType.DEFAULT_4XX, code: 'request_rejected', message: 'The request was rejected.' },
  { type: apigateway.ResponseType.DEFAULT_5XX, code: 'internal_error', message: 'Internal error; retry later.' },
];

export function addGatewayResponses(api: apigateway.RestApi): void {
  for (const { type, status, code, message } of GATEWAY_RESPONSES) {
    api.addGatewayResponse(`Response${type.responseType}`, {
      type,
      statusCode: status,
      templates: { 'application/json': errorBody(code, message) },
    });
  }
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ ok: false, error: code, message });
}

/**
 * Lets CloudWatch Logs use a customer managed key for the receiver's own log groups, and no other: the key
 * policy's condition names them (`kms:EncryptionContext:aws:logs:arn`), as CloudWatch Logs' documentation
 * recommends. `logGroupNamePrefix` is the prefix of their names (they are named, so the policy can name them
 * without a circular reference). An imported key's policy cannot be changed here: a warning says what to add.
 */
export function allowLogsToUseKey(scope: Construct, key: kms.IKey, logGroupNamePrefix: string): void {
  const stack = Stack.of(scope);
  const logGroups = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `${logGroupNamePrefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const result = key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: `AllowCloudWatchLogsOf${Names.uniqueId(scope).slice(-60)}`,
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      // In a key policy, "*" is the key itself.
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroups } },
    }),
  );
  if (!result.statementAdded) {
    Annotations.of(scope).addWarningV2(
      'cdk-webhook-receiver:encryptionKeyPolicy',
      'The encryption key is imported, so its key policy cannot be extended here: it must allow the service principal logs.<region>.amazonaws.com kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey and kms:DescribeKey ' +
        `on the condition ArnLike kms:EncryptionContext:aws:logs:arn arn:aws:logs:<region>:<account>:log-group:${logGroupNamePrefix}*, or the log groups cannot be created.`,
    );
  }
}

/**
 * What each principal needs of the customer managed key, and only through the service that uses it
 * (`kms:ViaService`): nothing else may be done with the key directly.
 * - SQS SendMessage on a queue with a customer managed key: kms:GenerateDataKey and kms:Decrypt (the verifier).
 * - SQS ReceiveMessage: kms:Decrypt (the processor's event source mapping, which uses the processor's role).
 * - DynamoDB reads and writes on a table with a customer managed key: kms:Decrypt, kms:DescribeKey and
 *   kms:GenerateDataKey (both).
 * No kms:Encrypt, kms:ReEncrypt* or kms:GenerateDataKeyWithoutPlaintext: neither service asks the caller for them.
 */
export const DATA_KEY_GRANTS = {
  verifier: { sqs: ['kms:Decrypt', 'kms:GenerateDataKey'], dynamodb: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'] },
  processor: { sqs: ['kms:Decrypt'], dynamodb: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'] },
} as const;

/** Lets the verifier and the processor use the key for the receiver's data (table and queues), via those services only. */
export function grantDataKeyUse(key: kms.IKey | undefined, verifier: iam.IGrantable, processor: iam.IGrantable): void {
  for (const [grantee, services] of [[verifier, DATA_KEY_GRANTS.verifier], [processor, DATA_KEY_GRANTS.processor]] as const) {
    for (const [service, actions] of Object.entries(services)) grantKeyVia(grantee, key, service, [...actions]);
  }
}

/** Lets a grantee use a customer managed key through one service only (`kms:ViaService`); nothing without a key. */
export function grantKeyVia(grantee: iam.IGrantable, key: kms.IKey | undefined, service: string, actions: string[]): iam.Grant | undefined {
  if (!key) return undefined;
  return iam.Grant.addToPrincipalOrResource({
    grantee,
    actions,
    resourceArns: [key.keyArn],
    resource: key,
    resourceSelfArns: ['*'],
    conditions: { StringEquals: { 'kms:ViaService': `${service}.${Stack.of(key).region}.amazonaws.com` } },
  });
}

/**
 * A bucket of the receiver's own (the claim check's, the archive's): encrypted with the receiver's key when one is
 * given (with an S3 Bucket Key, so an object costs one KMS call at most), else with S3-managed keys; TLS only;
 * every public access blocked; ACLs disabled; not versioned. Retained with the stack deleted (CloudFormation cannot
 * delete a bucket with objects); its lifecycle rule still empties it.
 */
export function createPrivateBucket(scope: Construct, id: string, key: kms.IKey | undefined, lifecycleRules?: s3.LifecycleRule[]): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
    encryptionKey: key,
    bucketKeyEnabled: key ? true : undefined,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules,
  });
}

/**
 * The claim check's bucket (`createPrivateBucket`). Its lifecycle rule is added when the providers are known
 * (`WebhookReceiver.stageVerifierCode`).
 */
export function createBodyBucket(scope: Construct, id: string, key: kms.IKey | undefined): s3.Bucket {
  const bucket = createPrivateBucket(scope, id, key);
  nag.acknowledgeBodyBucket(bucket);
  return bucket;
}

/**
 * The verifier may put objects under the receiver's prefix, the processor read them; nothing else (no list, no
 * delete: the lifecycle rule deletes). With a customer managed key, each may use it through S3 only.
 */
export function grantBodyBucket(bucket: s3.IBucket, prefix: string, key: kms.IKey | undefined, verifier: iam.IGrantable, processor: iam.IGrantable): void {
  const objects = bucket.arnForObjects(`${prefix}/*`);
  verifier.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] }));
  processor.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
  const reason = "Stored bodies are keyed per event under the receiver's own prefix of the body bucket, with one action.";
  nag.acknowledgeGrantWildcards(verifier.grantPrincipal, [{ arn: objects, reason }]);
  nag.acknowledgeGrantWildcards(processor.grantPrincipal, [{ arn: objects, reason }]);
  grantKeyVia(verifier, key, 's3', ['kms:GenerateDataKey']);
  grantKeyVia(processor, key, 's3', ['kms:Decrypt']);
}
