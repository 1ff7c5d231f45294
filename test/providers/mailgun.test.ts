/**
 * Mailgun puts its signature in the JSON body: `signature: {timestamp, token, signature}`, where signature = hex
 * HMAC-SHA256(webhook signing key, timestamp + token) (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks).
 * No npm package signs or verifies it and Mailgun publishes no vector with its key, so requests are signed as
 * documented. Only the timestamp and token are signed: the rest of the body (`event-data`) is not covered by the
 * signature, as Mailgun's documentation says. Mailgun has no handshake. The standard matrix is
 * test/support/provider-matrix.ts (the signature block in the body, a subaccount's parent-signature as its several
 * signatures); this file keeps what the signature does not cover.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Harness } from '../support/provider-harness';
import { providerMatrix, type SignedRequest } from '../support/provider-matrix';

type SignatureBlock = { timestamp?: string; token?: string; signature?: string; 'parent-signature'?: string };

const SIGNING_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const OTHER_KEY = 'key-0000000000000000000000000000000a';
const ROTATED_KEY = 'key-1bx6xnjp29jd6fds4gc373sgvjxteol9';

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

type Delivery = { signature?: SignatureBlock; 'event-data': Record<string, unknown> };
const parsed = (request: SignedRequest) => JSON.parse(String(request.body)) as Delivery;
/** The request with its signature block changed by `change`. */
function withBlock(request: SignedRequest, change: (block: SignatureBlock) => SignatureBlock | undefined): SignedRequest {
  const { signature, 'event-data': data } = parsed(request);
  const changed = change(signature!);
  return { ...request, body: JSON.stringify({ ...(changed === undefined ? {} : { signature: changed }), 'event-data': data }) };
}
/** A fresh genuine delivery. */
const genuine = () => request(signatureBlock());

const matrix = providerMatrix({
  kind: 'mailgun',
  notApplicable: {
    'tampered body': 'Mailgun signs only the signature block\'s timestamp and token, none of event-data (pinned below); a changed token or timestamp is refused',
    'handshake': 'Mailgun sends none',
  },
  secret: SIGNING_KEY,
  otherSecret: OTHER_KEY,
  rotation: { stored: ROTATED_KEY },
  bodySigned: false,
  event: (extra) => JSON.stringify({ 'event-data': eventData(extra) }),
  // A new signature block, as Mailgun signs each attempt (no package signs or verifies it: signed as documented).
  sign: (body, options) => request(signatureBlock({ key: options?.secret, timestamp: options?.at === undefined ? undefined : Math.floor(options.at.getTime() / 1000) }), parsed({ body, headers: {} })['event-data']),
  signatureIn: {
    name: 'signature.signature',
    get: (r) => parsed(r).signature!.signature!,
    set: (r, value) => withBlock(r, (block) => ({ ...block, signature: value })),
    remove: (r) => withBlock(r, ({ signature: _, ...block }) => block),
  },
  windowSeconds: 300,
  expected: (r) => ({ deliveryId: parsed(r)['event-data'].id as string, eventType: parsed(r)['event-data'].event as string }),
  // A subaccount's event: `signature` by the subaccount's key, `parent-signature` by ours (the primary account's),
  // as Mailgun documents so that one key verifies every subaccount.
  rotated: (body) => {
    const block = signatureBlock({ key: OTHER_KEY });
    return request({ ...block, 'parent-signature': sign(SIGNING_KEY, block.timestamp, block.token) }, parsed({ body, headers: {} })['event-data']);
  },
  invalidUtf8Request: () => {
    // The signature covers only timestamp and token (ASCII); event-data holds bytes that are not UTF-8.
    const bytes = Buffer.from([0xff, 0xfe, 0xc3, 0x28]);
    const prefix = Buffer.from(`{"signature":${JSON.stringify(signatureBlock())},"event-data":{"id":"bytes-1","event":"delivered","message":{"headers":{"subject":"`);
    return { request: { body: Buffer.concat([prefix, bytes, Buffer.from('"}}}}')]), headers: {} }, bytes, carried: (body) => body.subarray(prefix.length, prefix.length + bytes.length) };
  },
  invalidUtf8Expected: () => ({ deliveryId: 'bytes-1', eventType: 'delivered' }),
  refusals: [
    ['a signature that is not hex', () => withBlock(genuine(), (block) => ({ ...block, signature: 'zz'.padEnd(64, '0') })), 'signature_malformed'],
    ['a tampered token (the token is signed)', () => withBlock(genuine(), (block) => ({ ...block, token: randomBytes(25).toString('hex') })), 'signature_mismatch'],
    ['a tampered timestamp (the timestamp is signed)', () => withBlock(genuine(), (block) => ({ ...block, timestamp: String(Number(block.timestamp) - 1) })), 'signature_mismatch'],
    ['no signature block', () => request(undefined), 'signature_missing'],
    ['a signature block without its timestamp', () => withBlock(genuine(), ({ timestamp: _, ...block }) => block), 'timestamp_missing'],
  ],
});
const mailgun = (): Harness => matrix.harness();

test('event-data is not covered by the signature: a changed event-data still verifies (documented Mailgun behaviour)', async () => {
  // GIVEN a genuine signature block taken from one delivery and put on a different event-data. Mailgun signs only
  // timestamp + token, so nothing in the signature binds the event to it; its documentation asks receivers to
  // bound the timestamp (done: 5 min) and to refuse a token seen before (not done: deliveries are keyed by
  // event-data.id, so a reused token with a new event id is a new delivery).
  const block = signatureBlock();
  const original = eventData({ event: 'delivered' });
  const altered = eventData({ event: 'unsubscribed', recipient: 'mallory@example.com' });
  expect((await mailgun().send(request(block, original))).status).toBe(200);
  expect(await mailgun().messages()).toHaveLength(1);

  // WHEN the same block arrives with the altered event-data
  const answer = await mailgun().send(request(block, altered));

  // THEN it is accepted: the signature is valid for it, as it is for any body within the window
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: altered.id });
  const [message] = await mailgun().messages();
  expect(message).toMatchObject({ deliveryId: altered.id, eventType: 'unsubscribed' });
});
