/**
 * Generic schemes: `kind: 'custom'` providers that carry their whole scheme (`SchemeConfig` in contract/config.ts)
 * instead of a catalog preset. The standard matrix of each generic factory is test/providers/generic-matrix.test.ts;
 * this file keeps what is particular to a grammar, each tied to a package that implements it, so the test never
 * trusts a signer written only for it:
 *
 * - HMAC-SHA512, base64, in a key-value header `t=<unix>,v1=<sig>` over `{t}.{body}`: Stripe's documented scheme
 *   (https://docs.stripe.com/webhooks#verify-manually) with another hash and encoding. The header is built with
 *   node:crypto, and the same builder, asked for SHA-256 and hex, must produce byte for byte the header of Stripe's
 *   own `generateTestHeaderString`; a SHA-256 twin of the scheme must accept Stripe's header as is.
 * - a `list` header with a `whsec_` base64 key over `{id}.{timestamp}.{body}`: signed by `standardwebhooks`, whose
 *   verifier is the oracle (with our header names mapped to its own): other versions' entries, a signed id.
 * - several secrets in one secret version (a JSON array), and rotation through Secrets Manager versions, for a
 *   `sha256=<hex>` body HMAC signed by GitHub's `@octokit/webhooks-methods`; the verifier's log line names the
 *   secret that matched in `secretVersion`.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import type { Envelope, ProviderConfig, SchemeConfig } from '../../contract/config';
import { expectRejected, providerHarness, type Answer, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };
type Octokit = typeof import('@octokit/webhooks-methods', { with: { 'resolution-mode': 'import' } });

const stripe = new Stripe('sk_test_generic');
const now = () => Math.floor(Date.now() / 1000);

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

  // (The matrix runs the grammar's common cases on its SHA-256 hex twin: generic-matrix.test.ts.)
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a signature that is not base64', () => withHeader(signed(event().body), HEADER, `t=${now()},v1=***`), 'signature_malformed'],
    ['an HMAC-SHA256 in place of the SHA-512', () => {
      const { body } = event();
      return { body, headers: { [HEADER]: keyValueHeader('sha256', 'base64', SECRET, now(), body) } };
    }, 'signature_mismatch'],
    ['a signature made with another secret', () => signed(event().body, { secret: OTHER_SECRET }), 'signature_mismatch'],
  ];

  test.each(cases)('refuses %s', async (_name, make, code) => {
    await expectRejected(sha512, make(), code);
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
    ['a changed id (the id is signed)', () => withHeader(signed(body()), 'x-hook-id', `msg_${randomUUID()}`), 'signature_mismatch'],
    ['only a v1a entry (no v1 signature)', () => withHeader(signed(body()), 'x-hook-signature', `v1a,${Buffer.alloc(64, 1).toString('base64')}`), 'signature_malformed'],
  ];

  test.each(cases)('refuses %s, as standardwebhooks does', async (_name, make, code) => {
    const request = make();
    expect(standardAccepts(request)).toBe(false);
    await expectRejected(list, request, code);
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
