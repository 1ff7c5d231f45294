/**
 * Linear: `Linear-Signature` = hex HMAC-SHA256(webhook secret, raw body), and the replay guard is the body's own
 * `webhookTimestamp` (milliseconds), which the signature covers; it must be within a minute of now
 * (https://linear.app/developers/webhooks#securing-webhooks). The SDK can only verify, so requests are signed as
 * documented and `LinearWebhookClient#verify` from `@linear/sdk/webhooks` is the oracle. It hashes the raw bytes, so
 * it also judges bodies that are not UTF-8. Linear defines no handshake.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SECRET = 'lin_wh_8f3kQ2rVx9LmT4pZ7cYbN1sD6gHjW0aE';
const OTHER_SECRET = 'lin_wh_another0secret1for2the3tests4xyz';
let linear: Harness;
let linearVerify: (body: Buffer, signature: string) => boolean;

beforeAll(async () => {
  const { LinearWebhookClient } = await import('@linear/sdk/webhooks');
  const client = new LinearWebhookClient(SECRET);
  linearVerify = (body, signature) => client.verify(body, signature);
  linear = await providerHarness('linear', { secret: SECRET });
});

function issueCreated(options: { title?: string; webhookTimestamp?: number | null } = {}): string {
  const { title = 'Fix the login page', webhookTimestamp = Date.now() } = options;
  return JSON.stringify({
    action: 'create',
    type: 'Issue',
    createdAt: new Date().toISOString(),
    data: { id: randomUUID(), title, teamId: '72b2a2dc-6f4f-4423-9d34-24b5bd10634a' },
    url: 'https://linear.app/acme/issue/ENG-1/fix-the-login-page',
    organizationId: 'f1a5f0c4-0000-4000-8000-000000000001',
    webhookId: '000042e3-d123-4980-b49f-8e140eef9329',
    ...(webhookTimestamp === null ? {} : { webhookTimestamp }),
  });
}

/** Signed as Linear documents: hex HMAC-SHA256 of the body bytes; one delivery id per request. */
function signed(body: string | Buffer, options: { secret?: string } = {}): SignedRequest {
  return {
    body,
    headers: {
      'Linear-Signature': createHmac('sha256', options.secret ?? SECRET).update(body).digest('hex'),
      'Linear-Delivery': randomUUID(),
      'Linear-Event': 'Issue',
    },
  };
}

/** The Linear SDK's own verdict: it throws on any failure. */
function linearAccepts(request: SignedRequest): boolean {
  try {
    return linearVerify(Buffer.from(request.body), request.headers['Linear-Signature'] ?? '');
  } catch {
    return false;
  }
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine delivery is accepted and enqueued once, keyed by Linear-Delivery', async () => {
  // GIVEN an Issue create event signed as Linear signs it, which the SDK accepts
  const request = signed(issueCreated());
  expect(linearAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await linear.send(request);

  // THEN it is accepted, and one envelope carries the Linear-Delivery id, the body's type and the exact body
  const deliveryId = request.headers['Linear-Delivery'];
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId });
  const messages = await linear.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'linear', deliveryId, eventType: 'Issue', bodyEncoding: 'utf8', body: request.body });
});

describe('forged or broken requests are refused as the Linear SDK refuses them', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(issueCreated({ title: 'Fix the login page' }));
      return { ...request, body: String(request.body).replace('Fix the login page', 'Delete the project') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(issueCreated());
      const signature = request.headers['Linear-Signature'];
      return { ...request, headers: { ...request.headers, 'Linear-Signature': signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0') } };
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => {
      const request = signed(issueCreated());
      return { ...request, headers: { ...request.headers, 'Linear-Signature': 'zz' + request.headers['Linear-Signature'].slice(2) } };
    }, 'signature_malformed'],
    ['a signature made with another secret', () => signed(issueCreated(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no Linear-Signature header', () => {
      const request = signed(issueCreated());
      const { 'Linear-Signature': _, ...headers } = request.headers;
      return { body: request.body, headers };
    }, 'signature_missing'],
    ['a webhookTimestamp 2 minutes old (window 60 s)', () => signed(issueCreated({ webhookTimestamp: Date.now() - 120_000 })), 'timestamp_out_of_window'],
    ['a webhookTimestamp 2 minutes ahead (window 60 s)', () => signed(issueCreated({ webhookTimestamp: Date.now() + 120_000 })), 'timestamp_out_of_window'],
    ['a body without webhookTimestamp', () => signed(issueCreated({ webhookTimestamp: null })), 'timestamp_missing'],
    ['a webhookTimestamp in seconds, not milliseconds (decades ago)', () => signed(issueCreated({ webhookTimestamp: Math.floor(Date.now() / 1000) })), 'timestamp_out_of_window'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request the Linear SDK refuses
    const request = make();
    expect(linearAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(linear, request, code);
  });
});

test('only the signed body timestamp counts: a stale Linear-Timestamp header changes nothing', async () => {
  // GIVEN a genuine request that also carries the legacy header with an hour-old value
  const request = signed(issueCreated());
  const withHeader = { ...request, headers: { ...request.headers, 'Linear-Timestamp': String(Date.now() - 3_600_000) } };
  expect(linearAccepts(withHeader)).toBe(true);

  // WHEN it is delivered
  const answer = await linear.send(withHeader);

  // THEN it is accepted on the strength of webhookTimestamp
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.headers['Linear-Delivery'] });
  expect(await linear.messages()).toHaveLength(1);
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(issueCreated({ title: 'café ☕ 🚀 漢字' }));
  expect(linearAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await linear.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await linear.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN bytes that are not UTF-8, signed over the raw bytes, which the SDK (hashing bytes) accepts
  const body = invalidUtf8Json(`{"type":"Issue","webhookTimestamp":${Date.now()},"data":{"title":"`, '"}}');
  const request = signed(body);
  expect(linearAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await linear.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await linear.messages();
  expect(message).toMatchObject({ deliveryId: request.headers['Linear-Delivery'], eventType: 'Issue', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});
