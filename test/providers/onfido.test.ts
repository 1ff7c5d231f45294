/**
 * Onfido: `X-SHA2-Signature: <hex>`, the HMAC-SHA256 of the raw body keyed with the webhook token. Onfido signs no
 * timestamp and sends no delivery id. The `@onfido/api` package only verifies, so requests are signed as
 * documented and its `new WebhookEventVerifier(token).readPayload(rawBody, signature)` is the oracle (it takes the
 * raw bytes, so it judges the non-UTF-8 body too). A delivery is keyed by `payload.object.id` and `payload.action`
 * (`<id>:<action>`); the event type is `payload.action`.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { WebhookEventVerifier } from '@onfido/api';
import { expectRejected } from '../support/provider-harness';
import { noWindow, providerMatrix, type SignedRequest } from '../support/provider-matrix';

const SECRET = randomBytes(24).toString('base64url');
const OTHER_SECRET = randomBytes(24).toString('base64url');

function checkCompleted(extra: Record<string, unknown> = {}, id: string = randomUUID()): string {
  return JSON.stringify({
    payload: {
      resource_type: 'check',
      action: 'check.completed',
      object: { id, status: 'complete', completed_at_iso8601: '2026-01-01T12:00:00Z', href: `https://api.onfido.com/v3.6/checks/${id}`, score: 4200, ...extra },
    },
  });
}

/** Onfido's signature as documented: hex HMAC-SHA256 of the raw body with the token's text. */
function sign(body: string | Buffer, { secret = SECRET }: { secret?: string } = {}): SignedRequest {
  return { body, headers: { 'X-SHA2-Signature': createHmac('sha256', secret).update(body).digest('hex') } };
}

/** Onfido's verdict on a request, over its raw bytes. */
function onfidoAccepts(request: SignedRequest, token = SECRET): boolean {
  try {
    new WebhookEventVerifier(token).readPayload(Buffer.from(request.body), request.headers['X-SHA2-Signature'] ?? '');
    return true;
  } catch {
    return false;
  }
}

const keyOf = (body: string | Buffer) => {
  const { payload } = JSON.parse(String(body));
  return `${payload.object.id}:${payload.action}`;
};

const matrix = providerMatrix({
  kind: 'onfido',
  notApplicable: noWindow('no timestamp is signed'),
  rotation: { stored: randomBytes(24).toString('base64url') },
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: (extra) => checkCompleted(extra),
  sign: (body, options) => sign(body, options),
  accepts: onfidoAccepts,
  signBytes: (body) => sign(body).headers,
  signatureHeader: 'X-SHA2-Signature',
  expected: (request) => ({ deliveryId: keyOf(request.body), eventType: 'check.completed' }),
  tamper: ['4200', '4201'],
});

test('the non-UTF-8 body\'s signature is one Onfido\'s verifier accepts over the raw bytes, and ours too', async () => {
  // GIVEN a body that is not UTF-8 but carries the fields of the key, signed as documented
  const id = randomUUID();
  const body = Buffer.concat([Buffer.from(`{"payload":{"action":"check.completed","object":{"id":"${id}"},"note":"`), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]);
  const request = sign(body);
  expect(onfidoAccepts(request)).toBe(true);

  // WHEN / THEN it is accepted, keyed by object id and action
  expect((await matrix.harness().send(request)).body).toEqual({ ok: true, code: 'accepted', deliveryId: `${id}:check.completed` });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('a repeated delivery of the same check\'s completion is a duplicate; another action on the same check is not', async () => {
  // GIVEN two deliveries of check.completed for one check (a retry, its body re-serialised) and a check.started
  const id = randomUUID();
  const first = sign(checkCompleted({}, id));
  const retry = sign(checkCompleted({ retried: true }, id));
  const started = sign(JSON.stringify({ payload: { resource_type: 'check', action: 'check.started', object: { id, status: 'in_progress' } } }));
  expect([first, retry, started].map((request) => onfidoAccepts(request))).toEqual([true, true, true]);

  // WHEN all three are delivered
  const answers = [];
  for (const request of [first, retry, started]) answers.push((await matrix.harness().send(request)).body);

  // THEN the retry is a duplicate and two envelopes exist
  expect(answers.map((answer) => [answer.code, answer.deliveryId])).toEqual([
    ['accepted', `${id}:check.completed`],
    ['duplicate', `${id}:check.completed`],
    ['accepted', `${id}:check.started`],
  ]);
  expect(await matrix.harness().messages()).toHaveLength(2);
});

test('a body without payload.object.id is keyed by its hash', async () => {
  const body = JSON.stringify({ payload: { resource_type: 'check', action: 'check.completed', object: {} } });
  const request = sign(body);
  expect(onfidoAccepts(request)).toBe(true);

  const deliveryId = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  expect((await matrix.harness().send(request)).body).toEqual({ ok: true, code: 'accepted', deliveryId });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('the legacy SHA-1 X-Signature alone is not read: refused as signature_missing', async () => {
  // GIVEN only the legacy header, a hex HMAC-SHA1 of the body, which Onfido's current verifier does not accept
  const body = checkCompleted();
  const request = { body, headers: { 'X-Signature': createHmac('sha1', SECRET).update(body).digest('hex') } };
  expect(onfidoAccepts(request)).toBe(false);

  // WHEN / THEN ours refuses it
  await expectRejected(matrix.harness(), request, 'signature_missing');
});
