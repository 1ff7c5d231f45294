/**
 * The standard matrix for the generic factories, each configured as the construct writes it (`_toConfig`) and run
 * as a `custom` provider through the shipped verifier. Each configuration is signed or judged by a package that
 * implements the same grammar, never by a signer written only for it:
 *
 * - `WebhookProvider.hmac`, hex, `sha256=` prefix, over the body (GitHub's shape): `@octokit/webhooks-methods` signs
 *   and verifies.
 * - `WebhookProvider.hmac`, hex, key-value `t=..,v1=..`, timestamped (Stripe's shape): Stripe's
 *   `generateTestHeaderString` signs, its `constructEvent` judges.
 * - `WebhookProvider.hmac`, base64, `v1,` list, `whsec_` base64 key over `{id}.{timestamp}.{body}` (Standard
 *   Webhooks' shape): `standardwebhooks` signs and verifies.
 * - `WebhookProvider.publicKey`, Ed25519 over `{timestamp}{body}`, hex: key pairs made here, `discord-interactions`'
 *   `verifyKey` judges. ECDSA P-256, base64 DER over `{timestamp}{body}`: `@sendgrid/eventwebhook` judges.
 * - `WebhookProvider.jwt` (Netlify's shape: claim `sha256`, `iss` netlify, `iat` within 5 minutes): `jsonwebtoken`
 *   signs and verifies.
 * - `WebhookProvider.sharedToken` and `WebhookProvider.basicAuth`: nothing is signed; the secret is compared.
 *
 * test/providers/generic.test.ts keeps what is particular to each grammar (another hash, v1a entries, P1363
 * signatures, several secrets in one version, the secret version logged); jwt.test.ts QStash's exp/nbf;
 * jwks.test.ts, paypal.test.ts and app-store.test.ts describe the JWKS, certificateUrl and x5cJws schemes.
 */
import { createHash, createHmac, generateKeyPairSync, randomUUID, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { verifyKey } from 'discord-interactions';
import jwt from 'jsonwebtoken';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { PublicKeyAlgorithm, RequestValue, SecretEncoding, SignatureEncoding, SignatureFormat, TimestampSource, WebhookProvider } from '../../lib';
import type { ProviderConfig } from '../../contract/config';
import { headerOf, noWindow, providerMatrix, standardWebhooksDescription, withHeader, type SignedRequest } from '../support/provider-matrix';

type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });

const stack = new Stack(new App(), 'Generic');
const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'webhooks/generic');
const seconds = (at: Date | undefined) => Math.floor((at ?? new Date()).getTime() / 1000);
const sha256Hex = (body: string | Buffer) => createHash('sha256').update(body).digest('hex');
/** A header's value, or '' where the request has none (for an oracle judging a request without it). */
const valueOf = (request: SignedRequest, name: string) => Object.entries(request.headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1] ?? '';

/** The harness options of a generic provider: its configuration as the construct writes it, run as `custom`. */
function harnessOf(provider: WebhookProvider): { id: string; config: Partial<ProviderConfig> } {
  const { secretId: _secretId, ...config } = provider._toConfig(`https://hooks.example.com/${provider.id}`);
  return { id: provider.id, config: { ...config, kind: 'custom' } };
}

const NO_TIMESTAMP = noWindow('this configuration signs no timestamp');

