/**
 * Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex>` where h1 = HMAC-SHA256(endpoint secret key, `{ts}:{raw body}`)
 * (https://developer.paddle.com/webhooks/signature-verification). The SDK can only verify, so requests are signed
 * as documented and the SDK's own `paddle.webhooks.isSignatureValid` is the oracle.
 *
 * Where the SDK and Paddle's documentation part ways, ours follows the documentation (PROVIDERS.md):
 * - the header "contains at least one h1" (several during a secret rotation), and any may match; the SDK reads only
 *   the last one;
 * - the SDK rejects only old timestamps (5 s); our preset bounds both directions with a 60 s default window.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { Paddle } from '@paddle/paddle-node-sdk';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

// An endpoint secret key in Paddle's format.
const SECRET = 'pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI';
const OTHER_SECRET = 'pdl_ntfset_01hv8x0ayj8e7vftqgw2c0rbnm_Q2mPz5tVb8kXr1LsW9yNc4HdA7gFjE3uK';
const paddleSdk = new Paddle('pdl_sdbx_apikey_not_used_here');
let paddle: Harness;

beforeAll(async () => {
  paddle = await providerHarness('paddle', { secret: SECRET });
});

function transactionCompleted(note = 'Pro plan'): string {
  return JSON.stringify({
    event_id: `evt_${randomUUID().replace(/-/g, '')}`,
    event_type: 'transaction.completed',
    occurred_at: new Date().toISOString(),
    notification_id: `ntf_${randomUUID().replace(/-/g, '')}`,
    data: { id: 'txn_01hv8wptq8987qeep44cyrewp9', status: 'completed', custom_data: { note } },
  });
}

const now = () => Math.floor(Date.now() / 1000);
const h1 = (secret: string, timestamp: number | string, body: string | Buffer) =>
  createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${timestamp}:`), Buffer.from(body)])).digest('hex');

/** Signed as Paddle documents: ts=<unix>;h1=<hex HMAC-SHA256 over `{ts}:{body bytes}`>. */
function signed(body: string | Buffer, options: { secret?: string; timestamp?: number } = {}): SignedRequest {
  const timestamp = options.timestamp ?? now();
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

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');
const eventIdOf = (body: string) => JSON.parse(body).event_id as string;

test('a genuine delivery is accepted and enqueued once, keyed by event_id', async () => {
  // GIVEN a transaction.completed event signed as Paddle signs it, which the SDK accepts
  const body = transactionCompleted();
  const request = signed(body);
  expect(await paddleAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await paddle.send(request);

  // THEN it is accepted, and one envelope carries the body's event_id and event_type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: eventIdOf(body) });
  const messages = await paddle.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'paddle', deliveryId: eventIdOf(body), eventType: 'transaction.completed', bodyEncoding: 'utf8', body });
});

describe('forged or broken requests are refused as the Paddle SDK refuses them', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(transactionCompleted('Pro plan'));
      return { ...request, body: String(request.body).replace('Pro plan', 'Enterprise plan') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(transactionCompleted());
      const header = request.headers['Paddle-Signature'];
      return { ...request, headers: { 'Paddle-Signature': header.slice(0, -1) + (header.endsWith('0') ? '1' : '0') } };
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => {
      const request = signed(transactionCompleted());
      return { ...request, headers: { 'Paddle-Signature': request.headers['Paddle-Signature'].replace(/h1=../, 'h1=zz') } };
    }, 'signature_malformed'],
    ['a tampered ts (the timestamp is signed)', () => {
      const timestamp = now();
      const body = transactionCompleted();
      return { body, headers: { 'Paddle-Signature': `ts=${timestamp - 1};h1=${h1(SECRET, timestamp, body)}` } };
    }, 'signature_mismatch'],
    ['a signature made with another secret key', () => signed(transactionCompleted(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no Paddle-Signature header', () => ({ body: transactionCompleted(), headers: {} }), 'signature_missing'],
    ['a header with h1 but no ts', () => {
      const request = signed(transactionCompleted());
      return { ...request, headers: { 'Paddle-Signature': request.headers['Paddle-Signature'].replace(/^ts=\d+;/, '') } };
    }, 'timestamp_missing'],
    ['a ts 2 minutes old (window 60 s; the SDK allows 5 s)', () => signed(transactionCompleted(), { timestamp: now() - 120 }), 'timestamp_out_of_window'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request the Paddle SDK refuses
    const request = make();
    expect(await paddleAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(paddle, request, code);
  });
});

test('a ts 2 minutes ahead is refused (the SDK checks only the age; the preset bounds both directions)', async () => {
  // GIVEN a correctly signed request stamped two minutes in the future, which the SDK lets through
  const request = signed(transactionCompleted(), { timestamp: now() + 120 });
  expect(await paddleAccepts(request)).toBe(true);

  // WHEN / THEN ours refuses it as outside the window
  await expectRejected(paddle, request, 'timestamp_out_of_window');
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(transactionCompleted('café ☕ 🚀 漢字'));
  expect(await paddleAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await paddle.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await paddle.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN the documented computation over bytes, which the SDK accepts for a UTF-8 body
  // (it hashes strings only, so it cannot itself check bytes that are not UTF-8)
  expect(await paddleAccepts(signed(transactionCompleted('café ☕')))).toBe(true);
  const body = invalidUtf8Json('{"event_id":"evt_bytes","event_type":"transaction.completed","data":{"note":"', '"}}');

  // WHEN a body with bytes that are not UTF-8 is delivered, signed over those bytes
  const answer = await paddle.send(signed(body));

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await paddle.messages();
  expect(message).toMatchObject({ deliveryId: 'evt_bytes', eventType: 'transaction.completed', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

describe('during a secret rotation the header carries two h1, and either may be ours', () => {
  function rotating(order: 'ours first' | 'ours last'): SignedRequest {
    const timestamp = now();
    const body = transactionCompleted();
    const ours = h1(SECRET, timestamp, body);
    const theirs = h1(OTHER_SECRET, timestamp, body);
    const entries = order === 'ours first' ? [ours, theirs] : [theirs, ours];
    return { body, headers: { 'Paddle-Signature': `ts=${timestamp};h1=${entries[0]};h1=${entries[1]}` } };
  }

  test('ours last: the SDK and ours both accept', async () => {
    // GIVEN a header whose last h1 is ours
    const request = rotating('ours last');
    expect(await paddleAccepts(request)).toBe(true);

    // WHEN it is delivered
    const answer = await paddle.send(request);

    // THEN it is accepted once
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: eventIdOf(String(request.body)) });
    expect(await paddle.messages()).toHaveLength(1);
  });

  test('ours first: accepted, although the SDK (which reads only the last h1) refuses it', async () => {
    // GIVEN a header whose first h1 is ours and whose last is not
    const request = rotating('ours first');
    expect(await paddleAccepts(request)).toBe(false);

    // WHEN it is delivered
    const answer = await paddle.send(request);

    // THEN it is accepted once, as Paddle's documentation requires
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: eventIdOf(String(request.body)) });
    expect(await paddle.messages()).toHaveLength(1);
  });

  test('neither ours: refused by both', async () => {
    // GIVEN two h1 made with other secrets
    const timestamp = now();
    const body = transactionCompleted();
    const request = { body, headers: { 'Paddle-Signature': `ts=${timestamp};h1=${h1(OTHER_SECRET, timestamp, body)};h1=${h1('pdl_ntfset_third', timestamp, body)}` } };
    expect(await paddleAccepts(request)).toBe(false);

    // WHEN / THEN it is refused
    await expectRejected(paddle, request, 'signature_mismatch');
  });
});
