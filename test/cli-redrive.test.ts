/**
 * `npx cdk-webhook-receiver redrive`, the bundled CLI (assets/cli/index.js) run as a child process, against fauxqs
 * (SQS) on loopback. fauxqs has no message-move task: the task's path runs against a loopback stand-in of
 * StartMessageMoveTask / ListMessageMoveTasks / CancelMessageMoveTask (test/support/operator-stand-ins.ts) that
 * moves the messages between fauxqs queues and hands every other call to fauxqs; the fallback path (receive, send,
 * delete) runs against fauxqs itself. The queues are found in a synthesized stack's outputs, served by a
 * DescribeStacks stand-in.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { WebhookProvider, WebhookReceiver } from '../lib';
import { clients, createQueue, drain } from './support/aws';
import { deployedOutputs, runCli, startDescribeStacksStandIn, startSqsStandIn, type SqsStandIn } from './support/operator-stand-ins';
import { givenStack } from './support/stacks';
import type { Io } from '../cli/shared/io';
import { Progress } from '../cli/shared/progress';

const aws = clients();

/** A receiver's queue and dead-letter queue in fauxqs. */
async function givenQueues() {
  const queue = await createQueue(aws.sqs);
  const dlq = await createQueue(aws.sqs);
  return { queue, dlq };
}

/** An envelope as the verifier writes it (the CLI reads only provider and event type). */
function envelope(provider: string, eventType: string): string {
  const deliveryId = `evt_${randomUUID()}`;
  return JSON.stringify({
    v: 2, provider, deliveryId, key: `${provider}#${deliveryId}`, eventType, receivedAt: new Date().toISOString(), auth: 'hmac', bodySigned: true,
    origin: 'delivery', contentType: 'application/json', bodyEncoding: 'utf8', body: JSON.stringify({ id: deliveryId, type: eventType }), bodySha256: '0'.repeat(64),
  });
}

