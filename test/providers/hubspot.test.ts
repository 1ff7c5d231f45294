/**
 * HubSpot (signature v3): `X-HubSpot-Signature-v3`, the base64 HMAC-SHA256 of
 * `{method}{uri}{raw body}{X-HubSpot-Request-Timestamp}` keyed with the app's client secret; the timestamp is in
 * milliseconds and must be less than 5 minutes old. `uri` is the full URL HubSpot posted to, with the characters
 * of HubSpot's table (%3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B) decoded
 * (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests#validate-the-v3-request-signature).
 * Requests are signed with HubSpot's own SDK (`Signature.getSignature(method, 'v3', ...)` from
 * `@hubspot/api-client`), and its verifier (`Signature.isValid`) is the oracle: it must accept every request ours
 * accepts and refuse the forgeries ours refuses. The SDK signs the URI it is given as is (it decodes nothing), so
 * the tests give it the URI as HubSpot's documentation says HubSpot signs it. The URL is the receiver's configured
 * public URL (`harness.publicUrl`) plus the query string, never the Host header. The body is an array of events
 * without one delivery id: a POST is keyed by `sha256:<hex of the body>`, typed by the first event's
 * `subscriptionType`. HubSpot defines no handshake.
 */
import { createHash, createHmac, randomInt, randomUUID } from 'node:crypto';
import { Signature } from '@hubspot/api-client';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string>; query?: Record<string, string>; signedUri: string };

const CLIENT_SECRET = randomUUID();
const OTHER_SECRET = randomUUID();
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('hubspot', { secret: CLIENT_SECRET });
});

const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

function contactEvents(count = 1, extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    Array.from({ length: count }, (_, i) => ({
      eventId: randomInt(1, 2 ** 31),
      subscriptionId: 12345,
      portalId: 62515,
      appId: 54321,
      occurredAt: Date.now(),
      subscriptionType: i === 0 ? 'contact.creation' : 'contact.propertyChange',
      attemptNumber: 0,
      objectId: 123 + i,
      changeSource: 'CRM',
      changeFlag: 'NEW',
      ...extra,
    })),
  );
}

/** HubSpot's decoding of the request URI before signing (the table in its v3 documentation). */
function hubspotSignedUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (encoded) => decodeURIComponent(encoded));
}

/**
 * A POST signed by HubSpot's SDK. `rawQuery` is the query string as HubSpot sends it (from the target URL);
 * `query` is what API Gateway hands the verifier (decoded parameters).
 */
function signed(
  body: string,
  options: { secret?: string; timestamp?: number; method?: string; rawQuery?: string; query?: Record<string, string>; uri?: string } = {},
): SignedRequest {
  const timestamp = options.timestamp ?? Date.now();
  const uri = options.uri ?? (options.rawQuery ? `${harness.publicUrl}?${options.rawQuery}` : harness.publicUrl);
  const signedUri = hubspotSignedUri(uri);
  const clientSecret = options.secret ?? CLIENT_SECRET;
  const v3 = Signature.getSignature(options.method ?? 'POST', 'v3', { signature: '', clientSecret, requestBody: body, url: signedUri, timestamp });
  const v1 = Signature.getSignature('POST', 'v1', { signature: '', clientSecret, requestBody: body });
  return {
    body,
    query: options.query,
    signedUri,
    headers: {
      'X-HubSpot-Signature-v3': v3,
      'X-HubSpot-Request-Timestamp': String(timestamp),
      'X-HubSpot-Signature-Version': 'v1',
      'X-HubSpot-Signature': v1,
    },
  };
}

/** HubSpot's own verdict on a request (the SDK throws on a missing or stale timestamp). */
function hubspotAccepts(request: SignedRequest): boolean {
  const timestamp = request.headers['X-HubSpot-Request-Timestamp'];
  try {
    return Signature.isValid({
      signatureVersion: 'v3',
      method: 'POST',
      signature: request.headers['X-HubSpot-Signature-v3'] ?? '',
      clientSecret: CLIENT_SECRET,
      requestBody: request.body.toString(),
      url: request.signedUri,
      timestamp: timestamp === undefined ? undefined : Number(timestamp),
    });
  } catch {
    return false;
  }
}

/** The documented scheme over raw bytes: base64 HMAC-SHA256 of `{method}{uri}{body}{timestamp}`. */
function signBytes(body: Buffer, uri: string, timestamp: number): string {
  return createHmac('sha256', CLIENT_SECRET).update(Buffer.concat([Buffer.from(`POST${uri}`), body, Buffer.from(String(timestamp))])).digest('base64');
}

const send = (request: SignedRequest) => harness.send({ body: request.body, headers: request.headers, query: request.query });
const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

