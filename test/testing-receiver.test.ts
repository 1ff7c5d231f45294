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
