/**
 * Vercel. No npm package signs or verifies Vercel webhooks, so requests are signed as Vercel documents it
 * (https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks): `x-vercel-signature` is the hex HMAC-SHA1 of
 * the raw body, keyed with the webhook's secret (or, for an integration's webhooks, the integration's client
 * secret); no timestamp is signed. The delivery id and event type are the body's `id` and `type`. Vercel defines
 * no handshake. The standard matrix (test/support/provider-matrix.ts) includes a redelivery of the same id.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { invalidUtf8Json } from '../support/provider-harness';
import { noWindow, providerMatrix, withHeader, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = 'vercel-webhook-secret-Xb2k9QfL';
const OTHER_SECRET = 'another-vercel-webhook-secret';

const eventId = () => randomBytes(12).toString('base64url');

function deploymentCreated(extra: Record<string, unknown> = {}): string {
  const name = 'my-app';
  return JSON.stringify({
    id: eventId(),
    type: 'deployment.created',
    createdAt: Date.now(),
    region: 'iad1',
    payload: { team: { id: 'team_1a2b3c' }, user: { id: 'user_4d5e6f' }, deployment: { id: 'dpl_2fj3k4', url: `${name}-abc123.vercel.app`, name, meta: { ...extra } }, target: 'production', project: { id: 'prj_7g8h9i' } },
  });
}

/** Signed as Vercel documents: hex HMAC-SHA1 of the body bytes. */
function signed(body: string | Buffer, secret = SECRET): SignedRequest {
  return { body, headers: { 'x-vercel-signature': createHmac('sha1', secret).update(body).digest('hex') } };
}

const idIn = (body: string | Buffer) => JSON.parse(Buffer.from(body).toString('latin1')).id as string;

const description: ProviderDescription = {
  kind: 'vercel',
  notApplicable: noWindow('no timestamp is signed'),
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: deploymentCreated,
  sign: (body, options) => signed(body, options?.secret),
  signBytes: (body) => signed(body).headers,
  signatureHeader: 'x-vercel-signature',
  expected: (request) => ({ deliveryId: idIn(request.body), eventType: JSON.parse(Buffer.from(request.body).toString('latin1')).type }),
  tamper: ['my-app-abc123', 'evil-app-abc123'],
  refusals: [
    ['a signature that is not hex', () => withHeader(signed(deploymentCreated()), 'x-vercel-signature', 'sha1=0123'), 'signature_malformed'],
    ['an HMAC-SHA256 of the body (Vercel signs with SHA-1)', () => {
      const request = signed(deploymentCreated());
      return withHeader(request, 'x-vercel-signature', createHmac('sha256', SECRET).update(request.body).digest('hex'));
    }, 'signature_mismatch'],
  ],
  invalidUtf8Body: () => invalidUtf8Json(`{"id":"${eventId()}","type":"deployment.error","payload":{"name":"`, '"}}'),
  invalidUtf8Expected: ({ body }) => ({ deliveryId: idIn(body), eventType: 'deployment.error' }),
};

providerMatrix(description);
rotationTest(description, { stored: 'rotated-vercel-webhook-secret' });
