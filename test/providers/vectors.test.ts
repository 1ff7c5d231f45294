/**
 * The providers' published test vectors (recomputed and confirmed in PROVIDERS.md), run through the shipped
 * verifier: the exact documented inputs must be accepted, and any change to them refused.
 */
import { providerHarness, type Harness } from '../support/provider-harness';

describe('GitHub: secret "It\'s a Secret to Everybody", body "Hello, World!"', () => {
  let github: Harness;
  const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  const headers = { 'X-Hub-Signature-256': signature, 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' };

  beforeAll(async () => {
    github = await providerHarness('github', { secret: "It's a Secret to Everybody" });
  });

  test('the vector verifies', async () => {
    const answer = await github.send({ body: 'Hello, World!', headers, });
    expect(answer.status).toBe(200);
    const [message] = await github.messages();
    expect(message).toMatchObject({ deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', eventType: 'push', body: 'Hello, World!' });
  });

  test('one changed byte does not', async () => {
    const answer = await github.send({ body: 'Hello, World?', headers: { ...headers, 'X-GitHub-Delivery': 'other' } });
    expect(answer.status).toBe(401);
    expect(await github.messages()).toEqual([]);
  });
});

describe('Standard Webhooks: the specification\'s example', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const headers = {
    'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    'webhook-timestamp': '1614265330',
    'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  const body = '{"test": 2432232314}';

  test('the vector verifies when "now" is its timestamp, and is stale today', async () => {
    // GIVEN a tolerance wide enough to reach back to the vector's 2021 timestamp
    const atVectorTime = await providerHarness('standard-webhooks', { secret, toleranceSeconds: 10 * 365 * 24 * 3600 });
    const today = await providerHarness('standard-webhooks', { secret, id: 'std-today' });

    // WHEN / THEN
    const accepted = await atVectorTime.send({ body, headers });
    expect(accepted.status).toBe(200);
    expect((await atVectorTime.messages())[0]).toMatchObject({ deliveryId: 'msg_p5jXN8AQM9LWM0D4loKWxJek', body });
    const stale = await today.send({ body, headers });
    expect(stale.body).toMatchObject({ error: 'timestamp_out_of_window' });
  });

  test('several signatures, any of which may match, and other versions ignored', async () => {
    const harness = await providerHarness('standard-webhooks', { secret, id: 'std-many', toleranceSeconds: 10 * 365 * 24 * 3600 });
    const answer = await harness.send({
      body,
      headers: { ...headers, 'webhook-signature': 'v1a,AAAA v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' },
    });
    expect(answer.status).toBe(200);
  });
});

describe('Twilio: token 12345, the documented URL and parameters', () => {
  let twilio: Harness;
  const form = new URLSearchParams({ CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' });

  beforeAll(async () => {
    twilio = await providerHarness('twilio', { secret: '12345', publicUrl: 'https://mycompany.com/myapp.php' });
  });

  test('the vector verifies', async () => {
    const answer = await twilio.send({
      body: form.toString(),
      query: { foo: '1', bar: '2' },
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': '0/KCTR6DLpKmkAf8muzZqo1nDgQ=', 'I-Twilio-Idempotency-Token': 'vector-1' },
    });
    expect(answer.status).toBe(200);
    expect((await twilio.messages())[0]).toMatchObject({ deliveryId: 'vector-1', body: form.toString() });
  });

  test('a changed parameter does not', async () => {
    form.set('Digits', '1235');
    const answer = await twilio.send({
      body: form.toString(),
      query: { foo: '1', bar: '2' },
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': '0/KCTR6DLpKmkAf8muzZqo1nDgQ=' },
    });
    expect(answer.body).toMatchObject({ error: 'signature_mismatch' });
  });
});
