/**
 * A JWT signed with a public key that a key service holds, looked up by the token's `kid`: Plaid's
 * `Plaid-Verification` (ES256, key from `POST /webhook_verification_key/get`), and any JWK set on a fixed https host.
 * Bundled into a file of its own (`assets/verifier/jwks.js`) and required on first use (`auth.ts`), like `s3.ts`:
 * a verifier without such a provider never loads it. It shares no module with the main bundle, so the error
 * classes and the constant-time comparison come in as `JwksErrors` (an error must be an instance of the handler's
 * own classes to map to its status).
 *
 * Order of checks, none of which needs a key: the header, the token's syntax, its `alg` (only the configured ones:
 * `none`, `HS256` with the public key as an HMAC secret, anything else is refused here), `kid`, `iat`/`exp`/`nbf`,
 * `iss`, `aud`, and the body hash claim. Only then is a key looked up.
 *
 * Keys are cached in the container by `kid` (at most `MAX_KEYS`; a key without `expired_at` is looked up again after
 * `KEY_MAX_AGE_MS`, so an expiry is noticed). A key whose `expired_at` is set verifies nothing (Plaid's own sample
 * code rejects any key with a non-null `expired_at`). An unknown `kid` costs at most one fetch per `kid` per
 * `UNKNOWN_KID_RETRY_MS` (the answer "no such key" is remembered that long), and the container makes at most
 * `MAX_FETCHES_PER_WINDOW` fetches per `FETCH_WINDOW_MS` in all: a flood of random `kid`s cannot make it hammer
 * the key service. A fetch that fails, times out, or is over the cap answers 503 (retryable): the provider retries.
 *
 * Outbound calls: only the configured host (Plaid's two hosts, or the JWK set's own URL), https, no redirects, at most
 * `MAX_RESPONSE_BYTES`, `FETCH_TIMEOUT_MS`. For tests only, `TEST_KEY_ORIGIN_ENV` replaces the origin, and only with
 * a loopback address (`http://127.0.0.1:<port>` or `http://[::1]:<port>`): the construct never sets it; whoever can
 * set a function's environment can replace its code anyway; and a loopback address in Lambda reaches only the
 * function's own sandbox, where nothing answers, so at worst every fetch fails closed (503).
 */
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { JwksAlgorithmName, JwksConfig } from '../../contract/config';
import type { PreparedCheck, RequestView } from './auth';

/** The error classes of the main bundle, and its constant-time comparison. */
export interface JwksErrors {
  /** 401 with this code. */
  authentication(code: string, message: string): Error;
  /** 5xx (retryable) with this code. */
  unavailable(code: string, message: string, status: number, cause?: unknown): Error;
  /** The verifier's one constant-time comparison (`auth.ts`). */
  constantTimeEqual(a: Buffer, b: Buffer): boolean;
}

export const TEST_KEY_ORIGIN_ENV = 'WEBHOOK_RECEIVER_TEST_KEY_ORIGIN';
export const MAX_KEYS = 64;
export const KEY_MAX_AGE_MS = 3600_000;
export const UNKNOWN_KID_RETRY_MS = 60_000;
export const FETCH_WINDOW_MS = 60_000;
export const MAX_FETCHES_PER_WINDOW = 10;
export const MAX_RESPONSE_BYTES = 64 * 1024;
export const FETCH_TIMEOUT_MS = 2_000;
const MAX_TOKEN_CHARS = 8192;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const KID = /^[A-Za-z0-9._:-]{1,128}$/;
const PLAID_HOSTS = { production: 'https://production.plaid.com', sandbox: 'https://sandbox.plaid.com' } as const;

interface CachedKey {
  /** undefined: the key service has no such key (remembered for `UNKNOWN_KID_RETRY_MS`). */
  readonly key?: KeyObject;
  /** The JWK's own `alg`, when it names one. */
  readonly alg?: string;
  readonly expired: boolean;
  readonly fetchedAt: number;
}

