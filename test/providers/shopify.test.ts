/**
 * Shopify: `X-Shopify-Hmac-Sha256`, the base64 HMAC-SHA256 of the raw body keyed with the app's client secret;
 * no timestamp is signed. Requests are signed with Shopify's own test helper (`getHmac` from
 * `@shopify/shopify-api/test-helpers`), and Shopify's own verifier (`shopify.webhooks.validate` from
 * `@shopify/shopify-api`, on its Web API adapter) is the oracle: it must accept every request ours accepts and
 * refuse the forgeries ours refuses. The delivery id and event type are `X-Shopify-Webhook-Id` and
 * `X-Shopify-Topic`. Shopify's newer "Events" deliveries carry the same values under unprefixed `Shopify-*`
 * headers (https://shopify.dev/docs/apps/build/events/verify-deliveries), which the SDK also accepts.
 * Shopify defines no handshake.
 */
import '@shopify/shopify-api/adapters/web-api';
import { createHmac, randomUUID } from 'node:crypto';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { getHmac } from '@shopify/shopify-api/test-helpers';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

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
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('shopify', { secret: SECRET });
});

function orderCreated(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ id: 820982911946154500, email: 'jon@example.com', total_price: '403.00', note: null, ...extra });
}

/** A request signed by Shopify's helper, with the headers of a classic webhook delivery. */
function signed(body: string, options: { secret?: string; topic?: string } = {}): SignedRequest & { webhookId: string } {
  const webhookId = randomUUID();
  return {
    webhookId,
    body,
    headers: {
      'X-Shopify-Hmac-Sha256': getHmac(body, options.secret ?? SECRET),
      'X-Shopify-Topic': options.topic ?? 'orders/create',
      'X-Shopify-Shop-Domain': 'example.myshopify.com',
      'X-Shopify-API-Version': '2025-10',
      'X-Shopify-Webhook-Id': webhookId,
      'X-Shopify-Event-Id': randomUUID(),
      'X-Shopify-Triggered-At': new Date().toISOString(),
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

function without(request: SignedRequest, name: string): SignedRequest {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

test('a genuine delivery is accepted and enqueued once, keyed by X-Shopify-Webhook-Id', async () => {
  // GIVEN an orders/create webhook signed by Shopify's helper, which Shopify's verifier accepts
  const request = signed(orderCreated());
  expect(await shopifyAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the webhook id, the topic and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.webhookId });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'shopify', deliveryId: request.webhookId, eventType: 'orders/create', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body: request.body });
});

describe('forged or broken requests are refused as Shopify refuses them', () => {
  const withSignature = (request: SignedRequest, value: string): SignedRequest => ({ ...request, headers: { ...request.headers, 'X-Shopify-Hmac-Sha256': value } });
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(orderCreated());
      return { ...request, body: (request.body as string).replace('403.00', '0.01') };
    }, 'signature_mismatch'],
    ['a tampered signature (one base64 character changed)', () => {
      const request = signed(orderCreated());
      const signature = request.headers['X-Shopify-Hmac-Sha256'];
      return withSignature(request, (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1));
    }, 'signature_mismatch'],
    ['a signature that is not base64', () => withSignature(signed(orderCreated()), 'not*base64!'), 'signature_malformed'],
    ['a hex signature (Shopify sends base64)', () => {
      const request = signed(orderCreated());
      return withSignature(request, createHmac('sha256', SECRET).update(request.body).digest('hex'));
    }, 'signature_mismatch'],
    ['a signature made with another secret', () => signed(orderCreated(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no X-Shopify-Hmac-Sha256 header', () => without(signed(orderCreated()), 'X-Shopify-Hmac-Sha256'), 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request Shopify's own verifier refuses
    const request = make();
    expect(await shopifyAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

describe('Events deliveries, with unprefixed Shopify-* headers', () => {
  /** A request signed by Shopify's helper, with the headers of an Events delivery. */
  function signedEvent(body: string, secret = SECRET): SignedRequest & { webhookId: string } {
    const webhookId = randomUUID();
    return {
      webhookId,
      body,
      headers: {
        'Shopify-Hmac-Sha256': getHmac(body, secret),
        'Shopify-Topic': 'orders/create',
        'Shopify-Shop-Domain': 'example.myshopify.com',
        'Shopify-API-Version': 'unstable',
        'Shopify-Webhook-Id': webhookId,
        'Shopify-Event-Id': randomUUID(),
        'Shopify-Triggered-At': new Date().toISOString(),
      },
    };
  }

  test('a genuine Events delivery is accepted and enqueued once, keyed by Shopify-Webhook-Id', async () => {
    // GIVEN an Events delivery signed by Shopify's helper, which Shopify's verifier accepts
    const request = signedEvent(orderCreated());
    expect(await shopifyAccepts(request)).toBe(true);

    // WHEN it is delivered
    const answer = await harness.send(request);

    // THEN it is accepted, and one envelope carries the webhook id, the topic and the exact body
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.webhookId });
    const messages = await harness.messages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ deliveryId: request.webhookId, eventType: 'orders/create', body: request.body });
  });

  test('a forged Events delivery is refused', async () => {
    // GIVEN an Events delivery signed with another secret
    const request = signedEvent(orderCreated(), OTHER_SECRET);
    expect(await shopifyAccepts(request)).toBe(false);

    // WHEN / THEN it is refused as a mismatch, not waved through for lack of the prefixed header
    await expectRejected(harness, request, 'signature_mismatch');
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(orderCreated({ note: 'café ☕ 🚀 漢字' }));
  expect(await shopifyAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body as string, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN the documented signature computed over raw bytes, which for a UTF-8 body equals Shopify's own
  // (Shopify's helper and verifier take strings only)
  const utf8Body = orderCreated({ note: 'café ☕' });
  expect(signBytes(Buffer.from(utf8Body))).toBe(getHmac(utf8Body, SECRET));
  const body = invalidUtf8Json();
  const webhookId = randomUUID();

  // WHEN a body with bytes that are not UTF-8 is delivered with that signature
  const answer = await harness.send({
    body,
    headers: { 'X-Shopify-Hmac-Sha256': signBytes(body), 'X-Shopify-Topic': 'orders/updated', 'X-Shopify-Webhook-Id': webhookId },
  });

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: webhookId, eventType: 'orders/updated', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

test('after a secret rotation, deliveries signed with the new and with the old secret both verify', async () => {
  // GIVEN a receiver of its own (its own secret cache), first holding the old secret
  const OLD = `shpss_${randomUUID().replace(/-/g, '')}`;
  const NEW = `shpss_${randomUUID().replace(/-/g, '')}`;
  const rotating = await providerHarness('shopify', { secret: OLD, id: 'shopify-rotation' });
  expect((await rotating.send(signed(orderCreated(), { secret: OLD }))).body).toMatchObject({ code: 'accepted' });

  // WHEN the secret is rotated, and Shopify keeps signing some deliveries with the old one for up to an hour
  await rotating.rotate(NEW);
  const byNew = await rotating.send(signed(orderCreated(), { secret: NEW }));
  const byOld = await rotating.send(signed(orderCreated(), { secret: OLD }));

  // THEN both are accepted; a third secret still is not
  expect(byNew.body).toMatchObject({ ok: true, code: 'accepted' });
  expect(byOld.body).toMatchObject({ ok: true, code: 'accepted' });
  expect(await rotating.messages()).toHaveLength(3);
  await expectRejected(rotating, signed(orderCreated(), { secret: OTHER_SECRET }), 'signature_mismatch');
});

describe('XML deliveries (a subscription created with format: xml)', () => {
  /** An orders/create payload in Shopify's XML format, with a non-ASCII note. */
  const orderXml = () =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<order>\n  <id type="integer">${Date.now()}</id>\n  <email>jon@example.com</email>\n  <total-price type="decimal">403.00</total-price>\n  <note>café ☕</note>\n</order>\n`;

  test.each([['application/xml'], ['text/xml; charset=utf-8']])('a genuine XML delivery (%s) is accepted and enqueued byte for byte', async (contentType) => {
    // GIVEN an XML body signed by Shopify's helper, which Shopify's own verifier accepts
    const request = signed(orderXml());
    const withType = { ...request, headers: { ...request.headers, 'Content-Type': contentType } };
    expect(await shopifyAccepts(withType)).toBe(true);

    // WHEN it is delivered
    const answer = await harness.send(withType);

    // THEN it is accepted (not refused as malformed JSON), and the envelope holds the exact bytes, the webhook id,
    // the topic and the media type
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.webhookId });
    const messages = await harness.messages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ deliveryId: request.webhookId, eventType: 'orders/create', contentType, bodyEncoding: 'utf8' });
    expect(bytesOf(messages[0]).equals(Buffer.from(request.body as string, 'utf8'))).toBe(true);
  });

  test('a forged XML delivery is refused', async () => {
    // GIVEN an XML body signed with another secret
    const request = signed(orderXml(), { secret: OTHER_SECRET });
    const withType = { ...request, headers: { ...request.headers, 'Content-Type': 'application/xml' } };
    expect(await shopifyAccepts(withType)).toBe(false);

    // WHEN / THEN it is refused as a mismatch, and nothing is enqueued or recorded
    await expectRejected(harness, withType, 'signature_mismatch');
  });
});
