/** Command-line parsing on node:util's parseArgs (built into Node.js: no dependency), with our usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The flags' values, typed from `options`. */
export type Flags<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>['values'];

export function parse<O extends Options>(argv: string[], options: O): Flags<O> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Flags<O>;
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

/** A whole number from a flag, within a range; `fallback` when absent. */
export function intFlag(name: string, value: string | undefined, fallback: number | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}".`);
  }
  return n;
}

/** A number of seconds (fractions allowed) from a flag, within a range. */
export function secondsFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number of seconds from ${min} to ${max}, got "${value}".`);
  }
  return n;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time: ISO-8601 with a date (`2026-12-01T14:00:00Z`, `2026-12-01`: UTC midnight), `now`, or a duration
 * before now (`90s`, `30m`, `2h`, `3d`, `1w`). A date-time without a zone is refused: it would depend on the
 * machine's time zone.
 */
export function parseTime(name: string, value: string, nowMs: number): number {
  const text = value.trim();
  if (text === 'now') return nowMs;
  const relative = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text);
  if (relative) return nowMs - Math.round(Number(relative[1]) * UNITS[relative[2]]);
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const ms = dateOnly ? Date.parse(`${text}T00:00:00Z`) : dateTime ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(`--${name} must be an ISO-8601 time with a zone (2026-12-01T14:00:00Z), a date (2026-12-01), now, or a duration before now (30m, 2h, 3d), got "${value}".`);
  }
  return ms;
}

/** Values of a repeatable flag, each also split on commas. */
export function listFlag(values: string[] | undefined): string[] {
  return [...new Set((values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0))];
}
