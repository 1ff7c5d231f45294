/**
 * A JWT in a header whose claims carry a hash of the body (Vonage, LiveKit; QStash and Netlify are the same
 * family). node:crypto's HMAC is all it takes: no JWT library in the bundle. Every check that needs no key runs in
 * `prepareJwt` (syntax, `alg` exactly as configured, `iss`, `exp`, `nbf`, `iat`, the body hash); the returned check
 * then tries each key over `header.payload`, in constant time.
 *
 * The `alg` is never taken from the token: a token whose header names another algorithm (`none`, `RS256`, another
 * HMAC) is refused before any key is tried.
 */
import { createHash, createHmac } from 'node:crypto';
import type { JwtConfig } from '../../contract/config';
import { constantTimeEqual, digestBytes, firstMatch, secretOfKeyId, type PreparedCheck, type RequestView } from './auth';
import { AuthenticationError } from './errors';

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const MAX_TOKEN_CHARS = 8192;
const HASHES = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

function malformed(message: string): AuthenticationError {
  return new AuthenticationError('signature_malformed', message);
}

function jsonSegment(segment: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw malformed(`The token's ${what} is not JSON.`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw malformed(`The token's ${what} is not a JSON object.`);
  return parsed as Record<string, unknown>;
}

/** A NumericDate claim: absent, or a finite number (seconds since the epoch). */
function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new AuthenticationError('timestamp_malformed', `The token's ${name} is not a number.`);
  return value;
}

export function prepareJwt(config: JwtConfig, request: RequestView, nowMs: number): PreparedCheck {
  const raw = request.headers.get(config.header)?.trim();
  if (!raw) throw new AuthenticationError('signature_missing', `Missing ${config.header} header.`);
  const bearer = /^Bearer\s+/i.exec(raw);
  if (config.requireBearer && !bearer) throw malformed(`The ${config.header} header must be "Bearer <token>".`);
  const token = bearer ? raw.slice(bearer[0].length) : raw;
  const parts = token.split('.');
  if (token.length > MAX_TOKEN_CHARS || parts.length !== 3 || !parts.every((part) => SEGMENT.test(part))) {
    throw malformed(`The ${config.header} header holds no JWT.`);
  }
  const [headerPart, payloadPart, signaturePart] = parts;
  const header = jsonSegment(headerPart, 'header');
  if (header.alg !== config.algorithm) {
    throw malformed(`The token's alg must be ${config.algorithm}.`);
  }
  const claims = jsonSegment(payloadPart, 'payload');

  // Time claims, with the configured skew on exp and nbf; iat bounded both ways where a window is set.
  const now = nowMs / 1000;
  const exp = numericDate(claims, 'exp');
  const nbf = numericDate(claims, 'nbf');
  const iat = numericDate(claims, 'iat');
  if (exp === undefined && (iat === undefined || config.maxAgeSeconds === undefined)) {
    throw new AuthenticationError('timestamp_missing', config.maxAgeSeconds === undefined ? 'The token has no exp.' : 'The token has no iat.');
  }
  if (exp !== undefined && now >= exp + config.clockSkewSeconds) throw new AuthenticationError('timestamp_out_of_window', 'The token has expired.');
  if (nbf !== undefined && now < nbf - config.clockSkewSeconds) throw new AuthenticationError('timestamp_out_of_window', 'The token is not valid yet.');
  if (config.maxAgeSeconds !== undefined) {
    if (iat === undefined) throw new AuthenticationError('timestamp_missing', 'The token has no iat.');
    if (Math.abs(now - iat) > config.maxAgeSeconds) {
      throw new AuthenticationError('timestamp_out_of_window', `The token's iat is outside the ${config.maxAgeSeconds} s window.`);
    }
  }

  const issuer = claims.iss;
  if (config.issuer !== undefined && issuer !== config.issuer) throw new AuthenticationError('signature_mismatch', 'The token has another issuer.');
  if (config.issuerIsKeyId && (typeof issuer !== 'string' || issuer === '')) throw new AuthenticationError('signature_mismatch', 'The token names no issuer.');

  // The body hash: the claim as the provider encodes it, compared in constant time.
  const presented = claims[config.bodyHashClaim];
  if (typeof presented !== 'string' || presented === '') {
    throw new AuthenticationError('signature_missing', `The token has no ${config.bodyHashClaim} claim.`);
  }
  const digest = createHash(config.bodyHashAlgorithm).update(request.body).digest();
  const expected = config.bodyHashEncoding === 'base64url' ? digest.toString('base64url') : digest.toString(config.bodyHashEncoding);
  const bodyMatches = constantTimeEqual(Buffer.from(config.bodyHashEncoding === 'hex' ? presented.toLowerCase() : presented, 'utf8'), Buffer.from(expected, 'utf8'));

  const signature = Buffer.from(signaturePart, 'base64url');
  const content = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii');
  const hash = HASHES[config.algorithm];
  return {
    timestamp: String(iat ?? nbf ?? exp),
    match: (keys) => firstMatch(keys, (entry) => {
      const key = config.issuerIsKeyId ? secretOfKeyId(entry, issuer as string) : entry;
      if (key === undefined) return false;
      // The body hash is folded in after the HMAC, so a token over other bytes matches no key.
      return constantTimeEqual(digestBytes(createHmac(hash, Buffer.from(key, 'utf8')).update(content)), signature) && bodyMatches;
    }),
  };
}
