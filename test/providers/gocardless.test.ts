/**
 * GoCardless: `Webhook-Signature`, the hex HMAC-SHA256 of the raw body keyed with the webhook endpoint secret, no
 * timestamp. `gocardless-nodejs` only verifies (`parse(body, secret, signatureHeader)` from
 * `gocardless-nodejs/webhooks`, which throws `InvalidSignatureError`), so requests are signed as documented and its
 * `parse` is the oracle (it hashes the raw bytes, so it judges the non-UTF-8 body too). A body is a batch
 * `{"events": [...]}`: each event is keyed by its own `id`, its type is `<resource_type>:<action>`.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { expectRejected } from '../support/provider-harness';
import { batchMatrix } from '../support/batch-matrix';
import { noWindow, providerMatrix, type SignedRequest } from '../support/provider-matrix';

// The package is ESM-typed; its CommonJS build is what `require` loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parse } = require('gocardless-nodejs/webhooks') as {
  parse(body: string | Buffer, secret: string, signatureHeader: string): Array<{ id: string; resource_type: string; action: string }>;
};

const SECRET = randomBytes(30).toString('base64url');
const OTHER_SECRET = randomBytes(30).toString('base64url');

function event(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const id = `EV${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
  return {
    id,
    created_at: '2026-12-01T12:00:00.000Z',
    resource_type: 'payments',
    action: 'confirmed',
    links: { payment: 'PM123', amount: 4200 },
    details: { origin: 'gocardless', cause: 'payment_confirmed', description: 'Enough time has passed since the payment was submitted.' },
    metadata: {},
    ...extra,
  };
}

const batch = (events: Array<Record<string, unknown>>) => JSON.stringify({ events, meta: { webhook_id: `WB${randomUUID().slice(0, 8)}` } });

/** GoCardless's signature as documented: hex HMAC-SHA256 of the raw body. */
function sign(body: string | Buffer, { secret = SECRET }: { secret?: string } = {}): SignedRequest {
  return { body, headers: { 'Webhook-Signature': createHmac('sha256', secret).update(body).digest('hex') } };
}

/** gocardless-nodejs's verdict on a request. */
function gocardlessAccepts(request: SignedRequest): boolean {
  try {
    parse(Buffer.from(request.body), SECRET, request.headers['Webhook-Signature'] as string);
    return true;
  } catch {
    return false;
  }
}

const idOf = (body: string | Buffer) => JSON.parse(String(body)).events[0].id as string;

const matrix = providerMatrix({
  kind: 'gocardless',
  notApplicable: noWindow('no timestamp is signed'),
  rotation: { stored: randomBytes(30).toString('base64url') },
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: (extra) => batch([event(extra)]),
  sign: (body, options) => sign(body, options),
  accepts: gocardlessAccepts,
  signBytes: (body) => sign(body).headers,
  signatureHeader: 'Webhook-Signature',
  expected: (request) => ({ deliveryId: idOf(request.body), eventType: 'payments:confirmed' }),
  tamper: ['4200', '4201'],
  answer: { events: 1, enqueued: 1 },
  invalidUtf8Body: () => Buffer.concat([Buffer.from(`{"events":[{"id":"EV${randomUUID().slice(0, 8)}","resource_type":"payments","action":"failed","note":"`), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}]}')]),
});

batchMatrix({
  kind: 'gocardless',
  matrix,
  item: () => event(),
  batch,
  sign: (body) => sign(body),
  accepts: gocardlessAccepts,
  expected: (item) => ({ deliveryId: item.id as string, eventType: `${item.resource_type}:${item.action}` }),
});

test('gocardless-nodejs parses the same events that are enqueued, one message per event', async () => {
  // GIVEN a genuine batch of a payment and a mandate event
  const events = [event(), event({ resource_type: 'mandates', action: 'cancelled' })];
  const request = sign(batch(events));
  const parsed = parse(request.body as string, SECRET, request.headers['Webhook-Signature']);

  // WHEN it is delivered
  expect((await matrix.harness().send(request)).status).toBe(200);

  // THEN the envelopes are GoCardless's events, in its order, typed resource_type:action
  const messages = await matrix.harness().messages();
  expect(messages.sort((a, b) => a.item!.index - b.item!.index).map((m) => [m.deliveryId, m.eventType])).toEqual(
    parsed.map((e) => [e.id, `${e.resource_type}:${e.action}`]),
  );
});

test('a body with an event without an id is refused (400 delivery_id_missing), nothing enqueued', async () => {
  const bare = event();
  delete bare.id;
  const request = sign(batch([event(), bare]));
  expect(gocardlessAccepts(request)).toBe(true);
  const answer = await matrix.harness().send(request);
  expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 400, error: 'delivery_id_missing' });
  expect(await matrix.harness().messages()).toEqual([]);
});

test('a signed body without events is refused (400 body_malformed), and a bad one is 401 first', async () => {
  const empty = sign(JSON.stringify({ events: [] }));
  expect(gocardlessAccepts(empty)).toBe(true);
  const answer = await matrix.harness().send(empty);
  expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 400, error: 'body_malformed' });
  await expectRejected(matrix.harness(), sign(JSON.stringify({ events: [] }), { secret: OTHER_SECRET }), 'signature_mismatch');
});
