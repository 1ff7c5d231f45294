/**
 * Comparisons of secret-derived values are constant-time. Two proofs:
 * - behaviour: `crypto.timingSafeEqual` is spied on before the shipped bundle is loaded (in a fresh module
 *   registry), and every scheme's check, genuine or forged, goes through it with the presented signature;
 * - source: no equality operator (`===`, `!==`, `==`, `!=`), `Buffer.compare`, `.equals` or `includes` in the
 *   verifier compares a signature, digest, token or secret; the few comparisons whose names look sensitive are
 *   listed below with the reason they are not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Stripe from 'stripe';
import * as twilio from 'twilio';
import * as ts from 'typescript';
import { apiEvent } from './support/aws';
import { verifierUnderTest, type VerifierUnderTest } from './support/verifier-under-test';

const STRIPE_SECRET = 'whsec_timing_tests_0c4e7a';
const GITHUB_SECRET = 'timing tests github secret';
const GITLAB_TOKEN = 'glpat-timing-token-6f2d';
const TWILIO_TOKEN = 'twilio-auth-token-19ab';
const BASIC_CREDENTIALS = 'hooks:correct horse battery staple';
const META_SECRET = JSON.stringify({ signingSecrets: ['meta-app-secret'], verifyToken: 'meta-verify-token-77' });
const TWILIO_URL = 'https://hooks.example.com/webhooks/twilio';
// Two keys in one secret, as during a rotation: a match must not stop the check before the other key is tried.
const ROTATING_STRIPE = ['whsec_timing_current_9a1f', 'whsec_timing_previous_3b7e'];
const ROTATING_TWILIO = ['twilio-timing-current-51', 'twilio-timing-previous-68'];

// The module object itself (an `import * as` namespace is a frozen copy): the bundle's require sees the same one.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const crypto = require('node:crypto') as typeof import('node:crypto');
const spy = jest.spyOn(crypto, 'timingSafeEqual');
let verifier: VerifierUnderTest;
let octokitSign: (secret: string, payload: string) => Promise<string>;

beforeAll(async () => {
  ({ sign: octokitSign } = await import('@octokit/webhooks-methods'));
  // The bundle is loaded after the spy is in place, in a registry of its own (verifierUnderTest -> loadBundle).
  verifier = await verifierUnderTest({
    '/stripe': { secret: STRIPE_SECRET, config: { toleranceSeconds: 300 } },
    '/github': { secret: GITHUB_SECRET, config: {} },
    '/gitlab': { secret: GITLAB_TOKEN, config: {} },
    '/twilio': { secret: TWILIO_TOKEN, config: { publicUrl: TWILIO_URL } },
    '/basic': { secret: BASIC_CREDENTIALS, config: { kind: 'custom', scheme: { basicAuth: true } } },
    '/meta': { secret: META_SECRET, config: {} },
    '/stripe-rotating': { secret: JSON.stringify({ signingSecrets: ROTATING_STRIPE }), config: { kind: 'stripe', toleranceSeconds: 300 } },
    '/twilio-rotating': { secret: JSON.stringify(ROTATING_TWILIO), config: { kind: 'twilio', publicUrl: TWILIO_URL } },
  });
});

beforeEach(() => spy.mockClear());
afterEach(async () => {
  await verifier.messages();
});
afterAll(() => spy.mockRestore());

/** The calls to timingSafeEqual during one request: the two buffers and what it answered. */
function comparisons() {
  return spy.mock.calls.map(([a, b], i) => ({ a: Buffer.from(a as Uint8Array), b: Buffer.from(b as Uint8Array), result: spy.mock.results[i].value as boolean }));
}

const stripe = new Stripe('sk_test_unused');

