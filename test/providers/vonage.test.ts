/**
 * Vonage signed webhooks: `Authorization: Bearer <JWT>`, HS256 with the account's signature secret, claims `iat`,
 * `jti`, `iss: "Vonage"`, `api_key`, `application_id` and `payload_hash`, the hex SHA-256 of the body. Tokens are
 * signed with `jsonwebtoken` (what `@vonage/jwt` itself uses) as Vonage documents them; the oracle is
 * `@vonage/jwt`'s `verifySignature(token, secret)` together with the two checks Vonage's documentation leaves to
 * the receiver (payload_hash equals the body's hash; iat is recent), since the package checks the token only. That
 * gap is pinned below. A delivery is keyed by `message_uuid` and `status`; its event type is `status`.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { verifySignature } from '@vonage/jwt';
import jwt from 'jsonwebtoken';
import { expectRejected } from '../support/provider-harness';
import { providerMatrix, type SignedRequest } from '../support/provider-matrix';

const SECRET = randomBytes(24).toString('base64url');
const OTHER_SECRET = randomBytes(24).toString('base64url');
const WINDOW = 300;

function status(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    message_uuid: randomUUID(),
    to: '447700900000',
    from: '447700900001',
    timestamp: '2026-12-01T12:00:00.000Z',
    status: 'delivered',
    usage: { currency: 'EUR', price: '0.4200' },
    channel: 'sms',
    ...extra,
  });
}

const sha256Hex = (body: string | Buffer) => createHash('sha256').update(body).digest('hex');

function token(claims: Record<string, unknown>, secret = SECRET, options: jwt.SignOptions = {}): string {
  return jwt.sign(claims, secret, { algorithm: 'HS256', ...options });
}

function claimsFor(body: string | Buffer, at: Date, id: string): Record<string, unknown> {
  return { iat: Math.floor(at.getTime() / 1000), jti: id, iss: 'Vonage', payload_hash: sha256Hex(body), api_key: 'abcd1234', application_id: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab' };
}

function sign(body: string | Buffer, { secret = SECRET, at = new Date(), id = randomUUID() }: { secret?: string; at?: Date; id?: string } = {}): SignedRequest {
  return { body, headers: { Authorization: `Bearer ${token(claimsFor(body, at, id), secret)}` } };
}

const bearer = (request: SignedRequest) => (request.headers.Authorization ?? '').replace(/^Bearer /, '');

/** Vonage's verdict: @vonage/jwt on the token, then the documented payload_hash and iat checks. */
function vonageAccepts(request: SignedRequest): boolean {
  const value = bearer(request);
  if (!value || !verifySignature(value, SECRET)) return false;
  const claims = jwt.decode(value) as { payload_hash?: string; iat?: number };
  return claims.payload_hash === sha256Hex(request.body) && Math.abs(Date.now() / 1000 - (claims.iat ?? 0)) <= WINDOW;
}

const matrix = providerMatrix({
  kind: 'vonage',
  rotation: { stored: randomBytes(24).toString('base64url') },
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: (extra) => status(extra),
  sign: (body, options) => sign(body, options),
  accepts: vonageAccepts,
  signBytes: (body, { id, at }) => sign(body, { id, at }).headers,
  signatureHeader: 'Authorization',
  windowSeconds: WINDOW,
  expected: (request) => {
    const parsed = JSON.parse(String(request.body));
    return { deliveryId: `${parsed.message_uuid}:delivered`, eventType: 'delivered' };
  },
  tamper: ['0.4200', '0.4201'],
});

describe('@vonage/jwt checks the token only (pinned): the body hash and the iat window are ours', () => {
  test('a genuine token over another body: verifySignature says true, we refuse (signature_mismatch)', async () => {
    const request = { ...sign(status()), body: status() };
    expect(verifySignature(bearer(request), SECRET)).toBe(true);
    await expectRejected(matrix.harness(), request, 'signature_mismatch');
  });

  test('a genuine token issued an hour ago: verifySignature says true, we refuse (timestamp_out_of_window)', async () => {
    const request = sign(status(), { at: new Date(Date.now() - 3600_000) });
    expect(verifySignature(bearer(request), SECRET)).toBe(true);
    await expectRejected(matrix.harness(), request, 'timestamp_out_of_window');
  });
});

describe('the token\'s algorithm and claims', () => {
  const body = () => status();

  test.each([
    ['alg none (unsigned)', (b: string) => token(claimsFor(b, new Date(), randomUUID()), '', { algorithm: 'none' }), 'signature_malformed'],
    ['alg HS512 with the right secret', (b: string) => token(claimsFor(b, new Date(), randomUUID()), SECRET, { algorithm: 'HS512' }), 'signature_malformed'],
    ['another issuer', (b: string) => token({ ...claimsFor(b, new Date(), randomUUID()), iss: 'Mallory' }), 'signature_mismatch'],
    ['no payload_hash', (b: string) => token({ ...claimsFor(b, new Date(), randomUUID()), payload_hash: undefined }), 'signature_missing'],
    ['no iat', (b: string) => {
      const { iat: _iat, ...claims } = claimsFor(b, new Date(), randomUUID());
      return token(claims, SECRET, { noTimestamp: true });
    }, 'timestamp_missing'],
  ])('refused: %s', async (_name, make, code) => {
    const b = body();
    await expectRejected(matrix.harness(), { body: b, headers: { Authorization: `Bearer ${make(b)}` } }, code);
  });

  test('a token without the Bearer prefix is refused (signature_malformed)', async () => {
    const request = sign(body());
    await expectRejected(matrix.harness(), { body: request.body, headers: { Authorization: bearer(request) } }, 'signature_malformed');
  });

  test('the envelope says how it was authenticated: an HMAC whose claim covers the body', async () => {
    const request = sign(body());
    expect((await matrix.harness().send(request)).status).toBe(200);
    const [message] = await matrix.harness().messages();
    expect(message).toMatchObject({ auth: 'hmac', bodySigned: true, eventTime: '2026-12-01T12:00:00.000Z' });
  });
});

test('an inbound message (no status) is keyed by its message_uuid, typed by message_type', async () => {
  const uuid = randomUUID();
  const request = sign(JSON.stringify({ message_uuid: uuid, channel: 'sms', message_type: 'text', text: 'Hello', timestamp: '2026-12-01T12:00:00Z' }));
  expect(vonageAccepts(request)).toBe(true);
  expect((await matrix.harness().send(request)).body).toEqual({ ok: true, code: 'accepted', deliveryId: uuid });
  const [message] = await matrix.harness().messages();
  expect(message.eventType).toBe('text');
});