async function fill(queueUrl: string, bodies: string[]): Promise<void> {
  for (const body of bodies) await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

const sorted = (messages: Array<{ Body?: string }>) => messages.map((m) => m.Body!).sort();

describe('redrive with the message-move task (stand-in), queues found in the stack outputs', () => {
  let standIn: SqsStandIn;
  afterEach(async () => standIn?.close());

  // One synthesized stack for these tests (synthesis is the slow part): two receivers, one nested.
  let shop: { payments: WebhookReceiver; orders: WebhookReceiver; stack: Stack; outputs: Record<string, { Value: unknown; Description?: string }> };
  beforeAll(() => {
    const given = givenStack();
    const payments = new WebhookReceiver(new Construct(given.stack, 'Billing'), 'Payments', { provider: WebhookProvider.stripe({ secret: given.stripeSecret }), processor: given.processor });
    const orders = new WebhookReceiver(given.stack, 'Orders', { provider: WebhookProvider.github({ secret: given.githubSecret }), processor: given.processor });
    shop = { payments, orders, stack: given.stack, outputs: Template.fromStack(given.stack).toJSON().Outputs };
  }, 240_000);

  test('moves every message of the chosen receiver at --max-per-second, with progress lines (not a terminal) and a summary', async () => {
    // GIVEN a stack with two receivers (one nested under Billing), deployed on fauxqs
    const { payments, orders } = shop;
    const deployed = { payments: await givenQueues(), orders: await givenQueues() };
    const ref = (c: Construct) => shop.stack.getLogicalId(c.node.defaultChild as CfnElement);
    const outputs = deployedOutputs(shop.outputs, {
      [ref(payments.queue)]: deployed.payments.queue.url,
      [ref(payments.deadLetterQueue)]: deployed.payments.dlq.url,
      [ref(payments.table)]: 'payments-inbox',
      [ref(orders.queue)]: deployed.orders.queue.url,
      [ref(orders.deadLetterQueue)]: deployed.orders.dlq.url,
      [ref(orders.table)]: 'orders-inbox',
    });
    const cloudformation = await startDescribeStacksStandIn({ Shop: outputs });
    standIn = await startSqsStandIn(aws.sqs, { messagesPerTick: 2 });
    const bodies = Array.from({ length: 5 }, (_, i) => envelope('stripe', i % 2 ? 'invoice.paid' : 'charge.failed'));
    await fill(deployed.payments.dlq.url, bodies);
    await fill(deployed.orders.dlq.url, [envelope('github', 'push')]);

    // WHEN
    const result = await runCli(['redrive', '--stack', 'Shop', '--receiver', 'Payments', '--max-per-second', '50', '--poll-interval', '0.05'], {
      sqs: standIn.endpoint,
      cloudformation: cloudformation.endpoint,
    });
    await cloudformation.close();

    // THEN the task moved Payments' dead-letter queue to Payments' queue, at the rate asked for
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(cloudformation.calls).toEqual(['DescribeStacks Shop']);
    expect(standIn.tasks).toEqual([
      expect.objectContaining({ SourceArn: deployed.payments.dlq.arn, DestinationArn: deployed.payments.queue.arn, MaxNumberOfMessagesPerSecond: 50, Status: 'COMPLETED' }),
    ]);
    expect(sorted(await drain(aws.sqs, deployed.payments.queue.url))).toEqual([...bodies].sort());
    expect(await drain(aws.sqs, deployed.payments.dlq.url)).toEqual([]);
    // the other receiver untouched
    expect(await drain(aws.sqs, deployed.orders.dlq.url)).toHaveLength(1);
    // progress as plain lines (stdout is a pipe), from the task's own counts, then the summary
    const progress = result.stdout.split('\n').filter((l) => l.startsWith('moved '));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toMatch(/^moved 5\/5 100% \d+\.\d\/s$/);
    expect(result.stdout).toContain('(stack Shop, receiver Billing/Payments)');
    expect(result.stdout).toMatch(/Moved 5 of 5 messages to the queue \(\d+\.\d\/s\) with SQS's message-move task\./);
  });

  test('fails if the stack holds several receivers and --receiver is not given: names them; no queue is touched', async () => {
    const outputs = Object.entries(shop.outputs).map(([key, o]) => ({ OutputKey: key, OutputValue: 'x', Description: o.Description }));
    const cloudformation = await startDescribeStacksStandIn({ Shop: outputs });
    standIn = await startSqsStandIn(aws.sqs);

    const result = await runCli(['redrive', '--stack', 'Shop'], { sqs: standIn.endpoint, cloudformation: cloudformation.endpoint });
    await cloudformation.close();

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Stack Shop holds several receivers; choose one with --receiver: Billing/Payments, Orders.');
    expect(standIn.actions).toEqual([]);
  });

  test('a permission error names the missing action and the resource, and the grant that gives it', async () => {
    // GIVEN an identity without sqs:StartMessageMoveTask
    const { queue, dlq } = await givenQueues();
    await fill(dlq.url, [envelope('stripe', 'invoice.paid')]);
    standIn = await startSqsStandIn(aws.sqs, { deny: ['StartMessageMoveTask'] });

    // WHEN
    const result = await runCli(['redrive', '--dlq-url', dlq.url, '--queue-url', queue.url], { sqs: standIn.endpoint });

    // THEN
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Permission denied: sqs:StartMessageMoveTask on ${dlq.arn}`);
    expect(result.stderr).toContain('receiver.grantRedrive(role) grants what this command needs');
    // nothing moved, nothing lost
    expect(await drain(aws.sqs, queue.url)).toEqual([]);
    expect(await drain(aws.sqs, dlq.url)).toHaveLength(1);
  });
});

describe('redrive against fauxqs itself (no message-move task)', () => {
  test('falls back to receive, send, delete and moves every message exactly once, and says duplicates may occur', async () => {
    // GIVEN 25 messages in the dead-letter queue
    const { queue, dlq } = await givenQueues();
    const bodies = Array.from({ length: 25 }, (_, i) => envelope(i % 3 ? 'stripe' : 'github', i % 3 ? 'invoice.paid' : 'push'));
    await fill(dlq.url, bodies);

    // WHEN
    const result = await runCli(['redrive', '--dlq-url', dlq.url, '--queue-url', queue.url]);

    // THEN each message once in the queue, none left behind
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('no message-move task (StartMessageMoveTask); moving by receive, send, delete instead. A message may be delivered twice');
    expect(sorted(await drain(aws.sqs, queue.url))).toEqual([...bodies].sort());
    expect(await drain(aws.sqs, dlq.url)).toEqual([]);
    expect(result.stdout).toMatch(/Moved 25 messages to the queue \(\d+\.\d\/s\) by receive, send, delete\./);
    expect(result.stdout.split('\n').filter((l) => /^moved \d+ /.test(l)).at(-1)).toMatch(/^moved 25 /);
  });

  test('--dry-run counts the providers and event types, deletes nothing, and leaves every message visible again', async () => {
    // GIVEN
    const { queue, dlq } = await givenQueues();
    const bodies = [envelope('stripe', 'invoice.paid'), envelope('stripe', 'invoice.paid'), envelope('github', 'push'), 'not an envelope'];
    await fill(dlq.url, bodies);

    // WHEN
    const result = await runCli(['redrive', '--dlq-url', dlq.url, '--queue-url', queue.url, '--dry-run', '--visibility-timeout', '600']);

    // THEN
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Dry run: read 4 messages; nothing was moved or deleted.');
    expect(result.stdout).toMatch(/\n {2}stripe {4}invoice\.paid {2}2\n {2}github {4}push {10}1\n/);
    expect(result.stdout).toContain('1 messages are not receiver envelopes.');
    expect(result.stdout).toContain('had its receive count raised by one; all were made visible again');
    // visible again at once, although they were read with a 600 s visibility timeout; none moved
    const left = await drain(aws.sqs, dlq.url);
    expect(sorted(left)).toEqual([...bodies].sort());
    expect(left.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['2', '2', '2', '2']);
    expect(await drain(aws.sqs, queue.url)).toEqual([]);
  });

  test('fails with exit code 2 and the reason on a bad command line; --help says what reading the DLQ does', async () => {
    const bad = await runCli(['redrive', '--dlq-url', 'https://sqs.example/1/q', '--queue-url', 'https://sqs.example/1/r', '--max-per-second', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-per-second must be a whole number from 1 to 500, got "fast".');

    const none = await runCli(['redrive']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Say which receiver: --stack <name> [--receiver <id>], or both --dlq-url and --queue-url.');

    const help = await runCli(['redrive', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('receive count (ApproximateReceiveCount) raised by one and is hidden from other readers for the visibility');
    expect(help.stdout).toContain('makes every message it read visible again');
  });
});

describe('the progress display', () => {
  /** An Io whose stdout is a terminal or not, on a clock the test moves. */
  function io(isTTY: boolean) {
    const clock = { now: 0 };
    let text = '';
    const out = { isTTY, write: (chunk: string) => ((text += chunk), true) } as unknown as Io['out'];
    return { clock, text: () => text, io: { out, err: out, now: () => clock.now, onInterrupt: () => () => undefined } satisfies Io };
  }

  test('on a terminal: one line redrawn in place, with a bar, counts, percent and rate', () => {
    const t = io(true);
    const progress = new Progress(t.io, { label: 'moved', total: 40 });
    t.clock.now = 1000;
    progress.update(10);
    t.clock.now = 2000;
    progress.update(40);
    progress.finish();
    expect(t.text()).toBe('\r\x1b[2K[######..................] moved 10/40 25% 10.0/s\r\x1b[2K[########################] moved 40/40 100% 20.0/s\r\x1b[2K[########################] moved 40/40 100% 20.0/s\n');
  });

  test('not a terminal (CI, a pipe): plain lines, at most one per interval, and the last state at the end', () => {
    const t = io(false);
    const progress = new Progress(t.io, { label: 'moved', total: 40, plainIntervalMs: 2000 });
    for (let i = 1; i <= 40; i++) {
      t.clock.now = i * 100;
      progress.update(i);
    }
    progress.finish();
    expect(t.text()).toBe('moved 1/40 2% 10.0/s\nmoved 21/40 52% 10.0/s\nmoved 40/40 100% 10.0/s\n');
    expect(t.text()).not.toContain('\r');
  });
});

describe('the package', () => {
  test('ships the command as package.json bin: the bundled file, executable, with a node shebang', () => {
    const root = path.join(__dirname, '..');
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ 'cdk-webhook-receiver': 'assets/cli/index.js' });
    const file = path.join(root, pkg.bin['cdk-webhook-receiver']);
    expect(readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(file).mode & 0o111).not.toBe(0);
    // included by "files" (assets/**), the sources are not
    expect(pkg.files).toContain('assets/**');
    expect(pkg.files.some((f: string) => f.startsWith('cli'))).toBe(false);
  });
});
