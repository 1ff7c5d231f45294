/**
 * The cdk-nag findings (AwsSolutions and Serverless packs) the receiver does not fix, acknowledged on the one
 * resource each concerns, with the reason in words. They are recorded in the cloud assembly as
 * `aws:cdk:acknowledged-rules`. Every other finding of those packs is fixed in the construct; test/nag.test.ts
 * checks both.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

/**
 * `Validations.acknowledge` came after aws-cdk-lib 2.251 (whose `Validations` has only `addPlugins`); the peer floor
 * is older (2.224, the first with Node.js 24). There, nothing reads acknowledgements: cdk-nag 3, the
 * policy-validation plugin they are for, needs aws-cdk-lib 2.257 or later.
 */
const CAN_ACKNOWLEDGE = typeof Validations === 'function' && typeof Validations.prototype.acknowledge === 'function';

/** Acknowledges one rule on one resource, where aws-cdk-lib can record it (every acknowledgement goes through here). */
export function acknowledge(resource: IConstruct, id: string, reason: string): void {
  if (!CAN_ACKNOWLEDGE) return;
  Validations.of(resource).acknowledge({ id, reason });
}

/** A provider's route (one API Gateway method). */
export function acknowledgeRoute(method: IConstruct): void {
  const reason =
    'Webhook providers cannot use IAM, Cognito or Lambda authorizers: each request is authenticated by the ' +
    "provider's own signature (or token), checked by the verifier in constant time with the secret from Secrets " +
    'Manager, and refused with 401 before anything is recorded or enqueued.';
  acknowledge(method, 'AwsSolutions-APIG4', reason);
  acknowledge(method, 'AwsSolutions-COG4', reason);
}

/** The REST API. */
export function acknowledgeApi(api: IConstruct): void {
  acknowledge(
    api,
    'AwsSolutions-APIG2',
    'API Gateway request validation can only require parameters or match a JSON schema; it cannot check what ' +
      'matters here, a signature over the exact body bytes (passed through as binary). The verifier checks header ' +
      'count and size, media type, body size, method and JSON syntax before any AWS call, then the signature.',
  );
}

/** The account-wide role API Gateway uses to write logs. */
export function acknowledgeApiGatewayLoggingRole(role: IConstruct): void {
  acknowledge(
    role,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    'This is the one account-level role API Gateway uses to write the execution and access logs of every REST API ' +
      'in the account and region; AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for it. Set ' +
      'apiGatewayCloudWatchRole: false when the account already has one.',
  );
}

/** The verifier function. */
export function acknowledgeVerifier(verifier: IConstruct, tracing: boolean): void {
  acknowledge(
    verifier,
    'Serverless-LambdaDLQ',
    'API Gateway invokes the verifier synchronously and gets its answer; a Lambda dead-letter queue applies only to ' +
      'asynchronous invocations. A failed request is answered 5xx and the provider retries it; verified events that ' +
      'fail later rest in the receiver\'s SQS dead-letter queue.',
  );
  if (!tracing) {
    acknowledge(verifier, 'Serverless-LambdaTracing', 'X-Ray tracing is opt-in (tracing: true), as it is billed per trace recorded.');
  }
}

/** The verifier's role when tracing is on. */
export function acknowledgeTracingPolicy(policy: IConstruct): void {
  acknowledge(
    policy,
    'AwsSolutions-IAM5[Resource::*]',
    'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions: X-Ray requires "*". ' +
      'The statement holds only those two actions.',
  );
}

/** The API stage. */
export function acknowledgeStage(stage: IConstruct, tracing: boolean, waf: boolean): void {
  if (!tracing) {
    acknowledge(stage, 'Serverless-APIGWXrayEnabled', 'X-Ray tracing is opt-in (tracing: true), as it is billed per trace recorded.');
  }
  if (!waf) {
    acknowledge(
      stage,
      'AwsSolutions-APIG3',
      'A web ACL is opt-in (waf: { rateLimit }): WAF is billed per ACL, rule and request, and a rate limit must be ' +
        "chosen above the busiest provider's peak. Without it, the stage's throttling bounds the request rate and " +
        'every request is authenticated before any AWS call.',
    );
  }
}

