/**
 * Limits every request meets before the verifier reads its route's scheme or makes any AWS call: how many
 * headers and how many bytes of them (431), and the media types the route takes (415). Also the JSON parser
 * of request bodies, which refuses absurd nesting (400) so that no walk over a parsed body can exhaust the stack.
 * The body's size (413), the route (404) and the method (405) are checked in the handler.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { VerifierConfig } from '../../contract/config';
import { contentTypesOf } from '../../catalog/providers';
import { ANY_MEDIA_TYPE, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADER_COUNT, MAX_JSON_DEPTH } from '../../contract/limits';
import type { Headers } from './auth';
import { HeadersTooLargeError, MalformedRequestError, UnsupportedMediaTypeError } from './errors';

/** Throws the first limit a request breaks; returns when it breaks none. */
export type RequestScreen = (event: APIGatewayProxyEvent) => void;

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

/** The screen for a configuration: its header limits, and each route's media types. */
export function requestScreen(config: VerifierConfig): RequestScreen {
  const maxCount = config.maxHeaderCount ?? DEFAULT_MAX_HEADER_COUNT;
  const maxBytes = config.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const accepted = new Map<string, readonly string[]>();
  for (const [path, provider] of Object.entries(config.providers)) {
    const id = provider.id ?? path.replace(/^\//, '');
    accepted.set(path, contentTypesOf(provider.kind ?? id, provider.contentTypes));
  }
  return (event) => {
    checkHeaders(event, maxCount, maxBytes);
    const ranges = accepted.get(event.resource);
    // Only POSTs carry deliveries; other methods are answered (GET handshakes) or refused (405) by the handler.
    if (ranges !== undefined && event.httpMethod === 'POST') checkContentType(event, ranges);
  };
}

/**
 * The verifier's one model of request headers, used by the limits below and by the handler's lookups: every
 * value of every header as received, a repeated header once per value (API Gateway's `multiValueHeaders`, with
 * `headers` for a name it lacks).
 */
export function headerEntries(event: APIGatewayProxyEvent): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  const multi = event.multiValueHeaders ?? {};
  for (const [name, values] of Object.entries(multi)) {
    for (const value of values ?? []) entries.push([name, String(value ?? '')]);
  }
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (!(name in multi) && value !== undefined && value !== null) entries.push([name, String(value)]);
  }
  return entries;
}

/**
 * Case-insensitive lookup over `headerEntries`. A header with more than one value (sent twice, in any letter
 * case) is ambiguous: it reads as '' (present, blank), so no check picks one of its values; the limits count
 * each value.
 */
export function headerLookup(event: APIGatewayProxyEvent): Headers {
  // No index is built: a request carries twenty or so headers (API Gateway adds its own) and the verifier asks for a
  // handful, so each lookup scans the names, comparing only those of the same length case-insensitively. Same
  // entries and order as `headerEntries`, without making them.
  const multi = event.multiValueHeaders ?? {};
  const single = event.headers ?? {};
  const read = (name: string, all: string[] | undefined): string | undefined => {
    const wanted = lowerCase(name);
    let found: string | undefined;
    let count = 0;
    for (const received in multi) {
      const list = multi[received];
      if (received.length !== wanted.length || list === undefined || list === null || (received !== wanted && received.toLowerCase() !== wanted)) continue;
      for (const value of list) {
        found = String(value ?? '');
        count++;
        all?.push(found);
      }
    }
    for (const received in single) {
      const value = single[received];
      if (received.length !== wanted.length || value === undefined || value === null || received in multi || (received !== wanted && received.toLowerCase() !== wanted)) continue;
      found = String(value);
      count++;
      all?.push(found);
    }
    return count <= 1 ? found : '';
  };
  return {
    get: (name) => read(name, undefined),
    getAll: (name) => {
      const all: string[] = [];
      read(name, all);
      return all;
    },
  };
}

/**
 * The lower case of a header name the verifier asks for, worked out once per name: the names asked for are the
 * configuration's (a few per provider), and lower-casing a string costs as much as scanning a request's names.
 */
