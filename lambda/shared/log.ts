/**
 * Structured JSON logs, one line per entry on stdout. Callers pass only fields that are safe to keep: never a
 * secret, a signature or a body.
 */
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  /**
   * Detail an operator turns on when needed (the verifier's line per accepted delivery). With Lambda's JSON log
   * format, Lambda writes it only when the function's application log level is DEBUG or TRACE.
   */
  debug?(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const emit = (level: string, message: string, fields?: LogFields) =>
    write(`${JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...fields })}\n`);
  return {
    debug: (message, fields) => emit('DEBUG', message, fields),
    info: (message, fields) => emit('INFO', message, fields),
    warn: (message, fields) => emit('WARN', message, fields),
    error: (message, fields) => emit('ERROR', message, fields),
  };
}

/** The name of an error and of its cause, without messages that could echo request data. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const cause = error.cause instanceof Error ? ` caused by ${error.cause.name}` : '';
  return `${error.name}${cause}`;
}
