// The few AWS types that the published declarations of `cdk-webhook-receiver/runtime` name, written out here so
// that a user's type check needs neither `@types/aws-lambda` nor `@aws-sdk/client-dynamodb` (scripts/bundle.mjs
// points the runtime's declarations at this file). The SQS event shapes are those Lambda's SQS event source
// sends (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html), field for field as in @types/aws-lambda,
// so an `SQSEvent` or `SQSHandler` from that package fits either way.

export interface SQSRecordAttributes {
  AWSTraceHeader?: string | undefined;
  ApproximateReceiveCount: string;
  SentTimestamp: string;
  SenderId: string;
  ApproximateFirstReceiveTimestamp: string;
  SequenceNumber?: string | undefined;
  MessageGroupId?: string | undefined;
  MessageDeduplicationId?: string | undefined;
  DeadLetterQueueSourceArn?: string | undefined;
}

export interface SQSMessageAttribute {
  stringValue?: string | undefined;
  binaryValue?: string | undefined;
  stringListValues?: string[] | undefined;
  binaryListValues?: string[] | undefined;
  dataType: string;
}

export interface SQSMessageAttributes {
  [name: string]: SQSMessageAttribute;
}

export interface SQSRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: SQSRecordAttributes;
  messageAttributes: SQSMessageAttributes;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  eventSource: string;
  eventSourceARN: string;
  awsRegion: string;
}

export interface SQSEvent {
  Records: SQSRecord[];
}

export interface SQSBatchItemFailure {
  itemIdentifier: string;
}

export interface SQSBatchResponse {
  batchItemFailures: SQSBatchItemFailure[];
}

/**
 * What the runtime needs of a DynamoDB client: the AWS SDK v3 `send`. A `DynamoDBClient` from
 * `@aws-sdk/client-dynamodb` (or a document client, or a test double) fits.
 */
export interface DynamoDBClient {
  send(command: any, options?: any): Promise<any>;
}

/**
 * What the runtime needs of an S3 client: the AWS SDK v3 `send` (for GetObject). An `S3Client` from
 * `@aws-sdk/client-s3` (or a test double) fits.
 */
export interface S3Client {
  send(command: any, options?: any): Promise<any>;
}

/**
 * What the runtime reads of the Lambda context: the time left before the invocation times out. Lambda's own
 * `Context` (from @types/aws-lambda) fits.
 */
export interface Context {
  getRemainingTimeInMillis(): number;
}
