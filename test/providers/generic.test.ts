/**
 * Generic schemes: `kind: 'custom'` providers that carry their whole scheme (`SchemeConfig` in contract/config.ts)
 * instead of a catalog preset. Each scheme is exercised through the shipped verifier, and each is tied to a package
 * that implements the same grammar, so the test never trusts a signer written only for it:
 *
 * - HMAC-SHA512, base64, in a key-value header `t=<unix>,v1=<sig>` over `{t}.{body}`: Stripe's documented scheme
 *   (https://docs.stripe.com/webhooks#verify-manually) with another hash and encoding. The header is built with
 *   node:crypto, and the same builder, asked for SHA-256 and hex, must produce byte for byte the header of Stripe's
 *   own `generateTestHeaderString`; a SHA-256 twin of the scheme must accept Stripe's header as is.
 * - a `list` header with a `whsec_` base64 key over `{id}.{timestamp}.{body}`: signed by `standardwebhooks`, whose
 *   verifier is the oracle (with our header names mapped to its own).
 * - Ed25519 over `{timestamp}{body}`, raw hex public key: key pair made here, `verifyKey` of `discord-interactions`
 *   (the same content and encodings) as the oracle.
 * - ECDSA P-256 / SHA-256, base64 DER, base64 SPKI key, over `{timestamp}{body}`: key pair made here,
 *   `@sendgrid/eventwebhook` (the same content and encodings) as the oracle.
 * - a shared token in a header, HTTP Basic authentication: nothing to sign; the secret is compared.
 * - several secrets in one secret version (a JSON array), and rotation through Secrets Manager versions, for a
 *   `sha256=<hex>` body HMAC signed by GitHub's `@octokit/webhooks-methods`; the verifier's log line names the
 *   secret that matched in `secretVersion`.
 */
import { createHash, createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { verifyKey } from 'discord-interactions';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import type { Envelope, ProviderConfig, SchemeConfig } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Answer, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };
type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });

const stripe = new Stripe('sk_test_generic');
const now = () => Math.floor(Date.now() / 1000);
const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');
const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

function custom(id: string, secret: string, config: Pick<ProviderConfig, 'scheme' | 'deliveryId' | 'eventType'>): Promise<Harness> {
  return providerHarness('custom', { id, secret, config });
}

function without(request: SignedRequest, name: string): SignedRequest {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

function withHeader(request: SignedRequest, name: string, value: string): SignedRequest {
  return { ...request, headers: { ...request.headers, [name]: value } };
}

/** The one message a genuine delivery produced, after checking the answer and the queue. */
async function expectAccepted(harness: Harness, request: SignedRequest, expected: { deliveryId: string; eventType?: string }): Promise<Envelope> {
  const answer = await harness.send(request);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: expected.deliveryId });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ deliveryId: expected.deliveryId, eventType: expected.eventType, v: 2 });
  return messages[0];
}

/** The `secretVersion` the verifier logged for a handled delivery. */
function secretVersionOf(answer: Answer): string | undefined {
  const handled = answer.logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.message === 'delivery handled');
  return handled?.secretVersion as string | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
