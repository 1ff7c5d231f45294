/**
 * The verifier's lazily loaded files: `lazy-schemes.js` (the JWT family and Braintree, lambda/verifier/lazy-schemes.ts)
 * and `s3.js` beside `index.js` in assets/verifier. Their code is not in `index.js`; the construct ships them in the
 * verifier's asset; the shipped bundle reads them from beside itself on first use, and an error the lazy file throws
 * is one of the bundle's own classes (a refused token is a 401, not a 500), in every bundle one process holds.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { verifySignature } from '@vonage/jwt';
import jwt from 'jsonwebtoken';
import Stripe from 'stripe';
import { WebhookProvider, WebhookReceiver } from '../lib';
import { apiEvent } from './support/aws';
import { givenStack } from './support/stacks';
import { verifierUnderTest, type VerifierUnderTest } from './support/verifier-under-test';

const ASSETS = path.join(__dirname, '..', 'assets', 'verifier');
const LAZY_FILES = ['lazy-schemes.js', 's3.js'];
const VONAGE_SECRET = 'lazy-files-vonage-signature-secret';
const STRIPE_SECRET = 'whsec_lazy_files_0d2c';

const providers = {
  '/vonage': { secret: VONAGE_SECRET, config: { kind: 'vonage', toleranceSeconds: 300 } },
  '/stripe': { secret: STRIPE_SECRET, config: { kind: 'stripe', toleranceSeconds: 300 } },
};

/** A Vonage delivery, its token signed with jsonwebtoken (what @vonage/jwt uses) as Vonage documents it. */
function vonage(body = JSON.stringify({ message_uuid: randomUUID(), status: 'delivered', timestamp: '2026-12-01T12:00:00.000Z' })) {
  const token = jwt.sign(
    { iat: Math.floor(Date.now() / 1000), jti: randomUUID(), iss: 'Vonage', payload_hash: createHash('sha256').update(body).digest('hex') },
    VONAGE_SECRET,
    { algorithm: 'HS256' },
  );
  expect(verifySignature(token, VONAGE_SECRET)).toBe(true);
  return apiEvent({ resource: '/vonage', body, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
}

/** A token whose header names `none`: refused in the lazy file before any key is tried. */
function unsignedVonage() {
  const body = JSON.stringify({ message_uuid: randomUUID(), status: 'delivered' });
  const token = jwt.sign({ iat: Math.floor(Date.now() / 1000), iss: 'Vonage', payload_hash: createHash('sha256').update(body).digest('hex') }, '', { algorithm: 'none' });
  return apiEvent({ resource: '/vonage', body, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
}

function stripeEvent() {
  const body = JSON.stringify({ id: `evt_${randomUUID()}`, type: 'invoice.paid', created: Math.floor(Date.now() / 1000) });
  const header = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET });
  return apiEvent({ resource: '/stripe', body, headers: { 'Stripe-Signature': header, 'Content-Type': 'application/json' } });
}

/** A copy of assets/verifier as the construct stages it (every file), less `without`. */
function stagedCopy(without: string[] = []): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lazy-files-'));
  for (const file of readdirSync(ASSETS)) if (!without.includes(file)) copyFileSync(path.join(ASSETS, file), path.join(dir, file));
  return dir;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the bundle', () => {
  test('the JWT and Braintree code is in lazy-schemes.js, not in index.js', () => {
    const main = readFileSync(path.join(ASSETS, 'index.js'), 'utf8');
    const lazy = readFileSync(path.join(ASSETS, 'lazy-schemes.js'), 'utf8');
    for (const marker of ['header holds no JWT', 'bt_payload is not the base64 of a Braintree XML notification']) {
      expect(lazy).toContain(marker);
      expect(main).not.toContain(marker);
    }
    // The main bundle requires it by its name beside itself, and the file takes the bundle's error classes.
    expect(main).toContain('require("./lazy-schemes.js")');
    expect(lazy).toMatch(/withErrors/);
  });
});

describe('the shipped bundle reads lazy-schemes.js from beside itself', () => {
  let staged: VerifierUnderTest;
  let missing: VerifierUnderTest;

  beforeAll(async () => {
    const complete = stagedCopy();
    const withoutLazy = stagedCopy(['lazy-schemes.js']);
    dirs.push(complete, withoutLazy);
    staged = await verifierUnderTest(providers, {}, complete);
    missing = await verifierUnderTest(providers, {}, withoutLazy);
  });

  test('a genuine Vonage delivery is accepted by a staged copy of the bundle', async () => {
    expect((await staged.send(vonage())).status).toBe(200);
    expect(await staged.messages()).toHaveLength(1);
  });

  test('without the file, a JWT provider fails as our fault (5xx, nothing enqueued) and the other providers work', async () => {
    const answer = await missing.send(vonage());
    expect(answer.status).toBeGreaterThanOrEqual(500);
    expect(answer.body).toMatchObject({ ok: false, error: 'internal_error' });
    expect((await missing.send(stripeEvent())).status).toBe(200);
    expect(await missing.messages()).toHaveLength(1);
  });
});

describe('errors thrown in the lazy file are the bundle\'s own', () => {
  let first: VerifierUnderTest;
  let second: VerifierUnderTest;

  beforeAll(async () => {
    // Two bundles in one process (as tests hold them), sharing the one loaded lazy-schemes.js.
    first = await verifierUnderTest(providers);
    second = await verifierUnderTest(providers);
  });
  afterEach(async () => {
    await first.messages();
    await second.messages();
  });

  test('an unsigned token is a 401 signature_malformed in each bundle, whichever used the file last', async () => {
    for (const verifier of [first, second, first, second]) {
      const answer = await verifier.send(unsignedVonage());
      expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 401, error: 'signature_malformed' });
    }
  });

  test('a genuine token is accepted by each', async () => {
    expect((await first.send(vonage())).status).toBe(200);
    expect((await second.send(vonage())).status).toBe(200);
  });
});

describe('the construct ships the lazy files', () => {
  test('the verifier\'s staged asset holds every file of assets/verifier, the lazy ones included, and its config.json', () => {
    // GIVEN
    const outdir = mkdtempSync(path.join(tmpdir(), 'lazy-files-cdk-'));
    dirs.push(outdir);
    const given = givenStack({ outdir });
    new WebhookReceiver(given.stack, 'Receiver', { provider: WebhookProvider.vonage({ secret: given.stripeSecret }), processor: given.processor });

    // WHEN
    const assembly = given.app.synth();

    // THEN
    const staged = readdirSync(assembly.directory)
      .filter((entry) => entry.startsWith('asset.') && existsSync(path.join(assembly.directory, entry, 'config.json')))
      .map((entry) => readdirSync(path.join(assembly.directory, entry)).sort());
    expect(staged).toEqual([[...readdirSync(ASSETS), 'config.json'].sort()]);
    for (const file of LAZY_FILES) expect(staged[0]).toContain(file);
  });
});
