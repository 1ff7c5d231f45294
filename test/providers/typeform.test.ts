/**
 * Typeform: `Typeform-Signature: sha256=<base64>`, the base64 HMAC-SHA256 of the raw body keyed with the
 * webhook's secret (https://www.typeform.com/developers/webhooks/secure-your-webhooks/). Typeform publishes no npm
 * package that signs or verifies webhooks, so requests are signed here as documented, with node:crypto. The
 * delivery id and event type are the body's `event_id` and `event_type`. Typeform defines no handshake. The
 * standard matrix is test/support/provider-matrix.ts; this file holds what is particular to Typeform.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { invalidUtf8Json } from '../support/provider-harness';
import { noWindow, providerMatrix, withHeader, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = randomBytes(24).toString('base64url');
const OTHER_SECRET = randomBytes(24).toString('base64url');

const eventIdOf = () => `01${randomUUID().replace(/-/g, '').slice(0, 24).toUpperCase()}`;

function formResponse(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    event_id: eventIdOf(),
    event_type: 'form_response',
    form_response: {
      form_id: 'lT4Z3j',
      token: 'a3a12ec67a1365927098a606107fac15',
      submitted_at: new Date().toISOString(),
      definition: { id: 'lT4Z3j', title: 'Webhooks example', fields: [{ id: 'DlXFaesGBpoF', ref: 'name', type: 'short_text', title: 'What is your name?' }] },
      answers: [{ type: 'text', text: 'Lian', field: { id: 'DlXFaesGBpoF', type: 'short_text', ref: 'name' }, ...extra }],
    },
  });
}

/** The documented scheme: `sha256=` + base64 HMAC-SHA256 of the raw body bytes, keyed with the secret's text. */
const sha256 = (body: string | Buffer, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`;

const signed = (body: string | Buffer, secret = SECRET): SignedRequest => ({ body, headers: { 'Typeform-Signature': sha256(body, secret), 'User-Agent': 'Typeform Webhooks' } });

const eventIdIn = (body: string | Buffer) => JSON.parse(Buffer.from(body).toString('latin1')).event_id as string;

const description: ProviderDescription = {
  kind: 'typeform',
  notApplicable: noWindow('no timestamp is signed'),
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: formResponse,
  sign: (body, options) => signed(body, options?.secret),
  signBytes: (body) => signed(body).headers,
  signatureHeader: 'Typeform-Signature',
  expected: (request) => ({ deliveryId: eventIdIn(request.body), eventType: 'form_response' }),
  tamper: ['Lian', 'Mallory'],
  refusals: [
    ['a signature that is not base64', () => withHeader(signed(formResponse()), 'Typeform-Signature', 'sha256=not*base64!'), 'signature_malformed'],
    ['a signature without its sha256= prefix', () => {
      const request = signed(formResponse());
      return withHeader(request, 'Typeform-Signature', request.headers['Typeform-Signature'].slice('sha256='.length));
    }, 'signature_malformed'],
    ['a hex digest (Typeform sends base64)', () => {
      const request = signed(formResponse());
      return withHeader(request, 'Typeform-Signature', `sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`);
    }, 'signature_mismatch'],
  ],
  invalidUtf8Body: () => invalidUtf8Json(`{"event_id":"${eventIdOf()}","event_type":"form_response","form_response":{"answers":[{"text":"`, '"}]}}'),
  invalidUtf8Expected: ({ body }) => ({ deliveryId: eventIdIn(body), eventType: 'form_response' }),
};

providerMatrix(description);
rotationTest(description, { stored: randomBytes(24).toString('base64url') });
