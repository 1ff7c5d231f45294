/**
 * Schemes verified by X.509 certificates rather than a shared secret, bundled into a file of their own
 * (`assets/verifier/x509.js`) and required on first use, like `s3.ts`: a verifier without such a provider never
 * loads it.
 *
 * - `certificateUrl` (PayPal): the request names the URL of the signer's certificate. The verifier fetches it only
 *   from the configured https hosts (exact names or `*.` suffixes, default port, no credentials, no query, under the
 *   configured path), follows no redirect, reads at most `MAX_CERTIFICATE_BYTES`, gives up after the configured
 *   timeout, and caches the certificate per URL in the container (`MAX_CACHED_CERTIFICATES`, until it expires). What
 *   is checked: the leaf's validity dates, its subject common name, each certificate of the file signed by the next
 *   and within its dates, the key type, then the signature. What is not: a chain to a public root store (the file
 *   is trusted because TLS authenticated the allowlisted host it came from) and revocation.
 *   A URL off the allowlist is refused (401 `certificate_url_refused`) without any fetch; a fetch that fails or
 *   times out is our fault, answered 502 `certificate_unavailable` so the provider retries, and that URL is answered
 *   so without a new fetch for `FAILED_FETCH_RETRY_MS`. A container fetches at most `MAX_FETCHES_PER_WINDOW`
 *   certificates per `FETCH_WINDOW_MS` (past that, 503 `certificate_fetch_limited` for a URL not cached).
 * - `x5cJws` (Apple App Store Server Notifications V2): a JWS in the body whose `x5c` leaf and intermediate chain to
 *   a pinned root, with the marker extensions, valid at the payload's signed date, then the configured claims.
 *   Nothing is fetched.
 *
 * `WEBHOOK_RECEIVER_TEST_CERTIFICATE_ORIGIN` (tests only): one more origin certificates may be fetched from. It is
 * honoured only when it is `http(s)://127.0.0.1:<port>` or `http(s)://[::1]:<port>` and the process is not in AWS
 * Lambda (no `AWS_LAMBDA_FUNCTION_NAME`, `AWS_LAMBDA_RUNTIME_API` or `AWS_EXECUTION_ENV`); set anywhere else it
 * fails every certificate-URL request (500). The construct never sets it and has no property for it.
 * `WEBHOOK_RECEIVER_TEST_TRUSTED_ROOTS` (tests only): base64 DER roots trusted besides a catalog scheme's built-in
 * ones (Apple's), so a test chain can stand in for Apple's; refused the same way inside AWS Lambda.
 */
import { X509Certificate, verify as verifySignature, type KeyObject } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { CertificateUrlConfig, SchemeConfig, X5cJwsConfig } from '../../contract/config';
import { valueAt, type PreparedCheck, type RequestView } from './auth';
import type * as ErrorClasses from './errors';

/**
 * The verifier's error classes, handed in by the caller: this file is a bundle of its own, and errors of a copy of
 * `errors.ts` bundled here would not be the `WebhookError`s that `toResponse` maps to 4xx answers.
 */
export type CertificateErrors = Pick<typeof ErrorClasses, 'AuthenticationError' | 'InternalError'>;
let errors: CertificateErrors;

/** The environment variable of the test-only loopback origin (see the module's comment). */
export const TEST_CERTIFICATE_ORIGIN_ENV = 'WEBHOOK_RECEIVER_TEST_CERTIFICATE_ORIGIN';
/** The environment variable of test-only roots trusted besides a scheme's built-in ones (see the module's comment). */
export const TEST_TRUSTED_ROOTS_ENV = 'WEBHOOK_RECEIVER_TEST_TRUSTED_ROOTS';
/** Most bytes of a certificate file read from its URL. */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;
/** Most certificates kept per container (PayPal rotates by publishing a new URL). */
export const MAX_CACHED_CERTIFICATES = 16;
/**
 * Most certificate fetches a container makes per `FETCH_WINDOW_MS`: forged requests naming ever new URLs on the
 * provider's host cannot make the verifier hammer it (or spend 2 s each waiting on it). Over the cap, a URL not
 * cached is answered 503 `certificate_fetch_limited`; a cached certificate still verifies.
 */
