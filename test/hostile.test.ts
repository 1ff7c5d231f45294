/**
 * The hostile-input suite: property-based tests (fast-check) of the shipped verifier bundle behind seven routes
 * (Stripe, GitHub, Microsoft Graph, Twilio, Meta, a generic HMAC scheme, a shared token), against DynamoDB, SQS
 * and Secrets Manager on loopback. Generated requests are random or malformed (headers, bodies, encodings, JSON
 * bombs, methods, media types, routes), genuine (Stripe deliveries signed by the `stripe` package, GitHub ones
 * by `@octokit/webhooks-methods`, each with a random body), genuine then tampered, or genuine and replayed.
 *
 * For every request: the handler answers (no exception, no unhandled rejection), never 5xx; a refusal is the
 * error shape with a machine-readable code and nothing internal; no DynamoDB or SQS call at all unless the
 * signature is genuine (a genuine one: exactly one write and one send; a replay: nothing sent); no log line
 * carries a secret or a presented signature. At the end the queue holds exactly the genuine events and the inbox
 * exactly their records. The count of requests by outcome is printed once and written to
 * .test-results/hostile-outcomes.json.
 *
 * HOSTILE_RUNS (default 10000) and HOSTILE_SEED (default fixed, for counts that can be quoted) change the run.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import fc from 'fast-check';
import Stripe from 'stripe';
import { verifierUnderTest, type Answer, type VerifierUnderTest } from './support/verifier-under-test';

const RUNS = Number(process.env.HOSTILE_RUNS ?? 10000);
const SEED = Number(process.env.HOSTILE_SEED ?? 20261126);

const SECRETS = {
  stripe: 'whsec_hostile_suite_stripe_5b0c2e9f41',
  github: 'hostile-suite-github-secret-83d1a6',
  graph: 'hostile-suite-graph-client-state-2f7e',
  twilio: 'hostile-suite-twilio-auth-token-9c04',
  metaApp: 'hostile-suite-meta-app-secret-61ab',
  metaVerify: 'hostile-suite-meta-verify-token-0d3f',
  acme: 'hostile-suite-acme-hmac-secret-47e2',
  token: 'hostile-suite-shared-token-be58c1',
};
const ALL_SECRETS = Object.values(SECRETS);
const ROUTES = ['/stripe', '/github', '/graph', '/twilio', '/meta', '/acme', '/token'];
const stripe = new Stripe('sk_test_unused');

let verifier: VerifierUnderTest;
let octokitSign: (secret: string, payload: string) => Promise<string>;
const outcomes: Record<string, number> = {};
const byKind: Record<string, number> = {};
const genuineIds = new Set<string>();
/** Accepted Stripe deliveries, for replays (GitHub signs no timestamp: its replays are bounded by the dedup window only). */
const accepted: Array<{ event: APIGatewayProxyEvent; id: string }> = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  ({ sign: octokitSign } = await import('@octokit/webhooks-methods'));
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  verifier = await verifierUnderTest({
    '/stripe': { secret: SECRETS.stripe, config: { toleranceSeconds: 300 } },
    '/github': { secret: SECRETS.github, config: {} },
    '/graph': { secret: SECRETS.graph, config: { kind: 'microsoft-graph' } },
    '/twilio': { secret: SECRETS.twilio, config: { publicUrl: 'https://hooks.example.com/webhooks/twilio' } },
    '/meta': { secret: JSON.stringify({ signingSecrets: [SECRETS.metaApp], verifyToken: SECRETS.metaVerify }), config: {} },
    '/acme': {
      secret: SECRETS.acme,
      config: {
        kind: 'custom',
        deliveryId: [{ header: 'x-acme-delivery' }],
        scheme: {
          signature: {
            algorithm: 'sha256',
            encoding: 'hex',
            header: 'x-acme-signature',
            format: { kind: 'keyValue', pairSeparator: ',', keyValueSeparator: '=', signatureKey: 'v1', timestampKey: 't' },
            signedContent: '{timestamp}.{body}',
            timestamp: { source: 'signatureHeader', unit: 's', toleranceSeconds: 300, allowFuture: false },
            keyEncoding: 'utf8',
          },
        },
      },
    },
    '/token': { secret: SECRETS.token, config: { kind: 'custom', scheme: { token: { header: 'x-token' } } } },
  });
});

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
  const sorted = Object.fromEntries(Object.entries(outcomes).sort(([a], [b]) => a.localeCompare(b)));
  const report = { seed: SEED, runs: RUNS, requests: total, byKind, byOutcome: sorted };
  const dir = path.join(__dirname, '..', '.test-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'hostile-outcomes.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`hostile-input suite: ${total} generated requests (seed ${SEED})\n${JSON.stringify(report, null, 2)}`);
});

