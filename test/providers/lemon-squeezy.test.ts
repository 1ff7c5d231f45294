/**
 * Lemon Squeezy. No npm package signs or verifies Lemon Squeezy webhooks (`@lemonsqueezy/lemonsqueezy.js` only
 * calls the API), so requests are signed as Lemon Squeezy documents it
 * (https://docs.lemonsqueezy.com/help/webhooks/signing-requests): `X-Signature` is the hex HMAC-SHA256 of the raw
 * body, keyed with the webhook's signing secret; no timestamp is signed. The event name is in the `X-Event-Name`
 * header (and in `meta.event_name`). Lemon Squeezy sends no delivery id (`meta.webhook_id` names the webhook, not
 * the delivery), so a delivery is keyed by the hash of its body: the standard matrix
 * (test/support/provider-matrix.ts) checks a resent webhook (same body) is a duplicate. There is no handshake.
 */
import { createHash, createHmac, randomInt } from 'node:crypto';
import { invalidUtf8Json } from '../support/provider-harness';
import { noWindow, providerMatrix, withHeader, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = 'lmsqz-signing-secret-42';
const OTHER_SECRET = 'another-signing-secret';

function orderCreated(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    meta: { test_mode: true, event_name: 'order_created', webhook_id: 'b5b8e3a4-0c42-4a4e-9b4f-0e2f5e0b8a51', custom_data: { customer_id: 25 } },
    data: { type: 'orders', id: String(randomInt(1e6)), attributes: { store_id: 1, user_name: 'Jane Doe', user_email: 'jane@example.com', total: 999, currency: 'USD', status: 'paid', ...extra } },
  });
}

/** Signed as Lemon Squeezy documents: hex HMAC-SHA256 of the body bytes. */
function signed(body: string | Buffer, options: { secret?: string; eventName?: string } = {}): SignedRequest {
  return {
    body,
    headers: {
      'X-Event-Name': options.eventName ?? 'order_created',
      'X-Signature': createHmac('sha256', options.secret ?? SECRET).update(body).digest('hex'),
    },
  };
}

const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

const description: ProviderDescription = {
  kind: 'lemon-squeezy',
  notApplicable: noWindow('no timestamp is signed'),
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: orderCreated,
  sign: (body, options) => signed(body, options),
  signBytes: (body) => signed(body).headers,
  signatureHeader: 'X-Signature',
  // No delivery id: the hash of the body, which a resent webhook repeats
  expected: (request) => ({ deliveryId: bodyHash(request.body), eventType: 'order_created' }),
  tamper: ['"total":999', '"total":1'],
  refusals: [
    ['a signature that is not hex', () => withHeader(signed(orderCreated()), 'X-Signature', 'not-a-hex-signature'), 'signature_malformed'],
    ['a base64 signature (Lemon Squeezy sends hex)', () => {
      const request = signed(orderCreated());
      return withHeader(request, 'X-Signature', createHmac('sha256', SECRET).update(request.body).digest('base64'));
    }, 'signature_malformed'],
  ],
  invalidUtf8Body: () => invalidUtf8Json('{"meta":{"event_name":"order_created"},"data":{"attributes":{"user_name":"', '"}}}'),
  invalidUtf8Expected: ({ body }) => ({ deliveryId: bodyHash(body), eventType: 'order_created' }),
};

providerMatrix(description);
rotationTest(description, { stored: 'rotated-lmsqz-signing-secret' });
