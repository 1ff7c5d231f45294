/**
 * Vercel. No npm package signs or verifies Vercel webhooks, so requests are signed as Vercel documents it
 * (https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks): `x-vercel-signature` is the hex HMAC-SHA1 of
 * the raw body, keyed with the webhook's secret (or, for an integration's webhooks, the integration's client
 * secret); no timestamp is signed. The delivery id and event type are the body's `id` and `type`. Vercel defines
 * no handshake.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SECRET = 'vercel-webhook-secret-Xb2k9QfL';
const OTHER_SECRET = 'another-vercel-webhook-secret';

let vercel: Harness;

beforeAll(async () => {
  vercel = await providerHarness('vercel', { secret: SECRET });
});

const eventId = () => randomBytes(12).toString('base64url');

function deploymentCreated(name = 'my-app', id = eventId()): { id: string; body: string } {
  const body = JSON.stringify({
    id,
    type: 'deployment.created',
    createdAt: Date.now(),
    region: 'iad1',
    payload: { team: { id: 'team_1a2b3c' }, user: { id: 'user_4d5e6f' }, deployment: { id: 'dpl_2fj3k4', url: `${name}-abc123.vercel.app`, name, meta: {} }, target: 'production', project: { id: 'prj_7g8h9i' } },
  });
  return { id, body };
}

/** Signed as Vercel documents: hex HMAC-SHA1 of the body bytes. */
function signed(body: string | Buffer, secret = SECRET): SignedRequest {
  return { body, headers: { 'x-vercel-signature': createHmac('sha1', secret).update(body).digest('hex') } };
}

function withSignature(request: SignedRequest, value: string): SignedRequest {
  return { ...request, headers: { ...request.headers, 'x-vercel-signature': value } };
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine delivery is accepted and enqueued once, keyed by the body id', async () => {
  // GIVEN a deployment.created event signed as Vercel signs it
  const event = deploymentCreated();
  const request = signed(event.body);

  // WHEN it is delivered
  const answer = await vercel.send(request);

  // THEN it is accepted, and one envelope carries the body's id and type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: event.id });
  const messages = await vercel.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'vercel', deliveryId: event.id, eventType: 'deployment.created', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body: event.body });
});

describe('forged or broken requests are refused', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(deploymentCreated('my-app').body);
      return { ...request, body: String(request.body).replace(/my-app/g, 'evil-app') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(deploymentCreated().body);
      const signature = request.headers['x-vercel-signature'];
      return withSignature(request, signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0'));
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => withSignature(signed(deploymentCreated().body), 'sha1=0123'), 'signature_malformed'],
    ['an HMAC-SHA256 of the body (Vercel signs with SHA-1)', () => {
      const request = signed(deploymentCreated().body);
      return withSignature(request, createHmac('sha256', SECRET).update(request.body).digest('hex'));
    }, 'signature_mismatch'],
    ['a signature made with another secret', () => signed(deploymentCreated().body, OTHER_SECRET), 'signature_mismatch'],
    ['no x-vercel-signature header', () => ({ body: deploymentCreated().body, headers: {} }), 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN / WHEN / THEN a 401 with the right code, nothing enqueued, nothing recorded
    await expectRejected(vercel, make(), code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(deploymentCreated('café ☕ 🚀 漢字').body);

  // WHEN it is delivered
  const answer = await vercel.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await vercel.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN bytes that are not UTF-8, signed over the raw bytes as documented
  const id = eventId();
  const body = invalidUtf8Json(`{"id":"${id}","type":"deployment.error","payload":{"name":"`, '"}}');
  const request = signed(body);

  // WHEN it is delivered
  const answer = await vercel.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await vercel.messages();
  expect(message).toMatchObject({ deliveryId: id, eventType: 'deployment.error', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

test('a redelivered event (same id) is not enqueued twice', async () => {
  // GIVEN a delivered event, not yet processed
  const event = deploymentCreated();
  expect((await vercel.send(signed(event.body))).status).toBe(200);
  expect(await vercel.messages()).toHaveLength(1);
  const records = await vercel.records();

  // WHEN Vercel delivers the same event again
  const answer = await vercel.send(signed(event.body));

  // THEN the id is still held by the first attempt: no new record, nothing enqueued
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 200, code: 'duplicate' });
  expect(await vercel.records()).toBe(records);
  expect(await vercel.messages()).toEqual([]);
});
