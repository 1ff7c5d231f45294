/**
 * `npx cdk-webhook-receiver <command>`: `dev` runs an app's receivers locally, `send` sends a signed sample (local or
 * deployed), `redrive` and `replay` operate a deployed receiver. Each command is a module of its own under
 * cli/commands/, listed here.
 * Bundled with its AWS SDK clients into assets/cli/index.js (scripts/bundle.mjs): users install nothing more.
 */
import { dev } from './commands/dev';
import { redrive } from './commands/redrive';
import { replay } from './commands/replay';
import { send } from './commands/send';
import type { Command } from './shared/command';
import { CommandError, processIo, UsageError, type Io } from './shared/io';

export const COMMANDS: readonly Command[] = [dev, send, redrive, replay];

const usage = () => `Usage: npx cdk-webhook-receiver <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Run npx cdk-webhook-receiver <command> --help for a command's options.
AWS credentials and region come from the standard chain (environment, profiles, SSO, roles); --region and
--profile override them.`;

/** Runs the tool with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err.write(`Unknown command "${name}".\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`${error.message}\nRun npx cdk-webhook-receiver ${command.name} --help for its options.\n`);
      return 2;
    }
    if (error instanceof CommandError) {
      io.err.write(`${error.message}\n`);
      return 1;
    }
    // Not ours: say what it is, without the stack unless asked for.
    io.err.write(`${command.name} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    if (process.env.CDK_WEBHOOK_RECEIVER_DEBUG) io.err.write(`${(error as Error).stack}\n`);
    return 1;
  }
}

/** Set by the bundler (scripts/bundle.mjs) from package.json. */
declare const __CLI_VERSION__: string | undefined;
const VERSION = typeof __CLI_VERSION__ === 'string' ? __CLI_VERSION__ : 'development';

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
