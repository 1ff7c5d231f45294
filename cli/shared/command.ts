import type { Io } from './io';

/** One subcommand: a module of its own under cli/commands/, listed in cli/index.ts. */
export interface Command {
  readonly name: string;
  /** One line for the tool's own help. */
  readonly summary: string;
  /** The command's whole `--help`. */
  readonly help: string;
  /** Resolves to the process exit code. Throws UsageError (exit 2) or CommandError (exit 1) to explain itself. */
  run(argv: string[], io: Io): Promise<number>;
}
