/**
 * GitLab: no signature. Each request carries the webhook's secret token itself in `X-Gitlab-Token`, which the
 * receiver compares with its copy (https://docs.gitlab.com/user/project/integrations/webhooks/#create-a-secret-token).
 * GitLab publishes no npm package that sends or checks webhooks, so requests are built here as that documentation
 * and its "Delivery headers" table describe them. The delivery id is `Idempotency-Key` (GitLab 17.4+: "remains
 * consistent across webhook retries"), else `X-Gitlab-Event-UUID` (older instances); the event type is
 * `X-Gitlab-Event` (`Push Hook`, ...). GitLab defines no handshake.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type Delivery = { body: string | Buffer; headers: Record<string, string> };

// A secret token as a user would choose it; it contains letters, so its upper-case form differs.
const TOKEN = `gitlab-${randomBytes(16).toString('hex')}`;
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('gitlab', { secret: TOKEN });
});

function pushEvent(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    object_kind: 'push',
    event_name: 'push',
    before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
    after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    ref: 'refs/heads/main',
    user_username: 'jsmith',
    project: { id: 15, path_with_namespace: 'mike/diaspora' },
    commits: [{ id: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327', message: 'Update Catalan translation to e38cb41.', ...extra }],
    total_commits_count: 1,
  });
}

/** The headers GitLab sends with a delivery (GitLab 17.4+), the token included. */
function delivery(body: string | Buffer, options: { token?: string; event?: string; idempotencyKey?: string } = {}): Delivery & { idempotencyKey: string } {
  const idempotencyKey = options.idempotencyKey ?? randomUUID();
  return {
    idempotencyKey,
    body,
    headers: {
      'User-Agent': 'GitLab/18.6.0',
      'X-Gitlab-Instance': 'https://gitlab.example.com',
      'X-Gitlab-Webhook-UUID': '02affd2d-2cba-4033-917d-ec22d5dc4b38',
      'X-Gitlab-Event': options.event ?? 'Push Hook',
      'X-Gitlab-Event-UUID': randomUUID(),
      'Idempotency-Key': idempotencyKey,
      'X-Gitlab-Token': options.token ?? TOKEN,
    },
  };
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

function without(request: Delivery, name: string): Delivery {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

test('a genuine delivery is accepted and enqueued once, keyed by Idempotency-Key', async () => {
  // GIVEN a push event carrying the right token
  const request = delivery(pushEvent());

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the idempotency key, the event name and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.idempotencyKey });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'gitlab', deliveryId: request.idempotencyKey, eventType: 'Push Hook', auth: 'shared-token', bodySigned: false, bodyEncoding: 'utf8', body: request.body });
});

describe('requests without the right token are refused', () => {
  const withToken = (request: Delivery, value: string): Delivery => ({ ...request, headers: { ...request.headers, 'X-Gitlab-Token': value } });
  const cases: Array<[string, () => Delivery, string]> = [
    ['another token', () => delivery(pushEvent(), { token: randomBytes(24).toString('base64url') }), 'signature_mismatch'],
    ['the token with one character changed', () => withToken(delivery(pushEvent()), `h${TOKEN.slice(1)}`), 'signature_mismatch'],
    ['a prefix of the token', () => withToken(delivery(pushEvent()), TOKEN.slice(0, -1)), 'signature_mismatch'],
    ['the token with a character appended', () => withToken(delivery(pushEvent()), `${TOKEN}x`), 'signature_mismatch'],
    ['the token in another case', () => withToken(delivery(pushEvent()), TOKEN.toUpperCase()), 'signature_mismatch'],
    ['no X-Gitlab-Token header', () => without(delivery(pushEvent()), 'X-Gitlab-Token'), 'signature_missing'],
    ['an empty X-Gitlab-Token header', () => withToken(delivery(pushEvent()), ''), 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request whose token is not the webhook's secret token
    const request = make();

    // WHEN / THEN it is refused with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

describe('the delivery id', () => {
  test('a retry carries the same Idempotency-Key and a new X-Gitlab-Event-UUID: it is not enqueued a second time', async () => {
    // GIVEN a delivery that was accepted
    const first = delivery(pushEvent());
    expect((await harness.send(first)).body).toEqual({ ok: true, code: 'accepted', deliveryId: first.idempotencyKey });
    expect(await harness.messages()).toHaveLength(1);
    const records = await harness.records();

    // WHEN GitLab retries it (a resend from "Recent events" keeps the Idempotency-Key only)
    const retry = delivery(first.body, { idempotencyKey: first.idempotencyKey });
    expect(retry.headers['X-Gitlab-Event-UUID']).not.toBe(first.headers['X-Gitlab-Event-UUID']);
    const answer = await harness.send(retry);

    // THEN the key is still held by the first delivery: no new record, nothing enqueued
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 200, code: 'duplicate' });
    expect(await harness.records()).toBe(records);
    expect(await harness.messages()).toEqual([]);
  });

  test('from a GitLab older than 17.4 (no Idempotency-Key), the delivery is keyed by X-Gitlab-Event-UUID', async () => {
    // GIVEN a delivery without Idempotency-Key
    const request = without(delivery(pushEvent(), { event: 'Merge Request Hook' }), 'Idempotency-Key');
    const eventUuid = request.headers['X-Gitlab-Event-UUID'];

    // WHEN it is delivered
    const answer = await harness.send(request);

    // THEN its key is the event UUID
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: eventUuid });
    const [message] = await harness.messages();
    expect(message).toMatchObject({ deliveryId: eventUuid, eventType: 'Merge Request Hook' });
  });
});

test('a body with non-ASCII UTF-8 is accepted and arrives byte-identical', async () => {
  // GIVEN a push whose commit message has accents, a symbol, an emoji and CJK characters
  const request = delivery(pushEvent({ message: 'café ☕ 🚀 漢字' }));

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were sent
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body as string, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 is accepted and arrives base64-encoded, byte-identical', async () => {
  // GIVEN a body with bytes that are not UTF-8, with the right token
  const body = invalidUtf8Json('{"object_kind":"note","object_attributes":{"note":"', '"}}');
  const request = delivery(body, { event: 'Note Hook' });

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: request.idempotencyKey, eventType: 'Note Hook', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});
