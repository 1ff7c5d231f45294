/**
 * The shipped verifier bundle fed HTTP API (payload format 2.0) events against the emulators: the same providers,
 * the same answers and the same bytes in the queue as behind a REST API. Signatures come from the providers' own
 * packages (`stripe`, `@octokit/webhooks-methods`, `twilio`); where a body is not UTF-8 (which those helpers
 * cannot take as bytes), the documented scheme over raw bytes is checked against the helper on a UTF-8 body first.
 */
import { createHash, createHmac, randomBytes, randomInt, randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { getExpectedBodyHash, getExpectedTwilioSignature, validateRequest, validateRequestWithBody } from 'twilio/lib/webhooks/webhooks';
import type { Envelope } from '../contract/config';
import { httpApiEvent, type HttpApiRequest } from './support/http-api-event';
import { invalidUtf8Json } from './support/provider-harness';
import { verifierUnderTest, writesIn, type VerifierUnderTest } from './support/verifier-under-test';

type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });

const STRIPE_SECRET = `whsec_${randomBytes(24).toString('hex')}`;
const GITHUB_SECRET = randomBytes(20).toString('hex');
const TWILIO_TOKEN = randomBytes(16).toString('hex');
const META_APP_SECRET = randomBytes(16).toString('hex');
const META_VERIFY_TOKEN = `verify-${randomBytes(12).toString('hex')}`;
/** The Twilio route on a custom domain mapped at its root, as the construct derives it with `customDomain`. */
const TWILIO_URL = 'https://hooks.example.com/twilio';

const stripe = new Stripe('sk_test_unused');
let octokit: Octokit;
let verifier: VerifierUnderTest;

beforeAll(async () => {
  octokit = await import('@octokit/webhooks-methods');
  verifier = await verifierUnderTest({
    '/stripe': { secret: STRIPE_SECRET, config: { toleranceSeconds: 300 } },
    // A Stripe route opened to any media type (the provider's `contentTypes` option), for bodies a sender posts as
    // application/octet-stream, which an HTTP API hands over base64-encoded.
    '/stripe-any': { secret: STRIPE_SECRET, config: { kind: 'stripe', toleranceSeconds: 300, contentTypes: ['*/*'] } },
    '/github': { secret: GITHUB_SECRET, config: {} },
    '/twilio': { secret: TWILIO_TOKEN, config: { publicUrl: TWILIO_URL } },
    '/meta': { secret: JSON.stringify({ signingSecret: META_APP_SECRET, verifyToken: META_VERIFY_TOKEN }), config: {} },
  });
});

const send = (request: HttpApiRequest) => verifier.send(httpApiEvent(request) as never);
const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');
const nowSeconds = () => Math.floor(Date.now() / 1000);

