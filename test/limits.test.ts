/**
 * What the verifier refuses before any AWS call: too many or too large headers (431), a media type the route
 * does not take (415), a method it does not take (405), a body over the limit (413), absurdly nested JSON (400);
 * and the one place errors become answers (`toResponse`): a status and a machine-readable code for each, nothing
 * internal in the body. The shipped bundle, against the emulators; signatures from the providers' packages.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import * as errors from '../lambda/verifier/errors';
import { toResponse } from '../lambda/verifier/handler';
import { apiEvent } from './support/aws';
import { verifierUnderTest, type VerifierUnderTest } from './support/verifier-under-test';

const STRIPE_SECRET = 'whsec_limits_tests_3a9d0e1f';
const GITHUB_SECRET = 'github-limits-secret';
const GRAPH_CLIENT_STATE = 'graph-client-state-5e1b';
const stripe = new Stripe('sk_test_unused');

let octokitSign: (secret: string, payload: string) => Promise<string>;
let verifier: VerifierUnderTest;

beforeAll(async () => {
  ({ sign: octokitSign } = await import('@octokit/webhooks-methods'));
  verifier = await verifierUnderTest({
    '/stripe': { secret: STRIPE_SECRET, config: { toleranceSeconds: 300 } },
    '/github': { secret: GITHUB_SECRET, config: {} },
    '/graph': { secret: GRAPH_CLIENT_STATE, config: { kind: 'microsoft-graph' } },
    '/acme': {
      secret: GITHUB_SECRET,
      config: {
        kind: 'custom',
        scheme: { signature: { algorithm: 'sha256', encoding: 'hex', header: 'x-acme-signature', format: { kind: 'plain', prefix: 'sha256=' }, signedContent: '{body}', keyEncoding: 'utf8' } },
      },
    },
    '/strict': {
      secret: GITHUB_SECRET,
      config: {
        kind: 'custom',
        contentTypes: ['application/cloudevents+json'],
        scheme: { signature: { algorithm: 'sha256', encoding: 'hex', header: 'x-acme-signature', format: { kind: 'plain', prefix: 'sha256=' }, signedContent: '{body}', keyEncoding: 'utf8' } },
      },
    },
  }, { maxHeaderCount: 30, maxHeaderBytes: 4096 });
});

afterEach(async () => {
  await verifier.messages();
});

function stripeEvent(): string {
  return JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', type: 'invoice.paid', data: { object: { id: 'in_1' } } });
}

function stripeRequest(payload: string, headers: Record<string, string> = {}) {
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
  return apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': signature, ...headers } });
}

/** A rejection: this status and code, the error body shape, and not one AWS call. */
async function expectRefusedWithoutAwsCall(event: ReturnType<typeof apiEvent>, status: number, code: string) {
  const answer = await verifier.send(event);
  expect({ status: answer.status, body: answer.body, calls: answer.calls }).toEqual({
    status,
    body: { ok: false, error: code, message: expect.any(String) },
    calls: {},
  });
  return answer;
}

describe('headers', () => {
  test('more headers than maxHeaderCount are refused with 431 before any AWS call', async () => {
    const extra = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`X-Extra-${i}`, 'x']));
    await expectRefusedWithoutAwsCall(stripeRequest(stripeEvent(), extra), 431, 'headers_too_large');
  });

  test('each value of a repeated header counts', async () => {
    const event = stripeRequest(stripeEvent());
    const repeated = { ...event, multiValueHeaders: { ...event.multiValueHeaders, 'X-Repeated': Array(30).fill('v') } };
    await expectRefusedWithoutAwsCall(repeated, 431, 'headers_too_large');
  });

  test('headers larger than maxHeaderBytes in all are refused with 431, one huge value as well as many', async () => {
    await expectRefusedWithoutAwsCall(stripeRequest(stripeEvent(), { 'X-Huge': 'a'.repeat(5000) }), 431, 'headers_too_large');
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X-Part-${i}`, 'b'.repeat(250)]));
    await expectRefusedWithoutAwsCall(stripeRequest(stripeEvent(), many), 431, 'headers_too_large');
  });

  test('headers within both limits pass, and the delivery is accepted', async () => {
    const extra = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X-Extra-${i}`, 'x'.repeat(50)]));
    const answer = await verifier.send(stripeRequest(stripeEvent(), extra));
    expect(answer.status).toBe(200);
    expect(await verifier.messages()).toHaveLength(1);
  });

  test('without configured limits, 100 headers and 16 KiB are the defaults', async () => {
    const defaults = await verifierUnderTest({ '/stripe': { secret: STRIPE_SECRET, config: { toleranceSeconds: 300 } } });
    const ninetyNine = Object.fromEntries(Array.from({ length: 97 }, (_, i) => [`X-${i}`, 'x']));
    // 97 + Content-Type + Stripe-Signature = 99 headers: passes the limit (then the body is what it is).
    expect((await defaults.send(stripeRequest('{}', ninetyNine))).status).not.toBe(431);
    const oneHundredOne = { ...ninetyNine, 'X-98': 'x', 'X-99': 'x' };
    expect((await defaults.send(stripeRequest('{}', oneHundredOne))).body).toMatchObject({ error: 'headers_too_large' });
    expect((await defaults.send(stripeRequest('{}', { 'X-Big': 'y'.repeat(16 * 1024) }))).body).toMatchObject({ error: 'headers_too_large' });
  });
});

