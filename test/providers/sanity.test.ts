/**
 * Sanity (GROQ-powered webhooks): `sanity-webhook-signature: t=<ms>,v1=<base64url>`, the unpadded base64url
 * HMAC-SHA256 of `{t}.{raw body}` keyed with the webhook's secret, the timestamp in MILLISECONDS.
 * `@sanity/webhook` signs (`encodeSignatureHeader`, asynchronous) and verifies (`isValidSignature`), but bounds no
 * window: ours refuses a timestamp more than 5 minutes away, so the oracle is that package plus the window, and one
 * test pins what the package alone accepts. The matrix signs with the package; its raw-bytes case uses the
 * documented formula, which `beforeAll` checks equals the package's header. The delivery id
 * is the `idempotency-key` header (the same on every attempt), the event type the `sanity-operation` header.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { encodeSignatureHeader, isValidSignature } from '@sanity/webhook';
import { expectRejected } from '../support/provider-harness';
import { providerMatrix, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = randomBytes(24).toString('base64url');
const OTHER_SECRET = randomBytes(24).toString('base64url');
const WINDOW_MS = 5 * 60 * 1000;

function documentUpdated(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ _id: `movie-${randomUUID()}`, _type: 'movie', title: 'Alien', runtime: 4200, ...extra });
}

const headersOf = (signature: string, id: string) => ({
  'sanity-webhook-signature': signature,
  'idempotency-key': id,
  'sanity-operation': 'update',
  'sanity-transaction-id': randomUUID(),
  'sanity-project-id': 'abc123',
  'sanity-dataset': 'production',
});

/** Sanity's header by the documented formula (base64url, no padding). */
function sign(body: string | Buffer, { secret = SECRET, at = new Date(), id = `idem-${randomUUID()}` }: { secret?: string; at?: Date; id?: string } = {}): SignedRequest {
  const t = at.getTime();
  const v1 = createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${t}.`), Buffer.from(body)])).digest('base64url');
  return { body, headers: headersOf(`t=${t},v1=${v1}`, id) };
}

/** Sanity's header, by Sanity's package. */
async function signByPackage(body: string, { secret = SECRET, at = new Date(), id = `idem-${randomUUID()}` }: { secret?: string; at?: Date; id?: string } = {}): Promise<SignedRequest> {
  return { body, headers: headersOf(await encodeSignatureHeader(body, at.getTime(), secret), id) };
}

/** The @sanity/webhook package's verdict alone. */
async function packageAccepts(request: SignedRequest): Promise<boolean> {
  try {
    return await isValidSignature(String(request.body), request.headers['sanity-webhook-signature'] ?? '', SECRET);
  } catch {
    return false;
  }
}

/** The verdict: Sanity's package, and a 5-minute window on its timestamp. */
async function sanityAccepts(request: SignedRequest): Promise<boolean> {
  const t = Number(/^t=(\d+)/.exec(request.headers['sanity-webhook-signature'] ?? '')?.[1]);
  return (await packageAccepts(request)) && Math.abs(Date.now() - t) <= WINDOW_MS;
}

beforeAll(async () => {
  // The documented formula is the package's header, on a non-ASCII body too
  const body = documentUpdated({ memo: 'café ☕' });
  const at = new Date();
  expect(sign(body, { at }).headers['sanity-webhook-signature']).toBe((await signByPackage(body, { at })).headers['sanity-webhook-signature']);
});

const description: ProviderDescription = {
  kind: 'sanity',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: documentUpdated,
  sign: (body, options) => signByPackage(body, options),
  accepts: sanityAccepts,
  signBytes: (body, { id, at }) => sign(body, { id, at }).headers,
  signatureHeader: 'sanity-webhook-signature',
  windowSeconds: 300,
  expected: (request) => ({ deliveryId: request.headers['idempotency-key'], eventType: 'update' }),
  tamper: ['4200', '4201'],
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: randomBytes(24).toString('base64url') });

test('a delivery signed by the package is accepted; a retry with the same idempotency-key is a duplicate', async () => {
  // GIVEN a delivery signed by @sanity/webhook, and its retry (signed again later, same idempotency-key)
  const first = await signByPackage(documentUpdated());
  const retry = { body: first.body, headers: { ...first.headers, 'sanity-webhook-signature': (await signByPackage(String(first.body), { at: new Date(Date.now() + 1000) })).headers['sanity-webhook-signature'] } };
  expect([await sanityAccepts(first), await sanityAccepts(retry)]).toEqual([true, true]);

  // WHEN both are delivered
  const answers = [(await matrix.harness().send(first)).body, (await matrix.harness().send(retry)).body];

  // THEN one envelope, keyed by idempotency-key
  const id = first.headers['idempotency-key'];
  expect(answers.map((answer) => [answer.code, answer.deliveryId])).toEqual([['accepted', id], ['duplicate', id]]);
  expect(await matrix.harness().messages()).toHaveLength(1);
});

describe('the timestamp is in milliseconds', () => {
  test('the same moment written in seconds is refused (the package refuses it as a format error)', async () => {
    const body = documentUpdated();
    const t = Math.floor(Date.now() / 1000);
    const request = { body, headers: headersOf(`t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('base64url')}`, `idem-${randomUUID()}`) };
    expect(await packageAccepts(request)).toBe(false);
    await expectRejected(matrix.harness(), request, 'timestamp_out_of_window');
  });

  test('pinned difference: a signature a day old is accepted by @sanity/webhook (no window), refused by ours', async () => {
    const request = await signByPackage(documentUpdated(), { at: new Date(Date.now() - 86_400_000) });
    expect(await packageAccepts(request)).toBe(true);
    await expectRejected(matrix.harness(), request, 'timestamp_out_of_window');
  });
});

test('the signature is base64url: the same bytes in standard base64 are refused, as the package refuses them', async () => {
  // GIVEN a body whose signature has a character that differs between base64 and base64url
  let request: SignedRequest;
  do request = sign(documentUpdated()); while (!/[-_]/.test(request.headers['sanity-webhook-signature'].split('v1=')[1]));
  const standard = request.headers['sanity-webhook-signature'].replace(/-/g, '+').replace(/_/g, '/');
  const tampered = { ...request, headers: { ...request.headers, 'sanity-webhook-signature': standard } };
  expect(await packageAccepts(tampered)).toBe(false);

  await expectRejected(matrix.harness(), tampered, 'signature_malformed');
});