const LOWER_CASE_NAMES = new Map<string, string>();
const MAX_LOWER_CASE_NAMES = 1024;

function lowerCase(name: string): string {
  let lower = LOWER_CASE_NAMES.get(name);
  if (lower === undefined) {
    if (LOWER_CASE_NAMES.size >= MAX_LOWER_CASE_NAMES) LOWER_CASE_NAMES.clear();
    lower = name.toLowerCase();
    LOWER_CASE_NAMES.set(name, lower);
  }
  return lower;
}

function checkHeaders(event: APIGatewayProxyEvent, maxCount: number, maxBytes: number): void {
  const entries = headerEntries(event);
  if (entries.length > maxCount) {
    throw new HeadersTooLargeError(`The request has ${entries.length} headers; at most ${maxCount} are accepted.`);
  }
  let bytes = 0;
  for (const [name, value] of entries) {
    // As on the wire: `name: value` and CRLF.
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8') + 4;
    if (bytes > maxBytes) {
      throw new HeadersTooLargeError(`The request's headers are larger than ${maxBytes} bytes.`);
    }
  }
}

function checkContentType(event: APIGatewayProxyEvent, ranges: readonly string[]): void {
  if (ranges.includes(ANY_MEDIA_TYPE)) return;
  const values = headerEntries(event).filter(([name]) => name.toLowerCase() === 'content-type').map(([, value]) => value);
  if (values.length === 0) {
    // Nothing to type: an empty POST is left to the scheme to judge.
    if (!event.body) return;
    throw new UnsupportedMediaTypeError(ranges);
  }
  // A Content-Type sent twice is ambiguous.
  if (values.length > 1 || !mediaTypeMatches(values[0], ranges)) {
    throw new UnsupportedMediaTypeError(ranges);
  }
}

/** Whether a Content-Type value (`type/subtype; parameters`) falls in one of the media ranges. */
export function mediaTypeMatches(contentType: string, ranges: readonly string[]): boolean {
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (!MEDIA_TYPE.test(mediaType)) return false;
  const [type, subtype] = mediaType.split('/');
  return ranges.some((range) => {
    if (range === ANY_MEDIA_TYPE) return true;
    const [rangeType, rangeSubtype] = range.split('/');
    if (rangeType !== type) return false;
    if (rangeSubtype === '*') return true;
    if (rangeSubtype.startsWith('*+')) return subtype.endsWith(rangeSubtype.slice(1)) && subtype.length > rangeSubtype.length - 1;
    return rangeSubtype === subtype;
  });
}

/** Parses a JSON body; a body that is not JSON, or nests deeper than `MAX_JSON_DEPTH`, is malformed (400). */
export function parseJsonBody(body: Buffer): unknown {
  // The depth is counted on the text JSON.parse reads: decoding UTF-8 neither makes nor removes the ASCII characters
  // that structure JSON (an invalid byte becomes U+FFFD and the byte after it is read as itself), and counting in the
  // string stays in the engine (a Buffer's indexOf is a call into Node per occurrence).
  const text = body.toString('utf8');
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new MalformedRequestError('body_malformed', `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedRequestError('body_malformed', 'The request body is not valid JSON.');
  }
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether arrays and objects nest deeper than `limit` anywhere in the text (strings are skipped). */
function jsonDepthExceeds(text: string, limit: number): boolean {
  if (text.length <= limit) return false;
  // Nesting deeper than `limit` takes more than `limit` opening brackets: most bodies have fewer, counted first.
  const braces = countChar(text, '{', limit + 1);
  if (braces + countChar(text, '[', limit + 1 - braces) <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** How many times `char` occurs in `text`, counting no further than `max`. */
function countChar(text: string, char: string, max: number): number {
  let count = 0;
  for (let at = text.indexOf(char); at !== -1 && count < max; at = text.indexOf(char, at + 1)) count++;
  return count;
}
