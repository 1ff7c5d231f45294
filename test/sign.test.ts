/**
 * The test kit's signers (`testing/sign.ts`, shipped as `cdk-webhook-receiver/testing`): for every catalog provider,
 * the signed sample is accepted by the provider's OWN verifier package (the same oracles as test/providers/*), and by
 * the shipped verifier bundle, which enqueues it once with the sample's delivery id and event type. Where a provider
 * publishes no verifier package, the check is its documented scheme recomputed here, and the signer reproduces the
 * published vectors (GitHub, Standard Webhooks, Twilio, PagerDuty). A catalog provider without a signer, a sample or
 * a case here fails the first test.
 */
import { createHash, createHmac, randomBytes, verify as verifySignature, createPublicKey, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Environment, SignedDataVerifier } from '@apple/app-store-server-library';
import { hmacValidator } from '@adyen/api-library';
import { verifyWebhook } from '@clerk/backend/webhooks';
import { verifyRequest as contentfulVerify } from '@contentful/node-apps-toolkit';
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import { Signature as HubSpotSignature } from '@hubspot/api-client';
import { validateSignature as lineValidate } from '@line/bot-sdk';
import Mux from '@mux/mux-node';
import { WebhookEventVerifier } from '@onfido/api';
import { Paddle } from '@paddle/paddle-node-sdk';
import { webhooks as polarWebhooks } from '@polar-sh/sdk/2027-01';
import { isValidSignature as sanityValid } from '@sanity/webhook';
import { EventWebhook } from '@sendgrid/eventwebhook';
import '@shopify/shopify-api/adapters/web-api';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { isValidSlackRequest } from '@slack/bolt';
import { EventCallbackHelper, EventCallbackRequest } from '@dropbox/sign';
import { verifySignature as vonageVerify } from '@vonage/jwt';
import { WorkOS } from '@workos-inc/node';
import { WebhooksManager } from 'box-typescript-sdk-gen/managers/webhooks.generated';
import { verifyKey as discordVerify } from 'discord-interactions';
import jwt from 'jsonwebtoken';
import { WebhookReceiver as LiveKitReceiver } from 'livekit-server-sdk';
import { SignatureValidator as MollieValidator } from 'mollie-api-typescript/utils/webhooks/signature_validator.js';
import OpenAI from 'openai';
import { validateV3Signature as plivoValidate } from 'plivo/dist/utils/v3Security';
import Pusher from 'pusher';
import Razorpay from 'razorpay';
import { Resend } from 'resend';
import { WebhooksHelper as SquareWebhooks } from 'square';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { StreamChat } from 'stream-chat';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import { validateRequest as twilioValidate, validateRequestWithBody as twilioValidateWithBody } from 'twilio/lib/webhooks/webhooks';
import { WebflowClient } from 'webflow-api';
import { CATALOG } from '../catalog/providers';
import { AppStoreEnvironment, WebhookProvider } from '../lib';
import { localTestKeyPair, localTestSecret, sampleEventTypes, signRequest, signableProviders, generateTestKeyPair, localAppleChain, localPayPalCertificate, localPlaidKey, type SignedWebhookRequest } from '../testing';
import { answerAsProvider, localProviderOverrides } from '../testing/keys';
import { providerHarness, type Harness } from './support/provider-harness';
import { parsedByUndici } from './support/multipart';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const braintree = require('braintree');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parse: gocardlessParse } = require('gocardless-nodejs/webhooks') as { parse(body: Buffer, secret: string, signature: string): unknown };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bufferCrc32 = require('buffer-crc32') as { unsigned(input: Buffer | string): number };

type Oracle = (request: SignedWebhookRequest, secret: string) => boolean | Promise<boolean>;

interface Case {
  /** A secret of the provider's shape (a fresh one per call). */
  secret(): string;
  /** The provider's own verifier's verdict (or, marked `documented`, its documented scheme recomputed here). */
  accepts: Oracle;
  /** No verifier package exists: `accepts` recomputes the documented scheme. */
  documented?: true;
  /** The delivery id the envelope carries. @default the sample's id, or a body hash where the provider sends none */
  deliveryId?(request: SignedWebhookRequest): string;
}

const hex = (n: number) => randomBytes(n).toString('hex');
const text = (request: SignedWebhookRequest) => request.body.toString('utf8');
const lower = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
const header = (request: SignedWebhookRequest, name: string) => lower(request.headers)[name.toLowerCase()] ?? '';
const attempt = async (fn: () => unknown): Promise<boolean> => {
  try {
    const result = await fn();
    return result !== false;
  } catch {
    return false;
  }
};
const hmacHex = (algorithm: string, key: string, content: string | Buffer) => createHmac(algorithm, key).update(content).digest('hex');
const hmacBase64 = (algorithm: string, key: string, content: string | Buffer) => createHmac(algorithm, key).update(content).digest('base64');
const equal = (a: string, b: string) => a.length > 0 && a === b;
const formParams = (body: string) => {
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
};
const whsec = (bytes = 24) => `whsec_${randomBytes(bytes).toString('base64')}`;
const plain = () => `sec_${hex(16)}`;
const standard = (accepts: Oracle): Case => ({ secret: () => whsec(), accepts });
const keyPair = () => `${hex(6)}:${hex(16)}`;

let octokitVerify: (secret: string, body: string, signature: string) => Promise<boolean>;
let linearVerify: (secret: string, body: Buffer, signature: string) => boolean;
const stripe = new Stripe('sk_test_unused');
const paddle = new Paddle('pdl_sdbx_apikey_not_used_here');
const mux = new Mux({ tokenId: 'unused', tokenSecret: 'unused' });
const openai = new OpenAI({ apiKey: 'sk-test-unused' });
const workos = new WorkOS('sk_test_unused');
const elevenlabs = new ElevenLabsClient({ apiKey: 'unused' });
const resend = new Resend('re_test_unused');
const webflow = new WebflowClient({ accessToken: 'unused' });
const sendgrid = new EventWebhook();
const adyen = new hmacValidator();

