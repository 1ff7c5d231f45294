/**
 * Sentry (integration platform webhooks). No npm package signs or verifies Sentry's webhooks, so requests are signed
 * as Sentry documents it (https://docs.sentry.io/integrations/integration-platform/webhooks/#sentry-hook-signature):
 * `Sentry-Hook-Signature` is the hex HMAC-SHA256 of the body, keyed with the integration's client secret.
 * `Sentry-Hook-Timestamp` is sent but not signed, so it bounds nothing. The delivery id is the `Request-ID` header,
 * the event type the `Sentry-Hook-Resource` header (`issue`, `event_alert`, `installation`, ...). Sentry defines no
 * handshake.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SECRET = '9c5d7e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5';
const OTHER_SECRET = 'f'.repeat(64);

let sentry: Harness;

beforeAll(async () => {
  sentry = await providerHarness('sentry', { secret: SECRET });
});

function issueCreated(title = 'TypeError: Cannot read properties of undefined'): string {
  return JSON.stringify({
    action: 'created',
    installation: { uuid: '7a485448-a9e2-4c85-8a3c-4f44175783c9' },
    data: { issue: { id: '1170820242', shortId: 'EXAMPLE-PROJECT-3', title, culprit: 'app/components/modal', level: 'error', status: 'unresolved', project: { id: '1', slug: 'example-project' } } },
    actor: { type: 'application', id: 'sentry', name: 'Sentry' },
  });
}

/** Signed as Sentry documents: hex HMAC-SHA256 of the body bytes, with the headers Sentry sends. */
function signed(body: string | Buffer, options: { secret?: string; resource?: string } = {}): SignedRequest & { requestId: string } {
  const requestId = randomUUID();
  return {
    requestId,
    body,
    headers: {
      'Request-ID': requestId,
      'Sentry-Hook-Resource': options.resource ?? 'issue',
      'Sentry-Hook-Timestamp': String(Math.floor(Date.now() / 1000)),
      'Sentry-Hook-Signature': createHmac('sha256', options.secret ?? SECRET).update(body).digest('hex'),
    },
  };
}

function withHeader(request: SignedRequest, name: string, value: string): SignedRequest {
  return { ...request, headers: { ...request.headers, [name]: value } };
}

function without(request: SignedRequest, name: string): SignedRequest {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');
const SIGNATURE = 'Sentry-Hook-Signature';

test('a genuine delivery is accepted and enqueued once, keyed by Request-ID', async () => {
  // GIVEN an issue webhook signed as Sentry signs it
  const request = signed(issueCreated());

  // WHEN it is delivered
  const answer = await sentry.send(request);

  // THEN it is accepted, and one envelope carries the request id, the resource and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.requestId });
  const messages = await sentry.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'sentry', deliveryId: request.requestId, eventType: 'issue', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body: request.body });
});

describe('forged or broken requests are refused', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(issueCreated());
      return { ...request, body: String(request.body).replace('"status":"unresolved"', '"status":"resolved"') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(issueCreated());
      const signature = request.headers[SIGNATURE];
      return withHeader(request, SIGNATURE, signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0'));
    }, 'signature_mismatch'],
    ['a truncated signature (odd number of hex digits)', () => {
      const request = signed(issueCreated());
      return withHeader(request, SIGNATURE, request.headers[SIGNATURE].slice(1));
    }, 'signature_malformed'],
    ['a signature made with another client secret', () => signed(issueCreated(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no Sentry-Hook-Signature header', () => without(signed(issueCreated()), SIGNATURE), 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN / WHEN / THEN a 401 with the right code, nothing enqueued, nothing recorded
    await expectRejected(sentry, make(), code);
  });
});

test('Sentry-Hook-Timestamp is not signed, so an old one does not refuse a genuine delivery', async () => {
  // GIVEN a genuine delivery whose unsigned timestamp header says a day ago
  const request = signed(issueCreated());
  const aged = withHeader(request, 'Sentry-Hook-Timestamp', String(Math.floor(Date.now() / 1000) - 86_400));

  // WHEN it is delivered
  const answer = await sentry.send(aged);

  // THEN it is accepted: a header no signature covers cannot bound a replay window either way
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.requestId });
  expect(await sentry.messages()).toHaveLength(1);
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(issueCreated('café ☕ 🚀 漢字'));

  // WHEN it is delivered
  const answer = await sentry.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await sentry.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN bytes that are not UTF-8, signed over the raw bytes as documented
  const body = invalidUtf8Json('{"action":"created","data":{"error":{"title":"', '"}}}');
  const request = signed(body, { resource: 'error' });

  // WHEN it is delivered
  const answer = await sentry.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await sentry.messages();
  expect(message).toMatchObject({ deliveryId: request.requestId, eventType: 'error', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

test('an installation webhook is an ordinary signed event, enqueued with its resource', async () => {
  // GIVEN the installation.created webhook Sentry sends when the integration is installed
  const body = JSON.stringify({ action: 'created', installation: { uuid: randomUUID() }, data: { installation: { app: { uuid: randomUUID(), slug: 'example-app' }, organization: { slug: 'example-org' }, status: 'pending' } }, actor: { type: 'user', id: 1, name: 'Jane' } });
  const request = signed(body, { resource: 'installation' });

  // WHEN it is delivered
  const answer = await sentry.send(request);

  // THEN it is accepted and enqueued for the processor (which completes the installation)
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.requestId });
  const [message] = await sentry.messages();
  expect(message).toMatchObject({ eventType: 'installation', body });
});
