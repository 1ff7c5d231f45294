/**
 * Bitbucket Cloud: `X-Hub-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body keyed with the webhook's
 * secret (https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/#Secure-webhooks). Unlike GitHub,
 * whose `X-Hub-Signature` is SHA-1, Bitbucket's carries SHA-256 under that name. Bitbucket publishes no npm package
 * that signs or verifies, so requests are signed here as documented, with node:crypto. The delivery id and event
 * type are the `X-Request-UUID` and `X-Event-Key` headers (https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/).
 * Bitbucket defines no handshake.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

const SECRET = randomBytes(32).toString('hex');
const OTHER_SECRET = randomBytes(32).toString('hex');
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('bitbucket', { secret: SECRET });
});

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
function signed(body: string | Buffer, options: { secret?: string; eventKey?: string } = {}): SignedRequest & { requestUuid: string } {
  const requestUuid = randomUUID();
  return {
    requestUuid,
    body,
    headers: {
      'User-Agent': 'Bitbucket-Webhooks/2.0',
      'X-Event-Key': options.eventKey ?? 'repo:push',
      'X-Hook-UUID': 'cb4b1d4a-7b2e-4f6e-9d3e-1f2a3b4c5d6e',
      'X-Request-UUID': requestUuid,
      'X-Attempt-Number': '1',
      'X-Hub-Signature': sha256(body, options.secret),
    },
  };
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

function without(request: SignedRequest, name: string): SignedRequest {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

test('a genuine delivery is accepted and enqueued once, keyed by X-Request-UUID', async () => {
  // GIVEN a repo:push signed as Bitbucket documents
  const request = signed(repoPush());

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the request UUID, the event key and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.requestUuid });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'bitbucket', deliveryId: request.requestUuid, eventType: 'repo:push', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body: request.body });
});

describe('forged or broken requests are refused', () => {
  const withSignature = (request: SignedRequest, value: string): SignedRequest => ({ ...request, headers: { ...request.headers, 'X-Hub-Signature': value } });
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(repoPush());
      return { ...request, body: (request.body as string).replace('Fix the build', 'Break the build') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(repoPush());
      const header = request.headers['X-Hub-Signature'];
      return withSignature(request, header.slice(0, -1) + (header.endsWith('0') ? '1' : '0'));
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => withSignature(signed(repoPush()), 'sha256=not-hex-at-all'), 'signature_malformed'],
    ['a signature without its sha256= prefix', () => {
      const request = signed(repoPush());
      return withSignature(request, request.headers['X-Hub-Signature'].slice('sha256='.length));
    }, 'signature_malformed'],
    ["GitHub's legacy SHA-1 form (sha1=) in X-Hub-Signature", () => {
      const request = signed(repoPush());
      return withSignature(request, `sha1=${createHmac('sha1', SECRET).update(request.body).digest('hex')}`);
    }, 'signature_malformed'],
    ['a signature made with another secret', () => signed(repoPush(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no X-Hub-Signature header (a webhook without a secret)', () => without(signed(repoPush()), 'X-Hub-Signature'), 'signature_missing'],
    ['the signature only under X-Hub-Signature-256 (GitHub\'s header, not Bitbucket\'s)', () => {
      const request = signed(repoPush());
      const moved = without(request, 'X-Hub-Signature');
      return { ...moved, headers: { ...moved.headers, 'X-Hub-Signature-256': request.headers['X-Hub-Signature'] } };
    }, 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request that is not signed with our secret as Bitbucket signs
    const request = make();

    // WHEN / THEN it is refused with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const request = signed(repoPush({ message: 'café ☕ 🚀 漢字' }));

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(request.body as string, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN a body with bytes that are not UTF-8, signed over its bytes as documented
  const body = invalidUtf8Json('{"comment":{"content":{"raw":"', '"}}}');
  const request = signed(body, { eventKey: 'pullrequest:comment_created' });

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: request.requestUuid, eventType: 'pullrequest:comment_created', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});
