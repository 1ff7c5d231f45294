/**
 * Standard Webhooks (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64> [v1,<base64> ...]`, the base64 HMAC-SHA256 of `{id}.{timestamp}.{raw body}`
 * keyed with the base64-decoded secret (`whsec_` prefix stripped). Requests are signed with the reference
 * library's `Webhook.sign` (the `standardwebhooks` package), and its `Webhook.verify` is the oracle: it must
 * accept every request ours accepts and refuse the forgeries ours refuses. The specification's own example is
 * checked too. The delivery id is `webhook-id`, the event type the body's `type`; there is no handshake.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { expectRejected, providerHarness } from '../support/provider-harness';
import { providerMatrix, standardWebhooksDescription, type SignedRequest } from '../support/provider-matrix';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

function invoicePaid(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: 'invoice.paid', timestamp: new Date().toISOString(), data: { id: `inv_${randomUUID()}`, amount: 4200, ...extra } });
}

/** A request signed by the reference library. */
function signed(body: string, options: { secret?: string; id?: string; at?: Date; raw?: boolean } = {}): SignedRequest & { id: string } {
  const id = options.id ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  const signer = options.raw ? new Webhook(options.secret ?? SECRET, { format: 'raw' }) : new Webhook(options.secret ?? SECRET);
  return {
    id,
    body,
    headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signer.sign(id, at, body) },
  };
}

/** The reference library's verdict on a request. */
function libraryAccepts(request: SignedRequest): boolean {
  try {
    new Webhook(SECRET).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
}

const matrix = providerMatrix(standardWebhooksDescription({
  kind: 'standard-webhooks',
  prefix: 'webhook',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: invoicePaid,
  eventType: 'invoice.paid',
  tamper: ['4200', '4201'],
  signature: (secret, id, at, body) => new Webhook(secret).sign(id, at, body),
  accepts: libraryAccepts,
}));

describe('forged requests particular to Standard Webhooks are refused as the reference library refuses them', () => {
  const withSignature = (request: SignedRequest, value: string): SignedRequest => ({ ...request, headers: { ...request.headers, 'webhook-signature': value } });
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a signature that is not base64', () => withSignature(signed(invoicePaid()), 'v1,not*base64!'), 'signature_malformed'],
    ['a signature of an unknown version only', () => {
      const request = signed(invoicePaid());
      return withSignature(request, request.headers['webhook-signature'].replace('v1,', 'v2,'));
    }, 'signature_malformed'],
    ['a tampered webhook-id (the id is signed)', () => {
      const request = signed(invoicePaid());
      return { ...request, headers: { ...request.headers, 'webhook-id': `msg_${randomUUID()}` } };
    }, 'signature_mismatch'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(invoicePaid());
      return { ...request, headers: { ...request.headers, 'webhook-timestamp': String(Number(request.headers['webhook-timestamp']) - 1) } };
    }, 'signature_mismatch'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request the reference library refuses
    const request = make();
    expect(libraryAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(matrix.harness(), request, code);
  });
});

test('during a secret rotation the header lists several signatures, any of which may match; v1a entries are skipped', async () => {
  // GIVEN a header with a signature by another (new) secret, an asymmetric v1a entry, then one by our secret
  const body = invoicePaid();
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const ours = new Webhook(SECRET).sign(id, at, body);
  const theirs = new Webhook(OTHER_SECRET).sign(id, at, body);
  const request = { body, headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': `${theirs} v1a,${randomBytes(64).toString('base64')} ${ours}` } };
  expect(libraryAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN it is accepted once
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('the whsec_ secret is base64-decoded: a signature keyed with the literal string is refused', async () => {
  // GIVEN a signature whose key is the secret's text, as the library's "raw" format would use it
  const request = signed(invoicePaid(), { raw: true });
  expect(libraryAccepts(request)).toBe(false);

  // WHEN / THEN it is refused
  await expectRejected(matrix.harness(), request, 'signature_mismatch');
});

test('a secret stored without its whsec_ prefix is the same key', async () => {
  // GIVEN a receiver whose secret is the bare base64 (the library strips the prefix when present)
  const bare = await providerHarness('standard-webhooks', { secret: SECRET.slice('whsec_'.length), id: 'std-bare-secret' });
  const request = signed(invoicePaid());
  expect(libraryAccepts(request)).toBe(true);

  // WHEN a request signed with the prefixed secret is delivered
  const answer = await bare.send(request);

  // THEN it is accepted
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.id });
  expect(await bare.messages()).toHaveLength(1);
});

describe("the specification's example: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, msg_p5jXN8AQM9LWM0D4loKWxJek, 1614265330", () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const body = '{"test": 2432232314}';
  const headers = { 'webhook-id': id, 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' };

  test('the library reproduces it, and ours accepts it when its window reaches back to 2021', async () => {
    // GIVEN the example, which the reference library reproduces, and a receiver whose window spans the years since
    expect(new Webhook(secret).sign(id, new Date(1614265330 * 1000), body)).toBe(headers['webhook-signature']);
    const atVectorTime = await providerHarness('standard-webhooks', { secret, id: 'std-vector', toleranceSeconds: 20 * 365 * 24 * 3600 });

    // WHEN it is delivered
    const answer = await atVectorTime.send({ body, headers });

    // THEN it is accepted with its exact body; with one byte changed it is not
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: id });
    expect((await atVectorTime.messages())[0]).toMatchObject({ deliveryId: id, body });
    await expectRejected(atVectorTime, { body: body.replace('4', '5'), headers }, 'signature_mismatch');
  });

  test('with the default 5 minute window it is stale', async () => {
    // GIVEN the same example against a receiver with the default window
    const today = await providerHarness('standard-webhooks', { secret, id: 'std-vector-today' });

    // WHEN / THEN it is refused as out of window
    await expectRejected(today, { body, headers }, 'timestamp_out_of_window');
  });
});
