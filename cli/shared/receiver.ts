/**
 * Finds a receiver's queues, table and buckets: from explicit flags, else from its stack's outputs
 * (CloudFormation DescribeStacks), whose descriptions name the receiver by its construct path
 * (contract/outputs.ts). `--receiver Payments` matches the receiver whose path is `Payments` or ends with
 * `/Payments`; two such receivers (nested under different constructs) need the longer path.
 */
import { DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { parseReceiverOutputDescription, type ReceiverOutputKind } from '../../contract/outputs';
import { call, type Clients } from './aws';
import { CommandError, UsageError } from './io';

export type ReceiverResources = Partial<Record<ReceiverOutputKind, string>> & {
  /** Where the values came from, for messages (`stack Shop, receiver Payments`). */
  readonly source: string;
  /** The receiver's construct path, when found in a stack. */
  readonly receiverPath?: string;
};

/** The flags every command takes to find the receiver. */
export const RECEIVER_FLAGS = {
  stack: { type: 'string' },
  receiver: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const RECEIVER_HELP = `Finding the receiver:
  --stack <name>           the CloudFormation stack that holds the receiver (its outputs name the resources)
  --receiver <id>          the receiver's construct id in that stack (Payments), or its construct path
                           (Billing/Payments) when two receivers share an id; optional when the stack has one
  --region <region>        AWS region (default: AWS_REGION, or your profile's region)
  --profile <name>         a named profile of your AWS config (default: AWS_PROFILE, or the default chain)
  Explicit values (below) override what the stack's outputs say.`;

/**
 * The stack's outputs for the receiver, overridden by any explicit value. Without `--stack`, only explicit values.
 * `grant` names the grant method for a permission error.
 */
export async function findReceiver(
  clients: Clients,
  flags: { stack?: string; receiver?: string },
  explicit: Partial<Record<ReceiverOutputKind, string | undefined>>,
  grant: string,
): Promise<ReceiverResources> {
  const given = Object.fromEntries(Object.entries(explicit).filter(([, v]) => v !== undefined)) as Partial<Record<ReceiverOutputKind, string>>;
  if (flags.stack === undefined) {
    if (flags.receiver !== undefined) throw new UsageError('--receiver needs --stack (the stack whose outputs name the receiver).');
    return { ...given, source: 'the command line' };
  }
  const stackName = flags.stack;
  const out = await call('cloudformation:DescribeStacks', `stack ${stackName}`, grant, () =>
    clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName })),
  ).catch((error: Error) => {
    if (/does not exist/i.test(error.message)) throw new CommandError(`No stack named ${stackName} in this account and region (check --region and --profile).`);
    throw error;
  });
  const stack = out.Stacks?.[0];
  if (!stack) throw new CommandError(`No stack named ${stackName} in this account and region (check --region and --profile).`);
  const byReceiver = new Map<string, Partial<Record<ReceiverOutputKind, string>>>();
  for (const output of stack.Outputs ?? ([] as Output[])) {
    const parsed = parseReceiverOutputDescription(output.Description);
    if (!parsed || output.OutputValue === undefined) continue;
    const entry = byReceiver.get(parsed.receiverPath) ?? {};
    entry[parsed.kind] = output.OutputValue;
    byReceiver.set(parsed.receiverPath, entry);
  }
  const paths = [...byReceiver.keys()];
  if (paths.length === 0) {
    throw new CommandError(`Stack ${stackName} has no webhook receiver outputs. Is the receiver deployed with cdk-webhook-receiver 0.2 or later? Otherwise pass the URLs and names explicitly (see --help).`);
  }
  let path: string;
  if (flags.receiver === undefined) {
    if (paths.length > 1) throw new UsageError(`Stack ${stackName} holds several receivers; choose one with --receiver: ${paths.join(', ')}.`);
    path = paths[0];
  } else {
    const wanted = flags.receiver.replace(/^\/+|\/+$/g, '');
    const matches = paths.filter((p) => p === wanted || p.endsWith(`/${wanted}`));
    const exact = matches.filter((p) => p === wanted);
    if (matches.length === 0) throw new CommandError(`Stack ${stackName} has no receiver "${wanted}"; it has: ${paths.join(', ')}.`);
    if (matches.length > 1 && exact.length !== 1) throw new UsageError(`"${wanted}" matches several receivers of stack ${stackName}: ${matches.join(', ')}. Pass the construct path.`);
    path = exact.length === 1 ? exact[0] : matches[0];
  }
  return { ...byReceiver.get(path), ...given, source: `stack ${stackName}, receiver ${path}`, receiverPath: path };
}
