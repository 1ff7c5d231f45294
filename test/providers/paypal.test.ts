/**
 * PayPal: `paypal-transmission-sig`, base64 SHA256withRSA over `{transmission id}|{transmission time}|{webhook
 * id}|{CRC-32 of the body, unsigned decimal}`, by the key of the certificate at `paypal-cert-url`, with
 * `paypal-auth-algo: SHA256withRSA` (PayPal's "verify webhook signature" documentation; hookdeck webhook-skills
 * `paypal-webhooks/references/verification.md`).
 *
 * No PayPal package verifies offline: paypal-rest-sdk's and @paypal/paypal-server-sdk's verifiers post the request
 * back to PayPal's API. So requests are signed as documented with a test RSA key whose self-signed certificate
 * (subject CN `messageverificationcerts.paypal.com`) a loopback stand-in of PayPal's certificate host serves, and the
 * oracle is the documented check written out here with `buffer-crc32` and node:crypto, independently of the
 * verifier. The stand-in is reached through `WEBHOOK_RECEIVER_TEST_CERTIFICATE_ORIGIN` (see lambda/verifier/x509.ts:
 * honoured only for a loopback origin outside AWS Lambda); the stand-in counts every request, so a test can prove
 * that a refused URL caused no fetch and a cached certificate no second one.
 */
import { randomUUID, sign as rsaSign, verify as rsaVerify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectRejected, providerHarness, type Harness } from '../support/provider-harness';
import { noWindow, providerMatrix, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { RequestValue, WebhookProvider } from '../../lib';
import { issueCertificate, type TestCertificate } from '../support/test-certificates';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const bufferCrc32 = require('buffer-crc32') as { unsigned(input: Buffer | string): number };

const ORIGIN_ENV = 'WEBHOOK_RECEIVER_TEST_CERTIFICATE_ORIGIN';
const WEBHOOK_ID = '8PT597110X687430LKGECATA';
const CERT_PATH = '/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77';

const genuine = issueCertificate({ commonName: 'messageverificationcerts.paypal.com', keyType: 'rsa' });
const other = issueCertificate({ commonName: 'messageverificationcerts.paypal.com', keyType: 'rsa' });

/** The loopback stand-in of PayPal's certificate host: each path's answer, and every request it got. */
type Route = (request: IncomingMessage, response: ServerResponse) => void;
const routes = new Map<string, Route>();
const requests: string[] = [];
let server: Server;
let origin: string;
const serve = (pem: string): Route => (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/x-pem-file' });
  response.end(pem);
};
const fetchesOf = (path: string) => requests.filter((p) => p === path).length;
interface X509Module {
  resetCertificateCache(): void;
  readonly MAX_FETCHES_PER_WINDOW: number;
}
let x509: X509Module | undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const route = routes.get(request.url ?? '');
    if (route) route(request, response);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env[ORIGIN_ENV] = origin;
  routes.set(CERT_PATH, serve(genuine.pem));
  // The module the bundle requires on first use (the same file, so the same cache).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  x509 = require('../../assets/verifier/x509.js') as X509Module;
});

// Each test starts as a new container would: no certificate, failure or fetch remembered.
beforeEach(() => x509?.resetCertificateCache());