describe('every scheme compares through crypto.timingSafeEqual', () => {
  test('Stripe (HMAC, key-value header): the presented v1 is compared with the expected digest', async () => {
    const payload = JSON.stringify({ id: `evt_${crypto.randomUUID()}`, type: 'invoice.paid' });
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
    const presented = Buffer.from(header.split('v1=')[1], 'hex');

    expect((await verifier.send(apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': header } }))).status).toBe(200);
    expect(comparisons()).toContainEqual({ a: presented, b: presented, result: true });

    spy.mockClear();
    const forged = header.replace(/v1=([0-9a-f])/, (_, c: string) => `v1=${c === '0' ? '1' : '0'}`);
    expect((await verifier.send(apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': forged } }))).status).toBe(401);
    const forgedBytes = Buffer.from(forged.split('v1=')[1], 'hex');
    expect(comparisons().some((c) => c.b.equals(forgedBytes) && c.result === false)).toBe(true);
    expect(comparisons().every((c) => c.result === false)).toBe(true);
  });

  test('GitHub (HMAC, prefixed header), signed by @octokit/webhooks-methods', async () => {
    const payload = '{"zen":"Approachable is better than simple."}';
    const signature = await octokitSign(GITHUB_SECRET, payload);
    const presented = Buffer.from(signature.slice('sha256='.length), 'hex');
    const event = apiEvent({ resource: '/github', body: payload, headers: { 'X-Hub-Signature-256': signature, 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': crypto.randomUUID() } });
    expect((await verifier.send(event)).status).toBe(200);
    expect(comparisons()).toContainEqual({ a: presented, b: presented, result: true });
  });

  test('GitLab (shared token): both sides hashed, then compared, so not even the length leaks', async () => {
    const digest = (value: string) => crypto.createHash('sha256').update(value).digest();
    const ok = await verifier.send(apiEvent({ resource: '/gitlab', body: '{}', headers: { 'X-Gitlab-Token': GITLAB_TOKEN, 'X-Gitlab-Event': 'Push Hook' } }));
    expect(ok.status).toBe(200);
    expect(comparisons()).toContainEqual({ a: digest(GITLAB_TOKEN), b: digest(GITLAB_TOKEN), result: true });

    spy.mockClear();
    const bad = await verifier.send(apiEvent({ resource: '/gitlab', body: '{}', headers: { 'X-Gitlab-Token': 'x' } }));
    expect(bad.status).toBe(401);
    expect(comparisons()).toContainEqual({ a: digest('x'), b: digest(GITLAB_TOKEN), result: false });
  });

  test('Twilio (HMAC-SHA1 over URL and form), signed by the twilio package', async () => {
    const params = { CallSid: 'CA123', From: '+15550001111', To: '+15550002222' };
    const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, TWILIO_URL, params);
    const event = apiEvent({
      resource: '/twilio',
      body: new URLSearchParams(params).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature, 'I-Twilio-Idempotency-Token': crypto.randomUUID() },
    });
    expect((await verifier.send(event)).status).toBe(200);
    expect(comparisons().some((c) => c.b.equals(Buffer.from(signature, 'base64')) && c.result)).toBe(true);
  });

  test('Basic authentication: the credentials are compared hashed', async () => {
    const authorization = `Basic ${Buffer.from(BASIC_CREDENTIALS).toString('base64')}`;
    expect((await verifier.send(apiEvent({ resource: '/basic', body: '{}', headers: { Authorization: authorization } }))).status).toBe(200);
    expect(comparisons().some((c) => c.result)).toBe(true);
    spy.mockClear();
    const wrong = `Basic ${Buffer.from('hooks:wrong').toString('base64')}`;
    expect((await verifier.send(apiEvent({ resource: '/basic', body: '{}', headers: { Authorization: wrong } }))).status).toBe(401);
    expect(comparisons().length).toBeGreaterThan(0);
    expect(comparisons().every((c) => !c.result)).toBe(true);
  });

  test('Meta\'s verify token in its subscription handshake', async () => {
    const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'meta-verify-token-77', 'hub.challenge': '1158201444' };
    const event = {
      ...apiEvent({ resource: '/meta', body: '', method: 'GET' }),
      queryStringParameters: query,
      multiValueQueryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
    };
    const answer = await verifier.send(event);
    expect({ status: answer.status, text: answer.text }).toEqual({ status: 200, text: '1158201444' });
    expect(comparisons().some((c) => c.result)).toBe(true);
  });

  test('every key is tried whichever matched: as many comparisons for a request signed with the first key as with the second', async () => {
    const payload = JSON.stringify({ id: `evt_${crypto.randomUUID()}`, type: 'invoice.paid' });
    const counts: number[] = [];
    for (const secret of ROTATING_STRIPE) {
      spy.mockClear();
      const header = stripe.webhooks.generateTestHeaderString({ payload, secret });
      const answer = await verifier.send(apiEvent({ resource: '/stripe-rotating', body: payload, headers: { 'Stripe-Signature': header } }));
      expect(answer.status).toBe(200);
      expect(comparisons().filter((c) => c.result)).toHaveLength(1);
      counts.push(comparisons().length);
    }
    // One comparison per key (the header carries one v1 signature), for either key.
    expect(counts).toEqual([2, 2]);
  });

  test('Twilio: every key is tried whichever matched', async () => {
    const params = { CallSid: 'CA456', From: '+15550003333', To: '+15550004444' };
    const counts: number[] = [];
    for (const token of ROTATING_TWILIO) {
      spy.mockClear();
      const signature = twilio.getExpectedTwilioSignature(token, TWILIO_URL, params);
      const event = apiEvent({
        resource: '/twilio-rotating',
        body: new URLSearchParams(params).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature, 'I-Twilio-Idempotency-Token': crypto.randomUUID() },
      });
      expect((await verifier.send(event)).status).toBe(200);
      counts.push(comparisons().length);
    }
    // The URL as configured matches first under its key; the other key tries both port variants: 1 + 2 either way.
    expect(counts).toEqual([3, 3]);
  });

  test('the exported helpers are the ones the checks use, and both call timingSafeEqual', () => {
    spy.mockClear();
    expect(verifier.module.constantTimeEqual(Buffer.from('abc'), Buffer.from('abc'))).toBe(true);
    expect(verifier.module.constantTimeTokenEqual('abc', 'abd')).toBe(false);
    expect(spy).toHaveBeenCalledTimes(2);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The source: no secret-derived value compared by anything but timingSafeEqual

const SENSITIVE = /(signature|digest|expected|candidate|hmac|\bmac\b|presented|secret|token|\bkeys?\b|decoded|verifyToken|challenge)/i;

/**
 * Comparisons whose operands have sensitive-looking names but compare public values, each with why. A new one
 * fails the test until it is reviewed and listed.
 */
const REVIEWED: Record<string, string> = {
  'auth.ts: key === format.signatureKey': 'the key names of a key-value signature header (`v1`, `t`) against the configured ones: public',
  'auth.ts: key === format.timestampKey': 'the same, for the timestamp entry',
  "enqueue.ts: scheme.signature.signedContent.includes('{body}')": 'whether the configured signed-content template names the body: configuration, not a secret',
  'auth.ts: k.equals(key)': "two readings of the same secret (its text, its base64 decoding: Polar), deduplicated before any request is compared; no request byte is involved",
  "braintree.ts: key.indexOf(':')": 'splits the configured secret `<public key>:<private key>` at its separator; compares nothing with the request',
  "request.ts: key.indexOf(' ')": "the HTTP API's route key (`POST /stripe`), public routing data",
  'jwks.ts: (answer.json as { key: { kid?: unknown } }).key.kid !== kid': "the key service's answer names the kid asked for: key ids are public, and the answer is the service's, not the request's",
  'jwks.ts: key.asymmetricKeyType !== rule.key': "the fetched public key's type against the one the token's alg needs (ec, rsa, ed25519): public",
  'jwks.ts: key.asymmetricKeyDetails?.namedCurve !== rule.curve': "the fetched public key's curve against the alg's (P-256 for ES256): public",
  'jwks.ts: signature.length !== rule.length': "the length of the presented signature against the alg's fixed length (64 bytes for ES256): the length is public, no byte is compared",
  'multipart.ts: body.subarray(0, delimiter.length).equals(delimiter)': 'the multipart body starts with its boundary, which the request itself declares: syntax, no secret',
  'multipart.ts: body.subarray(at, at + 2).equals(CRLF)': 'a CRLF after a multipart boundary: syntax, no secret',
};

interface Finding {
  readonly file: string;
  readonly text: string;
}

/** Equality comparisons and comparison calls in a source text whose operands look sensitive. */
export function sensitiveComparisons(file: string, source: string): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true);
  const findings: Finding[] = [];
  const isPlain = (node: ts.Expression): boolean =>
    ts.isStringLiteral(node) || ts.isNumericLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || node.kind === ts.SyntaxKind.NullKeyword ||
    (ts.isIdentifier(node) && node.text === 'undefined') || ts.isTypeOfExpression(node) ||
    node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword;
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node)) {
      const op = node.operatorToken.kind;
      if ([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken].includes(op)) {
        const sides = [node.left, node.right];
        if (!sides.some(isPlain) && sides.some((side) => SENSITIVE.test(side.getText(sf)))) findings.push({ file, text: node.getText(sf) });
      }
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression.getText(sf);
      const args = node.arguments.map((a) => a.getText(sf)).join(', ');
      if (/^Buffer\.compare$|\.equals$|\.localeCompare$/.test(callee)) findings.push({ file, text: node.getText(sf) });
      else if (/\.(includes|indexOf|lastIndexOf)$/.test(callee) && SENSITIVE.test(`${callee}(${args})`) && !/^\w+\.headers?\b/.test(callee)) {
        findings.push({ file, text: node.getText(sf) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
}

describe('the verifier\'s source', () => {
  const dir = path.join(__dirname, '..', 'lambda', 'verifier');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  test('compares no signature, digest, token or secret with ===, ==, Buffer.compare, .equals or .includes', () => {
    const findings = files.flatMap((file) => sensitiveComparisons(file, readFileSync(path.join(dir, file), 'utf8')));
    const unreviewed = findings.map((f) => `${f.file}: ${f.text}`).filter((f) => !(f in REVIEWED));
    expect(unreviewed).toEqual([]);
    // Every reviewed entry is still there (an entry for code that is gone is stale).
    expect(Object.keys(REVIEWED).filter((entry) => !findings.some((f) => `${f.file}: ${f.text}` === entry))).toEqual([]);
  });

  test('the check is not vacuous: it catches the comparisons it is meant to', () => {
    const planted = [
      'if (signature === expected) ok();',
      'const same = digest.toString("hex") == header;',
      'if (Buffer.compare(expected, candidate) === 0) ok();',
      'if (expectedMac.equals(presented)) ok();',
      'return presented !== secret;',
      'if (keys.includes(token)) ok();',
    ];
    for (const line of planted) expect(sensitiveComparisons('planted.ts', line)).toHaveLength(1);
    expect(sensitiveComparisons('fine.ts', 'if (signature === undefined || signatures.length === 0) x();')).toEqual([]);
  });

  test('timingSafeEqual is the one comparison primitive, behind constantTimeEqual', () => {
    const auth = readFileSync(path.join(dir, 'auth.ts'), 'utf8');
    const uses = files.flatMap((file) => readFileSync(path.join(dir, file), 'utf8').match(/timingSafeEqual\(/g) ?? []);
    expect(uses).toHaveLength(1);
    expect(auth).toMatch(/export function constantTimeEqual\(a: Buffer, b: Buffer\): boolean \{\n\s+return a\.length === b\.length && timingSafeEqual\(a, b\);/);
  });
});
