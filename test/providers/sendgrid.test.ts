/**
 * SendGrid (Twilio SendGrid Event Webhook) signs `{timestamp}{raw body}` with ECDSA P-256 / SHA-256; the signature
 * is base64 DER in `X-Twilio-Email-Event-Webhook-Signature`, the timestamp in `...-Timestamp`, and the verification
 * key is the base64 of the DER SubjectPublicKeyInfo (https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features).
 * `@sendgrid/eventwebhook` can only verify, so requests are signed with a P-256 key pair made here with node:crypto,
 * and `EventWebhook#verifySignature` is the oracle. The body is a JSON array of events: one POST is one delivery,
 * keyed by the hash of its body. SendGrid has no handshake.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { EventWebhook } from '@sendgrid/eventwebhook';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SIGNATURE = 'X-Twilio-Email-Event-Webhook-Signature';
const TIMESTAMP = 'X-Twilio-Email-Event-Webhook-Timestamp';

function keyPair(): { privateKey: KeyObject; verificationKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  // The verification key as SendGrid shows it: base64 of the DER SubjectPublicKeyInfo.
  return { privateKey, verificationKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
}

const ours = keyPair();
const other = keyPair();
const eventWebhook = new EventWebhook();
let sendgrid: Harness;

beforeAll(async () => {
  sendgrid = await providerHarness('sendgrid', { secret: ours.verificationKey });
});

const now = () => Math.floor(Date.now() / 1000);
let sequence = 0;

function events(reason = 'Bounced Address'): string {
  sequence += 1;
  const event = (name: string, extra: Record<string, unknown> = {}) => ({
    email: 'hello@world.com',
    timestamp: now(),
    'smtp-id': `<LRzXl_NHStOGhQ4kofSm_A-${sequence}@ismtpd0039p1iad1.sendgrid.net>`,
    event: name,
    sg_event_id: createHash('sha256').update(`${name}-${sequence}`).digest('base64url'),
    sg_message_id: `LRzXl_NHStOGhQ4kofSm_A.filterdrecv-${sequence}`,
    ...extra,
  });
  return JSON.stringify([event('processed'), event('dropped', { reason })]) + '\r\n';
}

/** Signed as SendGrid signs: ECDSA P-256 over SHA-256 of `{timestamp}{body bytes}`, DER, base64. */
function signed(body: string | Buffer, options: { privateKey?: KeyObject; timestamp?: number } = {}): SignedRequest {
  const timestamp = String(options.timestamp ?? now());
  const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), options.privateKey ?? ours.privateKey).toString('base64');
  return { body, headers: { [SIGNATURE]: signature, [TIMESTAMP]: timestamp } };
}

function without(request: SignedRequest, name: string): SignedRequest {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

/** SendGrid's own verdict. It throws on a signature it cannot parse: that is a refusal. */
function sendgridAccepts(request: SignedRequest, verificationKey = ours.verificationKey): boolean {
  try {
    const key = eventWebhook.convertPublicKeyToECDSA(verificationKey);
    return eventWebhook.verifySignature(key, request.body.toString(), request.headers[SIGNATURE] ?? '', request.headers[TIMESTAMP] ?? '');
  } catch {
    return false;
  }
}

const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;
const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine delivery is accepted and enqueued once, keyed by the hash of its body', async () => {
  // GIVEN a batch of two events signed with our key pair, which SendGrid's verifier accepts
  const request = signed(events());
  expect(sendgridAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await sendgrid.send(request);

  // THEN it is accepted, and one envelope (the whole batch) carries the body hash, the first event and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(request.body) });
  const messages = await sendgrid.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'sendgrid', deliveryId: bodyHash(request.body), eventType: 'processed', bodyEncoding: 'utf8', body: request.body });
  expect(JSON.parse(messages[0].body!)).toHaveLength(2);
});

