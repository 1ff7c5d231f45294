/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, HMAC-SHA256 of `{t}.{raw body}` keyed with the
 * `whsec_...` secret used literally (prefix included). Requests are signed with Stripe's own test helper
 * (`stripe.webhooks.generateTestHeaderString`), and Stripe's own verifier (`stripe.webhooks.constructEvent`) is
 * the oracle: it must accept every request ours accepts and refuse the forgeries ours refuses. Stripe defines no
 * handshake; the delivery id and event type are the body's `id` and `type`. The standard matrix is
 * test/support/provider-matrix.ts; this file holds what is particular to Stripe.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { invalidUtf8Json } from '../support/provider-harness';
import { providerMatrix, withHeader, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = `whsec_${randomBytes(24).toString('hex')}`;
const OTHER_SECRET = `whsec_${randomBytes(24).toString('hex')}`;
const stripe = new Stripe('sk_test_unused');

/** A payment_intent.succeeded event, pretty-printed as Stripe sends it (the whitespace is signed too). */
function paymentSucceeded(extra: Record<string, unknown> = {}): string {
  const id = `evt_${randomUUID().replace(/-/g, '')}`;
  return JSON.stringify(
    { id, object: 'event', type: 'payment_intent.succeeded', api_version: '2025-10-29', data: { object: { id: 'pi_1', amount: 2000, ...extra } } },
    null,
    2,
  );
}

const secondsOf = (at: Date) => Math.floor(at.getTime() / 1000);

/** A request signed by Stripe's own test helper. */
function signed(body: string, options: { secret?: string; at?: Date } = {}): SignedRequest {
  const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret: options.secret ?? SECRET, timestamp: secondsOf(options.at ?? new Date()) });
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
function signBytes(timestamp: number, body: Buffer, secret = SECRET): string {
  return createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${timestamp}.`), body])).digest('hex');
}

const header = (request: SignedRequest) => request.headers['Stripe-Signature'];

const description: ProviderDescription = {
  kind: 'stripe',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: paymentSucceeded,
  sign: (body, options) => signed(body, options),
  accepts: stripeAccepts,
  signBytes: (body, { at }) => ({ 'Stripe-Signature': `t=${secondsOf(at)},v1=${signBytes(secondsOf(at), body)}` }),
  signatureHeader: 'Stripe-Signature',
  windowSeconds: 300,
  packageAcceptsFuture: 'Stripe documents a tolerance between the timestamp and the current time; its SDK checks only age',
  expected: (request) => ({ deliveryId: JSON.parse(String(request.body)).id, eventType: 'payment_intent.succeeded' }),
  tamper: ['"amount": 2000', '"amount": 2001'],
  // A v0 entry (ignored), a v1 by another secret, then a v1 by ours, in Stripe's format
  rotated: (body) => {
    const t = secondsOf(new Date());
    const ours = header(signed(body, { at: new Date(t * 1000) })).split(',')[1];
    const theirs = header(signed(body, { at: new Date(t * 1000), secret: OTHER_SECRET })).split(',')[1];
    return { body, headers: { 'Stripe-Signature': `t=${t},v0=${'0'.repeat(64)},${theirs},${ours}` } };
  },
  refusals: [
    ['a signature that is not hex', () => {
      const request = signed(paymentSucceeded());
      return withHeader(request, 'Stripe-Signature', header(request).replace(/v1=.*/, 'v1=not-hex-at-all'));
    }, 'signature_malformed'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(paymentSucceeded());
      return withHeader(request, 'Stripe-Signature', header(request).replace(/^t=(\d+)/, (_, t: string) => `t=${Number(t) - 1}`));
    }, 'signature_mismatch'],
    ['no t= in the header', () => {
      const request = signed(paymentSucceeded());
      return withHeader(request, 'Stripe-Signature', header(request).replace(/^t=\d+,/, ''));
    }, 'timestamp_missing'],
    // A valid HMAC presented under the legacy v0 scheme only: no v1 signature to check
    ['a header with only a v0 signature (counts as unsigned by v1)', () => {
      const request = signed(paymentSucceeded());
      return withHeader(request, 'Stripe-Signature', header(request).replace('v1=', 'v0='));
    }, 'signature_malformed'],
    // The whsec_ prefix is part of the key
    ['a signature keyed with the secret minus its whsec_ prefix', () => signed(paymentSucceeded(), { secret: SECRET.slice('whsec_'.length) }), 'signature_mismatch'],
  ],
  invalidUtf8Body: () => invalidUtf8Json(`{"id":"evt_${randomUUID().replace(/-/g, '')}","object":"event","type":"charge.updated","data":{"note":"`, '"}}'),
  // The invalid bytes sit inside a string value: read as Latin-1, the body's id and type are intact
  invalidUtf8Expected: ({ body }) => ({ deliveryId: JSON.parse(Buffer.from(body).toString('latin1')).id, eventType: 'charge.updated' }),
};

providerMatrix(description);
rotationTest(description, { stored: `whsec_${randomBytes(24).toString('hex')}` });
