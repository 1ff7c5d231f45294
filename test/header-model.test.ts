/**
 * One model of request headers (issue #8, "Also"): the limits (431, 415) and the handler's lookups read the same
 * entries from lambda/verifier/limits.ts. A header with several values, under any letter case, counts once per
 * value and reads as blank, so no check picks one of its values. Through the shipped bundle, with Stripe's own
 * test signatures.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import Stripe from 'stripe';
import { headerEntries, headerLookup } from '../lambda/verifier/limits';
import { providerHarness, type Harness } from './support/provider-harness';

const SECRET = `whsec_${randomBytes(24).toString('hex')}`;
const stripe = new Stripe('sk_test_unused');
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('stripe', { secret: SECRET, id: 'stripe-header-model' });
});

afterEach(async () => {
  // A delivery wrongly accepted by a failing test must not be read by the next one.
  await harness.messages();
});

function event(): { body: string; signature: string } {
  const body = JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', type: 'charge.succeeded' });
  return { body, signature: stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: Math.floor(Date.now() / 1000) }) };
}

test('a signature header sent twice under two letter cases is ambiguous: refused, even though one copy is genuine', async () => {
  // GIVEN a genuine signature and a bogus one, as two headers whose names differ only in case (API Gateway keeps
  // the case it received; `headers` holds the genuine one)
  const { body, signature } = event();
  const bogus = signature.replace(/v1=[0-9a-f]+/, `v1=${'0'.repeat(64)}`);

  // WHEN the delivery arrives
  const answer = await harness.send({
    body,
    headers: { 'stripe-signature': signature },
    multiValueHeaders: { 'Content-Type': ['application/json'], 'Stripe-Signature': [bogus], 'stripe-signature': [signature] },
  });

  // THEN neither copy is picked: it is refused as carrying no usable signature, and nothing is enqueued
  expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 401, error: 'signature_missing' });
  expect(await harness.messages()).toEqual([]);
});

test('the same delivery with the signature once is accepted (the control)', async () => {
  // GIVEN the same shape of request with one signature header
  const { body, signature } = event();

  // WHEN it arrives
  const answer = await harness.send({ body, headers: { 'stripe-signature': signature } });

  // THEN it is accepted
  expect(answer.body).toMatchObject({ ok: true, code: 'accepted' });
  expect(await harness.messages()).toHaveLength(1);
});

test('the lookup reads one value exactly where the limits count one value, for headers and multiValueHeaders in any case', () => {
  // GIVEN an event with a single header, a repeated one, one repeated under two cases, and one only in `headers`
  const request = {
    headers: { A: '1', b: '3', 'C-Name': 'y', 'Only-Single': 'z' },
    multiValueHeaders: { A: ['1'], b: ['2', '3'], 'C-Name': ['x'], 'c-name': ['y'] },
  } as unknown as APIGatewayProxyEvent;

  // WHEN both views are read
  const entries = headerEntries(request);
  const lookup = headerLookup(request);

  // THEN every value is counted, and a name with one counted value reads as it, any other as blank
  expect(entries).toHaveLength(6);
  for (const name of ['a', 'B', 'c-name', 'only-single']) {
    const counted = entries.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
    expect(lookup.get(name)).toBe(counted.length === 1 ? counted[0] : '');
  }
  expect([lookup.get('a'), lookup.get('b'), lookup.get('C-NAME'), lookup.get('only-single'), lookup.get('absent')]).toEqual(['1', '', '', 'z', undefined]);
});
