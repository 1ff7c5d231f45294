/**
 * GitLab: no signature. Each request carries the webhook's secret token itself in `X-Gitlab-Token`, which the
 * receiver compares with its copy (https://docs.gitlab.com/user/project/integrations/webhooks/#create-a-secret-token).
 * GitLab publishes no npm package that sends or checks webhooks, so requests are built here as that documentation
 * and its "Delivery headers" table describe them. The delivery id is `Idempotency-Key` (GitLab 17.4+: "remains
 * consistent across webhook retries"), else `X-Gitlab-Event-UUID` (older instances); the event type is
 * `X-Gitlab-Event` (`Push Hook`, ...). GitLab defines no handshake. The standard matrix is
 * test/support/provider-matrix.ts (a token does not cover the body: no tampered-body case); this file holds what is
 * particular to GitLab.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { invalidUtf8Json } from '../support/provider-harness';
import { providerMatrix, withHeader, without, type SignedRequest } from '../support/provider-matrix';

const TOKEN = `gitlab-${randomBytes(16).toString('hex')}`;

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

/** The headers GitLab sends with a delivery (GitLab 17.4+), the token included; a new X-Gitlab-Event-UUID each time. */
function delivery(body: string | Buffer, options: { secret?: string; event?: string; id?: string } = {}): SignedRequest {
  return {
    body,
    headers: {
      'User-Agent': 'GitLab/18.6.0',
      'X-Gitlab-Instance': 'https://gitlab.example.com',
      'X-Gitlab-Webhook-UUID': '02affd2d-2cba-4033-917d-ec22d5dc4b38',
      'X-Gitlab-Event': options.event ?? 'Push Hook',
      'X-Gitlab-Event-UUID': randomUUID(),
      'Idempotency-Key': options.id ?? randomUUID(),
      'X-Gitlab-Token': options.secret ?? TOKEN,
    },
  };
}

const TOKEN_HEADER = 'X-Gitlab-Token';

const matrix = providerMatrix({
  kind: 'gitlab',
  notApplicable: {
    'tampered body': 'GitLab signs nothing: the token covers none of the body',
    'stale timestamp': 'GitLab signs nothing: the token in X-Gitlab-Token carries no time',
    'future timestamp': 'GitLab signs nothing: the token in X-Gitlab-Token carries no time',
  },
  secret: TOKEN,
  otherSecret: randomBytes(24).toString('base64url'),
  rotation: { stored: `gitlab-${randomBytes(16).toString('hex')}` },
  auth: 'shared-token',
  bodySigned: false,
  event: pushEvent,
  sign: (body, options) => delivery(body, options),
  signBytes: (body, { id }) => delivery(body, { id, event: 'Note Hook' }).headers,
  signatureHeader: TOKEN_HEADER,
  expected: (request) => ({ deliveryId: request.headers['Idempotency-Key'], eventType: request.headers['X-Gitlab-Event'] }),
  // A retry carries the same Idempotency-Key and a new X-Gitlab-Event-UUID
  redeliver: (request) => {
    const retry = delivery(request.body, { id: request.headers['Idempotency-Key'] });
    expect(retry.headers['X-Gitlab-Event-UUID']).not.toBe(request.headers['X-Gitlab-Event-UUID']);
    return retry;
  },
  refusals: [
    ['the token with its first character changed', () => withHeader(delivery(pushEvent()), TOKEN_HEADER, `h${TOKEN.slice(1)}`), 'signature_mismatch'],
    ['a prefix of the token', () => withHeader(delivery(pushEvent()), TOKEN_HEADER, TOKEN.slice(0, -1)), 'signature_mismatch'],
    ['the token with a character appended', () => withHeader(delivery(pushEvent()), TOKEN_HEADER, `${TOKEN}x`), 'signature_mismatch'],
    ['the token in another case', () => withHeader(delivery(pushEvent()), TOKEN_HEADER, TOKEN.toUpperCase()), 'signature_mismatch'],
    ['an empty X-Gitlab-Token header', () => withHeader(delivery(pushEvent()), TOKEN_HEADER, ''), 'signature_missing'],
  ],
  invalidUtf8Body: () => invalidUtf8Json('{"object_kind":"note","object_attributes":{"note":"', '"}}'),
  invalidUtf8Expected: (request) => ({ deliveryId: request.headers['Idempotency-Key'], eventType: 'Note Hook' }),
});

test('from a GitLab older than 17.4 (no Idempotency-Key), the delivery is keyed by X-Gitlab-Event-UUID', async () => {
  // GIVEN a delivery without Idempotency-Key
  const request = without(delivery(pushEvent(), { event: 'Merge Request Hook' }), 'Idempotency-Key');
  const eventUuid = request.headers['X-Gitlab-Event-UUID'];

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN X-Gitlab-Event-UUID is its delivery id
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: eventUuid });
  const [message] = await matrix.harness().messages();
  expect(message).toMatchObject({ deliveryId: eventUuid, eventType: 'Merge Request Hook' });
});
