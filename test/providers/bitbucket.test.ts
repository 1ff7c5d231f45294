/**
 * Bitbucket Cloud: `X-Hub-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body keyed with the webhook's
 * secret (https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/#Secure-webhooks). Unlike GitHub,
 * whose `X-Hub-Signature` is SHA-1, Bitbucket's carries SHA-256 under that name. Bitbucket publishes no npm package
 * that signs or verifies, so requests are signed here as documented, with node:crypto. The delivery id and event
 * type are the `X-Request-UUID` and `X-Event-Key` headers (https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/).
 * Bitbucket defines no handshake. The standard matrix is test/support/provider-matrix.ts; this file holds what is
 * particular to Bitbucket.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { invalidUtf8Json } from '../support/provider-harness';
import { noWindow, providerMatrix, withHeader, without, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = randomBytes(32).toString('hex');
const OTHER_SECRET = randomBytes(32).toString('hex');

function repoPush(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    push: { changes: [{ new: { type: 'branch', name: 'main', target: { hash: '709d658dc5b6d6afcd46049c2f332ee3f515a67d', message: 'Fix the build', ...extra } } }] },
    repository: { type: 'repository', full_name: 'team/repo', uuid: '{5e2f6c9a-3f55-4a7c-9f3a-2b0f6f3c1e11}' },
    actor: { type: 'user', display_name: 'Emma', uuid: '{a7f6b1c2-52c3-4f5e-8d3f-0e2c9a1b4d77}' },
  });
}

/** The documented scheme: `sha256=` + hex HMAC-SHA256 of the raw body bytes, keyed with the secret's text. */
const sha256 = (body: string | Buffer, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** A request with the headers Bitbucket Cloud sends. */
function signed(body: string | Buffer, options: { secret?: string; eventKey?: string; id?: string } = {}): SignedRequest {
  return {
    body,
    headers: {
      'User-Agent': 'Bitbucket-Webhooks/2.0',
      'X-Event-Key': options.eventKey ?? 'repo:push',
      'X-Hook-UUID': 'cb4b1d4a-7b2e-4f6e-9d3e-1f2a3b4c5d6e',
      'X-Request-UUID': options.id ?? randomUUID(),
      'X-Attempt-Number': '1',
      'X-Hub-Signature': sha256(body, options.secret),
    },
  };
}

const description: ProviderDescription = {
  kind: 'bitbucket',
  notApplicable: noWindow('no timestamp is signed'),
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: repoPush,
  sign: (body, options) => signed(body, options),
  signBytes: (body, { id }) => signed(body, { id, eventKey: 'pullrequest:comment_created' }).headers,
  signatureHeader: 'X-Hub-Signature',
  expected: (request) => ({ deliveryId: request.headers['X-Request-UUID'], eventType: request.headers['X-Event-Key'] }),
  tamper: ['Fix the build', 'Break the build'],
  refusals: [
    ['a signature that is not hex', () => withHeader(signed(repoPush()), 'X-Hub-Signature', 'sha256=not-hex-at-all'), 'signature_malformed'],
    ['a signature without its sha256= prefix', () => {
      const request = signed(repoPush());
      return withHeader(request, 'X-Hub-Signature', request.headers['X-Hub-Signature'].slice('sha256='.length));
    }, 'signature_malformed'],
    ["GitHub's legacy SHA-1 form (sha1=) in X-Hub-Signature", () => {
      const request = signed(repoPush());
      return withHeader(request, 'X-Hub-Signature', `sha1=${createHmac('sha1', SECRET).update(request.body).digest('hex')}`);
    }, 'signature_malformed'],
    ["the signature only under X-Hub-Signature-256 (GitHub's header, not Bitbucket's)", () => {
      const request = signed(repoPush());
      return withHeader(without(request, 'X-Hub-Signature'), 'X-Hub-Signature-256', request.headers['X-Hub-Signature']);
    }, 'signature_missing'],
  ],
  invalidUtf8Body: () => invalidUtf8Json('{"comment":{"content":{"raw":"', '"}}}'),
  invalidUtf8Expected: (request) => ({ deliveryId: request.headers['X-Request-UUID'], eventType: 'pullrequest:comment_created' }),
};

providerMatrix(description);
rotationTest(description, { stored: randomBytes(32).toString('hex') });
