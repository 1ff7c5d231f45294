/**
 * Contentful (webhooks with a signing secret): `x-contentful-signature`, the hex HMAC-SHA256 of the canonical request
 * `METHOD\nPATH\nh1:v1;h2:v2...\nBODY`, where PATH is the request path the webhook was sent to (normalised and
 * encoded as the SDK does), and the headers are those named in `x-contentful-signed-headers` (which names itself
 * and `x-contentful-timestamp`), lower-cased, trimmed and sorted; the timestamp is in MILLISECONDS, with a 30-second
 * time to live. `@contentful/node-apps-toolkit` signs (`signRequest`) and verifies (`verifyRequest`). Because the path
 * is signed, the receiver signs with its public URL (`publicUrl`, as for Twilio). A delivery is keyed by the body's
 * `sys.id`, `sys.type` and `sys.version`; the event type is the `x-contentful-topic` header.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { signRequest, verifyRequest } from '@contentful/node-apps-toolkit';
import { expectRejected, providerHarness } from '../support/provider-harness';
import { providerMatrix, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

const SECRET = randomBytes(32).toString('hex');
const OTHER_SECRET = randomBytes(32).toString('hex');
const PATH = '/webhooks/contentful';
const TOPIC = 'ContentManagement.Entry.publish';
const SIGNED = { 'x-contentful-topic': TOPIC, 'x-contentful-webhook-name': 'Publish to search' };

function entryPublished(extra: Record<string, unknown> = {}, id: string = randomUUID().replace(/-/g, '').slice(0, 22)): string {
  return JSON.stringify({
    sys: { type: 'Entry', id, version: 7, space: { sys: { type: 'Link', linkType: 'Space', id: 'space1' } }, createdAt: '2026-01-01T12:00:00.000Z', updatedAt: '2026-01-01T12:00:00.000Z' },
    fields: { title: { 'en-US': 'Hello' }, views: { 'en-US': 4200 }, ...extra },
  });
}

/** A delivery signed by Contentful's package, for the request path `path`. */
function sign(body: string, { secret = SECRET, at = new Date(), path = PATH }: { secret?: string; at?: Date; path?: string } = {}): SignedRequest {
  const signature = signRequest(secret, { method: 'POST', path, headers: SIGNED, body }, at.getTime());
  return { body, headers: { 'Content-Type': 'application/vnd.contentful.management.v1+json', ...SIGNED, ...signature } };
}

/** Contentful's verdict on a request sent to `path` (its default time to live, 30 s). */
function contentfulAccepts(request: SignedRequest, path = PATH, secret = SECRET): boolean {
  try {
    return verifyRequest(secret, { method: 'POST', path, headers: request.headers, body: String(request.body) });
  } catch {
    return false;
  }
}

/** The canonical request over raw bytes, as documented (for a body that is not UTF-8). */
function signBytes(body: Buffer, at: Date): Record<string, string> {
  const timestamp = String(at.getTime());
  const signedHeaders = 'x-contentful-signed-headers,x-contentful-timestamp,x-contentful-topic,x-contentful-webhook-name';
  const headerText = `x-contentful-signed-headers:${signedHeaders};x-contentful-timestamp:${timestamp};x-contentful-topic:${TOPIC};x-contentful-webhook-name:${SIGNED['x-contentful-webhook-name']}`;
  const signature = createHmac('sha256', SECRET).update(Buffer.concat([Buffer.from(`POST\n${PATH}\n${headerText}\n`), body])).digest('hex');
  return { 'Content-Type': 'application/vnd.contentful.management.v1+json', ...SIGNED, 'x-contentful-signature': signature, 'x-contentful-signed-headers': signedHeaders, 'x-contentful-timestamp': timestamp };
}

const keyOf = (body: string | Buffer) => {
  const { sys } = JSON.parse(String(body));
  return `${sys.id}:${sys.type}:${sys.version}`;
};

const description: ProviderDescription = {
  kind: 'contentful',
  windowSeconds: 30,
  packageAcceptsFuture: "Contentful's SDK bounds only the age",
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  harness: { publicUrl: `https://hooks.example.com${PATH}` },
  event: entryPublished,
  sign: (body, options) => sign(body, options),
  accepts: (request) => contentfulAccepts(request),
  signBytes: (body, { at }) => signBytes(body, at),
  signatureHeader: 'x-contentful-signature',
  requiredHeaders: [['x-contentful-timestamp', 'timestamp_missing'], ['x-contentful-signed-headers', 'signature_malformed'], ['x-contentful-topic', 'signature_mismatch']],
  expected: (request) => ({ deliveryId: keyOf(request.body), eventType: TOPIC }),
  tamper: ['4200', '4201'],
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: randomBytes(32).toString('hex') });

