/**
 * Plivo (V3 signatures): `X-Plivo-Signature-V3` (base64, possibly several comma-separated) and
 * `X-Plivo-Signature-V3-Nonce`. The signature is the base64 HMAC-SHA256, keyed with the account's auth token, of
 * `{base}.{nonce}`, where for a POST `base` is the public URL, then `?` and the URL's query parameters sorted
 * (`k=v&...`) followed by `.` when there are both, then every form parameter sorted as `keyvalue` (like Twilio).
 * The `plivo` package only verifies, so requests are signed here by that documented construction, and
 * `validateV3Signature(method, uri, nonce, authToken, signature, params)` is the oracle. Plivo signs no timestamp and
 * sends no delivery id: a delivery is keyed by its body's hash (a retry repeats the body).
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { validateV3Signature } from 'plivo/dist/utils/v3Security';
import { expectRejected, providerHarness } from '../support/provider-harness';
import { noWindow, providerMatrix, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = randomBytes(20).toString('base64url');
const OTHER_SECRET = randomBytes(20).toString('base64url');
const URL_ = 'https://hooks.example.com/webhooks/plivo';
const FORM = 'application/x-www-form-urlencoded';

function messageStatus(extra: Record<string, unknown> = {}): string {
  const params = new URLSearchParams({ From: '15550001111', To: '15550002222', MessageUUID: randomUUID(), Status: 'delivered', Units: '4200', TotalRate: '0.0035' });
  for (const [key, value] of Object.entries(extra)) params.append(key, String(value));
  return params.toString();
}

/** The signed string as documented for a POST, from the URL (with its query) and the form parameters. */
function baseUrl(url: string, form: string): string {
  const [base, query = ''] = url.split('?');
  const sorted = (params: URLSearchParams, join: (key: string, value: string) => string) =>
    [...new Set(params.keys())].sort().flatMap((key) => params.getAll(key).sort().map((value) => join(key, value)));
  const queryText = sorted(new URLSearchParams(query), (k, v) => `${k}=${v}`).join('&');
  const params = new URLSearchParams(form);
  const empty = [...params.keys()].length === 0;
  let out = base;
  if (queryText || !empty) out += `?${queryText}`;
  if (queryText && !empty) out += '.';
  return out + sorted(params, (k, v) => k + v).join('');
}

function sign(body: string | Buffer, { secret = SECRET, nonce = randomBytes(10).toString('hex'), url = URL_ }: { secret?: string; nonce?: string; url?: string } = {}): SignedRequest {
  const signature = createHmac('sha256', secret).update(Buffer.from(`${baseUrl(url, String(body))}.${nonce}`)).digest('base64');
  return { body, headers: { 'Content-Type': FORM, 'X-Plivo-Signature-V3': signature, 'X-Plivo-Signature-V3-Nonce': nonce } };
}

/** Plivo's verdict on a POST to `url`. */
function plivoAccepts(request: SignedRequest, url = URL_): boolean {
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(String(request.body))) {
    const existing = params[key];
    params[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  try {
    return validateV3Signature('POST', url, request.headers['X-Plivo-Signature-V3-Nonce'] ?? '', SECRET, request.headers['X-Plivo-Signature-V3'] ?? '', params);
  } catch {
    return false;
  }
}

const hashOf = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

const description: ProviderDescription = {
  kind: 'plivo',
  notApplicable: noWindow('no timestamp is signed'),
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  harness: { publicUrl: URL_ },
  event: messageStatus,
  // The matrix's delivery id, where it gives one, is the nonce.
  sign: (body, options = {}) => sign(body, { secret: options.secret, ...(options.id ? { nonce: options.id } : {}) }),
  accepts: (request) => plivoAccepts(request),
  signBytes: (body, { id }) => sign(body, { nonce: id }).headers,
  signatureHeader: 'X-Plivo-Signature-V3',
  requiredHeaders: [['X-Plivo-Signature-V3-Nonce', 'signature_missing']],
  expected: (request) => ({ deliveryId: hashOf(request.body) }),
  tamper: ['Units=4200', 'Units=4201'],
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: randomBytes(20).toString('base64url') });

test('several signatures, comma-separated: any may match, as Plivo accepts', async () => {
  const request = sign(messageStatus());
  const theirs = sign(String(request.body), { secret: OTHER_SECRET, nonce: request.headers['X-Plivo-Signature-V3-Nonce'] }).headers['X-Plivo-Signature-V3'];
  const both = { ...request, headers: { ...request.headers, 'X-Plivo-Signature-V3': `${theirs},${request.headers['X-Plivo-Signature-V3']}` } };
  expect(plivoAccepts(both)).toBe(true);

  expect((await matrix.harness().send(both)).body).toEqual({ ok: true, code: 'accepted', deliveryId: hashOf(both.body) });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

test('the nonce is signed: another nonce is refused, as Plivo refuses it', async () => {
  const request = sign(messageStatus());
  const tampered = { ...request, headers: { ...request.headers, 'X-Plivo-Signature-V3-Nonce': randomBytes(10).toString('hex') } };
  expect(plivoAccepts(tampered)).toBe(false);
  await expectRejected(matrix.harness(), tampered, 'signature_mismatch');
});

test('a URL with a query string: the query is signed sorted, before the form parameters', async () => {
  // GIVEN a receiver reached at a URL with a query, and a form with a repeated parameter
  const url = 'https://hooks.example.com/webhooks/plivo-query';
  const receiver = await providerHarness('plivo', { secret: SECRET, id: 'plivo-query', publicUrl: url });
  const body = `${messageStatus()}&Tag=b&Tag=a`;
  const request = sign(body, { url: `${url}?z=1&a=2` });
  expect(plivoAccepts(request, `${url}?z=1&a=2`)).toBe(true);

  // WHEN it arrives with that query
  const answer = await receiver.send({ ...request, query: { z: '1', a: '2' } });

  // THEN it is accepted
  expect(answer.body).toMatchObject({ ok: true, code: 'accepted' });
});

test('a request signed for another URL is refused, as Plivo refuses it', async () => {
  const request = sign(messageStatus(), { url: 'https://attacker.example.com/webhooks/plivo' });
  expect(plivoAccepts(request)).toBe(false);
  await expectRejected(matrix.harness(), request, 'signature_mismatch');
});

test('a retry (the same form body, a new nonce) is a duplicate', async () => {
  const first = sign(messageStatus());
  const retry = sign(String(first.body));
  expect([plivoAccepts(first), plivoAccepts(retry)]).toEqual([true, true]);

  const answers = [(await matrix.harness().send(first)).body, (await matrix.harness().send(retry)).body];

  expect(answers.map((answer) => answer.code)).toEqual(['accepted', 'duplicate']);
  expect(await matrix.harness().messages()).toHaveLength(1);
});