export const MAX_FETCHES_PER_WINDOW = 10;
export const FETCH_WINDOW_MS = 60_000;
/** How long a URL whose fetch failed is answered 502 again without a new fetch. */
export const FAILED_FETCH_RETRY_MS = 60_000;
/** Most failed URLs remembered per container. */
const MAX_FAILED_URLS = 64;
const MAX_SIGNATURE_CHARS = 2048;
const MAX_JWS_CHARS = 256 * 1024;
/** Apple's library allows a minute of skew on certificate dates. */
const MAX_SKEW_MS = 60_000;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Roots shipped with the verifier, base64 DER. Apple Root CA - G3, from https://www.apple.com/certificateauthority/
 * (SHA-256 63:34:3A:BF:B8:9A:6A:03:EB:B5:7E:9B:3F:5F:A7:BE:7C:4F:5C:75:6F:30:17:B3:A8:C4:88:C3:65:3E:91:79, valid to
 * 2039-04-30; pinned in test/providers/app-store.test.ts).
 */
export const BUILT_IN_ROOTS: { readonly [name: string]: string } = {
  'apple-root-ca-g3':
    'MIICQzCCAcmgAwIBAgIILcX8iNLFS5UwCgYIKoZIzj0EAwMwZzEbMBkGA1UEAwwSQXBwbGUgUm9vdCBDQSAtIEczMSYwJAYDVQQLDB1BcHBsZSBDZXJ0aWZpY2F0aW9uIEF1dGhvcml0eTETMBEGA1UECgwKQXBwbGUgSW5jLjELMAkGA1UEBhMCVVMwHhcNMTQwNDMwMTgxOTA2WhcNMzkwNDMwMTgxOTA2WjBnMRswGQYDVQQDDBJBcHBsZSBSb290IENBIC0gRzMxJjAkBgNVBAsMHUFwcGxlIENlcnRpZmljYXRpb24gQXV0aG9yaXR5MRMwEQYDVQQKDApBcHBsZSBJbmMuMQswCQYDVQQGEwJVUzB2MBAGByqGSM49AgEGBSuBBAAiA2IABJjpLz1AcqTtkyJygRMc3RCV8cWjTnHcFBbZDuWmBSp3ZHtfTjjTuxxEtX/1H7YyYl3J6YRbTzBPEVoA/VhYDKX1DyxNB0cTddqXl5dvMVztK517IDvYuVTZXpmkOlEKMaNCMEAwHQYDVR0OBBYEFLuw3qFYM4iapIqZ3r6966/ayySrMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMDA2gAMGUCMQCD6cHEFl4aXTQY2e3v9GwOAEZLuN+yRhHFD/3meoyhpmvOwgPUnPWTxnS4at+qIxUCMG1mihDK1A3UT82NQz60imOlM27jbdoXt2QfyFMm+YhidDkLF1vLUagM6BgD56KyKA==',
};

/** A check that needs no key: the certificate did the work, so the one (empty) key matches. */
const VERIFIED: PreparedCheck = { match: (keys) => (keys.length > 0 ? 0 : -1) };

/** Verifies a request of a certificate scheme; throws an `AuthenticationError` (401) or `InternalError` (5xx). */
export async function prepareCertificates(
  scheme: SchemeConfig,
  request: RequestView,
  nowMs: number,
  errorClasses: CertificateErrors,
  env: { readonly [name: string]: string | undefined } = process.env,
): Promise<PreparedCheck> {
  errors = errorClasses;
  if (scheme.certificateUrl) return prepareCertificateUrl(scheme.certificateUrl, request, nowMs, env);
  if (scheme.x5cJws) return prepareX5cJws(scheme.x5cJws, request, nowMs, env);
  throw new Error('The provider has no certificate scheme.');
}

// ---------------------------------------------------------------------------------------------------------
// A certificate fetched from a URL named in the request (PayPal)

function header(request: RequestView, name: string): string {
  const value = request.headers.get(name);
  if (value === undefined || value.trim() === '') throw new errors.AuthenticationError('signature_missing', `Missing ${name} header.`);
  return value.trim();
}

