/**
 * Polar: Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`), the base64
 * HMAC-SHA256 of `{id}.{timestamp}.{raw body}`, a 5-minute window both ways. The key quirk: Polar's secrets are not
 * base64 (`polar_whs_...`), and `@polar-sh/sdk`'s `validateEvent` keys with the secret's UTF-8 text first and, where
 * the secret (after an optional `whsec_`) is base64, with its decoding second. Requests are signed with the
 * Standard Webhooks reference library (`standardwebhooks`, given the base64 of the key it should use), and
 * `@polar-sh/sdk/2027-01`'s `webhooks.validateEvent` is the oracle. The delivery id is `webhook-id`, the event type
 * the body's `type`.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { webhooks } from '@polar-sh/sdk/2027-01';
import { Webhook } from 'standardwebhooks';
import { expectRejected, providerHarness } from '../support/provider-harness';
import { providerMatrix, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

// Polar's own format: not base64 ('_' is outside the alphabet), so its text is the only key.
const polarSecret = () => `polar_whs_${randomBytes(24).toString('base64url')}_`;
const SECRET = polarSecret();
const OTHER_SECRET = polarSecret();

function orderCreated(extra: Record<string, unknown> = {}, type = 'order.created'): string {
  return JSON.stringify({ type, timestamp: '2026-01-01T12:00:00Z', data: { id: randomUUID(), amount: 4200, currency: 'usd', ...extra } });
}

/** Standard Webhooks' signer, keyed with exactly `key`'s bytes. */
const signatureWith = (key: Buffer, id: string, at: Date, body: string) => new Webhook(key.toString('base64')).sign(id, at, body);

function headers(id: string, at: Date, signature: string): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}

/** A delivery keyed with the secret's text, as Polar signs with its secrets. */
function sign(body: string, { secret = SECRET, at = new Date(), id = `msg_${randomUUID()}` }: { secret?: string; at?: Date; id?: string } = {}): SignedRequest {
  return { body, headers: headers(id, at, signatureWith(Buffer.from(secret, 'utf8'), id, at, body)) };
}

/** Polar's verdict on a request. */
async function polarAccepts(request: SignedRequest, secret = SECRET): Promise<boolean> {
  try {
    await webhooks.validateEvent(String(request.body), request.headers, secret);
    return true;
  } catch {
    return false;
  }
}

const description: ProviderDescription = {
  kind: 'polar',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: orderCreated,
  sign,
  accepts: polarAccepts,
  signBytes: (body, { id, at }) => {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    return headers(id, at, `v1,${createHmac('sha256', SECRET).update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body])).digest('base64')}`);
  },
  signatureHeader: 'webhook-signature',
  // The id is signed: without it the signature cannot match.
  requiredHeaders: [['webhook-id', 'signature_mismatch'], ['webhook-timestamp', 'timestamp_missing']],
  windowSeconds: 300,
  expected: (request) => ({ deliveryId: request.headers['webhook-id'], eventType: 'order.created' }),
  tamper: ['4200', '4201'],
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: polarSecret() });

describe('the key quirk: the secret\'s text, or its base64 decoding', () => {
  const base64Secret = `whsec_${randomBytes(32).toString('base64')}`;

  test('a whsec_ secret: a signature keyed with its base64 decoding is accepted, as Polar accepts it', async () => {
    // GIVEN a receiver holding a whsec_ secret, and a delivery signed the Standard Webhooks way (decoded key)
    const receiver = await providerHarness('polar', { secret: base64Secret, id: 'polar-whsec-decoded' });
    const id = `msg_${randomUUID()}`;
    const at = new Date();
    const body = orderCreated();
    const request = { body, headers: headers(id, at, new Webhook(base64Secret).sign(id, at, body)) };
    expect(await polarAccepts(request, base64Secret)).toBe(true);

    // WHEN / THEN ours accepts it
    expect((await receiver.send(request)).body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
  });

  test('a whsec_ secret: a signature keyed with its whole text (prefix included) is accepted, as Polar accepts it', async () => {
    const receiver = await providerHarness('polar', { secret: base64Secret, id: 'polar-whsec-text' });
    const request = sign(orderCreated(), { secret: base64Secret });
    expect(await polarAccepts(request, base64Secret)).toBe(true);

    expect((await receiver.send(request)).body).toMatchObject({ ok: true, code: 'accepted' });
  });

  test('a polar_whs_ secret (not base64): a signature keyed with a base64 reading of it is refused, as Polar refuses it', async () => {
    // GIVEN the bytes Node's lenient base64 decoder makes of the non-base64 secret
    const lenient = Buffer.from(SECRET, 'base64');
    const id = `msg_${randomUUID()}`;
    const at = new Date();
    const body = orderCreated();
    const request = { body, headers: headers(id, at, signatureWith(lenient, id, at, body)) };
    expect(await polarAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too: only a secret that is base64 has a base64 key
    await expectRejected(matrix.harness(), request, 'signature_mismatch');
  });
});

test('several signatures (a secret being rotated): any may match, as Polar accepts', async () => {
  const request = sign(orderCreated());
  const theirs = sign(String(request.body), { secret: OTHER_SECRET, id: request.headers['webhook-id'] }).headers['webhook-signature'];
  const rotated = { ...request, headers: { ...request.headers, 'webhook-signature': `${theirs} ${request.headers['webhook-signature']}` } };
  expect(await polarAccepts(rotated)).toBe(true);

  expect((await matrix.harness().send(rotated)).body).toEqual({ ok: true, code: 'accepted', deliveryId: request.headers['webhook-id'] });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('pinned difference: an event type Polar\'s SDK does not know is refused by its validateEvent, accepted by ours (the signature is genuine)', async () => {
  // GIVEN a genuine delivery of an event type newer than the SDK
  const request = sign(orderCreated({}, 'order.teleported'));
  await expect(webhooks.validateEvent(String(request.body), request.headers, SECRET)).rejects.toThrow(/Unknown webhook event type/);

  // WHEN / THEN ours accepts it: event types are the processor's to filter (`eventTypes`), not the signature's
  const answer = await matrix.harness().send(request);
  expect(answer.body).toMatchObject({ ok: true, code: 'accepted' });
  expect((await matrix.harness().messages())[0]).toMatchObject({ eventType: 'order.teleported' });
});

test('a secret whose base64 part atob refuses (a length that leaves one character) has only its text as key, as in Polar\'s SDK', async () => {
  // GIVEN a whsec_ secret whose remainder is 4n+1 base64 characters, which Node's lenient decoder still decodes
  const odd = `whsec_${randomBytes(24).toString('base64').replace(/[+/=]/g, 'x')}x`;
  expect((odd.length - 'whsec_'.length) % 4).toBe(1);
  const receiver = await providerHarness('polar', { secret: odd, id: 'polar-odd-base64' });
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const body = orderCreated();
  const byLenientKey = { body, headers: headers(id, at, signatureWith(Buffer.from(odd.slice('whsec_'.length), 'base64'), id, at, body)) };
  const byText = sign(orderCreated(), { secret: odd });
  expect([await polarAccepts(byLenientKey, odd), await polarAccepts(byText, odd)]).toEqual([false, true]);

  // WHEN / THEN ours refuses the first and accepts the second
  await expectRejected(receiver, byLenientKey, 'signature_mismatch');
  expect((await receiver.send(byText)).body).toMatchObject({ ok: true, code: 'accepted' });
});