function without(request: SignedRequest, name: string): SignedRequest {
  return { ...request, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

test('a genuine delivery is accepted and enqueued once, keyed by the hash of its body', async () => {
  // GIVEN a batch of one contact.creation event signed by HubSpot's SDK, which its verifier accepts
  const body = contactEvents();
  const request = signed(body);
  expect(hubspotAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await send(request);

  // THEN it is accepted, and exactly one envelope carries the body's hash, the first event's type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'hubspot', deliveryId: bodyHash(body), eventType: 'contact.creation', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body });
});

test('a batch of several events is one delivery, typed by its first event', async () => {
  // GIVEN three events in one signed POST
  const body = contactEvents(3);
  const request = signed(body);
  expect(hubspotAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await send(request);

  // THEN one envelope carries the whole array
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ eventType: 'contact.creation', body });
  expect(JSON.parse(messages[0].body!)).toHaveLength(3);
});

describe('forged, broken or stale requests are refused as HubSpot refuses them', () => {
  const withHeader = (request: SignedRequest, name: string, value: string): SignedRequest => ({ ...request, headers: { ...request.headers, [name]: value } });
  const minutes = (n: number) => n * 60 * 1000;
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(contactEvents());
      return { ...request, body: (request.body as string).replace('"CRM"', '"IMPORT"') };
    }, 'signature_mismatch'],
    ['a tampered signature (one base64 character changed)', () => {
      const request = signed(contactEvents());
      const signature = request.headers['X-HubSpot-Signature-v3'];
      return withHeader(request, 'X-HubSpot-Signature-v3', (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1));
    }, 'signature_mismatch'],
    ['a signature that is not base64', () => withHeader(signed(contactEvents()), 'X-HubSpot-Signature-v3', 'not*base64!'), 'signature_malformed'],
    ['a signature made with another client secret', () => signed(contactEvents(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['a signature over another method (GET)', () => signed(contactEvents(), { method: 'GET' }), 'signature_mismatch'],
    ['a signature over another URL (http:// instead of the configured https://)', () => {
      const request = signed(contactEvents(), { uri: harness.publicUrl.replace('https://', 'http://') });
      return { ...request, signedUri: harness.publicUrl };
    }, 'signature_mismatch'],
    ['a signature over a URL with a query string the request does not have', () => {
      const request = signed(contactEvents(), { rawQuery: 'portal=62515' });
      return { ...request, signedUri: harness.publicUrl };
    }, 'signature_mismatch'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(contactEvents());
      return withHeader(request, 'X-HubSpot-Request-Timestamp', String(Number(request.headers['X-HubSpot-Request-Timestamp']) - 1));
    }, 'signature_mismatch'],
    ['no X-HubSpot-Signature-v3 header (only the legacy v1 signature)', () => without(signed(contactEvents()), 'X-HubSpot-Signature-v3'), 'signature_missing'],
    ['no X-HubSpot-Request-Timestamp header', () => without(signed(contactEvents()), 'X-HubSpot-Request-Timestamp'), 'timestamp_missing'],
    ['a timestamp 6 minutes old (window 5 min)', () => signed(contactEvents(), { timestamp: Date.now() - minutes(6) }), 'timestamp_out_of_window'],
    ['a timestamp in seconds instead of milliseconds', () => signed(contactEvents(), { timestamp: Math.floor(Date.now() / 1000) }), 'timestamp_out_of_window'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request HubSpot's own verifier refuses
    const request = make();
    expect(hubspotAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, { body: request.body, headers: request.headers, query: request.query }, code);
  });

  test('a timestamp 10 minutes in the future is refused (the SDK checks only the age)', async () => {
    // GIVEN a genuine signature over a timestamp 10 minutes ahead, which HubSpot's SDK accepts since it bounds
    // only the age; HubSpot itself never sends one
    const request = signed(contactEvents(), { timestamp: Date.now() + minutes(10) });
    expect(hubspotAccepts(request)).toBe(true);

    // WHEN / THEN ours bounds both directions
    await expectRejected(harness, { body: request.body, headers: request.headers }, 'timestamp_out_of_window');
  });
});

describe('the signed URI: the configured public URL plus the query string', () => {
  test('a target URL with a plain query string verifies', async () => {
    // GIVEN a subscription whose target URL carries a query string, and a POST to it signed by HubSpot's SDK
    const body = contactEvents();
    const request = signed(body, { rawQuery: 'portal=62515&app=54321', query: { portal: '62515', app: '54321' } });
    expect(request.signedUri).toBe(`${harness.publicUrl}?portal=62515&app=54321`);
    expect(hubspotAccepts(request)).toBe(true);

    // WHEN it is delivered
    const answer = await send(request);

    // THEN it is accepted
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
    expect(await harness.messages()).toHaveLength(1);
  });

  test('percent-encoded characters of HubSpot\'s table are signed decoded, as HubSpot documents, and verify', async () => {
    // GIVEN a target URL whose query carries an encoded URL and e-mail address; HubSpot signs the URI with %3A, %2F
    // and %40 decoded
    const body = contactEvents();
    const request = signed(body, {
      rawQuery: 'return=https%3A%2F%2Fapp.hubspot.com%2Fcontacts&owner=ops%40example.com',
      query: { return: 'https://app.hubspot.com/contacts', owner: 'ops@example.com' },
    });
    expect(request.signedUri).toBe(`${harness.publicUrl}?return=https://app.hubspot.com/contacts&owner=ops@example.com`);
    expect(hubspotAccepts(request)).toBe(true);

    // WHEN it is delivered (API Gateway hands the verifier the decoded parameters)
    const answer = await send(request);

    // THEN it is accepted
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
    expect(await harness.messages()).toHaveLength(1);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const body = contactEvents(1, { propertyName: 'firstname', propertyValue: 'café ☕ 🚀 漢字' });
  const request = signed(body);
  expect(hubspotAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(body, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN the documented signature computed over raw bytes, which for a UTF-8 body equals the SDK's own (the SDK
  // signs strings only)
  const timestamp = Date.now();
  const utf8Body = contactEvents(1, { propertyValue: 'café ☕' });
  expect(signBytes(Buffer.from(utf8Body), harness.publicUrl, timestamp)).toBe(signed(utf8Body, { timestamp }).headers['X-HubSpot-Signature-v3']);
  const body = invalidUtf8Json('[{"subscriptionType":"contact.propertyChange","propertyValue":"', '"}]');

  // WHEN a body with bytes that are not UTF-8 is delivered with that signature
  const answer = await harness.send({ body, headers: { 'X-HubSpot-Signature-v3': signBytes(body, harness.publicUrl, timestamp), 'X-HubSpot-Request-Timestamp': String(timestamp) } });

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: bodyHash(body), eventType: 'contact.propertyChange', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});
