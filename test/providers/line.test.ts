/**
 * LINE Messaging API: `x-line-signature`, the base64 HMAC-SHA256 of the raw body keyed with the channel secret, no
 * timestamp. `@line/bot-sdk` only verifies (`validateSignature(body, channelSecret, signature)`, over a string or
 * the raw bytes), so requests are signed as documented and it is the oracle. Each of the body's `events` is keyed by
 * its `webhookEventId`, typed by its `type`; the console's "Verify" button posts a signed body with `events: []`,
 * which is answered 200 with nothing enqueued.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { validateSignature } from '@line/bot-sdk';
import { expectRejected } from '../support/provider-harness';
import { batchMatrix } from '../support/batch-matrix';
import { noWindow, providerMatrix, type SignedRequest } from '../support/provider-matrix';

// A channel secret is 32 hex characters.
const SECRET = randomBytes(16).toString('hex');
const OTHER_SECRET = randomBytes(16).toString('hex');
const DESTINATION = `U${randomBytes(16).toString('hex')}`;

function event(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    message: { type: 'text', id: '14353798921116', quoteToken: 'q3Plxr4AgKd', text: 'Hello, world', count: 4200, ...extra },
    webhookEventId: `01${randomUUID().replace(/-/g, '').slice(0, 24).toUpperCase()}`,
    deliveryContext: { isRedelivery: false },
    timestamp: 1625665242211,
    source: { type: 'user', userId: 'U80696558e1aa831a4a7a9d3c8e2f1b2c' },
    replyToken: randomBytes(16).toString('hex'),
    mode: 'active',
  };
}

const batch = (events: Array<Record<string, unknown>>) => JSON.stringify({ destination: DESTINATION, events });

/** LINE's signature as documented: base64 HMAC-SHA256 of the raw body. */
function sign(body: string | Buffer, { secret = SECRET }: { secret?: string } = {}): SignedRequest {
  return { body, headers: { 'x-line-signature': createHmac('sha256', secret).update(body).digest('base64') } };
}

/** @line/bot-sdk's verdict, over the raw bytes. */
function lineAccepts(request: SignedRequest): boolean {
  const signature = request.headers['x-line-signature'];
  return signature !== undefined && validateSignature(Buffer.from(request.body), SECRET, signature);
}

const matrix = providerMatrix({
  kind: 'line',
  notApplicable: noWindow("no timestamp is signed apart from the body (LINE documents no window for its events' timestamp)"),
  rotation: { stored: randomBytes(16).toString('hex') },
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: (extra) => batch([event(extra)]),
  sign: (body, options) => sign(body, options),
  accepts: lineAccepts,
  signBytes: (body) => sign(body).headers,
  signatureHeader: 'x-line-signature',
  expected: (request) => ({ deliveryId: JSON.parse(String(request.body)).events[0].webhookEventId, eventType: 'message' }),
  tamper: ['4200', '4201'],
  answer: { events: 1, enqueued: 1 },
  invalidUtf8Body: () => Buffer.concat([Buffer.from(`{"destination":"${DESTINATION}","events":[{"type":"message","webhookEventId":"01${randomUUID().slice(0, 8)}","note":"`), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}]}')]),
});

batchMatrix({
  kind: 'line',
  matrix,
  item: () => event(),
  batch,
  sign: (body) => sign(body),
  accepts: lineAccepts,
  expected: (item) => ({ deliveryId: item.webhookEventId as string, eventType: item.type as string }),
});

describe('the console\'s Verify request (events: [])', () => {
  test('signed: answered 200 handshake, nothing enqueued or recorded', async () => {
    // GIVEN the body LINE's "Verify" button posts, signed with the channel secret
    const request = sign(batch([]));
    expect(lineAccepts(request)).toBe(true);
    const records = await matrix.harness().records();

    // WHEN it arrives
    const answer = await matrix.harness().send(request);

    // THEN it is answered 200, and nothing is written anywhere
    expect([answer.status, answer.body]).toEqual([200, { ok: true, code: 'handshake', deliveryId: expect.stringMatching(/^sha256:/), events: 0, enqueued: 0 }]);
    expect(await matrix.harness().messages()).toEqual([]);
    expect(await matrix.harness().records()).toBe(records);
  });

  test('signed with another secret, or not at all: 401', async () => {
    await expectRejected(matrix.harness(), sign(batch([]), { secret: OTHER_SECRET }), 'signature_mismatch');
    await expectRejected(matrix.harness(), { body: batch([]), headers: {} }, 'signature_missing');
  });
});

test('a redelivery (deliveryContext.isRedelivery) of an event already enqueued is a duplicate', async () => {
  // GIVEN an event delivered, then redelivered by LINE in a new body with isRedelivery true
  const first = event();
  expect((await matrix.harness().send(sign(batch([first])))).body).toMatchObject({ code: 'accepted', enqueued: 1 });
  const redelivered = { ...first, deliveryContext: { isRedelivery: true } };

  // WHEN the redelivery arrives
  const answer = await matrix.harness().send(sign(batch([redelivered])));

  // THEN it is a duplicate of the first: one message in all
  expect(answer.body).toMatchObject({ ok: true, code: 'duplicate', deliveryId: first.webhookEventId, enqueued: 0 });
  expect(await matrix.harness().messages()).toHaveLength(1);
});
