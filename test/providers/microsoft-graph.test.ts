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
 *
 * The standard matrix is test/support/provider-matrix.ts: the clientState is its "signature", in the body, and the
 * validation is its handshake. This file keeps batches, lifecycle notifications and the validation without a secret.
 */
import { createHash, randomUUID } from 'node:crypto';
import { expectRejected, providerHarness, type Harness } from '../support/provider-harness';
import { providerMatrix, type SignedRequest } from '../support/provider-matrix';

type Request = SignedRequest;

/** The clientState of Graph's example notification. */
const SECRET = 'secretClientValue';
const OTHER_SECRET = 'anotherClientValue';
const TENANT = '84bd8158-6d4d-4958-8b9f-9d6445542f95';

const ROTATED_SECRET = 'rotatedClientValue';

afterEach(async () => {
  // A notification wrongly accepted by a failing test must not be read by the next one.
  await graph().messages();
});

/** One item of `value`, shaped as Graph's example (a new message in a mailbox). */
function item(options: { clientState?: string | null; changeType?: string; subject?: string; extra?: Record<string, unknown> } = {}): Record<string, unknown> {
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
  return { ...notification, ...options.extra };
}

const notifications = (...items: Record<string, unknown>[]): Request => ({ body: JSON.stringify({ value: items }), headers: {} });

const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;
/** The body as enqueued: each `"clientState":"<secret>"` value replaced, nothing else changed. */
const redacted = (body: string | Buffer) =>
  Buffer.from(Buffer.from(body).toString('latin1').split(`"clientState":"${SECRET}"`).join('"clientState":"[redacted]"'), 'latin1');
type Items = { value: Array<Record<string, unknown>> };
/** The request with its items changed by `change`. */
function withItems(request: Request, change: (items: Items['value']) => void): Request {
  const parsed = JSON.parse(String(request.body)) as Items;
  change(parsed.value);
  return { ...request, body: JSON.stringify(parsed) };
}

const matrix = providerMatrix({
  kind: 'microsoft-graph',
  notApplicable: {
    'tampered body': 'Graph signs nothing: the clientState covers none of the body',
    'stale timestamp': 'Graph sends no timestamp',
    'future timestamp': 'Graph sends no timestamp',
    'several signatures': 'a subscription has one clientState',
  },
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  otherSecretCase: 'a wrong clientState',
  rotation: { stored: ROTATED_SECRET },
  auth: 'shared-token',
  bodySigned: false,
  event: (extra) => notifications(item({ extra })).body as string,
  // Graph's notification carries the subscription's clientState in every item (no package makes one).
  sign: (body, options) => withItems({ body, headers: {} }, (items) => items.forEach((i) => (i.clientState = options?.secret ?? SECRET))),
  signatureIn: {
    name: 'value[0].clientState',
    get: (request) => (JSON.parse(String(request.body)) as Items).value[0].clientState as string,
    set: (request, value) => withItems(request, ([first]) => (first.clientState = value)),
    remove: (request) => withItems(request, ([first]) => delete first.clientState),
  },
  expected: (request) => ({ deliveryId: bodyHash(request.body), eventType: (JSON.parse(String(request.body)) as Items).value[0].changeType as string }),
  enqueued: (body) => redacted(body),
  invalidUtf8Request: () => {
    // A notification whose bytes are not all UTF-8, with the right clientState.
    const bytes = Buffer.from([0xff, 0xfe, 0xc3, 0x28]);
    const prefix = Buffer.from(`{"value":[{"changeType":"updated","clientState":"${SECRET}","tenantId":"${TENANT}","subject":"`);
    const body = Buffer.concat([prefix, bytes, Buffer.from('"}]}')]);
    // (In the envelope the clientState is redacted, so the bytes sit further along by the length difference.)
    const shift = '[redacted]'.length - SECRET.length;
    return { request: { body, headers: {} }, bytes, carried: (enqueuedBody) => enqueuedBody.subarray(prefix.length + shift, prefix.length + shift + bytes.length) };
  },
  invalidUtf8Expected: (request) => ({ deliveryId: bodyHash(request.body), eventType: 'updated' }),
  refusals: [
    ['the clientState with a different case', () => notifications(item({ clientState: SECRET.toUpperCase() })), 'signature_mismatch'],
    ['the clientState with a trailing space', () => notifications(item({ clientState: `${SECRET} ` })), 'signature_mismatch'],
    ['an empty value array', () => notifications(), 'signature_missing'],
    ['a batch in which one item has a wrong clientState', () => notifications(item(), item({ clientState: OTHER_SECRET }), item()), 'signature_mismatch'],
    ['a batch in which one item has no clientState', () => notifications(item(), item({ clientState: null })), 'signature_missing'],
  ],
  handshake: {
    name: 'validationToken',
    // Graph's validation request: a POST with the token in the query (handed over decoded) and no clientState.
    request: () => ({ body: '', headers: { 'Content-Type': 'text/plain; charset=utf-8' }, query: { validationToken: `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}` } }),
    // Answered 200 text/plain with the decoded token as the whole body.
    expectAnswer: (answer, request) => {
      expect(answer.status).toBe(200);
      expect(String(answer.headers['Content-Type'])).toMatch(/^text\/plain(;|$)/);
      expect(answer.text).toBe(request.query!.validationToken);
    },
  },
});
const graph = (): Harness => matrix.harness();

test('a batch whose every item carries the clientState is accepted as one delivery', async () => {
  // GIVEN three notifications in one POST, as Graph batches them
  const request = notifications(item(), item({ changeType: 'updated' }), item({ changeType: 'deleted' }));

  // WHEN it is delivered
  const answer = await graph().send(request);

  // THEN it is accepted and enqueued once, typed by its first item
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(request.body) });
  const messages = await graph().messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ eventType: 'created', body: redacted(request.body).toString('utf8') });
});

test('a lifecycle notification (reauthorizationRequired) is authenticated by the same clientState', async () => {
  // GIVEN a lifecycle notification, which carries lifecycleEvent instead of changeType
  const body = JSON.stringify({
    value: [{ subscriptionId: '5c6d7e8f-0a1b-4c2d-9e3f-4a5b6c7d8e9f', subscriptionExpirationDateTime: new Date(Date.now() + 3_600_000).toISOString(), tenantId: TENANT, clientState: SECRET, lifecycleEvent: 'reauthorizationRequired' }],
  });

  // WHEN it is delivered, and a forged one with another clientState
  const answer = await graph().send({ body });

  // THEN the genuine one is accepted and enqueued; the forged one is refused
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
  expect(await graph().messages()).toHaveLength(1);
  await expectRejected(graph(), { body: body.replace(SECRET, OTHER_SECRET) }, 'signature_mismatch');
});

describe('the validationToken handshake', () => {
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
