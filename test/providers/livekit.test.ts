/**
 * LiveKit: `Authorization: <JWT>`, HS256 with the API secret, `iss` the API key, claim `sha256` the base64 SHA-256
 * of the body, bounded by `exp` and `nbf` (10 s of skew, the SDK's default clockTolerance). The receiver's secret is
 * `<API key>:<API secret>`. The oracle is livekit-server-sdk's `new WebhookReceiver(apiKey, apiSecret).receive(body,
 * authHeader)`. The matrix signs with `jsonwebtoken` (its signer must be synchronous); LiveKit's own
 * `AccessToken.toJwt()` (what the LiveKit server's webhook notifier signs with) is checked in a test of its own.
 */
import { createHash, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AccessToken, WebhookReceiver } from 'livekit-server-sdk';
import { expectRejected, providerHarness } from '../support/provider-harness';
import { providerMatrix, type SignedRequest } from '../support/provider-matrix';

const API_KEY = `API${randomBytes(6).toString('hex')}`;
const API_SECRET = randomBytes(24).toString('base64url');
const OTHER_SECRET = randomBytes(24).toString('base64url');
const TTL = 300;

function roomStarted(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    event: 'room_started',
    room: { sid: `RM_${randomBytes(6).toString('hex')}`, name: 'room-4200', emptyTimeout: 300, creationTime: '1764590400' },
    id: `EV_${randomBytes(8).toString('hex')}`,
    createdAt: '1764590400',
    ...extra,
  });
}

const sha256Base64 = (body: string | Buffer) => createHash('sha256').update(body).digest('base64');

function sign(body: string | Buffer, { secret = API_SECRET, at = new Date(), key = API_KEY }: { secret?: string; at?: Date; key?: string } = {}): SignedRequest {
  const now = Math.floor(at.getTime() / 1000);
  const token = jwt.sign({ iss: key, nbf: now, exp: now + TTL, sha256: sha256Base64(body), video: {} }, secret, { algorithm: 'HS256', noTimestamp: true });
  return { body, headers: { Authorization: token, 'Content-Type': 'application/webhook+json' } };
}

async function livekitAccepts(request: SignedRequest, secret = API_SECRET): Promise<boolean> {
  try {
    await new WebhookReceiver(API_KEY, secret).receive(String(request.body), request.headers.Authorization);
    return true;
  } catch {
    return false;
  }
}

const matrix = providerMatrix({
  kind: 'livekit',
  secret: `${API_KEY}:${API_SECRET}`,
  otherSecret: OTHER_SECRET,
  event: (extra) => roomStarted(extra),
  sign: (body, options) => sign(body, options),
  accepts: livekitAccepts,
  signBytes: (body, { at }) => sign(body, { at }).headers,
  signatureHeader: 'Authorization',
  windowSeconds: TTL,
  expected: (request) => ({ deliveryId: JSON.parse(String(request.body)).id, eventType: 'room_started' }),
  tamper: ['room-4200', 'room-4201'],
});

test('a token made by LiveKit\'s own AccessToken (sha256 grant, toJwt) is accepted', async () => {
  // GIVEN a body and the token LiveKit's server SDK signs for it
  const body = roomStarted();
  const accessToken = new AccessToken(API_KEY, API_SECRET);
  accessToken.sha256 = sha256Base64(body);
  const request = { body, headers: { Authorization: await accessToken.toJwt(), 'Content-Type': 'application/webhook+json' } };
  expect(await livekitAccepts(request)).toBe(true);

  // WHEN / THEN ours accepts it too, keyed by the event's id
  expect((await matrix.harness().send(request)).body).toEqual({ ok: true, code: 'accepted', deliveryId: JSON.parse(body).id });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('the token\'s iss selects the key: a token naming another API key is refused', async () => {
  const request = sign(roomStarted(), { key: 'APIother' });
  expect(await livekitAccepts(request)).toBe(false);
  await expectRejected(matrix.harness(), request, 'signature_mismatch');
});

test('a Bearer prefix is accepted as well (the token is the same)', async () => {
  const request = sign(roomStarted());
  const bearer = { body: request.body, headers: { ...request.headers, Authorization: `Bearer ${request.headers.Authorization}` } };
  expect((await matrix.harness().send(bearer)).status).toBe(200);
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('an expired token inside the 10 s skew is accepted by both; past it, refused by both', async () => {
  const at = (seconds: number) => new Date(Date.now() - (TTL + seconds) * 1000);
  const inside = sign(roomStarted(), { at: at(5) });
  const outside = sign(roomStarted(), { at: at(15) });
  expect([await livekitAccepts(inside), await livekitAccepts(outside)]).toEqual([true, false]);
  expect((await matrix.harness().send(inside)).status).toBe(200);
  await matrix.harness().messages();
  await expectRejected(matrix.harness(), outside, 'timestamp_out_of_window');
});

test('a secret rotated to a new API key and secret: the old key verifies while it is the previous version', async () => {
  // GIVEN a receiver whose secret moves to a new key pair
  const harness = await providerHarness('livekit', { id: 'livekit-rotation', secret: `${API_KEY}:${API_SECRET}` });
  const newKey = `API${randomBytes(6).toString('hex')}`;
  const newSecret = randomBytes(24).toString('base64url');
  await harness.rotate(`${newKey}:${newSecret}`);

  // WHEN the new key and the old key each sign a delivery
  const fresh = sign(roomStarted(), { key: newKey, secret: newSecret });
  const old = sign(roomStarted());

  // THEN both are accepted
  expect([(await harness.send(fresh)).status, (await harness.send(old)).status]).toEqual([200, 200]);
  expect(await harness.messages()).toHaveLength(2);
});

test('a token without exp is refused (timestamp_missing): it would never expire', async () => {
  const body = roomStarted();
  const token = jwt.sign({ iss: API_KEY, sha256: sha256Base64(body) }, API_SECRET, { algorithm: 'HS256', noTimestamp: true });
  await expectRejected(matrix.harness(), { body, headers: { Authorization: token } }, 'timestamp_missing');
});
