/**
 * The test kit's in-process receiver, from a processor author's point of view: this file is the README's
 * "Test your processor" example (section "Run it locally"), with the package's subpath imports written as the
 * repository's relative paths (`cdk-webhook-receiver/runtime` is lambda/runtime, `cdk-webhook-receiver/testing`
 * is testing/). Signatures come from the `stripe` package.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Stripe from 'stripe';
import { webhookProcessor } from '../lambda/runtime';
import { startTestReceiver, type TestReceiver } from '../testing';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AppStoreEnvironment, WebhookProvider, WebhookReceiver } from '../lib';
import { localTestSecret, signRequest } from '../testing';

const secret = 'whsec_test_only_not_a_real_secret';
const stripe = new Stripe('sk_test_only');
const handled: string[] = [];

// The processor under test: what the Lambda function's handler exports.
const processor = webhookProcessor(async (event) => {
  if (event.eventType === 'invoice.payment_failed') throw new Error('invoices are not handled yet');
  handled.push(`${event.provider} ${event.deliveryId} ${event.eventType}`);
});

function signedStripeEvent(id: string, type: string) {
  const body = JSON.stringify({ id, object: 'event', type, data: { object: { id: `obj_${id}` } } });
  const headers = { 'Content-Type': 'application/json', 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret }) };
  return { provider: 'stripe', headers, body };
}

let receiver: TestReceiver;
beforeAll(async () => {
  receiver = await startTestReceiver({ providers: ['stripe'], processor, secrets: { stripe: secret } });
});
afterAll(() => receiver.stop());

test('a signed event is verified, queued and handled once; its duplicate is not handled again', async () => {
  // GIVEN a Stripe event signed with the receiver's secret
  const request = signedStripeEvent('evt_kit_1', 'checkout.session.completed');
  // WHEN it is delivered twice
  const first = await receiver.deliver(request);
  const second = await receiver.deliver(request);
  await receiver.idle();
  // THEN the verifier accepted it, then answered duplicate, and the processor handled it once
  expect(first.status).toBe(200);
  expect(first.json).toEqual(expect.objectContaining({ code: 'accepted', deliveryId: 'evt_kit_1' }));
  expect(second.json).toEqual(expect.objectContaining({ code: 'duplicate' }));
  expect(handled).toEqual(['stripe evt_kit_1 checkout.session.completed']);
});

test('a tampered event is rejected and never reaches the processor', async () => {
  // GIVEN a signed event whose body was changed after signing
  const request = signedStripeEvent('evt_kit_2', 'customer.created');
  // WHEN it is delivered
  const answer = await receiver.deliver({ ...request, body: request.body.replace('customer.created', 'customer.deleted') });
  await receiver.idle();
  // THEN 401, and nothing handled
  expect(answer.status).toBe(401);
  expect(answer.json.error).toBe('signature_mismatch');
  expect(handled.some((h) => h.includes('evt_kit_2'))).toBe(false);
});

test('an event the processor throws on is retried, then rests in the dead-letter queue', async () => {
  // GIVEN an event the processor fails on
  const answer = await receiver.deliver(signedStripeEvent('evt_kit_3', 'invoice.payment_failed'));
  expect(answer.status).toBe(200);
  // WHEN the receiver has settled
  await receiver.idle();
  // THEN it failed maxReceiveCount (5) times with the processor's error, then moved to the dead-letter queue
  const about = receiver.events.filter((e) => 'deliveryId' in e && e.deliveryId === 'evt_kit_3');
  expect(about.filter((e) => e.type === 'failed').map((e) => (e.type === 'failed' ? `${e.receiveCount}: ${e.error}` : ''))).toEqual(
    [1, 2, 3, 4, 5].map((n) => `${n}: invoices are not handled yet`),
  );
  expect(about.filter((e) => e.type === 'dead-lettered')).toHaveLength(1);
  expect(handled.some((h) => h.includes('evt_kit_3'))).toBe(false);
});

test("the README's example is this file's code (its lines, with the package's import paths)", () => {
  // GIVEN the README's example block and this file
  const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const block = /<!-- example: test\/testing-receiver\.test\.ts -->\n```ts\n([\s\S]*?)\n```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const here = readFileSync(__filename, 'utf8').split('\n').map((l) => l.trim());
  // WHEN its imports are written as this repository's paths
  const lines = block!
    .replace("'cdk-webhook-receiver/runtime'", "'../lambda/runtime'")
    .replace("'cdk-webhook-receiver/testing'", "'../testing'")
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  // THEN every line of it is a line of this test file
  expect(lines.filter((l) => !here.includes(l))).toEqual([]);
});

describe('PayPal, the App Store and Plaid: signed with the published stand-ins, which the test receiver serves and trusts', () => {
  const BUNDLE_ID = 'com.example.kit';
  const seen: string[] = [];
  let kit: TestReceiver;

  beforeAll(async () => {
    kit = await startTestReceiver({
      build: (stack, fn) =>
        new WebhookReceiver(stack, 'StandIns', {
          processor: fn,
          providers: [
            WebhookProvider.paypal({ webhookId: '8PT597110X687430LKGECATA' }),
            WebhookProvider.appStore({ bundleId: BUNDLE_ID, environment: AppStoreEnvironment.SANDBOX }),
            WebhookProvider.plaid({ secret: Secret.fromSecretNameV2(stack, 'PlaidSecret', 'webhooks/plaid') }),
          ],
        }),
      processor: webhookProcessor(async (event) => {
        seen.push(`${event.provider} ${event.deliveryId} ${event.eventType}`);
      }),
      // PayPal and the App Store hold no secret; Plaid's is credentials for the local key service.
      secrets: { plaid: localTestSecret('plaid')! },
    });
  });
  afterAll(() => kit.stop());

  test('each is verified by the shipped verifier, queued and handled once; a tampered one is refused and never handled', async () => {
    // GIVEN a signed sample of each (PayPal's certificate URL on the running test receiver's origin)
    const requests = [
      signRequest('paypal', { webhookId: '8PT597110X687430LKGECATA' }),
      signRequest('app-store', { appStore: { bundleId: BUNDLE_ID }, eventType: 'SUBSCRIBED:INITIAL_BUY' }),
      signRequest('plaid'),
    ];
    expect(requests[0].headers['PAYPAL-CERT-URL']).toBe(`${kit.url}/v1/notifications/certs/CERT-cdk-webhook-receiver-local-test`);

    // WHEN each is delivered, then a copy with one byte of the body changed
    for (const request of requests) {
      const answer = await kit.deliver({ provider: request.provider, headers: request.headers, body: request.body });
      expect([answer.status, answer.json?.code, answer.json?.deliveryId]).toEqual([200, 'accepted', request.deliveryId]);
      const tampered = Buffer.from(request.body.toString('utf8').replace(/"(42\.00|sandbox|INITIAL_BUY)"/, '"99"'));
      expect(tampered.equals(request.body)).toBe(request.provider === 'app-store'); // the App Store's is inside the signed payload
      const refused = await kit.deliver({ provider: request.provider, headers: request.headers, body: request.provider === 'app-store' ? tamperedJws(request.body) : tampered });
      expect(refused.status).toBe(401);
    }
    await kit.idle();

    // THEN the processor handled each genuine one exactly once, with its delivery id and event type
    expect(seen.sort()).toEqual(
      [
        `paypal ${requests[0].deliveryId} PAYMENT.CAPTURE.COMPLETED`,
        `app-store ${requests[1].deliveryId} SUBSCRIBED:INITIAL_BUY`,
        `plaid ${requests[2].deliveryId} TRANSACTIONS:SYNC_UPDATES_AVAILABLE`,
      ].sort(),
    );
  });
});

/** The App Store body with the signed payload's bundleVersion changed (and its signature kept). */
function tamperedJws(body: Buffer): Buffer {
  const [header, payload, signature] = JSON.parse(body.toString('utf8')).signedPayload.split('.');
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  decoded.data.bundleVersion = '9.9';
  return Buffer.from(JSON.stringify({ signedPayload: `${header}.${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}` }));
}
