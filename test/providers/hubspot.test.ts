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
 * `subscriptionType`. HubSpot defines no handshake. The standard matrix is test/support/provider-matrix.ts; this file
 * holds what is particular to HubSpot.
 */
import { createHash, createHmac, randomInt, randomUUID } from 'node:crypto';
import { Signature } from '@hubspot/api-client';
import { invalidUtf8Json } from '../support/provider-harness';
import { providerMatrix, withHeader, type SignedRequest } from '../support/provider-matrix';

/** A request with the URI HubSpot signed (the matrix's own requests have none: they were signed for PUBLIC_URL). */
type HubSpotRequest = SignedRequest & { query?: Record<string, string>; signedUri?: string };

const CLIENT_SECRET = randomUUID();
const OTHER_SECRET = randomUUID();
/** The route's configured public URL: the URL HubSpot posts to. */
const PUBLIC_URL = 'https://hooks.example.com/webhooks/hubspot';

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
): HubSpotRequest {
  const timestamp = options.timestamp ?? Date.now();
  const uri = options.uri ?? (options.rawQuery ? `${PUBLIC_URL}?${options.rawQuery}` : PUBLIC_URL);
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

/** HubSpot's own verdict on a request sent to the configured URL (the SDK throws on a missing or stale timestamp). */
function hubspotAccepts(request: HubSpotRequest): boolean {
  const timestamp = request.headers['X-HubSpot-Request-Timestamp'];
  try {
    return Signature.isValid({
      signatureVersion: 'v3',
      method: 'POST',
      signature: request.headers['X-HubSpot-Signature-v3'] ?? '',
      clientSecret: CLIENT_SECRET,
      requestBody: request.body.toString(),
      url: request.signedUri ?? PUBLIC_URL,
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

const minutes = (n: number) => n * 60 * 1000;
/** Only what API Gateway hands the verifier: the body, the headers and the query. */
const sent = (request: HubSpotRequest) => ({ body: request.body, headers: request.headers, query: request.query });

const matrix = providerMatrix({
  kind: 'hubspot',
  secret: CLIENT_SECRET,
  otherSecret: OTHER_SECRET,
  rotation: { stored: randomUUID() },
  harness: { publicUrl: PUBLIC_URL },
  event: (extra) => contactEvents(1, extra),
  sign: (body, options) => signed(body, { secret: options?.secret, timestamp: options?.at?.getTime() }),
  accepts: hubspotAccepts,
  signBytes: (body, { at }) => ({ 'X-HubSpot-Signature-v3': signBytes(body, PUBLIC_URL, at.getTime()), 'X-HubSpot-Request-Timestamp': String(at.getTime()) }),
  signatureHeader: 'X-HubSpot-Signature-v3',
  requiredHeaders: [['X-HubSpot-Request-Timestamp', 'timestamp_missing']],
  windowSeconds: 300,
  packageAcceptsFuture: 'the SDK checks only the age',
  // A POST without one delivery id: the hash of its body, typed by its first event
  expected: (request) => ({ deliveryId: bodyHash(request.body), eventType: 'contact.creation' }),
  tamper: ['"CRM"', '"IMPORT"'],
  refusals: [
    ['a signature that is not base64', () => withHeader(signed(contactEvents()), 'X-HubSpot-Signature-v3', 'not*base64!'), 'signature_malformed'],
    ['a signature over another method (GET)', () => signed(contactEvents(), { method: 'GET' }), 'signature_mismatch'],
    ['a signature over another URL (http:// instead of the configured https://)', () => ({ ...signed(contactEvents(), { uri: PUBLIC_URL.replace('https://', 'http://') }), signedUri: PUBLIC_URL }), 'signature_mismatch'],
    ['a signature over a URL with a query string the request does not have', () => ({ ...signed(contactEvents(), { rawQuery: 'portal=62515' }), signedUri: PUBLIC_URL }), 'signature_mismatch'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(contactEvents());
      return withHeader(request, 'X-HubSpot-Request-Timestamp', String(Number(request.headers['X-HubSpot-Request-Timestamp']) - 1));
    }, 'signature_mismatch'],
    ['only the legacy v1 signature, no X-HubSpot-Signature-v3', () => {
      const { 'X-HubSpot-Signature-v3': _v3, ...headers } = signed(contactEvents()).headers;
      return { body: contactEvents(), headers };
    }, 'signature_missing'],
    ['a timestamp 6 minutes old (just past the 5-minute window)', () => signed(contactEvents(), { timestamp: Date.now() - minutes(6) }), 'timestamp_out_of_window'],
    ['a timestamp in seconds instead of milliseconds', () => signed(contactEvents(), { timestamp: Math.floor(Date.now() / 1000) }), 'timestamp_out_of_window'],
  ],
  invalidUtf8Body: () => invalidUtf8Json('[{"subscriptionType":"contact.propertyChange","propertyValue":"', '"}]'),
  invalidUtf8Expected: ({ body }) => ({ deliveryId: bodyHash(body), eventType: 'contact.propertyChange' }),
});

test('a batch of several events is one delivery, typed by its first event', async () => {
  // GIVEN a POST of three events, which HubSpot's verifier accepts
  const body = contactEvents(3);
  const request = signed(body);
  expect(hubspotAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await matrix.harness().send(sent(request));

  // THEN one envelope carries the three
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
  const messages = await matrix.harness().messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ eventType: 'contact.creation', body });
  expect(JSON.parse(messages[0].body!)).toHaveLength(3);
});

describe('the signed URI: the configured public URL plus the query string', () => {
  test('a target URL with a plain query string verifies', async () => {
    const body = contactEvents();
    const request = signed(body, { rawQuery: 'portal=62515&app=54321', query: { portal: '62515', app: '54321' } });
    expect(request.signedUri).toBe(`${PUBLIC_URL}?portal=62515&app=54321`);
    expect(hubspotAccepts(request)).toBe(true);

    const answer = await matrix.harness().send(sent(request));

    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
    expect(await matrix.harness().messages()).toHaveLength(1);
  });

  test('percent-encoded characters of HubSpot\'s table are signed decoded, as HubSpot documents, and verify', async () => {
    const body = contactEvents();
    const request = signed(body, {
      rawQuery: 'return=https%3A%2F%2Fapp.hubspot.com%2Fcontacts&owner=ops%40example.com',
      query: { return: 'https://app.hubspot.com/contacts', owner: 'ops@example.com' },
    });
    expect(request.signedUri).toBe(`${PUBLIC_URL}?return=https://app.hubspot.com/contacts&owner=ops@example.com`);
    expect(hubspotAccepts(request)).toBe(true);

    const answer = await matrix.harness().send(sent(request));

    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
    expect(await matrix.harness().messages()).toHaveLength(1);
  });
});
