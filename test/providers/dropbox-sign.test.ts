/**
 * Dropbox Sign (HelloSign): a multipart/form-data post whose field `json` is the event; `event.event_hash` is the
 * hex HMAC-SHA256, under the API key, of `event_time` + `event_type`. The oracle is `@dropbox/sign`'s
 * `EventCallbackHelper.isValid(apiKey, EventCallbackRequest.init(json))`, with the SDK's published vectors (the
 * fixtures `EventCallbackHelper_AccountCallbacks` of hellosign/hellosign-openapi, API key below) and events of our
 * own signed as documented and accepted by the SDK. Every 200 answer is exactly `Hello API Event Received`.
 *
 * The hash covers only a time and a type: the test pins that the SDK (and so we) accept an event whose other fields
 * were changed. Hence the README's warning: act on an event only after fetching its signature request.
 *
 * The standard matrix is test/support/provider-matrix.ts: the signature is inside the body (`event.event_hash` of
 * the `json` field) and the answer is Dropbox Sign's constant, not the receiver's JSON. The multipart reader is
 * tested here on hostile bodies through the shipped `assets/verifier/multipart.js`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { EventCallbackHelper, EventCallbackRequest } from '@dropbox/sign';
import { expectRejected, providerHarness, type Answer, type Harness } from '../support/provider-harness';
import { providerMatrix, type SignedRequest } from '../support/provider-matrix';
import { multipart, parsedByUndici, type MultipartBody } from '../support/multipart';

type MultipartModule = typeof import('../../lambda/verifier/multipart');

/** The API key of the SDK's published vectors. */
const VECTOR_API_KEY = '324e3b0840f065eb51f3fd63231d0d33daa35d4ed10d27718839e81737065782';
/** Events of the fixture EventCallbackHelper_AccountCallbacks (hellosign/hellosign-openapi test_fixtures). */
const VECTORS: Record<string, { event_time: string; event_type: string; event_hash: string }> = {
  base: { event_time: '1348177752', event_type: 'unknown_error', event_hash: 'c574f5d3090c2936360b4e36cf6835cf3e2206b84fdc6347e6b28ca721ae1371' },
  account: { event_time: '1348177752', event_type: 'account_confirmed', event_hash: '6dc5b7aad93cf54915e0089d6c31d61b3833f66f51459171c69f8fa211308848' },
  signature_request: { event_time: '1348177752', event_type: 'signature_request_sent', event_hash: '08d45a6b7677492b78be030cef18cfeaece8fe67e163cc8e526ee638ad483756' },
  template: { event_time: '1348177752', event_type: 'template_created', event_hash: '4a9b22fa68d5addb8b6313eea9d42ecb393903a4240b71503ef78e9dac6c100d' },
};
const ACCOUNT_GUID = '63522885f9261e2b04eea043933ee7313eb674fd';
const REPLY = 'Hello API Event Received';

const API_KEY = randomBytes(32).toString('hex');
const OTHER_KEY = randomBytes(32).toString('hex');

const sdkAccepts = (json: string, apiKey = API_KEY) => EventCallbackHelper.isValid(apiKey, EventCallbackRequest.init(JSON.parse(json)));
const hashOf = (apiKey: string, time: string, type: string) => createHmac('sha256', apiKey).update(time + type).digest('hex');

/** An event as Dropbox Sign posts it, its hash made as documented (the SDK checks it). */
function event(type = 'signature_request_signed', options: { apiKey?: string; time?: string; requestId?: string; title?: string } = {}): string {
  const time = options.time ?? String(Math.floor(Date.now() / 1000));
  return JSON.stringify({
    event: { event_time: time, event_type: type, event_hash: hashOf(options.apiKey ?? API_KEY, time, type), event_metadata: { related_signature_id: randomBytes(20).toString('hex'), reported_for_account_id: ACCOUNT_GUID } },
    signature_request: { signature_request_id: options.requestId ?? randomBytes(20).toString('hex'), title: options.title ?? 'NDA', is_complete: false },
  });
}

