/**
 * Typeform: `Typeform-Signature: sha256=<base64>`, the base64 HMAC-SHA256 of the raw body keyed with the
 * webhook's secret (https://www.typeform.com/developers/webhooks/secure-your-webhooks/). Typeform publishes no npm
 * package that signs or verifies webhooks, so requests are signed here as documented, with node:crypto. The
 * delivery id and event type are the body's `event_id` and `event_type`. Typeform defines no handshake.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SECRET = randomBytes(24).toString('base64url');
const OTHER_SECRET = randomBytes(24).toString('base64url');
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('typeform', { secret: SECRET });
});

function formResponse(answer = 'Lian'): { eventId: string; body: string } {
  const eventId = `01${randomUUID().replace(/-/g, '').slice(0, 24).toUpperCase()}`;
  const body = JSON.stringify({
    event_id: eventId,
    event_type: 'form_response',
    form_response: {
      form_id: 'lT4Z3j',
      token: 'a3a12ec67a1365927098a606107fac15',
      submitted_at: new Date().toISOString(),
      definition: { id: 'lT4Z3j', title: 'Webhooks example', fields: [{ id: 'DlXFaesGBpoF', ref: 'name', type: 'short_text', title: 'What is your name?' }] },
      answers: [{ type: 'text', text: answer, field: { id: 'DlXFaesGBpoF', type: 'short_text', ref: 'name' } }],
    },
  });
  return { eventId, body };
}

/** The documented scheme: `sha256=` + base64 HMAC-SHA256 of the raw body bytes, keyed with the secret's text. */
const sha256 = (body: string | Buffer, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`;

const signed = (body: string | Buffer, secret = SECRET): SignedRequest => ({ body, headers: { 'Typeform-Signature': sha256(body, secret), 'User-Agent': 'Typeform Webhooks' } });

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine delivery is accepted and enqueued once, keyed by event_id', async () => {
  // GIVEN a form_response signed as Typeform documents
  const event = formResponse();
  const request = signed(event.body);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the event id and type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: event.eventId });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'typeform', deliveryId: event.eventId, eventType: 'form_response', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body: event.body });
});

describe('forged or broken requests are refused', () => {
  const withSignature = (request: SignedRequest, value: string): SignedRequest => ({ ...request, headers: { ...request.headers, 'Typeform-Signature': value } });
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(formResponse().body);
      return { ...request, body: (request.body as string).replace('Lian', 'Mallory') };
    }, 'signature_mismatch'],
    ['a tampered signature (one base64 character changed)', () => {
      const request = signed(formResponse().body);
      const value = request.headers['Typeform-Signature'].slice('sha256='.length);
      return withSignature(request, `sha256=${value[0] === 'A' ? 'B' : 'A'}${value.slice(1)}`);
    }, 'signature_mismatch'],
    ['a signature that is not base64', () => withSignature(signed(formResponse().body), 'sha256=not*base64!'), 'signature_malformed'],
    ['a signature without its sha256= prefix', () => {
      const request = signed(formResponse().body);
      return withSignature(request, request.headers['Typeform-Signature'].slice('sha256='.length));
    }, 'signature_malformed'],
    ['a hex digest (Typeform sends base64)', () => {
      const request = signed(formResponse().body);
      return withSignature(request, `sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`);
    }, 'signature_mismatch'],
    ['a signature made with another secret', () => signed(formResponse().body, OTHER_SECRET), 'signature_mismatch'],
    ['no Typeform-Signature header', () => ({ body: formResponse().body, headers: {} }), 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request that is not signed with our secret as Typeform signs
    const request = make();

    // WHEN / THEN it is refused with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed answer with accents, a symbol, an emoji and CJK characters
  const event = formResponse('café ☕ 🚀 漢字');
  const request = signed(event.body);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(event.body, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN a body with bytes that are not UTF-8, signed over its bytes as documented
  const eventId = `01${randomUUID().replace(/-/g, '').slice(0, 24).toUpperCase()}`;
  const body = invalidUtf8Json(`{"event_id":"${eventId}","event_type":"form_response","form_response":{"answers":[{"text":"`, '"}]}}');
  const request = signed(body);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: eventId, eventType: 'form_response', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});
