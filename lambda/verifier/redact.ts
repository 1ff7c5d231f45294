/**
 * Secrets out of queue messages. A scheme whose token is the receiver's secret carried in the body (Microsoft
 * Graph's `clientState`, a custom `token.jsonPath`) would put that secret in every message, where it stays in the
 * queue and the dead-letter queue for days and reaches every processor. Before the envelope is built, the raw
 * JSON string token of each such value (quotes, escapes and all) is replaced by `"[redacted]"`; every other byte
 * stays as received. The processor's body therefore no longer matches the request's signature (it was
 * authenticated by the verifier), and the envelope lists the redacted paths in `redactions`.
 *
 * The raw bytes are walked with a small JSON lexer rather than searched for the secret's text: a value may be
 * written with escapes (`"\u0073ecret"`), and a key too (`"client\u0053tate"` is `clientState` to JSON.parse and so
 * to the check). If the walk and JSON.parse ever disagree, the delivery is refused (500, retried) rather than a
 * secret enqueued.
 */
import type { ResolvedProvider } from '../../contract/config';
import { valuesAt } from './auth';
import { InternalError } from './errors';

/** What replaces each redacted string, quotes included. */
export const REDACTED = '[redacted]';

export interface RedactedBody {
  /** The body to enqueue. The same Buffer when nothing was redacted. */
  readonly body: Buffer;
  /** The paths redacted, e.g. `value[].clientState` (`[]`: each item of an array); undefined when none. */
  readonly redactions?: string[];
}

/** Removes from a verified body every secret the provider's scheme carries in it. */
export function redactSecrets(provider: Pick<ResolvedProvider, 'scheme'>, body: Buffer): RedactedBody {
  const path = provider.scheme.token?.jsonPath;
  if (path === undefined || path === '') return { body };
  const segments = path.split('.');
  const { ranges, paths } = findStrings(body, segments);
  if (ranges.length === 0) return { body };
  const parts: Buffer[] = [];
  let at = 0;
  const placeholder = Buffer.from(JSON.stringify(REDACTED), 'utf8');
  for (const [start, end] of ranges) {
    parts.push(body.subarray(at, start), placeholder);
    at = end;
  }
  parts.push(body.subarray(at));
  const redacted = Buffer.concat(parts);
  // Fail closed: what JSON.parse sees at the path must now be the placeholder only.
  let left: Array<string | undefined>;
  try {
    left = valuesAt(JSON.parse(redacted.toString('utf8')), path);
  } catch (cause) {
    throw new InternalError('redaction_failed', 'The body could not be redacted.', { cause });
  }
  if (left.some((value) => value !== undefined && value !== REDACTED)) {
    throw new InternalError('redaction_failed', 'The body could not be redacted.');
  }
  return { body: redacted, redactions: [...new Set(paths)] };
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The byte ranges of the JSON string tokens found at `segments` (object keys; arrays on the way are transparent,
 * as in `valuesAt`), and their paths as displayed. Throws `InternalError` on bytes that are not JSON.
 */
function findStrings(body: Buffer, segments: readonly string[]): { ranges: Array<[number, number]>; paths: string[] } {
  const ranges: Array<[number, number]> = [];
  const paths: string[] = [];
  let i = 0;
  const fail = (): never => {
    throw new InternalError('redaction_failed', 'The body could not be redacted: it is not JSON.');
  };
  const skip = () => {
    while (i < body.length && WHITESPACE.has(body[i])) i++;
  };
  const string = (): [number, number] => {
    if (body[i] !== QUOTE) fail();
    const start = i++;
    while (i < body.length && body[i] !== QUOTE) i += body[i] === BACKSLASH ? 2 : 1;
    if (i >= body.length) fail();
    i++;
    return [start, i];
  };
  // names: the object member names from the root; display: the same with `[]` for each array passed through.
  const value = (names: readonly string[], display: string): void => {
    skip();
    const byte = body[i];
    if (byte === 0x7b /* { */) {
      i++;
      skip();
      if (body[i] === 0x7d) {
        i++;
        return;
      }
      for (;;) {
        skip();
        const [start, end] = string();
        let name: string;
        try {
          name = JSON.parse(body.subarray(start, end).toString('utf8')) as string;
        } catch {
          return fail();
        }
        skip();
        if (body[i++] !== 0x3a /* : */) fail();
        value([...names, name], display === '' ? name : `${display}.${name}`);
        skip();
        const next = body[i++];
        if (next === 0x7d /* } */) return;
        if (next !== 0x2c /* , */) fail();
      }
    }
    if (byte === 0x5b /* [ */) {
      i++;
      skip();
      if (body[i] === 0x5d) {
        i++;
        return;
      }
      for (;;) {
        value(names, `${display}[]`);
        skip();
        const next = body[i++];
        if (next === 0x5d /* ] */) return;
        if (next !== 0x2c) fail();
      }
    }
    if (byte === QUOTE) {
      const range = string();
      if (names.length === segments.length && names.every((name, n) => name === segments[n])) {
        ranges.push(range);
        paths.push(display);
      }
      return;
    }
    // A number, true, false or null.
    const start = i;
    while (i < body.length && !WHITESPACE.has(body[i]) && body[i] !== 0x2c && body[i] !== 0x7d && body[i] !== 0x5d) i++;
    if (i === start) fail();
  };
  value([], '');
  skip();
  if (i !== body.length) fail();
  return { ranges, paths };
}