const post = ({ body, contentType }: MultipartBody): SignedRequest => ({ body, headers: { 'Content-Type': contentType } });
const posted = (json: string) => post(multipart([['json', json]]));

function expectReply(answer: Pick<Answer, 'status' | 'text' | 'headers'>) {
  expect({ status: answer.status, text: answer.text, type: answer.headers['Content-Type'] }).toEqual({ status: 200, text: REPLY, type: 'text/plain; charset=utf-8' });
}

/** The `json` field of a form this file built (one part): its bytes. */
function jsonOf(request: SignedRequest): Buffer {
  const body = Buffer.from(request.body);
  const start = body.indexOf('\r\n\r\n') + 4;
  return body.subarray(start, body.lastIndexOf('\r\n--'));
}
type Callback = { event: Record<string, unknown>; signature_request?: { signature_request_id: string } };
const callbackOf = (request: SignedRequest) => JSON.parse(jsonOf(request).toString('utf8')) as Callback;
/** The form again (a new boundary) with its event changed by `change`. */
function withEvent(request: SignedRequest, change: (event: Record<string, unknown>) => void): SignedRequest {
  const callback = callbackOf(request);
  change(callback.event);
  return posted(JSON.stringify(callback));
}

const matrix = providerMatrix({
  kind: 'dropbox-sign',
  notApplicable: {
    'stale timestamp': 'Dropbox Sign signs event_time but documents no window, so none is enforced',
    'future timestamp': 'Dropbox Sign signs event_time but documents no window, so none is enforced',
    'several signatures': 'Dropbox Sign sends one event_hash',
  },
  secret: API_KEY,
  otherSecret: OTHER_KEY,
  otherSecretCase: 'a hash made with another API key',
  rotation: { stored: randomBytes(32).toString('hex') },
  // The hash covers event_time and event_type, none of the body's other fields.
  bodySigned: false,
  event: (extra) => {
    const callback = JSON.parse(event('signature_request_signed')) as Callback;
    return JSON.stringify({ ...callback, signature_request: { ...callback.signature_request, ...extra } });
  },
  // Hashed as documented (@dropbox/sign only verifies), posted as multipart with the json field.
  sign: (json, options) => {
    const callback = JSON.parse(json) as Callback;
    const time = options?.at === undefined ? String(callback.event.event_time) : String(Math.floor(options.at.getTime() / 1000));
    return posted(JSON.stringify({ ...callback, event: { ...callback.event, event_time: time, event_hash: hashOf(options?.secret ?? API_KEY, time, String(callback.event.event_type)) } }));
  },
  accepts: (request) => sdkAccepts(jsonOf(request).toString('utf8')),
  signatureIn: {
    name: 'event.event_hash',
    get: (request) => String(callbackOf(request).event.event_hash),
    set: (request, value) => withEvent(request, (e) => (e.event_hash = value)),
    remove: (request) => withEvent(request, (e) => delete e.event_hash),
  },
  tamper: ['"event_type":"signature_request_signed"', '"event_type":"signature_request_declined"'],
  expected: (request) => {
    const { event: e, signature_request: signatureRequest } = callbackOf(request);
    return { deliveryId: `${e.event_hash}:${e.event_time}:${signatureRequest!.signature_request_id}`, eventType: String(e.event_type) };
  },
  reply: { name: REPLY, expect: expectReply },
  // Dropbox Sign's retry: the same event, posted again (another boundary).
  redeliver: (request) => posted(jsonOf(request).toString('utf8')),
  invalidUtf8Request: () => {
    // A genuine hash; the title holds bytes that are not UTF-8 (the hash covers only time and type).
    const bytes = Buffer.from([0xff, 0xfe, 0xc3, 0x28]);
    const [head, tail] = event('signature_request_signed', { title: 'PLACEHOLDER' }).split('PLACEHOLDER');
    const json = Buffer.concat([Buffer.from(head), bytes, Buffer.from(tail)]);
    const form = multipart([['json', json]]);
    const at = form.body.indexOf(json) + Buffer.byteLength(head);
    return { request: post(form), bytes, carried: (body) => body.subarray(at, at + bytes.length) };
  },
  refusals: [
    ['a changed event_time', () => posted(event('signature_request_signed', { time: '1700000000' }).replace('"event_time":"1700000000"', '"event_time":"1700000001"')), 'signature_mismatch'],
    ['an event_hash that is not hex', () => posted(JSON.stringify({ event: { event_time: '1700000000', event_type: 'signature_request_signed', event_hash: 'Hello API Event Received' } })), 'signature_malformed'],
  ],
  handshake: {
    name: 'callback_test',
    request: () => posted(JSON.stringify({ event: { event_time: '1700000000', event_type: 'callback_test', event_hash: hashOf(API_KEY, '1700000000', 'callback_test') } })),
    accepted: true,
    expectAnswer: expectReply,
  },
});
const harness = (): Harness => matrix.harness();

