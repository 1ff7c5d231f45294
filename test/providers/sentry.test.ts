/**
 * Sentry (integration platform webhooks). No npm package signs or verifies Sentry's webhooks, so requests are signed
 * as Sentry documents it (https://docs.sentry.io/integrations/integration-platform/webhooks/#sentry-hook-signature):
 * `Sentry-Hook-Signature` is the hex HMAC-SHA256 of the body, keyed with the integration's client secret.
 * `Sentry-Hook-Timestamp` is sent but not signed, so it bounds nothing. The delivery id is the `Request-ID` header,
 * the event type the `Sentry-Hook-Resource` header (`issue`, `event_alert`, `installation`, ...). Sentry defines no
 * handshake. The standard matrix is test/support/provider-matrix.ts; this file holds what is particular to Sentry.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { invalidUtf8Json } from '../support/provider-harness';
import { noWindow, providerMatrix, withHeader, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = '9c5d7e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5';
const OTHER_SECRET = 'f'.repeat(64);
const SIGNATURE = 'Sentry-Hook-Signature';

function issueCreated(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    action: 'created',
    installation: { uuid: '7a485448-a9e2-4c85-8a3c-4f44175783c9' },
    data: { issue: { id: '1170820242', shortId: 'EXAMPLE-PROJECT-3', title: 'TypeError: Cannot read properties of undefined', culprit: 'app/components/modal', level: 'error', status: 'unresolved', project: { id: '1', slug: 'example-project' }, ...extra } },
    actor: { type: 'application', id: 'sentry', name: 'Sentry' },
  });
}

/** Signed as Sentry documents: hex HMAC-SHA256 of the body bytes, with the headers Sentry sends. */
function signed(body: string | Buffer, options: { secret?: string; resource?: string; id?: string } = {}): SignedRequest {
  return {
    body,
    headers: {
      'Request-ID': options.id ?? randomUUID(),
      'Sentry-Hook-Resource': options.resource ?? 'issue',
      'Sentry-Hook-Timestamp': String(Math.floor(Date.now() / 1000)),
      [SIGNATURE]: createHmac('sha256', options.secret ?? SECRET).update(body).digest('hex'),
    },
  };
}

const description: ProviderDescription = {
  kind: 'sentry',
  notApplicable: noWindow('Sentry-Hook-Timestamp is sent but not signed, so it can bound nothing'),
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: issueCreated,
  sign: (body, options) => signed(body, options),
  signBytes: (body, { id }) => signed(body, { id, resource: 'error' }).headers,
  signatureHeader: SIGNATURE,
  expected: (request) => ({ deliveryId: request.headers['Request-ID'], eventType: request.headers['Sentry-Hook-Resource'] }),
  tamper: ['"status":"unresolved"', '"status":"resolved"'],
  refusals: [
    ['a truncated signature (odd number of hex digits)', () => {
      const request = signed(issueCreated());
      return withHeader(request, SIGNATURE, request.headers[SIGNATURE].slice(1));
    }, 'signature_malformed'],
  ],
  invalidUtf8Body: () => invalidUtf8Json('{"action":"created","data":{"error":{"title":"', '"}}}'),
  invalidUtf8Expected: (request) => ({ deliveryId: request.headers['Request-ID'], eventType: 'error' }),
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: 'e'.repeat(64) });

test('Sentry-Hook-Timestamp is not signed, so an old one does not refuse a genuine delivery', async () => {
  // GIVEN a genuine delivery whose timestamp header says a day ago
  const request = signed(issueCreated());
  const aged = withHeader(request, 'Sentry-Hook-Timestamp', String(Math.floor(Date.now() / 1000) - 86_400));

  // WHEN it is delivered
  const answer = await matrix.harness().send(aged);

  // THEN it is accepted: an unsigned timestamp proves nothing, so it bounds nothing
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.headers['Request-ID'] });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('an installation webhook is an ordinary signed event, enqueued with its resource', async () => {
  // GIVEN an installation.created webhook, sent when an organization installs the integration
  const body = JSON.stringify({ action: 'created', installation: { uuid: randomUUID() }, data: { installation: { app: { uuid: randomUUID(), slug: 'example-app' }, organization: { slug: 'example-org' }, status: 'pending' } }, actor: { type: 'user', id: 1, name: 'Jane' } });
  const request = signed(body, { resource: 'installation' });

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN it is accepted and enqueued as an event of type installation
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.headers['Request-ID'] });
  const [message] = await matrix.harness().messages();
  expect(message).toMatchObject({ eventType: 'installation', body });
});