/** Keys by `<source>|<kid>`; insertion order is age order (the oldest is dropped first). */
const cache = new Map<string, CachedKey>();
const pending = new Map<string, Promise<CachedKey | undefined>>();
let fetchTimes: number[] = [];

/** Test hook: forget every key and fetch (a new container). */
export function resetJwksCache(): void {
  cache.clear();
  pending.clear();
  fetchTimes = [];
}

function segmentJson(segment: string, what: string, errors: JwksErrors): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw errors.authentication('signature_malformed', `The token's ${what} is not JSON.`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw errors.authentication('signature_malformed', `The token's ${what} is not a JSON object.`);
  return parsed as Record<string, unknown>;
}

function numericDate(claims: Record<string, unknown>, name: string, errors: JwksErrors): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw errors.authentication('timestamp_malformed', `The token's ${name} is not a number.`);
  return value;
}

export function prepareJwks(config: JwksConfig, request: RequestView, nowMs: number, errors: JwksErrors): PreparedCheck {
  const raw = request.headers.get(config.header)?.trim();
  if (!raw) throw errors.authentication('signature_missing', `Missing ${config.header} header.`);
  const bearer = /^Bearer\s+/i.test(raw);
  if (config.requireBearer && !bearer) throw errors.authentication('signature_malformed', `The ${config.header} header must hold "Bearer <token>".`);
  const token = bearer ? raw.replace(/^Bearer\s+/i, '') : raw;
  const parts = token.split('.');
  if (token.length > MAX_TOKEN_CHARS || parts.length !== 3 || !parts.every((part) => SEGMENT.test(part))) {
    throw errors.authentication('signature_malformed', `The ${config.header} header holds no JWT.`);
  }
  const [headerPart, payloadPart, signaturePart] = parts;
  const header = segmentJson(headerPart, 'header', errors);
  // Before anything else: an alg the configuration does not name (none, HS256 keyed with the public key) is refused.
  const alg = header.alg;
  if (typeof alg !== 'string' || !(config.algorithms as string[]).includes(alg)) {
    throw errors.authentication('signature_malformed', `The token's alg must be ${config.algorithms.join(' or ')}.`);
  }
  const kid = header.kid;
  if (typeof kid !== 'string' || !KID.test(kid)) throw errors.authentication('signature_malformed', 'The token names no valid kid.');
  const claims = segmentJson(payloadPart, 'payload', errors);

  const now = nowMs / 1000;
  const skew = config.clockSkewSeconds;
  const iat = numericDate(claims, 'iat', errors);
  const exp = numericDate(claims, 'exp', errors);
  const nbf = numericDate(claims, 'nbf', errors);
  if (config.maxAgeSeconds !== undefined) {
    if (iat === undefined) throw errors.authentication('timestamp_missing', 'The token has no iat.');
    if (now - iat > config.maxAgeSeconds || iat - now > skew) {
      throw errors.authentication('timestamp_out_of_window', `The token's iat is outside the ${config.maxAgeSeconds} s window.`);
    }
  } else if (exp === undefined) {
    throw errors.authentication('timestamp_missing', 'The token has no exp.');
  }
  if (exp !== undefined && now >= exp + skew) throw errors.authentication('timestamp_out_of_window', 'The token has expired.');
  if (nbf !== undefined && now < nbf - skew) throw errors.authentication('timestamp_out_of_window', 'The token is not valid yet.');
  if (config.issuer !== undefined && claims.iss !== config.issuer) throw errors.authentication('signature_mismatch', 'The token has another issuer.');
  if (config.audience !== undefined) {
    const aud = claims.aud;
    if (!(aud === config.audience || (Array.isArray(aud) && aud.includes(config.audience)))) throw errors.authentication('signature_mismatch', 'The token is for another audience.');
  }

  let bodyMatches = true;
  if (config.bodyHashClaim !== undefined) {
    const presented = claims[config.bodyHashClaim];
    if (typeof presented !== 'string' || presented === '') throw errors.authentication('signature_missing', `The token has no ${config.bodyHashClaim} claim.`);
    const encoding = config.bodyHashEncoding ?? 'hex';
    const expected = createHash('sha256').update(request.body).digest(encoding);
    bodyMatches = errors.constantTimeEqual(Buffer.from(encoding === 'hex' ? presented.toLowerCase() : presented, 'utf8'), Buffer.from(expected, 'utf8'));
  }
  const signature = Buffer.from(signaturePart, 'base64url');
  const content = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii');

  return {
    timestamp: String(iat ?? nbf ?? exp),
    // `keys` are the credentials of the key service (Plaid's); the index is that of the credential that fetched
    // the key, 0 for a key already cached. A token over other bytes costs no fetch.
    match: async (keys) => {
      // (Plaid's keys need its credentials; a JWK set is public.)
      if (!bodyMatches || (config.keySource === 'plaid' && keys.length === 0)) return -1;
      const found = await keyFor(config, kid, keys, errors);
      if (!found || !found.cached.key || found.cached.expired) return -1;
      const { key, alg: keyAlg } = found.cached;
      if (keyAlg !== undefined && keyAlg !== alg) return -1;
      return verifiesWith(alg as JwksAlgorithmName, key, content, signature) ? found.index : -1;
    },
  };
}

