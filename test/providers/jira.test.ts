/**
 * Jira Cloud admin webhooks. Atlassian publishes no npm package that signs or verifies them, so requests are signed
 * as Atlassian documents it (https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks):
 * a webhook registered with a secret carries `X-Hub-Signature: sha256=<hex>`, the WebSub `method=signature` form,
 * where the signature is the HMAC-SHA256 of the raw body keyed with the secret; no timestamp is signed. That is
 * byte for byte the grammar GitHub uses, so GitHub's own verifier (`verify` from `@octokit/webhooks-methods`) is an
 * independent check of every request built here: it must accept the genuine ones and refuse the forgeries.
 * The delivery id is `X-Atlassian-Webhook-Identifier` (unchanged across retries), the event type the body's
 * `webhookEvent`. Jira defines no handshake.
 */
import { createHmac, randomInt } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };
type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });

const SECRET = 'jira-admin-webhook-secret-7Hq2mZ';
const OTHER_SECRET = 'another-jira-webhook-secret';
const SIGNATURE = 'X-Hub-Signature';

let jira: Harness;
let octokit: Octokit;

beforeAll(async () => {
  octokit = await import('@octokit/webhooks-methods');
  jira = await providerHarness('jira', { secret: SECRET });
});

function issueCreated(summary = 'Checkout fails on Safari', webhookEvent = 'jira:issue_created'): string {
  return JSON.stringify({
    timestamp: Date.now(),
    webhookEvent,
    issue_event_type_name: 'issue_created',
    user: { accountId: '5b10a2844c20165700ede21g', displayName: 'Jane Doe' },
    issue: { id: '10002', key: 'PROJ-42', fields: { summary, issuetype: { name: 'Bug' }, priority: { name: 'High' } } },
  });
}

/** Signed as Atlassian documents: sha256= + hex HMAC-SHA256 of the body bytes. */
function signed(body: string | Buffer, options: { secret?: string } = {}): SignedRequest & { identifier: string } {
  const identifier = String(randomInt(1e9, 1e10));
  return {
    identifier,
    body,
    headers: {
      'X-Atlassian-Webhook-Identifier': identifier,
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

function withSignature(request: SignedRequest, value: string): SignedRequest {
  return { ...request, headers: { ...request.headers, [SIGNATURE]: value } };
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

test('a genuine delivery is accepted and enqueued once, keyed by X-Atlassian-Webhook-Identifier', async () => {
  // GIVEN a jira:issue_created webhook signed as Atlassian documents, which a WebSub verifier accepts
  const request = signed(issueCreated());
  expect(await websubAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await jira.send(request);

  // THEN it is accepted, and one envelope carries the identifier, the body's webhookEvent and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.identifier });
  const messages = await jira.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'jira', deliveryId: request.identifier, eventType: 'jira:issue_created', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body: request.body });
});

describe('forged or broken requests are refused, as a WebSub verifier refuses them', () => {
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(issueCreated());
      return { ...request, body: String(request.body).replace('"High"', '"Lowest"') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(issueCreated());
      const signature = request.headers[SIGNATURE];
      return withSignature(request, signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0'));
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => withSignature(signed(issueCreated()), `sha256=${'g'.repeat(64)}`), 'signature_malformed'],
    ['a signature with another method (sha1=)', () => {
      const request = signed(issueCreated());
      return withSignature(request, `sha1=${createHmac('sha1', SECRET).update(request.body).digest('hex')}`);
    }, 'signature_malformed'],
    ['a bare signature without the sha256= method', () => {
      const request = signed(issueCreated());
      return withSignature(request, request.headers[SIGNATURE].slice('sha256='.length));
    }, 'signature_malformed'],
    ['a signature made with another secret', () => signed(issueCreated(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no X-Hub-Signature header (a webhook registered without a secret, or by an app)', () => {
      const { [SIGNATURE]: _removed, ...headers } = signed(issueCreated()).headers;
      return { body: issueCreated(), headers };
    }, 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request the WebSub verifier refuses
    const request = make();
    expect(await websubAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it with the right code, and nothing is enqueued or recorded
    await expectRejected(jira, request, code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(issueCreated('café ☕ 🚀 漢字'));
  expect(await websubAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await jira.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await jira.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN bytes that are not UTF-8, signed over the raw bytes as documented
  const body = invalidUtf8Json('{"webhookEvent":"comment_created","comment":{"body":"', '"}}');
  const request = signed(body);

  // WHEN it is delivered
  const answer = await jira.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await jira.messages();
  expect(message).toMatchObject({ deliveryId: request.identifier, eventType: 'comment_created', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});

test('a retry (same identifier, X-Atlassian-Webhook-Retry) is not enqueued twice', async () => {
  // GIVEN a delivered webhook, not yet processed
  const first = signed(issueCreated());
  expect((await jira.send(first)).status).toBe(200);
  expect(await jira.messages()).toHaveLength(1);
  const records = await jira.records();

  // WHEN Jira retries it with the same identifier
  const answer = await jira.send({ ...first, headers: { ...first.headers, 'X-Atlassian-Webhook-Retry': '1' } });

  // THEN the identifier is still held by the first attempt: no new record, nothing enqueued
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 200, code: 'duplicate' });
  expect(await jira.records()).toBe(records);
  expect(await jira.messages()).toEqual([]);
});
