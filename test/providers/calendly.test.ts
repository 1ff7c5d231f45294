/**
 * Calendly: `Calendly-Webhook-Signature: t=<unix>,v1=<hex>`, the hex HMAC-SHA256 of `{t}.{raw body}` keyed with
 * the webhook signing key; Calendly recommends refusing signatures older than three minutes
 * (https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures). Calendly publishes no npm
 * package that signs or verifies, so requests are signed here as documented, with node:crypto. Calendly sends no
 * delivery id: a delivery is keyed by `sha256:<hex of the body>`, and its event type is the body's `event`.
 * Calendly defines no handshake. The standard matrix (test/support/provider-matrix.ts) checks that a retry of the
 * same body, signed anew, is a duplicate; this file holds what is particular to Calendly.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { invalidUtf8Json } from '../support/provider-harness';
import { providerMatrix, withHeader, type SignedRequest } from '../support/provider-matrix';

const SIGNING_KEY = randomBytes(32).toString('base64url');
const OTHER_KEY = randomBytes(32).toString('base64url');
const SIGNATURE = 'Calendly-Webhook-Signature';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

function inviteeCreated(extra: Record<string, unknown> = {}): string {
  const invitee = randomUUID();
  return JSON.stringify({
    created_at: new Date().toISOString(),
    created_by: 'https://api.calendly.com/users/AAAAAAAAAAAAAAAA',
    event: 'invitee.created',
    payload: {
      uri: `https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/${invitee}`,
      email: 'test@example.com',
      name: 'John Doe',
      status: 'active',
      scheduled_event: { uri: 'https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2', name: '15 Minute Meeting' },
      ...extra,
    },
  });
}

/** The documented scheme: `t=<unix>,v1=` + hex HMAC-SHA256 of `{t}.{raw body bytes}`, keyed with the key's text. */
function signed(body: string | Buffer, options: { secret?: string; timestamp?: number; at?: Date } = {}): SignedRequest {
  const t = options.timestamp ?? (options.at ? Math.floor(options.at.getTime() / 1000) : nowSeconds());
  const v1 = createHmac('sha256', options.secret ?? SIGNING_KEY).update(Buffer.concat([Buffer.from(`${t}.`), Buffer.from(body)])).digest('hex');
  return { body, headers: { [SIGNATURE]: `t=${t},v1=${v1}` } };
}

const header = (request: SignedRequest) => request.headers[SIGNATURE];

const matrix = providerMatrix({
  kind: 'calendly',
  secret: SIGNING_KEY,
  otherSecret: OTHER_KEY,
  rotation: { stored: randomBytes(32).toString('base64url') },
  event: inviteeCreated,
  sign: (body, options) => signed(body, options),
  signBytes: (body, { at }) => signed(body, { at }).headers,
  signatureHeader: SIGNATURE,
  // Calendly recommends three minutes
  windowSeconds: 180,
  // No delivery id: the body's hash, which a retry of the same event repeats
  expected: (request) => ({ deliveryId: bodyHash(request.body), eventType: JSON.parse(Buffer.from(request.body).toString('latin1')).event }),
  tamper: ['test@example.com', 'evil@example.com'],
  refusals: [
    ['a signature that is not hex', () => {
      const request = signed(inviteeCreated());
      return withHeader(request, SIGNATURE, header(request).replace(/v1=.*/, 'v1=not-hex-at-all'));
    }, 'signature_malformed'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(inviteeCreated());
      return withHeader(request, SIGNATURE, header(request).replace(/^t=(\d+)/, (_, t: string) => `t=${Number(t) - 1}`));
    }, 'signature_mismatch'],
    ['no t= in the header', () => {
      const request = signed(inviteeCreated());
      return withHeader(request, SIGNATURE, header(request).replace(/^t=\d+,/, ''));
    }, 'timestamp_missing'],
    ['a timestamp 4 minutes old (just past the 3-minute window)', () => signed(inviteeCreated(), { timestamp: nowSeconds() - 240 }), 'timestamp_out_of_window'],
    ['a timestamp 4 minutes in the future', () => signed(inviteeCreated(), { timestamp: nowSeconds() + 240 }), 'timestamp_out_of_window'],
  ],
  invalidUtf8Body: () => invalidUtf8Json('{"event":"invitee.canceled","payload":{"cancellation":{"reason":"', '"}}}'),
  invalidUtf8Expected: ({ body }) => ({ deliveryId: bodyHash(body), eventType: 'invitee.canceled' }),
});

test('a signature two minutes old is inside the three-minute window and verifies', async () => {
  // GIVEN a genuine signature made two minutes ago
  const body = inviteeCreated();
  const request = signed(body, { timestamp: nowSeconds() - 120 });

  // WHEN / THEN it is accepted
  expect((await matrix.harness().send(request)).body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(body) });
  expect(await matrix.harness().messages()).toHaveLength(1);
});