/** GitHub-style `sha256=<hex>` over the body: @octokit/webhooks-methods verifies it (the WebSub format). */
const hubSignature: Oracle = (request, secret) => attempt(() => octokitVerify(secret, text(request), header(request, request.provider === 'github' || request.provider === 'meta' ? 'x-hub-signature-256' : 'x-hub-signature')));

const CASES: { readonly [kind: string]: Case } = {
  stripe: { secret: () => `whsec_${hex(24)}`, accepts: (r, s) => attempt(() => stripe.webhooks.constructEvent(r.body, header(r, 'stripe-signature'), s)) },
  github: { secret: plain, accepts: hubSignature },
  shopify: {
    secret: () => `shpss_${hex(16)}`,
    accepts: async (r, s) => {
      const shopify = shopifyApi({ apiKey: 'test-api-key', apiSecretKey: s, scopes: [], hostName: 'hooks.example.com', apiVersion: ApiVersion.October25, isEmbeddedApp: false, logger: { level: LogSeverity.Error } });
      const rawRequest = new Request(r.url, { method: 'POST', headers: r.headers, body: r.body });
      return (await shopify.webhooks.validate({ rawBody: text(r), rawRequest })).valid;
    },
  },
  slack: { secret: plain, accepts: (r, s) => isValidSlackRequest({ signingSecret: s, body: text(r), headers: { 'x-slack-signature': header(r, 'x-slack-signature'), 'x-slack-request-timestamp': Number(header(r, 'x-slack-request-timestamp')) } }) },
  twilio: { secret: () => hex(16), accepts: (r, s) => (header(r, 'content-type').startsWith('application/x-www-form-urlencoded') ? twilioValidate(s, header(r, 'x-twilio-signature'), r.url, formParams(text(r))) : twilioValidateWithBody(s, header(r, 'x-twilio-signature'), r.url, text(r))) },
  'standard-webhooks': standard((r, s) => attempt(() => new StandardWebhook(s).verify(text(r), lower(r.headers)))),
  svix: standard((r, s) => attempt(() => new SvixWebhook(s).verify(text(r), lower(r.headers)))),
  resend: standard((r, s) => attempt(() => resend.webhooks.verify({ payload: text(r), headers: { id: header(r, 'svix-id'), timestamp: header(r, 'svix-timestamp'), signature: header(r, 'svix-signature') }, webhookSecret: s }))),
  clerk: standard((r, s) => attempt(() => verifyWebhook(new Request(r.url, { method: 'POST', headers: r.headers, body: r.body }), { signingSecret: s }))),
  zoom: {
    secret: plain,
    documented: true,
    // https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events: v0= + hex HMAC-SHA256 of `v0:{ts}:{body}`.
    accepts: (r, s) => equal(header(r, 'x-zm-signature'), `v0=${hmacHex('sha256', s, `v0:${header(r, 'x-zm-request-timestamp')}:${text(r)}`)}`),
  },
  square: { secret: plain, accepts: (r, s) => SquareWebhooks.verifySignature({ requestBody: text(r), signatureHeader: header(r, 'x-square-hmacsha256-signature'), signatureKey: s, notificationUrl: r.url }) },
  paddle: { secret: () => `pdl_ntfset_${hex(13)}_${hex(16)}`, accepts: (r, s) => attempt(() => paddle.webhooks.isSignatureValid(text(r), s, header(r, 'paddle-signature'))) },
  linear: { secret: () => `lin_wh_${hex(16)}`, accepts: (r, s) => attempt(() => linearVerify(s, r.body, header(r, 'linear-signature'))) },
  intercom: {
    secret: plain,
    documented: true,
    // https://developers.intercom.com/.../signed-notifications: sha1= + hex HMAC-SHA1 of the body.
    accepts: (r, s) => equal(header(r, 'x-hub-signature'), `sha1=${hmacHex('sha1', s, r.body)}`),
  },
  mailgun: {
    secret: () => `key-${hex(16)}`,
    documented: true,
    // https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks: hex HMAC-SHA256 of timestamp + token.
    accepts: (r, s) => {
      const { signature } = JSON.parse(text(r));
      return equal(signature.signature, hmacHex('sha256', s, `${signature.timestamp}${signature.token}`));
    },
  },
  sendgrid: {
    secret: () => localTestSecret('sendgrid')!,
    accepts: (r, s) => attempt(() => sendgrid.verifySignature(sendgrid.convertPublicKeyToECDSA(s), text(r), header(r, 'x-twilio-email-event-webhook-signature'), header(r, 'x-twilio-email-event-webhook-timestamp'))),
  },
  discord: { secret: () => localTestSecret('discord')!, accepts: (r, s) => discordVerify(r.body, header(r, 'x-signature-ed25519'), header(r, 'x-signature-timestamp'), s) },
  pagerduty: {
    secret: () => randomBytes(48).toString('base64'),
    documented: true,
    // https://developer.pagerduty.com/docs/ZG9jOjExMDI5NTkz-verifying-signatures: v1= + hex HMAC-SHA256 of the body (vector below).
    accepts: (r, s) => header(r, 'x-pagerduty-signature').split(',').includes(`v1=${hmacHex('sha256', s, r.body)}`),
  },
  gitlab: { secret: plain, documented: true, accepts: (r, s) => equal(header(r, 'x-gitlab-token'), s) },
  bitbucket: { secret: plain, accepts: hubSignature },
  typeform: {
    secret: plain,
    documented: true,
    // https://www.typeform.com/developers/webhooks/secure-your-webhooks/: sha256= + base64 HMAC-SHA256 of the body.
    accepts: (r, s) => equal(header(r, 'typeform-signature'), `sha256=${hmacBase64('sha256', s, r.body)}`),
  },
  calendly: {
    secret: plain,
    documented: true,
    // https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures: t=<ts>,v1=<hex HMAC-SHA256 of `{t}.{body}`>.
    accepts: (r, s) => {
      const parts = Object.fromEntries(header(r, 'calendly-webhook-signature').split(',').map((p) => p.split('=') as [string, string]));
      return equal(parts.v1 ?? '', hmacHex('sha256', s, `${parts.t}.${text(r)}`));
    },
  },
  hubspot: {
    secret: () => randomUUID(),
    accepts: (r, s) => HubSpotSignature.isValid({ signatureVersion: 'v3', method: 'POST', signature: header(r, 'x-hubspot-signature-v3'), clientSecret: s, requestBody: text(r), url: r.url, timestamp: Number(header(r, 'x-hubspot-request-timestamp')) }),
  },
  meta: { secret: plain, accepts: hubSignature },
  twitch: {
    secret: () => `twitch-${hex(12)}`,
    documented: true,
    // https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message: sha256= + hex HMAC-SHA256 of id + timestamp + body.
    accepts: (r, s) => equal(header(r, 'twitch-eventsub-message-signature'), `sha256=${hmacHex('sha256', s, header(r, 'twitch-eventsub-message-id') + header(r, 'twitch-eventsub-message-timestamp') + text(r))}`),
  },
  'lemon-squeezy': {
    secret: plain,
    documented: true,
    // https://docs.lemonsqueezy.com/help/webhooks/signing-requests: hex HMAC-SHA256 of the body.
    accepts: (r, s) => equal(header(r, 'x-signature'), hmacHex('sha256', s, r.body)),
  },
  vercel: {
    secret: plain,
    documented: true,
    // https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks: hex HMAC-SHA1 of the body.
    accepts: (r, s) => equal(header(r, 'x-vercel-signature'), hmacHex('sha1', s, r.body)),
  },
  sentry: {
    secret: plain,
    documented: true,
    // https://docs.sentry.io/integrations/integration-platform/webhooks/#sentry-hook-signature: hex HMAC-SHA256 of the body.
    accepts: (r, s) => equal(header(r, 'sentry-hook-signature'), hmacHex('sha256', s, r.body)),
  },
  jira: { secret: plain, accepts: hubSignature },
  x: {
    secret: plain,
    documented: true,
    // https://docs.x.com/x-api/webhooks/quickstart#3-securing-webhooks: sha256= + base64 HMAC-SHA256 of the body.
    accepts: (r, s) => equal(header(r, 'x-twitter-webhooks-signature'), `sha256=${hmacBase64('sha256', s, r.body)}`),
  },
  'microsoft-graph': {
    secret: plain,
    documented: true,
    // https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks: every item's clientState is the shared value.
    accepts: (r, s) => (JSON.parse(text(r)).value as Array<{ clientState: string }>).every((item) => item.clientState === s),
  },
  adyen: {
    secret: () => hex(32),
    accepts: (r, s) => (JSON.parse(text(r)).notificationItems as Array<{ NotificationRequestItem: any }>).every((item) => adyen.validateHMAC(item.NotificationRequestItem, s)),
    deliveryId: (r) => { const item = JSON.parse(text(r)).notificationItems[0].NotificationRequestItem; return `${item.pspReference}:${item.eventCode}`; },
  },
  openai: standard((r, s) => attempt(() => openai.webhooks.verifySignature(text(r), lower(r.headers), s))),
  razorpay: { secret: plain, accepts: (r, s) => attempt(() => Razorpay.validateWebhookSignature(text(r), header(r, 'x-razorpay-signature'), s)) },
  workos: { secret: plain, accepts: (r, s) => attempt(() => workos.webhooks.verifyHeader({ payload: text(r), sigHeader: header(r, 'workos-signature'), secret: s })) },
  mux: { secret: plain, accepts: (r, s) => attempt(() => mux.webhooks.verifySignature(text(r), lower(r.headers), s)) },
  elevenlabs: { secret: () => `wsec_${hex(16)}`, accepts: (r, s) => attempt(() => elevenlabs.webhooks.constructEvent(text(r), header(r, 'elevenlabs-signature'), s)) },
  onfido: {
    secret: plain,
    accepts: (r, s) => attempt(() => new WebhookEventVerifier(s).readPayload(r.body, header(r, 'x-sha2-signature'))),
    deliveryId: (r) => { const { payload } = JSON.parse(text(r)); return `${payload.object.id}:${payload.action}`; },
  },
  polar: { secret: () => `polar_whs_${randomBytes(24).toString('base64url')}_`, accepts: (r, s) => attempt(() => polarWebhooks.validateEvent(text(r), lower(r.headers), s)) },
  mollie: { secret: plain, accepts: (r, s) => attempt(() => MollieValidator.validate(text(r), s, header(r, 'x-mollie-signature'))) },
  stream: { secret: plain, accepts: (r, s) => new StreamChat('stream-api-key', s).verifyWebhook(r.body, header(r, 'x-signature')) },
  webflow: { secret: plain, accepts: (r, s) => attempt(() => webflow.webhooks.verifySignature({ headers: lower(r.headers), body: text(r), secret: s })) },
  sanity: { secret: plain, accepts: (r, s) => attempt(() => sanityValid(text(r), header(r, 'sanity-webhook-signature'), s)) },
  box: { secret: plain, accepts: (r, s) => attempt(() => WebhooksManager.validateMessage(text(r), lower(r.headers), s)) },
  telnyx: { secret: () => localTestSecret('telnyx')!, accepts: (r, s) => attempt(() => new TelnyxWebhook(s).verify(text(r), lower(r.headers))) },
  contentful: {
    secret: () => hex(32),
    accepts: (r, s) => attempt(() => contentfulVerify(s, { method: 'POST', path: `${r.path}${r.query ? `?${r.query}` : ''}`, headers: lower(r.headers), body: text(r) })),
    deliveryId: (r) => { const { sys } = JSON.parse(text(r)); return `${sys.id}:${sys.type}:${sys.version}`; },
  },
  plivo: {
    secret: plain,
    accepts: (r, s) => attempt(() => plivoValidate('POST', r.url, header(r, 'x-plivo-signature-v3-nonce'), s, header(r, 'x-plivo-signature-v3'), formParams(text(r)))),
  },
  gocardless: { secret: plain, accepts: (r, s) => attempt(() => gocardlessParse(r.body, s, header(r, 'webhook-signature'))) },
  line: { secret: plain, accepts: (r, s) => lineValidate(r.body, s, header(r, 'x-line-signature')) },
  pusher: {
    secret: keyPair,
    accepts: (r, s) => {
      const [key, secret] = s.split(':');
      return attempt(() => new Pusher({ appId: '1', key, secret, cluster: 'eu' }).webhook({ headers: lower(r.headers), rawBody: text(r) }).isValid());
    },
  },
  vonage: {
    secret: plain,
    accepts: (r, s) => {
      const token = header(r, 'authorization').replace(/^Bearer /, '');
      if (!vonageVerify(token, s)) return false;
      const claims = jwt.decode(token) as { payload_hash?: string };
      return claims.payload_hash === createHash('sha256').update(r.body).digest('hex');
    },
    deliveryId: (r) => { const body = JSON.parse(text(r)); return `${body.message_uuid}:${body.status}`; },
  },
  livekit: {
    secret: keyPair,
    accepts: (r, s) => {
      const [key, secret] = s.split(':');
      return attempt(() => new LiveKitReceiver(key, secret).receive(text(r), header(r, 'authorization')));
    },
  },
  'dropbox-sign': {
    secret: () => hex(32),
    accepts: async (r, s) => {
      // Node's own multipart reader, then the SDK's check of the event
      const fields = await parsedByUndici({ body: r.body, contentType: header(r, 'content-type') });
      const json = fields.find(([name]) => name === 'json')?.[1];
      return json !== undefined && EventCallbackHelper.isValid(s, EventCallbackRequest.init(JSON.parse(json)));
    },
    deliveryId: (r) => {
      const json = /\r\n\r\n([\s\S]*)\r\n--/.exec(text(r))![1];
      const { event, signature_request: request } = JSON.parse(json);
      return `${event.event_hash}:${event.event_time}:${request.signature_request_id}`;
    },
  },
  braintree: {
    secret: () => `pk${hex(6)}:${hex(16)}`,
    accepts: (r, s) => {
      const [publicKey, privateKey] = s.split(':');
      const gateway = new braintree.BraintreeGateway({ environment: braintree.Environment.Sandbox, merchantId: 'merchant', publicKey, privateKey });
      const form = new URLSearchParams(text(r));
      return attempt(() => gateway.webhookNotification.parse(form.get('bt_signature'), form.get('bt_payload')));
    },
    // Keyed by the notification (bt_payload without its trailing newlines), the same in every retry
    deliveryId: (r) => `sha256:${createHash('sha256').update(new URLSearchParams(text(r)).get('bt_payload')!.replace(/\n+$/, '')).digest('hex')}`,
  },
};

