/**
 * Request authentication as pure functions of (raw body bytes, headers, query, URL, secrets, now). No AWS call
 * and no clock; the module-level state is two caches, of parsed public keys (`publicKeys`) and of signed-content
 * templates cut at their placeholders (`TEMPLATE_PIECES`), each a pure function of its key, so they change no
 * result. `prepare` does every check that needs no secret (syntax, timestamp window) and builds the signed
 * content; the returned check then tries each candidate key. The handler only adapts the API Gateway event to
 * these and their result to a response.
 */
import { createHash, createHmac, createPublicKey, createSecretKey, timingSafeEqual, verify as verifySignature, type Hash, type Hmac, type KeyObject } from 'node:crypto';
import { escape as escapeQuery } from 'node:querystring';
import type { SchemeConfig, SignatureConfig, TimestampConfig, TokenConfig } from '../../contract/config';
import { AuthenticationError, InternalError } from './errors';
import { lazySchemes } from './lazy';

/** Request headers with case-insensitive lookup. */
export interface Headers {
  get(name: string): string | undefined;
  /** Every value of a header, a header sent more than once once per value, in order received. */
  getAll?(name: string): string[];
}

/** What authentication may look at. */
export interface RequestView {
  readonly body: Buffer;
  readonly headers: Headers;
  readonly method: string;
  /** The query string as received (`a=1&b=2`), without `?`. */
  readonly rawQuery: string;
  /** The configured public URL of the route (never the Host header). */
  readonly publicUrl?: string;
  /** The delivery id, for schemes that sign it. */
  readonly id?: string;
  /** The body parsed as JSON; throws `MalformedRequestError` when it is not JSON. */
  json(): unknown;
}

/**
 * A prepared check: tries keys, returns the index of the first that authenticates the request, or -1. Schemes whose
 * key is fetched (`jwks.ts`) answer asynchronously.
 */
export interface PreparedCheck {
  match(keys: readonly string[]): number | Promise<number>;
  /** The signed timestamp as sent, for schemes that sign one (a replay repeats it; a provider's retry does not). */
  readonly timestamp?: string;
}

// Whole digits, at most 16 of them (beyond, a number of seconds or milliseconds is no date anyone signs).
const MAX_TIMESTAMP_DIGITS = 16;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const MAX_SIGNATURE_CHARS = 1024;

/**
 * Compares two byte strings in time that depends only on their lengths. Every secret-derived comparison in the
 * verifier goes through here.
 */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A MAC's or hash's digest as bytes: read as a latin1 (`binary`) string, one character per byte copied as is with
 * no branch on its value, into a Buffer from Node's pool. On Node.js 24 that is about 0.4 us faster than
 * `digest()`, whose Buffer gets a backing store of its own: an eighth of an HMAC over a 2 KB body.
 */
export function digestBytes(mac: Hmac | Hash): Buffer {
  return Buffer.from(mac.digest('binary'), 'latin1');
}

/** Compares a presented token with a secret without revealing either's length: both are hashed first. */
export function constantTimeTokenEqual(presented: string, secret: string): boolean {
  const digest = (value: string) => digestBytes(createHash('sha256').update(value, 'utf8'));
  return constantTimeEqual(digest(presented), digest(secret));
}

/**
 * The index of the first key that `test` accepts, or -1. Every key is tried, whichever matched: the time a check
 * takes does not tell whether the current or the previous secret signed the request.
 */
export function firstMatch(keys: readonly string[], test: (key: string) => boolean): number {
  let found = -1;
  for (let i = 0; i < keys.length; i++) {
    if (test(keys[i]) && found < 0) found = i;
  }
  return found;
}

/** Runs every secret-free check of a scheme and returns the check that needs the keys. */
export function prepare(scheme: SchemeConfig, request: RequestView, nowMs: number): PreparedCheck {
  if (scheme.signature) return prepareSignature(scheme.signature, request, nowMs);
  if (scheme.jwt) return lazySchemes().prepareJwt(scheme.jwt, request, nowMs);
  if (scheme.token) return prepareToken(scheme.token, request);
  if (scheme.basicAuth) return prepareBasicAuth(request);
  if (scheme.twilio) return prepareTwilio(request);
  if (scheme.mailgun) return prepareMailgun(scheme.mailgun.toleranceSeconds, request, nowMs);
  if (scheme.adyen) return prepareAdyen(request);
  if (scheme.contentful) return prepareContentful(scheme.contentful.toleranceSeconds, request, nowMs);
  if (scheme.plivo) return preparePlivo(request);
  if (scheme.braintree) return lazySchemes().prepareBraintree(request);
  if (scheme.jwks) return loadJwks().prepareJwks(scheme.jwks, request, nowMs, JWKS_ERRORS);
  if (scheme.dropboxSign) return prepareDropboxSign(request);
  throw new Error('The provider has no authentication scheme.');
}

/** The JWKS module, beside this bundle (`jwks.js`, kept out of it by esbuild), read on first use. */
export function loadJwks(): typeof import('./jwks') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./jwks.js') as typeof import('./jwks');
}

const JWKS_ERRORS = {
  authentication: (code: string, message: string) => new AuthenticationError(code, message),
  unavailable: (code: string, message: string, status: number, cause?: unknown) => new InternalError(code, message, { cause, status }),
  constantTimeEqual: (a: Buffer, b: Buffer) => constantTimeEqual(a, b),
};

// ---------------------------------------------------------------------------------------------------------
// Dropbox Sign: `event.event_hash` = hex HMAC-SHA256(API key, event_time + event_type), in the JSON of the multipart
// field `json` (`request.json()` reads that field). It does not cover the rest of the event.

