/**
 * Box: `box-signature-primary` and `box-signature-secondary`, each the base64 HMAC-SHA256 of the raw body followed
 * by the `box-delivery-timestamp` header (RFC 3339), keyed with the app's primary and secondary signature keys; a
 * delivery is authentic when either matches. Box also sends `box-delivery-id`, which CHANGES on every retry, so a
 * delivery is keyed by the webhook event's body `id`; the event type is the body's `trigger`, the event time its
 * `created_at`. The `box-typescript-sdk-gen` package only verifies, so requests are signed as documented and its
 * `WebhooksManager.validateMessage(body, headers, primaryKey, { secondaryKey })` (10-minute maximum age) is the
 * oracle.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { WebhooksManager } from 'box-typescript-sdk-gen/managers/webhooks.generated';
import { expectRejected, providerHarness } from '../support/provider-harness';
import { providerMatrix, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = randomBytes(16).toString('hex');
const OTHER_SECRET = randomBytes(16).toString('hex');
const SECONDARY = randomBytes(16).toString('hex');

function fileUploaded(extra: Record<string, unknown> = {}, id: string = randomUUID()): string {
  return JSON.stringify({
    type: 'webhook_event',
    id,
    created_at: '2026-01-01T04:00:00-08:00',
    trigger: 'FILE.UPLOADED',
    webhook: { id: '12345', type: 'webhook' },
    created_by: { type: 'user', id: '42', name: 'Jo' },
    source: { id: '4200', type: 'file', name: 'report.pdf', size: 4200, ...extra },
  });
}

/** An RFC 3339 time without milliseconds, in Box's -08:00 style offset. */
function rfc3339(at: Date): string {
  const local = new Date(at.getTime() - 8 * 3600_000);
  return `${local.toISOString().slice(0, 19)}-08:00`;
}

const hmac = (body: string | Buffer, timestamp: string, key: string) => createHmac('sha256', key).update(body).update(timestamp).digest('base64');

/** Box's headers as documented; the secondary signature only when a secondary key is given. */
function sign(body: string | Buffer, { secret = SECRET, at = new Date(), secondary }: { secret?: string; at?: Date; secondary?: string } = {}): SignedRequest {
  const timestamp = rfc3339(at);
  return {
    body,
    headers: {
      'BOX-DELIVERY-ID': randomUUID(),
      'BOX-DELIVERY-TIMESTAMP': timestamp,
      'BOX-SIGNATURE-ALGORITHM': 'HmacSHA256',
      'BOX-SIGNATURE-VERSION': '1',
      'BOX-SIGNATURE-PRIMARY': hmac(body, timestamp, secret),
      ...(secondary ? { 'BOX-SIGNATURE-SECONDARY': hmac(body, timestamp, secondary) } : {}),
    },
  };
}

/** Box's verdict on a request (the SDK reads lower-case header names). */
async function boxAccepts(request: SignedRequest, primaryKey = SECRET, secondaryKey?: string): Promise<boolean> {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  try {
    return await WebhooksManager.validateMessage(String(request.body), headers, primaryKey, { secondaryKey });
  } catch {
    return false; // it throws where a header it hashes is missing
  }
}

const description: ProviderDescription = {
  kind: 'box',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: fileUploaded,
  sign: (body, options) => sign(body, options),
  accepts: (request) => boxAccepts(request),
  signBytes: (body, { at }) => sign(body, { at }).headers,
  signatureHeader: 'BOX-SIGNATURE-PRIMARY',
  requiredHeaders: [['BOX-DELIVERY-TIMESTAMP', 'timestamp_missing']],
  windowSeconds: 600,
  expected: (request) => ({ deliveryId: JSON.parse(String(request.body)).id, eventType: 'FILE.UPLOADED' }),
  tamper: ['"size":4200', '"size":4201'],
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: randomBytes(16).toString('hex') });

test('a retry (a new box-delivery-id, a new timestamp, the same event id) is a duplicate', async () => {
  // GIVEN one webhook event delivered twice, as Box retries it
  const id = randomUUID();
  const first = sign(fileUploaded({}, id), { at: new Date(Date.now() - 60_000) });
  const retry = sign(String(first.body));
  expect(first.headers['BOX-DELIVERY-ID']).not.toBe(retry.headers['BOX-DELIVERY-ID']);
  expect([await boxAccepts(first), await boxAccepts(retry)]).toEqual([true, true]);

  // WHEN both arrive
  const answers = [(await matrix.harness().send(first)).body, (await matrix.harness().send(retry)).body];

  // THEN the second is a duplicate of the first, keyed by the body id; created_at is the event time
  expect(answers.map((answer) => [answer.code, answer.deliveryId])).toEqual([['accepted', id], ['duplicate', id]]);
  expect(await matrix.harness().messages()).toEqual([expect.objectContaining({ eventTime: '2026-01-01T12:00:00.000Z' })]);
});