async function prepareCertificateUrl(config: CertificateUrlConfig, request: RequestView, nowMs: number, env: { readonly [name: string]: string | undefined }): Promise<PreparedCheck> {
  const rawSignature = header(request, config.signatureHeader);
  const certUrl = header(request, config.certUrlHeader);
  if (config.algorithmHeader && header(request, config.algorithmHeader.header) !== config.algorithmHeader.value) {
    throw new errors.AuthenticationError('signature_malformed', `${config.algorithmHeader.header} must be ${config.algorithmHeader.value}.`);
  }
  if (rawSignature.length > MAX_SIGNATURE_CHARS || !BASE64.test(rawSignature)) {
    throw new errors.AuthenticationError('signature_malformed', `The ${config.signatureHeader} header is not base64.`);
  }
  const signature = Buffer.from(rawSignature, 'base64');
  const content = certificateSignedContent(config, request);
  const url = allowedCertificateUrl(config, certUrl, env);
  const certificate = await certificateAt(url, config.fetchTimeoutMs, nowMs);
  checkLeaf(config, certificate, nowMs);
  if (!verifySignature('sha256', content, certificate.leaf.publicKey, signature)) {
    throw new errors.AuthenticationError('signature_mismatch', 'The signature does not match the request.');
  }
  return VERIFIED;
}

/** The signed content from the template over `{header:<name>}`, `{webhookId}`, `{crc32}`, `{body}`. */
export function certificateSignedContent(config: Pick<CertificateUrlConfig, 'signedContent' | 'webhookId'>, request: Pick<RequestView, 'body' | 'headers'>): Buffer {
  const parts: Buffer[] = [];
  for (const piece of config.signedContent.split(/(\{header:[^}]+\}|\{webhookId\}|\{crc32\}|\{body\})/)) {
    if (piece === '{body}') parts.push(request.body);
    else if (piece === '{crc32}') parts.push(Buffer.from(String(crc32(request.body) >>> 0), 'utf8'));
    else if (piece === '{webhookId}') {
      if (!config.webhookId) throw new Error('The provider signs its webhook id, but none is configured.');
      parts.push(Buffer.from(config.webhookId, 'utf8'));
    } else if (piece.startsWith('{header:')) {
      const name = piece.slice('{header:'.length, -1);
      const value = request.headers.get(name);
      if (value === undefined || value === '') throw new errors.AuthenticationError('signature_missing', `Missing ${name} header.`);
      parts.push(Buffer.from(value, 'utf8'));
    } else if (piece !== '') parts.push(Buffer.from(piece, 'utf8'));
  }
  return Buffer.concat(parts);
}

/** Whether `host` is one of `allowed`: an exact name, or under a `*.suffix` (not the suffix itself). */
export function isAllowedHost(host: string, allowed: readonly string[]): boolean {
  const name = host.toLowerCase();
  return allowed.some((entry) => {
    const pattern = entry.toLowerCase();
    if (!pattern.startsWith('*.')) return name === pattern;
    const suffix = pattern.slice(1);
    return name.endsWith(suffix) && name.length > suffix.length && !name.slice(0, -suffix.length).includes('..');
  });
}

/** The test-only loopback origin, when it may be honoured; throws when it is set where it may not be. */
/** Throws when a test-only variable is set inside AWS Lambda. */
function refuseInLambda(name: string, env: { readonly [name: string]: string | undefined }): void {
  if (env.AWS_LAMBDA_FUNCTION_NAME || env.AWS_LAMBDA_RUNTIME_API || env.AWS_EXECUTION_ENV) {
    throw new Error(`${name} is for tests only and is refused inside AWS Lambda.`);
  }
}

function testOrigin(env: { readonly [name: string]: string | undefined }): string | undefined {
  const raw = env[TEST_CERTIFICATE_ORIGIN_ENV];
  if (raw === undefined || raw === '') return undefined;
  refuseInLambda(TEST_CERTIFICATE_ORIGIN_ENV, env);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`${TEST_CERTIFICATE_ORIGIN_ENV} must be a loopback origin such as http://127.0.0.1:8443.`);
  }
  const loopback = parsed.hostname === '127.0.0.1' || parsed.hostname === '[::1]';
  if (!loopback || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username || parsed.password || parsed.pathname !== '/' || parsed.search || parsed.hash) {
    throw new Error(`${TEST_CERTIFICATE_ORIGIN_ENV} must be a loopback origin such as http://127.0.0.1:8443.`);
  }
  return parsed.origin;
}