describe('media types', () => {
  test.each([
    ['text/plain'],
    ['application/x-www-form-urlencoded'],
    ['multipart/form-data; boundary=x'],
    ['application/jsonx'],
    ['application/+json'],
    ['json'],
    [''],
  ])('Stripe refuses Content-Type %j with 415 before any AWS call', async (contentType) => {
    await expectRefusedWithoutAwsCall(stripeRequest(stripeEvent(), { 'Content-Type': contentType }), 415, 'unsupported_media_type');
  });

  test.each([['application/json'], ['application/json; charset=utf-8'], ['Application/JSON;charset=UTF-8'], ['application/vnd.stripe+json']])(
    'Stripe takes Content-Type %j',
    async (contentType) => {
      const answer = await verifier.send(stripeRequest(stripeEvent(), { 'Content-Type': contentType }));
      expect(answer.status).toBe(200);
      expect(await verifier.messages()).toHaveLength(1);
    },
  );

  test('a body without a Content-Type is refused; Content-Type sent twice is ambiguous and refused', async () => {
    const event = stripeRequest(stripeEvent());
    const { 'Content-Type': _, ...headers } = event.headers;
    const untyped = { ...event, headers, multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v!]])) };
    await expectRefusedWithoutAwsCall(untyped, 415, 'unsupported_media_type');
    const twice = { ...event, multiValueHeaders: { ...event.multiValueHeaders, 'Content-Type': ['application/json', 'application/json'] } };
    await expectRefusedWithoutAwsCall(twice, 415, 'unsupported_media_type');
  });

  test('GitHub takes its form-encoded deliveries as well as JSON', async () => {
    const form = `payload=${encodeURIComponent(JSON.stringify({ zen: 'Keep it logically awesome.' }))}`;
    const answer = await verifier.send(
      apiEvent({
        resource: '/github',
        body: form,
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'X-Hub-Signature-256': await octokitSign(GITHUB_SECRET, form),
          'X-GitHub-Event': 'push',
          'X-GitHub-Delivery': randomUUID(),
        },
      }),
    );
    expect(answer.status).toBe(200);
    expect(await verifier.messages()).toMatchObject([{ provider: 'github', body: form, contentType: 'application/x-www-form-urlencoded' }]);
  });

  test('a generic scheme takes any media type unless configured, and then only those', async () => {
    const body = '<note>any bytes</note>';
    const headers = { 'Content-Type': 'application/xml', 'X-Acme-Signature': await octokitSign(GITHUB_SECRET, body) };
    expect((await verifier.send(apiEvent({ resource: '/acme', body, headers }))).status).toBe(200);
    await expectRefusedWithoutAwsCall(apiEvent({ resource: '/strict', body, headers }), 415, 'unsupported_media_type');
    const cloudEvent = '{"specversion":"1.0"}';
    const typed = { 'Content-Type': 'application/cloudevents+json', 'X-Acme-Signature': await octokitSign(GITHUB_SECRET, cloudEvent) };
    expect((await verifier.send(apiEvent({ resource: '/strict', body: cloudEvent, headers: typed }))).status).toBe(200);
    expect(await verifier.messages()).toHaveLength(2);
  });

  test('Microsoft Graph\'s empty text/plain validation POST is answered', async () => {
    const event = apiEvent({ resource: '/graph', body: '', headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    const answer = await verifier.send({ ...event, queryStringParameters: { validationToken: 'token-1' }, multiValueQueryStringParameters: { validationToken: ['token-1'] } });
    expect({ status: answer.status, text: answer.text }).toEqual({ status: 200, text: 'token-1' });
  });
});