describe('HMAC-SHA512, base64, in a key-value header (t=...,v1=...)', () => {
  const SECRET = 'kv-secret-for-sha512';
  const OTHER_SECRET = 'kv-another-secret';
  const HEADER = 'X-Acme-Signature';
  const keyValue = (algorithm: 'sha256' | 'sha512', encoding: 'hex' | 'base64'): SchemeConfig => ({
    signature: {
      algorithm,
      encoding,
      header: HEADER,
      format: { kind: 'keyValue', pairSeparator: ',', keyValueSeparator: '=', signatureKey: 'v1', timestampKey: 't' },
      signedContent: '{timestamp}.{body}',
      timestamp: { source: 'signatureHeader', unit: 's', toleranceSeconds: 300, allowFuture: false },
      keyEncoding: 'utf8',
    },
  });
  let sha512: Harness;
  let sha256: Harness;

  beforeAll(async () => {
    const fields = { deliveryId: [{ header: 'x-acme-delivery' }, { jsonPath: 'id' }], eventType: { jsonPath: 'type' } };
    sha512 = await custom('hmac-sha512-kv', SECRET, { scheme: keyValue('sha512', 'base64'), ...fields });
    sha256 = await custom('hmac-sha256-kv', SECRET, { scheme: keyValue('sha256', 'hex'), ...fields });
  });

  /** Stripe's documented header grammar, for any hash and encoding: `t=<ts>,v1=<HMAC(secret, "<ts>.<payload>")>`. */
  function keyValueHeader(algorithm: 'sha256' | 'sha512', encoding: 'hex' | 'base64', secret: string, timestamp: number, payload: string | Buffer): string {
    const mac = createHmac(algorithm, secret).update(Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(payload)])).digest(encoding);
    return `t=${timestamp},v1=${mac}`;
  }

  const event = (type = 'invoice.paid', note = 'thanks') => ({ body: JSON.stringify({ type, data: { note, invoice: randomUUID() } }) });

  function signed(body: string | Buffer, options: { secret?: string; timestamp?: number; delivery?: string } = {}): SignedRequest {
    return {
      body,
      headers: {
        [HEADER]: keyValueHeader('sha512', 'base64', options.secret ?? SECRET, options.timestamp ?? now(), body),
        'X-Acme-Delivery': options.delivery ?? randomUUID(),
      },
    };
  }

  test("the header builder, asked for SHA-256 and hex, gives exactly Stripe's generateTestHeaderString", () => {
    // GIVEN a payload, a secret and a timestamp
    const payload = JSON.stringify({ id: 'evt_1', type: 'invoice.paid', note: 'café ☕' });
    const timestamp = 1_700_000_000;

    // WHEN both build the header
    const ours = keyValueHeader('sha256', 'hex', 'whsec_test_secret', timestamp, payload);
    const stripes = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_test_secret', timestamp });

    // THEN they are identical: the grammar and the signed content are Stripe's
    expect(ours).toBe(stripes);
  });

  test("the SHA-256 hex twin of the scheme accepts Stripe's own header", async () => {
    // GIVEN a body signed by Stripe's helper with the route's secret
    const { body } = event();
    const delivery = randomUUID();
    const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: now() });

    // WHEN / THEN the generic key-value parser verifies it
    await expectAccepted(sha256, { body, headers: { [HEADER]: header, 'X-Acme-Delivery': delivery } }, { deliveryId: delivery, eventType: 'invoice.paid' });
  });

  test('a genuine SHA-512 delivery is accepted, with the configured delivery id and event type', async () => {
    // GIVEN a body signed with HMAC-SHA512, base64 (88 characters, with == padding after v1=)
    const { body } = event('invoice.created');
    const request = signed(body, { delivery: 'dlv_0001' });
    expect(request.headers[HEADER]).toMatch(/,v1=[A-Za-z0-9+/]{86}==$/);

    // WHEN / THEN it is accepted under the X-Acme-Delivery header and the body's type
    const message = await expectAccepted(sha512, request, { deliveryId: 'dlv_0001', eventType: 'invoice.created' });
    expect(message.body).toBe(body);
  });

  test('without the delivery header, the next configured source (the body id) is used', async () => {
    // GIVEN a signed body with an id and no X-Acme-Delivery header
    const body = JSON.stringify({ id: 'evt_from_body', type: 'invoice.voided' });

    // WHEN / THEN the delivery id comes from the body
    await expectAccepted(sha512, without(signed(body), 'X-Acme-Delivery'), { deliveryId: 'evt_from_body', eventType: 'invoice.voided' });
  });

  test('several v1 entries: any one may match (a rotation in progress)', async () => {
    // GIVEN a header with a signature under another secret followed by one under ours
    const { body } = event();
    const timestamp = now();
    const theirs = keyValueHeader('sha512', 'base64', OTHER_SECRET, timestamp, body);
    const ours = keyValueHeader('sha512', 'base64', SECRET, timestamp, body);
    const header = `${theirs},v1=${ours.split(',v1=')[1]}`;

    // WHEN / THEN it is accepted
    await expectAccepted(sha512, { body, headers: { [HEADER]: header, 'X-Acme-Delivery': 'dlv_rotation' } }, { deliveryId: 'dlv_rotation', eventType: 'invoice.paid' });
  });

  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(event('invoice.paid', 'thanks').body);
      return { ...request, body: String(request.body).replace('thanks', 'refund') };
    }, 'signature_mismatch'],
    ['a tampered signature', () => {
      const request = signed(event().body);
      const header = request.headers[HEADER];
      const at = header.indexOf('v1=') + 3;
      return withHeader(request, HEADER, header.slice(0, at) + (header[at] === 'A' ? 'B' : 'A') + header.slice(at + 1));
    }, 'signature_mismatch'],
    ['a signature that is not base64', () => withHeader(signed(event().body), HEADER, `t=${now()},v1=***`), 'signature_malformed'],
    ['an HMAC-SHA256 in place of the SHA-512', () => {
      const { body } = event();
      return { body, headers: { [HEADER]: keyValueHeader('sha256', 'base64', SECRET, now(), body) } };
    }, 'signature_mismatch'],
    ['a signature made with another secret', () => signed(event().body, { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['no signature header', () => without(signed(event().body), HEADER), 'signature_missing'],
    ['no t= entry', () => {
      const request = signed(event().body);
      return withHeader(request, HEADER, request.headers[HEADER].replace(/^t=\d+,/, ''));
    }, 'timestamp_missing'],
    ['a timestamp 6 minutes old (window 5 min)', () => signed(event().body, { timestamp: now() - 360 }), 'timestamp_out_of_window'],
    ['a timestamp 6 minutes ahead (window 5 min)', () => signed(event().body, { timestamp: now() + 360 }), 'timestamp_out_of_window'],
  ];

  test.each(cases)('refuses %s', async (_name, make, code) => {
    await expectRejected(sha512, make(), code);
  });

  test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
    // GIVEN bytes that are not UTF-8, signed over the bytes
    const body = invalidUtf8Json('{"id":"evt_bytes","type":"invoice.paid","note":"', '"}');

    // WHEN / THEN it is accepted and arrives byte-identical
    const message = await expectAccepted(sha512, without(signed(body), 'X-Acme-Delivery'), { deliveryId: 'evt_bytes', eventType: 'invoice.paid' });
    expect(message.bodyEncoding).toBe('base64');
    expect(bytesOf(message).equals(body)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('a list of signatures (v1,<sig> ...) with a whsec_ base64 key', () => {
  const SECRET = `whsec_${Buffer.from('generic-list-scheme-key-32-bytes').toString('base64')}`;
  const OTHER_SECRET = `whsec_${Buffer.from('another-list-scheme-key-32-bytes').toString('base64')}`;
  const scheme: SchemeConfig = {
    signature: {
      algorithm: 'sha256',
      encoding: 'base64',
      header: 'x-hook-signature',
      format: { kind: 'list', pairSeparator: ' ', prefix: 'v1,' },
      signedContent: '{id}.{timestamp}.{body}',
      timestamp: { source: 'header', header: 'x-hook-timestamp', unit: 's', toleranceSeconds: 300, allowFuture: false },
      keyEncoding: 'base64',
      keyPrefix: 'whsec_',
    },
  };
  let list: Harness;

  beforeAll(async () => {
    list = await custom('hmac-list', SECRET, { scheme, deliveryId: [{ header: 'x-hook-id' }], eventType: { jsonPath: 'type' } });
  });

  /** Signed by standardwebhooks, delivered under this scheme's header names. */
  function signed(body: string, options: { secret?: string; at?: Date } = {}): SignedRequest & { id: string } {
    const id = `msg_${randomUUID()}`;
    const at = options.at ?? new Date();
    return {
      id,
      body,
      headers: { 'x-hook-id': id, 'x-hook-timestamp': String(Math.floor(at.getTime() / 1000)), 'x-hook-signature': new Webhook(options.secret ?? SECRET).sign(id, at, body) },
    };
  }

  /** standardwebhooks' verdict, with the headers renamed to its own. */
  function standardAccepts(request: SignedRequest): boolean {
    try {
      new Webhook(SECRET).verify(request.body.toString(), {
        'webhook-id': request.headers['x-hook-id'] ?? '',
        'webhook-timestamp': request.headers['x-hook-timestamp'] ?? '',
        'webhook-signature': request.headers['x-hook-signature'] ?? '',
      });
      return true;
    } catch {
      return false;
    }
  }

  const body = (type = 'user.created') => JSON.stringify({ type, data: { id: randomUUID(), name: 'Jane' } });

  test('a genuine delivery, signed by standardwebhooks, is accepted with the x-hook-id as delivery id', async () => {
    // GIVEN a request standardwebhooks signed and verifies
    const request = signed(body());
    expect(standardAccepts(request)).toBe(true);

    // WHEN / THEN it is accepted
    await expectAccepted(list, request, { deliveryId: request.id, eventType: 'user.created' });
  });

  test('several signatures in the list: entries with another version or another key are skipped', async () => {
    // GIVEN a list with a v1a entry, a v1 entry under another key, then ours
    const request = signed(body());
    const other = new Webhook(OTHER_SECRET).sign(request.id, new Date(Number(request.headers['x-hook-timestamp']) * 1000), request.body);
    const listed = withHeader(request, 'x-hook-signature', `v1a,${Buffer.alloc(64, 1).toString('base64')} ${other} ${request.headers['x-hook-signature']}`);
    expect(standardAccepts(listed)).toBe(true);

    // WHEN / THEN it is accepted
    await expectAccepted(list, listed, { deliveryId: request.id, eventType: 'user.created' });
  });

  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(body('user.created'));
      return { ...request, body: String(request.body).replace('Jane', 'Mallory') };
    }, 'signature_mismatch'],
    ['a changed id (the id is signed)', () => withHeader(signed(body()), 'x-hook-id', `msg_${randomUUID()}`), 'signature_mismatch'],
    ['a signature under another whsec_ key', () => signed(body(), { secret: OTHER_SECRET }), 'signature_mismatch'],
    ['only a v1a entry (no v1 signature)', () => withHeader(signed(body()), 'x-hook-signature', `v1a,${Buffer.alloc(64, 1).toString('base64')}`), 'signature_malformed'],
    ['no signature header', () => without(signed(body()), 'x-hook-signature'), 'signature_missing'],
    ['a timestamp 10 minutes old', () => signed(body(), { at: new Date(Date.now() - 600_000) }), 'timestamp_out_of_window'],
    ['a timestamp 10 minutes ahead', () => signed(body(), { at: new Date(Date.now() + 600_000) }), 'timestamp_out_of_window'],
    ['no timestamp header', () => without(signed(body()), 'x-hook-timestamp'), 'timestamp_missing'],
  ];

  test.each(cases)('refuses %s, as standardwebhooks does', async (_name, make, code) => {
    const request = make();
    expect(standardAccepts(request)).toBe(false);
    await expectRejected(list, request, code);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('Ed25519 over {timestamp}{body}, hex signature, raw hex public key', () => {
  const keyPair = () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    // The raw 32-byte key is the tail of the DER SubjectPublicKeyInfo.
    return { privateKey, publicKeyHex: publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('hex') };
  };
  const ours = keyPair();
  const other = keyPair();
  const scheme: SchemeConfig = {
    signature: {
      algorithm: 'ed25519',
      encoding: 'hex',
      header: 'x-ed-signature',
      format: { kind: 'plain', prefix: '' },
      signedContent: '{timestamp}{body}',
      timestamp: { source: 'header', header: 'x-ed-timestamp', unit: 's', toleranceSeconds: 300, allowFuture: false },
      keyEncoding: 'hex',
    },
  };
  let ed25519: Harness;

  beforeAll(async () => {
    ed25519 = await custom('ed25519', ours.publicKeyHex, { scheme, deliveryId: [{ jsonPath: 'event.id' }], eventType: { jsonPath: 'event.type' } });
  });

  function signed(body: string | Buffer, options: { privateKey?: KeyObject; timestamp?: number } = {}): SignedRequest {
    const timestamp = String(options.timestamp ?? now());
    const signature = sign(null, Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), options.privateKey ?? ours.privateKey).toString('hex');
    return { body, headers: { 'x-ed-signature': signature, 'x-ed-timestamp': timestamp } };
  }

  /** discord-interactions' verdict (the same content, hex signature and hex key). */
  const discordAccepts = (request: SignedRequest) => verifyKey(request.body, request.headers['x-ed-signature'] ?? '', request.headers['x-ed-timestamp'] ?? '', ours.publicKeyHex);

  const body = (type = 'order.shipped') => JSON.stringify({ event: { id: `ev_${randomUUID()}`, type, carrier: 'UPS' } });

  test('a genuine delivery is accepted, with the delivery id and event type from the body', async () => {
    // GIVEN a body signed with our private key, which discord-interactions verifies with the public key
    const text = body();
    const request = signed(text);
    expect(await discordAccepts(request)).toBe(true);

    // WHEN / THEN it is accepted
    await expectAccepted(ed25519, request, { deliveryId: JSON.parse(text).event.id, eventType: 'order.shipped' });
  });

  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(body());
      return { ...request, body: String(request.body).replace('UPS', 'DHL') };
    }, 'signature_mismatch'],
    ['a changed timestamp (it is signed)', () => {
      const request = signed(body());
      return withHeader(request, 'x-ed-timestamp', String(Number(request.headers['x-ed-timestamp']) - 1));
    }, 'signature_mismatch'],
    ['a signature by another key pair', () => signed(body(), { privateKey: other.privateKey }), 'signature_mismatch'],
    ['a signature that is not hex', () => withHeader(signed(body()), 'x-ed-signature', 'zz'.repeat(64)), 'signature_malformed'],
    ['no signature header', () => without(signed(body()), 'x-ed-signature'), 'signature_missing'],
  ];

  test.each(cases)('refuses %s, as discord-interactions does', async (_name, make, code) => {
    const request = make();
    expect(await discordAccepts(request)).toBe(false);
    await expectRejected(ed25519, request, code);
  });

  test('refuses a stale timestamp (signed, but outside the window)', async () => {
    await expectRejected(ed25519, signed(body(), { timestamp: now() - 600 }), 'timestamp_out_of_window');
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('ECDSA P-256 / SHA-256 over {timestamp}{body}, base64 DER signature, base64 SPKI public key', () => {
  const keyPair = () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return { privateKey, spki: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
  };
  const ours = keyPair();
  const other = keyPair();
  const scheme: SchemeConfig = {
    signature: {
      algorithm: 'ecdsa-p256-sha256',
      encoding: 'base64',
      header: 'x-ec-signature',
      format: { kind: 'plain', prefix: '' },
      signedContent: '{timestamp}{body}',
      timestamp: { source: 'header', header: 'x-ec-timestamp', unit: 's', toleranceSeconds: 300, allowFuture: false },
      keyEncoding: 'base64',
    },
  };
  const eventWebhook = new EventWebhook();
  let ecdsa: Harness;

  beforeAll(async () => {
    ecdsa = await custom('ecdsa-p256', ours.spki, { scheme, deliveryId: [{ header: 'x-ec-delivery' }], eventType: { header: 'x-ec-event' } });
  });

  function signed(body: string | Buffer, options: { privateKey?: KeyObject; timestamp?: number; dsaEncoding?: 'der' | 'ieee-p1363' } = {}): SignedRequest & { delivery: string } {
    const timestamp = String(options.timestamp ?? now());
    const content = Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]);
    const signature = sign('sha256', content, { key: options.privateKey ?? ours.privateKey, dsaEncoding: options.dsaEncoding ?? 'der' }).toString('base64');
    const delivery = randomUUID();
    return { delivery, body, headers: { 'x-ec-signature': signature, 'x-ec-timestamp': timestamp, 'x-ec-delivery': delivery, 'x-ec-event': 'mail.bounced' } };
  }

  /** @sendgrid/eventwebhook's verdict (the same content, base64 DER signature, base64 SPKI key). */
  function sendgridAccepts(request: SignedRequest): boolean {
    try {
      return eventWebhook.verifySignature(eventWebhook.convertPublicKeyToECDSA(ours.spki), request.body.toString(), request.headers['x-ec-signature'] ?? '', request.headers['x-ec-timestamp'] ?? '');
    } catch {
      return false;
    }
  }

  const body = (reason = 'mailbox full') => JSON.stringify({ email: 'jane@example.com', reason });

  test('a genuine delivery is accepted, with the delivery id and event type from headers', async () => {
    // GIVEN a body signed with our P-256 key, which @sendgrid/eventwebhook verifies
    const request = signed(body());
    expect(sendgridAccepts(request)).toBe(true);

    // WHEN / THEN it is accepted
    await expectAccepted(ecdsa, request, { deliveryId: request.delivery, eventType: 'mail.bounced' });
  });

  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(body('mailbox full'));
      return { ...request, body: String(request.body).replace('mailbox full', 'delivered') };
    }, 'signature_mismatch'],
    ['a signature by another key pair', () => signed(body(), { privateKey: other.privateKey }), 'signature_mismatch'],
    ['a raw r||s (IEEE P1363) signature where DER is expected', () => signed(body(), { dsaEncoding: 'ieee-p1363' }), 'signature_mismatch'],
    ['no signature header', () => without(signed(body()), 'x-ec-signature'), 'signature_missing'],
  ];

  test.each(cases)('refuses %s, as @sendgrid/eventwebhook does', async (_name, make, code) => {
    const request = make();
    expect(sendgridAccepts(request)).toBe(false);
    await expectRejected(ecdsa, request, code);
  });

  test('refuses a timestamp too far ahead (signed, but outside the window)', async () => {
    await expectRejected(ecdsa, signed(body(), { timestamp: now() + 600 }), 'timestamp_out_of_window');
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('a shared token in a header', () => {
  const TOKEN = 'glpat-shared-token-Zk4mQ9';
  let tokenRoute: Harness;

  beforeAll(async () => {
    tokenRoute = await custom('shared-token', TOKEN, { scheme: { token: { header: 'x-webhook-token' } }, deliveryId: [{ header: 'x-webhook-uuid' }], eventType: { header: 'x-webhook-event' } });
  });

  const request = (token?: string): SignedRequest & { uuid: string } => {
    const uuid = randomUUID();
    const headers: Record<string, string> = { 'x-webhook-uuid': uuid, 'x-webhook-event': 'Push Hook' };
    if (token !== undefined) headers['x-webhook-token'] = token;
    return { uuid, body: JSON.stringify({ object_kind: 'push', ref: 'refs/heads/main' }), headers };
  };

  test('the right token is accepted', async () => {
    const genuine = request(TOKEN);
    await expectAccepted(tokenRoute, genuine, { deliveryId: genuine.uuid, eventType: 'Push Hook' });
  });

  test.each<[string, string | undefined, string]>([
    ['a wrong token', 'glpat-shared-token-Zk4mQ8', 'signature_mismatch'],
    ['the token with a trailing space', `${TOKEN} `, 'signature_mismatch'],
    ['a prefix of the token', TOKEN.slice(0, -1), 'signature_mismatch'],
    ['no token header', undefined, 'signature_missing'],
  ])('refuses %s', async (_name, token, code) => {
    await expectRejected(tokenRoute, request(token), code);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('HTTP Basic authentication', () => {
  const CREDENTIALS = 'hooks:p4ss:with:colons';
  let basic: Harness;

  beforeAll(async () => {
    basic = await custom('basic-auth', CREDENTIALS, { scheme: { basicAuth: true }, deliveryId: [], eventType: { jsonPath: 'event' } });
  });

  const request = (authorization?: string): SignedRequest => ({
    body: JSON.stringify({ event: 'invoice.sent', id: randomUUID() }),
    headers: authorization === undefined ? {} : { Authorization: authorization },
  });
  const basicOf = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

  test('the right user and password are accepted (the password may contain colons)', async () => {
    const genuine = request(basicOf(CREDENTIALS));
    await expectAccepted(basic, genuine, { deliveryId: bodyHash(genuine.body), eventType: 'invoice.sent' });
  });

  test('the scheme name is case-insensitive (RFC 7617)', async () => {
    const genuine = request(basicOf(CREDENTIALS).replace('Basic', 'basic'));
    await expectAccepted(basic, genuine, { deliveryId: bodyHash(genuine.body), eventType: 'invoice.sent' });
  });

  test.each<[string, string | undefined, string]>([
    ['a wrong password', basicOf('hooks:p4ss:with:colon'), 'signature_mismatch'],
    ['a wrong user', basicOf('admin:p4ss:with:colons'), 'signature_mismatch'],
    ['the password alone', basicOf('p4ss:with:colons'), 'signature_mismatch'],
    ['no Authorization header', undefined, 'signature_missing'],
    ['a Bearer token holding the credentials', `Bearer ${CREDENTIALS}`, 'signature_missing'],
  ])('refuses %s', async (_name, authorization, code) => {
    await expectRejected(basic, request(authorization), code);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('several secrets and rotation (sha256=<hex> body HMAC, signed by @octokit/webhooks-methods)', () => {
  const scheme: SchemeConfig = {
    signature: { algorithm: 'sha256', encoding: 'hex', header: 'x-hub-signature-256', format: { kind: 'plain', prefix: 'sha256=' }, signedContent: '{body}', keyEncoding: 'utf8' },
  };
  const fields = { deliveryId: [{ header: 'x-delivery' }], eventType: { header: 'x-event' } };
  let octokit: Octokit;

  beforeAll(async () => {
    octokit = await import('@octokit/webhooks-methods');
  });

  async function signed(secret: string): Promise<SignedRequest & { delivery: string }> {
    const delivery = randomUUID();
    const body = JSON.stringify({ action: 'opened', number: Math.floor(Math.random() * 1000) });
    return { delivery, body, headers: { 'x-hub-signature-256': await octokit.sign(secret, body), 'x-delivery': delivery, 'x-event': 'pull_request' } };
  }

  test('a JSON array of secrets in one version: each verifies, and the log names which one matched', async () => {
    // GIVEN a route whose secret value holds two active secrets
    const route = await custom('two-secrets', JSON.stringify(['old-secret', 'new-secret']), { scheme, ...fields });

    // WHEN deliveries signed with each arrive, and one signed with neither
    const byOld = await route.send(await signed('old-secret'));
    const byNew = await route.send(await signed('new-secret'));

    // THEN both are accepted, logged as the first and second secret of the current version
    expect([byOld.body.code, byNew.body.code]).toEqual(['accepted', 'accepted']);
    expect([secretVersionOf(byOld), secretVersionOf(byNew)]).toEqual(['current', 'current#2']);
    expect(await route.messages()).toHaveLength(2);
    await expectRejected(route, await signed('third-secret'), 'signature_mismatch');
  });

  test('after a rotation in Secrets Manager, the new version is current and the previous one still verifies', async () => {
    // GIVEN a route that has verified (and cached) its first secret
    const route = await custom('rotation', 'first-secret', { scheme, ...fields });
    const before = await route.send(await signed('first-secret'));
    expect(secretVersionOf(before)).toBe('current');

    // WHEN the secret is rotated, and deliveries signed with the new and with the previous secret arrive
    await route.rotate('second-secret');
    const byNew = await route.send(await signed('second-secret'));
    const byPrevious = await route.send(await signed('first-secret'));

    // THEN the new one is read after its first mismatch against the cache and verifies as current; the previous one
    // verifies as previous; a secret from neither version does not
    expect({ code: byNew.body.code, version: secretVersionOf(byNew) }).toEqual({ code: 'accepted', version: 'current' });
    expect({ code: byPrevious.body.code, version: secretVersionOf(byPrevious) }).toEqual({ code: 'accepted', version: 'previous' });
    expect(await route.messages()).toHaveLength(3);
    await expectRejected(route, await signed('never-a-secret'), 'signature_mismatch');
  });
});