function prepareDropboxSign(request: RequestView): PreparedCheck {
  const json = request.json();
  const hash = valueAt(json, 'event.event_hash');
  if (!hash) throw new AuthenticationError('signature_missing', 'The event carries no event_hash.');
  const signature = decode(hash, 'hex');
  if (!signature) throw new AuthenticationError('signature_malformed', 'event_hash is not hex.');
  const time = valueAt(json, 'event.event_time');
  const type = valueAt(json, 'event.event_type');
  if (time === undefined || type === undefined) throw new AuthenticationError('timestamp_missing', 'The event carries no event_time or no event_type.');
  const content = Buffer.from(time + type, 'utf8');
  return {
    timestamp: time,
    match: (keys) => keys.findIndex((key) => constantTimeEqual(digestBytes(createHmac('sha256', Buffer.from(key, 'utf8')).update(content)), signature)),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Signatures over a signed-content template: HMAC, Ed25519, ECDSA P-256

function prepareSignature(config: SignatureConfig, request: RequestView, nowMs: number): PreparedCheck {
  const main = mainSignatureHeader(config, request.headers);
  let others: string[] | undefined;
  if (config.otherSignatureHeaders !== undefined) {
    for (const name of config.otherSignatureHeaders) {
      const other = firstHeader(request.headers, name);
      if (other !== undefined) (others ??= []).push(other);
    }
  }
  if (main === '' && others === undefined) {
    throw new AuthenticationError('signature_missing', `Missing ${config.header} header.`);
  }
  // Each presented signature decoded as it is read (no list of strings, no intermediate objects).
  const signatures: Buffer[] = [];
  const fromHeader = main === '' ? undefined : readSignatureHeader(config, main, signatures);
  if (others !== undefined) for (const other of others) readSignatureHeader(config, other.trim(), signatures);
  if (signatures.length === 0) {
    throw new AuthenticationError('signature_malformed', `The ${config.header} header holds no ${config.encoding} signature.`);
  }
  const timestamp = config.timestamp ? checkTimestamp(config.timestamp, request, fromHeader, nowMs) : undefined;
  // The signed content in its parts (the body is one, never copied); an HMAC takes them one by one.
  const parts = signedParts(config.signedContent, request, timestamp, config.urlDecoding);

  if (config.algorithm === 'ed25519' || config.algorithm === 'ecdsa-p256-sha256') {
    const algorithm = config.algorithm;
    const content = joinParts(parts);
    return {
      timestamp,
      match: (keys) => keys.findIndex((key) => {
        const publicKey = parsePublicKey(algorithm, key, config.keyEncoding);
        return publicKey !== undefined && signatures.some((signature) => verifyPublicKey(algorithm, publicKey, content, signature));
      }),
    };
  }
  const keyId = config.keyIdHeader !== undefined ? request.headers.get(config.keyIdHeader) : undefined;
  if (config.keyIdHeader !== undefined && !keyId) {
    throw new AuthenticationError('signature_missing', `Missing ${config.keyIdHeader} header.`);
  }
  return new HmacCheck(config, parts, signatures, keyId, timestamp);
}

/** The check of an HMAC signature: one object a request, with `match` a method. */
class HmacCheck implements PreparedCheck {
  constructor(
    private readonly config: SignatureConfig,
    private readonly parts: readonly SignedPart[],
    private readonly signatures: readonly Buffer[],
    /** With a key id header, a secret is `<key id>:<secret>` and only those of the named key are tried. */
    private readonly keyId: string | undefined,
    readonly timestamp: string | undefined,
  ) {}

  match(keys: readonly string[]): number {
    return firstMatch(keys, (entry) => this.matches(entry));
  }

  private matches(entry: string): boolean {
    const key = this.keyId === undefined ? entry : secretOfKeyId(entry, this.keyId);
    if (key === undefined) return false;
    // A secret's readings (Polar's: its text, then its base64 decoding) are tried in order up to the first that
    // matches: which reading the provider keys with is no secret, and a match needs a genuine signature.
    for (const keyObject of hmacKeyObjects(this.config, key)) {
      if (this.matchesKey(keyObject)) return true;
    }
    return false;
  }

  /** Whether any presented signature is this key's HMAC of the content; every one is compared. */
  private matchesKey(key: KeyObject): boolean {
    const expected = hmacOf(this.config.algorithm, key, this.parts);
    let matched = false;
    for (const candidate of this.signatures) matched = constantTimeEqual(expected, candidate) || matched;
    return matched;
  }
}

/** The HMAC of content given in parts, each fed to it in turn (no copy of the whole). */
function hmacOf(algorithm: string, key: KeyObject | Buffer, parts: readonly SignedPart[]): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return digestBytes(mac);
}

/**
 * The secret part of a `<key id>:<secret>` entry whose key id is `keyId`; undefined for another key's entry or one
 * without a key id. Key ids name keys (Pusher app keys, LiveKit API keys): they are not secret, and compared as is.
 */
export function secretOfKeyId(entry: string, keyId: string): string | undefined {
  const at = entry.indexOf(':');
  if (at <= 0 || at === entry.length - 1) return undefined;
  return entry.slice(0, at) === keyId ? entry.slice(at + 1) : undefined;
}

/**
 * The signature header's value, trimmed ('' when absent or blank); with `repeatedHeader`, a header sent more than
 * once is read as one list, its values joined with the pair separator.
 */
function mainSignatureHeader(config: SignatureConfig, headers: Headers): string {
  if (config.repeatedHeader) {
    const repeated = headers.getAll?.(config.header);
    if (repeated !== undefined && repeated.length > 1) return repeated.join(config.format.pairSeparator ?? ',').trim();
  }
  const raw = firstHeader(headers, config.header, config.headerAliases);
  return raw === undefined ? '' : raw.trim();
}

/** The value of the first of these headers that is present and not blank. */
function firstHeader(headers: Headers, name: string, aliases?: readonly string[]): string | undefined {
  const value = headers.get(name);
  if (value !== undefined && !isBlank(value)) return value;
  if (aliases === undefined) return undefined;
  for (const alias of aliases) {
    const aliased = headers.get(alias);
    if (aliased !== undefined && !isBlank(aliased)) return aliased;
  }
  return undefined;
}

/**
 * Reads a signature header: decodes each signature it carries (in `format.encoding`) into `signatures`, skipping
 * those that do not decode, and returns the timestamp it carries, if its format has one.
 */
function readSignatureHeader(config: SignatureConfig, header: string, signatures: Buffer[]): string | undefined {
  const format = config.format;
  const prefix = format.prefix ?? '';
  if (format.kind === 'plain') {
    if (!header.startsWith(prefix)) {
      throw new AuthenticationError('signature_malformed', `The ${config.header} header does not start with "${prefix}".`);
    }
    addDecoded(signatures, prefix === '' ? header : header.slice(prefix.length), config.encoding);
    return undefined;
  }
  if (format.kind === 'list') {
    const separator = format.pairSeparator ?? ' ';
    for (let start = 0; start < header.length; ) {
      let end = header.indexOf(separator, start);
      if (end < 0) end = header.length;
      const value = trimmedSlice(header, start, end);
      if (value.startsWith(prefix)) addDecoded(signatures, value.slice(prefix.length), config.encoding);
      start = end + separator.length;
    }
    return undefined;
  }
  // Read in place, entry by entry (no list of entries, no copy of an entry): each key and value is cut from the
  // header once, and trimmed only when it has white space to lose.
  const pairSeparator = format.pairSeparator ?? ',';
  const keyValueSeparator = format.keyValueSeparator ?? '=';
  let timestamp: string | undefined;
  for (let start = 0; start < header.length; ) {
    let end = header.indexOf(pairSeparator, start);
    if (end < 0) end = header.length;
    const at = header.indexOf(keyValueSeparator, start);
    if (at > start && at < end) {
      const key = trimmedSlice(header, start, at);
      const value = trimmedSlice(header, at + keyValueSeparator.length, end);
      if (key === format.signatureKey) addDecoded(signatures, value, config.encoding);
      else if (key === format.timestampKey) {
        // Two different timestamps (a header sent twice, which an HTTP API joins with a comma) are ambiguous: no
        // provider sends them, and picking one (Stripe's SDK takes the last) would be a guess.
        if (timestamp !== undefined && timestamp !== value) {
          throw new AuthenticationError('signature_malformed', `The ${config.header} header carries two different timestamps.`);
        }
        timestamp = value;
      }
    }
    start = end + pairSeparator.length;
  }
  return timestamp;
}

/** Whether `text.trim()` is empty, without making the trimmed string. */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isWhiteSpace(text.charCodeAt(i))) return false;
  return true;
}