// ---------------------------------------------------------------------------------------------------------------
// WebhookProvider.hmac: hex, sha256= prefix, over the body; signed and verified by @octokit/webhooks-methods.
let octokit: Octokit;
beforeAll(async () => {
  octokit = await import('@octokit/webhooks-methods');
});
const HEX_SECRET = `hex-secret-${randomUUID()}`;
providerMatrix({
  kind: 'custom',
  generic: { factory: 'WebhookProvider.hmac', configuration: 'hex, sha256= prefix, over the body' },
  notApplicable: NO_TIMESTAMP,
  harness: harnessOf(WebhookProvider.hmac({ id: 'acme-hex', secret, signatureHeader: 'X-Acme-Signature-256', format: SignatureFormat.plain('sha256='), deliveryId: [RequestValue.header('X-Acme-Delivery')], eventType: RequestValue.header('X-Acme-Event') })),
  secret: HEX_SECRET,
  otherSecret: `hex-other-${randomUUID()}`,
  rotation: { stored: `hex-rotated-${randomUUID()}` },
  event: (extra) => JSON.stringify({ action: 'opened', number: 42, ...extra }),
  sign: async (body, options) => ({ body, headers: { 'X-Acme-Signature-256': await octokit.sign(options?.secret ?? HEX_SECRET, body), 'X-Acme-Delivery': options?.id ?? randomUUID(), 'X-Acme-Event': 'pull_request' } }),
  accepts: (r) => octokit.verify(HEX_SECRET, String(r.body), valueOf(r, 'X-Acme-Signature-256')).catch(() => false),
  signBytes: (body, { id }) => ({ 'X-Acme-Signature-256': `sha256=${createHmac('sha256', HEX_SECRET).update(body).digest('hex')}`, 'X-Acme-Delivery': id, 'X-Acme-Event': 'pull_request' }),
  signatureHeader: 'X-Acme-Signature-256',
  tamper: ['"number":42', '"number":43'],
  expected: (r) => ({ deliveryId: headerOf(r, 'X-Acme-Delivery'), eventType: 'pull_request' }),
  invalidUtf8Expected: (r) => ({ deliveryId: headerOf(r, 'X-Acme-Delivery'), eventType: 'pull_request' }),
});

// ---------------------------------------------------------------------------------------------------------------
// WebhookProvider.hmac: hex, key-value t=..,v1=.., timestamped; signed by Stripe's helper, judged by constructEvent.
const stripe = new Stripe('sk_test_generic');
const KV_SECRET = `whsec_kv_${randomUUID()}`;
const KV_HEADER = 'X-Acme-Signature';
const kvHeader = (key: string, at: Date | undefined, body: string) => stripe.webhooks.generateTestHeaderString({ payload: body, secret: key, timestamp: seconds(at) });
providerMatrix({
  kind: 'custom',
  generic: { factory: 'WebhookProvider.hmac', configuration: 'hex, key-value t=..,v1=.., timestamped' },
  harness: harnessOf(WebhookProvider.hmac({
    id: 'acme-kv',
    secret,
    signatureHeader: KV_HEADER,
    format: SignatureFormat.keyValue({ signatureKey: 'v1', timestampKey: 't' }),
    signedContent: '{timestamp}.{body}',
    timestamp: TimestampSource.signatureHeader(),
    deliveryId: [RequestValue.jsonPath('id')],
    eventType: RequestValue.jsonPath('type'),
  })),
  secret: KV_SECRET,
  otherSecret: `whsec_kv_other_${randomUUID()}`,
  rotation: { stored: `whsec_kv_rotated_${randomUUID()}` },
  event: (extra) => JSON.stringify({ id: `evt_${randomUUID()}`, type: 'invoice.paid', amount: 4200, ...extra }),
  sign: (body, options) => ({ body, headers: { [KV_HEADER]: kvHeader(options?.secret ?? KV_SECRET, options?.at, body) } }),
  accepts: (r) => {
    try {
      stripe.webhooks.constructEvent(String(r.body), headerOf(r, KV_HEADER), KV_SECRET);
      return true;
    } catch {
      return false;
    }
  },
  signBytes: (body, { at }) => ({ [KV_HEADER]: `t=${seconds(at)},v1=${createHmac('sha256', KV_SECRET).update(Buffer.concat([Buffer.from(`${seconds(at)}.`), body])).digest('hex')}` }),
  signatureHeader: KV_HEADER,
  windowSeconds: 300,
  packageAcceptsFuture: 'Stripe\'s SDK, used here as the grammar\'s oracle, bounds only the age',
  tamper: ['"amount":4200', '"amount":4201'],
  expected: (r) => ({ deliveryId: JSON.parse(String(r.body)).id, eventType: 'invoice.paid' }),
  rotated: (body) => {
    const at = new Date();
    const ours = kvHeader(KV_SECRET, at, body);
    return { body, headers: { [KV_HEADER]: `${kvHeader(`whsec_kv_other_${randomUUID()}`, at, body)},v1=${ours.split(',v1=')[1]}` } };
  },
  refusals: [
    ['no t= entry', () => {
      const body = JSON.stringify({ id: `evt_${randomUUID()}`, type: 'invoice.paid' });
      return { body, headers: { [KV_HEADER]: kvHeader(KV_SECRET, undefined, body).replace(/^t=\d+,/, '') } };
    }, 'timestamp_missing'],
  ],
});

