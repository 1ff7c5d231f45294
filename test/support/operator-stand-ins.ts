/**
 * For the command-line tool's tests: the bundled CLI (assets/cli/index.js) run as a child process against the
 * emulators, and two loopback stand-ins for what the emulators lack.
 *
 * - SQS's message-move task (fauxqs has none): a server speaking the SQS JSON protocol that answers
 *   StartMessageMoveTask, ListMessageMoveTasks and CancelMessageMoveTask itself, moving messages between fauxqs
 *   queues (receive, send, delete) as the task would, and hands every other action to fauxqs unchanged. It records
 *   each task's input, and answers AccessDenied, as SQS does, for the actions it is told to refuse.
 * - CloudFormation's DescribeStacks (query protocol, XML): answers with the outputs the test gives it.
 */
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { endpoints, REGION } from './aws';

export const CLI = path.join(__dirname, '..', '..', 'assets', 'cli', 'index.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the bundled CLI with the standard AWS environment pointed at loopback: the emulators, or the stand-ins
 * given in `endpointsOverride`. No AWS config or credentials file of the machine is read.
 */
export function runCli(args: string[], endpointsOverride: { sqs?: string; cloudformation?: string } = {}): Promise<CliResult> {
  const ep = endpoints();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_CONFIG_FILE: path.join(__dirname, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(__dirname, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SQS: endpointsOverride.sqs ?? ep.sqs,
    AWS_ENDPOINT_URL_S3: ep.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: ep.dynamodb,
    AWS_ENDPOINT_URL_CLOUDFORMATION: endpointsOverride.cloudformation ?? 'http://127.0.0.1:9',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface MoveTask {
  readonly TaskHandle: string;
  readonly SourceArn: string;
  readonly DestinationArn?: string;
  readonly MaxNumberOfMessagesPerSecond?: number;
  Status: 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';
  ApproximateNumberOfMessagesMoved: number;
  ApproximateNumberOfMessagesToMove: number;
  StartedTimestamp: number;
}

export interface SqsStandIn {
  readonly endpoint: string;
  readonly tasks: MoveTask[];
  /** Every action the CLI called, in order. */
  readonly actions: string[];
  close(): Promise<void>;
}

/** fauxqs's URL of the queue an ARN names (its account is 000000000000). */
function urlOfArn(arn: string): string {
  const [, , , , account, name] = arn.split(':');
  return new URL(`/${account}/${name}`, endpoints().sqs).toString();
}

/**
 * The SQS stand-in. `deny`: actions answered with AccessDenied. `messagesPerTick`: how many messages the task moves
 * between two progress reads (so that progress has steps to show).
 */
export async function startSqsStandIn(sqs: SQSClient, options: { deny?: string[]; messagesPerTick?: number } = {}): Promise<SqsStandIn> {
  const tasks: MoveTask[] = [];
  const actions: string[] = [];
  const fauxqs = new URL(endpoints().sqs);
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers });
    res.end(JSON.stringify(body));
  };
  /** Moves up to `n` messages of a running task, as SQS would: send to the destination, then delete. */
  const step = async (task: MoveTask, n: number) => {
    const source = urlOfArn(task.SourceArn);
    const destination = urlOfArn(task.DestinationArn!);
    let moved = 0;
    while (moved < n) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: source, MaxNumberOfMessages: Math.min(10, n - moved), VisibilityTimeout: 30, WaitTimeSeconds: 0 }));
      if (!out.Messages?.length) break;
      for (const m of out.Messages) {
        await sqs.send(new SendMessageCommand({ QueueUrl: destination, MessageBody: m.Body! }));
        await sqs.send(new DeleteMessageCommand({ QueueUrl: source, ReceiptHandle: m.ReceiptHandle! }));
        moved += 1;
      }
    }
    task.ApproximateNumberOfMessagesMoved += moved;
    if (moved < n || task.ApproximateNumberOfMessagesMoved >= task.ApproximateNumberOfMessagesToMove) task.Status = 'COMPLETED';
  };
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = target.replace(/^AmazonSQS\./, '');
      actions.push(action);
      if (options.deny?.includes(action)) {
        // As SQS answers over its JSON protocol, with the query-compatible error code.
        return json(res, 403, {
          __type: 'com.amazon.coral.service#AccessDeniedException',
          message: `User: arn:aws:iam::000000000000:user/operator is not authorized to perform: sqs:${action.toLowerCase()} on resource: the queue because no identity-based policy allows the sqs:${action.toLowerCase()} action`,
        }, { 'x-amzn-query-error': 'AccessDenied;Sender' });
      }
      if (action === 'StartMessageMoveTask') {
        const input = JSON.parse(raw.toString('utf8'));
        const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: urlOfArn(input.SourceArn), AttributeNames: ['ApproximateNumberOfMessages'] }));
        const task: MoveTask = {
          TaskHandle: `task-${tasks.length + 1}`,
          SourceArn: input.SourceArn,
          DestinationArn: input.DestinationArn,
          MaxNumberOfMessagesPerSecond: input.MaxNumberOfMessagesPerSecond,
          Status: 'RUNNING',
          ApproximateNumberOfMessagesMoved: 0,
          ApproximateNumberOfMessagesToMove: Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0),
          StartedTimestamp: Date.now(),
        };
        tasks.push(task);
        return json(res, 200, { TaskHandle: task.TaskHandle });
      }
      if (action === 'ListMessageMoveTasks') {
        const input = JSON.parse(raw.toString('utf8'));
        const mine = tasks.filter((t) => t.SourceArn === input.SourceArn).reverse();
        // Each read sees the running task a step further.
        for (const task of mine) if (task.Status === 'RUNNING') await step(task, options.messagesPerTick ?? 2);
        return json(res, 200, { Results: mine.map((t) => ({ ...t })) });
      }
      if (action === 'CancelMessageMoveTask') {
        const input = JSON.parse(raw.toString('utf8'));
        const task = tasks.find((t) => t.TaskHandle === input.TaskHandle);
        if (task) task.Status = 'CANCELLED';
        return json(res, 200, { ApproximateNumberOfMessagesMoved: task?.ApproximateNumberOfMessagesMoved ?? 0 });
      }
      // Everything else: fauxqs, as is.
      const forwarded = httpRequest(
        { host: fauxqs.hostname, port: fauxqs.port, method: req.method, path: req.url, headers: { ...req.headers, host: fauxqs.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.on('error', (error) => json(res, 500, { __type: 'InternalError', message: error.message }));
      forwarded.end(raw);
    })().catch((error: Error) => json(res, 500, { __type: 'InternalError', message: error.message }));
  });
  const endpoint = await listen(server);
  return { endpoint, tasks, actions, close: () => new Promise((r) => server.close(() => r())) };
}