function randomUUID(): string {
  return [hex(4), hex(2), hex(2), hex(2), hex(6)].join('-');
}

beforeAll(async () => {
  const octokit = await import('@octokit/webhooks-methods');
  octokitVerify = (secret, body, signature) => octokit.verify(secret, body, signature);
  const { LinearWebhookClient } = await import('@linear/sdk/webhooks');
  linearVerify = (secret, body, signature) => new LinearWebhookClient(secret).verify(body, signature);
});

/**
 * The providers that sign with keys only they hold, served from their own hosts (PayPal's certificates, Plaid's key
 * service) or chained to their own root (Apple): the kit signs them with the published stand-ins (testing/keys.ts),
 * which the verifier trusts only through its test-only overrides. Their cases are in 'the stand-in providers' below.
 */
const STAND_IN = ['app-store', 'paypal', 'plaid'];
const KINDS = Object.keys(CATALOG).filter((kind) => !STAND_IN.includes(kind));

test('every catalog provider has a signer with a sample event, and a case in this file', () => {
  // GIVEN the catalog / WHEN the kit lists what it signs / THEN nothing is missing (a new provider must add both)
  expect(Object.keys(CATALOG).filter((kind) => !signableProviders().includes(kind))).toEqual([]);
  expect(signableProviders()).toHaveLength(Object.keys(CATALOG).length);
  expect(KINDS.filter((kind) => CASES[kind] === undefined)).toEqual([]);
  expect(Object.keys(CATALOG).filter((kind) => !KINDS.includes(kind)).sort()).toEqual(STAND_IN);
});

