/**
 * Linear: `Linear-Signature` = hex HMAC-SHA256(webhook secret, raw body), and the replay guard is the body's own
 * `webhookTimestamp` (milliseconds), which the signature covers; it must be within a minute of now
 * (https://linear.app/developers/webhooks#securing-webhooks). The SDK can only verify, so requests are signed as
 * documented and `LinearWebhookClient#verify` from `@linear/sdk/webhooks` is the oracle. It hashes the raw bytes, so
 * it also judges bodies that are not UTF-8. Linear defines no handshake. The standard matrix is
 * test/support/provider-matrix.ts (its timestamps are the body's webhookTimestamp); this file holds what is
 * particular to Linear.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { invalidUtf8Json } from '../support/provider-harness';
import { providerMatrix, withHeader, type SignedRequest } from '../support/provider-matrix';

const SECRET = 'lin_wh_8f3kQ2rVx9LmT4pZ7cYbN1sD6gHjW0aE';
const OTHER_SECRET = 'lin_wh_another0secret1for2the3tests4xyz';
let linearVerify: (body: Buffer, signature: string) => boolean;

beforeAll(async () => {
  const { LinearWebhookClient } = await import('@linear/sdk/webhooks');
  const client = new LinearWebhookClient(SECRET);
  linearVerify = (body, signature) => client.verify(body, signature);
});

function issueCreated(options: { title?: string; webhookTimestamp?: number | null; extra?: Record<string, unknown> } = {}): string {
  const { title = 'Fix the login page', webhookTimestamp = Date.now() } = options;
  return JSON.stringify({
    action: 'create',
    type: 'Issue',
    createdAt: new Date().toISOString(),
    data: { id: randomUUID(), title, teamId: '72b2a2dc-6f4f-4423-9d34-24b5bd10634a', ...options.extra },
    url: 'https://linear.app/acme/issue/ENG-1/fix-the-login-page',
    organizationId: 'f1a5f0c4-0000-4000-8000-000000000001',
    webhookId: '000042e3-d123-4980-b49f-8e140eef9329',
    ...(webhookTimestamp === null ? {} : { webhookTimestamp }),
  });
}

/**
 * The body with its webhookTimestamp moved to `at` when it is more than a second away (the matrix's stale and future
 * requests); the bytes around it untouched. A body made at `at` is signed as it is.
 */
function stampedAt(body: string | Buffer, at: Date | undefined): Buffer {
  const text = Buffer.from(body).toString('latin1');
  const stamp = /"webhookTimestamp":(\d+)/.exec(text);
  if (at === undefined || !stamp || Math.abs(Number(stamp[1]) - at.getTime()) <= 1000) return Buffer.from(body);
  return Buffer.from(text.replace(stamp[0], `"webhookTimestamp":${at.getTime()}`), 'latin1');
}

/** Signed as Linear documents: hex HMAC-SHA256 of the body bytes; one delivery id per request. */
function signed(body: string | Buffer, options: { secret?: string; id?: string } = {}): SignedRequest {
  return {
    body,
    headers: {
      'Linear-Signature': createHmac('sha256', options.secret ?? SECRET).update(body).digest('hex'),
      'Linear-Delivery': options.id ?? randomUUID(),
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

const matrix = providerMatrix({
  kind: 'linear',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  rotation: { stored: 'lin_wh_rotated0secret1for2the3tests4abc' },
  event: (extra) => issueCreated({ extra }),
  // The timestamp Linear signs is the body's webhookTimestamp: a request "at" a time carries it in its body
  sign: (body, options) => {
    const stamped = stampedAt(body, options?.at);
    return signed(typeof body === 'string' ? stamped.toString('utf8') : stamped, options);
  },
  accepts: linearAccepts,
  signBytes: (body, { id }) => signed(body, { id }).headers,
  signatureHeader: 'Linear-Signature',
  windowSeconds: 60,
  expected: (request) => ({ deliveryId: request.headers['Linear-Delivery'], eventType: 'Issue' }),
  tamper: ['Fix the login page', 'Delete the project'],
  refusals: [
    ['a signature that is not hex', () => {
      const request = signed(issueCreated());
      return withHeader(request, 'Linear-Signature', 'zz' + request.headers['Linear-Signature'].slice(2));
    }, 'signature_malformed'],
    ['a body without webhookTimestamp', () => signed(issueCreated({ webhookTimestamp: null })), 'timestamp_missing'],
    ['a webhookTimestamp in seconds, not milliseconds (decades ago)', () => signed(issueCreated({ webhookTimestamp: Math.floor(Date.now() / 1000) })), 'timestamp_out_of_window'],
  ],
  invalidUtf8Body: () => invalidUtf8Json(`{"type":"Issue","webhookTimestamp":${Date.now()},"data":{"title":"`, '"}}'),
  invalidUtf8Expected: (request) => ({ deliveryId: request.headers['Linear-Delivery'], eventType: 'Issue' }),
});

test('only the signed body timestamp counts: a stale Linear-Timestamp header changes nothing', async () => {
  // GIVEN a genuine delivery with a Linear-Timestamp header an hour old
  const request = withHeader(signed(issueCreated()), 'Linear-Timestamp', String(Date.now() - 3_600_000));
  expect(linearAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN it is accepted: the header is not signed, the body's webhookTimestamp is
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.headers['Linear-Delivery'] });
  expect(await matrix.harness().messages()).toHaveLength(1);
});
