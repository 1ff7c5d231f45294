/**
 * Jira Cloud admin webhooks. Atlassian publishes no npm package that signs or verifies them, so requests are signed
 * as Atlassian documents it (https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks):
 * a webhook registered with a secret carries `X-Hub-Signature: sha256=<hex>`, the WebSub `method=signature` form,
 * where the signature is the HMAC-SHA256 of the raw body keyed with the secret; no timestamp is signed. That is
 * byte for byte the grammar GitHub uses, so GitHub's own verifier (`verify` from `@octokit/webhooks-methods`) is an
 * independent check of every request built here: it must accept the genuine ones and refuse the forgeries.
 * The delivery id is `X-Atlassian-Webhook-Identifier` (unchanged across retries), the event type the body's
 * `webhookEvent`. Jira defines no handshake. The standard matrix is test/support/provider-matrix.ts; this file holds
 * what is particular to Jira.
 */
import { createHmac, randomInt } from 'node:crypto';
import { invalidUtf8Json } from '../support/provider-harness';
import { noWindow, providerMatrix, withHeader, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });

const SECRET = 'jira-admin-webhook-secret-7Hq2mZ';
const OTHER_SECRET = 'another-jira-webhook-secret';
const SIGNATURE = 'X-Hub-Signature';

let octokit: Octokit;

beforeAll(async () => {
  octokit = await import('@octokit/webhooks-methods');
});

function issueCreated(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    timestamp: Date.now(),
    webhookEvent: 'jira:issue_created',
    issue_event_type_name: 'issue_created',
    user: { accountId: '5b10a2844c20165700ede21g', displayName: 'Jane Doe' },
    issue: { id: '10002', key: 'PROJ-42', fields: { summary: 'Checkout fails on Safari', issuetype: { name: 'Bug' }, priority: { name: 'High' }, ...extra } },
  });
}

/** Signed as Atlassian documents: sha256= + hex HMAC-SHA256 of the body bytes. */
function signed(body: string | Buffer, options: { secret?: string; id?: string } = {}): SignedRequest {
  return {
    body,
    headers: {
      'X-Atlassian-Webhook-Identifier': options.id ?? String(randomInt(1e9, 1e10)),
      'X-Atlassian-Webhook-Flow': 'Primary',
      [SIGNATURE]: `sha256=${createHmac('sha256', options.secret ?? SECRET).update(body).digest('hex')}`,
    },
  };
}

/** The independent verdict of a WebSub `sha256=` verifier (GitHub's, same header grammar and algorithm). */
async function websubAccepts(request: SignedRequest): Promise<boolean> {
  try {
    return await octokit.verify(SECRET, request.body.toString(), request.headers[SIGNATURE] ?? '');
  } catch {
    return false;
  }
}

const description: ProviderDescription = {
  kind: 'jira',
  notApplicable: noWindow('no timestamp is signed'),
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: issueCreated,
  sign: (body, options) => signed(body, options),
  accepts: websubAccepts,
  signBytes: (body, { id }) => signed(body, { id }).headers,
  signatureHeader: SIGNATURE,
  expected: (request) => ({ deliveryId: request.headers['X-Atlassian-Webhook-Identifier'], eventType: JSON.parse(String(request.body)).webhookEvent }),
  tamper: ['"High"', '"Lowest"'],
  // A retry carries the same identifier and X-Atlassian-Webhook-Retry
  redeliver: (request) => withHeader(request, 'X-Atlassian-Webhook-Retry', '1'),
  refusals: [
    ['a signature that is not hex', () => withHeader(signed(issueCreated()), SIGNATURE, `sha256=${'g'.repeat(64)}`), 'signature_malformed'],
    ['a signature with another method (sha1=)', () => {
      const request = signed(issueCreated());
      return withHeader(request, SIGNATURE, `sha1=${createHmac('sha1', SECRET).update(request.body).digest('hex')}`);
    }, 'signature_malformed'],
    ['a bare signature without the sha256= method', () => {
      const request = signed(issueCreated());
      return withHeader(request, SIGNATURE, request.headers[SIGNATURE].slice('sha256='.length));
    }, 'signature_malformed'],
  ],
  invalidUtf8Body: () => invalidUtf8Json('{"webhookEvent":"comment_created","comment":{"body":"', '"}}'),
  invalidUtf8Expected: (request) => ({ deliveryId: request.headers['X-Atlassian-Webhook-Identifier'], eventType: 'comment_created' }),
};

providerMatrix(description);
rotationTest(description, { stored: 'rotated-jira-admin-webhook-secret' });