function stripeEvent(note: string): { id: string; body: string } {
  const id = `evt_${randomUUID().replace(/-/g, '')}`;
  return { id, body: JSON.stringify({ id, object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1', note } } }, null, 2) };
}

function stripeSigned(body: string): Record<string, string> {
  return { 'Content-Type': 'application/json', 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET, timestamp: nowSeconds() }) };
}

/** Stripe's documented scheme over raw bytes: hex HMAC-SHA256 of `{t}.{body}` keyed with the secret's text. */
function stripeSignBytes(timestamp: number, body: Buffer): string {
  return createHmac('sha256', STRIPE_SECRET).update(Buffer.concat([Buffer.from(`${timestamp}.`), body])).digest('hex');
}

describe('Stripe and GitHub through an HTTP API', () => {
  test('a Stripe event signed by stripe, as text (application/json), is enqueued once with its exact bytes', async () => {
    // GIVEN a Stripe event with non-ASCII text, signed by Stripe's own helper, which Stripe's verifier accepts
    const { id, body } = stripeEvent('café ☕ 日本');
    const headers = stripeSigned(body);
    expect(stripe.webhooks.constructEvent(body, headers['Stripe-Signature'], STRIPE_SECRET).id).toBe(id);

    // WHEN an HTTP API hands it over as text (a text media type), then a second time (a retry)
    const first = await send({ route: '/stripe', headers, body, encoding: 'text' });
    const second = await send({ route: '/stripe', headers, body, encoding: 'text' });

    // THEN the first is accepted and enqueued with the very bytes sent, the retry is a duplicate
    expect({ status: first.status, code: first.body.code, deliveryId: first.body.deliveryId }).toEqual({ status: 200, code: 'accepted', deliveryId: id });
    expect({ status: second.status, code: second.body.code }).toEqual({ status: 200, code: 'duplicate' });
    expect(writesIn(second.calls)).toEqual({ PutItemCommand: 1 });
    const messages = await verifier.messages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ provider: 'stripe', deliveryId: id, eventType: 'payment_intent.succeeded' });
    expect(bytesOf(messages[0]).equals(Buffer.from(body, 'utf8'))).toBe(true);
  });

  test('a GitHub delivery signed by @octokit/webhooks-methods is enqueued, its headers read lower-case', async () => {
    // GIVEN a GitHub delivery signed by Octokit's sign, which Octokit's verify accepts
    const body = JSON.stringify({ action: 'opened', issue: { number: 1347, title: 'Ünïcödé bug' }, repository: { full_name: 'octocat/Hello-World' } });
    const signature = await octokit.sign(GITHUB_SECRET, body);
    expect(await octokit.verify(GITHUB_SECRET, body, signature)).toBe(true);
    const delivery = randomUUID();

    // WHEN an HTTP API hands it over (headers lower-cased, as payload 2.0 does)
    const answer = await send({
      route: '/github',
      headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature, 'X-GitHub-Event': 'issues', 'X-GitHub-Delivery': delivery, 'User-Agent': 'GitHub-Hookshot/abc' },
      cookies: ['session=abc'],
      body,
      encoding: 'text',
    });

    // THEN it is accepted under GitHub's delivery id, the body exact
    expect({ status: answer.status, code: answer.body.code, deliveryId: answer.body.deliveryId }).toEqual({ status: 200, code: 'accepted', deliveryId: delivery });
    const [message] = await verifier.messages();
    expect(message).toMatchObject({ provider: 'github', deliveryId: delivery, eventType: 'issues' });
    expect(bytesOf(message).equals(Buffer.from(body))).toBe(true);
  });

  test('a forged signature is 401 with nothing written', async () => {
    // GIVEN a GitHub body signed with another secret
    const body = JSON.stringify({ action: 'opened', issue: { number: 1 } });
    const signature = await octokit.sign(randomBytes(20).toString('hex'), body);
    const before = await verifier.records();

    // WHEN it is sent through an HTTP API
    const answer = await send({ route: '/github', headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature, 'X-GitHub-Event': 'issues', 'X-GitHub-Delivery': randomUUID() }, body, encoding: 'text' });

    // THEN it is refused as behind a REST API
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 401, error: 'signature_mismatch' });
    expect(await verifier.messages()).toEqual([]);
    expect(await verifier.records()).toBe(before);
  });
});

