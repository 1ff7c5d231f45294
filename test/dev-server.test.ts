/**
 * `npx cdk-webhook-receiver dev` on the example app (bin/app.ts and its processor), run as a user runs it: the
 * shipped CLI bundle (assets/cli/index.js) in a child process, on loopback, port 0 (any free port), `--json`.
 * Signatures come from the providers' own packages: `stripe` (generateTestHeaderString) and
 * `@octokit/webhooks-methods` (sign), with the secrets the dev server generated in its secrets file.
 *
 * The second start reads the same assembly (`--no-synth`), with the processor asset replaced by one that throws
 * for one Stripe event type (a user's processor built on the shipped runtime, dist/runtime), to watch that event go
 * to the dead-letter queue after maxReceiveCount receives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import Stripe from 'stripe';
import { AppStoreEnvironment, WebhookProvider, WebhookReceiver } from '../lib';
import { main } from '../cli/index';
import { devHooks } from '../cli/commands/dev';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'assets', 'cli', 'index.js');

interface DevProcess {
  readonly child: ChildProcess;
  /** Every JSON line so far. */
  readonly events: any[];
  /** Everything written to stdout and stderr. */
  output(): string;
  /** Resolves with the first event that matches, waiting up to `ms`. */
  waitFor(match: (event: any) => boolean, ms?: number): Promise<any>;
}

