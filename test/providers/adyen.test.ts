/**
 * Adyen, signed by Adyen's own library (`@adyen/api-library` hmacValidator.calculateHmac) and judged by its own
 * `validateHMAC`, through the shipped verifier. The signature is inside the body (each item's
 * additionalData.hmacSignature) and covers eight of the item's fields, not the body. The standard matrix is
 * test/support/provider-matrix.ts; this file keeps what is particular to Adyen: batches and unsigned fields.
 */
import { hmacValidator } from '@adyen/api-library';
import { expectRejected, type Harness } from '../support/provider-harness';
import { providerMatrix, type SignedRequest } from '../support/provider-matrix';

// A 64-hex-character HMAC key, as Adyen's Customer Area generates them.
const KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
const OTHER_KEY = '0000000000000000000000000000000000000000000000000000000000000000';
const ROTATED_KEY = 'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90';
const validator = new hmacValidator();

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

type Notification = { live: string; notificationItems: Array<{ NotificationRequestItem: Item }> };
const itemsOf = (request: SignedRequest) => (JSON.parse(String(request.body)) as Notification).notificationItems.map((i) => i.NotificationRequestItem);
/** The request with its first item changed by `change`. */
function withFirstItem(request: SignedRequest, change: (item: Item) => void): SignedRequest {
  const parsed = JSON.parse(String(request.body)) as Notification;
  change(parsed.notificationItems[0].NotificationRequestItem);
  return { ...request, body: JSON.stringify(parsed) };
}

/** Adyen's own check of every item (it throws on an item without a signature: a refusal). */
function adyenAccepts(request: SignedRequest, key = KEY): boolean {
  try {
    const items = itemsOf(request);
    return items.length > 0 && items.every((i) => validator.validateHMAC(i as never, key));
  } catch {
    return false;
  }
}

const matrix = providerMatrix({
  kind: 'adyen',
  notApplicable: {
    'stale timestamp': 'Adyen signs no timestamp',
    'future timestamp': 'Adyen signs no timestamp',
    'several signatures': 'Adyen sends one hmacSignature per item, never two',
    'handshake': 'Adyen sends none',
  },
  secret: KEY,
  otherSecret: OTHER_KEY,
  rotation: { stored: ROTATED_KEY },
  // The signature covers eight fields of each item, not the body.
  bodySigned: false,
  event: (extra) => JSON.stringify({ live: 'false', notificationItems: [{ NotificationRequestItem: item({ additionalData: extra as Record<string, string> }) }] }),
  // Each item signed by Adyen's library, as Adyen posts them.
  sign: (body, options) => {
    const parsed = JSON.parse(body) as Notification;
    return { body: notification(parsed.notificationItems.map((i) => i.NotificationRequestItem), options?.secret ?? KEY), headers: {} };
  },
  accepts: (request) => adyenAccepts(request),
  signatureIn: {
    name: 'additionalData.hmacSignature',
    get: (request) => itemsOf(request)[0].additionalData!.hmacSignature,
    set: (request, value) => withFirstItem(request, (i) => (i.additionalData!.hmacSignature = value)),
    remove: (request) => withFirstItem(request, (i) => delete i.additionalData!.hmacSignature),
  },
  // A signed field (amount.value) changed.
  tamper: ['"value":1999', '"value":1998'],
  expected: (request) => {
    const [first] = itemsOf(request);
    return { deliveryId: `${first.pspReference}:${first.eventCode}`, eventType: first.eventCode };
  },
  answer: { events: 1, enqueued: 1 },
  invalidUtf8Request: () => {
    // An item signed by Adyen's library, with bytes that are not UTF-8 in an unsigned additionalData field.
    const bytes = Buffer.from([0xff, 0xfe, 0xc3, 0x28]);
    const [text, rest] = notification([item({ additionalData: { note: 'PLACEHOLDER' } })]).split('PLACEHOLDER');
    return { request: { body: Buffer.concat([Buffer.from(text), bytes, Buffer.from(rest)]), headers: {} }, bytes, carried: (body) => body.subarray(Buffer.byteLength(text), Buffer.byteLength(text) + bytes.length) };
  },
  refusals: [
    ['a tampered signed field (success)', async () => withFirstItem(await notificationRequest(), (i) => (i.success = 'false')), 'signature_mismatch'],
    ['a signature that is not base64', async () => withFirstItem(await notificationRequest(), (i) => (i.additionalData!.hmacSignature = 'not*base64')), 'signature_malformed'],
    ['no notification items', () => ({ body: JSON.stringify({ live: 'false', notificationItems: [] }), headers: {} }), 'signature_missing'],
  ],
});
const adyen = (): Harness => matrix.harness();
const notificationRequest = async (): Promise<SignedRequest> => ({ body: notification([item()]), headers: {} });

