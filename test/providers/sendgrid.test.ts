/**
 * SendGrid (Twilio SendGrid Event Webhook) signs `{timestamp}{raw body}` with ECDSA P-256 / SHA-256; the signature
 * is base64 DER in `X-Twilio-Email-Event-Webhook-Signature`, the timestamp in `...-Timestamp`, and the verification
 * key is the base64 of the DER SubjectPublicKeyInfo (https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features).
 * `@sendgrid/eventwebhook` can only verify, so requests are signed with a P-256 key pair made here with node:crypto,
 * and `EventWebhook#verifySignature` is the oracle. The body is a JSON array of events: one POST is one delivery,
 * keyed by the hash of its body. SendGrid has no handshake. The standard matrix is test/support/provider-matrix.ts
 * (a secret is named by its verification key); this file holds what is particular to SendGrid.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { expectRejected, invalidUtf8Json, providerHarness } from '../support/provider-harness';
import { providerMatrix, withHeader, type SignedRequest } from '../support/provider-matrix';

const SIGNATURE = 'X-Twilio-Email-Event-Webhook-Signature';
const TIMESTAMP = 'X-Twilio-Email-Event-Webhook-Timestamp';

function keyPair(): { privateKey: KeyObject; verificationKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, verificationKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
}

const ours = keyPair();
const other = keyPair();
const next = keyPair();
/** The private keys, by the verification key a receiver stores: the matrix names a signing secret by what is stored. */
const PRIVATE_KEYS = new Map([ours, other, next].map((pair) => [pair.verificationKey, pair.privateKey]));
const eventWebhook = new EventWebhook();

const now = () => Math.floor(Date.now() / 1000);
let sequence = 0;

function events(extra: Record<string, unknown> = {}): string {
  sequence += 1;
  const event = (name: string, fields: Record<string, unknown> = {}) => ({
    email: 'hello@world.com',
    timestamp: now(),
    'smtp-id': `<LRzXl_NHStOGhQ4kofSm_A-${sequence}@ismtpd0039p1iad1.sendgrid.net>`,
    event: name,
    sg_event_id: createHash('sha256').update(`${name}-${sequence}`).digest('base64url'),
    sg_message_id: `LRzXl_NHStOGhQ4kofSm_A.filterdrecv-${sequence}`,
    ...fields,
  });
  return JSON.stringify([event('processed'), event('dropped', { reason: 'Bounced Address', ...extra })]) + '\r\n';
}

/** Signed as SendGrid signs: ECDSA P-256 over SHA-256 of `{timestamp}{body bytes}`, DER, base64. */
function signed(body: string | Buffer, options: { privateKey?: KeyObject; timestamp?: number } = {}): SignedRequest {
  const timestamp = String(options.timestamp ?? now());
  const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), options.privateKey ?? ours.privateKey).toString('base64');
  return { body, headers: { [SIGNATURE]: signature, [TIMESTAMP]: timestamp } };
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
const secondsOf = (at: Date | undefined) => at && Math.floor(at.getTime() / 1000);

providerMatrix({
  kind: 'sendgrid',
  secret: ours.verificationKey,
  otherSecret: other.verificationKey,
  rotation: { stored: next.verificationKey },
  auth: 'public-key',
  event: events,
  sign: (body, options) => signed(body, { privateKey: options?.secret ? PRIVATE_KEYS.get(options.secret) : undefined, timestamp: secondsOf(options?.at) }),
  accepts: (request) => sendgridAccepts(request),
  signBytes: (body, { at }) => signed(body, { timestamp: secondsOf(at) }).headers,
  randomizedSignature: true,
  signatureHeader: SIGNATURE,
  requiredHeaders: [[TIMESTAMP, 'timestamp_missing']],
  windowSeconds: 600,
  packageAcceptsStale: "SendGrid's verifier bounds no window",
  packageAcceptsFuture: "SendGrid's verifier bounds no window",
  // One POST, one delivery: the hash of its body; the event type is the first event's
  expected: (request) => ({ deliveryId: bodyHash(request.body), eventType: 'processed' }),
  tamper: ['Bounced Address', 'Delivered'],
  refusals: [
    ['a tampered signature (one DER byte changed)', () => {
      const request = signed(events());
      const der = Buffer.from(request.headers[SIGNATURE], 'base64');
      der[der.length - 1] ^= 0x01;
      return withHeader(request, SIGNATURE, der.toString('base64'));
    }, 'signature_mismatch'],
    ['a signature that is not base64', () => withHeader(signed(events()), SIGNATURE, 'not*base64!'), 'signature_malformed'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(events());
      return withHeader(request, TIMESTAMP, String(Number(request.headers[TIMESTAMP]) - 1));
    }, 'signature_mismatch'],
  ],
  invalidUtf8Body: () => invalidUtf8Json('[{"event":"dropped","sg_event_id":"bytes-1","reason":"', '"}]'),
  invalidUtf8Expected: ({ body }) => ({ deliveryId: bodyHash(body), eventType: 'dropped' }),
});

test('a verification key other than the signer\'s refuses a genuine request', async () => {
  // GIVEN a receiver holding another verification key
  const elsewhere = await providerHarness('sendgrid', { id: 'sendgrid-other-key', secret: other.verificationKey });
  const request = signed(events());
  expect(sendgridAccepts(request, other.verificationKey)).toBe(false);

  // WHEN / THEN a request signed with ours is refused there
  await expectRejected(elsewhere, request, 'signature_mismatch');
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