describe('primary and secondary signatures', () => {
  test('a receiver holding the secondary key accepts a delivery whose primary signature it cannot match, as Box does', async () => {
    // GIVEN a delivery signed with the primary and the secondary key, and a receiver holding only the secondary
    const receiver = await providerHarness('box', { secret: SECONDARY, id: 'box-secondary' });
    const request = sign(fileUploaded(), { secondary: SECONDARY });
    expect(await boxAccepts(request, OTHER_SECRET, SECONDARY)).toBe(true);

    // WHEN / THEN it is accepted
    expect((await receiver.send(request)).body).toMatchObject({ ok: true, code: 'accepted' });
  });

  test('only a secondary signature, by our key: accepted, as Box accepts it', async () => {
    const signed = sign(fileUploaded(), { secret: OTHER_SECRET, secondary: SECRET });
    const { 'BOX-SIGNATURE-PRIMARY': _primary, ...headers } = signed.headers;
    const request = { body: signed.body, headers };
    expect(await boxAccepts(request, OTHER_SECRET, SECRET)).toBe(true);

    expect((await matrix.harness().send(request)).body).toMatchObject({ ok: true, code: 'accepted' });
    expect(await matrix.harness().messages()).toHaveLength(1);
  });

  test('neither signature by our key: refused, as Box refuses', async () => {
    const request = sign(fileUploaded(), { secret: OTHER_SECRET, secondary: SECONDARY });
    expect(await boxAccepts(request, SECRET, randomBytes(16).toString('hex'))).toBe(false);
    await expectRejected(matrix.harness(), request, 'signature_mismatch');
  });
});

describe('the timestamp window (10 minutes)', () => {
  test('a tampered timestamp (it is signed) is refused, as Box refuses it', async () => {
    const request = sign(fileUploaded());
    const tampered = { ...request, headers: { ...request.headers, 'BOX-DELIVERY-TIMESTAMP': rfc3339(new Date(Date.now() - 1000)) } };
    expect(await boxAccepts(tampered)).toBe(false);
    await expectRejected(matrix.harness(), tampered, 'signature_mismatch');
  });

  test('pinned difference: a timestamp 2 minutes ahead (clock skew) is accepted by ours, refused by Box\'s SDK (no future at all)', async () => {
    const request = sign(fileUploaded(), { at: new Date(Date.now() + 120_000) });
    expect(await boxAccepts(request)).toBe(false);
    expect((await matrix.harness().send(request)).body).toMatchObject({ ok: true, code: 'accepted' });
    expect(await matrix.harness().messages()).toHaveLength(1);
  });
});

test('pinned difference: a signature over the body with non-ASCII escaped as \\uXXXX (and / as \\/) is accepted by Box\'s SDK, refused by ours', async () => {
  // GIVEN a raw UTF-8 body signed over its PHP-style escaped form, which the SDK also tries
  const body = fileUploaded({ name: 'café/☕.pdf' });
  const escaped = body.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/(?<!\\)\//g, '\\/');
  const timestamp = rfc3339(new Date());
  const request = { body, headers: { ...sign(body).headers, 'BOX-DELIVERY-TIMESTAMP': timestamp, 'BOX-SIGNATURE-PRIMARY': hmac(escaped, timestamp, SECRET) } };
  expect(await boxAccepts(request)).toBe(true);

  // WHEN / THEN ours checks the documented scheme over the bytes received, and refuses
  await expectRejected(matrix.harness(), request, 'signature_mismatch');
});

test('pinned difference: without box-signature-version and -algorithm, Box\'s SDK refuses; ours ignores them and accepts', async () => {
  const signed = sign(fileUploaded());
  const { 'BOX-SIGNATURE-VERSION': _v, 'BOX-SIGNATURE-ALGORITHM': _a, ...headers } = signed.headers;
  const request = { body: signed.body, headers };
  expect(await boxAccepts(request)).toBe(false);
  expect((await matrix.harness().send(request)).body).toMatchObject({ ok: true, code: 'accepted' });
  expect(await matrix.harness().messages()).toHaveLength(1);
});