// ---------------------------------------------------------------------------------------------------------
// Generated requests

type Kind = 'random' | 'genuine' | 'tampered' | 'replay';

interface Generated {
  readonly kind: Kind;
  readonly event: APIGatewayProxyEvent;
  /** Presented signatures and tokens, which must appear in no log line. */
  readonly presented: string[];
  /** For genuine deliveries: the delivery id. */
  readonly id?: string;
}

interface Parts {
  readonly route: string;
  readonly method: string;
  readonly headers: Array<[string, string]>;
  readonly body: { readonly bytes: Buffer | null; readonly encoding: 'base64' | 'raw' | 'badBase64'; readonly bad?: string };
  readonly query?: Record<string, string>;
}

/** An event as API Gateway builds it: headers grouped case-insensitively (first spelling kept), all values kept. */
function toEvent(parts: Parts): APIGatewayProxyEvent {
  const groups = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of parts.headers) {
    const group = groups.get(name.toLowerCase()) ?? { name, values: [] };
    group.values.push(value);
    groups.set(name.toLowerCase(), group);
  }
  const headers = Object.fromEntries([...groups.values()].map((g) => [g.name, g.values[g.values.length - 1]]));
  const multiValueHeaders = Object.fromEntries([...groups.values()].map((g) => [g.name, g.values]));
  let body: string | null;
  if (parts.body.bytes === null) body = null;
  else if (parts.body.encoding === 'base64') body = parts.body.bytes.toString('base64');
  else if (parts.body.encoding === 'raw') body = parts.body.bytes.toString('utf8');
  else body = parts.body.bad ?? '%%%';
  const query = parts.query;
  return {
    resource: parts.route,
    path: parts.route,
    httpMethod: parts.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: query ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) : null,
    pathParameters: null,
    stageVariables: null,
    isBase64Encoded: parts.body.encoding !== 'raw',
    body,
    requestContext: { requestId: randomUUID() } as APIGatewayProxyEvent['requestContext'],
  };
}

/** A thunk that fast-check prints as the request it makes (a counterexample must be readable). */
function described<T>(make: () => Promise<T>, description: unknown): () => Promise<T> {
  return Object.assign(make, { [fc.toStringMethod]: () => JSON.stringify(description, (_, v) => (typeof v === 'string' && v.length > 120 ? `${v.slice(0, 120)}... (${v.length} chars)` : v)) });
}

function describeParts(kind: string, parts: Parts) {
  const bytes = parts.body.bytes;
  return {
    kind,
    route: parts.route,
    method: parts.method,
    headers: parts.headers,
    query: parts.query,
    body: bytes === null ? null : { encoding: parts.body.encoding, length: bytes.length, start: bytes.subarray(0, 120).toString('utf8'), bad: parts.body.bad },
  };
}

const hex = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${min},${max}}$`));
const nowSeconds = () => Math.floor(Date.now() / 1000);

const headerName = fc.oneof(
  { weight: 3, arbitrary: fc.mixedCase(fc.constantFrom('content-type', 'stripe-signature', 'x-hub-signature-256', 'x-github-event', 'x-github-delivery', 'x-twilio-signature', 'i-twilio-idempotency-token', 'x-acme-signature', 'x-acme-delivery', 'x-token', 'authorization', 'content-length', 'host', 'x-forwarded-for', 'user-agent')) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9-]{1,40}$/) },
);

const headerValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 32 }) },
  { weight: 2, arbitrary: hex(16, 128) },
  { weight: 1, arbitrary: fc.base64String({ minLength: 16, maxLength: 64 }) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: -900, max: 900 }), hex(16, 64)).map(([skew, sig]) => `t=${nowSeconds() + skew},v1=${sig}`) },
  { weight: 1, arbitrary: hex(16, 64).map((sig) => `sha256=${sig}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u0000', '\r\n', 'null', '[]', '{}', 'Basic !!!', `Basic ${Buffer.from('a:b').toString('base64')}`) },
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/xml',
  'application/vnd.api+json',
  'multipart/form-data; boundary=x',
  'application/json, text/plain',
  '*/*',
  '',
  ';;;',
);

