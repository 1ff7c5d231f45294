/**
 * Microsoft Graph change notifications over webhooks (https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks).
 * Graph signs nothing: a notification is authenticated by its `clientState`, the shared value given when the
 * subscription was created, which every item of the `value` array carries and which must equal it. No npm package
 * verifies this (the Graph SDKs only create subscriptions), so requests are built as that page documents them,
 * starting from its example notification and its example clientState `secretClientValue`. Graph sends no delivery id,
 * so a POST is keyed by the hash of its body; the event type is the first item's `changeType`.
 *
 * The endpoint validation (same page, "Notification endpoint validation") is a POST with `?validationToken=`: it
 * carries no clientState and must be answered within 10 seconds with 200, `text/plain`, and the URL-decoded token as
 * the whole body, with no secret check.
 *
 * The clientState is the receiver's secret: the envelope carries the body with each clientState value replaced
 * by `"[redacted]"` and every other byte as received (`redacted` below), and lists `value[].clientState` in
 * `redactions`. test/secret-scan.test.ts covers the redaction itself.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type Request = { body: string | Buffer; headers?: Record<string, string> };

/** The clientState of Graph's example notification. */
const SECRET = 'secretClientValue';
const OTHER_SECRET = 'anotherClientValue';
const TENANT = '84bd8158-6d4d-4958-8b9f-9d6445542f95';

let graph: Harness;

beforeAll(async () => {
  graph = await providerHarness('microsoft-graph', { secret: SECRET });
});

afterEach(async () => {
  // A notification wrongly accepted by a failing test must not be read by the next one.
  await graph.messages();
});

/** One item of `value`, shaped as Graph's example (a new message in a mailbox). */
function item(options: { clientState?: string | null; changeType?: string; subject?: string } = {}): Record<string, unknown> {
  const messageId = `AAMkAGUwNjQ4ZjIxLTQ3Y2YtNDViMi1iZjc4LTMA${randomUUID().replace(/-/g, '')}`;
  const notification: Record<string, unknown> = {
    id: 'lsgTZMr9KwAAA',
    subscriptionId: '5c6d7e8f-0a1b-4c2d-9e3f-4a5b6c7d8e9f',
    subscriptionExpirationDateTime: new Date(Date.now() + 86_400_000).toISOString(),
    changeType: options.changeType ?? 'created',
    resource: `Users/8bc3e5b2-6a1c-4d7e-9f20-1a2b3c4d5e6f/Messages/${messageId}`,
    tenantId: TENANT,
    resourceData: { '@odata.type': '#Microsoft.Graph.Message', '@odata.id': `Users/8bc3e5b2-6a1c-4d7e-9f20-1a2b3c4d5e6f/Messages/${messageId}`, '@odata.etag': 'W/"CQAAABYAAADkrWGo7bouTKlsgTZMr9KwAAAUWRHf"', id: messageId },
  };
  if (options.subject !== undefined) notification.subject = options.subject;
  if (options.clientState !== null) notification.clientState = options.clientState ?? SECRET;
  return notification;
}

const notifications = (...items: Record<string, unknown>[]): Request => ({ body: JSON.stringify({ value: items }) });

const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;
/** The body as enqueued: each `"clientState":"<secret>"` value replaced, nothing else changed. */
const redacted = (body: string | Buffer) =>
  Buffer.from(Buffer.from(body).toString('latin1').split(`"clientState":"${SECRET}"`).join('"clientState":"[redacted]"'), 'latin1');
const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine notification is accepted and enqueued once, keyed by the hash of its body', async () => {
  // GIVEN a notification whose clientState is the subscription's
  const request = notifications(item());

  // WHEN it is delivered
  const answer = await graph.send(request);

  // THEN it is accepted, and one envelope carries the body hash as id, the changeType and the body, its
  // clientState redacted
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(request.body) });
  const messages = await graph.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({
    provider: 'microsoft-graph',
    deliveryId: bodyHash(request.body),
    eventType: 'created',
    auth: 'shared-token',
    bodySigned: false,
    bodyEncoding: 'utf8',
    body: redacted(request.body).toString('utf8'),
    redactions: ['value[].clientState'],
  });
});

test('a batch whose every item carries the clientState is accepted as one delivery', async () => {
  // GIVEN three notifications in one POST, as Graph batches them
  const request = notifications(item(), item({ changeType: 'updated' }), item({ changeType: 'deleted' }));

  // WHEN it is delivered
  const answer = await graph.send(request);

  // THEN it is accepted and enqueued once, typed by its first item
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(request.body) });
  const messages = await graph.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ eventType: 'created', body: redacted(request.body).toString('utf8') });
});