describe('a header sent twice, which an HTTP API hands over joined with a comma', () => {
  test('two GitHub signature headers (a bogus one and the genuine one) joined: refused 401, nothing enqueued', async () => {
    // GIVEN a genuine GitHub signature and a bogus one, as payload 2.0 joins them: `a,b`
    const body = JSON.stringify({ action: 'opened', issue: { number: 7 } });
    const genuine = await octokit.sign(GITHUB_SECRET, body);
    const bogus = `sha256=${'0'.repeat(64)}`;
    const headers = (value: string) => ({ 'Content-Type': 'application/json', 'X-Hub-Signature-256': value, 'X-GitHub-Event': 'issues', 'X-GitHub-Delivery': randomUUID() });
    expect(await octokit.verify(GITHUB_SECRET, body, `${bogus},${genuine}`).catch(() => false)).toBe(false);

    // WHEN the joined value arrives, in either order
    const answers = [await send({ route: '/github', headers: headers(`${bogus},${genuine}`), body, encoding: 'text' }),
      await send({ route: '/github', headers: headers(`${genuine},${bogus}`), body, encoding: 'text' })];

    // THEN neither is accepted (no value is picked out of the joined one), as Octokit's verify refuses it too
    expect(answers.map((answer) => answer.status)).toEqual([401, 401]);
    expect(await verifier.messages()).toEqual([]);
  });

  test('two Stripe-Signature headers with different timestamps joined: refused in either order, where Stripe\'s SDK accepts one order', async () => {
    const verdicts: Array<{ genuineFirst: boolean; stripeAccepts: boolean; status: number; error: unknown }> = [];
    for (const genuineFirst of [false, true]) {
      // GIVEN a Stripe event signed by Stripe's helper, its header joined with one carrying another timestamp and a
      // bogus v1, in either order
      const { body } = stripeEvent('twice');
      const genuine = stripeSigned(body)['Stripe-Signature'];
      const bogus = `t=${nowSeconds() - 10},v1=${'0'.repeat(64)}`;
      const joined = genuineFirst ? `${genuine},${bogus}` : `${bogus},${genuine}`;
      let stripeAccepts = true;
      try { stripe.webhooks.constructEvent(body, joined, STRIPE_SECRET); } catch { stripeAccepts = false; }

      // WHEN it arrives through an HTTP API
      const answer = await send({ route: '/stripe', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': joined }, body, encoding: 'text' });
      verdicts.push({ genuineFirst, stripeAccepts, status: answer.status, error: answer.body.error });
    }

    // THEN both are refused as malformed (two timestamps are ambiguous), and nothing is enqueued. The disagreement
    // pinned: Stripe's SDK reads the last `t` and accepts the order whose last timestamp is the genuine one.
    expect(verdicts).toEqual([
      { genuineFirst: false, stripeAccepts: true, status: 401, error: 'signature_malformed' },
      { genuineFirst: true, stripeAccepts: false, status: 401, error: 'signature_malformed' },
    ]);
    expect(await verifier.messages()).toEqual([]);
  });
});

describe('bytes that are not UTF-8', () => {
  test('a non-ASCII body and an invalid-UTF-8 body sent base64 (a non-text media type) are enqueued byte-exact', async () => {
    // GIVEN the documented scheme over raw bytes, which gives Stripe's own header on a UTF-8 body
    const t = nowSeconds();
    const utf8 = stripeEvent('naïve – ünïcödé ✓');
    expect(`t=${t},v1=${stripeSignBytes(t, Buffer.from(utf8.body))}`).toBe(stripe.webhooks.generateTestHeaderString({ payload: utf8.body, secret: STRIPE_SECRET, timestamp: t }));
    const id = `evt_${randomUUID().replace(/-/g, '')}`;
    const invalid = invalidUtf8Json(`{"id":"${id}","object":"event","type":"charge.updated","data":{"note":"`, '"}}');

    // WHEN both are sent with a non-text media type, which an HTTP API hands over base64-encoded
    const answers = [];
    for (const body of [Buffer.from(utf8.body), invalid]) {
      answers.push(await send({ route: '/stripe-any', headers: { 'Content-Type': 'application/octet-stream', 'Stripe-Signature': `t=${t},v1=${stripeSignBytes(t, body)}` }, body, encoding: 'base64' }));
    }

    // THEN both are accepted and the queue holds exactly the bytes sent
    expect(answers.map((a) => [a.status, a.body.code])).toEqual([[200, 'accepted'], [200, 'accepted']]);
    const messages = await verifier.messages();
    const byId = new Map(messages.map((m) => [m.deliveryId, m]));
    expect(bytesOf(byId.get(utf8.id)!).equals(Buffer.from(utf8.body))).toBe(true);
    expect(byId.get(id)).toMatchObject({ bodyEncoding: 'base64' });
    expect(bytesOf(byId.get(id)!).equals(invalid)).toBe(true);
  });

  test('an invalid-UTF-8 body under a text media type is refused 400 body_not_byte_exact before any AWS call', async () => {
    // GIVEN a body with bytes that are not UTF-8, correctly signed over those bytes
    const t = nowSeconds();
    const id = `evt_${randomUUID().replace(/-/g, '')}`;
    const body = invalidUtf8Json(`{"id":"${id}","object":"event","type":"charge.updated","data":{"note":"`, '"}}');
    const before = await verifier.records();

    // WHEN it arrives as text (application/json), the invalid bytes replaced by U+FFFD on the way
    const answer = await send({ route: '/stripe', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': `t=${t},v1=${stripeSignBytes(t, body)}` }, body, encoding: 'text' });

    // THEN it is refused with its own code, nothing read, written or enqueued
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 400, error: 'body_not_byte_exact' });
    expect(answer.calls).toEqual({});
    expect(await verifier.messages()).toEqual([]);
    expect(await verifier.records()).toBe(before);
  });

  test('a text body with a lone surrogate (not UTF-8 text) is refused the same way', async () => {
    // GIVEN a payload 2.0 event whose text body holds a lone surrogate (no UTF-8 byte sequence encodes one)
    const event = httpApiEvent({ route: '/stripe', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': 't=1,v1=00' }, body: '{}', encoding: 'text' });

    // WHEN it is handled
    const answer = await verifier.send({ ...event, body: '{"note":"\uD800"}' } as never);

    // THEN it is refused as not byte-exact
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 400, error: 'body_not_byte_exact' });
  });
});

describe('GET handshakes and URL signing', () => {
  test("Meta's subscription GET is answered with the challenge, read from the raw query string", async () => {
    // GIVEN Meta's verification request
    const challenge = String(randomInt(1e9));
    const rawQueryString = new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': META_VERIFY_TOKEN, 'hub.challenge': challenge }).toString();

    // WHEN it arrives through the HTTP API's GET route (no body)
    const answer = await send({ route: '/meta', method: 'GET', rawQueryString, encoding: 'text' });

    // THEN the challenge alone is the answer, and nothing is written
    expect({ status: answer.status, text: answer.text }).toEqual({ status: 200, text: challenge });
    expect(writesIn(answer.calls)).toEqual({});
  });

  test('a Twilio form post signed by twilio over the custom domain URL is accepted; one signed over the execute-api URL is not', async () => {
    // GIVEN an SMS form post signed by Twilio's helper over the custom domain's URL, which validateRequest accepts
    const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, From: '+14155550100', To: '+14155550199', Body: 'Héllo, world' };
    const body = new URLSearchParams(params).toString();
    const signature = getExpectedTwilioSignature(TWILIO_TOKEN, TWILIO_URL, params);
    expect(validateRequest(TWILIO_TOKEN, signature, TWILIO_URL, params)).toBe(true);
    const token = randomUUID();
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature, 'I-Twilio-Idempotency-Token': token };
    const executeApiUrl = 'https://abcdef1234.execute-api.us-east-1.amazonaws.com/webhooks/twilio';
    const wrongUrl = getExpectedTwilioSignature(TWILIO_TOKEN, executeApiUrl, params);

    // WHEN both reach the verifier through the HTTP API (the route key /twilio, the raw path without a stage)
    const good = await send({ route: '/twilio', stage: '$default', headers, body, encoding: 'text' });
    const bad = await send({ route: '/twilio', headers: { ...headers, 'X-Twilio-Signature': wrongUrl, 'I-Twilio-Idempotency-Token': randomUUID() }, body, encoding: 'text' });

    // THEN the one signed over the public (custom domain) URL is accepted, the other refused
    expect({ status: good.status, code: good.body.code, deliveryId: good.body.deliveryId }).toEqual({ status: 200, code: 'accepted', deliveryId: token });
    expect({ status: bad.status, error: bad.body.error }).toEqual({ status: 401, error: 'signature_mismatch' });
    const [message] = await verifier.messages();
    expect(bytesOf(message).toString('utf8')).toBe(body);
  });

  test('a Twilio JSON post: the raw query string (bodySHA256) is signed as sent', async () => {
    // GIVEN a JSON post as Twilio sends it: bodySHA256 in the URL (Twilio's getExpectedBodyHash), the URL signed
    const body = JSON.stringify({ event: 'com.twilio.messaging.message.delivered', sid: `SM${randomBytes(16).toString('hex')}` });
    const rawQueryString = `bodySHA256=${getExpectedBodyHash(body)}`;
    const url = `${TWILIO_URL}?${rawQueryString}`;
    const signature = getExpectedTwilioSignature(TWILIO_TOKEN, url, {});
    expect(validateRequestWithBody(TWILIO_TOKEN, signature, url, body)).toBe(true);
    expect(getExpectedBodyHash(body)).toBe(createHash('sha256').update(body).digest('hex'));

    // WHEN it arrives through the HTTP API
    const answer = await send({ route: '/twilio', rawQueryString, headers: { 'Content-Type': 'application/json', 'X-Twilio-Signature': signature, 'I-Twilio-Idempotency-Token': randomUUID() }, body, encoding: 'text' });

    // THEN it is accepted
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 200, code: 'accepted' });
    expect(await verifier.messages()).toHaveLength(1);
  });
});