/** JSON bombs: deep nesting (objects, arrays, inside Graph's `value`), wide arrays, many keys, a huge string. */
const jsonBomb = fc.oneof(
  fc.integer({ min: 129, max: 120_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 129, max: 40_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.integer({ min: 129, max: 100_000 }).map((n) => `{"value":${'['.repeat(n)}${']'.repeat(n)}}`),
  fc.integer({ min: 1000, max: 60_000 }).map((n) => `[${'1,'.repeat(n)}1]`),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => JSON.stringify({ id: 'evt_bomb', type: 'x', pad: 'y'.repeat(n) })),
  fc.constant('{"id":"evt_1","id":"evt_2","__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
  fc.constant('[1e999999,-1e999999,123456789012345678901234567890]'),
);

/** Valid UTF-8 cut inside its last character. */
const truncatedUtf8 = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map((s) => {
  const bytes = Buffer.from(`${s}\u00e9\u20ac\ud83d\ude80`, 'utf8');
  return bytes.subarray(0, bytes.length - 1);
});

const bodyBytes = fc.oneof(
  { weight: 2, arbitrary: fc.constant(Buffer.alloc(0)) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 512 }).map((s) => Buffer.from(s, 'utf8')) },
  { weight: 4, arbitrary: fc.json({ maxDepth: 5 }).map((s) => Buffer.from(s, 'utf8')) },
  { weight: 2, arbitrary: fc.record({ id: fc.string(), type: fc.string(), data: fc.jsonValue({ maxDepth: 3 }) }).map((o) => Buffer.from(JSON.stringify(o))) },
  { weight: 2, arbitrary: fc.record({ value: fc.array(fc.record({ clientState: fc.string(), changeType: fc.string() }), { maxLength: 4 }) }).map((o) => Buffer.from(JSON.stringify(o))) },
  { weight: 2, arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 })).map((d) => Buffer.from(new URLSearchParams(d).toString())) },
  { weight: 2, arbitrary: truncatedUtf8 },
  { weight: 3, arbitrary: jsonBomb.map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.integer({ min: 256 * 1024 + 1, max: 400 * 1024 }).map((n) => Buffer.alloc(n, 0x61)) },
);

const body = fc.oneof(
  { weight: 6, arbitrary: bodyBytes.map((bytes) => ({ bytes, encoding: 'base64' as const })) },
  { weight: 2, arbitrary: bodyBytes.map((bytes) => ({ bytes, encoding: 'raw' as const })) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.string({ maxLength: 200 }), fc.base64String({ maxLength: 200 }).map((s) => s.slice(0, Math.max(0, s.length - 1))), fc.constantFrom('====', 'YQ', 'Y===', '*', '%%%'))
      .map((bad) => ({ bytes: Buffer.alloc(0), encoding: 'badBase64' as const, bad })),
  },
  { weight: 1, arbitrary: fc.constant({ bytes: null, encoding: 'base64' as const }) },
);

const method = fc.oneof(
  { weight: 12, arbitrary: fc.constant('POST') },
  { weight: 3, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'post') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,10}$/) },
);

const query = fc.option(
  fc.dictionary(
    fc.oneof(fc.constantFrom('validationToken', 'hub.mode', 'hub.verify_token', 'hub.challenge', 'crc_token', 'bodySHA256'), fc.string({ maxLength: 12 })),
    fc.oneof(fc.string({ maxLength: 40 }), fc.constant('subscribe')),
    { maxKeys: 4 },
  ),
  { nil: undefined },
);

const headerList = fc
  .tuple(
    // Mostly a media type the routes take, so that most requests get past the cheap checks to the deeper ones.
    fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 3, arbitrary: contentType }, { weight: 1, arbitrary: fc.constant(undefined) }),
    fc.array(fc.tuple(headerName, headerValue), { maxLength: 12 }),
    fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 80, max: 140 }) }),
    fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }) }),
  )
  .map(([type, pairs, padding, duplicates]) => {
    const headers: Array<[string, string]> = type === undefined ? [...pairs] : [['Content-Type', type], ...pairs];
    for (let i = 0; i < padding; i++) headers.push([`X-Padding-${i}`, 'p']);
    // Duplicates: a header sent again (the same name in another case), with another value.
    for (const n of duplicates) {
      if (headers.length === 0) break;
      const [name, value] = headers[n % headers.length];
      headers.push([n % 2 ? name.toUpperCase() : name, `${value}-again`]);
    }
    return headers;
  });

const PRESENTING_HEADERS = ['stripe-signature', 'x-hub-signature-256', 'x-twilio-signature', 'x-acme-signature', 'x-token', 'authorization'];

