/**
 * Signature checks as pure functions of (raw body bytes, headers, secrets, now). No AWS call, no clock, no
 * global state: the handler adapts the API Gateway event to these and their result to a response.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HmacConfig } from '../../lib/private/config';
import { AuthenticationError } from './errors';

/** Request headers with case-insensitive lookup. */
export interface Headers {
  get(name: string): string | undefined;
}

/** What a request claims, read from its headers before any secret is needed. */
export interface SignatureClaim {
  /** Candidate signatures, decoded to bytes. Any one may match. */
  readonly signatures: Buffer[];
  /** The timestamp exactly as it appears in the request (it is part of the signed content). */
  readonly timestamp?: string;
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DIGITS = /^[0-9]{1,16}$/;

/**
 * Compares two byte strings in time that depends only on their lengths. Every secret-derived comparison in the
 * verifier goes through here.
 */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Reads the signature header (and timestamp) and checks the timestamp window. Throws `AuthenticationError`
 * for a missing, malformed or stale claim.
 */
export function readClaim(config: HmacConfig, headers: Headers, nowMs: number): SignatureClaim {
  const raw = headers.get(config.header);
  if (raw === undefined || raw.trim() === '') {
    throw new AuthenticationError('signature_missing', `Missing ${config.header} header.`);
  }
  const { values, timestamp: fromHeader } = splitSignatureHeader(config, raw.trim());
  const signatures = values.map((v) => decodeSignature(v, config.encoding)).filter((b): b is Buffer => b !== undefined);
  if (signatures.length === 0) {
    throw new AuthenticationError('signature_malformed', `The ${config.header} header holds no ${config.encoding} signature.`);
  }

  const ts = config.timestamp;
  if (!ts) {
    return { signatures };
  }
  const timestamp = ts.source === 'signatureHeader' ? fromHeader : headers.get(ts.header ?? '');
  if (timestamp === undefined || timestamp === '') {
    throw new AuthenticationError('timestamp_missing', 'The request carries no signed timestamp.');
  }
  if (!DIGITS.test(timestamp)) {
    throw new AuthenticationError('timestamp_malformed', 'The signed timestamp is not a whole number.');
  }
  const seconds = Number(timestamp) / (ts.unit === 'ms' ? 1000 : 1);
  const ageSeconds = nowMs / 1000 - seconds;
  if (ageSeconds > ts.toleranceSeconds || (!ts.allowFuture && -ageSeconds > ts.toleranceSeconds)) {
    throw new AuthenticationError(
      'timestamp_out_of_window',
      `The signed timestamp is outside the ${ts.toleranceSeconds} s window.`,
    );
  }
  return { signatures, timestamp };
}

function splitSignatureHeader(config: HmacConfig, header: string): { values: string[]; timestamp?: string } {
  const format = config.format;
  if (format.kind === 'plain') {
    const prefix = format.prefix ?? '';
    if (!header.startsWith(prefix)) {
      throw new AuthenticationError('signature_malformed', `The ${config.header} header does not start with "${prefix}".`);
    }
    return { values: [header.slice(prefix.length)] };
  }
  const values: string[] = [];
  let timestamp: string | undefined;
  for (const entry of header.split(format.pairSeparator ?? ',')) {
    const at = entry.indexOf(format.keyValueSeparator ?? '=');
    if (at <= 0) continue;
    const key = entry.slice(0, at).trim();
    const value = entry.slice(at + 1).trim();
    if (key === format.signatureKey) values.push(value);
    else if (key === format.timestampKey && timestamp === undefined) timestamp = value;
  }
  return { values, timestamp };
}

function decodeSignature(value: string, encoding: 'hex' | 'base64'): Buffer | undefined {
  const pattern = encoding === 'hex' ? HEX : BASE64;
  return value.length > 0 && value.length <= 1024 && pattern.test(value) ? Buffer.from(value, encoding) : undefined;
}

/** Turns a secret string into HMAC key bytes as the provider defines them. */
export function hmacKey(config: HmacConfig, secret: string): Buffer {
  const material = config.keyPrefix && secret.startsWith(config.keyPrefix) ? secret.slice(config.keyPrefix.length) : secret;
  return Buffer.from(material, config.keyEncoding);
}

/** The bytes the provider signed, from the `signedContent` template. */
export function signedContent(config: HmacConfig, body: Buffer, values: { timestamp?: string; id?: string }): Buffer {
  const parts: Buffer[] = [];
  for (const piece of config.signedContent.split(/(\{body\}|\{timestamp\}|\{id\})/)) {
    if (piece === '{body}') parts.push(body);
    else if (piece === '{timestamp}') parts.push(Buffer.from(values.timestamp ?? '', 'utf8'));
    else if (piece === '{id}') parts.push(Buffer.from(values.id ?? '', 'utf8'));
    else if (piece !== '') parts.push(Buffer.from(piece, 'utf8'));
  }
  return Buffer.concat(parts);
}

/**
 * Returns the index of the first secret whose HMAC over the signed content equals any claimed signature, or
 * -1. Every candidate is compared in constant time; the loop does not stop early on a byte difference.
 */
export function matchingSecret(config: HmacConfig, claim: SignatureClaim, content: Buffer, secrets: readonly string[]): number {
  for (let i = 0; i < secrets.length; i++) {
    const expected = createHmac(config.algorithm, hmacKey(config, secrets[i])).update(content).digest();
    let matched = false;
    for (const candidate of claim.signatures) {
      matched = constantTimeEqual(expected, candidate) || matched;
    }
    if (matched) return i;
  }
  return -1;
}
