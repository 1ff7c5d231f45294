/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, HMAC-SHA256 of `{t}.{raw body}` keyed with the
 * `whsec_...` secret used literally (prefix included). Requests are signed with Stripe's own test helper
 * (`stripe.webhooks.generateTestHeaderString`), and Stripe's own verifier (`stripe.webhooks.constructEvent`) is
 * the oracle: it must accept every request ours accepts and refuse the forgeries ours refuses. Stripe defines no
 * handshake; the delivery id and event type are the body's `id` and `type`.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SECRET = `whsec_${randomBytes(24).toString('hex')}`;
const OTHER_SECRET = `whsec_${randomBytes(24).toString('hex')}`;
const stripe = new Stripe('sk_test_unused');
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('stripe', { secret: SECRET });
});

function paymentSucceeded(extra: Record<string, unknown> = {}): { id: string; body: string } {
  const id = `evt_${randomUUID().replace(/-/g, '')}`;
  const body = JSON.stringify(
    { id, object: 'event', type: 'payment_intent.succeeded', api_version: '2025-10-29', data: { object: { id: 'pi_1', amount: 2000, ...extra } } },
    null,
    2,
  );
  return { id, body };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A request signed by Stripe's own test helper. */
function signed(body: string, options: { secret?: string; timestamp?: number } = {}): SignedRequest {
  const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret: options.secret ?? SECRET, timestamp: options.timestamp ?? nowSeconds() });
  return { body, headers: { 'Stripe-Signature': header } };
}

/** Stripe's own verdict on a request (default tolerance, 300 s). */
function stripeAccepts(request: SignedRequest): boolean {
  try {
    stripe.webhooks.constructEvent(request.body, request.headers['Stripe-Signature'] ?? '', SECRET);
    return true;
  } catch {
    return false;
  }
}

/** The documented scheme over raw bytes: hex HMAC-SHA256 of `{t}.{body}`, keyed with the secret's UTF-8 text. */
function signBytes(timestamp: number, body: Buffer): string {
  return createHmac('sha256', SECRET).update(Buffer.concat([Buffer.from(`${timestamp}.`), body])).digest('hex');
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine delivery is accepted and enqueued once, keyed by the event id', async () => {
  // GIVEN an event signed by Stripe's helper, which Stripe's verifier accepts
  const event = paymentSucceeded();
  const request = signed(event.body);
  expect(stripeAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the body's id and type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: event.id });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({
    provider: 'stripe',
    deliveryId: event.id,
    eventType: 'payment_intent.succeeded',
    auth: 'hmac', bodySigned: true,
    bodyEncoding: 'utf8',
    body: event.body,
  });
});

describe('forged or broken requests are refused as Stripe refuses them', () => {
  const withHeader = (request: SignedRequest, value: string): SignedRequest => ({ ...request, headers: { 'Stripe-Signature': value } });
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(paymentSucceeded().body);
      return { ...request, body: (request.body as string).replace('2000', '2001') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(paymentSucceeded().body);
      const header = request.headers['Stripe-Signature'];
      const last = header.slice(-1) === '0' ? '1' : '0';
      return withHeader(request, header.slice(0, -1) + last);
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => {
      const request = signed(paymentSucceeded().body);
      return withHeader(request, request.headers['Stripe-Signature'].replace(/v1=.*/, 'v1=not-hex-at-all'));
    }, 'signature_malformed'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(paymentSucceeded().body);
      return withHeader(request, request.headers['Stripe-Signature'].replace(/^t=(\d+)/, (_, t: string) => `t=${Number(t) - 1}`));
    }, 'signature_mismatch'],
    ['a signature made with another secret', () => signed(paymentSucceeded().body, { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no Stripe-Signature header', () => ({ body: paymentSucceeded().body, headers: {} }), 'signature_missing'],
    ['a timestamp 10 minutes old (window 5 min)', () => signed(paymentSucceeded().body, { timestamp: nowSeconds() - 600 }), 'timestamp_out_of_window'],
    ['no t= in the header', () => {
      const request = signed(paymentSucceeded().body);
      return withHeader(request, request.headers['Stripe-Signature'].replace(/^t=\d+,/, ''));
    }, 'timestamp_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request Stripe's own verifier refuses
    const request = make();
    expect(stripeAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

test('a timestamp 10 minutes in the future is refused (Stripe documents a window around now; its SDK checks only age)', async () => {
  // GIVEN a genuine signature over a timestamp 10 minutes ahead: Stripe's SDK accepts it, since it bounds only
  // the age, but Stripe's documentation speaks of a tolerance "between the timestamp and the current time"
  const request = signed(paymentSucceeded().body, { timestamp: nowSeconds() + 600 });
  expect(stripeAccepts(request)).toBe(true);

  // WHEN / THEN ours bounds both directions
  await expectRejected(harness, request, 'timestamp_out_of_window');
});

test('several v1 signatures (a secret being rolled), any of which may match; v0 is ignored', async () => {
  // GIVEN a header with a v0 entry, a v1 by another secret, then a v1 by ours, in Stripe's format
  const event = paymentSucceeded();
  const t = nowSeconds();
  const ours = signed(event.body, { timestamp: t }).headers['Stripe-Signature'].split(',')[1];
  const theirs = signed(event.body, { timestamp: t, secret: OTHER_SECRET }).headers['Stripe-Signature'].split(',')[1];
  const request = { body: event.body, headers: { 'Stripe-Signature': `t=${t},v0=${'0'.repeat(64)},${theirs},${ours}` } };
  expect(stripeAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted once
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: event.id });
  expect(await harness.messages()).toHaveLength(1);
});

test('a header with only a v0 signature counts as unsigned by v1', async () => {
  // GIVEN a valid HMAC presented under the legacy v0 scheme only
  const event = paymentSucceeded();
  const t = nowSeconds();
  const request = { body: event.body, headers: { 'Stripe-Signature': signed(event.body, { timestamp: t }).headers['Stripe-Signature'].replace('v1=', 'v0=') } };
  expect(stripeAccepts(request)).toBe(false);

  // WHEN / THEN it is refused: no v1 signature to check
  await expectRejected(harness, request, 'signature_malformed');
});

test('the whsec_ prefix is part of the key: a signature keyed without it is refused', async () => {
  // GIVEN a signature made with the secret minus its whsec_ prefix
  const request = signed(paymentSucceeded().body, { secret: SECRET.slice('whsec_'.length) });
  expect(stripeAccepts(request)).toBe(false);

  // WHEN / THEN it is refused
  await expectRejected(harness, request, 'signature_mismatch');
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const event = paymentSucceeded({ description: 'café ☕ 🚀 漢字' });
  const request = signed(event.body);
  expect(stripeAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(event.body, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN the documented signature computed over raw bytes, which for a UTF-8 body equals Stripe's own
  // (Stripe's helper signs strings only, and its verifier decodes bytes to text, replacing invalid ones)
  const t = nowSeconds();
  const utf8Body = paymentSucceeded({ description: 'café ☕' }).body;
  expect(`t=${t},v1=${signBytes(t, Buffer.from(utf8Body))}`).toBe(signed(utf8Body, { timestamp: t }).headers['Stripe-Signature']);
  const id = `evt_${randomUUID().replace(/-/g, '')}`;
  const body = invalidUtf8Json(`{"id":"${id}","object":"event","type":"charge.updated","data":{"note":"`, '"}}');

  // WHEN a body with bytes that are not UTF-8 is delivered with that signature
  const answer = await harness.send({ body, headers: { 'Stripe-Signature': `t=${t},v1=${signBytes(t, body)}` } });

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: id, eventType: 'charge.updated', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});