describe('notifications Graph did not send are refused', () => {
  const cases: Array<[string, () => Request, string]> = [
    ['a wrong clientState', () => notifications(item({ clientState: OTHER_SECRET })), 'signature_mismatch'],
    ['the clientState with a different case', () => notifications(item({ clientState: SECRET.toUpperCase() })), 'signature_mismatch'],
    ['the clientState with a trailing space', () => notifications(item({ clientState: `${SECRET} ` })), 'signature_mismatch'],
    ['no clientState', () => notifications(item({ clientState: null })), 'signature_missing'],
    ['an empty value array', () => notifications(), 'signature_missing'],
    ['a batch in which one item has a wrong clientState', () => notifications(item(), item({ clientState: OTHER_SECRET }), item()), 'signature_mismatch'],
    ['a batch in which one item has no clientState', () => notifications(item(), item({ clientState: null })), 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN / WHEN / THEN a 401 with the right code, nothing enqueued, nothing recorded
    await expectRejected(graph, make(), code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical but for the redacted clientState', async () => {
  // GIVEN a notification with accents, a symbol, an emoji and CJK characters
  const request = notifications(item({ subject: 'café ☕ 🚀 漢字' }));

  // WHEN it is delivered
  const answer = await graph.send(request);

  // THEN the envelope holds exactly the bytes that were sent, clientState redacted
  expect(answer.status).toBe(200);
  const [message] = await graph.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(redacted(request.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies and arrives base64-encoded, byte-identical but for the redacted clientState', async () => {
  // GIVEN a notification whose bytes are not all UTF-8, with the right clientState
  const body = invalidUtf8Json(`{"value":[{"changeType":"updated","clientState":"${SECRET}","tenantId":"${TENANT}","subject":"`, '"}]}');

  // WHEN it is delivered
  const answer = await graph.send({ body });

  // THEN it is accepted and the envelope carries the same bytes, clientState redacted, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await graph.messages();
  expect(message).toMatchObject({ deliveryId: bodyHash(body), eventType: 'updated', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(redacted(body))).toBe(true);
  expect(bytesOf(message).equals(body)).toBe(false);
});

test('a lifecycle notification (reauthorizationRequired) is authenticated by the same clientState', async () => {
  // GIVEN a lifecycle notification, which carries lifecycleEvent instead of changeType
  const body = JSON.stringify({
    value: [{ subscriptionId: '5c6d7e8f-0a1b-4c2d-9e3f-4a5b6c7d8e9f', subscriptionExpirationDateTime: new Date(Date.now() + 3_600_000).toISOString(), tenantId: TENANT, clientState: SECRET, lifecycleEvent: 'reauthorizationRequired' }],
  });

  // WHEN it is delivered, and a forged one with another clientState
  const answer = await graph.send({ body });

  // THEN the genuine one is accepted and enqueued; the forged one is refused
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
  expect(await graph.messages()).toHaveLength(1);
  await expectRejected(graph, { body: body.replace(SECRET, OTHER_SECRET) }, 'signature_mismatch');
});

describe('the validationToken handshake', () => {
  test('is answered 200 text/plain with the decoded token as the whole body, and neither enqueued nor recorded', async () => {
    // GIVEN Graph's validation request: a POST with the token in the query (handed over decoded) and no clientState
    const validationToken = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const before = await graph.records();

    // WHEN it arrives
    const answer = await graph.send({ body: '', headers: { 'Content-Type': 'text/plain; charset=utf-8' }, query: { validationToken } });

    // THEN the answer is exactly the token, as plain text
    expect(answer.status).toBe(200);
    expect(String(answer.headers['Content-Type'])).toMatch(/^text\/plain(;|$)/);
    expect(answer.text).toBe(validationToken);
    expect(await graph.messages()).toEqual([]);
    expect(await graph.records()).toBe(before);
  });

  test('needs no secret: it is answered on a route whose clientState it does not know', async () => {
    // GIVEN a receiver whose clientState the validation request cannot carry (Graph sends none)
    const other = await providerHarness('microsoft-graph', { secret: OTHER_SECRET, id: 'graph-validation' });
    const validationToken = randomUUID();

    // WHEN the validation arrives
    const answer = await other.send({ body: '', headers: { 'Content-Type': 'text/plain' }, query: { validationToken } });

    // THEN it is echoed all the same
    expect({ status: answer.status, text: answer.text }).toEqual({ status: 200, text: validationToken });
    expect(await other.records()).toBe(0);
  });
});
