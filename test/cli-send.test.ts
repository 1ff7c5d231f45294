/**
 * `npx cdk-webhook-receiver send`: signs a provider's sample and sends it over HTTP. Checked against a loopback HTTP
 * server that records what arrives (judged by the provider's own package), and against the shipped verifier bundle
 * behind a loopback HTTP front (the harness of test/providers), once through the bundled CLI (assets/cli/index.js)
 * as a child process. Nothing here leaves 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import Stripe from 'stripe';
import { verifyKey as discordVerify } from 'discord-interactions';
import { validateRequest as twilioValidate } from 'twilio/lib/webhooks/webhooks';
import { curlCommand, send } from '../cli/commands/send';
import type { Io } from '../cli/shared/io';
import { localTestSecret, signRequest } from '../testing';
import { answerAsProvider, localProviderOverrides } from '../testing/keys';
import { providerHarness, type Harness } from './support/provider-harness';

const CLI = path.join(__dirname, '..', 'assets', 'cli', 'index.js');

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** A loopback HTTP server on a free port; `answer` decides each reply. */
async function loopback(answer: (request: Received) => Promise<{ status: number; body: string }> | { status: number; body: string }): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const request = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      received.push(request);
      const reply = await answer(request);
      res.writeHead(reply.status, { 'Content-Type': 'application/json' }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The harness's verifier behind HTTP: each request handed over as API Gateway would (headers, raw body, query). */
function verifierFront(harness: () => Harness) {
  return async (request: Received) => {
    // Header names as sent over HTTP (lowercase); Content-Type under the name the harness's event uses.
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([, v]) => typeof v === 'string').map(([k, v]) => [k === 'content-type' ? 'Content-Type' : k, v])) as Record<string, string>;
    const query = new URL(request.url, 'http://x').searchParams;
    const answer = await harness().send({ body: request.body, headers, ...(query.size > 0 ? { query: Object.fromEntries(query) } : {}) });
    return { status: answer.status, body: answer.text };
  };
}

/** Runs a shell command line; resolves to its exit code. */
function shell(command: string): Promise<number | null> {
  return new Promise((resolve) => spawn('sh', ['-c', command], { stdio: 'ignore' }).on('close', resolve));
}

/** Runs the command in-process; resolves to its exit code and output. */
async function runSend(argv: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (chunk) => (outText += chunk));
  err.on('data', (chunk) => (errText += chunk));
  const io: Io = { out, err, now: () => Date.now(), onInterrupt: () => () => {} };
  let code: number;
  try {
    code = await send.runWith(argv, io, options.env ?? {}, options.cwd ?? mkdtempSync(path.join(tmpdir(), 'send-')));
  } catch (error) {
    // As cli/index.ts maps them: usage errors exit 2, command errors 1.
    errText += (error as Error).message;
    code = (error as Error).name === 'UsageError' ? 2 : 1;
  }
  return { code, out: outText, err: errText };
}