function presentedIn(headers: Array<[string, string]>): string[] {
  return headers
    .filter(([name]) => PRESENTING_HEADERS.includes(name.toLowerCase()))
    .flatMap(([, value]) => value.split(/[,=\s]/))
    .filter((part) => part.length >= 16);
}

const randomRequest: fc.Arbitrary<() => Promise<Generated>> = fc
  .record({
    route: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...ROUTES) }, { weight: 1, arbitrary: fc.constantFrom('/unknown', '/', '/stripe/extra', '') }),
    method,
    headers: headerList,
    body,
    query,
  })
  .map((parts) => described(async () => ({ kind: 'random' as const, event: toEvent(parts), presented: presentedIn(parts.headers) }), describeParts('random', parts)));

const stripeEventBody = fc.record({
  type: fc.constantFrom('invoice.paid', 'payment_intent.succeeded', 'customer.created', 'charge.refunded'),
  data: fc.record({ object: fc.jsonValue({ maxDepth: 3 }) }),
  livemode: fc.boolean(),
});

const harmlessHeaders = fc.array(
  fc.tuple(fc.stringMatching(/^X-[A-Za-z0-9]{1,20}$/).filter((n) => !['x-token'].includes(n.toLowerCase())), fc.string({ maxLength: 40 })),
  { maxLength: 5 },
);

const genuineParts = fc.record({
  provider: fc.oneof({ weight: 2, arbitrary: fc.constant('stripe' as const) }, { weight: 1, arbitrary: fc.constant('github' as const) }),
  content: stripeEventBody,
  // Signed up to 2 minutes ago: replays later in the run stay well inside the 5-minute window.
  ageSeconds: fc.integer({ min: 0, max: 120 }),
  nameCase: fc.tuple(fc.mixedCase(fc.constant('content-type')), fc.mixedCase(fc.constant('stripe-signature')), fc.mixedCase(fc.constant('x-hub-signature-256'))),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON'),
  extra: harmlessHeaders,
  // With a counter, unique within the run yet fixed by the seed (so the counts by outcome are reproducible).
  idSuffix: hex(12, 12),
});
let deliveries = 0;

type GenuineInput = typeof genuineParts extends fc.Arbitrary<infer T> ? T : never;

/** A genuine delivery: a fresh id, a random body, signed by the provider's own package. */
async function genuine(input: GenuineInput): Promise<{ parts: Parts; id: string; presented: string[] }> {
  const id = `evt_${String(++deliveries).padStart(6, '0')}${input.idSuffix}`;
  const [contentTypeName, stripeName, githubName] = input.nameCase;
  if (input.provider === 'stripe') {
    const payload = JSON.stringify({ id, object: 'event', ...input.content });
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRETS.stripe, timestamp: nowSeconds() - input.ageSeconds });
    const headers: Array<[string, string]> = [[contentTypeName, input.contentType], [stripeName, signature], ...input.extra];
    return { id, parts: { route: '/stripe', method: 'POST', headers, body: { bytes: Buffer.from(payload), encoding: 'base64' } }, presented: [signature.split('v1=')[1]] };
  }
  const payload = JSON.stringify({ action: input.content.type, delivery: id, ...input.content });
  const signature = await octokitSign(SECRETS.github, payload);
  const headers: Array<[string, string]> = [
    [contentTypeName, input.contentType],
    [githubName, signature],
    ['X-GitHub-Event', input.content.type.split('.')[0]],
    ['X-GitHub-Delivery', id],
    ...input.extra,
  ];
  return { id, parts: { route: '/github', method: 'POST', headers, body: { bytes: Buffer.from(payload), encoding: 'base64' } }, presented: [signature.slice(7)] };
}

const genuineRequest: fc.Arbitrary<() => Promise<Generated>> = genuineParts.map((input) =>
  described(async () => {
    const { parts, id, presented } = await genuine(input);
    return { kind: 'genuine' as const, event: toEvent(parts), presented, id };
  }, { kind: 'genuine', ...input }),
);

/** One change to a genuine delivery, after which it must be refused. */
const TAMPERINGS = [
  'flip a body byte',
  'change a signature digit',
  'move the timestamp by one second',
  'send the signature header twice',
  'sign with another secret',
  'sign outside the window',
  'drop the Content-Type',
  'send it as text/plain',
  'use GET',
  'send it to another route',
  'corrupt the base64 body',
  'truncate the body',
] as const;

