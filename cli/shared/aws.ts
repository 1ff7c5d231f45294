/**
 * AWS clients with the SDK's standard credential chain and region (environment, shared config and credentials
 * files, SSO, instance and container roles), `--region` and `--profile` on top; and one place that turns AWS's
 * errors into messages an operator can act on: a missing permission names the action and the resource.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CommandError } from './io';

export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
}

export interface Clients {
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly cloudformation: CloudFormationClient;
}

/** Clients are created on first use, so a command builds only those it calls. */
export function awsClients(options: AwsOptions): Clients {
  const config = { region: options.region, profile: options.profile, maxAttempts: 5 };
  // SQS: every call to the region's endpoint (or AWS_ENDPOINT_URL_SQS), whatever host a queue URL names.
  const sqsConfig = { ...config, useQueueUrlAsEndpoint: false };
  const cache: { -readonly [K in keyof Clients]?: Clients[K] } = {};
  return {
    get sqs() {
      return (cache.sqs ??= new SQSClient(sqsConfig));
    },
    get s3() {
      return (cache.s3 ??= new S3Client(config));
    },
    get dynamodb() {
      return (cache.dynamodb ??= new DynamoDBClient(config));
    },
    get cloudformation() {
      return (cache.cloudformation ??= new CloudFormationClient(config));
    },
  };
}

/** The error's name as the SDK sets it, or undefined. */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** Whether AWS refused the call for lack of a permission (including a key policy). */
export function isAccessDenied(error: unknown): boolean {
  const name = errorName(error) ?? '';
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return /AccessDenied|NotAuthorized|Unauthorized|Forbidden/i.test(name) || (status === 403 && !/ExpiredToken|SignatureDoesNotMatch|InvalidClientTokenId/.test(name));
}

/**
 * Runs one AWS call; a refusal becomes a CommandError naming `action` (`sqs:StartMessageMoveTask`) and the
 * resource, and `grant` (which grant method gives it). Other errors keep AWS's name and message.
 */
export async function call<T>(action: string, resource: string, grant: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw describeAwsError(error, action, resource, grant);
  }
}

export function describeAwsError(error: unknown, action: string, resource: string, grant: string): Error {
  if (error instanceof CommandError) return error;
  const name = errorName(error) ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (isAccessDenied(error)) {
    return new CommandError(
      `Permission denied: ${action} on ${resource} (AWS: ${name}: ${message}). ` +
        `The identity running this command needs ${action} there; ${grant} grants what this command needs.`,
      { cause: error },
    );
  }
  if (/Region is missing/i.test(message)) {
    return new CommandError('No AWS region: pass --region, or set AWS_REGION or a region in your AWS profile.', { cause: error });
  }
  if (/Could not load credentials|CredentialsProviderError/i.test(`${name} ${message}`)) {
    return new CommandError(`No AWS credentials found for ${action}: set a --profile, or the standard AWS environment variables. (${message})`, { cause: error });
  }
  return new CommandError(`${action} on ${resource} failed: ${name}: ${message}`, { cause: error });
}