/** `text.slice(start, end).trim()`, cutting the trimmed range directly. */
function trimmedSlice(text: string, start: number, end: number): string {
  while (start < end && isWhiteSpace(text.charCodeAt(start))) start++;
  while (end > start && isWhiteSpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/** Whether `String.prototype.trim` removes this character (the ASCII ones answered without a regular expression). */
function isWhiteSpace(code: number): boolean {
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return WHITE_SPACE.test(String.fromCharCode(code));
}

const WHITE_SPACE = /^\s$/;

/** Adds `value` decoded to `signatures`, unless it does not decode. */
function addDecoded(signatures: Buffer[], value: string, encoding: SignatureConfig['encoding']): void {
  const decoded = decode(value, encoding);
  if (decoded !== undefined) signatures.push(decoded);
}

/** The base64 alphabets by character code: 0 for neither, 1 for standard only, 2 for URL-safe only, 3 for both. */
const BASE64_ALPHABETS = (() => {
  const table = new Uint8Array(128);
  const both = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < both.length; i++) table[both.charCodeAt(i)] = 3;
  table[0x2b] = 1; // +
  table[0x2f] = 1; // /
  table[0x2d] = 2; // -
  table[0x5f] = 2; // _
  return table;
})();

/**
 * Whether `value` is base64 as providers write it: standard base64 in whole groups of four, padded with `=`; or
 * unpadded URL-safe base64 whose length leaves no lone character (it would encode no whole byte). Checked with one
 * table lookup a character.
 */
export function isBase64Text(value: string, urlSafe: boolean): boolean {
  let end = value.length;
  if (urlSafe) {
    if (end % 4 === 1) return false;
  } else {
    if (end % 4 !== 0) return false;
    if (end > 0 && value.charCodeAt(end - 1) === 0x3d) end -= value.charCodeAt(end - 2) === 0x3d ? 2 : 1;
  }
  const alphabet = urlSafe ? 2 : 1;
  for (let i = 0; i < end; i++) {
    const code = value.charCodeAt(i);
    if (code >= 128 || (BASE64_ALPHABETS[code] & alphabet) === 0) return false;
  }
  return true;
}

function decode(value: string, encoding: 'hex' | 'base64' | 'base64url'): Buffer | undefined {
  if (value.length === 0 || value.length > MAX_SIGNATURE_CHARS) return undefined;
  if (encoding === 'hex') {
    // Decoded straight into a buffer of the exact size: Node's hex decoder stops at the first pair that is not two
    // hex digits, so the text was hex exactly when every pair was written.
    if (value.length % 2 !== 0) return undefined;
    const bytes = Buffer.allocUnsafe(value.length / 2);
    return bytes.write(value, 'hex') * 2 === value.length ? bytes : undefined;
  }
  return isBase64Text(value, encoding === 'base64url') ? Buffer.from(value, encoding) : undefined;
}

/**
 * The value of 1 to `MAX_TIMESTAMP_DIGITS` ASCII digits, or -1 for any other text (read in one pass: no regular
 * expression, no string-to-number conversion).
 */
function wholeNumber(text: string): number {
  if (text.length === 0 || text.length > MAX_TIMESTAMP_DIGITS) return -1;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * An RFC 3339 date-time's milliseconds since the epoch, exactly as `Date.parse` reads it (NaN where it refuses the
 * date, such as month 13); undefined for text that is not an RFC 3339 date-time. The usual form
 * (`2026-12-03T10:11:12Z`, `...T10:11:12.634Z`, `...T02:11:12-08:00`) is read by position, without a regular
 * expression or the date parser; any other (a space or lower-case `t`, hour 24, year 0099) goes to both.
 */
export function rfc3339Millis(value: string): number | undefined {
  const length = value.length;
  if (length >= 20 && length <= 35 && value.charCodeAt(10) === 0x54 /* T */ && value.charCodeAt(4) === 0x2d && value.charCodeAt(7) === 0x2d
    && value.charCodeAt(13) === 0x3a && value.charCodeAt(16) === 0x3a) {
    const year = digitsAt(value, 0, 4);
    const month = digitsAt(value, 5, 2);
    const day = digitsAt(value, 8, 2);
    const hour = digitsAt(value, 11, 2);
    const minute = digitsAt(value, 14, 2);
    const second = digitsAt(value, 17, 2);
    let at = 19;
    let ms = 0;
    if (value.charCodeAt(at) === 0x2e /* . */) {
      let digits = 0;
      for (at++; at < length && digits < 9; at++, digits++) {
        const digit = value.charCodeAt(at) - 0x30;
        if (digit < 0 || digit > 9) break;
        // Date.parse keeps milliseconds and drops finer digits.
        if (digits < 3) ms += digit * (digits === 0 ? 100 : digits === 1 ? 10 : 1);
      }
      if (digits === 0) at = -1;
    }
    let offsetMinutes: number | undefined;
    if (at === length - 1 && value.charCodeAt(at) === 0x5a /* Z */) offsetMinutes = 0;
    else if (at === length - 6 && value.charCodeAt(at + 3) === 0x3a) {
      const sign = value.charCodeAt(at);
      const hours = digitsAt(value, at + 1, 2);
      const minutes = digitsAt(value, at + 4, 2);
      if ((sign === 0x2b || sign === 0x2d) && hours >= 0 && hours <= 23 && minutes >= 0 && minutes <= 59) {
        offsetMinutes = (sign === 0x2b ? 1 : -1) * (hours * 60 + minutes);
      }
    }
    if (year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59
      && second >= 0 && second <= 59 && offsetMinutes !== undefined) {
      return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
    }
  }
  return RFC3339.test(value) ? Date.parse(value) : undefined;
}

/** The number written by `count` ASCII digits at `start`, or -1 when any is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Reads the signed timestamp, checks its window, and returns it exactly as sent (it is signed as sent). */
function checkTimestamp(config: TimestampConfig, request: RequestView, fromSignatureHeader: string | undefined, nowMs: number): string {
  let value: string | undefined;
  if (config.source === 'signatureHeader') value = fromSignatureHeader;
  else if (config.source === 'header') value = firstHeader(request.headers, config.header ?? '', config.headerAliases);
  else value = valueAt(request.json(), config.jsonPath ?? '');
  if (value === undefined || value === '') {
    throw new AuthenticationError('timestamp_missing', 'The request carries no signed timestamp.');
  }
  let seconds: number;
  if (config.unit === 'rfc3339') {
    const ms = rfc3339Millis(value);
    if (ms === undefined) throw new AuthenticationError('timestamp_malformed', 'The signed timestamp is not an RFC 3339 date-time.');
    seconds = ms / 1000;
  } else {
    const whole = wholeNumber(value);
    if (whole < 0) throw new AuthenticationError('timestamp_malformed', 'The signed timestamp is not a whole number.');
    seconds = config.unit === 'ms' ? whole / 1000 : whole;
  }
  const ageSeconds = nowMs / 1000 - seconds;
  const tolerance = config.toleranceSeconds;
  if (tolerance !== undefined && (!Number.isFinite(ageSeconds) || ageSeconds > tolerance || (!config.allowFuture && -ageSeconds > tolerance))) {
    throw new AuthenticationError('timestamp_out_of_window', `The signed timestamp is outside the ${tolerance} s window.`);
  }
  return value;
}

/** The bytes the provider signed, from a template over {body} {timestamp} {id} {url} {method}. */
// HubSpot signs the URI with these percent-encodings decoded (its v3 signature documentation).
const HUBSPOT_DECODED = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi;

const TEMPLATE_PIECES = new Map<string, readonly string[]>();

/** Each route's public URL as HubSpot signs it, worked out once (only without a query: a query is the sender's). */
const HUBSPOT_URLS = new Map<string, string>();

function hubspotUrl(url: string, cacheable: boolean): string {
  let decoded = HUBSPOT_URLS.get(url);
  if (decoded === undefined) {
    decoded = url.replace(HUBSPOT_DECODED, (encoded) => decodeURIComponent(encoded));
    if (cacheable) HUBSPOT_URLS.set(url, decoded);
  }
  return decoded;
}

/** A template cut at its placeholders, once per template (there are as many templates as configured providers). */
function templatePieces(template: string): readonly string[] {
  let pieces = TEMPLATE_PIECES.get(template);
  if (!pieces) {
    pieces = template.split(/(\{body\}|\{timestamp\}|\{id\}|\{url\}|\{method\})/).filter((piece) => piece !== '');
    TEMPLATE_PIECES.set(template, pieces);
  }
  return pieces;
}

/** A part of the signed content: the body's bytes, or text signed as UTF-8. */
export type SignedPart = Buffer | string;

/** The signed content in order, the body as received and every other part as text (UTF-8 when hashed). */
export function signedParts(template: string, request: RequestView, timestamp: string | undefined, urlDecoding?: 'hubspot'): SignedPart[] {
  // Text between two bodies is joined into one string: one HMAC update for it (an update costs about as much as
  // hashing 100 bytes).
  const parts: SignedPart[] = [];
  let text = '';
  for (const piece of templatePieces(template)) {
    if (piece === '{body}') {
      if (text !== '') parts.push(text);
      text = '';
      parts.push(request.body);
    } else if (piece === '{timestamp}') text += timestamp ?? '';
    else if (piece === '{id}') text += request.id ?? '';
    else if (piece === '{url}') {
      const url = fullUrl(request);
      text += urlDecoding === 'hubspot' ? hubspotUrl(url, request.rawQuery === '') : url;
    }
    else if (piece === '{method}') text += request.method;
    else text += piece;
  }
  if (text !== '') parts.push(text);
  return parts;
}

/** The parts as one byte string; the body alone (GitHub, Shopify, most providers) without a copy of it. */
function joinParts(parts: readonly SignedPart[]): Buffer {
  if (parts.length === 1 && typeof parts[0] !== 'string') return parts[0];
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
}

/** The bytes the provider signed, from a template over {body} {timestamp} {id} {url} {method}. */
export function signedContent(template: string, request: RequestView, timestamp: string | undefined, urlDecoding?: 'hubspot'): Buffer {
  return joinParts(signedParts(template, request, timestamp, urlDecoding));
}

function fullUrl(request: RequestView): string {
  if (!request.publicUrl) throw new Error('This provider signs its URL, but no public URL is configured.');
  return request.rawQuery ? `${request.publicUrl}?${request.rawQuery}` : request.publicUrl;
}

/** Turns a secret string into HMAC key bytes as the provider defines them. */
export function hmacKey(config: Pick<SignatureConfig, 'keyEncoding' | 'keyPrefix'>, secret: string): Buffer {
  const material = config.keyPrefix && secret.startsWith(config.keyPrefix) ? secret.slice(config.keyPrefix.length) : secret;
  return Buffer.from(material, config.keyEncoding);
}

/**
 * HMAC keys as key objects, decoded once per secret and key encoding rather than on every request. A container
 * holds the keys of its receiver's secrets (current and previous versions); past `MAX_CACHED_KEYS` the cache starts
 * over, so a rotation never makes it grow without bound.
 */
const HMAC_KEY_OBJECTS = new Map<string, Map<string, KeyObject>>();
const MAX_CACHED_KEYS = 256;
let cachedKeyCount = 0;

/**
 * Each scheme's keys by the secret as stored, so that a request finds them with one lookup of a string the secret
 * cache already holds (no `keyPrefix` cut, no hashing of a new string). Bounded as `HMAC_KEY_OBJECTS` is.
 */
const KEYS_BY_SCHEME = new WeakMap<object, Map<string, readonly KeyObject[]>>();

/**
 * The HMAC keys `secret` stands for, as key objects made on first use: its `keyEncoding` reading without
 * `keyPrefix`, then (Polar) each of `alternateKeys` that applies.
 */
function hmacKeyObjects(config: Pick<SignatureConfig, 'keyEncoding' | 'keyPrefix' | 'alternateKeys'>, secret: string): readonly KeyObject[] {
  let bySecret = KEYS_BY_SCHEME.get(config);
  if (!bySecret) KEYS_BY_SCHEME.set(config, (bySecret = new Map()));
  let keys = bySecret.get(secret);
  if (!keys) {
    if (bySecret.size >= MAX_CACHED_KEYS) bySecret.clear();
    if (config.alternateKeys === undefined) {
      const material = config.keyPrefix && secret.startsWith(config.keyPrefix) ? secret.slice(config.keyPrefix.length) : secret;
      keys = [keyObjectOf(material, config.keyEncoding)];
    } else {
      keys = hmacKeys(config, secret).map((key) => createSecretKey(key));
    }
    bySecret.set(secret, keys);
  }
  return keys;
}

function keyObjectOf(material: string, encoding: SignatureConfig['keyEncoding']): KeyObject {
  let byMaterial = HMAC_KEY_OBJECTS.get(encoding);
  if (!byMaterial) HMAC_KEY_OBJECTS.set(encoding, (byMaterial = new Map()));
  let key = byMaterial.get(material);
  if (!key) {
    if (cachedKeyCount >= MAX_CACHED_KEYS) {
      HMAC_KEY_OBJECTS.clear();
      HMAC_KEY_OBJECTS.set(encoding, byMaterial);
      byMaterial.clear();
      cachedKeyCount = 0;
    }
    key = createSecretKey(Buffer.from(material, encoding));
    byMaterial.set(material, key);
    cachedKeyCount++;
  }
  return key;
}

/** Whether `value` decodes under the WHATWG forgiving-base64 rules, as `atob` (which Polar's SDK uses) decodes. */
function isForgivingBase64(value: string): boolean {
  const unpadded = value.length % 4 === 0 ? value.replace(/={1,2}$/, '') : value;
  return unpadded.length > 0 && unpadded.length % 4 !== 1 && /^[A-Za-z0-9+/]*$/.test(unpadded);
}

/** The HMAC keys a secret stands for: `keyEncoding`'s, then each of `alternateKeys` that applies. */
function hmacKeys(config: Pick<SignatureConfig, 'keyEncoding' | 'keyPrefix' | 'alternateKeys'>, secret: string): Buffer[] {
  const keys = [hmacKey(config, secret)];
  for (const alternate of config.alternateKeys ?? []) {
    const material = alternate.keyPrefix && secret.startsWith(alternate.keyPrefix) ? secret.slice(alternate.keyPrefix.length) : secret;
    if (alternate.keyEncoding === 'base64' && !isForgivingBase64(material)) continue;
    const key = Buffer.from(material, alternate.keyEncoding);
    if (key.length > 0 && !keys.some((k) => k.equals(key))) keys.push(key);
  }
  return keys;
}

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const publicKeys = new Map<string, KeyObject | undefined>();

function parsePublicKey(algorithm: 'ed25519' | 'ecdsa-p256-sha256', key: string, encoding: string): KeyObject | undefined {
  const cacheKey = `${algorithm}:${key}`;
  if (!publicKeys.has(cacheKey)) {
    let parsed: KeyObject | undefined;
    try {
      const bytes = Buffer.from(key.trim(), encoding === 'hex' ? 'hex' : 'base64');
      const der = algorithm === 'ed25519' && bytes.length === 32 ? Buffer.concat([ED25519_SPKI_PREFIX, bytes]) : bytes;
      parsed = createPublicKey({ key: der, format: 'der', type: 'spki' });
    } catch {
      parsed = undefined;
    }
    publicKeys.set(cacheKey, parsed);
  }
  return publicKeys.get(cacheKey);
}

function verifyPublicKey(algorithm: 'ed25519' | 'ecdsa-p256-sha256', key: KeyObject, content: Buffer, signature: Buffer): boolean {
  try {
    return algorithm === 'ed25519'
      ? verifySignature(null, content, key, signature)
      : verifySignature('sha256', content, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Shared tokens and Basic authentication

function prepareToken(config: TokenConfig, request: RequestView): PreparedCheck {
  let presented: string[];
  if (config.header !== undefined) {
    const value = request.headers.get(config.header);
    presented = value ? [value] : [];
  } else {
    const found = valuesAt(request.json(), config.jsonPath ?? '');
    // Every item must carry the token: one without it is not vouched for by the others.
    presented = found.includes(undefined) ? [] : (found as string[]);
  }
  if (presented.length === 0) {
    throw new AuthenticationError('signature_missing', 'The request carries no token.');
  }
  return { match: (keys) => firstMatch(keys, (key) => presented.every((value) => constantTimeTokenEqual(value, key))) };
}

function prepareBasicAuth(request: RequestView): PreparedCheck {
  const header = request.headers.get('authorization');
  const match = header?.match(/^Basic ([A-Za-z0-9+/]+={0,2})$/i);
  if (!match) {
    throw new AuthenticationError('signature_missing', 'The request carries no Basic credentials.');
  }
  const presented = Buffer.from(match[1], 'base64').toString('utf8');
  return { match: (keys) => firstMatch(keys, (key) => constantTimeTokenEqual(presented, key)) };
}

// ---------------------------------------------------------------------------------------------------------
// Twilio: HMAC-SHA1, base64, over the URL (and, for form posts, every parameter's key and value, sorted)

function prepareTwilio(request: RequestView): PreparedCheck {
  const raw = request.headers.get('x-twilio-signature');
  if (!raw) throw new AuthenticationError('signature_missing', 'Missing X-Twilio-Signature header.');
  const signature = decode(raw.trim(), 'base64');
  if (!signature) throw new AuthenticationError('signature_malformed', 'X-Twilio-Signature is not base64.');

  if (!request.publicUrl) throw new Error('This provider signs its URL, but no public URL is configured.');
  const contentType = request.headers.get('content-type') ?? '';
  let suffix = '';
  if (contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    // Each distinct value once, sorted, as Twilio's own helper signs them; one pass over the parameters, and no
    // list for the usual parameter with one value.
    const params = new Map<string, string | string[]>();
    for (const [key, value] of new URLSearchParams(request.body.toString('utf8'))) {
      const seen = params.get(key);
      if (seen === undefined) params.set(key, value);
      else if (typeof seen === 'string') {
        if (seen !== value) params.set(key, [seen, value]);
      } else if (!seen.includes(value)) seen.push(value);
    }
    for (const key of [...params.keys()].sort()) {
      const values = params.get(key)!;
      if (typeof values === 'string') suffix += key + values;
      else for (const value of values.sort()) suffix += key + value;
    }
  } else {
    // JSON and other bodies: the URL carries bodySHA256, the hex SHA-256 of the body, and is what is signed.
    const declared = new URLSearchParams(request.rawQuery).get('bodySHA256');
    if (!declared) throw new AuthenticationError('signature_malformed', 'A Twilio request with a non-form body must carry bodySHA256.');
    const actual = createHash('sha256').update(request.body).digest('hex');
    if (!constantTimeTokenEqual(declared.toLowerCase(), actual)) {
      throw new AuthenticationError('signature_mismatch', 'bodySHA256 does not match the body.');
    }
  }
  // Twilio's own validator accepts the URL with and without the default port: the URL as configured is tried
  // first, and a key stops at the first variant it matches. Which variant matched is no secret (the sender chose
  // it), and every key is still tried (firstMatch), so the time taken does not tell which key matched.
  const query = request.rawQuery ? `?${request.rawQuery}` : '';
  const variants = urlVariants(request.publicUrl);
  return {
    match: (keys) => firstMatch(keys, (key) => {
      const hmacKeyBytes = keyObjectOf(key, 'utf8');
      for (const url of variants) {
        if (constantTimeEqual(hmacOf('sha1', hmacKeyBytes, [url, query, suffix]), signature)) return true;
      }
      return false;
    }),
  };
}

const URL_VARIANTS = new Map<string, readonly string[]>();

/** The configured URL, then with the default port added or removed; worked out once per URL (configuration). */
function urlVariants(url: string): readonly string[] {
  let variants = URL_VARIANTS.get(url);
  if (!variants) {
    const parsed = new URL(url);
    const port = parsed.protocol === 'https:' ? '443' : '80';
    const withPort = parsed.port ? url : url.replace(parsed.host, `${parsed.hostname}:${port}`);
    const withoutPort = parsed.port === port ? url.replace(parsed.host, parsed.hostname) : url;
    variants = [...new Set([url, withPort, withoutPort])];
    URL_VARIANTS.set(url, variants);
  }
  return variants;
}

// ---------------------------------------------------------------------------------------------------------
// Plivo V3: HMAC-SHA256, base64, over `{base}.{nonce}`; for a POST, base = the URL, `?` and its query parameters
// sorted (`k=v&...`), `.` when there are both, then the form parameters sorted as `keyvalue` (plivo-node
// `utils/v3Security.js`, `construct_post_url`)

function preparePlivo(request: RequestView): PreparedCheck {
  const raw = request.headers.get('x-plivo-signature-v3');
  if (!raw || raw.trim() === '') throw new AuthenticationError('signature_missing', 'Missing X-Plivo-Signature-V3 header.');
  const nonce = request.headers.get('x-plivo-signature-v3-nonce');
  if (!nonce || nonce.trim() === '') throw new AuthenticationError('signature_missing', 'Missing X-Plivo-Signature-V3-Nonce header.');
  const signatures = raw.split(',').map((v) => decode(v.trim(), 'base64')).filter((b): b is Buffer => b !== undefined);
  if (signatures.length === 0) throw new AuthenticationError('signature_malformed', 'X-Plivo-Signature-V3 holds no base64 signature.');

  const contentType = (request.headers.get('content-type') ?? '').toLowerCase();
  const isForm = contentType.startsWith('application/x-www-form-urlencoded');
  // Only form parameters are signed: any other body would go unsigned.
  if (!isForm && request.body.length > 0) throw new AuthenticationError('signature_malformed', 'Plivo signs form parameters only; the body is not a form.');
  // Each key once, sorted, with its values sorted; the values grouped in one pass (getAll per key is quadratic).
  const sortedPairs = (params: URLSearchParams, join: (key: string, value: string) => string) => {
    const byKey = new Map<string, string[]>();
    for (const [key, value] of params) {
      const values = byKey.get(key);
      if (values) values.push(value);
      else byKey.set(key, [value]);
    }
    return [...byKey.keys()].sort().flatMap((key) => byKey.get(key)!.sort().map((value) => join(key, value)));
  };
  const query = sortedPairs(new URLSearchParams(request.rawQuery), (key, value) => `${key}=${value}`).join('&');
  const form = isForm ? sortedPairs(new URLSearchParams(request.body.toString('utf8')), (key, value) => key + value) : [];
  if (!request.publicUrl) throw new Error('This provider signs its URL, but no public URL is configured.');
  let base = request.publicUrl.split('?')[0];
  if (query !== '' || form.length > 0) base += `?${query}`;
  if (query !== '' && form.length > 0) base += '.';
  const content = Buffer.from(`${base}${form.join('')}.${nonce}`, 'utf8');
  return {
    match: (keys) => firstMatch(keys, (key) => {
      const expected = digestBytes(createHmac('sha256', keyObjectOf(key, 'utf8')).update(content));
      let matched = false;
      for (const candidate of signatures) matched = constantTimeEqual(expected, candidate) || matched;
      return matched;
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Mailgun: HMAC-SHA256, hex, over the body's signature.timestamp + signature.token (the rest is not signed)

function prepareMailgun(toleranceSeconds: number, request: RequestView, nowMs: number): PreparedCheck {
  // Events of a subaccount also carry `parent-signature`, made with the primary account's key: either may match.
  const presented = ['signature.signature', 'signature.parent-signature'].map((path) => valueAt(request.json(), path)).filter((v): v is string => !!v);
  const token = valueAt(request.json(), 'signature.token');
  if (presented.length === 0 || !token) throw new AuthenticationError('signature_missing', 'The body carries no Mailgun signature.');
  const signatures = presented.map((v) => decode(v, 'hex')).filter((b): b is Buffer => b !== undefined);
  if (signatures.length === 0) throw new AuthenticationError('signature_malformed', 'The Mailgun signature is not hex.');
  const timestamp = checkTimestamp({ source: 'jsonPath', jsonPath: 'signature.timestamp', unit: 's', toleranceSeconds, allowFuture: false }, request, undefined, nowMs);
  const content = Buffer.from(timestamp + token, 'utf8');
  return {
    timestamp,
    match: (keys) => firstMatch(keys, (key) => {
      const expected = digestBytes(createHmac('sha256', keyObjectOf(key, 'utf8')).update(content));
      let matched = false;
      for (const candidate of signatures) matched = constantTimeEqual(expected, candidate) || matched;
      return matched;
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Contentful: HMAC-SHA256, hex, over the canonical request `METHOD\nPATH\nh1:v1;h2:v2\nBODY`, the headers those
// named in x-contentful-signed-headers (@contentful/node-apps-toolkit `signRequest` / `verifyRequest`)

const CONTENTFUL_SIGNED_HEADERS = 'x-contentful-signed-headers';
const CONTENTFUL_TIMESTAMP = 'x-contentful-timestamp';

function prepareContentful(toleranceSeconds: number, request: RequestView, nowMs: number): PreparedCheck {
  const presented = request.headers.get('x-contentful-signature');
  if (!presented || presented.trim() === '') throw new AuthenticationError('signature_missing', 'Missing x-contentful-signature header.');
  const signature = decode(presented.trim(), 'hex');
  if (!signature || signature.length !== 32) throw new AuthenticationError('signature_malformed', 'x-contentful-signature is not a hex SHA-256 HMAC.');
  const named = contentfulSignedNames(request.headers.get(CONTENTFUL_SIGNED_HEADERS) ?? '');
  const timestamp = checkTimestamp({ source: 'header', header: CONTENTFUL_TIMESTAMP, unit: 'ms', toleranceSeconds, allowFuture: false }, request, undefined, nowMs);
  // The canonical request in its two parts, the body not copied.
  const parts = [`${request.method}\n${contentfulPath(request)}\n${contentfulHeaderText(named, request, timestamp)}\n`, request.body];
  return {
    timestamp,
    match: (keys) => firstMatch(keys, (key) => constantTimeEqual(hmacOf('sha256', keyObjectOf(key, 'utf8'), parts), signature)),
  };
}

/** The names an x-contentful-signed-headers value lists: trimmed, lowercase, each once, sorted; and them joined. */
interface ContentfulNames {
  readonly names: readonly string[];
  readonly joined: string;
}

/**
 * The names of each x-contentful-signed-headers value seen, worked out once: Contentful sends the same list with
 * every delivery of a webhook. Only lists that name both required headers are kept, and past
 * `MAX_CONTENTFUL_LISTS` the cache starts over: the value is the sender's, so it must not grow without bound.
 */
const CONTENTFUL_NAMES = new Map<string, ContentfulNames>();
const MAX_CONTENTFUL_LISTS = 64;

function contentfulSignedNames(value: string): ContentfulNames {
  let entry = CONTENTFUL_NAMES.get(value);
  if (!entry) {
    const named = value.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
    if (!named.includes(CONTENTFUL_SIGNED_HEADERS) || !named.includes(CONTENTFUL_TIMESTAMP)) {
      throw new AuthenticationError('signature_malformed', 'x-contentful-signed-headers must name itself and x-contentful-timestamp.');
    }
    const names = [...new Set(named)].sort();
    entry = { names, joined: names.join(',') };
    if (CONTENTFUL_NAMES.size >= MAX_CONTENTFUL_LISTS) CONTENTFUL_NAMES.clear();
    CONTENTFUL_NAMES.set(value, entry);
  }
  return entry;
}

/**
 * `h1:v1;h2:v2`, the signed headers of the canonical request: those named and present, sorted, values trimmed; the
 * signed-headers value as the SDK rewrites it (the names of those present, sorted), the timestamp as sent.
 */
function contentfulHeaderText({ names, joined }: ContentfulNames, request: RequestView, timestamp: string): string {
  let text = '';
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    let value: string;
    if (name === CONTENTFUL_SIGNED_HEADERS) {
      value = joined;
    } else if (name === CONTENTFUL_TIMESTAMP) {
      value = timestamp;
    } else {
      const received = request.headers.get(name);
      // A named header that is absent is left out, of the text and of the names: made again from those present
      // (the two required ones are, or the request was refused before).
      if (received === undefined) {
        const present = names.filter((other) => request.headers.get(other) !== undefined);
        return contentfulHeaderText({ names: present, joined: present.join(',') }, request, timestamp);
      }
      value = received.trim();
    }
    text += i === 0 ? `${name}:${value}` : `;${name}:${value}`;
  }
  return text;
}

/** The request's public path and query, normalised as Contentful's SDK does (`getNormalizedEncodedURI`). */
function contentfulPath(request: RequestView): string {
  const url = fullUrl(request);
  let path = CONTENTFUL_PATHS.get(url);
  if (path === undefined) {
    // Kept only without a query, one per route: a query is the sender's, and would let the map grow without bound.
    path = normalisedPath(url);
    if (!request.rawQuery) CONTENTFUL_PATHS.set(url, path);
  }
  return path;
}

/** The normalised path of each route's public URL, worked out once. */
const CONTENTFUL_PATHS = new Map<string, string>();

function normalisedPath(url: string): string {
  const afterHost = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/';
  const [pathname, search] = afterHost.split('?');
  const escaped = search ? escapeQuery(search) : '';
  return encodeURI(escaped ? `${pathname}?${escaped}` : pathname);
}

// ---------------------------------------------------------------------------------------------------------
// Adyen: each notification item signs eight of its fields, colon-joined, HMAC-SHA256 with a hex key, base64

const ADYEN_SIGNED_FIELDS = [
  'pspReference',
  'originalReference',
  'merchantAccountCode',
  'merchantReference',
  'amount.value',
  'amount.currency',
  'eventCode',
  'success',
];

function prepareAdyen(request: RequestView): PreparedCheck {
  const entries = (request.json() as { notificationItems?: unknown } | null)?.notificationItems;
  if (!Array.isArray(entries) || entries.length === 0) throw new AuthenticationError('signature_missing', 'The body carries no Adyen notification items.');
  const checks: Array<{ readonly signature: Buffer; readonly content: string }> = [];
  for (const entry of entries) {
    const item = (entry as { NotificationRequestItem?: unknown } | null | undefined)?.NotificationRequestItem;
    const presented = adyenSignature(item);
    if (!presented) throw new AuthenticationError('signature_missing', 'A notification item carries no hmacSignature.');
    const signature = decode(presented, 'base64');
    if (!signature) throw new AuthenticationError('signature_malformed', 'An hmacSignature is not base64.');
    let content = adyenField(item, ADYEN_FIELD_PATHS[0]);
    for (let i = 1; i < ADYEN_FIELD_PATHS.length; i++) content += `:${adyenField(item, ADYEN_FIELD_PATHS[i])}`;
    // Hashed as UTF-8 text (an HMAC update takes the string as is).
    checks.push({ signature, content });
  }
  // Every item must be signed: one genuine item does not vouch for the others.
  return {
    match: (keys) => firstMatch(keys, (key) => {
      const hmacKeyBytes = keyObjectOf(key.trim(), 'hex');
      let all = true;
      for (const { signature, content } of checks) {
        all = constantTimeEqual(digestBytes(createHmac('sha256', hmacKeyBytes).update(content)), signature) && all;
      }
      return all;
    }),
  };
}

const ADYEN_FIELD_PATHS = ADYEN_SIGNED_FIELDS.map((path) => path.split('.'));
const ADYEN_SIGNATURE_PATH = ['additionalData', 'hmacSignature'];

/**
 * A signed field of an item as Adyen's library writes it: a string, number or boolean as text, anything else
 * (absent, null, an object) as ''.
 */
function adyenField(item: unknown, segments: readonly string[]): string {
  const node = adyenNode(item, segments);
  return typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean' ? String(node) : '';
}

/** An item's `additionalData.hmacSignature`, a string or a number as text, as `valueAt` reads it. */
function adyenSignature(item: unknown): string | undefined {
  const node = adyenNode(item, ADYEN_SIGNATURE_PATH);
  return typeof node === 'string' || typeof node === 'number' ? String(node) : undefined;
}

/** The node at a path of object members (no segment of Adyen's paths names an array item), or undefined. */
function adyenNode(item: unknown, segments: readonly string[]): unknown {
  let current = item;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

// ---------------------------------------------------------------------------------------------------------
// JSON paths

/** A string or number at a dot-separated path (numeric segments index arrays), as a string. */
export function valueAt(value: unknown, path: string): string | undefined {
  const node = nodeAt(value, path);
  return typeof node === 'string' || typeof node === 'number' ? String(node) : undefined;
}

/** The JSON node at a dot path (object members, and array indices as numeric segments), whatever its type. */
export function nodeAt(value: unknown, path: string): unknown {
  let current = value;
  for (const segment of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)];
    else if (current !== null && typeof current === 'object' && !Array.isArray(current)) current = (current as Record<string, unknown>)[segment];
    else return undefined;
  }
  return current;
}

/**
 * The value at a path for every item, where an array on the way means "each item" (`value.clientState`); an
 * item without a string there yields undefined, so a caller can require every item to carry it.
 */
export function valuesAt(value: unknown, path: string): Array<string | undefined> {
  const [head, ...rest] = path.split('.');
  if (Array.isArray(value)) return value.length === 0 ? [undefined] : value.flatMap((item) => valuesAt(item, path));
  if (value === null || typeof value !== 'object') return [undefined];
  const next = (value as Record<string, unknown>)[head];
  if (rest.length === 0) return [typeof next === 'string' ? next : undefined];
  return valuesAt(next, rest.join('.'));
}