describe('dropbox-sign', () => {
  test('the SDK\'s published vectors are accepted, each answered exactly "Hello API Event Received"; under the reversed key they are refused', async () => {
    const vectors = await providerHarness('dropbox-sign', { id: 'dropbox-vectors', secret: VECTOR_API_KEY });
    const reversed = await providerHarness('dropbox-sign', { id: 'dropbox-reversed', secret: [...VECTOR_API_KEY].reverse().join('') });
    for (const [name, fields] of Object.entries(VECTORS)) {
      // GIVEN a fixture event, which the SDK accepts under its API key and refuses under the reversed key
      const json = JSON.stringify({ account_guid: ACCOUNT_GUID, event: fields });
      expect({ name, valid: sdkAccepts(json, VECTOR_API_KEY), reversed: sdkAccepts(json, [...VECTOR_API_KEY].reverse().join('')) }).toEqual({ name, valid: true, reversed: false });

      // WHEN / THEN ours agrees
      expectReply(await vectors.send(posted(json)));
      await expectRejected(reversed, posted(json), 'signature_mismatch');
    }
    const messages = await vectors.messages();
    expect(messages.map((m) => m.eventType)).toEqual(Object.values(VECTORS).map((v) => v.event_type));
    expect(messages.map((m) => m.eventTime)).toEqual(Array(4).fill(new Date(1348177752 * 1000).toISOString()));
  });

  test('two events of one type in the same second under two signature requests are two events (their hash is the same)', async () => {
    const time = String(Math.floor(Date.now() / 1000));
    const [a, b] = [event('signature_request_viewed', { time }), event('signature_request_viewed', { time })];
    expect(JSON.parse(a).event.event_hash).toBe(JSON.parse(b).event.event_hash);
    expectReply(await harness().send(posted(a)));
    expectReply(await harness().send(posted(b)));
    expect(await harness().messages()).toHaveLength(2);
  });

  test('the hash does not cover the body: the SDK accepts an event whose title was changed, and so do we (documented)', async () => {
    const json = event('signature_request_all_signed', { title: 'Contract 4200' }).replace('Contract 4200', 'Contract 9999');
    expect(sdkAccepts(json)).toBe(true);
    expectReply(await harness().send(posted(json)));
    expect((await harness().messages())[0].bodySigned).toBe(false);
  });

  test('an error is answered as JSON, never with the constant (Dropbox Sign then retries)', async () => {
    const answer = await harness().send(posted(event('signature_request_signed', { apiKey: OTHER_KEY })));
    expect([answer.status, answer.text === REPLY, answer.body?.error]).toEqual([401, false, 'signature_mismatch']);
  });

  const json = () => event();
  const boundary = 'b0undary';
  const at = (text: string) => ({ body: Buffer.from(text.replace(/\n/g, '\r\n')), contentType: `multipart/form-data; boundary=${boundary}` });
  test.each<[string, () => MultipartBody, number, string]>([
    ['a JSON body (not multipart)', () => ({ body: Buffer.from(json()), contentType: 'application/json' }), 415, 'unsupported_media_type'],
    ['multipart without a boundary', () => ({ ...multipart([['json', json()]]), contentType: 'multipart/form-data' }), 400, 'body_malformed'],
    ['a boundary of 71 characters', () => multipart([['json', json()]], 'x'.repeat(71)), 400, 'body_malformed'],
    ['the json field twice (the second forged)', () => multipart([['json', json()], ['json', event('signature_request_signed', { apiKey: OTHER_KEY })]]), 400, 'body_malformed'],
    ['no json field', () => multipart([['payload', json()]]), 400, 'body_malformed'],
    ['json as a file', () => at(`--${boundary}\nContent-Disposition: form-data; name="json"; filename="e.json"\n\n${json()}\n--${boundary}--\n`), 400, 'body_malformed'],
    ['a preamble before the first boundary', () => at(`hello\n--${boundary}\nContent-Disposition: form-data; name="json"\n\n${json()}\n--${boundary}--\n`), 400, 'body_malformed'],
    ['no close delimiter', () => at(`--${boundary}\nContent-Disposition: form-data; name="json"\n\n${json()}\n`), 400, 'body_malformed'],
    ['bytes after the close delimiter', () => at(`--${boundary}\nContent-Disposition: form-data; name="json"\n\n${json()}\n--${boundary}--\nmore`), 400, 'body_malformed'],
    ['a part without Content-Disposition', () => at(`--${boundary}\nContent-Type: application/json\n\n${json()}\n--${boundary}--\n`), 400, 'body_malformed'],
    ['a part header block of 2 KB', () => at(`--${boundary}\nContent-Disposition: form-data; name="json"\nX-Pad: ${'p'.repeat(2048)}\n\n${json()}\n--${boundary}--\n`), 400, 'body_malformed'],
    ['33 parts', () => multipart([...Array.from({ length: 32 }, (_, i): [string, string] => [`f${i}`, 'x']), ['json', json()]]), 400, 'body_malformed'],
    ['a json field that is not JSON', () => multipart([['json', 'event=1']]), 400, 'body_malformed'],
    ['a part of 300 KB (over maxBodyBytes)', () => multipart([['json', json()], ['file', 'x'.repeat(300 * 1024)]]), 413, 'body_too_large'],
  ])('refused before any AWS call: %s', async (_name, make, status, code) => {
    const records = await harness().records();
    const answer = await harness().send(post(make()));
    expect([answer.status, answer.body?.error]).toEqual([status, code]);
    expect(await harness().messages()).toEqual([]);
    expect(await harness().records()).toBe(records);
  });

  test('the reader takes what well-formed clients send: a quoted boundary, other fields around json, transport padding, no final CRLF', async () => {
    const value = json();
    const quoted = multipart([['account', 'x'], ['json', value], ['other', 'y']], 'quoted:boundary');
    const bodies: MultipartBody[] = [
      { ...quoted, contentType: 'multipart/form-data; charset=utf-8; boundary="quoted:boundary"' },
      at(`--${boundary}  \nContent-Disposition: form-data; name=json\n\n${value}\n--${boundary}--`),
    ];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const reader = require('../../assets/verifier/multipart.js') as MultipartModule;
    // (Node's own parser reads the first; it refuses RFC 2046's transport padding, which the second has.)
    expect((await parsedByUndici(bodies[0])).find(([name]) => name === 'json')?.[1]).toBe(value);
    for (const form of bodies) expect(reader.multipartField(form.body, form.contentType, 'json')).toEqual({ value: Buffer.from(value) });
  });

  test('the reader is linear on hostile bodies: 256 KB of near-boundaries is refused within 50 ms', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const reader = require('../../assets/verifier/multipart.js') as MultipartModule;
    const body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="json"\r\n\r\n${`\r\n--${boundary.slice(0, -1)}`.repeat(20_000)}`);
    const started = performance.now();
    expect(reader.multipartField(body, `multipart/form-data; boundary=${boundary}`, 'json')).toEqual({ error: 'The multipart body ends inside a part.' });
    expect(performance.now() - started).toBeLessThan(50);
  });
});