describe('the signed path is the public one', () => {
  test('a request signed for another path is refused, as Contentful refuses it', async () => {
    const request = sign(entryPublished(), { path: '/prod/contentful' });
    expect(contentfulAccepts(request)).toBe(false);
    await expectRejected(matrix.harness(), request, 'signature_mismatch');
  });

  test('a public URL with a stage prefix and a query string: the query is signed encoded as the SDK encodes it', async () => {
    // GIVEN a receiver whose public URL has the API Gateway stage prefix, and a webhook URL with a query
    const receiver = await providerHarness('contentful', { secret: SECRET, id: 'contentful-stage', publicUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/contentful-stage' });
    const path = '/prod/contentful-stage?env=staging&x=a%20b';
    const request = sign(entryPublished(), { path });
    expect(contentfulAccepts(request, path)).toBe(true);

    // WHEN it arrives with that query string
    const answer = await receiver.send({ ...request, query: { env: 'staging', x: 'a b' } });

    // THEN it is accepted
    expect(answer.body).toMatchObject({ ok: true, code: 'accepted' });
  });
});

test('a header named in x-contentful-signed-headers is signed: changing its value is refused, as Contentful refuses it', async () => {
  const request = sign(entryPublished());
  const tampered = { ...request, headers: { ...request.headers, 'x-contentful-webhook-name': 'Something else' } };
  expect(contentfulAccepts(tampered)).toBe(false);
  await expectRejected(matrix.harness(), tampered, 'signature_mismatch');
});

test('a header not named in x-contentful-signed-headers may change', async () => {
  const request = sign(entryPublished());
  const changed = { ...request, headers: { ...request.headers, 'x-unsigned': 'anything' } };
  expect(contentfulAccepts(changed)).toBe(true);
  expect((await matrix.harness().send(changed)).body).toMatchObject({ ok: true, code: 'accepted' });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

describe('the timestamp (milliseconds, 30 s)', () => {
  test('a signature 20 s old is accepted, as Contentful accepts it', async () => {
    const request = sign(entryPublished(), { at: new Date(Date.now() - 20_000) });
    expect(contentfulAccepts(request)).toBe(true);
    expect((await matrix.harness().send(request)).body).toMatchObject({ ok: true, code: 'accepted' });
    expect(await matrix.harness().messages()).toHaveLength(1);
  });

});

test('a repeated delivery of the same entry version is a duplicate', async () => {
  const id = randomUUID().replace(/-/g, '').slice(0, 22);
  const first = sign(entryPublished({}, id));
  const again = sign(entryPublished({ retried: { 'en-US': true } }, id));
  expect([contentfulAccepts(first), contentfulAccepts(again)]).toEqual([true, true]);

  const answers = [(await matrix.harness().send(first)).body, (await matrix.harness().send(again)).body];

  expect(answers.map((answer) => [answer.code, answer.deliveryId])).toEqual([['accepted', `${id}:Entry:7`], ['duplicate', `${id}:Entry:7`]]);
  expect(await matrix.harness().messages()).toHaveLength(1);
});

describe('the x-contentful-signed-headers list (its names are worked out once per list)', () => {
  const CONTENT_TYPE = { 'Content-Type': 'application/vnd.contentful.management.v1+json' };
  /** A delivery whose signed headers are `headers`, signed by Contentful's package. */
  const signWith = (headers: Record<string, string>, body = entryPublished()): SignedRequest => ({
    body,
    headers: { ...CONTENT_TYPE, ...headers, ...signRequest(SECRET, { method: 'POST', path: PATH, headers, body }, Date.now()) },
  });

  test('deliveries naming different headers, one after the other: each is signed over its own list, and accepted as Contentful accepts it', async () => {
    const requests = [
      signWith({ 'x-contentful-topic': TOPIC }),
      signWith(SIGNED),
      signWith({ ...SIGNED, 'x-contentful-crn': 'crn:contentful:::content:spaces/space1' }),
      signWith({ 'x-contentful-topic': TOPIC }),
    ];
    expect(requests.map((request) => contentfulAccepts(request))).toEqual([true, true, true, true]);

    const answers = [];
    for (const request of requests) answers.push((await matrix.harness().send(request)).body.code);

    expect(answers).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(await matrix.harness().messages()).toHaveLength(4);
  });

  test('one list, a named header present then absent then added unsigned: each request is canonicalised by the headers it carries, as Contentful does', async () => {
    const environment = { 'x-contentful-environment-id': 'master' };
    // GIVEN a delivery that signs the environment header, and one signed without it that carries the same list
    const withEnvironment = signWith({ 'x-contentful-topic': TOPIC, ...environment });
    const list = withEnvironment.headers['x-contentful-signed-headers'];
    expect(list).toBe('x-contentful-environment-id,x-contentful-signed-headers,x-contentful-timestamp,x-contentful-topic');
    const signedWithout = signWith({ 'x-contentful-topic': TOPIC });
    const without = { ...signedWithout, headers: { ...signedWithout.headers, 'x-contentful-signed-headers': list } };
    // (the header then added: now it is signed, and the signature did not cover it)
    const added = { ...without, headers: { ...without.headers, ...environment } };
    expect([contentfulAccepts(withEnvironment), contentfulAccepts(without), contentfulAccepts(added)]).toEqual([true, true, false]);

    // WHEN they arrive in that order, THEN the first two are accepted and the last is refused
    expect((await matrix.harness().send(withEnvironment)).body).toMatchObject({ ok: true, code: 'accepted' });
    expect((await matrix.harness().send(without)).body).toMatchObject({ ok: true, code: 'accepted' });
    expect(await matrix.harness().messages()).toHaveLength(2);
    await expectRejected(matrix.harness(), added, 'signature_mismatch');
  });
});