const tamperedRequest: fc.Arbitrary<() => Promise<Generated>> = fc
  .tuple(genuineParts, fc.constantFrom(...TAMPERINGS), fc.nat())
  .map(([input, tampering, n]) => described(async () => {
    const { parts, presented } = await genuine({ ...input, provider: 'stripe' });
    const bytes = parts.body.bytes!;
    const signatureIndex = parts.headers.findIndex(([name]) => name.toLowerCase() === 'stripe-signature');
    const signature = parts.headers[signatureIndex][1];
    const headers = parts.headers.map(([k, v]) => [k, v] as [string, string]);
    const payload = bytes.toString('utf8');
    let changed: Parts = parts;
    switch (tampering) {
      case 'flip a body byte': {
        const copy = Buffer.from(bytes);
        copy[n % copy.length] ^= 1 << (n % 7);
        changed = { ...parts, body: { bytes: copy, encoding: 'base64' } };
        break;
      }
      case 'change a signature digit': {
        const at = signature.indexOf('v1=') + 3 + (n % 64);
        headers[signatureIndex][1] = signature.slice(0, at) + (signature[at] === '0' ? '1' : '0') + signature.slice(at + 1);
        changed = { ...parts, headers };
        break;
      }
      case 'move the timestamp by one second':
        headers[signatureIndex][1] = signature.replace(/t=(\d+)/, (_, t: string) => `t=${Number(t) + (n % 2 ? 1 : -1)}`);
        changed = { ...parts, headers };
        break;
      case 'send the signature header twice':
        changed = { ...parts, headers: [...headers, [headers[signatureIndex][0], signature]] };
        break;
      case 'sign with another secret':
        headers[signatureIndex][1] = stripe.webhooks.generateTestHeaderString({ payload, secret: `whsec_forged_${n}` });
        changed = { ...parts, headers };
        break;
      case 'sign outside the window':
        headers[signatureIndex][1] = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRETS.stripe, timestamp: nowSeconds() - 301 - (n % 100_000) });
        changed = { ...parts, headers };
        break;
      case 'drop the Content-Type':
        changed = { ...parts, headers: headers.filter(([name]) => name.toLowerCase() !== 'content-type') };
        break;
      case 'send it as text/plain':
        changed = { ...parts, headers: headers.map(([k, v]) => (k.toLowerCase() === 'content-type' ? [k, 'text/plain'] : [k, v])) };
        break;
      case 'use GET':
        changed = { ...parts, method: 'GET' };
        break;
      case 'send it to another route':
        changed = { ...parts, route: ['/github', '/acme', '/token', '/graph'][n % 4] };
        break;
      case 'corrupt the base64 body':
        changed = { ...parts, body: { bytes: null, encoding: 'badBase64', bad: `${bytes.toString('base64')}*` } };
        break;
      case 'truncate the body':
        changed = { ...parts, body: { bytes: bytes.subarray(0, n % bytes.length), encoding: 'base64' } };
        break;
    }
    return { kind: 'tampered' as const, event: toEvent(changed), presented: [...presented, ...presentedIn(changed.headers)] };
  }, { kind: 'tampered', tampering, n, ...input }));

/** A genuine delivery already accepted, sent again byte for byte (inside its window). */
const replayRequest: fc.Arbitrary<() => Promise<Generated>> = fc.nat().map((n) => described(async () => {
  if (accepted.length === 0) return { kind: 'random' as const, event: toEvent({ route: '/stripe', method: 'POST', headers: [], body: { bytes: Buffer.alloc(0), encoding: 'base64' } }), presented: [] };
  const { event } = accepted[n % accepted.length];
  return { kind: 'replay' as const, event: { ...event, requestContext: { requestId: randomUUID() } as APIGatewayProxyEvent['requestContext'] }, presented: [] };
}, { kind: 'replay', of: n }));

const anyRequest = fc.oneof(
  { weight: 70, arbitrary: randomRequest },
  { weight: 12, arbitrary: genuineRequest },
  { weight: 12, arbitrary: tamperedRequest },
  { weight: 6, arbitrary: replayRequest },
);

// ---------------------------------------------------------------------------------------------------------
// The properties

const DATA_CALLS = /^(PutItem|GetItem|UpdateItem|DeleteItem|Query|Scan|TransactWriteItems|BatchWriteItem|SendMessage|SendMessageBatch)Command$/;

function outcomeOf(answer: Answer): string {
  const code = answer.body?.error ?? answer.body?.code ?? (answer.status === 200 ? 'handshake (provider format)' : 'no code');
  return `${answer.status} ${code}`;
}

