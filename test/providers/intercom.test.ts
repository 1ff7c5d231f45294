/**
 * Intercom. No npm package signs or verifies Intercom webhooks, and Intercom's example signed request
 * (`sha1=21ff2e14...`) does not state its secret, so requests are signed as Intercom documents it
 * (https://developers.intercom.com/intercom-api-reference/v1.0/reference/signed-notifications):
 * `X-Hub-Signature: sha1=` + the hex HMAC-SHA1 of the raw body, keyed with the app's client secret.
 * The `ping` topic, sent when a subscription is saved, is a handshake: answered 200 and never enqueued.
 * Intercom signs no timestamp. The standard matrix is test/support/provider-matrix.ts; this file holds what is
 * particular to Intercom.
 */
import { createHash, createHmac } from 'node:crypto';
import { invalidUtf8Json } from '../support/provider-harness';
import { noWindow, providerMatrix, withHeader, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const CLIENT_SECRET = '5e7d1b0c-3f9a-4c2e-8b6d-a1f0e9d8c7b6';
const OTHER_SECRET = 'not-the-client-secret';

let sequence = 0;
function conversationCreated(extra: Record<string, unknown> = {}): string {
  sequence += 1;
  return JSON.stringify({
    type: 'notification_event',
    app_id: 'a86dr8yl',
    id: `notif_78c122d0-23ba-11e4-9464-${String(sequence).padStart(12, '0')}`,
    topic: 'conversation.user.created',
    data: { type: 'notification_event_data', item: { type: 'conversation', id: '147', source: { body: 'Hello, I need help', ...extra } } },
    delivery_attempts: 1,
    created_at: Math.floor(Date.now() / 1000),
  });
}

/** Signed as Intercom documents: sha1= + hex HMAC-SHA1 of the body bytes with the client secret. */
function signed(body: string | Buffer, options: { secret?: string } = {}): SignedRequest {
  return { body, headers: { 'X-Hub-Signature': `sha1=${createHmac('sha1', options.secret ?? CLIENT_SECRET).update(body).digest('hex')}` } };
}

const ping = JSON.stringify({
  type: 'notification_event',
  app_id: 'i6wc9ipe',
  data: { type: 'notification_event_data', item: { type: 'ping', message: 'something something interzen' } },
  links: {},
  id: null,
  topic: 'ping',
  delivery_status: null,
  delivery_attempts: 1,
  delivered_at: 0,
  first_sent_at: 1553288147,
  created_at: 1553288147,
  self: null,
});

const description: ProviderDescription = {
  kind: 'intercom',
  notApplicable: noWindow('no timestamp is signed'),
  secret: CLIENT_SECRET,
  otherSecret: OTHER_SECRET,
  event: conversationCreated,
  sign: (body, options) => signed(body, options),
  signBytes: (body) => signed(body).headers,
  signatureHeader: 'X-Hub-Signature',
  expected: (request) => ({ deliveryId: JSON.parse(String(request.body)).id, eventType: 'conversation.user.created' }),
  tamper: ['I need help', 'refund me now'],
  // A retry is the same notification with its delivery_attempts counted up: a body of other bytes, the same id
  redeliver: (request) => signed(String(request.body).replace('"delivery_attempts":1', '"delivery_attempts":2')),
  refusals: [
    ['a signature that is not hex', () => {
      const request = signed(conversationCreated());
      return withHeader(request, 'X-Hub-Signature', 'sha1=zz' + request.headers['X-Hub-Signature'].slice(7));
    }, 'signature_malformed'],
    ['a signature without its sha1= prefix', () => {
      const request = signed(conversationCreated());
      return withHeader(request, 'X-Hub-Signature', request.headers['X-Hub-Signature'].slice('sha1='.length));
    }, 'signature_malformed'],
    ['an HMAC-SHA256 under a sha1= prefix', () => {
      const body = conversationCreated();
      return { body, headers: { 'X-Hub-Signature': `sha1=${createHmac('sha256', CLIENT_SECRET).update(body).digest('hex')}` } };
    }, 'signature_mismatch'],
    ['an unsigned ping', () => ({ body: ping, headers: {} }), 'signature_missing'],
    ['a ping signed with another secret', () => signed(ping, { secret: OTHER_SECRET }), 'signature_mismatch'],
  ],
  handshake: {
    name: 'the ping topic, sent when a subscription is saved',
    request: () => signed(ping),
    expectAnswer: (answer) => {
      expect(answer.status).toBe(200);
      expect(answer.headers['Content-Type']).toBe('application/json');
      expect(answer.body).toEqual({ ok: true, code: 'handshake', deliveryId: `sha256:${createHash('sha256').update(ping).digest('hex')}` });
    },
  },
  invalidUtf8Body: () => invalidUtf8Json('{"type":"notification_event","id":"notif_bytes","topic":"conversation.user.created","data":{"body":"', '"}}'),
  invalidUtf8Expected: () => ({ deliveryId: 'notif_bytes', eventType: 'conversation.user.created' }),
};

providerMatrix(description);
rotationTest(description, { stored: 'rotated-intercom-client-secret' });