describe('against a loopback HTTP server', () => {
  let server: Awaited<ReturnType<typeof loopback>>;
  beforeAll(async () => {
    server = await loopback(() => ({ status: 200, body: '{"ok":true,"code":"accepted"}' }));
  });
  afterAll(() => server.close());

  test('send stripe: a POST that Stripe\'s own verifier accepts; the status and answer are printed; the secret is not', async () => {
    // GIVEN a secret / WHEN the command sends a Stripe sample of a chosen type
    const secret = 'whsec_send_test_secret_value';
    const result = await runSend(['stripe', '--url', `${server.url}/stripe`, '--secret', secret, '--event', 'invoice.paid']);

    // THEN it arrived as signed, and Stripe's verifier accepts it
    expect(result).toMatchObject({ code: 0, err: '' });
    const request = server.received.at(-1)!;
    expect([request.method, request.url, request.headers['content-type']]).toEqual(['POST', '/stripe', 'application/json']);
    const event = new Stripe('sk_test_unused').webhooks.constructEvent(request.body, String(request.headers['stripe-signature']), secret);
    expect(event.type).toBe('invoice.paid');
    expect(result.out).toContain('200 OK\n{"ok":true,"code":"accepted"}\n');
    expect(result.out).toContain(`Stripe invoice.paid ${event.id}`);
    expect(result.out + result.err).not.toContain(secret);
  });

  test('the secret comes from WEBHOOK_SECRET_<ID>, which wins over the secrets file, else from .webhook-secrets.json in the current folder', async () => {
    // GIVEN a dev server's secrets file, and an environment variable for one provider
    const cwd = mkdtempSync(path.join(tmpdir(), 'send-'));
    writeFileSync(path.join(cwd, '.webhook-secrets.json'), JSON.stringify({ stripe: 'whsec_from_file', 'Shop/twilio': 'token-from-file' }));

    // WHEN stripe is sent with and without the variable, and twilio (receiver-qualified key) from the file
    const fromFile = await runSend(['stripe', '--url', `${server.url}/stripe`], { cwd });
    const fileRequest = server.received.at(-1)!;
    const fromEnv = await runSend(['stripe', '--url', `${server.url}/stripe`], { cwd, env: { WEBHOOK_SECRET_STRIPE: 'whsec_from_env' } });
    const envRequest = server.received.at(-1)!;
    const twilio = await runSend(['twilio', '--url', `${server.url}/twilio`], { cwd });
    const twilioRequest = server.received.at(-1)!;

    // THEN each is signed with the expected secret, as the providers' own verifiers say
    const stripe = new Stripe('sk_test_unused');
    expect([fromFile.code, fromEnv.code, twilio.code]).toEqual([0, 0, 0]);
    expect(() => stripe.webhooks.constructEvent(fileRequest.body, String(fileRequest.headers['stripe-signature']), 'whsec_from_file')).not.toThrow();
    expect(() => stripe.webhooks.constructEvent(envRequest.body, String(envRequest.headers['stripe-signature']), 'whsec_from_env')).not.toThrow();
    const params = Object.fromEntries(new URLSearchParams(twilioRequest.body.toString()));
    expect(twilioValidate('token-from-file', String(twilioRequest.headers['x-twilio-signature']), `${server.url}/twilio`, params)).toBe(true);
  });

  test('discord is signed with the local test key, which the dev server trusts: Discord\'s verifier accepts it with that public key', async () => {
    // WHEN discord is sent to a loopback address with no secret at all
    const result = await runSend(['discord', '--url', `${server.url}/discord`]);

    // THEN discord-interactions verifies it with the local test public key
    expect(result.code).toBe(0);
    const request = server.received.at(-1)!;
    expect(await discordVerify(request.body, String(request.headers['x-signature-ed25519']), String(request.headers['x-signature-timestamp']), localTestSecret('discord')!)).toBe(true);
  });

  test('--print writes a curl command that, run by a shell, delivers bytes Stripe\'s verifier accepts; quotes in a body survive the shell', async () => {
    // GIVEN a curl command printed for a Stripe sample
    const result = await runSend(['stripe', '--url', `${server.url}/stripe`, '--secret', 'whsec_print', '--print']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^curl -sS -X POST '/);
    const before = server.received.length;

    // WHEN a shell runs it (asynchronously: the server answers from this process)
    expect(await shell(result.out)).toBe(0);

    // THEN exactly one request arrived, and Stripe's verifier accepts its bytes
    expect(server.received.length).toBe(before + 1);
    const request = server.received.at(-1)!;
    expect(new Stripe('sk_test_unused').webhooks.constructEvent(request.body, String(request.headers['stripe-signature']), 'whsec_print').type).toBe('payment_intent.succeeded');

    // AND a body with quotes and a newline arrives byte for byte
    const quoted = signRequest('github', { secret: 'x', body: 'it\'s "quoted"\n$HOME `x`', url: `${server.url}/github` });
    expect(await shell(curlCommand(quoted))).toBe(0);
    expect(server.received.at(-1)!.body.equals(quoted.body)).toBe(true);
  });

  test('a non-2xx answer exits 1 and prints the answer', async () => {
    const refusing = await loopback(() => ({ status: 401, body: '{"ok":false,"error":"signature_mismatch"}' }));
    try {
      const result = await runSend(['github', '--url', `${refusing.url}/github`, '--secret', 'x']);
      expect(result.code).toBe(1);
      expect(result.out).toContain('401 Unauthorized\n{"ok":false,"error":"signature_mismatch"}');
    } finally {
      await refusing.close();
    }
  });
});

test('--help explains the command and lists the catalog; --list-events prints the sample\'s event types', async () => {
  const help = await runSend(['--help']);
  expect(help.code).toBe(0);
  expect(help.out).toMatch(/^Usage: npx cdk-webhook-receiver send <provider>/);
  expect(help.out).toContain('braintree');
  const events = await runSend(['github', '--list-events']);
  expect(events).toMatchObject({ code: 0, out: 'push\npull_request\nissues\nrelease\nworkflow_run\n' });
  expect((await runSend(['x', '--list-events'])).out).toBe('X (Twitter) sends no event type.\n');
});

describe('fails with a clear message', () => {
  test('fails if the provider is unknown, listing the catalog (exit 2)', async () => {
    const result = await runSend(['stripey', '--secret', 'x']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/Unknown provider "stripey". Catalog providers: stripe, github, shopify/);
  });

  test('fails if no provider is named (exit 2)', async () => {
    expect((await runSend([])).err).toMatch(/Name the provider: send <provider>/);
  });

  test('fails if there is no secret, saying where it may come from (exit 1)', async () => {
    const result = await runSend(['stripe']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/No secret for "stripe": give --secret <value>, set WEBHOOK_SECRET_STRIPE, or run from the folder of the dev server's \.webhook-secrets\.json/);
  });

  test('fails if the URL is not an http(s) URL (exit 2)', async () => {
    expect(await runSend(['stripe', '--secret', 'x', '--url', 'localhost:8790/stripe'])).toMatchObject({ code: 2, err: expect.stringMatching(/--url must be an http or https URL, got "localhost:8790\/stripe"/) });
    expect(await runSend(['stripe', '--secret', 'x', '--url', 'not a url'])).toMatchObject({ code: 2, err: expect.stringMatching(/--url must be an absolute http\(s\) URL, got "not a url"/) });
  });

  test('fails if a private-key provider is sent anywhere but loopback, saying why (exit 1)', async () => {
    for (const provider of ['discord', 'sendgrid', 'telnyx']) {
      const result = await runSend([provider, '--url', 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/x']);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/signs with its own private key, which nobody else holds: send signs with the local test key pair, which only the local dev server \(or the test receiver\) trusts\. It sends .* requests only to a loopback address/);
    }
  });

  test('fails if PayPal, the App Store or Plaid is sent anywhere but loopback, saying why (exit 1)', async () => {
    for (const [provider, extra] of [['paypal', ['--webhook-id', 'WH1']], ['app-store', ['--bundle-id', 'com.example.app']], ['plaid', []]] as const) {
      const result = await runSend([provider, '--url', 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/x', ...extra]);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/signs with keys that only it holds \(certified or served by .*\): send signs with the published stand-in certificates and key, which only the local dev server \(or the test receiver\) serves and trusts\. It sends .* requests only to a loopback address \(127\.0\.0\.1, localhost\), not to abc123\.execute-api\.eu-west-1\.amazonaws\.com\./);
    }
  });

  test('fails if PayPal has no --webhook-id or the App Store no --bundle-id, or if those flags are given for another provider (exit 2)', async () => {
    expect(await runSend(['paypal'])).toMatchObject({ code: 2, err: expect.stringContaining('PayPal signs its webhook id: give --webhook-id <the webhookId of your WebhookProvider.paypal()>.') });
    expect(await runSend(['app-store'])).toMatchObject({ code: 2, err: expect.stringContaining('App Store notifications carry the bundle id: give --bundle-id <the bundleId of your WebhookProvider.appStore()>.') });
    expect(await runSend(['stripe', '--secret', 'x', '--webhook-id', 'WH1'])).toMatchObject({ code: 2, err: '--webhook-id is for PayPal only.' });
    expect(await runSend(['paypal', '--webhook-id', 'WH1', '--bundle-id', 'x'])).toMatchObject({ code: 2, err: '--bundle-id is for Apple App Store Server Notifications V2 only.' });
    expect(await runSend(['app-store', '--bundle-id', 'x', '--app-apple-id', 'twelve'])).toMatchObject({ code: 2, err: '--app-apple-id must be a positive integer, got "twelve".' });
  });

  test('fails if the secrets file names another public key for a private-key provider, saying which to set', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'send-'));
    writeFileSync(path.join(cwd, '.webhook-secrets.json'), JSON.stringify({ discord: 'ab'.repeat(32) }));
    const result = await runSend(['discord'], { cwd });
    expect(result.code).toBe(1);
    expect(result.err).toContain(`Set "discord" to "${localTestSecret('discord')}"`);
  });

  test('fails if the dev server is not running, saying so (exit 1)', async () => {
    const closed = await loopback(() => ({ status: 200, body: '' }));
    await closed.close();
    const result = await runSend(['github', '--url', `${closed.url}/github`, '--secret', 'x']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/Could not reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });
});

describe('against the shipped verifier behind a loopback HTTP front', () => {
  const harnesses: Record<string, Harness> = {};
  let front: Awaited<ReturnType<typeof loopback>>;
  let current = 'github';

  const WEBHOOK_ID = '8PT597110X687430LKGECATA';
  const BUNDLE_ID = 'com.example.send';
  const overridden: Record<string, string | undefined> = {};

  beforeAll(async () => {
    // The front also answers as the dev server does as PayPal's certificate host and Plaid's key service, and the
    // verifier trusts the stand-ins through its test-only variables, as the dev server sets them.
    const verifier = verifierFront(() => harnesses[current]);
    front = await loopback((request) => {
      const standIn = answerAsProvider(request.method, new URL(request.url, 'http://x').pathname, request.body.toString('utf8'));
      return standIn ? { status: standIn.status, body: standIn.body } : verifier(request);
    });
    for (const [name, value] of Object.entries(localProviderOverrides(front.url))) {
      overridden[name] = process.env[name];
      process.env[name] = value;
    }
    harnesses.paypal = await providerHarness('paypal', { secret: 'unused', config: { certificates: { webhookId: WEBHOOK_ID } } });
    harnesses['app-store'] = await providerHarness('app-store', { secret: 'unused', config: { certificates: { claims: { bundleId: BUNDLE_ID, environment: 'Sandbox' } } } });
    harnesses.plaid = await providerHarness('plaid', { secret: localTestSecret('plaid')! });
    harnesses.github = await providerHarness('github', { secret: 'github-send-secret' });
    // Twilio signs its URL: the receiver's public URL is where send sends it, as the dev server sets it.
    harnesses.twilio = await providerHarness('twilio', { secret: 'twilio-send-token', publicUrl: `${front.url}/twilio` });
    harnesses.discord = await providerHarness('discord', { secret: localTestSecret('discord')! });
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(overridden)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await front.close();
  });

  test.each([
    ['paypal', ['--webhook-id', WEBHOOK_ID, '--event', 'CHECKOUT.ORDER.APPROVED'], 'WH-SEND-0001'],
    ['app-store', ['--bundle-id', BUNDLE_ID, '--environment', 'Sandbox'], '5b9f3d2a-0000-4000-8000-000000000001'],
    ['plaid', [], 'item-send-0001'],
  ])('send %s (signed with the published stand-ins): accepted by the shipped verifier and enqueued once; sent again, answered as a duplicate', async (provider, extra, id) => {
    // GIVEN the receiver of this provider, trusting the stand-ins served on the front's origin
    current = provider;

    // WHEN the sample is sent twice with the same delivery id, with no secret anywhere
    const first = await runSend([provider, '--url', `${front.url}/${provider}`, '--delivery-id', id, ...extra]);
    const second = await runSend([provider, '--url', `${front.url}/${provider}`, '--delivery-id', id, ...extra]);

    // THEN the first is accepted, the second is a duplicate, one event is queued (Plaid's keyed by the body's hash)
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(first.out).toMatch(/200 OK\n\{"ok":true,"code":"accepted"/);
    expect(second.out).toMatch(/200 OK\n\{"ok":true,"code":"duplicate"/);
    const messages = await harnesses[provider].messages();
    expect(messages).toHaveLength(1);
    expect(messages[0].deliveryId).toBe(provider === 'plaid' ? `sha256:${createHash('sha256').update(messages[0].body!).digest('hex')}` : id);
    if (provider === 'paypal') expect(messages[0].eventType).toBe('CHECKOUT.ORDER.APPROVED');
  });

  test.each([
    ['github', ['--secret', 'github-send-secret', '--event', 'pull_request']],
    ['twilio', ['--secret', 'twilio-send-token']],
    ['discord', []],
  ])('send %s: accepted and enqueued once; the same delivery id again is answered as a duplicate', async (provider, extra) => {
    // GIVEN the receiver of this provider
    current = provider;
    const id = provider === 'twilio' ? 'idem-send-twilio-1' : provider === 'github' ? '0b3a6f0e-0000-4000-8000-000000000001' : '1234567890123456789';

    // WHEN the sample is sent twice with the same delivery id
    const first = await runSend([provider, '--url', `${front.url}/${provider}`, '--delivery-id', id, ...extra]);
    const second = await runSend([provider, '--url', `${front.url}/${provider}`, '--delivery-id', id, ...extra]);

    // THEN the first is accepted and enqueued, the second is a duplicate, and one event is in the queue
    expect(first.out).toContain(`200 OK\n{"ok":true,"code":"accepted","deliveryId":"${id}"}`);
    expect(second.out).toMatch(/200 OK\n\{"ok":true,"code":"duplicate"/);
    const messages = await harnesses[provider].messages();
    expect(messages.map((m) => m.deliveryId)).toEqual([id]);
    if (provider === 'github') expect(messages[0].eventType).toBe('pull_request');
  });

  test('the bundled CLI (assets/cli/index.js) sends a GitHub sample the verifier accepts', async () => {
    // GIVEN the verifier's GitHub receiver
    current = 'github';

    // WHEN npx cdk-webhook-receiver send runs as users run it
    const result = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'send', 'github', '--url', `${front.url}/github`], {
        env: { PATH: process.env.PATH, WEBHOOK_SECRET_GITHUB: 'github-send-secret' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.on('data', (chunk) => (err += chunk));
      child.on('close', (code) => resolve({ code, out, err }));
    });

    // THEN it is accepted and exits 0; the help lists the command
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toMatch(/200 OK\n\{"ok":true,"code":"accepted"/);
    expect((await harnesses.github.messages()).length).toBe(1);
  });
});