function checkAnswer(generated: Generated, answer: Answer): void {
  // Never our fault, never an internal detail.
  expect(answer.status).toBeLessThan(500);
  if (answer.status >= 400) {
    expect(answer.body).toEqual({ ok: false, error: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) });
  }
  for (const secret of ALL_SECRETS) expect(answer.text).not.toContain(secret);
  // (A 200 handshake answers in the provider's format and may echo its challenge: only refusals are ours to word.)
  if (answer.status >= 400) expect(answer.text).not.toMatch(/arn:aws|webhook-secret-|\n\s+at |Error:/);

  // Side effects only for a genuine signature.
  const dataCalls = Object.fromEntries(Object.entries(answer.calls).filter(([name]) => DATA_CALLS.test(name)));
  if (generated.kind === 'genuine') {
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: { ok: true, code: 'accepted', deliveryId: generated.id } });
    expect(dataCalls).toEqual({ PutItemCommand: 1, SendMessageCommand: 1, UpdateItemCommand: 1 });
  } else if (generated.kind === 'replay') {
    // The genuine request it repeats is enqueued: a duplicate, with no side effect but the refused claim.
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 200, code: 'duplicate' });
    // (dynalite does not return the holder's record with the refused write, so the verifier reads it there: AWS
    // answers with the record and no read.)
    const { GetItemCommand: readOnEmulator, ...writes } = dataCalls;
    expect(writes).toEqual({ PutItemCommand: 1 });
    expect(readOnEmulator ?? 0).toBeLessThanOrEqual(1);
  } else {
    expect(dataCalls).toEqual({});
  }

  // Logs: JSON lines, with no secret and no presented signature or token.
  for (const line of answer.logs) {
    expect(() => JSON.parse(line)).not.toThrow();
    for (const secret of ALL_SECRETS) expect(line).not.toContain(secret);
    for (const presented of generated.presented) expect(line).not.toContain(presented);
  }
}

test(`${RUNS} generated requests: no 5xx, no exception, no side effect unless genuine, no secret or signature in a log`, async () => {
  await fc.assert(
    fc.asyncProperty(anyRequest, async (make) => {
      const generated = await make();
      const answer = await verifier.send(generated.event);
      byKind[generated.kind] = (byKind[generated.kind] ?? 0) + 1;
      outcomes[`${generated.kind}: ${outcomeOf(answer)}`] = (outcomes[`${generated.kind}: ${outcomeOf(answer)}`] ?? 0) + 1;
      checkAnswer(generated, answer);
      if (generated.kind === 'genuine') {
        genuineIds.add(generated.id!);
        if (generated.event.resource === '/stripe') accepted.push({ event: generated.event, id: generated.id! });
      }
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );

  // Every genuine delivery reached the queue once, and nothing else did; the inbox holds exactly their records.
  const messages = await verifier.messages();
  expect(messages.map((m) => m.deliveryId).sort()).toEqual([...genuineIds].sort());
  expect(messages.every((m) => m.v === 2 && m.bodySha256.length === 64 && m.origin === 'delivery')).toBe(true);
  expect(await verifier.records()).toBe(genuineIds.size);
  expect(unhandled).toEqual([]);
  // The run exercised every kind of request, both ways.
  for (const kind of ['random', 'genuine', 'tampered', 'replay']) expect(byKind[kind]).toBeGreaterThan(RUNS / 50);
});

test('the properties are not vacuous: a genuine signature is what lets a delivery through', async () => {
  await verifier.messages();
  // A request the suite would count as random, but signed with the real secret by the stripe package, is
  // accepted: so the "no side effect" property above is about the signature, not about requests being broken.
  const payload = JSON.stringify({ id: `evt_${randomUUID()}`, type: 'invoice.paid' });
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRETS.stripe });
  const answer = await verifier.send(toEvent({ route: '/stripe', method: 'POST', headers: [['content-type', 'application/json'], ['STRIPE-SIGNATURE', signature]], body: { bytes: Buffer.from(payload), encoding: 'base64' } }));
  expect(answer.status).toBe(200);
  expect(Object.keys(answer.calls)).toEqual(expect.arrayContaining(['PutItemCommand', 'SendMessageCommand']));
  expect(await verifier.messages()).toHaveLength(1);
  // And the GitHub scheme, computed as GitHub documents it, matches octokit's own signature.
  expect(`sha256=${createHmac('sha256', SECRETS.github).update(payload).digest('hex')}`).toBe(await octokitSign(SECRETS.github, payload));
});
