/**
 * Stream (Chat): `X-Signature: <hex>`, the hex HMAC-SHA256 of the raw body keyed with the app's API secret; no
 * timestamp. Stream sends `X-Webhook-Id` (the delivery id, kept across retries) and `X-Webhook-Attempt`. The
 * `stream-chat` package only verifies, so requests are signed as documented and its server client's
 * `verifyWebhook(body, signature)` is the oracle. The event type is the body's `type`, the event time its
 * `created_at`.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { StreamChat } from 'stream-chat';
import { noWindow, providerMatrix, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = randomBytes(32).toString('hex');
const OTHER_SECRET = randomBytes(32).toString('hex');
const CREATED_AT = '2026-01-01T12:00:00.123456Z';
const stream = new StreamChat('stream-api-key', SECRET);

function messageNew(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'message.new',
    cid: 'messaging:general',
    message: { id: randomUUID(), text: 'hello', user: { id: 'u1' }, score: 4200, ...extra },
    user: { id: 'u1' },
    created_at: CREATED_AT,
  });
}

/** Stream's headers as documented. */
function sign(body: string | Buffer, { secret = SECRET, id = randomUUID() }: { secret?: string; id?: string } = {}): SignedRequest {
  return { body, headers: { 'X-Signature': createHmac('sha256', secret).update(body).digest('hex'), 'X-Webhook-Id': id, 'X-Webhook-Attempt': '1', 'X-Api-Key': 'stream-api-key' } };
}

/** Stream's verdict on a request, over its raw bytes. */
function streamAccepts(request: SignedRequest): boolean {
  return stream.verifyWebhook(Buffer.from(request.body), request.headers['X-Signature'] ?? '');
}

const description: ProviderDescription = {
  kind: 'stream',
  notApplicable: noWindow('no timestamp is signed'),
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: messageNew,
  sign: (body, options) => sign(body, options),
  accepts: streamAccepts,
  signBytes: (body, { id }) => sign(body, { id }).headers,
  signatureHeader: 'X-Signature',
  expected: (request) => ({ deliveryId: request.headers['X-Webhook-Id'], eventType: 'message.new' }),
  tamper: ['4200', '4201'],
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: randomBytes(32).toString('hex') });

test('the envelope carries created_at as its event time', async () => {
  const request = sign(messageNew());
  expect(streamAccepts(request)).toBe(true);

  const answer = await matrix.harness().send(request);

  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.headers['X-Webhook-Id'] });
  expect((await matrix.harness().messages())[0]).toMatchObject({ eventType: 'message.new', eventTime: '2026-01-01T12:00:00.123Z' });
});

test('a retry (X-Webhook-Attempt 2, same X-Webhook-Id) is a duplicate', async () => {
  const id = randomUUID();
  const first = sign(messageNew(), { id });
  const retry = { ...first, headers: { ...first.headers, 'X-Webhook-Attempt': '2' } };
  expect([streamAccepts(first), streamAccepts(retry)]).toEqual([true, true]);

  const answers = [(await matrix.harness().send(first)).body, (await matrix.harness().send(retry)).body];

  expect(answers.map((answer) => [answer.code, answer.deliveryId])).toEqual([['accepted', id], ['duplicate', id]]);
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('without X-Webhook-Id, a delivery is keyed by its body hash', async () => {
  const request = sign(messageNew());
  const bare = { body: request.body, headers: { 'X-Signature': request.headers['X-Signature'] } };
  expect(streamAccepts(bare)).toBe(true);

  const answer = await matrix.harness().send(bare);

  expect(answer.body).toMatchObject({ ok: true, code: 'accepted', deliveryId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('pinned difference: a gzip-compressed body (signature over the JSON inside) is accepted by stream-chat\'s verifyAndParseWebhook, refused by ours as not JSON', async () => {
  // GIVEN a delivery as Stream sends it with webhook compression on: gzip bytes, signed over the uncompressed JSON
  const json = messageNew();
  const headers: Record<string, string> = { ...sign(json).headers, 'Content-Encoding': 'gzip' };
  const request = { body: gzipSync(Buffer.from(json)), headers };
  expect(stream.verifyAndParseWebhook(request.body, request.headers['X-Signature'])).toMatchObject({ type: 'message.new' });
  expect(streamAccepts(request)).toBe(false);

  // WHEN it is delivered
  const before = await matrix.harness().records();
  const answer = await matrix.harness().send(request);

  // THEN ours refuses the body that is not JSON before any check (400, nothing recorded): leave compression off
  expect([answer.status, answer.body?.error]).toEqual([400, 'body_malformed']);
  expect(await matrix.harness().messages()).toEqual([]);
  expect(await matrix.harness().records()).toBe(before);
});