export interface StackOutput {
  readonly OutputKey: string;
  readonly OutputValue: string;
  readonly Description?: string;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** CloudFormation's DescribeStacks for the stacks given (name -> outputs); any other stack does not exist. */
export async function startDescribeStacksStandIn(stacks: Record<string, StackOutput[]>): Promise<{ endpoint: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const params = new URLSearchParams(raw.toString('utf8'));
      calls.push(`${params.get('Action')} ${params.get('StackName')}`);
      const name = params.get('StackName') ?? '';
      const outputs = stacks[name];
      res.setHeader('content-type', 'text/xml');
      if (params.get('Action') !== 'DescribeStacks' || outputs === undefined) {
        res.statusCode = 400;
        res.end(`<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${xml(name)} does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>`);
        return;
      }
      const members = outputs
        .map((o) => `<member><OutputKey>${xml(o.OutputKey)}</OutputKey><OutputValue>${xml(o.OutputValue)}</OutputValue>${o.Description !== undefined ? `<Description>${xml(o.Description)}</Description>` : ''}</member>`)
        .join('');
      res.end(
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>` +
          `<StackName>${xml(name)}</StackName><StackId>arn:aws:cloudformation:${REGION}:000000000000:stack/${xml(name)}/1</StackId>` +
          `<CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs>` +
          `</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    });
  });
  const endpoint = await listen(server);
  return { endpoint, calls, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * A synthesized template's outputs as DescribeStacks returns them once deployed: each `Ref` resolved to what
 * CloudFormation returns for it (`refs`: logical id -> value), literal strings as they are.
 */
export function deployedOutputs(templateOutputs: Record<string, { Value: unknown; Description?: string }>, refs: Record<string, string>): StackOutput[] {
  return Object.entries(templateOutputs).flatMap(([key, output]) => {
    const value = output.Value;
    let resolved: string | undefined;
    if (typeof value === 'string') resolved = value;
    else if (value && typeof value === 'object' && 'Ref' in value) resolved = refs[(value as { Ref: string }).Ref];
    // Outputs the test does not deploy (the endpoints' URLs): left out.
    return resolved === undefined ? [] : [{ OutputKey: key, OutputValue: resolved, Description: output.Description }];
  });
}