/**
 * What each `alg` needs of its key, and how it verifies: ECDSA signatures are the raw `r || s` of JWS (RFC 7518
 * 3.4) of a fixed length; RSA keys have at least 2048 bits (RFC 7518 3.3); PS256's salt is the hash's length.
 */
const ALGORITHMS: Record<JwksAlgorithmName, { hash: string | null; key: 'ec' | 'rsa' | 'ed25519'; curve?: string; length?: number; pss?: boolean }> = {
  ES256: { hash: 'sha256', key: 'ec', curve: 'prime256v1', length: 64 },
  ES384: { hash: 'sha384', key: 'ec', curve: 'secp384r1', length: 96 },
  RS256: { hash: 'sha256', key: 'rsa' },
  RS384: { hash: 'sha384', key: 'rsa' },
  RS512: { hash: 'sha512', key: 'rsa' },
  PS256: { hash: 'sha256', key: 'rsa', pss: true },
  EdDSA: { hash: null, key: 'ed25519', length: 64 },
};

function verifiesWith(alg: JwksAlgorithmName, key: KeyObject, content: Buffer, signature: Buffer): boolean {
  const rule = ALGORITHMS[alg];
  if (!rule || key.asymmetricKeyType !== rule.key) return false;
  if (rule.curve !== undefined && key.asymmetricKeyDetails?.namedCurve !== rule.curve) return false;
  if (rule.key === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return false;
  if (rule.length !== undefined && signature.length !== rule.length) return false;
  try {
    if (rule.key === 'ec') return verify(rule.hash, content, { key, dsaEncoding: 'ieee-p1363' }, signature);
    if (rule.pss) return verify(rule.hash, content, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
    return verify(rule.hash, content, key, signature);
  } catch {
    return false;
  }
}

/** The cached key of `kid`, fetched when unknown (within the limits above); undefined when over no limit and absent. */
async function keyFor(config: JwksConfig, kid: string, credentials: readonly string[], errors: JwksErrors): Promise<{ cached: CachedKey; index: number } | undefined> {
  const name = `${config.keySource}|${config.jwksUrl ?? ''}|${kid}`;
  const known = cache.get(name);
  const now = Date.now();
  if (known) {
    const age = now - known.fetchedAt;
    if (known.key === undefined ? age < UNKNOWN_KID_RETRY_MS : known.expired || age < KEY_MAX_AGE_MS) return { cached: known, index: 0 };
  }
  let running = pending.get(name);
  let index = 0;
  if (!running) {
    fetchTimes = fetchTimes.filter((t) => now - t < FETCH_WINDOW_MS);
    if (fetchTimes.length >= MAX_FETCHES_PER_WINDOW) {
      // A key we had (an hour old) still verifies while the cap holds; an unknown kid waits for the provider's retry.
      if (known?.key) return { cached: known, index: 0 };
      throw errors.unavailable('key_fetch_limited', 'Too many key look-ups in the last minute; retry later.', 503);
    }
    fetchTimes.push(now);
    const result = { index: 0 };
    running = (config.keySource === 'plaid' ? fetchPlaidKey(kid, credentials, result, errors) : fetchJwks(config, kid, errors)).finally(() => pending.delete(name));
    pending.set(name, running);
    const cached = await running;
    index = result.index;
    return cached ? { cached, index } : undefined;
  }
  const cached = await running;
  return cached ? { cached, index } : undefined;
}

function remember(name: string, entry: CachedKey): CachedKey {
  cache.delete(name);
  cache.set(name, entry);
  while (cache.size > MAX_KEYS) cache.delete(cache.keys().next().value as string);
  return entry;
}

/** The origin to call: the configured one, or in tests a loopback origin from `TEST_KEY_ORIGIN_ENV`. */
function originOf(configured: string): string {
  const override = process.env[TEST_KEY_ORIGIN_ENV];
  if (override === undefined || override === '') return configured;
  // Never in AWS Lambda, where loopback is the runtime API: a set override there is a misconfiguration, refused.
  if (process.env.AWS_LAMBDA_FUNCTION_NAME || process.env.AWS_LAMBDA_RUNTIME_API || process.env.AWS_EXECUTION_ENV) {
    throw new Error(`${TEST_KEY_ORIGIN_ENV} is for tests and is refused in AWS Lambda.`);
  }
  const url = new URL(override);
  if (url.protocol !== 'http:' || (url.hostname !== '127.0.0.1' && url.hostname !== '[::1]') || url.pathname !== '/' || url.search !== '') {
    throw new Error(`${TEST_KEY_ORIGIN_ENV} may only name a loopback origin (http://127.0.0.1:<port>).`);
  }
  return url.origin;
}

interface Fetched {
  readonly status: number;
  readonly json: unknown;
}

/** One call to the key service: no redirects, a size cap, a short timeout; any failure is a retryable 503. */
async function call(url: string, init: RequestInit, errors: JwksErrors): Promise<Fetched> {
  const failed = (why: string, cause?: unknown) => errors.unavailable('key_unavailable', `The signing key could not be fetched (${why}); retry later.`, 503, cause);
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (error) {
    throw failed('no answer', error);
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw failed('answer too large');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    const reader = response.body?.getReader();
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_RESPONSE_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw failed('answer too large');
      }
      chunks.push(Buffer.from(value));
    }
  } catch (error) {
    if (error instanceof Error && error.message.includes('answer too large')) throw error;
    throw failed('answer cut short', error);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    json = undefined;
  }
  if (response.status >= 500 || (response.status < 400 && json === undefined)) throw failed(`status ${response.status}`);
  return { status: response.status, json };
}