/** The certificate URL if it may be fetched; else a 401 before any fetch. */
function allowedCertificateUrl(config: CertificateUrlConfig, raw: string, env: { readonly [name: string]: string | undefined }): URL {
  const refused = () => new errors.AuthenticationError('certificate_url_refused', `The ${config.certUrlHeader} URL is not on the provider's certificate hosts.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused();
  }
  const clean = !url.username && !url.password && url.search === '' && url.hash === '' && url.href.length <= 2048;
  const underPath = config.pathPrefix === undefined || url.pathname.startsWith(config.pathPrefix);
  if (!clean || !underPath) throw refused();
  if (url.protocol === 'https:' && url.port === '' && isAllowedHost(url.hostname, config.allowedHosts)) return url;
  const loopback = testOrigin(env);
  if (loopback !== undefined && url.origin === loopback) return url;
  throw refused();
}

interface FetchedCertificate {
  readonly leaf: X509Certificate;
  /** The leaf's notAfter, epoch ms: the cache entry's end. */
  readonly expiresAt: number;
  /** Every certificate of the file, leaf first. */
  readonly chain: readonly X509Certificate[];
}

const certificates = new Map<string, FetchedCertificate>();
/** URLs whose fetch failed, with when; insertion order is age order. */
const failedUrls = new Map<string, number>();
let fetchTimes: number[] = [];

/** Test hook: forget every certificate, failure and fetch (a new container). */
export function resetCertificateCache(): void {
  certificates.clear();
  failedUrls.clear();
  fetchTimes = [];
}

/** The certificate file at `url`: from the container's cache, else fetched (and cached once it checks out). */
async function certificateAt(url: URL, timeoutMs: number, nowMs: number): Promise<FetchedCertificate> {
  const cached = certificates.get(url.href);
  if (cached && cached.expiresAt > nowMs) return cached;
  if (cached) certificates.delete(url.href);
  const failedAt = failedUrls.get(url.href);
  if (failedAt !== undefined && nowMs - failedAt < FAILED_FETCH_RETRY_MS) {
    throw unavailable('The signing certificate could not be fetched a moment ago; retry later.');
  }
  fetchTimes = fetchTimes.filter((at) => nowMs - at < FETCH_WINDOW_MS);
  if (fetchTimes.length >= MAX_FETCHES_PER_WINDOW) {
    throw new errors.InternalError('certificate_fetch_limited', 'Too many certificate fetches in the last minute; retry later.', { status: 503 });
  }
  fetchTimes.push(nowMs);
  let chain: X509Certificate[];
  try {
    chain = parsePemChain(await fetchCertificateFile(url, timeoutMs));
  } catch (error) {
    failedUrls.delete(url.href);
    failedUrls.set(url.href, nowMs);
    if (failedUrls.size > MAX_FAILED_URLS) failedUrls.delete(failedUrls.keys().next().value!);
    throw error;
  }
  failedUrls.delete(url.href);
  const fetched = { leaf: chain[0], expiresAt: Date.parse(chain[0].validTo), chain };
  checkChain(chain, nowMs);
  if (certificates.size >= MAX_CACHED_CERTIFICATES) certificates.delete(certificates.keys().next().value!);
  certificates.set(url.href, fetched);
  return fetched;
}

function unavailable(message: string, cause?: unknown): ErrorClasses.InternalError {
  return new errors.InternalError('certificate_unavailable', message, { status: 502, cause });
}

async function fetchCertificateFile(url: URL, timeoutMs: number): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/x-pem-file, text/plain, */*' } });
  } catch (error) {
    throw unavailable('The signing certificate could not be fetched; retry later.', error);
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw unavailable(`The signing certificate's URL answered ${response.status}; retry later.`);
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_CERTIFICATE_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw unavailable(`The signing certificate file is larger than ${MAX_CERTIFICATE_BYTES} bytes.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.length;
      if (size > MAX_CERTIFICATE_BYTES) {
        await response.body?.cancel().catch(() => undefined);
        throw unavailable(`The signing certificate file is larger than ${MAX_CERTIFICATE_BYTES} bytes.`);
      }
      chunks.push(Buffer.from(chunk));
    }
  } catch (error) {
    if (error instanceof errors.InternalError) throw error;
    throw unavailable('The signing certificate could not be read; retry later.', error);
  }
  return Buffer.concat(chunks).toString('latin1');
}

function parsePemChain(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\r\n\t ]+-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw unavailable('The signing certificate file holds no PEM certificate.');
  try {
    return blocks.slice(0, 8).map((block) => new X509Certificate(block));
  } catch (error) {
    throw unavailable('The signing certificate file holds a certificate that cannot be parsed.', error);
  }
}

function invalid(message: string): ErrorClasses.AuthenticationError {
  return new errors.AuthenticationError('certificate_invalid', message);
}

function withinDates(certificate: X509Certificate, atMs: number, skewMs = 0): boolean {
  return Date.parse(certificate.validFrom) - skewMs <= atMs && atMs <= Date.parse(certificate.validTo) + skewMs;
}

/** Each certificate of the file within its dates and issued and signed by the next one. */
function checkChain(chain: readonly X509Certificate[], nowMs: number): void {
  chain.forEach((certificate, index) => {
    if (!withinDates(certificate, nowMs)) throw invalid('A certificate of the signing certificate file is expired or not yet valid.');
    const issuer = chain[index + 1];
    if (issuer && !(certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey))) {
      throw invalid('The signing certificate file is not a chain: a certificate is not signed by the next.');
    }
  });
}

function checkLeaf(config: CertificateUrlConfig, certificate: FetchedCertificate, nowMs: number): void {
  const leaf = certificate.leaf;
  if (!withinDates(leaf, nowMs)) throw invalid('The signing certificate is expired or not yet valid.');
  if (config.subjectCommonNames) {
    const names = leaf.subject.split('\n').filter((line) => line.startsWith('CN=')).map((line) => line.slice(3));
    if (!names.some((name) => config.subjectCommonNames!.includes(name))) throw invalid("The signing certificate's subject is not the provider's.");
  }
  const type = leaf.publicKey.asymmetricKeyType;
  if ((config.algorithm === 'rsa-sha256' && type !== 'rsa') || (config.algorithm === 'ecdsa-sha256' && type !== 'ec')) {
    throw invalid(`The signing certificate's key is not of the kind ${config.algorithm} needs.`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// A JWS whose x5c chains to a pinned root (Apple)

const roots = new Map<string, X509Certificate>();

function rootCertificates(config: X5cJwsConfig, env: { readonly [name: string]: string | undefined }): X509Certificate[] {
  const encoded = [...(config.builtInRoots ?? []).map((name) => {
    const root = BUILT_IN_ROOTS[name];
    if (!root) throw new Error(`Unknown built-in root "${name}".`);
    return root;
  }), ...(config.rootCertificates ?? [])];
  const testRoots = env[TEST_TRUSTED_ROOTS_ENV];
  if (testRoots && config.builtInRoots?.length) {
    refuseInLambda(TEST_TRUSTED_ROOTS_ENV, env);
    encoded.push(...testRoots.split(',').map((root) => root.trim()).filter((root) => root !== ''));
  }
  return encoded.map((base64) => {
    let root = roots.get(base64);
    if (!root) roots.set(base64, (root = new X509Certificate(Buffer.from(base64, 'base64'))));
    return root;
  });
}

function jwsJson(segment: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new errors.AuthenticationError('signature_malformed', `The JWS ${what} is not JSON.`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new errors.AuthenticationError('signature_malformed', `The JWS ${what} is not a JSON object.`);
  return parsed as Record<string, unknown>;
}

function prepareX5cJws(config: X5cJwsConfig, request: RequestView, nowMs: number, env: { readonly [name: string]: string | undefined }): PreparedCheck {
  const token = valueAt(request.json(), config.jsonPath);
  if (token === undefined || token === '') throw new errors.AuthenticationError('signature_missing', `The body has no ${config.jsonPath}.`);
  const parts = token.split('.');
  if (token.length > MAX_JWS_CHARS || parts.length !== 3 || !parts.every((part) => part !== '' && BASE64URL.test(part))) {
    throw new errors.AuthenticationError('signature_malformed', `${config.jsonPath} is not a compact JWS.`);
  }
  const header = jwsJson(parts[0], 'header');
  if (header.alg !== config.algorithm) throw new errors.AuthenticationError('signature_malformed', `The JWS alg must be ${config.algorithm}.`);
  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length !== config.chainLength || !x5c.every((entry) => typeof entry === 'string' && BASE64.test(entry))) {
    throw new errors.AuthenticationError('signature_malformed', `The JWS x5c must hold ${config.chainLength} base64 certificates.`);
  }
  let leaf: X509Certificate;
  let intermediate: X509Certificate;
  try {
    [leaf, intermediate] = x5c.slice(0, 2).map((entry) => new X509Certificate(Buffer.from(entry as string, 'base64')));
  } catch {
    throw new errors.AuthenticationError('signature_malformed', 'A certificate of the JWS x5c cannot be parsed.');
  }
  const payload = jwsJson(parts[1], 'payload');
  const signedDate = config.signedDateClaim === undefined ? undefined : payload[config.signedDateClaim];
  const effectiveMs = typeof signedDate === 'number' && Number.isFinite(signedDate) ? signedDate : nowMs;

  // The chain: the intermediate issued and signed by a pinned root (the x5c's own third certificate is not
  // trusted), the leaf by the intermediate, the intermediate a CA, the marker extensions, all valid at the date.
  const root = rootCertificates(config, env).find((candidate) => intermediate.checkIssued(candidate) && intermediate.verify(candidate.publicKey));
  if (!root) throw invalid('The JWS x5c does not lead to a trusted root.');
  if (!(leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey)) || !intermediate.ca) {
    throw invalid('The JWS x5c leaf is not issued by its intermediate.');
  }
  if (!hasExtensions(leaf, config.leafOids) || !hasExtensions(intermediate, config.intermediateOids)) {
    throw invalid("The JWS x5c certificates lack the provider's marker extensions.");
  }
  if (![leaf, intermediate, root].every((certificate) => withinDates(certificate, effectiveMs, MAX_SKEW_MS))) {
    throw invalid('A certificate of the JWS x5c is not valid at the signed date.');
  }
  const key: KeyObject = leaf.publicKey;
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw invalid('The JWS x5c leaf key is not a P-256 key.');
  const content = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii');
  if (!verifySignature('sha256', content, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'))) {
    throw new errors.AuthenticationError('signature_mismatch', 'The JWS signature does not match.');
  }
  for (const claim of config.claims ?? []) {
    const found = claim.paths.map((path) => valueAt(payload, path)).find((value) => value !== undefined);
    if (found !== claim.value) throw new errors.AuthenticationError('claim_mismatch', `The payload's ${claim.name} is not the configured one.`);
  }
  return VERIFIED;
}

// ---------------------------------------------------------------------------------------------------------
// DER: the extension OIDs of a certificate

/** One DER element: its tag and where its content starts and ends. */
function element(der: Buffer, at: number): { tag: number; start: number; end: number } {
  const tag = der[at];
  let length = der[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4) throw new Error('Unsupported DER length.');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i];
    start += bytes;
  }
  if (start + length > der.length) throw new Error('Truncated DER.');
  return { tag, start, end: start + length };
}

function children(der: Buffer, parent: { start: number; end: number }): Array<{ tag: number; start: number; end: number }> {
  const list = [];
  for (let at = parent.start; at < parent.end;) {
    const child = element(der, at);
    list.push(child);
    at = child.end;
  }
  return list;
}

/** The DER content bytes of a dotted OID. */
export function encodeOid(oid: string): Buffer {
  const arcs = oid.split('.').map(Number);
  const bytes = [40 * arcs[0] + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const group = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) group.unshift((rest & 0x7f) | 0x80);
    bytes.push(...group);
  }
  return Buffer.from(bytes);
}

/** The extension OIDs of a certificate (hex of their DER content). */
export function extensionOids(certificate: X509Certificate): Set<string> {
  const der = certificate.raw;
  const tbs = children(der, element(der, 0))[0];
  const found = new Set<string>();
  for (const field of children(der, tbs)) {
    if (field.tag !== 0xa3) continue;
    const extensions = children(der, field)[0];
    for (const extension of children(der, extensions)) {
      const id = children(der, extension)[0];
      if (id?.tag === 0x06) found.add(der.subarray(id.start, id.end).toString('hex'));
    }
  }
  return found;
}

function hasExtensions(certificate: X509Certificate, oids: readonly string[] | undefined): boolean {
  if (!oids || oids.length === 0) return true;
  let present: Set<string>;
  try {
    present = extensionOids(certificate);
  } catch {
    return false;
  }
  return oids.every((oid) => present.has(encodeOid(oid).toString('hex')));
}