function startDev(args: string[]): DevProcess {
  const child = spawn(process.execPath, [CLI, 'dev', '--json', '--port', '0', '--no-watch', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  const events: any[] = [];
  let text = '';
  let pending = '';
  const waiters: Array<{ match: (e: any) => boolean; resolve: (e: any) => void }> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk;
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let event: any;
      try {
        event = JSON.parse(line);
      } catch {
        continue;
      }
      events.push(event);
      for (const w of [...waiters]) {
        if (w.match(event)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event);
        }
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk));
  return {
    child,
    events,
    output: () => text,
    waitFor(match, ms = 60_000) {
      const found = events.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting; output so far:\n${text}`)), ms);
        waiters.push({
          match,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
        child.once('exit', (code) => reject(new Error(`dev exited with ${code}:\n${text}`)));
      });
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopWithSigint(dev: DevProcess, listening: any): Promise<void> {
  const exited = new Promise<number | null>((resolve) => dev.child.once('exit', (code) => resolve(code)));
  dev.child.kill('SIGINT');
  expect(await exited).toBe(0);
  const port = Number(new URL(listening.url).port);
  // THEN nothing is left: not the CLI, not its stand-ins' process, not the port.
  expect(alive(dev.child.pid!)).toBe(false);
  for (let i = 0; i < 20 && alive(listening.standInsPid); i++) await new Promise((r) => setTimeout(r, 100));
  expect(alive(listening.standInsPid)).toBe(false);
  expect(await portOpen(port)).toBe(false);
}

/** Runs the bundled CLI as a user does; resolves to its exit code and stdout (stderr appended). */
function runCli(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (chunk) => (out += chunk));
    child.stderr!.on('data', (chunk) => (out += chunk));
    child.on('close', (code) => resolve({ code, out }));
  });
}

function post(url: string, headers: Record<string, string>, body: string) {
  return fetch(url, { method: 'POST', headers, body }).then(async (r) => ({ status: r.status, body: await r.json() }));
}

const stripe = new Stripe('sk_test_dev_server');
const stripeEvent = (id: string, type: string) => JSON.stringify({ id, object: 'event', type, data: { object: { id: `cs_${id}` } } });

describe('npx cdk-webhook-receiver dev on the example app', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'dev-server-'));
  const out = path.join(work, 'cdk.out');
  const secretsFile = path.join(work, 'secrets.json');
  let octokitSign: (secret: string, payload: string) => Promise<string>;

  beforeAll(async () => {
    ({ sign: octokitSign } = await import('@octokit/webhooks-methods'));
  });

  test('verifies, deduplicates, rejects, processes once; SIGINT leaves nothing behind; a second start works and a failing event reaches the DLQ', async () => {
    // GIVEN the dev server started on the example app (it synthesizes the app)
    const dev = startDev(['--out', out, '--secrets', secretsFile]);
    const listening = await dev.waitFor((e) => e.type === 'listening', 90_000);
    const routes = Object.fromEntries(dev.events.filter((e) => e.type === 'route').map((e) => [e.provider, e.url]));
    expect(Object.keys(routes).sort()).toEqual(['github', 'stripe']);
    const secrets = JSON.parse(readFileSync(secretsFile, 'utf8'));
    expect(statSync(secretsFile).mode & 0o077).toBe(0);

    // WHEN a Stripe event signed by the stripe package, a GitHub event signed by @octokit/webhooks-methods, a
    // duplicate of the Stripe event and a tampered one arrive
    const payload = stripeEvent('evt_dev_1', 'checkout.session.completed');
    const stripeHeaders = { 'Content-Type': 'application/json', 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload, secret: secrets.stripe }) };
    const first = await post(routes.stripe, stripeHeaders, payload);
    const githubBody = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'acme/shop' } });
    const github = await post(
      routes.github,
      {
        'Content-Type': 'application/json',
        'X-GitHub-Event': 'push',
        'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        'X-Hub-Signature-256': await octokitSign(secrets.github, githubBody),
      },
      githubBody,
    );
    const duplicate = await post(routes.stripe, stripeHeaders, payload);
    const tampered = await post(routes.stripe, stripeHeaders, payload.replace('checkout.session.completed', 'checkout.session.expired'));

    // THEN the answers are the verifier's
    expect(first).toEqual({ status: 200, body: expect.objectContaining({ code: 'accepted', deliveryId: 'evt_dev_1' }) });
    expect(github).toEqual({ status: 200, body: expect.objectContaining({ code: 'accepted', deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958' }) });
    expect(duplicate).toEqual({ status: 200, body: expect.objectContaining({ code: 'duplicate' }) });
    expect(tampered).toEqual({ status: 401, body: expect.objectContaining({ error: 'signature_mismatch' }) });
    // AND each event is processed by the example processor, once
    await dev.waitFor((e) => e.type === 'processed' && e.deliveryId === 'evt_dev_1');
    await dev.waitFor((e) => e.type === 'processed' && e.deliveryId === '72d3162e-cc78-11e3-81ab-4c9367dc0958');
    await dev.waitFor((e) => e.type === 'status' && e.queued === 0 && e.inFlight === 0);
    await new Promise((r) => setTimeout(r, 2500)); // longer than the visibility timeout: a second run would show
    expect(dev.events.filter((e) => e.type === 'processed').map((e) => `${e.provider} ${e.deliveryId} ${e.eventType}`).sort()).toEqual([
      'github 72d3162e-cc78-11e3-81ab-4c9367dc0958 push',
      'stripe evt_dev_1 checkout.session.completed',
    ]);
    // (the example processor's own log lines, shown as logs)
    expect(dev.events.filter((e) => e.type === 'log' && /"stripe event"/.test(e.line))).toHaveLength(1);
    expect(dev.events.filter((e) => e.type === 'log' && /"github event"/.test(e.line))).toHaveLength(1);
    // AND the output has one line per delivery with its verdict
    expect(dev.events.filter((e) => e.type === 'delivery').map((e) => `${e.provider} ${e.deliveryId ?? '-'} ${e.verdict} ${e.status} ${e.code}`)).toEqual([
      'stripe evt_dev_1 accepted 200 accepted',
      'github 72d3162e-cc78-11e3-81ab-4c9367dc0958 accepted 200 accepted',
      'stripe evt_dev_1 duplicate 200 duplicate',
      'stripe - rejected 401 signature_mismatch',
    ]);

    // WHEN Ctrl-C
    await stopWithSigint(dev, listening);

    // GIVEN a processor that throws for one event type (the user's asset in the same assembly), read again as is
    const processorDir = readdirSync(out)
      .map((d) => path.join(out, d))
      .find((d) => d.includes('asset.') && readdirSync(d).includes('index.js') && !readdirSync(d).includes('config.json'))!;
    writeFileSync(
      path.join(processorDir, 'index.js'),
      `const { webhookProcessor } = require(${JSON.stringify(path.join(ROOT, 'dist', 'runtime', 'index.js'))});
exports.handler = webhookProcessor(async (event) => {
  if (event.eventType === 'invoice.payment_failed') throw new Error('no invoices here: ' + event.deliveryId);
});
`,
    );
    const again = startDev(['--out', out, '--secrets', secretsFile, '--no-synth', '--visibility-timeout', '1']);
    const listeningAgain = await again.waitFor((e) => e.type === 'listening');
    const url = again.events.find((e) => e.type === 'route' && e.provider === 'stripe').url;
    // WHEN a good event and a failing one arrive
    for (const [id, type] of [
      ['evt_dev_ok', 'customer.created'],
      ['evt_dev_bad', 'invoice.payment_failed'],
    ]) {
      const body = stripeEvent(id, type);
      const answer = await post(url, { 'Content-Type': 'application/json', 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret: secrets.stripe }) }, body);
      expect(answer.status).toBe(200);
    }
    // THEN the failing one fails maxReceiveCount (5) times with the processor's error, then rests in the DLQ
    const moved = await again.waitFor((e) => e.type === 'dead-lettered', 60_000);
    expect(moved).toEqual(expect.objectContaining({ provider: 'stripe', deliveryId: 'evt_dev_bad', eventType: 'invoice.payment_failed', receiveCount: 5 }));
    const failures = again.events.filter((e) => e.type === 'failed');
    expect(failures.map((e) => e.receiveCount)).toEqual([1, 2, 3, 4, 5]);
    expect(failures.every((e) => e.deliveryId === 'evt_dev_bad' && e.error === 'no invoices here: evt_dev_bad' && e.maxReceiveCount === 5)).toBe(true);
    await again.waitFor((e) => e.type === 'status' && e.deadLettered === 1 && e.queued === 0 && e.inFlight === 0);
    expect(again.events.filter((e) => e.type === 'processed').map((e) => e.deliveryId)).toEqual(['evt_dev_ok']);
    await stopWithSigint(again, listeningAgain);

    // AND no secret value ever appeared in the output
    for (const value of Object.values<string>(secrets)) {
      expect(dev.output()).not.toContain(value);
      expect(again.output()).not.toContain(value);
    }
  }, 150_000);

  test('PayPal, the App Store and Plaid, sent by the bundled `send` with the published stand-ins, are verified and processed once; SIGINT leaves nothing behind', async () => {
    // GIVEN an app with the three providers (and a processor built on the shipped runtime), synthesized, and the dev
    // server started on it with no secrets file: Plaid's secret is generated (credentials for the local key service)
    const app = new App({ outdir: path.join(work, 'stand-ins.out') });
    const stack = new Stack(app, 'StandIns');
    const code = path.join(work, 'stand-ins-processor');
    mkdirSync(code);
    writeFileSync(
      path.join(code, 'index.js'),
      `const { webhookProcessor } = require(${JSON.stringify(path.join(ROOT, 'dist', 'runtime', 'index.js'))});\nexports.handler = webhookProcessor(async () => {});\n`,
    );
    const processor = new lambda.Function(stack, 'Processor', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromAsset(code) });
    new WebhookReceiver(stack, 'Receiver', {
      processor,
      providers: [
        WebhookProvider.paypal({ webhookId: '8PT597110X687430LKGECATA' }),
        WebhookProvider.appStore({ bundleId: 'com.example.dev', environment: AppStoreEnvironment.SANDBOX }),
        WebhookProvider.plaid({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'PlaidSecret', 'webhooks/plaid') }),
      ],
    });
    app.synth();
    const secrets = path.join(work, 'stand-ins-secrets.json');
    const dev = startDev(['--no-synth', '--out', path.join(work, 'stand-ins.out'), '--secrets', secrets]);
    const listening = await dev.waitFor((e) => e.type === 'listening', 60_000);
    const routes = Object.fromEntries(dev.events.filter((e) => e.type === 'route').map((e) => [e.provider, e.url]));
    expect(Object.keys(routes).sort()).toEqual(['app-store', 'paypal', 'plaid']);
    expect(dev.events.filter((e) => e.type === 'secret').map((e) => `${e.provider} ${e.source}`)).toEqual(['plaid generated']);

    // WHEN the bundled CLI sends each provider's sample to its local URL (no secret given anywhere)
    const sent: Record<string, { code: number | null; out: string }> = {};
    for (const [provider, extra] of [['paypal', ['--webhook-id', '8PT597110X687430LKGECATA']], ['app-store', ['--bundle-id', 'com.example.dev']], ['plaid', []]] as const) {
      sent[provider] = await runCli(['send', provider, '--url', routes[provider], ...extra], work);
    }

    // THEN each is accepted and processed once by the processor
    for (const provider of ['paypal', 'app-store', 'plaid']) {
      expect(sent[provider]).toMatchObject({ code: 0, out: expect.stringMatching(/200 OK\n\{"ok":true,"code":"accepted"/) });
      await dev.waitFor((e) => e.type === 'processed' && e.provider === provider, 30_000);
    }
    // AND a tampered PayPal request (a replayed signature over another body) is refused
    const printed = await runCli(['send', 'paypal', '--url', routes.paypal, '--webhook-id', '8PT597110X687430LKGECATA', '--print'], work);
    const headers = Object.fromEntries([...printed.out.matchAll(/-H '([^:]+): ([^']*)'/g)].map((m) => [m[1], m[2]]));
    const body = /--data-binary '([^']*)'/.exec(printed.out)![1];
    expect(await post(routes.paypal, headers, body)).toEqual({ status: 200, body: expect.objectContaining({ code: 'accepted' }) });
    expect((await post(routes.paypal, headers, body.replace('42.00', '99.00'))).status).toBe(401);
    expect(dev.events.filter((e) => e.type === 'delivery').map((e) => `${e.provider} ${e.verdict} ${e.status}`)).toEqual([
      'paypal accepted 200',
      'app-store accepted 200',
      'plaid accepted 200',
      'paypal accepted 200',
      'paypal rejected 401',
    ]);

    // AND each accepted event was processed exactly once
    const processed = () => dev.events.filter((e) => e.type === 'processed').map((e) => e.provider).sort();
    for (let i = 0; i < 100 && processed().length < 4; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 2500)); // longer than the visibility timeout (2 s): a second run would show
    expect(processed()).toEqual(['app-store', 'paypal', 'paypal', 'plaid']);

    // WHEN Ctrl-C: the stand-ins served on the dev server's origin go with it
    await stopWithSigint(dev, listening);
  }, 120_000);

  test('fails with a clear message on a Node.js older than 22.5 (a fake version check)', async () => {
    // GIVEN a Node.js 20 as the dev command sees it
    const original = devHooks.nodeVersion;
    devHooks.nodeVersion = () => 'v20.20.2';
    let err = '';
    const io = {
      out: { write: () => true } as unknown as NodeJS.WritableStream,
      err: { write: (t: string) => ((err += t), true) } as unknown as NodeJS.WritableStream,
      now: () => Date.now(),
      onInterrupt: () => () => undefined,
    };
    try {
      // WHEN the command starts
      const code = await main(['dev', '--app', ROOT], io);
      // THEN it stops at once and says what to do
      expect(code).toBe(1);
      expect(err).toMatch(/needs Node\.js 22\.5\.0 or later; this is Node\.js v20\.20\.2/);
      expect(err).toMatch(/Install Node\.js 24/);
    } finally {
      devHooks.nodeVersion = original;
    }
  });
});
