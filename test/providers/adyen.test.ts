/**
 * Adyen, signed by Adyen's own library (`@adyen/api-library` hmacValidator.calculateHmac, which its own
 * `validateHMAC` checks), through the shipped verifier.
 */
import { hmacValidator } from '@adyen/api-library';
import { expectRejected, providerHarness, type Harness } from '../support/provider-harness';

// A 64-hex-character HMAC key, as Adyen's Customer Area generates them.
const KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
const OTHER_KEY = '0000000000000000000000000000000000000000000000000000000000000000';
const validator = new hmacValidator();
let adyen: Harness;

interface Item {
  pspReference: string;
  originalReference?: string;
  merchantAccountCode: string;
  merchantReference: string;
  amount: { value: number; currency: string };
  eventCode: string;
  success: string;
  additionalData?: Record<string, string>;
}

function item(overrides: Partial<Item> = {}): Item {
  return {
    pspReference: `${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    merchantAccountCode: 'ExampleShopECOM',
    merchantReference: 'order-1001 Café ☕',
    amount: { value: 1999, currency: 'EUR' },
    eventCode: 'AUTHORISATION',
    success: 'true',
    ...overrides,
  };
}

/** Signs each item with Adyen's library, and wraps them as Adyen posts them. */
function notification(items: Item[], key = KEY): string {
  const signed = items.map((i) => ({ NotificationRequestItem: { ...i, additionalData: { ...i.additionalData, hmacSignature: validator.calculateHmac(i as never, key) } } }));
  return JSON.stringify({ live: 'false', notificationItems: signed });
}

beforeAll(async () => {
  adyen = await providerHarness('adyen', { secret: KEY });
});

test('a notification signed by Adyen\'s library is accepted, keyed by pspReference and eventCode', async () => {
  // GIVEN
  const first = item();
  const body = notification([first]);
  const parsed = JSON.parse(body).notificationItems[0].NotificationRequestItem;
  expect(validator.validateHMAC(parsed, KEY)).toBe(true);

  // WHEN
  const answer = await adyen.send({ body });

  // THEN
  expect(answer.body).toMatchObject({ ok: true, code: 'accepted', deliveryId: `${first.pspReference}:AUTHORISATION` });
  const [message] = await adyen.messages();
  expect(message).toMatchObject({ provider: 'adyen', eventType: 'AUTHORISATION', body, item: { index: 0, count: 1 }, auth: 'hmac', bodySigned: false });
});

test('signed fields that are JSON booleans and numbers are signed as Adyen\'s library writes them (true, 1999)', async () => {
  // GIVEN an item whose success is the boolean true and which names an original reference, signed by Adyen's library
  const signed = { ...item({ originalReference: `${Date.now()}0` }), success: true } as unknown as Item;
  const body = notification([signed]);
  expect(validator.validateHMAC(JSON.parse(body).notificationItems[0].NotificationRequestItem, KEY)).toBe(true);

  // WHEN it is delivered, THEN it is accepted; with success turned to false (the signature unchanged), refused
  expect((await adyen.send({ body })).body).toMatchObject({ ok: true, code: 'accepted' });
  await adyen.messages();
  await expectRejected(adyen, { body: body.replace('"success":true', '"success":false') }, 'signature_mismatch');
});

test('a batch where every item is signed is accepted; one unsigned or mis-signed item refuses the whole POST', async () => {
  const items = [item(), item({ eventCode: 'CAPTURE' })];
  const batch = await adyen.send({ body: notification(items) });
  expect(batch.body).toMatchObject({ ok: true, code: 'accepted', events: 2, enqueued: 2 });
  // One message per item, each keyed by its own pspReference and eventCode.
  const messages = await adyen.messages();
  expect(messages.map((m) => [m.deliveryId, m.eventType, m.item]).sort()).toEqual(
    [
      [`${items[0].pspReference}:AUTHORISATION`, 'AUTHORISATION', { index: 0, count: 2 }],
      [`${items[1].pspReference}:CAPTURE`, 'CAPTURE', { index: 1, count: 2 }],
    ].sort(),
  );

  const mixed = JSON.parse(notification([item(), item()]));
  mixed.notificationItems[1].NotificationRequestItem.amount.value = 1;
  await expectRejected(adyen, { body: JSON.stringify(mixed) }, 'signature_mismatch');

  const missing = JSON.parse(notification([item(), item()]));
  delete missing.notificationItems[1].NotificationRequestItem.additionalData.hmacSignature;
  await expectRejected(adyen, { body: JSON.stringify(missing) }, 'signature_missing');
});

test('tampered signed fields, a wrong key, and a missing or malformed signature are refused', async () => {
  const tampered = JSON.parse(notification([item()]));
  tampered.notificationItems[0].NotificationRequestItem.success = 'false';
  await expectRejected(adyen, { body: JSON.stringify(tampered) }, 'signature_mismatch');
  await expectRejected(adyen, { body: notification([item()], OTHER_KEY) }, 'signature_mismatch');
  const malformed = JSON.parse(notification([item()]));
  malformed.notificationItems[0].NotificationRequestItem.additionalData.hmacSignature = 'not*base64';
  await expectRejected(adyen, { body: JSON.stringify(malformed) }, 'signature_malformed');
  await expectRejected(adyen, { body: JSON.stringify({ live: 'false', notificationItems: [] }) }, 'signature_missing');
});

test('fields outside the eight Adyen signs are not covered, as Adyen documents', async () => {
  // GIVEN a genuine item whose unsigned additionalData is changed after signing
  const changed = JSON.parse(notification([item({ additionalData: { paymentMethodVariant: 'visa' } })]));
  changed.notificationItems[0].NotificationRequestItem.additionalData.paymentMethodVariant = 'mc';

  // THEN Adyen's own validator and ours both accept it
  expect(validator.validateHMAC(changed.notificationItems[0].NotificationRequestItem, KEY)).toBe(true);
  expect((await adyen.send({ body: JSON.stringify(changed) })).status).toBe(200);
  await adyen.messages();
});

test('a redelivery of the same notification is a duplicate, not enqueued twice', async () => {
  const body = notification([item()]);
  expect((await adyen.send({ body })).status).toBe(200);
  const again = await adyen.send({ body });
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ code: 'duplicate' });
  expect(await adyen.messages()).toHaveLength(1);
});

test('a later POST that repeats its first item and adds a new one enqueues the new one, and only it', async () => {
  // GIVEN a notification already enqueued
  const seen = item();
  expect((await adyen.send({ body: notification([seen]) })).status).toBe(200);
  expect(await adyen.messages()).toHaveLength(1);

  // WHEN Adyen posts that item again (first) together with a new one
  const fresh = item({ eventCode: 'CAPTURE' });
  const answer = await adyen.send({ body: notification([seen, fresh]) });

  // THEN the new item is enqueued, the repeated one is not
  expect(answer.body).toMatchObject({ ok: true, code: 'accepted', events: 2, enqueued: 1 });
  const messages = await adyen.messages();
  expect(messages.map((m) => m.deliveryId)).toEqual([`${fresh.pspReference}:CAPTURE`]);
  expect(messages[0].item).toEqual({ index: 1, count: 2 });
});
