/**
 * Telnyx (API v2 webhooks): `telnyx-signature-ed25519: <base64>`, an Ed25519 signature over `{timestamp}|{raw body}`
 * with `telnyx-timestamp` in seconds, a 5-minute window both ways; the secret is the account's public key from
 * Mission Control (base64 of the raw 32 bytes). Telnyx signs with its private key, so requests are signed here with
 * a test key pair by `node:crypto` exactly as documented, and the `telnyx` package's `TelnyxWebhook(publicKey).verify`
 * is the oracle. The delivery id is the body's `data.id`, the event type `data.event_type`, the event time
 * `data.occurred_at`.
 */
import { generateKeyPairSync, randomUUID, sign as ed25519Sign, type KeyObject } from 'node:crypto';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import { expectRejected, providerHarness } from '../support/provider-harness';
import { providerMatrix, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

/** Test key pairs, by the base64 raw public key that is stored as the secret. */
const privateKeys = new Map<string, KeyObject>();
function keyPair(): string {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
  privateKeys.set(raw, privateKey);
  return raw;
}
const PUBLIC_KEY = keyPair();
const OTHER_PUBLIC_KEY = keyPair();

function callInitiated(extra: Record<string, unknown> = {}, id: string = randomUUID()): string {
  return JSON.stringify({
    data: {
      record_type: 'event',
      event_type: 'call.initiated',
      id,
      occurred_at: '2026-01-01T12:00:00.000000Z',
      payload: { call_control_id: 'v3:abc', direction: 'incoming', from: '+15550001111', duration: 4200, ...extra },
    },
    meta: { attempt: 1, delivered_to: 'https://hooks.example.com/webhooks/telnyx' },
  });
}

/** Telnyx's headers as documented, signed with the private key of `secret` (a public key). */
function sign(body: string | Buffer, { secret = PUBLIC_KEY, at = new Date() }: { secret?: string; at?: Date } = {}): SignedRequest {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = ed25519Sign(null, Buffer.concat([Buffer.from(`${timestamp}|`), Buffer.from(body)]), privateKeys.get(secret)!);
  return { body, headers: { 'telnyx-signature-ed25519': signature.toString('base64'), 'telnyx-timestamp': timestamp } };
}

/** The telnyx package's verdict on a request. */
async function telnyxAccepts(request: SignedRequest, publicKey = PUBLIC_KEY): Promise<boolean> {
  try {
    await new TelnyxWebhook(publicKey).verify(String(request.body), request.headers);
    return true;
  } catch {
    return false;
  }
}

const description: ProviderDescription = {
  kind: 'telnyx',
  secret: PUBLIC_KEY,
  otherSecret: OTHER_PUBLIC_KEY,
  auth: 'public-key',
  event: callInitiated,
  sign: (body, options) => sign(body, options),
  accepts: (request) => telnyxAccepts(request),
  signBytes: (body, { at }) => sign(body, { at }).headers,
  signatureHeader: 'telnyx-signature-ed25519',
  requiredHeaders: [['telnyx-timestamp', 'timestamp_missing']],
  windowSeconds: 300,
  expected: (request) => ({ deliveryId: JSON.parse(String(request.body)).data.id, eventType: 'call.initiated' }),
  tamper: ['4200', '4201'],
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: keyPair() });

test('a retry (meta.attempt 2, the same data.id) is a duplicate; occurred_at is the event time', async () => {
  const id = randomUUID();
  const first = sign(callInitiated({}, id));
  const retry = sign(String(first.body).replace('"attempt":1', '"attempt":2'));
  expect([await telnyxAccepts(first), await telnyxAccepts(retry)]).toEqual([true, true]);

  const answers = [(await matrix.harness().send(first)).body, (await matrix.harness().send(retry)).body];

  expect(answers.map((answer) => [answer.code, answer.deliveryId])).toEqual([['accepted', id], ['duplicate', id]]);
  expect(await matrix.harness().messages()).toEqual([expect.objectContaining({ auth: 'public-key', eventTime: '2026-01-01T12:00:00.000Z' })]);
});

test('a tampered timestamp (it is signed) is refused, as Telnyx refuses it', async () => {
  const request = sign(callInitiated());
  const tampered = { ...request, headers: { ...request.headers, 'telnyx-timestamp': String(Number(request.headers['telnyx-timestamp']) - 1) } };
  expect(await telnyxAccepts(tampered)).toBe(false);
  await expectRejected(matrix.harness(), tampered, 'signature_mismatch');
});

test('a public key stored as base64 DER (SPKI) verifies the same as the raw 32 bytes', async () => {
  // GIVEN the same public key in its DER SubjectPublicKeyInfo form (what a PEM holds)
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(PUBLIC_KEY, 'base64')]).toString('base64');
  const receiver = await providerHarness('telnyx', { secret: der, id: 'telnyx-der-key' });
  const request = sign(callInitiated());
  expect(await telnyxAccepts(request)).toBe(true);

  // WHEN / THEN it is accepted
  expect((await receiver.send(request)).body).toMatchObject({ ok: true, code: 'accepted' });
});