describe('forged or broken requests are refused as SendGrid refuses them', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(events('Bounced Address'));
      return { ...request, body: String(request.body).replace('Bounced Address', 'Delivered') };
    }, 'signature_mismatch'],
    ['a tampered signature (one DER byte changed)', () => {
      const request = signed(events());
      const der = Buffer.from(request.headers[SIGNATURE], 'base64');
      der[der.length - 1] ^= 0x01;
      return { ...request, headers: { ...request.headers, [SIGNATURE]: der.toString('base64') } };
    }, 'signature_mismatch'],
    ['a signature that is not base64', () => {
      const request = signed(events());
      return { ...request, headers: { ...request.headers, [SIGNATURE]: 'not*base64!' } };
    }, 'signature_malformed'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(events());
      return { ...request, headers: { ...request.headers, [TIMESTAMP]: String(Number(request.headers[TIMESTAMP]) - 1) } };
    }, 'signature_mismatch'],
    ['a signature made with another private key', () => signed(events(), { privateKey: other.privateKey }), 'signature_mismatch'],
    ['no signature header', () => without(signed(events()), SIGNATURE), 'signature_missing'],
    ['no timestamp header', () => without(signed(events()), TIMESTAMP), 'timestamp_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request SendGrid's own verifier refuses
    const request = make();
    expect(sendgridAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(sendgrid, request, code);
  });
});

test('a timestamp 20 minutes old or ahead is refused (window 10 min), although SendGrid\'s verifier bounds no window', async () => {
  // GIVEN correctly signed requests stamped 20 minutes in the past and in the future, which SendGrid's verifier accepts
  const stale = signed(events(), { timestamp: now() - 1200 });
  const early = signed(events(), { timestamp: now() + 1200 });
  expect(sendgridAccepts(stale)).toBe(true);
  expect(sendgridAccepts(early)).toBe(true);

  // WHEN / THEN ours refuses both as replays outside the window
  await expectRejected(sendgrid, stale, 'timestamp_out_of_window');
  await expectRejected(sendgrid, early, 'timestamp_out_of_window');
});

test('a verification key other than the signer\'s refuses a genuine request', async () => {
  // GIVEN a receiver configured with another account's verification key
  const elsewhere = await providerHarness('sendgrid', { id: 'sendgrid-other-key', secret: other.verificationKey });
  const request = signed(events());
  expect(sendgridAccepts(request, other.verificationKey)).toBe(false);

  // WHEN / THEN it refuses our genuine request
  await expectRejected(elsewhere, request, 'signature_mismatch');
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed batch with accents, a symbol, an emoji and CJK characters
  const request = signed(events('café ☕ 🚀 漢字'));
  expect(sendgridAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await sendgrid.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await sendgrid.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN the signing used throughout (over bytes), which SendGrid's verifier accepts for a UTF-8 body
  // (it verifies strings only, so it cannot itself check bytes that are not UTF-8)
  expect(sendgridAccepts(signed(events('café ☕')))).toBe(true);
  const body = invalidUtf8Json('[{"event":"dropped","sg_event_id":"bytes-1","reason":"', '"}]');

  // WHEN a batch with bytes that are not UTF-8 is delivered, signed over those bytes
  const answer = await sendgrid.send(signed(body));

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await sendgrid.messages();
  expect(message).toMatchObject({ deliveryId: bodyHash(body), eventType: 'dropped', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

describe('SendGrid\'s published vector (the @sendgrid/eventwebhook test suite)', () => {
  const publicKey = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==';
  const signature = 'MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=';
  const timestamp = '1600112502';
  const body = JSON.stringify([
    {
      email: 'hello@world.com',
      event: 'dropped',
      reason: 'Bounced Address',
      sg_event_id: 'ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA',
      sg_message_id: 'LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0',
      'smtp-id': '<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>',
      timestamp: 1600112492,
    },
  ]) + '\r\n';
  const vector = { body, headers: { [SIGNATURE]: signature, [TIMESTAMP]: timestamp } };

  test('verifies when "now" is its timestamp, and not with one byte changed', async () => {
    // GIVEN a receiver with the vector's key and a window wide enough to reach back to 2020
    const atVectorTime = await providerHarness('sendgrid', { id: 'sendgrid-vector', secret: publicKey, toleranceSeconds: 20 * 365 * 24 * 3600 });
    expect(sendgridAccepts(vector, publicKey)).toBe(true);

    // WHEN / THEN the vector is accepted, and the same body without its final newline is not
    const answer = await atVectorTime.send(vector);
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
    expect((await atVectorTime.messages())[0]).toMatchObject({ eventType: 'dropped', body });
    await expectRejected(atVectorTime, { ...vector, body: body.trimEnd() }, 'signature_mismatch');
  });
});
