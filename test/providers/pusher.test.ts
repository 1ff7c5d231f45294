/**
 * Pusher Channels: `X-Pusher-Signature`, the hex HMAC-SHA256 of the raw body keyed with the app secret, and
 * `X-Pusher-Key`, the app key, which selects the secret: the receiver's secret is `<app key>:<app secret>` (or a
 * JSON array of several). Requests are signed by the `pusher` package's own `Token.sign` and judged by its
 * `pusher.webhook({headers, rawBody}).isValid(extraTokens)`. Pusher's events carry no id: each is keyed by the
 * SHA-256 of the JSON array `[time_ms, event]`, so a retry of a batch is a duplicate and the same event in a later
 * batch (another `time_ms`) is a new event. The event type is the event's `name`.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import Pusher from 'pusher';
import { expectRejected, providerHarness } from '../support/provider-harness';
import { batchMatrix } from '../support/batch-matrix';
import { noWindow, providerMatrix, type SignedRequest } from '../support/provider-matrix';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Token: new (key: string, secret: string) => { sign(text: string): string } = require('pusher/lib/token');

const APP_KEY = randomBytes(10).toString('hex');
const APP_SECRET = randomBytes(10).toString('hex');
const OTHER_SECRET = randomBytes(10).toString('hex');
const ROTATED_SECRET = randomBytes(10).toString('hex');
const TIME_MS = 1764590400000;

function event(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'channel_occupied', channel: `presence-${randomUUID()}`, ...extra };
}

const batch = (events: Array<Record<string, unknown>>, timeMs = TIME_MS) => JSON.stringify({ time_ms: timeMs, events });

/** Signed by pusher's own Token (the class its webhook check uses). */
function sign(body: string | Buffer, { secret = APP_SECRET, key = APP_KEY }: { secret?: string; key?: string } = {}): SignedRequest {
  return { body, headers: { 'X-Pusher-Key': key, 'X-Pusher-Signature': new Token(key, secret).sign(String(body)) } };
}

/** Pusher's verdict (lower-case header names and a string body, as its WebHook reads them). */
function pusherAccepts(request: SignedRequest, tokens: Array<{ key: string; secret: string }> = [{ key: APP_KEY, secret: APP_SECRET }]): boolean {
  const pusher = new Pusher({ appId: '1', key: tokens[0].key, secret: tokens[0].secret, cluster: 'eu' });
  const headers = Object.fromEntries(Object.entries({ 'content-type': 'application/json', ...request.headers }).map(([k, v]) => [k.toLowerCase(), v]));
  try {
    return pusher.webhook({ headers, rawBody: String(request.body) }).isValid(tokens.slice(1));
  } catch {
    // Without X-Pusher-Signature, isValid throws (secureCompare reads the missing signature's length): a refusal.
    return false;
  }
}

/** Our key for an event of a batch: the SHA-256 of `[time_ms as text, event]`. */
const keyOf = (item: unknown, timeMs = TIME_MS) => `sha256:${createHash('sha256').update(JSON.stringify([String(timeMs), item])).digest('hex')}`;

const matrix = providerMatrix({
  kind: 'pusher',
  notApplicable: noWindow('no timestamp is signed apart from the body (Pusher documents no window for time_ms)'),
  secret: `${APP_KEY}:${APP_SECRET}`,
  rotation: { stored: `${APP_KEY}:${ROTATED_SECRET}`, signingSecret: ROTATED_SECRET },
  otherSecret: OTHER_SECRET,
  event: (extra) => batch([event({ ...extra, subscription_count: 4200 })], Date.now()),
  sign: (body, options) => sign(body, { secret: options?.secret }),
  accepts: (request) => pusherAccepts(request),
  // The documented scheme over raw bytes: hex HMAC-SHA256 with the app secret.
  signBytes: (body) => ({ 'X-Pusher-Key': APP_KEY, 'X-Pusher-Signature': createHmac('sha256', APP_SECRET).update(body).digest('hex') }),
  signatureHeader: 'X-Pusher-Signature',
  requiredHeaders: [['X-Pusher-Key', 'signature_missing']],
  expected: (request) => {
    const { time_ms: timeMs, events } = JSON.parse(String(request.body));
    return { deliveryId: keyOf(events[0], timeMs), eventType: 'channel_occupied' };
  },
  tamper: ['4200', '4201'],
  answer: { events: 1, enqueued: 1 },
  invalidUtf8Body: () => Buffer.concat([Buffer.from(`{"time_ms":${Date.now()},"events":[{"name":"client_event","channel":"private-${randomUUID()}","data":"`), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}]}')]),
});

batchMatrix({
  kind: 'pusher',
  matrix,
  item: () => event(),
  batch: (items) => batch(items),
  sign: (body) => sign(body),
  accepts: (request) => pusherAccepts(request),
  expected: (item) => ({ deliveryId: keyOf(item), eventType: 'channel_occupied' }),
});

test('the same event in a later batch (another time_ms) is a new event, not a duplicate', async () => {
  // GIVEN an event delivered in one batch
  const occupied = event();
  expect((await matrix.harness().send(sign(batch([occupied], TIME_MS + 1))))).toMatchObject({ status: 200, body: { code: 'accepted' } });

  // WHEN the channel is occupied again later: the same event, in a batch of another time
  const later = sign(batch([occupied], TIME_MS + 60_000));
  expect(pusherAccepts(later)).toBe(true);
  const answer = await matrix.harness().send(later);

  // THEN it is enqueued: two messages, keyed apart
  expect(answer.body).toMatchObject({ code: 'accepted', enqueued: 1, deliveryId: keyOf(occupied, TIME_MS + 60_000) });
  expect((await matrix.harness().messages()).map((m) => m.deliveryId)).toEqual([keyOf(occupied, TIME_MS + 1), keyOf(occupied, TIME_MS + 60_000)]);
});

test('X-Pusher-Key selects the secret: another app key is refused even with a signature by our secret', async () => {
  // GIVEN a body signed with our app secret, but named with another app's key
  const request = sign(batch([event()]), { key: 'another-app-key' });
  expect(pusherAccepts(request)).toBe(false);

  // WHEN / THEN it is refused
  await expectRejected(matrix.harness(), request, 'signature_mismatch');
});

test('a secret holding two apps (a JSON array) verifies each with its own key, as pusher.isValid(extraTokens) does', async () => {
  // GIVEN a receiver whose secret lists two apps' keys and secrets
  const second = { key: randomBytes(10).toString('hex'), secret: randomBytes(10).toString('hex') };
  const tokens = [{ key: APP_KEY, secret: APP_SECRET }, second];
  const harness = await providerHarness('pusher', { id: 'pusher-two', secret: JSON.stringify(tokens.map((t) => `${t.key}:${t.secret}`)) });

  // WHEN each app sends, and one sends with the other's key
  const fromSecond = sign(batch([event()]), second);
  const crossed = sign(batch([event()]), { key: APP_KEY, secret: second.secret });
  expect([pusherAccepts(fromSecond, tokens), pusherAccepts(crossed, tokens)]).toEqual([true, false]);

  // THEN the second app's body is accepted, and the crossed one refused
  expect((await harness.send(fromSecond)).status).toBe(200);
  expect(await harness.messages()).toHaveLength(1);
  await expectRejected(harness, crossed, 'signature_mismatch');
});

test('a body without time_ms is refused (400 delivery_id_missing): its events could not be keyed', async () => {
  const request = sign(JSON.stringify({ events: [event()] }));
  const answer = await matrix.harness().send(request);
  expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 400, error: 'delivery_id_missing' });
  expect(await matrix.harness().messages()).toEqual([]);
});