// ---------------------------------------------------------------------------------------------------------------
// WebhookProvider.hmac: base64, v1, list, whsec_ base64 key over {id}.{timestamp}.{body}; standardwebhooks.
const LIST_SECRET = `whsec_${Buffer.from(`generic-list-key-${randomUUID()}`).toString('base64')}`;
providerMatrix({
  ...standardWebhooksDescription({
    kind: 'custom',
    prefix: 'webhook',
    secret: LIST_SECRET,
    otherSecret: `whsec_${Buffer.from(`another-list-key-${randomUUID()}`).toString('base64')}`,
    event: (extra) => JSON.stringify({ type: 'user.created', data: { id: randomUUID(), name: 'Jane', ...extra } }),
    eventType: 'user.created',
    tamper: ['"name":"Jane"', '"name":"Mallory"'],
    signature: (key, id, at, body) => new Webhook(key).sign(id, at, body),
    accepts: (r) => {
      try {
        new Webhook(LIST_SECRET).verify(String(r.body), Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v])));
        return true;
      } catch {
        return false;
      }
    },
  }),
  generic: { factory: 'WebhookProvider.hmac', configuration: 'base64, v1, list, whsec_ key, timestamped, id signed' },
  harness: harnessOf(WebhookProvider.hmac({
    id: 'acme-list',
    secret,
    signatureHeader: 'webhook-signature',
    encoding: SignatureEncoding.BASE64,
    format: SignatureFormat.list({ prefix: 'v1,', separator: ' ' }),
    signedContent: '{id}.{timestamp}.{body}',
    timestamp: TimestampSource.header('webhook-timestamp'),
    secretEncoding: SecretEncoding.BASE64,
    deliveryId: [RequestValue.header('webhook-id')],
    eventType: RequestValue.jsonPath('type'),
  })),
});