describe('methods, sizes and JSON', () => {
  test.each([['GET'], ['PUT'], ['DELETE'], ['PATCH'], ['OPTIONS']])('%s on a POST route is refused with 405 and an Allow header', async (method) => {
    const answer = await expectRefusedWithoutAwsCall(apiEvent({ resource: '/stripe', body: stripeEvent(), method }), 405, 'method_not_allowed');
    expect(answer.headers.Allow).toBe('POST');
  });

  test('a body over maxBodyBytes is refused with 413 before any AWS call, even when it is not valid base64', async () => {
    await expectRefusedWithoutAwsCall(stripeRequest(JSON.stringify({ pad: 'x'.repeat(300 * 1024) })), 413, 'body_too_large');
    await expectRefusedWithoutAwsCall({ ...stripeRequest('{}'), body: '%'.repeat(400 * 1024) }, 413, 'body_too_large');
  });

  test('JSON nested deeper than 128 levels is refused with 400 before any AWS call', async () => {
    const deep = `{"value":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    await expectRefusedWithoutAwsCall(apiEvent({ resource: '/graph', body: deep }), 400, 'body_malformed');
    // Brackets inside strings are not nesting.
    const inString = JSON.stringify({ value: [{ clientState: 'wrong', note: '['.repeat(5000) }] });
    expect((await verifier.send(apiEvent({ resource: '/graph', body: inString }))).body).toMatchObject({ error: 'signature_mismatch' });
  });

  test('a genuine Stripe event nested 100 levels deep is accepted', async () => {
    const nested = JSON.parse(`${'{"a":'.repeat(100)}1${'}'.repeat(100)}`);
    const payload = JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, '')}`, type: 'deep', data: nested });
    expect((await verifier.send(stripeRequest(payload))).status).toBe(200);
    expect(await verifier.messages()).toHaveLength(1);
  });
});

describe('toResponse: the one place errors become answers', () => {
  const SECRETISH = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhooks/stripe-AbCdEf';

  test.each([
    [new errors.MalformedRequestError('body_malformed', 'The request body is not valid JSON.'), 400, 'body_malformed'],
    [new errors.AuthenticationError('signature_mismatch', 'The signature does not match the request.'), 401, 'signature_mismatch'],
    [new errors.UnknownRouteError('No webhook provider is configured at this path.'), 404, 'unknown_route'],
    [new errors.MethodNotAllowedError(['POST']), 405, 'method_not_allowed'],
    [new errors.DeliveryInFlightError(7), 409, 'delivery_in_flight'],
    [new errors.PayloadTooLargeError('The body is larger than 10 bytes.'), 413, 'body_too_large'],
    [new errors.UnsupportedMediaTypeError(['application/json']), 415, 'unsupported_media_type'],
    [new errors.HeadersTooLargeError('The request has 200 headers; at most 100 are accepted.'), 431, 'headers_too_large'],
    [new errors.InternalError('enqueue_failed', 'The event could not be queued; retry later.', { status: 503, cause: new Error(SECRETISH) }), 503, 'enqueue_failed'],
  ])('%p -> %i %s', (error, status, code) => {
    const response = toResponse(error);
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body)).toEqual({ ok: false, error: code, message: error.message });
    expect(response.body).not.toContain('arn:');
  });

  test('an unexpected error is a 500 with a fixed message: no stack, no ARN, no secret name', () => {
    const error = new TypeError(`Cannot read properties of undefined (reading 'x') at ${SECRETISH}`);
    const response = toResponse(error);
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ ok: false, error: 'internal_error', message: 'Internal error; retry later.' });
    expect(response.body).not.toMatch(/arn:|webhooks\/stripe|TypeError|\bat\b/);
  });

  test('Retry-After and Allow headers come with 409 and 405', () => {
    expect(toResponse(new errors.DeliveryInFlightError(7)).headers).toMatchObject({ 'Retry-After': '7' });
    expect(toResponse(new errors.MethodNotAllowedError(['GET', 'POST'])).headers).toMatchObject({ Allow: 'GET, POST' });
  });
});