describe.each(KINDS)('%s', (kind) => {
  const testCase = CASES[kind];
  const definition = CATALOG[kind];
  const secret = testCase ? testCase.secret() : '';
  let harness: Harness;

  beforeAll(async () => {
    harness = await providerHarness(kind, { secret });
  });

  test(`the signed sample is accepted by ${testCase?.documented ? 'its documented scheme (no verifier package exists)' : "the provider's own verifier"} and by the shipped verifier, enqueued once with its delivery id and event type`, async () => {
    // GIVEN a signed sample, which the provider's verifier accepts
    const request = signRequest(kind, { secret });
    expect(await testCase.accepts(request, secret)).toBe(true);

    // WHEN it is delivered to the shipped verifier
    const answer = await harness.send({ body: request.body, headers: request.headers, ...(request.query ? { query: Object.fromEntries(new URLSearchParams(request.query)) } : {}) });

    // THEN it is accepted (answered with the provider's required reply where it has one), and its one event is
    // enqueued with the exact bytes, its id and its type
    if (definition.replyBody !== undefined) expect([answer.status, answer.text]).toEqual([200, definition.replyBody]);
    else expect([answer.status, answer.body?.ok, answer.body?.code]).toEqual([200, true, 'accepted']);
    const messages = await harness.messages();
    expect(messages).toHaveLength(1);
    const keyed = definition.deliveryId.length > 0 || definition.items?.deliveryId !== undefined;
    const expectedId = testCase.deliveryId?.(request) ?? (keyed ? request.deliveryId : undefined);
    if (expectedId !== undefined) expect(messages[0].deliveryId).toBe(expectedId);
    else expect(messages[0].deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const typed = definition.eventType !== undefined || definition.items?.eventType !== undefined;
    expect(messages[0].eventType).toBe(typed ? request.eventType : undefined);
    const bytes = Buffer.from(messages[0].body!, messages[0].bodyEncoding === 'base64' ? 'base64' : 'utf8');
    // Graph's clientState is the secret: the envelope carries the body with it redacted (test/providers/microsoft-graph.test.ts).
    const expected = kind === 'microsoft-graph' ? Buffer.from(text(request).split(JSON.stringify(secret)).join('"[redacted]"')) : request.body;
    expect(bytes.toString('utf8')).toBe(expected.toString('utf8'));
    expect(bytes.equals(expected)).toBe(true);
  });

  test('signed with another secret (or key), both verifiers refuse it', async () => {
    // GIVEN the same sample signed with a secret the receiver does not hold
    const isKey = definition.scheme.signature?.algorithm === 'ed25519' || definition.scheme.signature?.algorithm === 'ecdsa-p256-sha256';
    const request = isKey
      ? signRequest(kind, { privateKey: generateTestKeyPair(definition.scheme.signature!.algorithm as 'ed25519').privateKey })
      : signRequest(kind, { secret: testCase.secret() });

    // WHEN / THEN the provider's verifier and ours refuse it, and nothing is enqueued
    expect(await testCase.accepts(request, secret)).toBe(false);
    const answer = await harness.send({ body: request.body, headers: request.headers, ...(request.query ? { query: Object.fromEntries(new URLSearchParams(request.query)) } : {}) });
    expect(answer.status).toBe(401);
    expect(await harness.messages()).toEqual([]);
  });

  test('every known event type of the sample is signed and accepted by the provider\'s verifier, with the type where the provider writes it', async () => {
    for (const eventType of sampleEventTypes(kind)) {
      const request = signRequest(kind, { secret, eventType });
      expect(await testCase.accepts(request, secret)).toBe(true);
      expect(request.eventType).toBe(eventType);
    }
  });
});

describe('published vectors, reproduced by the signers', () => {
  test("GitHub: secret \"It's a Secret to Everybody\", body \"Hello, World!\"", () => {
    const request = signRequest('github', { secret: "It's a Secret to Everybody", body: 'Hello, World!' });
    expect(request.headers['X-Hub-Signature-256']).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  test("Standard Webhooks: the specification's example", () => {
    const request = signRequest('standard-webhooks', { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', body: '{"test": 2432232314}', deliveryId: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330 * 1000 });
    expect(lower(request.headers)).toMatchObject({ 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' });
  });

  test('Twilio: token 12345, the documented URL and parameters', () => {
    const body = new URLSearchParams({ CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' }).toString();
    const request = signRequest('twilio', { secret: '12345', url: 'https://mycompany.com/myapp.php?foo=1&bar=2', body });
    expect(request.headers['X-Twilio-Signature']).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  test("PagerDuty: go-pagerduty's webhookv3 vector", () => {
    const body = '{"event":{"id":"01BWDWL3NYY7LUFPZCC28QUCMK","event_type":"incident.priority_updated","resource_type":"incident","occurred_at":"2021-04-26T17:36:27.458Z","agent":{"html_url":"https://acme.pagerduty.com/users/PLH1HKV","id":"PLH1HKV","self":"https://api.pagerduty.com/users/PLH1HKV","summary":"Tenex Engineer","type":"user_reference"},"client":null,"data":{"id":"PGR0VU2","type":"incident","self":"https://api.pagerduty.com/incidents/PGR0VU2","html_url":"https://acme.pagerduty.com/incidents/PGR0VU2","number":2,"status":"triggered","title":"A little bump in the road","service":{"html_url":"https://acme.pagerduty.com/services/PF9KMXH","id":"PF9KMXH","self":"https://api.pagerduty.com/services/PF9KMXH","summary":"API Service","type":"service_reference"},"assignees":[{"html_url":"https://acme.pagerduty.com/users/PTUXL6G","id":"PTUXL6G","self":"https://api.pagerduty.com/users/PTUXL6G","summary":"User 123","type":"user_reference"}],"escalation_policy":{"html_url":"https://acme.pagerduty.com/escalation_policies/PUS0KTE","id":"PUS0KTE","self":"https://api.pagerduty.com/escalation_policies/PUS0KTE","summary":"Default","type":"escalation_policy_reference"},"teams":[{"html_url":"https://acme.pagerduty.com/teams/PFCVPS0","id":"PFCVPS0","self":"https://api.pagerduty.com/teams/PFCVPS0","summary":"Engineering","type":"team_reference"}],"priority":{"html_url":"https://acme.pagerduty.com/account/incident_priorities","id":"PSO75BM","self":"https://api.pagerduty.com/priorities/PSO75BM","summary":"P1","type":"priority_reference"},"urgency":"high","conference_bridge":{"conference_number":1000,"conference_url":"https://example.com"},"resolve_reason":null}}}';
    const request = signRequest('pagerduty', { secret: 'lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK', body });
    expect(request.headers['X-Pagerduty-Signature']).toBe('v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd');
  });
});

describe('the local test key pairs', () => {
  test('are the same on every call, and their public keys verify what the kit signs with them', () => {
    // GIVEN the published Ed25519 and P-256 pairs
    const ed = localTestKeyPair('ed25519');
    const ec = localTestKeyPair('ecdsa-p256-sha256');
    expect(localTestKeyPair('ed25519').publicKey).toBe(ed.publicKey);
    expect(ed.publicKey).toMatch(/^[0-9a-f]{64}$/);
    // WHEN a Discord and a SendGrid request are signed without a key / THEN the pairs' public keys verify them
    const discord = signRequest('discord');
    expect(discordVerify(discord.body, discord.headers['X-Signature-Ed25519'], discord.headers['X-Signature-Timestamp'], ed.publicKey)).resolves.toBe(true);
    const grid = signRequest('sendgrid');
    const content = Buffer.concat([Buffer.from(grid.headers['X-Twilio-Email-Event-Webhook-Timestamp']), grid.body]);
    const spki = createPublicKey({ key: Buffer.from(ec.publicKey, 'base64'), format: 'der', type: 'spki' });
    expect(verifySignature('sha256', content, spki, Buffer.from(grid.headers['X-Twilio-Email-Event-Webhook-Signature'], 'base64'))).toBe(true);
  });
});

describe('options and errors', () => {
  test('fails if the provider is unknown, listing the catalog', () => {
    expect(() => signRequest('stripee', { secret: 'x' })).toThrow(/Unknown provider "stripee". Catalog providers: stripe, github/);
  });

  test('fails if an HMAC provider is given no secret', () => {
    expect(() => signRequest('stripe')).toThrow(/Signing a Stripe request needs the receiver's secret/);
  });

  test('PayPal, the App Store and Plaid: a missing setting or a key the stand-ins cannot use fails, saying what to give', () => {
    const saved = process.env.WEBHOOK_RECEIVER_TEST_CERTIFICATE_ORIGIN;
    delete process.env.WEBHOOK_RECEIVER_TEST_CERTIFICATE_ORIGIN;
    try {
      const local = 'http://127.0.0.1:8790/paypal';
      expect(() => signRequest('paypal', { url: local })).toThrow('PayPal signs its webhook id: give the webhookId option (the webhookId of WebhookProvider.paypal()).');
      expect(() => signRequest('paypal', { webhookId: 'WH1' })).toThrow(/PayPal requests name the URL of their certificate, which only a local receiver serves .*: give url \(the local receiver's http:\/\/127\.0\.0\.1:<port>\/\.\.\. URL\), or certificateUrl, or start the test receiver first\./);
      expect(() => signRequest('paypal', { webhookId: 'WH1', url: local, privateKey: generateTestKeyPair('ecdsa-p256-sha256').privateKey })).toThrow(/PayPal requests are signed with the published stand-in certificate .*; privateKey is not used\./);
      expect(() => signRequest('app-store')).toThrow("App Store notifications carry the app's bundle id: give appStore: { bundleId } (the bundleId of WebhookProvider.appStore()).");
      expect(() => signRequest('app-store', { appStore: { bundleId: 'x', environment: 'Staging' } })).toThrow('appStore.environment must be Sandbox or Production, got "Staging".');
      expect(() => signRequest('plaid', { privateKey: generateTestKeyPair('ecdsa-p256-sha256').privateKey })).toThrow('A Plaid privateKey needs its keyId (the kid the key service serves it under).');
      expect(() => signRequest('plaid', { privateKey: generateTestKeyPair('ed25519').privateKey, keyId: 'k' })).toThrow('privateKey must be an ECDSA P-256 private key, got ed25519.');
      expect(() => signRequest({ id: 'certs', kind: 'custom', scheme: CATALOG.paypal.scheme })).toThrow(/Provider "certs" is a generic certificate or key-service scheme: the test kit signs only the catalog's/);
    } finally {
      if (saved !== undefined) process.env.WEBHOOK_RECEIVER_TEST_CERTIFICATE_ORIGIN = saved;
    }
  });

  test("PayPal and the App Store take their settings from a WebhookProvider; the cert URL is on a loopback url's origin", () => {
    // GIVEN the providers as an app configures them
    const paypal = WebhookProvider.paypal({ webhookId: 'WH-FROM-PROVIDER' });
    const appStore = WebhookProvider.appStore({ bundleId: 'com.example.provider', environment: AppStoreEnvironment.PRODUCTION, appAppleId: 42 });

    // WHEN signed with no settings of their own
    const p = signRequest(paypal, { url: 'http://localhost:9000/paypal' });
    const a = signRequest(appStore);

    // THEN PayPal's signature covers the provider's webhook id (PayPal's documented check), its certificate URL is
    // the stand-in on the url's loopback origin; the App Store payload carries the provider's claims
    const h = lower(p.headers);
    const content = `${h['paypal-transmission-id']}|${h['paypal-transmission-time']}|WH-FROM-PROVIDER|${bufferCrc32.unsigned(p.body)}`;
    expect(verifySignature('sha256', Buffer.from(content), localPayPalCertificate().certificate.publicKey, Buffer.from(h['paypal-transmission-sig'], 'base64'))).toBe(true);
    expect(h['paypal-cert-url']).toBe('http://127.0.0.1:9000/v1/notifications/certs/CERT-cdk-webhook-receiver-local-test');
    const payload = JSON.parse(Buffer.from(JSON.parse(text(a)).signedPayload.split('.')[1], 'base64url').toString('utf8'));
    expect(payload.data).toMatchObject({ bundleId: 'com.example.provider', environment: 'Production', appAppleId: 42 });
  });

  test('fails if the url is not an http(s) URL', () => {
    expect(() => signRequest('square', { secret: 'x', url: 'ftp://example.com/x' })).toThrow(/url must be an http or https URL, got "ftp:\/\/example.com\/x"/);
    expect(() => signRequest('square', { secret: 'x', url: 'not a url' })).toThrow(/url must be an absolute http\(s\) URL/);
  });

  test('a given timestamp, delivery id, event type and body are what is signed', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    const request = signRequest('stripe', { secret: 'whsec_abc', timestamp: new Date(at), eventType: 'invoice.paid', deliveryId: 'evt_fixed' });
    const body = JSON.parse(request.body.toString());
    expect([body.id, body.type, body.created, request.deliveryId, request.eventType]).toEqual(['evt_fixed', 'invoice.paid', at / 1000, 'evt_fixed', 'invoice.paid']);
    expect(request.headers['Stripe-Signature']).toBe(`t=${at / 1000},v1=${hmacHex('sha256', 'whsec_abc', `${at / 1000}.${request.body.toString()}`)}`);
    const own = signRequest('stripe', { secret: 'whsec_abc', body: { id: 'evt_mine', type: 'x.y' } });
    expect(own.body.toString()).toBe('{"id":"evt_mine","type":"x.y"}');
  });

  test('a Twilio JSON body: the URL carries bodySHA256 and the signature covers it, as Twilio\'s validateRequestWithBody checks', () => {
    const request = signRequest('twilio', { secret: 'tok', body: { MessageSid: 'SM1', status: 'delivered' } });
    expect(request.query).toBe(`bodySHA256=${createHash('sha256').update(request.body).digest('hex')}`);
    expect(twilioValidateWithBody('tok', request.headers['X-Twilio-Signature'], request.url, text(request))).toBe(true);
  });

  test("a JSON secret value (Meta's {signingSecret, verifyToken}, or a list) signs with the signing secret, as the verifier reads it", () => {
    const one = signRequest('meta', { secret: '{"signingSecret":"app-secret","verifyToken":"tok"}', body: 'x' });
    const two = signRequest('meta', { secret: '["app-secret","old"]', body: 'x' });
    expect([one.headers['X-Hub-Signature-256'], two.headers['X-Hub-Signature-256']]).toEqual([`sha256=${hmacHex('sha256', 'app-secret', 'x')}`, `sha256=${hmacHex('sha256', 'app-secret', 'x')}`]);
  });
});

/**
 * PayPal, the App Store and Plaid, signed with the published stand-ins (testing/keys.ts). Oracles, as in their own
 * test files: PayPal's documented check (no PayPal package verifies offline) with `buffer-crc32` and the certificate
 * served at the request's PAYPAL-CERT-URL; Apple's `SignedDataVerifier` told to trust the stand-in root; Plaid's
 * documented check with `jose` and the JWK the key service answers. The shipped verifier is pointed at a loopback
 * server that answers as the local receiver does (`answerAsProvider`) through its test-only variables.
 */
describe('the stand-in providers: PayPal, the App Store, Plaid', () => {
  type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
  const WEBHOOK_ID = '8PT597110X687430LKGECATA';
  const BUNDLE_ID = 'com.example.stand-in';
  let jose: Jose;
  let server: Server;
  let origin: string;
  const saved: Record<string, string | undefined> = {};
  const harnesses: Record<string, Harness> = {};

  const fetchText = async (url: string, init?: RequestInit) => (await fetch(url, init)).text();

  /** PayPal's documented check: SHA256withRSA over id|time|webhook id|CRC-32, by the key of the certificate at the URL. */
  async function paypalAccepts(request: SignedWebhookRequest, webhookId = WEBHOOK_ID): Promise<boolean> {
    const h = lower(request.headers);
    if (h['paypal-auth-algo'] !== 'SHA256withRSA') return false;
    const certificate = new X509Certificate(await fetchText(h['paypal-cert-url']));
    if (!certificate.subject.split('\n').includes('CN=messageverificationcerts.paypal.com')) return false;
    const content = `${h['paypal-transmission-id']}|${h['paypal-transmission-time']}|${webhookId}|${bufferCrc32.unsigned(request.body)}`;
    return verifySignature('sha256', Buffer.from(content), certificate.publicKey, Buffer.from(h['paypal-transmission-sig'], 'base64'));
  }

  /** Apple's own verifier, trusting the stand-in root (Sandbox, online checks off). */
  async function appleAccepts(request: SignedWebhookRequest, bundleId = BUNDLE_ID): Promise<boolean> {
    return attempt(() => new SignedDataVerifier([localAppleChain().root.raw], false, Environment.SANDBOX, bundleId).verifyAndDecodeNotification(JSON.parse(text(request)).signedPayload));
  }

  /** Plaid's documented check with jose: ES256, the JWK the key service serves for the kid, iat within 5 minutes, the body hash. */
  async function plaidAccepts(request: SignedWebhookRequest): Promise<boolean> {
    const token = header(request, 'plaid-verification');
    return attempt(async () => {
      const { kid, alg } = jose.decodeProtectedHeader(token);
      if (alg !== 'ES256') return false;
      const answer = JSON.parse(await fetchText(`${origin}/webhook_verification_key/get`, { method: 'POST', body: JSON.stringify({ client_id: 'c', secret: 's', key_id: kid }) }));
      const { payload } = await jose.jwtVerify(token, await jose.importJWK(answer.key, 'ES256'), { algorithms: ['ES256'], maxTokenAge: '5 min' });
      return payload.request_body_sha256 === createHash('sha256').update(request.body).digest('hex');
    });
  }

  const ORACLES: Record<string, (request: SignedWebhookRequest) => Promise<boolean>> = { paypal: (r) => paypalAccepts(r), 'app-store': (r) => appleAccepts(r), plaid: plaidAccepts };
  const sign = (kind: string, options: Parameters<typeof signRequest>[1] = {}) =>
    signRequest(kind, { url: `${origin}/${kind}`, webhookId: kind === 'paypal' ? WEBHOOK_ID : undefined, appStore: kind === 'app-store' ? { bundleId: BUNDLE_ID } : undefined, ...options });
  const deliver = (kind: string, request: { body: Buffer | string; headers: Record<string, string> }) => harnesses[kind].send({ body: request.body, headers: request.headers });

  beforeAll(async () => {
    jose = await import('jose');
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = answerAsProvider(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname, Buffer.concat(chunks).toString('utf8'));
        res.writeHead(answer?.status ?? 404, { 'Content-Type': answer?.contentType ?? 'text/plain' });
        res.end(answer?.body ?? 'not found');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const [name, value] of Object.entries(localProviderOverrides(origin))) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    harnesses.paypal = await providerHarness('paypal', { secret: `unused-${hex(4)}`, config: { certificates: { webhookId: WEBHOOK_ID } } });
    harnesses['app-store'] = await providerHarness('app-store', { secret: `unused-${hex(4)}`, config: { certificates: { claims: { bundleId: BUNDLE_ID, environment: 'Sandbox' } } } });
    harnesses.plaid = await providerHarness('plaid', { secret: localTestSecret('plaid')! });
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('the published certificates are valid for at least the next 10 years, so the stand-ins do not silently expire', () => {
    const tenYears = Date.now() + 10 * 365.25 * 24 * 3600_000;
    const { root, intermediate, leaf } = localAppleChain();
    for (const certificate of [localPayPalCertificate().certificate, root, intermediate, leaf]) {
      expect(Date.parse(certificate.validFrom)).toBeLessThanOrEqual(Date.now());
      expect(Date.parse(certificate.validTo)).toBeGreaterThan(tenYears);
    }
    // PayPal's scheme checks the subject, the key type and the chain in the file; Apple's the marker extensions.
    const paypalChain = localPayPalCertificate().certificateChainPem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)!.map((pem) => new X509Certificate(pem));
    expect(paypalChain).toHaveLength(2);
    expect(paypalChain[0].subject.split('\n')).toContain('CN=messageverificationcerts.paypal.com');
    expect(paypalChain[0].publicKey.asymmetricKeyType).toBe('rsa');
    expect(paypalChain[0].verify(paypalChain[1].publicKey)).toBe(true);
    expect(createPublicKey(localPayPalCertificate().privateKey).export({ format: 'der', type: 'spki' })).toEqual(paypalChain[0].publicKey.export({ format: 'der', type: 'spki' }));
    expect(localPlaidKey().publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: localPlaidKey().kid });
  });

  describe.each(STAND_IN)('%s', (kind) => {
    test('the signed sample is accepted by the provider\'s oracle and by the shipped verifier, enqueued once with its delivery id and event type', async () => {
      // GIVEN a signed sample, which the oracle accepts
      const request = sign(kind);
      expect(await ORACLES[kind](request)).toBe(true);

      // WHEN it is delivered to the shipped verifier (pointed at the stand-ins)
      const answer = await deliver(kind, request);

      // THEN it is accepted and enqueued once, with the exact bytes, its id and its type
      expect([answer.status, answer.body?.code]).toEqual([200, 'accepted']);
      const messages = await harnesses[kind].messages();
      expect(messages).toHaveLength(1);
      expect(messages[0].deliveryId).toBe(request.deliveryId);
      expect(messages[0].eventType).toBe(request.eventType);
      expect(Buffer.from(messages[0].body!, messages[0].bodyEncoding === 'base64' ? 'base64' : 'utf8').equals(request.body)).toBe(true);
    });

    test('a tampered body is refused by the oracle and by the shipped verifier', async () => {
      // GIVEN a signed sample whose body is changed after signing (for the App Store: inside the signed payload)
      const request = sign(kind);
      let body = text(request).replace(/"(42\.00|SYNC_UPDATES_AVAILABLE)"/, '"99.00"');
      if (kind === 'app-store') {
        const [h, p, sig] = JSON.parse(body).signedPayload.split('.');
        const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
        payload.data.bundleVersion = '9.9';
        body = JSON.stringify({ signedPayload: `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}` });
      }
      expect(body).not.toBe(text(request));
      const tampered = { ...request, body: Buffer.from(body) };

      // WHEN / THEN both refuse it, and nothing is enqueued
      expect(await ORACLES[kind](tampered)).toBe(false);
      const answer = await deliver(kind, tampered);
      expect(answer.status).toBe(401);
      expect(await harnesses[kind].messages()).toEqual([]);
    });

    test('every known event type of the sample is signed and accepted by the oracle, with the type where the provider writes it', async () => {
      for (const eventType of sampleEventTypes(kind)) {
        const request = sign(kind, { eventType });
        expect(await ORACLES[kind](request)).toBe(true);
        expect(request.eventType).toBe(eventType);
      }
    });
  });

  test('a receiver without the test-only overrides (a deployed one) refuses what the stand-ins sign; inside AWS Lambda the overrides are refused', async () => {
    // GIVEN requests signed with the stand-ins, each accepted by the shipped verifier while the overrides are set
    const requests = Object.fromEntries(STAND_IN.map((kind) => [kind, sign(kind)]));
    const without = async (names: string[], extra: Record<string, string> = {}) => {
      const kept = Object.fromEntries(names.map((name) => [name, process.env[name]]));
      for (const name of names) delete process.env[name];
      Object.assign(process.env, extra);
      // A new container: no Plaid key cached from the deliveries above (the bundle's jwks.js, as test/providers/plaid.test.ts).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('../assets/verifier/jwks.js') as { resetJwksCache(): void }).resetJwksCache();
      try {
        return Object.fromEntries(await Promise.all(STAND_IN.map(async (kind) => [kind, (await deliver(kind, requests[kind])).status] as const)));
      } finally {
        Object.assign(process.env, kept);
        for (const name of Object.keys(extra)) delete process.env[name];
      }
    };

    // WHEN the overrides are absent, THEN PayPal's URL and Apple's root are refused (401); Plaid's key is looked up at
    // Plaid's own host, which this test machine cannot reach (503: retry), never the stand-in's
    const statuses = await without(Object.keys(localProviderOverrides(origin)));
    expect(statuses.paypal).toBe(401);
    expect(statuses['app-store']).toBe(401);
    expect([401, 503]).toContain(statuses.plaid);

    // WHEN they are set inside AWS Lambda, THEN every request fails closed (500), none accepted
    const lambda = await without([], { AWS_LAMBDA_FUNCTION_NAME: 'deployed' });
    expect(Object.values(lambda).every((status) => status >= 500)).toBe(true);
  });
});