// ---------------------------------------------------------------------------------------------------------------
// WebhookProvider.publicKey: Ed25519 over {timestamp}{body}, hex; judged by discord-interactions' verifyKey.
const ed25519 = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  // The raw 32-byte key is the tail of the DER SubjectPublicKeyInfo.
  return { privateKey, publicHex: publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('hex') };
};
const edKeys = { ours: ed25519(), other: ed25519(), rotated: ed25519() };
const edKey = (name: string | undefined): KeyObject => edKeys[(name ?? 'ours') as keyof typeof edKeys].privateKey;
const edSign = (key: KeyObject, timestamp: string, body: string | Buffer) => cryptoSign(null, Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), key).toString('hex');
const edRequest = (): SignedRequest => {
  const body = JSON.stringify({ event: { id: `ev_${randomUUID()}`, type: 'order.shipped' } });
  const timestamp = String(seconds(undefined));
  return { body, headers: { 'X-Ed-Signature': edSign(edKeys.ours.privateKey, timestamp, body), 'X-Ed-Timestamp': timestamp } };
};
providerMatrix({
  kind: 'custom',
  generic: { factory: 'WebhookProvider.publicKey', configuration: 'Ed25519, hex, over {timestamp}{body}' },
  harness: harnessOf(WebhookProvider.publicKey({
    id: 'acme-ed25519',
    secret,
    algorithm: PublicKeyAlgorithm.ED25519,
    signatureHeader: 'X-Ed-Signature',
    encoding: SignatureEncoding.HEX,
    signedContent: '{timestamp}{body}',
    timestamp: TimestampSource.header('X-Ed-Timestamp'),
    deliveryId: [RequestValue.jsonPath('event.id')],
    eventType: RequestValue.jsonPath('event.type'),
  })),
  auth: 'public-key',
  secret: edKeys.ours.publicHex,
  // Names of key pairs, which `sign` signs with: the stored secret is a public key.
  otherSecret: 'other',
  otherSecretCase: 'a signature by another key pair',
  rotation: { stored: edKeys.rotated.publicHex, signingSecret: 'rotated' },
  event: (extra) => JSON.stringify({ event: { id: `ev_${randomUUID()}`, type: 'order.shipped', carrier: 'UPS', ...extra } }),
  sign: (body, options) => {
    const timestamp = String(seconds(options?.at));
    return { body, headers: { 'X-Ed-Signature': edSign(edKey(options?.secret), timestamp, body), 'X-Ed-Timestamp': timestamp } };
  },
  accepts: (r) => verifyKey(r.body, valueOf(r, 'X-Ed-Signature'), valueOf(r, 'X-Ed-Timestamp'), edKeys.ours.publicHex),
  signBytes: (body, { at }) => ({ 'X-Ed-Signature': edSign(edKeys.ours.privateKey, String(seconds(at)), body), 'X-Ed-Timestamp': String(seconds(at)) }),
  signatureHeader: 'X-Ed-Signature',
  requiredHeaders: [['X-Ed-Timestamp', 'timestamp_missing']],
  windowSeconds: 300,
  packageAcceptsStale: 'discord-interactions, used here as the grammar\'s oracle, bounds no window',
  packageAcceptsFuture: 'discord-interactions, used here as the grammar\'s oracle, bounds no window',
  tamper: ['"carrier":"UPS"', '"carrier":"DHL"'],
  expected: (r) => ({ deliveryId: JSON.parse(String(r.body)).event.id, eventType: 'order.shipped' }),
  invalidUtf8Body: () => Buffer.concat([Buffer.from('{"event":{"id":"ev_bytes","type":"order.shipped","note":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}}')]),
  invalidUtf8Expected: () => ({ deliveryId: 'ev_bytes', eventType: 'order.shipped' }),
  refusals: [
    ['a changed timestamp (it is signed)', () => {
      const body = JSON.stringify({ event: { id: `ev_${randomUUID()}`, type: 'order.shipped' } });
      return { body, headers: { 'X-Ed-Signature': edSign(edKeys.ours.privateKey, String(seconds(undefined)), body), 'X-Ed-Timestamp': String(seconds(undefined) - 1) } };
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => withHeader(edRequest(), 'X-Ed-Signature', 'zz'.repeat(64)), 'signature_malformed'],
  ],
});

// ---------------------------------------------------------------------------------------------------------------
// WebhookProvider.publicKey: ECDSA P-256 / SHA-256, base64 DER, over {timestamp}{body}; @sendgrid/eventwebhook.
const p256 = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, spki: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
};
const ecKeys = { ours: p256(), other: p256(), rotated: p256() };
const ecSign = (key: KeyObject, timestamp: string, body: string | Buffer) => cryptoSign('sha256', Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), { key, dsaEncoding: 'der' }).toString('base64');
const eventWebhook = new EventWebhook();
providerMatrix({
  kind: 'custom',
  generic: { factory: 'WebhookProvider.publicKey', configuration: 'ECDSA P-256, base64 DER, over {timestamp}{body}' },
  harness: harnessOf(WebhookProvider.publicKey({
    id: 'acme-ecdsa',
    secret,
    algorithm: PublicKeyAlgorithm.ECDSA_P256_SHA256,
    signatureHeader: 'X-Ec-Signature',
    signedContent: '{timestamp}{body}',
    timestamp: TimestampSource.header('X-Ec-Timestamp'),
    deliveryId: [RequestValue.header('X-Ec-Delivery')],
    eventType: RequestValue.header('X-Ec-Event'),
  })),
  auth: 'public-key',
  secret: ecKeys.ours.spki,
  otherSecret: 'other',
  otherSecretCase: 'a signature by another key pair',
  rotation: { stored: ecKeys.rotated.spki, signingSecret: 'rotated' },
  event: (extra) => JSON.stringify({ email: 'jane@example.com', reason: 'mailbox full', ...extra }),
  sign: (body, options) => {
    const timestamp = String(seconds(options?.at));
    const key = ecKeys[(options?.secret ?? 'ours') as keyof typeof ecKeys].privateKey;
    return { body, headers: { 'X-Ec-Signature': ecSign(key, timestamp, body), 'X-Ec-Timestamp': timestamp, 'X-Ec-Delivery': options?.id ?? randomUUID(), 'X-Ec-Event': 'mail.bounced' } };
  },
  accepts: (r) => {
    try {
      return eventWebhook.verifySignature(eventWebhook.convertPublicKeyToECDSA(ecKeys.ours.spki), String(r.body), headerOf(r, 'X-Ec-Signature'), headerOf(r, 'X-Ec-Timestamp'));
    } catch {
      return false;
    }
  },
  signBytes: (body, { id, at }) => ({ 'X-Ec-Signature': ecSign(ecKeys.ours.privateKey, String(seconds(at)), body), 'X-Ec-Timestamp': String(seconds(at)), 'X-Ec-Delivery': id, 'X-Ec-Event': 'mail.bounced' }),
  // ECDSA: two signatures of one content differ.
  randomizedSignature: true,
  signatureHeader: 'X-Ec-Signature',
  requiredHeaders: [['X-Ec-Timestamp', 'timestamp_missing']],
  windowSeconds: 300,
  packageAcceptsStale: '@sendgrid/eventwebhook, used here as the grammar\'s oracle, bounds no window',
  packageAcceptsFuture: '@sendgrid/eventwebhook, used here as the grammar\'s oracle, bounds no window',
  tamper: ['mailbox full', 'delivered'],
  expected: (r) => ({ deliveryId: headerOf(r, 'X-Ec-Delivery'), eventType: 'mail.bounced' }),
  refusals: [
    ['a raw r||s (IEEE P1363) signature where DER is expected', () => {
      const body = JSON.stringify({ email: 'jane@example.com', reason: 'bounced' });
      const timestamp = String(seconds(undefined));
      const signature = cryptoSign('sha256', Buffer.from(timestamp + body), { key: ecKeys.ours.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
      return { body, headers: { 'X-Ec-Signature': signature, 'X-Ec-Timestamp': timestamp, 'X-Ec-Delivery': randomUUID(), 'X-Ec-Event': 'mail.bounced' } };
    }, 'signature_mismatch'],
  ],
});

// ---------------------------------------------------------------------------------------------------------------
// WebhookProvider.jwt: Netlify's shape, signed and verified by jsonwebtoken.
const JWT_SECRET = `jwt-secret-${randomUUID()}`;
const jwtOf = (key: string, at: Date | undefined, body: string | Buffer) => jwt.sign({ iss: 'netlify', sha256: sha256Hex(body), iat: seconds(at) }, key, { algorithm: 'HS256' });
providerMatrix({
  kind: 'custom',
  generic: { factory: 'WebhookProvider.jwt', configuration: 'HS256, claim sha256 (hex), iss netlify, iat within 5 minutes' },
  notApplicable: { 'several signatures': 'one token carries one signature' },
  harness: harnessOf(WebhookProvider.jwt({ id: 'acme-jwt', secret, header: 'X-Webhook-Signature', bodyHashClaim: 'sha256', issuer: 'netlify', maxAge: Duration.minutes(5), eventType: RequestValue.jsonPath('state') })),
  secret: JWT_SECRET,
  otherSecret: `jwt-other-${randomUUID()}`,
  rotation: { stored: `jwt-rotated-${randomUUID()}` },
  event: (extra) => JSON.stringify({ id: randomUUID(), state: 'ready', deploy_time: 4200, ...extra }),
  sign: (body, options) => ({ body, headers: { 'X-Webhook-Signature': jwtOf(options?.secret ?? JWT_SECRET, options?.at, body) } }),
  accepts: (r) => {
    try {
      const claims = jwt.verify(headerOf(r, 'X-Webhook-Signature'), JWT_SECRET, { algorithms: ['HS256'], issuer: 'netlify', maxAge: '5m' }) as { sha256?: string };
      return claims.sha256 === sha256Hex(r.body);
    } catch {
      return false;
    }
  },
  signBytes: (body, { at }) => ({ 'X-Webhook-Signature': jwtOf(JWT_SECRET, at, body) }),
  signatureHeader: 'X-Webhook-Signature',
  windowSeconds: 300,
  packageAcceptsFuture: 'jsonwebtoken bounds only the age of iat',
  tamper: ['"deploy_time":4200', '"deploy_time":4201'],
  // No delivery id configured: the body's SHA-256 keys a delivery.
  expected: (r) => ({ deliveryId: `sha256:${sha256Hex(r.body)}`, eventType: 'ready' }),
  invalidUtf8Body: () => Buffer.concat([Buffer.from('{"state":"ready","note":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]),
});

// ---------------------------------------------------------------------------------------------------------------
// WebhookProvider.sharedToken: the secret itself in a header.
const TOKEN = `glpat-${randomUUID()}`;
const tokenRequest = (body: string | Buffer, token: string, id: string = randomUUID()): SignedRequest => ({ body, headers: { 'X-Webhook-Token': token, 'X-Webhook-Uuid': id, 'X-Webhook-Event': 'Push Hook' } });
providerMatrix({
  kind: 'custom',
  generic: { factory: 'WebhookProvider.sharedToken', configuration: 'a token in X-Webhook-Token' },
  notApplicable: {
    'tampered body': 'a shared token covers none of the body',
    ...NO_TIMESTAMP,
  },
  harness: harnessOf(WebhookProvider.sharedToken({ id: 'acme-token', secret, header: 'X-Webhook-Token', deliveryId: [RequestValue.header('X-Webhook-Uuid')], eventType: RequestValue.header('X-Webhook-Event') })),
  auth: 'shared-token',
  bodySigned: false,
  secret: TOKEN,
  otherSecret: `glpat-${randomUUID()}`,
  otherSecretCase: 'another token',
  rotation: { stored: `glpat-${randomUUID()}` },
  event: (extra) => JSON.stringify({ object_kind: 'push', ref: 'refs/heads/main', ...extra }),
  // Nothing to sign: the request carries the token (no package involved).
  sign: (body, options) => tokenRequest(body, options?.secret ?? TOKEN, options?.id),
  signBytes: (body, { id }) => tokenRequest(body, TOKEN, id).headers,
  signatureHeader: 'X-Webhook-Token',
  expected: (r) => ({ deliveryId: headerOf(r, 'X-Webhook-Uuid'), eventType: 'Push Hook' }),
  invalidUtf8Expected: (r) => ({ deliveryId: headerOf(r, 'X-Webhook-Uuid'), eventType: 'Push Hook' }),
  refusals: [
    ['the token with a trailing space', () => tokenRequest('{}', `${TOKEN} `), 'signature_mismatch'],
    ['a prefix of the token', () => tokenRequest('{}', TOKEN.slice(0, -1)), 'signature_mismatch'],
  ],
});

// ---------------------------------------------------------------------------------------------------------------
// WebhookProvider.basicAuth: `user:password` in Authorization (RFC 7617).
const CREDENTIALS = `hooks:p4ss:with:colons:${randomUUID()}`;
const basicOf = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
const basic = providerMatrix({
  kind: 'custom',
  generic: { factory: 'WebhookProvider.basicAuth', configuration: 'user:password, the body\'s hash as delivery id' },
  notApplicable: {
    'tampered body': 'Basic credentials cover none of the body',
    ...NO_TIMESTAMP,
  },
  harness: harnessOf(WebhookProvider.basicAuth({ id: 'acme-basic', secret, eventType: RequestValue.jsonPath('event') })),
  auth: 'basic-auth',
  bodySigned: false,
  secret: CREDENTIALS,
  otherSecret: `hooks:another-password-${randomUUID()}`,
  otherSecretCase: 'another password',
  rotation: { stored: `hooks:rotated-${randomUUID()}` },
  event: (extra) => JSON.stringify({ event: 'invoice.sent', id: randomUUID(), ...extra }),
  sign: (body, options) => ({ body, headers: { Authorization: basicOf(options?.secret ?? CREDENTIALS) } }),
  signBytes: () => ({ Authorization: basicOf(CREDENTIALS) }),
  // The credentials, decoded: the tampered-signature case changes one character of the password.
  signatureIn: {
    name: 'the password in Authorization',
    get: (r) => Buffer.from(headerOf(r, 'Authorization').replace(/^Basic /i, ''), 'base64').toString('utf8'),
    set: (r, value) => withHeader(r, 'Authorization', basicOf(value)),
    remove: (r) => ({ ...r, headers: {} }),
  },
  expected: (r) => ({ deliveryId: `sha256:${sha256Hex(r.body)}`, eventType: 'invoice.sent' }),
  refusals: [
    ['a wrong user', () => ({ body: '{}', headers: { Authorization: basicOf(CREDENTIALS.replace(/^hooks:/, 'admin:')) } }), 'signature_mismatch'],
    ['the password alone', () => ({ body: '{}', headers: { Authorization: basicOf(CREDENTIALS.slice('hooks:'.length)) } }), 'signature_mismatch'],
    ['a Bearer token holding the credentials', () => ({ body: '{}', headers: { Authorization: `Bearer ${CREDENTIALS}` } }), 'signature_missing'],
  ],
});

test('WebhookProvider.basicAuth: the scheme name is case-insensitive (RFC 7617)', async () => {
  const body = JSON.stringify({ event: 'invoice.sent', id: randomUUID() });
  const answer = await basic.harness().send({ body, headers: { Authorization: basicOf(CREDENTIALS).replace('Basic', 'basic') } });
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: `sha256:${sha256Hex(body)}` });
  expect(await basic.harness().messages()).toHaveLength(1);
});
