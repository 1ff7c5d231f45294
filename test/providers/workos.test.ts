/**
 * WorkOS: `WorkOS-Signature: t=<ms>, v1=<hex>`, the hex HMAC-SHA256 of `{t}.{raw body}` keyed with the secret's
 * text, the timestamp in MILLISECONDS. Requests are signed with the `@workos-inc/node` package's own
 * `webhooks.computeSignature`, and its `webhooks.verifyHeader` (default tolerance 180 000 ms) is the oracle. The
 * delivery id is the body's `id`, the event type its `event`, the event time its `created_at` (ISO-8601).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { WorkOS } from '@workos-inc/node';
import { expectRejected } from '../support/provider-harness';
import { providerMatrix, type SignedRequest } from '../support/provider-matrix';

const SECRET = randomBytes(24).toString('base64url');
const OTHER_SECRET = randomBytes(24).toString('base64url');
const CREATED_AT = '2026-01-01T12:00:00.000Z';
const workos = new WorkOS('sk_test_unused');

function userCreated(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ id: `event_${randomUUID().replace(/-/g, '')}`, event: 'user.created', data: { id: 'user_1', email: 'a@example.com', seats: 4200, ...extra }, created_at: CREATED_AT });
}

/** WorkOS's header, `t=<ms>, v1=<hex>`, with the signature from WorkOS's own package. */
async function sign(body: string, { secret = SECRET, at = new Date() }: { secret?: string; at?: Date } = {}): Promise<SignedRequest> {
  const t = String(at.getTime());
  return { body, headers: { 'WorkOS-Signature': `t=${t}, v1=${await workos.webhooks.computeSignature(t, body, secret)}` } };
}

/** WorkOS's verdict on a request (its default tolerance). */
async function workosAccepts(request: SignedRequest): Promise<boolean> {
  try {
    return await workos.webhooks.verifyHeader({ payload: String(request.body), sigHeader: request.headers['WorkOS-Signature'] ?? '', secret: SECRET });
  } catch {
    return false;
  }
}

/** The documented formula, which `beforeAll` checks equals the package's signature (the matrix signs with the package). */
function signSync(body: string, { secret = SECRET, at = new Date() }: { secret?: string; at?: Date } = {}): SignedRequest {
  const t = String(at.getTime());
  return { body, headers: { 'WorkOS-Signature': `t=${t}, v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}` } };
}

beforeAll(async () => {
  // The documented scheme is WorkOS's: on a sample body (non-ASCII too) the package and the formula agree
  const body = userCreated({ memo: 'café ☕' });
  const at = new Date();
  expect(signSync(body, { at })).toEqual(await sign(body, { at }));
});

const matrix = providerMatrix({
  kind: 'workos',
  windowSeconds: 180,
  packageAcceptsFuture: "WorkOS' SDK bounds only the age",
  rotation: { stored: randomBytes(24).toString('base64url') },
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: userCreated,
  sign: (body, options) => sign(body, options),
  accepts: workosAccepts,
  signBytes: (body, { at }) => {
    const t = String(at.getTime());
    return { 'WorkOS-Signature': `t=${t}, v1=${createHmac('sha256', SECRET).update(Buffer.concat([Buffer.from(`${t}.`), body])).digest('hex')}` };
  },
  signatureHeader: 'WorkOS-Signature',
  expected: (request) => ({ deliveryId: JSON.parse(String(request.body)).id, eventType: 'user.created' }),
  tamper: ['4200', '4201'],
});

test('a delivery signed by the package (async) is accepted, with created_at as its event time', async () => {
  const request = await sign(userCreated());
  expect(await workosAccepts(request)).toBe(true);

  const answer = await matrix.harness().send(request);

  const id = JSON.parse(String(request.body)).id;
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
  expect((await matrix.harness().messages())[0]).toMatchObject({ deliveryId: id, eventType: 'user.created', eventTime: CREATED_AT });
});

describe('the timestamp is in milliseconds', () => {
  test('a signature 2 minutes old is accepted, as WorkOS accepts it', async () => {
    const request = await sign(userCreated(), { at: new Date(Date.now() - 120_000) });
    expect(await workosAccepts(request)).toBe(true);
    expect((await matrix.harness().send(request)).body).toMatchObject({ ok: true, code: 'accepted' });
    expect(await matrix.harness().messages()).toHaveLength(1);
  });

  test('the same moment written in seconds is refused as out of window (read as 1970)', async () => {
    // GIVEN a genuine HMAC over a timestamp in seconds, the classic mistake
    const body = userCreated();
    const t = String(Math.floor(Date.now() / 1000));
    const request = { body, headers: { 'WorkOS-Signature': `t=${t}, v1=${await workos.webhooks.computeSignature(t, body, SECRET)}` } };
    expect(await workosAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too
    await expectRejected(matrix.harness(), request, 'timestamp_out_of_window');
  });

});

test('no t= in the header is refused as timestamp_missing; WorkOS refuses it too', async () => {
  const request = await sign(userCreated());
  const broken = { ...request, headers: { 'WorkOS-Signature': request.headers['WorkOS-Signature'].replace(/^t=\d+, /, '') } };
  expect(await workosAccepts(broken)).toBe(false);
  await expectRejected(matrix.harness(), broken, 'timestamp_missing');
});
