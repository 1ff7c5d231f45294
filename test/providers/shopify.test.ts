/**
 * Shopify: `X-Shopify-Hmac-Sha256`, the base64 HMAC-SHA256 of the raw body keyed with the app's client secret;
 * no timestamp is signed. Requests are signed with Shopify's own test helper (`getHmac` from
 * `@shopify/shopify-api/test-helpers`), and Shopify's own verifier (`shopify.webhooks.validate` from
 * `@shopify/shopify-api`, on its Web API adapter) is the oracle: it must accept every request ours accepts and
 * refuse the forgeries ours refuses. The delivery id and event type are `X-Shopify-Webhook-Id` and
 * `X-Shopify-Topic`. Shopify's newer "Events" deliveries carry the same values under unprefixed `Shopify-*`
 * headers (https://shopify.dev/docs/apps/build/events/verify-deliveries), which the SDK also accepts.
 * Shopify defines no handshake. The standard matrix is test/support/provider-matrix.ts; this file holds what is
 * particular to Shopify.
 */
import '@shopify/shopify-api/adapters/web-api';
import { createHmac, randomUUID } from 'node:crypto';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { getHmac } from '@shopify/shopify-api/test-helpers';
import type { Envelope } from '../../contract/config';
import { noWindow, providerMatrix, withHeader, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = `shpss_${randomUUID().replace(/-/g, '')}`;
const OTHER_SECRET = `shpss_${randomUUID().replace(/-/g, '')}`;
const shopify = shopifyApi({
  apiKey: 'test-api-key',
  apiSecretKey: SECRET,
  scopes: [],
  hostName: 'hooks.example.com',
  apiVersion: ApiVersion.October25,
  isEmbeddedApp: false,
  logger: { level: LogSeverity.Error },
});

function orderCreated(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ id: 820982911946154500, email: 'jon@example.com', total_price: '403.00', note: null, ...extra });
}

const classicHeaders = (signature: string, webhookId: string, topic = 'orders/create') => ({
  'X-Shopify-Hmac-Sha256': signature,
  'X-Shopify-Topic': topic,
  'X-Shopify-Shop-Domain': 'example.myshopify.com',
  'X-Shopify-API-Version': '2025-10',
  'X-Shopify-Webhook-Id': webhookId,
  'X-Shopify-Event-Id': randomUUID(),
  'X-Shopify-Triggered-At': new Date().toISOString(),
});

/** A request signed by Shopify's helper, with the headers of a classic webhook delivery. */
function signed(body: string, options: { secret?: string; id?: string } = {}): SignedRequest {
  return { body, headers: classicHeaders(getHmac(body, options.secret ?? SECRET), options.id ?? randomUUID()) };
}

/** A request signed by Shopify's helper, with the headers of an Events delivery. */
function signedEvent(body: string, secret = SECRET): SignedRequest {
  return {
    body,
    headers: {
      'Shopify-Hmac-Sha256': getHmac(body, secret),
      'Shopify-Topic': 'orders/create',
      'Shopify-Shop-Domain': 'example.myshopify.com',
      'Shopify-API-Version': 'unstable',
      'Shopify-Webhook-Id': randomUUID(),
      'Shopify-Event-Id': randomUUID(),
      'Shopify-Triggered-At': new Date().toISOString(),
    },
  };
}

/** Shopify's own verdict on a request. */
async function shopifyAccepts(request: SignedRequest): Promise<boolean> {
  const rawRequest = new Request('https://hooks.example.com/webhooks/shopify', { method: 'POST', headers: request.headers, body: request.body });
  const result = await shopify.webhooks.validate({ rawBody: request.body.toString(), rawRequest });
  return result.valid;
}

/** The documented scheme over raw bytes: base64 HMAC-SHA256 of the body, keyed with the secret's UTF-8 text. */
const signBytes = (body: Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('base64');

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

/** An orders/create payload in Shopify's XML format, with a non-ASCII note. */
const orderXml = () =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<order>\n  <id type="integer">${Date.now()}</id>\n  <email>jon@example.com</email>\n  <total-price type="decimal">403.00</total-price>\n  <note>café ☕</note>\n</order>\n`;

const description: ProviderDescription = {
  kind: 'shopify',
  notApplicable: noWindow('no timestamp is signed'),
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: orderCreated,
  sign: (body, options) => signed(body, options),
  accepts: shopifyAccepts,
  signBytes: (body, { id }) => classicHeaders(signBytes(body), id, 'orders/updated'),
  signatureHeader: 'X-Shopify-Hmac-Sha256',
  expected: (request) => ({ deliveryId: request.headers['X-Shopify-Webhook-Id'], eventType: 'orders/create' }),
  tamper: ['403.00', '0.01'],
  refusals: [
    ['a signature that is not base64', () => withHeader(signed(orderCreated()), 'X-Shopify-Hmac-Sha256', 'not*base64!'), 'signature_malformed'],
    ['a hex signature (Shopify sends base64)', () => {
      const request = signed(orderCreated());
      return withHeader(request, 'X-Shopify-Hmac-Sha256', createHmac('sha256', SECRET).update(request.body).digest('hex'));
    }, 'signature_mismatch'],
    // Refused as a mismatch, not waved through for lack of the prefixed header
    ['a forged Events delivery (unprefixed Shopify-* headers)', () => signedEvent(orderCreated(), OTHER_SECRET), 'signature_mismatch'],
    ['a forged XML delivery', () => withHeader(signed(orderXml(), { secret: OTHER_SECRET }), 'Content-Type', 'application/xml'), 'signature_mismatch'],
  ],
  invalidUtf8Expected: (request) => ({ deliveryId: request.headers['X-Shopify-Webhook-Id'], eventType: 'orders/updated' }),
};

const matrix = providerMatrix(description);
// Shopify keeps signing some deliveries with the old secret for up to an hour after a rotation
rotationTest(description, { stored: `shpss_${randomUUID().replace(/-/g, '')}` });

test('a genuine Events delivery (unprefixed Shopify-* headers) is accepted and enqueued once, keyed by Shopify-Webhook-Id', async () => {
  // GIVEN an Events delivery signed by Shopify's helper, which Shopify's verifier accepts
  const request = signedEvent(orderCreated());
  expect(await shopifyAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN it is accepted, and one envelope carries the webhook id, the topic and the exact body
  const webhookId = request.headers['Shopify-Webhook-Id'];
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: webhookId });
  const messages = await matrix.harness().messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ deliveryId: webhookId, eventType: 'orders/create', body: request.body });
});

test.each([['application/xml'], ['text/xml; charset=utf-8']])('a genuine XML delivery (%s) is accepted and enqueued byte for byte', async (contentType) => {
  // GIVEN an XML body (a subscription created with format: xml) signed by Shopify's helper, which Shopify's own verifier accepts
  const request = withHeader(signed(orderXml()), 'Content-Type', contentType);
  expect(await shopifyAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN it is accepted (not refused as malformed JSON), and the envelope holds the exact bytes, the webhook id,
  // the topic and the media type
  const webhookId = request.headers['X-Shopify-Webhook-Id'];
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: webhookId });
  const messages = await matrix.harness().messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ deliveryId: webhookId, eventType: 'orders/create', contentType, bodyEncoding: 'utf8' });
  expect(bytesOf(messages[0]).equals(Buffer.from(request.body as string, 'utf8'))).toBe(true);
});