/** The dead-letter queue. */
export function acknowledgeDeadLetterQueue(queue: IConstruct): void {
  acknowledge(
    queue,
    'Serverless-SQSRedrivePolicy',
    'This is the dead-letter queue itself: events rest here for 14 days to be inspected and redriven to the main ' +
      'queue; a dead-letter queue of its own would only move them further away.',
  );
}

/** The event source mapping from the queue to the processor. */
export function acknowledgeEventSourceMapping(mapping: IConstruct): void {
  acknowledge(
    mapping,
    'Serverless-LambdaEventSourceMappingDestination',
    'An on-failure destination is for stream and Kafka sources; for SQS, failed events go to the queue\'s ' +
      'dead-letter queue through its redrive policy after maxReceiveCount receives, which the receiver configures.',
  );
}

/** The claim check's bucket. */
export function acknowledgeBodyBucket(bucket: IConstruct): void {
  acknowledge(
    bucket,
    'AwsSolutions-S1',
    'The bucket holds transient copies of webhook bodies too large for one queue message, written only by the ' +
      "verifier and read only by the processor (IAM on the receiver's prefix); the verifier's and processor's logs " +
      'record each delivery. Server access logs would need a second bucket per receiver for no added insight.',
  );
}

/** A `WebhookProcessorFunction`, and the role it created (absent when the user gave one). */
export function acknowledgeProcessorFunction(fn: IConstruct, tracing: boolean, ownRole: IConstruct | undefined): void {
  // Its invoker is the receiver's SQS event source mapping, which retries and then moves the message to the
  // receiver's dead-letter queue: an on-failure destination for asynchronous invocations would never be used.
  acknowledge(
    fn,
    'Serverless-LambdaDLQ',
    "Invoked by the receiver's SQS event source mapping, never asynchronously: an event that keeps failing moves to the receiver's dead-letter queue after maxReceiveCount receives.",
  );
  if (!tracing) {
    acknowledge(fn, 'Serverless-LambdaTracing', 'X-Ray tracing is opt-in (the tracing prop), as it is billed per trace recorded.');
  } else if (ownRole) {
    acknowledge(
      ownRole,
      'AwsSolutions-IAM5[Resource::*]',
      'Active tracing grants xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.',
    );
  }
}

/** The raw archive's bucket. */
export function acknowledgeArchiveBucket(bucket: IConstruct): void {
  acknowledge(
    bucket,
    'AwsSolutions-S1',
    'The bucket holds the raw archive of verified webhook requests, written only by the verifier (s3:PutObject under ' +
      "the receiver's prefix) and read by operators granted grantReplay; the verifier's logs record each delivery. " +
      'Server access logs would need a second bucket per receiver; add them to the bucket (archiveBucket) if your ' +
      'audit needs them.',
  );
}

/**
 * A resource ARN as cdk-nag writes it in a finding's id: the resolved value with `{ Ref: X }` as `<X>`,
 * `{ Fn::GetAtt: [X, Y] }` as `<X.Y>` and `Fn::Join` joined; undefined for anything else.
 */
function nagResource(scope: IConstruct, arn: string): string | undefined {
  const render = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object') {
      const v = value as Record<string, any>;
      if (typeof v.Ref === 'string') return `<${v.Ref}>`;
      if (Array.isArray(v['Fn::GetAtt'])) return `<${v['Fn::GetAtt'].join('.')}>`;
      if (Array.isArray(v['Fn::Join']) && Array.isArray(v['Fn::Join'][1])) {
        const parts = (v['Fn::Join'][1] as unknown[]).map(render);
        return parts.every((p) => p !== undefined) ? parts.join(v['Fn::Join'][0]) : undefined;
      }
    }
    return undefined;
  };
  return render(Stack.of(scope).resolve(arn));
}

/**
 * Resource wildcards of grants the receiver makes, which cdk-nag reports as AwsSolutions-IAM5: each acknowledged
 * on the grantee's construct for exactly that resource, with the reason. A grantee that is no construct (or a
 * resource whose ARN cannot be written out) is left to its owner.
 */
export function acknowledgeGrantWildcards(grantee: unknown, resources: ReadonlyArray<{ readonly arn: string; readonly reason: string }>): void {
  if (!(grantee instanceof Construct)) return;
  for (const { arn, reason } of resources) {
    const rendered = nagResource(grantee, arn);
    if (rendered !== undefined) acknowledge(grantee, `AwsSolutions-IAM5[Resource::${rendered}]`, reason);
  }
}
