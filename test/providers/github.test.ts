/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body keyed with the webhook secret. Requests
 * are signed with GitHub's own `sign` from `@octokit/webhooks-methods`, and its `verify` is the oracle: it must
 * accept every request ours accepts and refuse the forgeries ours refuses. GitHub signs no timestamp. The delivery
 * id and event type are the `X-GitHub-Delivery` and `X-GitHub-Event` headers; the `ping` event sent when a hook
 * is created is the handshake.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };
type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });

const SECRET = `gh-secret-${randomUUID()}`;
const OTHER_SECRET = `gh-secret-${randomUUID()}`;
let octokit: Octokit;
let harness: Harness;

beforeAll(async () => {
  octokit = await import('@octokit/webhooks-methods');
  harness = await providerHarness('github', { secret: SECRET });
});

function issueOpened(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ action: 'opened', issue: { number: 1347, title: 'Found a bug', ...extra }, repository: { full_name: 'octocat/Hello-World' } });
}

/** A request signed by Octokit's `sign`, with GitHub's delivery headers. */
async function signed(body: string, options: { secret?: string; event?: string; delivery?: string } = {}): Promise<SignedRequest & { delivery: string }> {
  const delivery = options.delivery ?? randomUUID();
  const signature = await octokit.sign(options.secret ?? SECRET, body);
  return {
    delivery,
    body,
    headers: { 'X-Hub-Signature-256': signature, 'X-GitHub-Event': options.event ?? 'issues', 'X-GitHub-Delivery': delivery, 'User-Agent': 'GitHub-Hookshot/abc' },
  };
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

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

function without(request: SignedRequest, name: string): SignedRequest {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

test('a genuine delivery is accepted and enqueued once, keyed by X-GitHub-Delivery', async () => {
  // GIVEN an issues event signed by Octokit, which Octokit's verifier accepts
  const request = await signed(issueOpened());
  expect(await octokitAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the delivery header, the event header and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.delivery });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'github', deliveryId: request.delivery, eventType: 'issues', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body: request.body });
});

describe('forged or broken requests are refused as Octokit refuses them', () => {
  const cases: Array<[string, () => Promise<SignedRequest>, string]> = [
    ['a tampered body', async () => {
      const request = await signed(issueOpened());
      return { ...request, body: (request.body as string).replace('1347', '1348') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', async () => {
      const request = await signed(issueOpened());
      const signature = request.headers['X-Hub-Signature-256'];
      return { ...request, headers: { ...request.headers, 'X-Hub-Signature-256': signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0') } };
    }, 'signature_mismatch'],
    ['a signature that is not hex', async () => {
      const request = await signed(issueOpened());
      return { ...request, headers: { ...request.headers, 'X-Hub-Signature-256': 'sha256=zz' + request.headers['X-Hub-Signature-256'].slice(9) } };
    }, 'signature_malformed'],
    ['a signature without its sha256= prefix', async () => {
      const request = await signed(issueOpened());
      return { ...request, headers: { ...request.headers, 'X-Hub-Signature-256': request.headers['X-Hub-Signature-256'].slice('sha256='.length) } };
    }, 'signature_malformed'],
    ['a signature made with another secret', () => signed(issueOpened(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no X-Hub-Signature-256 header', async () => without(await signed(issueOpened()), 'X-Hub-Signature-256'), 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request Octokit's own verifier refuses
    const request = await make();
    expect(await octokitAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

test('only the SHA-256 signature counts: the legacy SHA-1 X-Hub-Signature alone is refused as unsigned', async () => {
  // GIVEN a valid legacy signature (HMAC-SHA1, which GitHub still sends beside the SHA-256 one) and no SHA-256 one
  const request = await signed(issueOpened());
  const legacy = without(request, 'X-Hub-Signature-256');
  legacy.headers['X-Hub-Signature'] = `sha1=${createHmac('sha1', SECRET).update(request.body).digest('hex')}`;

  // WHEN / THEN it is refused
  await expectRejected(harness, legacy, 'signature_missing');
});

test('the ping sent when a hook is created is answered 200 and neither enqueued nor recorded', async () => {
  // GIVEN a signed ping event
  const body = JSON.stringify({ zen: 'Design for failure.', hook_id: 12345678, hook: { type: 'Repository', events: ['issues'] } });
  const request = await signed(body, { event: 'ping' });
  expect(await octokitAccepts(request)).toBe(true);
  const recordsBefore = await harness.records();

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN GitHub gets a 2xx (all it checks), and nothing reaches the queue or the inbox
  expect(answer.status).toBe(200);
  expect(answer.headers['Content-Type']).toBe('application/json');
  expect(answer.body).toEqual({ ok: true, code: 'handshake', deliveryId: request.delivery });
  expect(await harness.messages()).toEqual([]);
  expect(await harness.records()).toBe(recordsBefore);
});

test('a forged ping is refused like any other forged request', async () => {
  // GIVEN a ping signed with another secret
  const request = await signed(JSON.stringify({ zen: 'Keep it logically awesome.' }), { event: 'ping', secret: OTHER_SECRET });
  expect(await octokitAccepts(request)).toBe(false);

  // WHEN / THEN it is refused
  await expectRejected(harness, request, 'signature_mismatch');
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = await signed(issueOpened({ title: 'café ☕ 🚀 漢字' }));
  expect(await octokitAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body as string, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN the documented signature computed over raw bytes, which for a UTF-8 body equals Octokit's own
  // (Octokit signs strings only)
  const utf8Body = issueOpened({ title: 'café ☕' });
  expect(signBytes(Buffer.from(utf8Body))).toBe(await octokit.sign(SECRET, utf8Body));
  const body = invalidUtf8Json();
  const delivery = randomUUID();

  // WHEN a body with bytes that are not UTF-8 is delivered with that signature
  const answer = await harness.send({ body, headers: { 'X-Hub-Signature-256': signBytes(body), 'X-GitHub-Event': 'issues', 'X-GitHub-Delivery': delivery } });

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: delivery, eventType: 'issues', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

test('a form-encoded delivery (content type application/x-www-form-urlencoded) is verified over its raw bytes', async () => {
  // GIVEN a hook configured for form posts: GitHub signs the raw `payload=<url-encoded JSON>` body
  const body = `payload=${encodeURIComponent(issueOpened())}`;
  const request = await signed(body);
  request.headers['Content-Type'] = 'application/x-www-form-urlencoded';
  expect(await octokitAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted with its bytes intact
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.delivery });
  const [message] = await harness.messages();
  expect(message).toMatchObject({ eventType: 'issues', contentType: 'application/x-www-form-urlencoded', body });
});