afterAll(async () => {
  delete process.env[ORIGIN_ENV];
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function captureCompleted(extra: Record<string, unknown> = {}, id = `WH-${randomUUID()}`): string {
  return JSON.stringify({
    id,
    event_version: '1.0',
    create_time: '2026-01-01T12:00:00.000Z',
    resource_type: 'capture',
    resource_version: '2.0',
    event_type: 'PAYMENT.CAPTURE.COMPLETED',
    summary: 'Payment completed for $ 42.00 USD',
    resource: { id: '7TK53561YB803214S', status: 'COMPLETED', amount: { currency_code: 'USD', value: '42.00' }, ...extra },
  });
}

/** The documented message: `{transmission id}|{transmission time}|{webhook id}|{unsigned decimal CRC-32}`. */
const message = (id: string, time: string, webhookId: string, body: Buffer) => `${id}|${time}|${webhookId}|${bufferCrc32.unsigned(body)}`;

interface PayPalSignOptions {
  readonly key?: KeyObject;
  readonly webhookId?: string;
  readonly certUrl?: string;
  readonly id?: string;
  readonly at?: Date;
}

/** PayPal's headers as documented, signed with `key` (the genuine certificate's by default). */
function signPayPal(body: string | Buffer, options: PayPalSignOptions = {}): SignedRequest {
  const id = options.id ?? randomUUID();
  const time = (options.at ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const signature = rsaSign('sha256', Buffer.from(message(id, time, options.webhookId ?? WEBHOOK_ID, Buffer.from(body))), options.key ?? genuine.privateKey);
  return {
    body,
    headers: {
      'PAYPAL-TRANSMISSION-ID': id,
      'PAYPAL-TRANSMISSION-TIME': time,
      'PAYPAL-TRANSMISSION-SIG': signature.toString('base64'),
      'PAYPAL-CERT-URL': options.certUrl ?? `${origin}${CERT_PATH}`,
      'PAYPAL-AUTH-ALGO': 'SHA256withRSA',
      'Content-Type': 'application/json',
    },
  };
}

/** The documented check, written out independently of the verifier: the oracle (no PayPal package verifies offline). */
function documentedCheck(request: SignedRequest, certificate: TestCertificate = genuine, webhookId = WEBHOOK_ID): boolean {
  const h = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const names = ['paypal-transmission-id', 'paypal-transmission-time', 'paypal-transmission-sig', 'paypal-cert-url', 'paypal-auth-algo'];
  if (names.some((name) => !h[name]) || h['paypal-auth-algo'] !== 'SHA256withRSA') return false;
  const content = message(h['paypal-transmission-id'], h['paypal-transmission-time'], webhookId, Buffer.from(request.body));
  return rsaVerify('sha256', Buffer.from(content), certificate.x509.publicKey, Buffer.from(h['paypal-transmission-sig'], 'base64'));
}

const description: ProviderDescription = {
  kind: 'paypal',
  notApplicable: noWindow('PayPal signs paypal-transmission-time but documents no window, so none is enforced'),
  // The harness stores a secret for every provider; PayPal's verifier never reads it.
  secret: `unused-${randomUUID()}`,
  otherSecret: 'other',
  harness: { config: { certificates: { webhookId: WEBHOOK_ID } } },
  auth: 'public-key',
  // The signature covers a CRC-32 of the body, which is not collision-resistant: the envelope says so.
  bodySigned: false,
  event: captureCompleted,
  // With an id asked for (the matrix compares sign() with signBytes() on one body), the fixed transmission id.
  sign: (body, options) => signPayPal(body, { at: options?.at, id: options?.id === undefined ? undefined : 'fixed-transmission-id', key: options?.secret === 'other' ? other.privateKey : undefined }),
  accepts: (request) => documentedCheck(request),
  signBytes: (body, { at }) => {
    // The same documented scheme over the raw bytes, with a fixed transmission id so both sides sign one message.
    const request = signPayPal(body, { at, id: 'fixed-transmission-id' });
    return request.headers;
  },
  signatureHeader: 'paypal-transmission-sig',
  requiredHeaders: [
    ['paypal-transmission-id', 'signature_missing'],
    ['paypal-transmission-time', 'signature_missing'],
    ['paypal-cert-url', 'signature_missing'],
    ['paypal-auth-algo', 'signature_missing'],
  ],
  expected: (request) => ({ deliveryId: JSON.parse(String(request.body)).id, eventType: 'PAYMENT.CAPTURE.COMPLETED' }),
  tamper: ['"42.00"', '"42.01"'],
};

const matrix = providerMatrix(description);
const harness = (): Harness => matrix.harness();

// The generic factory configured like PayPal: the same matrix through `WebhookProvider.certificateUrl()`'s
// configuration (the stand-in reached through the same test origin).
const certificateUrl = WebhookProvider.certificateUrl({
  id: 'paypal-generic',
  certificateUrlHeader: 'PAYPAL-CERT-URL',
  allowedHosts: ['api.paypal.com'],
  certificatePathPrefix: '/v1/notifications/certs/',
  signatureHeader: 'PAYPAL-TRANSMISSION-SIG',
  signedContent: '{header:paypal-transmission-id}|{header:paypal-transmission-time}|{webhookId}|{crc32}',
  webhookId: WEBHOOK_ID,
  subjectCommonNames: ['messageverificationcerts.paypal.com'],
  deliveryId: [RequestValue.jsonPath('id')],
  eventType: RequestValue.jsonPath('event_type'),
});
providerMatrix({
  ...description,
  kind: 'custom',
  generic: { factory: 'WebhookProvider.certificateUrl', configuration: 'PayPal\'s shape: SHA256withRSA over ids, time, webhook id and CRC-32, hosts and subject pinned' },
  harness: { id: 'paypal-generic', config: { ...certificateUrl._toConfig('https://hooks.example.com/paypal-generic'), kind: 'custom' } },
  // The transmission id and time are signed: without one the content cannot be made. The generic scheme has no
  // paypal-auth-algo (its algorithm is configured).
  requiredHeaders: [
    ['paypal-transmission-id', 'signature_missing'],
    ['paypal-transmission-time', 'signature_missing'],
    ['paypal-cert-url', 'signature_missing'],
  ],
});

test('a retry (new transmission id, time and signature; the same event id) is a duplicate', async () => {
  const body = captureCompleted();
  const first = signPayPal(body);
  const retry = signPayPal(body, { at: new Date(Date.now() + 60_000) });
  expect([documentedCheck(first), documentedCheck(retry)]).toEqual([true, true]);

  const answers = [(await harness().send(first)).body, (await harness().send(retry)).body];

  const id = JSON.parse(body).id;
  expect(answers.map((answer) => [answer.code, answer.deliveryId])).toEqual([['accepted', id], ['duplicate', id]]);
  expect(await harness().messages()).toEqual([expect.objectContaining({ deliveryId: id, eventTime: '2026-01-01T12:00:00.000Z', auth: 'public-key' })]);
});

test('a delivery signed for another webhook id is refused (the webhook id is signed)', async () => {
  const request = signPayPal(captureCompleted(), { webhookId: 'WH0THER0WEBHOOK0ID' });
  expect(documentedCheck(request)).toBe(false);
  expect(documentedCheck(request, genuine, 'WH0THER0WEBHOOK0ID')).toBe(true);

  await expectRejected(harness(), request, 'signature_mismatch');
});

test('the certificate is fetched once per URL: a second delivery uses the container\'s copy', async () => {
  // GIVEN a fresh verifier (an empty cache) and a certificate at a URL of its own
  const path = '/v1/notifications/certs/CERT-cache-test';
  routes.set(path, serve(genuine.pem));
  const receiver = await providerHarness('paypal', { secret: 'unused', id: 'paypal-cache', config: { certificates: { webhookId: WEBHOOK_ID } } });

  // WHEN two deliveries name it
  const answers = [
    await receiver.send(signPayPal(captureCompleted(), { certUrl: `${origin}${path}` })),
    await receiver.send(signPayPal(captureCompleted(), { certUrl: `${origin}${path}` })),
  ];

  // THEN both are accepted, and the stand-in served it once
  expect(answers.map((answer) => answer.body.code)).toEqual(['accepted', 'accepted']);
  expect(fetchesOf(path)).toBe(1);
  expect(await receiver.messages()).toHaveLength(2);
});

describe('certificate URLs off the allowlist are refused without any fetch', () => {
  const cases: Array<[string, () => string]> = [
    ['a foreign https host', () => 'https://certs.example.com/v1/notifications/certs/CERT-1'],
    ['a host that only starts with PayPal\'s', () => 'https://api.paypal.com.example.com/v1/notifications/certs/CERT-1'],
    ['PayPal\'s host over plain http', () => 'http://api.paypal.com/v1/notifications/certs/CERT-1'],
    ['PayPal\'s host on another port', () => 'https://api.paypal.com:8443/v1/notifications/certs/CERT-1'],
    ['PayPal\'s host with credentials', () => 'https://user:pass@api.paypal.com/v1/notifications/certs/CERT-1'],
    ['PayPal\'s host outside the certificates path', () => 'https://api.paypal.com/v1/oauth2/token'],
    ['a www.paypal.com page (not an API host)', () => 'https://www.paypal.com/v1/notifications/certs/CERT-1'],
    ['the stand-in\'s origin with a path escaping the certificates path', () => `${origin}/v1/notifications/certs/../../../admin`],
    ['another loopback address than the test origin', () => `${origin.replace('127.0.0.1', '127.0.0.2')}${CERT_PATH}`],
    ['not a URL', () => 'api.paypal.com/v1/notifications/certs/CERT-1'],
  ];
  test.each(cases)('%s', async (_name, url) => {
    const before = requests.length;
    const request = signPayPal(captureCompleted(), { certUrl: url() });

    await expectRejected(harness(), request, 'certificate_url_refused');

    expect(requests.length).toBe(before);
  });
});

describe('a certificate that cannot be had fails closed with a retryable answer (5xx), nothing written', () => {
  const cases: Array<[string, string, Route]> = [
    ['the host answers 500', '/v1/notifications/certs/CERT-500', (_q, r) => r.writeHead(500).end('boom')],
    ['the host answers 404', '/v1/notifications/certs/CERT-404', (_q, r) => r.writeHead(404).end()],
    ['the host redirects (never followed)', '/v1/notifications/certs/CERT-302', (_q, r) => r.writeHead(302, { location: CERT_PATH }).end()],
    ['the file is larger than 64 KiB', '/v1/notifications/certs/CERT-big', (_q, r) => r.writeHead(200).end(genuine.pem + 'x'.repeat(70 * 1024))],
    ['the file holds no certificate', '/v1/notifications/certs/CERT-empty', (_q, r) => r.writeHead(200).end('<html>maintenance</html>')],
    ['the host never answers (2 s timeout)', '/v1/notifications/certs/CERT-hang', () => undefined],
  ];
  test.each(cases)('%s', async (_name, path, route) => {
    routes.set(path, route);
    const before = { records: await harness().records(), redirected: fetchesOf(CERT_PATH) };
    const request = signPayPal(captureCompleted(), { certUrl: `${origin}${path}` });
    expect(documentedCheck(request)).toBe(true);

    const started = Date.now();
    const answer = await harness().send(request);

    expect([answer.status, answer.body?.error]).toEqual([502, 'certificate_unavailable']);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(fetchesOf(path)).toBe(1);
    expect(fetchesOf(CERT_PATH)).toBe(before.redirected);
    expect(await harness().messages()).toEqual([]);
    expect(await harness().records()).toBe(before.records);
  });
});

describe('a certificate that is not PayPal\'s, or not valid now, is refused (401 certificate_invalid)', () => {
  const cases: Array<[string, () => TestCertificate]> = [
    ['another subject', () => issueCertificate({ commonName: 'messageverificationcerts.example.com', keyType: 'rsa' })],
    ['expired', () => issueCertificate({ commonName: 'messageverificationcerts.paypal.com', keyType: 'rsa', notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') })],
    ['not yet valid', () => issueCertificate({ commonName: 'messageverificationcerts.paypal.com', keyType: 'rsa', notBefore: new Date(Date.now() + 86_400_000), notAfter: new Date(Date.now() + 2 * 86_400_000) })],
    ['an EC key (PayPal signs SHA256withRSA)', () => issueCertificate({ commonName: 'messageverificationcerts.paypal.com', keyType: 'ec' })],
  ];
  test.each(cases)('%s', async (name, make) => {
    const certificate = make();
    const path = `/v1/notifications/certs/CERT-${name.replace(/\W+/g, '-')}`;
    routes.set(path, serve(certificate.pem));
    const request = signPayPal(captureCompleted(), { certUrl: `${origin}${path}`, key: certificate.privateKey });

    await expectRejected(harness(), request, 'certificate_invalid');
  });
});

test('a sandbox certificate (messageverificationcerts.sandbox.paypal.com) verifies too: the webhook id binds it', async () => {
  const sandbox = issueCertificate({ commonName: 'messageverificationcerts.sandbox.paypal.com', keyType: 'rsa' });
  const path = '/v1/notifications/certs/CERT-sandbox';
  routes.set(path, serve(sandbox.pem));
  const request = signPayPal(captureCompleted(), { certUrl: `${origin}${path}`, key: sandbox.privateKey });
  expect(documentedCheck(request, sandbox)).toBe(true);

  expect((await harness().send(request)).body).toMatchObject({ ok: true, code: 'accepted' });
  await harness().messages();
});

test('a URL whose fetch failed is answered 502 again for a minute without a second fetch', async () => {
  // GIVEN a certificate URL whose host fails once
  const path = '/v1/notifications/certs/CERT-fails-once';
  let calls = 0;
  routes.set(path, (_q, r) => (calls++ === 0 ? r.writeHead(503).end() : serve(genuine.pem)(_q, r)));

  // WHEN PayPal's delivery and its retry name it within the minute
  const answers = [
    await harness().send(signPayPal(captureCompleted(), { certUrl: `${origin}${path}` })),
    await harness().send(signPayPal(captureCompleted(), { certUrl: `${origin}${path}` })),
  ];

  // THEN both are 502 (PayPal retries later), and the host was asked once
  expect(answers.map((a) => `${a.status} ${a.body?.error}`)).toEqual(['502 certificate_unavailable', '502 certificate_unavailable']);
  expect(fetchesOf(path)).toBe(1);
  expect(await harness().messages()).toEqual([]);

  // AND a new container (the cache forgotten) fetches it again, and the host now answers
  x509!.resetCertificateCache();
  expect((await harness().send(signPayPal(captureCompleted(), { certUrl: `${origin}${path}` }))).body).toMatchObject({ ok: true, code: 'accepted' });
  expect(fetchesOf(path)).toBe(2);
  await harness().messages();
});

test('forged requests naming ever new certificate URLs cost at most 10 fetches a minute; past that 503 certificate_fetch_limited, a cached certificate still verifies', async () => {
  // GIVEN the genuine certificate in the cache
  expect((await harness().send(signPayPal(captureCompleted()))).body).toMatchObject({ ok: true, code: 'accepted' });
  await harness().messages();
  const budget = x509!.MAX_FETCHES_PER_WINDOW - 1;
  expect(budget).toBe(9);

  // WHEN 15 forged requests name 15 new URLs on the certificate host (none of which exists)
  const before = requests.length;
  const answers = [];
  for (let i = 0; i < 15; i++) answers.push(await harness().send(signPayPal(captureCompleted(), { certUrl: `${origin}/v1/notifications/certs/CERT-forged-${i}` })));

  // THEN the host is asked 9 more times (10 in the minute), the rest are refused without a fetch, nothing written
  expect(requests.length - before).toBe(budget);
  expect(answers.map((a) => `${a.status} ${a.body?.error}`)).toEqual([...Array(budget).fill('502 certificate_unavailable'), ...Array(15 - budget).fill('503 certificate_fetch_limited')]);
  expect(await harness().messages()).toEqual([]);

  // AND a genuine delivery naming the cached certificate is still accepted
  expect((await harness().send(signPayPal(captureCompleted()))).body).toMatchObject({ ok: true, code: 'accepted' });
  await harness().messages();
});

test('a file with the leaf and the intermediate that issued it verifies; one whose intermediate did not issue the leaf is refused', async () => {
  const root = issueCertificate({ commonName: 'Test Root', ca: true, keyType: 'rsa' });
  const intermediate = issueCertificate({ commonName: 'Test Intermediate', ca: true, keyType: 'rsa', issuer: root });
  const leaf = issueCertificate({ commonName: 'messageverificationcerts.paypal.com', keyType: 'rsa', issuer: intermediate });
  routes.set('/v1/notifications/certs/CERT-chain', serve(leaf.pem + intermediate.pem));
  routes.set('/v1/notifications/certs/CERT-broken-chain', serve(leaf.pem + other.pem));

  const good = await harness().send(signPayPal(captureCompleted(), { certUrl: `${origin}/v1/notifications/certs/CERT-chain`, key: leaf.privateKey }));
  expect(good.body).toMatchObject({ ok: true, code: 'accepted' });
  await harness().messages();
  await expectRejected(harness(), signPayPal(captureCompleted(), { certUrl: `${origin}/v1/notifications/certs/CERT-broken-chain`, key: leaf.privateKey }), 'certificate_invalid');
});

test('a paypal-auth-algo other than SHA256withRSA is refused before any fetch', async () => {
  const before = requests.length;
  const request = signPayPal(captureCompleted());
  await expectRejected(harness(), { ...request, headers: { ...request.headers, 'PAYPAL-AUTH-ALGO': 'SHA1withRSA' } }, 'signature_malformed');
  expect(requests.length).toBe(before);
});

describe('the test-only loopback origin is refused where it must not apply', () => {
  test.each([
    ['inside AWS Lambda', { AWS_LAMBDA_FUNCTION_NAME: 'verifier' }],
    ['set to a host that is not loopback', { [ORIGIN_ENV]: 'http://169.254.169.254' }],
    ['set to a loopback URL with a path', { [ORIGIN_ENV]: 'http://127.0.0.1:1/v1' }],
  ])('%s: 500, no fetch', async (_name, env) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const before = requests.length;
    try {
      const path = '/v1/notifications/certs/CERT-env';
      routes.set(path, serve(genuine.pem));
      const answer = await harness().send(signPayPal(captureCompleted(), { certUrl: `${origin}${path}` }));
      expect([answer.status, answer.body?.error]).toEqual([500, 'internal_error']);
      expect(requests.length).toBe(before);
      expect(await harness().messages()).toEqual([]);
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