function keyOf(jwk: unknown): { key: KeyObject; alg?: string; expired: boolean } | undefined {
  if (jwk === null || typeof jwk !== 'object') return undefined;
  const record = jwk as Record<string, unknown>;
  if (record.kty !== 'EC' && record.kty !== 'RSA' && !(record.kty === 'OKP' && record.crv === 'Ed25519')) return undefined;
  if (record.use !== undefined && record.use !== 'sig') return undefined;
  try {
    const key = createPublicKey({ key: { kty: record.kty, crv: record.crv, x: record.x, y: record.y, n: record.n, e: record.e } as import('node:crypto').JsonWebKey, format: 'jwk' });
    return { key, alg: typeof record.alg === 'string' ? record.alg : undefined, expired: record.expired_at !== undefined && record.expired_at !== null };
  } catch {
    return undefined;
  }
}

/** Plaid's credentials as the provider's secret holds them (the README's Plaid section). */
function plaidCredential(value: string): { client_id: string; secret: string; origin: string } | undefined {
  try {
    const parsed = JSON.parse(value) as Record<string, unknown>;
    const environment = parsed.environment ?? 'production';
    if (typeof parsed.client_id !== 'string' || typeof parsed.secret !== 'string' || (environment !== 'production' && environment !== 'sandbox')) return undefined;
    return { client_id: parsed.client_id, secret: parsed.secret, origin: PLAID_HOSTS[environment] };
  } catch {
    return undefined;
  }
}

