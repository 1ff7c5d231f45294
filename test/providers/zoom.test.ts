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
 *
 * The standard matrix is test/support/provider-matrix.ts; this file holds what is particular to Zoom.
 */
import { createHash, createHmac } from 'node:crypto';
import { invalidUtf8Json } from '../support/provider-harness';
import { providerMatrix, withHeader, type SignedRequest } from '../support/provider-matrix';

const SECRET = 'secretValueTest';
const OTHER_SECRET = 'another-zoom-secret-token';
/** Zoom's documented url_validation request body. */
const URL_VALIDATION = '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}';
/** Elastic Beats' expected answer for it under SECRET. */
const URL_VALIDATION_ANSWER = { plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: '70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff' };

function meetingStarted(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    event: 'meeting.started',
    event_ts: Date.now(),
    payload: { account_id: 'AAAAAABBBB', object: { id: String(Math.floor(Math.random() * 1e10)), topic: 'Weekly sync', uuid: 'czLF6FFDQ3i8D2Pz3sC5Pw==', ...extra } },
  });
}

/** Signed as Zoom documents: v0= + hex HMAC-SHA256 over `v0:{ts}:{body bytes}`. */
function signed(body: string | Buffer, options: { secret?: string; at?: Date } = {}): SignedRequest {
  const timestamp = String(Math.floor((options.at ?? new Date()).getTime() / 1000));
  const content = Buffer.concat([Buffer.from(`v0:${timestamp}:`), Buffer.from(body)]);
  const signature = `v0=${createHmac('sha256', options.secret ?? SECRET).update(content).digest('hex')}`;
  return { body, headers: { 'x-zm-signature': signature, 'x-zm-request-timestamp': timestamp } };
}

const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

providerMatrix({
  kind: 'zoom',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  rotation: { stored: 'rotated-zoom-secret-token' },
  event: meetingStarted,
  sign: (body, options) => signed(body, options),
  signBytes: (body, { at }) => signed(body, { at }).headers,
  signatureHeader: 'x-zm-signature',
  requiredHeaders: [['x-zm-request-timestamp', 'timestamp_missing']],
  windowSeconds: 300,
  // No delivery id: the body's hash, which a retry (same body, a new timestamp) repeats
  expected: (request) => ({ deliveryId: bodyHash(request.body), eventType: 'meeting.started' }),
  redeliver: (request) => signed(request.body, { at: new Date(Date.now() + 1000) }),
  tamper: ['Weekly sync', 'Pay the invoice'],
  refusals: [
    ['a signature that is not hex', () => {
      const request = signed(meetingStarted());
      return withHeader(request, 'x-zm-signature', 'v0=zz' + request.headers['x-zm-signature'].slice(5));
    }, 'signature_malformed'],
    ['a signature without its v0= prefix', () => {
      const request = signed(meetingStarted());
      return withHeader(request, 'x-zm-signature', request.headers['x-zm-signature'].slice(3));
    }, 'signature_malformed'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(meetingStarted());
      return withHeader(request, 'x-zm-request-timestamp', String(Number(request.headers['x-zm-request-timestamp']) - 1));
    }, 'signature_mismatch'],
    // Answering an unsigned url_validation would hand out HMACs under the secret token to anyone
    ['an unsigned url_validation (its plainToken a forged signed content)', () => {
      const timestamp = now();
      const body = JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken: `v0:${timestamp}:${meetingStarted()}` } });
      return { body, headers: { 'x-zm-request-timestamp': String(timestamp) } };
    }, 'signature_missing'],
    ['a url_validation signed with another secret token', () => signed(JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken: 'abc' } }), { secret: OTHER_SECRET }), 'signature_mismatch'],
  ],
  handshake: {
    name: 'endpoint.url_validation',
    request: () => signed(URL_VALIDATION),
    // {plainToken, encryptedToken} as JSON, with encryptedToken = hex HMAC-SHA256(secret token, plainToken)
    expectAnswer: (answer) => {
      expect(answer.status).toBe(200);
      expect(answer.headers['Content-Type']).toBe('application/json');
      expect(JSON.parse(answer.text)).toEqual(URL_VALIDATION_ANSWER);
      expect(Object.keys(answer.body)).toEqual(['plainToken', 'encryptedToken']);
    },
  },
  invalidUtf8Body: () => invalidUtf8Json('{"event":"meeting.started","payload":{"object":{"topic":"', '"}}}'),
  invalidUtf8Expected: ({ body }) => ({ deliveryId: bodyHash(body), eventType: 'meeting.started' }),
});
