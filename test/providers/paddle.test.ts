/**
 * Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex>` where h1 = HMAC-SHA256(endpoint secret key, `{ts}:{raw body}`)
 * (https://developer.paddle.com/webhooks/signature-verification). The SDK can only verify, so requests are signed
 * as documented and the SDK's own `paddle.webhooks.isSignatureValid` is the oracle.
 *
 * Where the SDK and Paddle's documentation part ways, ours follows the documentation (PROVIDERS.md):
 * - the header "contains at least one h1" (several during a secret rotation), and any may match; the SDK reads only
 *   the last one;
 * - the SDK rejects only old timestamps (5 s); our preset bounds both directions with a 60 s default window.
 *
 * The standard matrix is test/support/provider-matrix.ts; this file holds what is particular to Paddle.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { Paddle } from '@paddle/paddle-node-sdk';
import { invalidUtf8Json } from '../support/provider-harness';
import { providerMatrix, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

// An endpoint secret key in Paddle's format.
const SECRET = 'pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI';
const OTHER_SECRET = 'pdl_ntfset_01hv8x0ayj8e7vftqgw2c0rbnm_Q2mPz5tVb8kXr1LsW9yNc4HdA7gFjE3uK';
const paddleSdk = new Paddle('pdl_sdbx_apikey_not_used_here');

function transactionCompleted(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    event_id: `evt_${randomUUID().replace(/-/g, '')}`,
    event_type: 'transaction.completed',
    occurred_at: new Date().toISOString(),
    notification_id: `ntf_${randomUUID().replace(/-/g, '')}`,
    data: { id: 'txn_01hv8wptq8987qeep44cyrewp9', status: 'completed', custom_data: { note: 'Pro plan', ...extra } },
  });
}

const now = () => Math.floor(Date.now() / 1000);
const h1 = (secret: string, timestamp: number | string, body: string | Buffer) =>
  createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${timestamp}:`), Buffer.from(body)])).digest('hex');

/** Signed as Paddle documents: ts=<unix>;h1=<hex HMAC-SHA256 over `{ts}:{body bytes}`>. */
function signed(body: string | Buffer, options: { secret?: string; at?: Date } = {}): SignedRequest {
  const timestamp = Math.floor((options.at ?? new Date()).getTime() / 1000);
  return { body, headers: { 'Paddle-Signature': `ts=${timestamp};h1=${h1(options.secret ?? SECRET, timestamp, body)}` } };
}

/** The Paddle SDK's own verdict. It throws on a header it cannot parse: that is a refusal. */
async function paddleAccepts(request: SignedRequest): Promise<boolean> {
  try {
    return await paddleSdk.webhooks.isSignatureValid(request.body.toString(), SECRET, request.headers['Paddle-Signature'] ?? '');
  } catch {
    return false;
  }
}

const eventIdOf = (body: string | Buffer) => JSON.parse(Buffer.from(body).toString('latin1')).event_id as string;

/** A rotation header: two h1 over the same ts, ours first or last. */
function rotating(body: string, order: 'ours first' | 'ours last'): SignedRequest {
  const timestamp = now();
  const ours = h1(SECRET, timestamp, body);
  const theirs = h1(OTHER_SECRET, timestamp, body);
  const entries = order === 'ours first' ? [ours, theirs] : [theirs, ours];
  return { body, headers: { 'Paddle-Signature': `ts=${timestamp};h1=${entries[0]};h1=${entries[1]}` } };
}

const description: ProviderDescription = {
  kind: 'paddle',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: transactionCompleted,
  sign: (body, options) => signed(body, options),
  accepts: paddleAccepts,
  signBytes: (body, { at }) => signed(body, { at }).headers,
  signatureHeader: 'Paddle-Signature',
  // The preset's 60 s window (the SDK allows 5 s of age)
  windowSeconds: 60,
  packageAcceptsFuture: 'the SDK checks only the age; the preset bounds both directions',
  expected: (request) => ({ deliveryId: eventIdOf(request.body), eventType: 'transaction.completed' }),
  tamper: ['Pro plan', 'Enterprise plan'],
  // During a secret rotation the header carries two h1; ours last is what the SDK, reading only the last, accepts too
  rotated: (body) => rotating(body, 'ours last'),
  refusals: [
    ['a signature that is not hex', () => {
      const request = signed(transactionCompleted());
      return { ...request, headers: { 'Paddle-Signature': request.headers['Paddle-Signature'].replace(/h1=../, 'h1=zz') } };
    }, 'signature_malformed'],
    ['a tampered ts (the timestamp is signed)', () => {
      const timestamp = now();
      const body = transactionCompleted();
      return { body, headers: { 'Paddle-Signature': `ts=${timestamp - 1};h1=${h1(SECRET, timestamp, body)}` } };
    }, 'signature_mismatch'],
    ['a header with h1 but no ts', () => {
      const request = signed(transactionCompleted());
      return { ...request, headers: { 'Paddle-Signature': request.headers['Paddle-Signature'].replace(/^ts=\d+;/, '') } };
    }, 'timestamp_missing'],
    ['two h1 during a rotation, neither ours', () => {
      const timestamp = now();
      const body = transactionCompleted();
      return { body, headers: { 'Paddle-Signature': `ts=${timestamp};h1=${h1(OTHER_SECRET, timestamp, body)};h1=${h1('pdl_ntfset_third', timestamp, body)}` } };
    }, 'signature_mismatch'],
  ],
  invalidUtf8Body: () => invalidUtf8Json(`{"event_id":"evt_${randomUUID().replace(/-/g, '')}","event_type":"transaction.completed","data":{"note":"`, '"}}'),
  invalidUtf8Expected: ({ body }) => ({ deliveryId: eventIdOf(body), eventType: 'transaction.completed' }),
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: 'pdl_ntfset_01hv8x0ayj8e7vftqgw2c0rbnn_rotatedSecretKeyForTheRotationCase' });

test('pinned difference: two h1 during a rotation, ours first, is accepted, although the SDK (which reads only the last h1) refuses it', async () => {
  // GIVEN a header whose first h1 is ours and whose last is not
  const request = rotating(transactionCompleted(), 'ours first');
  expect(await paddleAccepts(request)).toBe(false);

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN it is accepted once, as Paddle's documentation requires
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: eventIdOf(request.body) });
  expect(await matrix.harness().messages()).toHaveLength(1);
});
