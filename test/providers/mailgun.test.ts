/**
 * Mailgun puts its signature in the JSON body: `signature: {timestamp, token, signature}`, where signature = hex
 * HMAC-SHA256(webhook signing key, timestamp + token) (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks).
 * No npm package signs or verifies it and Mailgun publishes no vector with its key, so requests are signed as
 * documented. Only the timestamp and token are signed: the rest of the body (`event-data`) is not covered by the
 * signature, as Mailgun's documentation says. Mailgun has no handshake.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };
type SignatureBlock = { timestamp?: string; token?: string; signature?: string; 'parent-signature'?: string };

const SIGNING_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const OTHER_KEY = 'key-0000000000000000000000000000000a';
let mailgun: Harness;

beforeAll(async () => {
  mailgun = await providerHarness('mailgun', { secret: SIGNING_KEY });
});

const now = () => Math.floor(Date.now() / 1000);
const sign = (key: string, timestamp: string, token: string) => createHmac('sha256', key).update(timestamp + token).digest('hex');

/** A signature block as Mailgun documents it: a 50-character token, the time, and the HMAC of both. */
function signatureBlock(options: { key?: string; timestamp?: number } = {}): Required<Omit<SignatureBlock, 'parent-signature'>> {
  const timestamp = String(options.timestamp ?? now());
  const token = randomBytes(25).toString('hex');
  return { timestamp, token, signature: sign(options.key ?? SIGNING_KEY, timestamp, token) };
}

function eventData(extra: Record<string, unknown> = {}) {
  return {
    id: randomUUID().replace(/-/g, '').slice(0, 22),
    event: 'delivered',
    timestamp: Date.now() / 1000,
    recipient: 'alice@example.com',
    message: { headers: { 'message-id': '20130503182626.18666.16540@sandbox.mailgun.org', subject: 'Your receipt' } },
    ...extra,
  };
}

function request(signature: SignatureBlock | undefined, data: Record<string, unknown> = eventData()): SignedRequest {
  return { body: JSON.stringify(signature === undefined ? { 'event-data': data } : { signature, 'event-data': data }), headers: {} };
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine delivery is accepted and enqueued once, keyed by event-data.id', async () => {
  // GIVEN a delivered event with a signature block made with the signing key
  const data = eventData();
  const genuine = request(signatureBlock(), data);

  // WHEN it is delivered
  const answer = await mailgun.send(genuine);

  // THEN it is accepted, and one envelope carries event-data.id and event-data.event and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: data.id });
  const messages = await mailgun.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'mailgun', deliveryId: data.id, eventType: 'delivered', bodyEncoding: 'utf8', body: genuine.body });
});

describe('forged or broken signature blocks are refused', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered signature (one hex digit changed)', () => {
      const block = signatureBlock();
      return request({ ...block, signature: block.signature.slice(0, -1) + (block.signature.endsWith('0') ? '1' : '0') });
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => request({ ...signatureBlock(), signature: 'zz'.padEnd(64, '0') }), 'signature_malformed'],
    ['a tampered token (the token is signed)', () => request({ ...signatureBlock(), token: randomBytes(25).toString('hex') }), 'signature_mismatch'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const block = signatureBlock();
      return request({ ...block, timestamp: String(Number(block.timestamp) - 1) });
    }, 'signature_mismatch'],
    ['a signature made with another signing key', () => request(signatureBlock({ key: OTHER_KEY })), 'signature_mismatch'],
    ['no signature block', () => request(undefined), 'signature_missing'],
    ['a signature block without its signature', () => {
      const { signature: _, ...block } = signatureBlock();
      return request(block);
    }, 'signature_missing'],
    ['a timestamp 10 minutes old (window 5 min)', () => request(signatureBlock({ timestamp: now() - 600 })), 'timestamp_out_of_window'],
    ['a timestamp 10 minutes ahead (window 5 min)', () => request(signatureBlock({ timestamp: now() + 600 })), 'timestamp_out_of_window'],
    ['a signature block without its timestamp', () => {
      const { timestamp: _, ...block } = signatureBlock();
      return request(block);
    }, 'timestamp_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN / WHEN / THEN a 401 with the right code, nothing enqueued, nothing recorded
    await expectRejected(mailgun, make(), code);
  });
});

test('event-data is not covered by the signature: a changed event-data still verifies (documented Mailgun behaviour)', async () => {
  // GIVEN a genuine signature block taken from one delivery and put on a different event-data. Mailgun signs only
  // timestamp + token, so nothing in the signature binds the event to it; its documentation asks receivers to
  // bound the timestamp (done: 5 min) and to refuse a token seen before (not done: deliveries are keyed by
  // event-data.id, so a reused token with a new event id is a new delivery).
  const block = signatureBlock();
  const original = eventData({ event: 'delivered' });
  const altered = eventData({ event: 'unsubscribed', recipient: 'mallory@example.com' });
  expect((await mailgun.send(request(block, original))).status).toBe(200);
  expect(await mailgun.messages()).toHaveLength(1);

  // WHEN the same block arrives with the altered event-data
  const answer = await mailgun.send(request(block, altered));

  // THEN it is accepted: the signature is valid for it, as it is for any body within the window
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: altered.id });
  const [message] = await mailgun.messages();
  expect(message).toMatchObject({ deliveryId: altered.id, eventType: 'unsubscribed' });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed delivery whose event-data has accents, a symbol, an emoji and CJK characters
  const signed = request(signatureBlock(), eventData({ message: { headers: { subject: 'café ☕ 🚀 漢字' } } }));

  // WHEN it is delivered
  const answer = await mailgun.send(signed);

  // THEN the envelope holds exactly the bytes received
  expect(answer.status).toBe(200);
  const [message] = await mailgun.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(signed.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies and arrives base64-encoded, byte-identical', async () => {
  // GIVEN a signed delivery whose event-data holds bytes that are not UTF-8 (the signature covers only timestamp
  // and token, which are ASCII)
  const block = signatureBlock();
  const body = invalidUtf8Json(
    `{"signature":${JSON.stringify(block)},"event-data":{"id":"bytes-1","event":"delivered","message":{"headers":{"subject":"`,
    '"}}}}',
  );

  // WHEN it is delivered
  const answer = await mailgun.send({ body, headers: {} });

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await mailgun.messages();
  expect(message).toMatchObject({ deliveryId: 'bytes-1', eventType: 'delivered', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

test('a subaccount event verifies by its parent-signature, made with the primary account key', async () => {
  // GIVEN an event of a subaccount: `signature` made with the subaccount's key, `parent-signature` with ours
  // (the primary account's), as Mailgun documents so that one key verifies every subaccount
  const block = signatureBlock({ key: OTHER_KEY });
  const data = eventData();
  const subaccountEvent = request({ ...block, 'parent-signature': sign(SIGNING_KEY, block.timestamp, block.token) }, data);

  // WHEN it is delivered
  const answer = await mailgun.send(subaccountEvent);

  // THEN it is accepted
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: data.id });
  expect(await mailgun.messages()).toHaveLength(1);
});
