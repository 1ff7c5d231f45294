/**
 * OpenAI: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`), the base64
 * HMAC-SHA256 of `{id}.{timestamp}.{raw body}` keyed with the base64-decoded `whsec_` secret, a 5-minute window.
 * Requests are signed with the Standard Webhooks reference library (`standardwebhooks`; the `openai` package only
 * verifies), and the `openai` package's own `client.webhooks.verifySignature` is the oracle: it must accept every
 * request ours accepts and refuse the forgeries ours refuses. The delivery id is `webhook-id`, the event type the
 * body's `type`, the event time its `created_at` (seconds).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { Webhook } from 'standardwebhooks';
import { expectRejected, providerHarness } from '../support/provider-harness';
import { providerMatrix, standardWebhooksDescription, type SignedRequest } from '../support/provider-matrix';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const openai = new OpenAI({ apiKey: 'sk-test-unused' });
const CREATED_AT = 1_767_225_600;

function responseCompleted(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', created_at: CREATED_AT, type: 'response.completed', data: { id: 'resp_1', tokens: 4200, ...extra } });
}

function signed(body: string, options: { secret?: string; id?: string } = {}): SignedRequest & { id: string } {
  const id = options.id ?? `wh_${randomUUID()}`;
  const at = new Date();
  return {
    id,
    body,
    headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(options.secret ?? SECRET).sign(id, at, body) },
  };
}

/** The openai package's verdict on a request (its default tolerance, 300 s). */
async function openaiAccepts(request: SignedRequest, secret = SECRET): Promise<boolean> {
  try {
    await openai.webhooks.verifySignature(String(request.body), request.headers, secret);
    return true;
  } catch {
    return false;
  }
}

const matrix = providerMatrix({
  ...standardWebhooksDescription({
  kind: 'openai',
  prefix: 'webhook',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: responseCompleted,
  eventType: 'response.completed',
  tamper: ['4200', '4201'],
  signature: (secret, id, at, body) => new Webhook(secret).sign(id, at, body),
  accepts: (request) => openaiAccepts(request),
  }),
  rotation: { stored: `whsec_${randomBytes(32).toString('base64')}` },
});

test('the envelope carries the event\'s created_at as its event time', async () => {
  // GIVEN a genuine delivery, which the openai package accepts
  const request = signed(responseCompleted());
  expect(await openaiAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN the envelope carries created_at (seconds) as an ISO time, keyed by webhook-id
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.id });
  expect((await matrix.harness().messages())[0]).toMatchObject({ deliveryId: request.id, eventTime: new Date(CREATED_AT * 1000).toISOString() });
});

test('several signatures (a secret being rotated): any may match, as the openai package accepts', async () => {
  // GIVEN a header with a signature by another secret first, then ours
  const request = signed(responseCompleted());
  const theirs = signed(String(request.body), { secret: OTHER_SECRET, id: request.id }).headers['webhook-signature'];
  const rotated = { ...request, headers: { ...request.headers, 'webhook-signature': `${theirs} ${request.headers['webhook-signature']}` } };
  expect(await openaiAccepts(rotated)).toBe(true);

  // WHEN / THEN it is accepted once
  const answer = await matrix.harness().send(rotated);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.id });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('a tampered webhook-id is refused (the id is signed), as the openai package refuses it', async () => {
  const request = signed(responseCompleted());
  const tampered = { ...request, headers: { ...request.headers, 'webhook-id': `wh_${randomUUID()}` } };
  expect(await openaiAccepts(tampered)).toBe(false);
  await expectRejected(matrix.harness(), tampered, 'signature_mismatch');
});

test('pinned difference: a secret stored without whsec_ is base64-decoded by ours, used as UTF-8 text by the openai package', async () => {
  // GIVEN a receiver holding the bare base64 part of the secret, and a request signed with the whsec_ secret
  const bare = SECRET.slice('whsec_'.length);
  const receiver = await providerHarness('openai', { secret: bare, id: 'openai-bare-secret' });
  const request = signed(responseCompleted());

  // The openai package, given the bare string, keys with its text and refuses; given whsec_..., it accepts
  expect(await openaiAccepts(request, bare)).toBe(false);
  expect(await openaiAccepts(request, SECRET)).toBe(true);

  // WHEN it is delivered to ours THEN it is accepted: ours decodes the bare string as the same key
  // (OpenAI's dashboard always issues whsec_ secrets, so only a hand-trimmed secret meets this difference)
  const answer = await receiver.send(request);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: request.id });
});