test('signed fields that are JSON booleans and numbers are signed as Adyen\'s library writes them (true, 1999)', async () => {
  // GIVEN an item whose success is the boolean true and which names an original reference, signed by Adyen's library
  const signed = { ...item({ originalReference: `${Date.now()}0` }), success: true } as unknown as Item;
  const body = notification([signed]);
  expect(validator.validateHMAC(JSON.parse(body).notificationItems[0].NotificationRequestItem, KEY)).toBe(true);

  // WHEN it is delivered, THEN it is accepted; with success turned to false (the signature unchanged), refused
  expect((await adyen().send({ body })).body).toMatchObject({ ok: true, code: 'accepted' });
  await adyen().messages();
  await expectRejected(adyen(), { body: body.replace('"success":true', '"success":false') }, 'signature_mismatch');
});

test('a batch where every item is signed is accepted; one unsigned or mis-signed item refuses the whole POST', async () => {
  const items = [item(), item({ eventCode: 'CAPTURE' })];
  const batch = await adyen().send({ body: notification(items) });
  expect(batch.body).toMatchObject({ ok: true, code: 'accepted', events: 2, enqueued: 2 });
  // One message per item, each keyed by its own pspReference and eventCode.
  const messages = await adyen().messages();
  expect(messages.map((m) => [m.deliveryId, m.eventType, m.item]).sort()).toEqual(
    [
      [`${items[0].pspReference}:AUTHORISATION`, 'AUTHORISATION', { index: 0, count: 2 }],
      [`${items[1].pspReference}:CAPTURE`, 'CAPTURE', { index: 1, count: 2 }],
    ].sort(),
  );

  const mixed = JSON.parse(notification([item(), item()]));
  mixed.notificationItems[1].NotificationRequestItem.amount.value = 1;
  await expectRejected(adyen(), { body: JSON.stringify(mixed) }, 'signature_mismatch');

  const missing = JSON.parse(notification([item(), item()]));
  delete missing.notificationItems[1].NotificationRequestItem.additionalData.hmacSignature;
  await expectRejected(adyen(), { body: JSON.stringify(missing) }, 'signature_missing');
});

test.each([
  ['a JSON boolean', (i: Record<string, any>) => (i.additionalData.hmacSignature = true)],
  ['an object', (i: Record<string, any>) => (i.additionalData.hmacSignature = { value: i.additionalData.hmacSignature })],
  ['an array', (i: Record<string, any>) => (i.additionalData.hmacSignature = [i.additionalData.hmacSignature])],
  ['inside an additionalData that is an array', (i: Record<string, any>) => (i.additionalData = [i.additionalData])],
])('an hmacSignature that is %s is no signature: 401 signature_missing, as Adyen refuses it', async (_name, change) => {
  const request = withFirstItem({ body: notification([item()]), headers: {} }, change as (item: Item) => void);
  expect(adyenAccepts(request)).toBe(false);
  await expectRejected(adyen(), { body: request.body }, 'signature_missing');
});

test('an entry of notificationItems that is not an object carries no item: 401 signature_missing', async () => {
  const body = JSON.parse(notification([item()]));
  body.notificationItems.push(null);
  await expectRejected(adyen(), { body: JSON.stringify(body) }, 'signature_missing');
});

test('fields outside the eight Adyen signs are not covered, as Adyen documents', async () => {
  // GIVEN a genuine item whose unsigned additionalData is changed after signing
  const changed = JSON.parse(notification([item({ additionalData: { paymentMethodVariant: 'visa' } })]));
  changed.notificationItems[0].NotificationRequestItem.additionalData.paymentMethodVariant = 'mc';

  // THEN Adyen's own validator and ours both accept it
  expect(validator.validateHMAC(changed.notificationItems[0].NotificationRequestItem, KEY)).toBe(true);
  expect((await adyen().send({ body: JSON.stringify(changed) })).status).toBe(200);
  await adyen().messages();
});

test('a later POST that repeats its first item and adds a new one enqueues the new one, and only it', async () => {
  // GIVEN a notification already enqueued
  const seen = item();
  expect((await adyen().send({ body: notification([seen]) })).status).toBe(200);
  expect(await adyen().messages()).toHaveLength(1);

  // WHEN Adyen posts that item again (first) together with a new one
  const fresh = item({ eventCode: 'CAPTURE' });
  const answer = await adyen().send({ body: notification([seen, fresh]) });

  // THEN the new item is enqueued, the repeated one is not
  expect(answer.body).toMatchObject({ ok: true, code: 'accepted', events: 2, enqueued: 1 });
  const messages = await adyen().messages();
  expect(messages.map((m) => m.deliveryId)).toEqual([`${fresh.pspReference}:CAPTURE`]);
  expect(messages[0].item).toEqual({ index: 1, count: 2 });
});