/**
 * `POST /webhook_verification_key/get` with each credential in turn (current, then previous): one Plaid refuses
 * (`INVALID_API_KEYS`, 401) is skipped; any other 4xx means Plaid has no such key.
 */
async function fetchPlaidKey(kid: string, credentials: readonly string[], result: { index: number }, errors: JwksErrors): Promise<CachedKey | undefined> {
  const name = `plaid||${kid}`;
  for (let index = 0; index < credentials.length; index++) {
    const credential = plaidCredential(credentials[index]);
    if (!credential) continue;
    const answer = await call(`${originOf(credential.origin)}/webhook_verification_key/get`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: credential.client_id, secret: credential.secret, key_id: kid }),
    }, errors);
    const errorCode = (answer.json as { error_code?: unknown } | undefined)?.error_code;
    if (answer.status === 401 || errorCode === 'INVALID_API_KEYS') continue;
    // Rate limited: not an answer about the key (remembering "no such key" would refuse genuine retries for a minute).
    const errorType = (answer.json as { error_type?: unknown } | undefined)?.error_type;
    if (answer.status === 429 || errorType === 'RATE_LIMIT_EXCEEDED') throw errors.unavailable('key_unavailable', 'The key service is rate limiting; retry later.', 503);
    result.index = index;
    if (answer.status >= 400) return remember(name, { expired: false, fetchedAt: Date.now() });
    const parsed = keyOf((answer.json as { key?: unknown }).key);
    if (!parsed || (answer.json as { key: { kid?: unknown } }).key.kid !== kid) {
      throw errors.unavailable('key_unavailable', 'The key service answered no usable key; retry later.', 503);
    }
    return remember(name, { ...parsed, fetchedAt: Date.now() });
  }
  throw errors.unavailable('key_service_credentials', 'No credential in the secret is accepted by the key service (expected {"client_id", "secret"}).', 500);
}

/** `GET jwksUrl`: every key of the set is cached by its kid; the one asked for may be absent. */
async function fetchJwks(config: JwksConfig, kid: string, errors: JwksErrors): Promise<CachedKey | undefined> {
  const url = new URL(config.jwksUrl ?? '');
  // The construct allows only these; a configuration written by hand is held to them too.
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '') {
    throw errors.unavailable('key_service_configuration', 'The JWK set URL must be https, without credentials.', 500);
  }
  const answer = await call(`${originOf(url.origin)}${url.pathname}${url.search}`, { method: 'GET', headers: { Accept: 'application/json' } }, errors);
  const keys = (answer.json as { keys?: unknown } | undefined)?.keys;
  if (answer.status >= 400 || !Array.isArray(keys)) throw errors.unavailable('key_unavailable', 'The JWK set could not be read; retry later.', 503);
  const now = Date.now();
  let wanted: CachedKey | undefined;
  for (const jwk of keys.slice(0, MAX_KEYS)) {
    const id = (jwk as { kid?: unknown } | null)?.kid;
    const parsed = keyOf(jwk);
    if (typeof id !== 'string' || !parsed) continue;
    const entry = remember(`jwks|${config.jwksUrl}|${id}`, { ...parsed, fetchedAt: now });
    if (id === kid) wanted = entry;
  }
  return wanted ?? remember(`jwks|${config.jwksUrl}|${kid}`, { expired: false, fetchedAt: now });
}
