/**
 * Intercom. No npm package signs or verifies Intercom webhooks, and Intercom's example signed request
 * (`sha1=21ff2e14...`) does not state its secret, so requests are signed as Intercom documents it
 * (https://developers.intercom.com/intercom-api-reference/v1.0/reference/signed-notifications):
 * `X-Hub-Signature: sha1=` + the hex HMAC-SHA1 of the raw body, keyed with the app's client secret.
 * The `ping` topic, sent when a subscription is saved, is a handshake: answered 200 and never enqueued.
 * Intercom signs no timestamp.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const CLIENT_SECRET = '5e7d1b0c-3f9a-4c2e-8b6d-a1f0e9d8c7b6';
const OTHER_SECRET = 'not-the-client-secret';
let intercom: Harness;

beforeAll(async () => {
  intercom = await providerHarness('intercom', { secret: CLIENT_SECRET });
});

let sequence = 0;
function conversationCreated(body = 'Hello, I need help'): string {
  sequence += 1;
  return JSON.stringify({
    type: 'notification_event',
    app_id: 'a86dr8yl',
    id: `notif_78c122d0-23ba-11e4-9464-${String(sequence).padStart(12, '0')}`,
    topic: 'conversation.user.created',
    data: { type: 'notification_event_data', item: { type: 'conversation', id: '147', source: { body } } },
    delivery_attempts: 1,
    created_at: Math.floor(Date.now() / 1000),
  });
}

/** Signed as Intercom documents: sha1= + hex HMAC-SHA1 of the body bytes with the client secret. */
function signed(body: string | Buffer, options: { secret?: string } = {}): SignedRequest {
  return { body, headers: { 'X-Hub-Signature': `sha1=${createHmac('sha1', options.secret ?? CLIENT_SECRET).update(body).digest('hex')}` } };
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');
const idOf = (body: string) => JSON.parse(body).id as string;

test('a genuine delivery is accepted and enqueued once, keyed by the notification id', async () => {
  // GIVEN a conversation.user.created notification signed as Intercom signs it
  const body = conversationCreated();
  const request = signed(body);

  // WHEN it is delivered
  const answer = await intercom.send(request);

  // THEN it is accepted, and one envelope carries the body's id and topic and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: idOf(body) });
  const messages = await intercom.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'intercom', deliveryId: idOf(body), eventType: 'conversation.user.created', bodyEncoding: 'utf8', body });
});

describe('forged or broken requests are refused', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(conversationCreated('Hello, I need help'));
      return { ...request, body: String(request.body).replace('I need help', 'refund me now') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(conversationCreated());
      const signature = request.headers['X-Hub-Signature'];
      return { ...request, headers: { 'X-Hub-Signature': signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0') } };
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => {
      const request = signed(conversationCreated());
      return { ...request, headers: { 'X-Hub-Signature': 'sha1=zz' + request.headers['X-Hub-Signature'].slice(7) } };
    }, 'signature_malformed'],
    ['a signature without its sha1= prefix', () => {
      const request = signed(conversationCreated());
      return { ...request, headers: { 'X-Hub-Signature': request.headers['X-Hub-Signature'].slice('sha1='.length) } };
    }, 'signature_malformed'],
    ['an HMAC-SHA256 under a sha1= prefix', () => {
      const body = conversationCreated();
      return { body, headers: { 'X-Hub-Signature': `sha1=${createHmac('sha256', CLIENT_SECRET).update(body).digest('hex')}` } };
    }, 'signature_mismatch'],
    ['a signature made with another secret', () => signed(conversationCreated(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no X-Hub-Signature header', () => ({ body: conversationCreated(), headers: {} }), 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN / WHEN / THEN a 401 with the right code, nothing enqueued, nothing recorded
    await expectRejected(intercom, make(), code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(conversationCreated('café ☕ 🚀 漢字'));

  // WHEN it is delivered
  const answer = await intercom.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await intercom.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN bytes that are not UTF-8, signed over the raw bytes as documented
  const body = invalidUtf8Json('{"type":"notification_event","id":"notif_bytes","topic":"conversation.user.created","data":{"body":"', '"}}');

  // WHEN it is delivered
  const answer = await intercom.send(signed(body));

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await intercom.messages();
  expect(message).toMatchObject({ deliveryId: 'notif_bytes', eventType: 'conversation.user.created', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

describe('the ping handshake', () => {
  // Intercom's ping notification, sent when a webhook subscription is saved; its id is null. Shape as captured
  // from Intercom in Zulip's fixture (zulip/zulip, zerver/webhooks/intercom/fixtures/ping.json).
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

  test('is answered 200 as a handshake, and neither enqueued nor recorded', async () => {
    // GIVEN a signed ping
    const before = await intercom.records();

    // WHEN it is delivered
    const answer = await intercom.send(signed(ping));

    // THEN it is acknowledged with 200 and the code 'handshake', keyed by the body hash (the ping has no id)
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toBe('application/json');
    expect(answer.body).toEqual({ ok: true, code: 'handshake', deliveryId: `sha256:${createHash('sha256').update(ping).digest('hex')}` });
    expect(await intercom.messages()).toEqual([]);
    expect(await intercom.records()).toBe(before);
  });

  test('is refused when unsigned or signed with another secret', async () => {
    await expectRejected(intercom, { body: ping, headers: {} }, 'signature_missing');
    await expectRejected(intercom, signed(ping, { secret: OTHER_SECRET }), 'signature_mismatch');
  });
});
