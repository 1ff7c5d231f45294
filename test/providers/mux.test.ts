/**
 * Mux: `Mux-Signature: t=<unix s>,v1=<hex>[,v1=<hex>...]`, the hex HMAC-SHA256 of `{t}.{raw body}` keyed with
 * the signing secret's text. The `@mux/mux-node` package only verifies, so requests are signed as documented and
 * its `mux.webhooks.verifySignature` is the oracle: it must accept every request ours accepts and refuse the
 * forgeries ours refuses. The delivery id is the body's `id`, the event type its `type`, the event time its
 * `created_at` (ISO-8601).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import Mux from '@mux/mux-node';
import { expectRejected } from '../support/provider-harness';
import { providerMatrix, type SignedRequest } from '../support/provider-matrix';

const SECRET = randomBytes(24).toString('base64url');
const OTHER_SECRET = randomBytes(24).toString('base64url');
const CREATED_AT = '2026-01-01T12:00:00.000000Z';
const mux = new Mux({ tokenId: 'unused', tokenSecret: 'unused' });

function assetReady(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'video.asset.ready',
    object: { type: 'asset', id: 'asset_1' },
    id: randomUUID(),
    environment: { name: 'Production', id: 'env_1' },
    data: { id: 'asset_1', status: 'ready', duration: 4200, ...extra },
    created_at: CREATED_AT,
    attempts: [],
  });
}

const hmac = (t: number, body: string | Buffer, secret = SECRET) => createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${t}.`), Buffer.from(body)])).digest('hex');

/** Mux's header as documented. */
function sign(body: string | Buffer, { secret = SECRET, at = new Date() }: { secret?: string; at?: Date } = {}): SignedRequest {
  const t = Math.floor(at.getTime() / 1000);
  return { body, headers: { 'Mux-Signature': `t=${t},v1=${hmac(t, body, secret)}` } };
}

/** Mux's verdict on a request. */
async function muxAccepts(request: SignedRequest): Promise<boolean> {
  try {
    await mux.webhooks.verifySignature(String(request.body), request.headers, SECRET);
    return true;
  } catch {
    return false;
  }
}

const matrix = providerMatrix({
  kind: 'mux',
  windowSeconds: 300,
  packageAcceptsFuture: "Mux's SDK bounds only the age",
  rotation: { stored: randomBytes(24).toString('base64url') },
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: assetReady,
  sign: (body, options) => sign(body, options),
  accepts: muxAccepts,
  signBytes: (body, { at }) => sign(body, { at }).headers,
  signatureHeader: 'Mux-Signature',
  expected: (request) => ({ deliveryId: JSON.parse(String(request.body)).id, eventType: 'video.asset.ready' }),
  tamper: ['4200', '4201'],
});

test('the envelope carries the event\'s created_at as its event time', async () => {
  const request = sign(assetReady());
  expect(await muxAccepts(request)).toBe(true);

  const answer = await matrix.harness().send(request);

  expect(answer.body).toMatchObject({ ok: true, code: 'accepted' });
  expect((await matrix.harness().messages())[0]).toMatchObject({ eventType: 'video.asset.ready', eventTime: '2026-01-01T12:00:00.000Z' });
});

test('several v1 signatures (a secret being rolled): any may match, as Mux accepts', async () => {
  const body = assetReady();
  const t = Math.floor(Date.now() / 1000);
  const request = { body, headers: { 'Mux-Signature': `t=${t},v1=${hmac(t, body, OTHER_SECRET)},v1=${hmac(t, body)}` } };
  expect(await muxAccepts(request)).toBe(true);

  expect((await matrix.harness().send(request)).body).toMatchObject({ ok: true, code: 'accepted' });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

describe('the 5-minute window', () => {
  test('a tampered timestamp (it is signed) is refused, as Mux refuses it', async () => {
    const request = sign(assetReady());
    const tampered = { ...request, headers: { 'Mux-Signature': request.headers['Mux-Signature'].replace(/^t=(\d+)/, (_, t: string) => `t=${Number(t) - 1}`) } };
    expect(await muxAccepts(tampered)).toBe(false);
    await expectRejected(matrix.harness(), tampered, 'signature_mismatch');
  });
});
