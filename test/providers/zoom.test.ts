/**
 * Zoom. No npm package signs or verifies Zoom webhooks, so requests are signed as Zoom documents it
 * (https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events): `x-zm-signature: v0=` + hex
 * HMAC-SHA256(secret token, `v0:{x-zm-request-timestamp}:{raw body}`). Zoom defines no delivery id, so a delivery
 * is keyed by the hash of its body.
 *
 * The `endpoint.url_validation` handshake (https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint)
 * must answer `{plainToken, encryptedToken}` with encryptedToken = hex HMAC-SHA256(secret token, plainToken). Zoom's
 * own example there (plainToken `qgg8vlvZRS6UYooatFL8Aw`) does not state the secret token it used, so it cannot be
 * recomputed; the expected answer below is the one Elastic Beats checks for the same request with the secret token
 * `secretValueTest` (elastic/beats, x-pack/filebeat/input/http_endpoint/handler_test.go, "validate_CRC_request").
 */
import { createHash, createHmac } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SECRET = 'secretValueTest';
const OTHER_SECRET = 'another-zoom-secret-token';
/** Zoom's documented url_validation request body. */
const URL_VALIDATION = '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}';
/** Elastic Beats' expected answer for it under SECRET. */
const URL_VALIDATION_ANSWER = { plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: '70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff' };

let zoom: Harness;

beforeAll(async () => {
  zoom = await providerHarness('zoom', { secret: SECRET });
});

function meetingStarted(topic = 'Weekly sync'): string {
  return JSON.stringify({
    event: 'meeting.started',
    event_ts: Date.now(),
    payload: { account_id: 'AAAAAABBBB', object: { id: String(Math.floor(Math.random() * 1e10)), topic, uuid: 'czLF6FFDQ3i8D2Pz3sC5Pw==' } },
  });
}

/** Signed as Zoom documents: v0= + hex HMAC-SHA256 over `v0:{ts}:{body bytes}`. */
function signed(body: string | Buffer, options: { secret?: string; timestamp?: number } = {}): SignedRequest {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const content = Buffer.concat([Buffer.from(`v0:${timestamp}:`), Buffer.from(body)]);
  const signature = `v0=${createHmac('sha256', options.secret ?? SECRET).update(content).digest('hex')}`;
  return { body, headers: { 'x-zm-signature': signature, 'x-zm-request-timestamp': timestamp } };
}

function without(request: SignedRequest, name: string): SignedRequest {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;
const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');
const now = () => Math.floor(Date.now() / 1000);

test('a genuine delivery is accepted and enqueued once, keyed by the hash of its body', async () => {
  // GIVEN a meeting.started event signed as Zoom signs it
  const request = signed(meetingStarted());

  // WHEN it is delivered
  const answer = await zoom.send(request);

  // THEN it is accepted, and one envelope carries the body hash as id, the body's event and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(request.body) });
  const messages = await zoom.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'zoom', deliveryId: bodyHash(request.body), eventType: 'meeting.started', bodyEncoding: 'utf8', body: request.body });
});

describe('forged or broken requests are refused', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(meetingStarted('Weekly sync'));
      return { ...request, body: String(request.body).replace('Weekly sync', 'Pay the invoice') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(meetingStarted());
      const signature = request.headers['x-zm-signature'];
      return { ...request, headers: { ...request.headers, 'x-zm-signature': signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0') } };
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => {
      const request = signed(meetingStarted());
      return { ...request, headers: { ...request.headers, 'x-zm-signature': 'v0=zz' + request.headers['x-zm-signature'].slice(5) } };
    }, 'signature_malformed'],
    ['a signature without its v0= prefix', () => {
      const request = signed(meetingStarted());
      return { ...request, headers: { ...request.headers, 'x-zm-signature': request.headers['x-zm-signature'].slice(3) } };
    }, 'signature_malformed'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(meetingStarted());
      return { ...request, headers: { ...request.headers, 'x-zm-request-timestamp': String(Number(request.headers['x-zm-request-timestamp']) - 1) } };
    }, 'signature_mismatch'],
    ['a signature made with another secret token', () => signed(meetingStarted(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no x-zm-signature header', () => without(signed(meetingStarted()), 'x-zm-signature'), 'signature_missing'],
    ['a timestamp 10 minutes old (window 5 min)', () => signed(meetingStarted(), { timestamp: now() - 600 }), 'timestamp_out_of_window'],
    ['a timestamp 10 minutes ahead (window 5 min)', () => signed(meetingStarted(), { timestamp: now() + 600 }), 'timestamp_out_of_window'],
    ['no x-zm-request-timestamp header', () => without(signed(meetingStarted()), 'x-zm-request-timestamp'), 'timestamp_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN / WHEN / THEN a 401 with the right code, nothing enqueued, nothing recorded
    await expectRejected(zoom, make(), code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(meetingStarted('café ☕ 🚀 漢字'));

  // WHEN it is delivered
  const answer = await zoom.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await zoom.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN bytes that are not UTF-8, signed over the raw bytes as documented
  const body = invalidUtf8Json('{"event":"meeting.started","payload":{"object":{"topic":"', '"}}}');
  const request = signed(body);

  // WHEN it is delivered
  const answer = await zoom.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await zoom.messages();
  expect(message).toMatchObject({ deliveryId: bodyHash(body), eventType: 'meeting.started', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

describe('the endpoint.url_validation handshake', () => {
  test('is answered with {plainToken, encryptedToken} as JSON, and neither enqueued nor recorded', async () => {
    // GIVEN Zoom's documented validation request, signed like every Zoom request
    const before = await zoom.records();

    // WHEN it is delivered
    const answer = await zoom.send(signed(URL_VALIDATION));

    // THEN the answer is 200 JSON with the plain token and its HMAC, exactly
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(answer.text)).toEqual(URL_VALIDATION_ANSWER);
    expect(Object.keys(answer.body)).toEqual(['plainToken', 'encryptedToken']);
    expect(await zoom.messages()).toEqual([]);
    expect(await zoom.records()).toBe(before);
  });

  test('is refused when unsigned: answering it would hand out HMACs under the secret token to anyone', async () => {
    // GIVEN a validation request with no signature, whose plainToken is the content of a forged event's signature
    const forged = meetingStarted();
    const timestamp = now();
    const body = JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken: `v0:${timestamp}:${forged}` } });

    // WHEN / THEN it is refused, so the answer cannot be used to sign the forged event
    await expectRejected(zoom, { body, headers: { 'x-zm-request-timestamp': String(timestamp) } }, 'signature_missing');
    await expectRejected(zoom, signed(body, { secret: OTHER_SECRET }), 'signature_mismatch');
  });
});

test('a retried delivery (same body, new timestamp) has the same key, so it is not enqueued twice', async () => {
  // GIVEN a delivered event, not yet processed
  const body = meetingStarted();
  expect((await zoom.send(signed(body))).status).toBe(200);
  expect(await zoom.messages()).toHaveLength(1);
  const records = await zoom.records();

  // WHEN Zoom sends the same body again a second later
  const answer = await zoom.send(signed(body, { timestamp: now() + 1 }));

  // THEN it hits the same body-hash key (still held by the first attempt): no new record, nothing enqueued
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 200, code: 'duplicate' });
  expect(await zoom.records()).toBe(records);
  expect(await zoom.messages()).toEqual([]);
});
