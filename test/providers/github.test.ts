/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body keyed with the webhook secret. Requests
 * are signed with GitHub's own `sign` from `@octokit/webhooks-methods`, and its `verify` is the oracle: it must
 * accept every request ours accepts and refuse the forgeries ours refuses. GitHub signs no timestamp. The delivery
 * id and event type are the `X-GitHub-Delivery` and `X-GitHub-Event` headers; the `ping` event sent when a hook
 * is created is the handshake. The standard matrix is test/support/provider-matrix.ts; this file holds what is
 * particular to GitHub.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { rotationTest } from '../support/rotation-case';
import { noWindow, providerMatrix, withHeader, without, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';

type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });

const SECRET = `gh-secret-${randomUUID()}`;
const OTHER_SECRET = `gh-secret-${randomUUID()}`;
let octokit: Octokit;

beforeAll(async () => {
  octokit = await import('@octokit/webhooks-methods');
});

function issueOpened(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ action: 'opened', issue: { number: 1347, title: 'Found a bug', ...extra }, repository: { full_name: 'octocat/Hello-World' } });
}

const deliveryHeaders = (signature: string, delivery: string, event: string) => ({ 'X-Hub-Signature-256': signature, 'X-GitHub-Event': event, 'X-GitHub-Delivery': delivery, 'User-Agent': 'GitHub-Hookshot/abc' });

/** A request signed by Octokit's `sign`, with GitHub's delivery headers. */
async function signed(body: string, options: { secret?: string; event?: string; id?: string } = {}): Promise<SignedRequest> {
  return { body, headers: deliveryHeaders(await octokit.sign(options.secret ?? SECRET, body), options.id ?? randomUUID(), options.event ?? 'issues') };
}

/** Octokit's own verdict on a request. */
async function octokitAccepts(request: SignedRequest): Promise<boolean> {
  try {
    return await octokit.verify(SECRET, request.body.toString(), request.headers['X-Hub-Signature-256']);
  } catch {
    return false;
  }
}

/** The documented scheme over raw bytes: `sha256=` + hex HMAC-SHA256 of the body, keyed with the secret's UTF-8 text. */
const signBytes = (body: Buffer) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

const signature = (request: SignedRequest) => request.headers['X-Hub-Signature-256'];

const description: ProviderDescription = {
  kind: 'github',
  notApplicable: noWindow('no timestamp is signed'),
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: issueOpened,
  sign: (body, options) => signed(body, options),
  accepts: octokitAccepts,
  signBytes: (body, { id }) => deliveryHeaders(signBytes(body), id, 'issues'),
  signatureHeader: 'X-Hub-Signature-256',
  expected: (request) => ({ deliveryId: request.headers['X-GitHub-Delivery'], eventType: request.headers['X-GitHub-Event'] }),
  tamper: ['1347', '1348'],
  refusals: [
    ['a signature that is not hex', async () => {
      const request = await signed(issueOpened());
      return withHeader(request, 'X-Hub-Signature-256', 'sha256=zz' + signature(request).slice(9));
    }, 'signature_malformed'],
    // Non-hex text anywhere, not only at the start, and an odd number of digits: the decoder stops at the first
    // pair that is not hex, so a check of the decoded length alone would take these for a (mismatching) shorter one.
    ['a signature whose last pair is not hex', async () => {
      const request = await signed(issueOpened());
      return withHeader(request, 'X-Hub-Signature-256', signature(request).slice(0, -2) + 'g0');
    }, 'signature_malformed'],
    ['a signature with a full-width digit', async () => {
      const request = await signed(issueOpened());
      return withHeader(request, 'X-Hub-Signature-256', signature(request).slice(0, -1) + '\uff10');
    }, 'signature_malformed'],
    ['a signature of an odd number of hex digits', async () => {
      const request = await signed(issueOpened());
      return withHeader(request, 'X-Hub-Signature-256', `${signature(request)}0`);
    }, 'signature_malformed'],
    ['a signature without its sha256= prefix', async () => {
      const request = await signed(issueOpened());
      return withHeader(request, 'X-Hub-Signature-256', signature(request).slice('sha256='.length));
    }, 'signature_malformed'],
    // A valid legacy signature (HMAC-SHA1, which GitHub still sends beside the SHA-256 one) and no SHA-256 one
    ['only the legacy SHA-1 X-Hub-Signature (only the SHA-256 signature counts)', async () => {
      const request = await signed(issueOpened());
      return withHeader(without(request, 'X-Hub-Signature-256'), 'X-Hub-Signature', `sha1=${createHmac('sha1', SECRET).update(request.body).digest('hex')}`);
    }, 'signature_missing'],
    ['a forged ping (signed with another secret)', () => signed(JSON.stringify({ zen: 'Keep it logically awesome.' }), { event: 'ping', secret: OTHER_SECRET }), 'signature_mismatch'],
  ],
  handshake: {
    name: 'the ping sent when a hook is created',
    request: () => signed(JSON.stringify({ zen: 'Design for failure.', hook_id: 12345678, hook: { type: 'Repository', events: ['issues'] } }), { event: 'ping' }),
    accepted: true,
    // GitHub checks only for a 2xx
    expectAnswer: (answer, request) => {
      expect(answer.status).toBe(200);
      expect(answer.headers['Content-Type']).toBe('application/json');
      expect(answer.body).toEqual({ ok: true, code: 'handshake', deliveryId: request.headers['X-GitHub-Delivery'] });
    },
  },
  invalidUtf8Expected: (request) => ({ deliveryId: request.headers['X-GitHub-Delivery'], eventType: 'issues' }),
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: `gh-secret-${randomUUID()}` });

test('a form-encoded delivery (content type application/x-www-form-urlencoded) is verified over its raw bytes', async () => {
  // GIVEN a hook configured for form posts: GitHub signs the raw `payload=<url-encoded JSON>` body
  const body = `payload=${encodeURIComponent(issueOpened())}`;
  const request = await signed(body);
  request.headers['Content-Type'] = 'application/x-www-form-urlencoded';
  expect(await octokitAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN it is accepted with its bytes intact
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.headers['X-GitHub-Delivery'] });
  const [message] = await matrix.harness().messages();
  expect(message).toMatchObject({ eventType: 'issues', contentType: 'application/x-www-form-urlencoded', body });
});
