/**
 * Webflow: `x-webflow-timestamp: <ms>` and `x-webflow-signature: <hex>`, the hex HMAC-SHA256 of `{timestamp}:{raw
 * body}` keyed with the webhook's secret (the OAuth app's client secret, or the secret of a webhook created through
 * the API; webhooks created in the dashboard are unsigned and not covered). The timestamp is in MILLISECONDS.
 * `webflow-api`'s `client.webhooks.verifySignature({ headers, body, secret })` only verifies, and checks no window:
 * Webflow's documentation says to refuse a request older than 5 minutes, so the oracle here is that package plus
 * the documented window, and one test pins what the package alone accepts. No delivery id: a delivery is keyed by
 * its body's hash. The event type is the body's `triggerType`.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { WebflowClient } from 'webflow-api';
import { expectRejected } from '../support/provider-harness';
import { providerMatrix, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = randomBytes(32).toString('hex');
const OTHER_SECRET = randomBytes(32).toString('hex');
const WINDOW_MS = 5 * 60 * 1000;
const webflow = new WebflowClient({ accessToken: 'unused' });

function formSubmission(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    triggerType: 'form_submission',
    payload: { name: 'Contact', siteId: 'site_1', data: { email: 'a@example.com', budget: 4200, ...extra }, submittedAt: '2026-01-01T12:00:00.000Z', id: randomUUID() },
  });
}

const hmac = (t: string, body: string | Buffer, secret = SECRET) => createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${t}:`), Buffer.from(body)])).digest('hex');

/** Webflow's headers as documented. */
function sign(body: string | Buffer, { secret = SECRET, at = new Date() }: { secret?: string; at?: Date } = {}): SignedRequest {
  const t = String(at.getTime());
  return { body, headers: { 'x-webflow-timestamp': t, 'x-webflow-signature': hmac(t, body, secret) } };
}

/** The webflow-api package's verdict alone. */
async function packageAccepts(request: SignedRequest): Promise<boolean> {
  return webflow.webhooks.verifySignature({ headers: request.headers, body: String(request.body), secret: SECRET });
}

/** Webflow's verdict: its package, and the documented 5-minute window on the timestamp. */
async function webflowAccepts(request: SignedRequest): Promise<boolean> {
  const age = Date.now() - Number(request.headers['x-webflow-timestamp']);
  return (await packageAccepts(request)) && Math.abs(age) <= WINDOW_MS;
}

const description: ProviderDescription = {
  kind: 'webflow',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: formSubmission,
  sign: (body, options) => sign(body, options),
  accepts: webflowAccepts,
  signBytes: (body, { at }) => sign(body, { at }).headers,
  signatureHeader: 'x-webflow-signature',
  requiredHeaders: [['x-webflow-timestamp', 'timestamp_missing']],
  windowSeconds: 300,
  expected: (request) => ({ deliveryId: `sha256:${createHash('sha256').update(request.body).digest('hex')}`, eventType: 'form_submission' }),
  tamper: ['4200', '4201'],
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: randomBytes(32).toString('hex') });

describe('the timestamp is in milliseconds, and signed', () => {
  test('a signature 4 minutes old is accepted', async () => {
    const request = sign(formSubmission(), { at: new Date(Date.now() - 240_000) });
    expect(await webflowAccepts(request)).toBe(true);
    expect((await matrix.harness().send(request)).body).toMatchObject({ ok: true, code: 'accepted' });
    expect(await matrix.harness().messages()).toHaveLength(1);
  });

  test('the same moment written in seconds is refused as out of window (read as 1970)', async () => {
    const body = formSubmission();
    const t = String(Math.floor(Date.now() / 1000));
    const request = { body, headers: { 'x-webflow-timestamp': t, 'x-webflow-signature': hmac(t, body) } };
    expect(await packageAccepts(request)).toBe(true);
    await expectRejected(matrix.harness(), request, 'timestamp_out_of_window');
  });

  test('a tampered timestamp is refused, as the package refuses it', async () => {
    const request = sign(formSubmission());
    const tampered = { ...request, headers: { ...request.headers, 'x-webflow-timestamp': String(Number(request.headers['x-webflow-timestamp']) - 1) } };
    expect(await packageAccepts(tampered)).toBe(false);
    await expectRejected(matrix.harness(), tampered, 'signature_mismatch');
  });

  test('pinned difference: a signature a day old is accepted by webflow-api\'s verifySignature (no window), refused by ours', async () => {
    const request = sign(formSubmission(), { at: new Date(Date.now() - 86_400_000) });
    expect(await packageAccepts(request)).toBe(true);
    await expectRejected(matrix.harness(), request, 'timestamp_out_of_window');
  });
});

test('pinned difference: an upper-case hex signature is refused by the package (string ===), accepted by ours (same bytes)', async () => {
  const request = sign(formSubmission());
  const upper = { ...request, headers: { ...request.headers, 'x-webflow-signature': request.headers['x-webflow-signature'].toUpperCase() } };
  expect(await packageAccepts(upper)).toBe(false);
  expect((await matrix.harness().send(upper)).body).toMatchObject({ ok: true, code: 'accepted' });
  expect(await matrix.harness().messages()).toHaveLength(1);
});
