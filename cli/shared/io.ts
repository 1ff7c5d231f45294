/** What a command writes to and reads the time from; tests and the entry point each give their own. */
export interface Io {
  /** Results and progress. */
  readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Warnings and errors. */
  readonly err: NodeJS.WritableStream;
  readonly now: () => number;
  /** Calls `onInterrupt` on Ctrl-C (once), returns a function that stops listening. */
  readonly onInterrupt: (onInterrupt: () => void) => () => void;
}

export function processIo(): Io {
  return {
    out: process.stdout,
    err: process.stderr,
    now: () => Date.now(),
    onInterrupt(handler) {
      process.once('SIGINT', handler);
      return () => process.removeListener('SIGINT', handler);
    },
  };
}

/** A mistake in the command line: the message, then the command's usage. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the operator can act on, said in one message without a stack trace. Exit code 1. */
export class CommandError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommandError';
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
