/**
 * The local receiver's engine beyond the example app: a URL-signing provider verified against the local URL
 * (signed by the `twilio` package), processor code picked up without a restart (the shipped CLI, `--no-synth`,
 * the assembly's manifest touched), the secrets' sources, and the errors a user can cause.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import Stripe from 'stripe';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { main } from '../cli/index';
import { localTestSecret } from '../testing';
import { secretEnvName, secretLookup } from '../cli/dev/secrets';
import { webhookProcessor } from '../lambda/runtime';
import { WebhookProvider, WebhookReceiver } from '../lib';
import { startTestReceiver } from '../testing';

const ROOT = path.join(__dirname, '..');

function fakeIo() {
  let out = '';
  let err = '';
  return {
    io: {
      out: { write: (t: string) => ((out += t), true) } as unknown as NodeJS.WritableStream,
      err: { write: (t: string) => ((err += t), true) } as unknown as NodeJS.WritableStream,
      now: () => Date.now(),
      onInterrupt: () => () => undefined,
    },
    out: () => out,
    err: () => err,
  };
}

describe('URL-signing providers', () => {
  test('Twilio verifies against the local URL: signed for it, accepted and processed; signed for the deployed URL, rejected', async () => {
    // GIVEN a receiver of Twilio (its auth token is the secret) and a processor
    const token = 'twilio_auth_token_test_only_0123';
    const seen: string[] = [];
    const receiver = await startTestReceiver({
      providers: ['twilio'],
      processor: webhookProcessor(async (event) => {
        seen.push(event.provider);
      }),
      secrets: { twilio: token },
    });
    try {
      const url = receiver.routes.find((r) => r.provider === 'twilio')!.url;
      const params = { AccountSid: 'AC123', CallSid: 'CA123', CallStatus: 'completed' };
      const body = new URLSearchParams(params).toString();
      const post = (signedUrl: string) =>
        fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': getExpectedTwilioSignature(token, signedUrl, params) },
          body,
        });
      // WHEN Twilio's own signature is over the local URL (over HTTP, as a tunnel would forward it)
      const local = await post(url);
      // AND another over the URL it would have in AWS
      const deployed = await post('https://abc123.execute-api.us-east-1.amazonaws.com/webhooks/twilio');
      await receiver.idle();
      // THEN the first is accepted and processed, the second refused
      expect(local.status).toBe(200);
      expect(deployed.status).toBe(401);
      expect(seen).toEqual(['twilio']);
    } finally {
      await receiver.stop();
    }
  });
});

describe('S3', () => {
  test('a receiver with a raw archive gets its bucket in the local S3: the request is archived there, the event processed', async () => {
    // GIVEN a receiver built with an archive (your construct code, through `build`)
    const secret = 'whsec_archive_test_only';
    const seen: string[] = [];
    const receiver = await startTestReceiver({
      build: (stack, processor) => {
        new WebhookReceiver(stack, 'Payments', {
          providers: [WebhookProvider.stripe({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'webhooks/stripe') })],
          processor,
          archive: {},
        });
      },
      processor: webhookProcessor(async (event) => {
        seen.push(event.deliveryId);
      }),
      secrets: { stripe: secret },
    });
    try {
      // WHEN a signed event is delivered
      const body = JSON.stringify({ id: 'evt_archived', object: 'event', type: 'customer.created', data: { object: { id: 'cus_1' } } });
      const answer = await receiver.deliver({
        provider: 'stripe',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': new Stripe('sk_test_archive').webhooks.generateTestHeaderString({ payload: body, secret }) },
        body,
      });
      await receiver.idle();
      // THEN it is accepted and processed, and the archive holds one object in the local S3
      expect(answer.status).toBe(200);
      expect(seen).toEqual(['evt_archived']);
      const s3 = new S3Client({ region: 'us-east-1', endpoint: process.env.AWS_ENDPOINT_URL_S3, forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      const { ListBucketsCommand } = await import('@aws-sdk/client-s3');
      const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
      expect(buckets).toHaveLength(1);
      const objects = await s3.send(new ListObjectsV2Command({ Bucket: buckets[0].Name! }));
      expect(objects.KeyCount).toBe(1);
      s3.destroy();
    } finally {
      await receiver.stop();
    }
  });
});

describe('processor changes without a restart', () => {
  test('with --no-synth, a new processor asset is loaded when the assembly changes', async () => {
    // GIVEN an app synthesized with a processor asset that logs "v1"
    const work = mkdtempSync(path.join(tmpdir(), 'dev-reload-'));
    const code = path.join(work, 'processor');
    mkdirSync(code);
    const runtime = JSON.stringify(path.join(ROOT, 'dist', 'runtime', 'index.js'));
    const version = (v: string) =>
      `const { webhookProcessor } = require(${runtime});\nexports.handler = webhookProcessor(async (event) => { console.log('processor ${v} ' + event.deliveryId); });\n`;
    writeFileSync(path.join(code, 'index.js'), version('v1'));
    const app = new App({ outdir: path.join(work, 'cdk.out') });
    const stack = new Stack(app, 'Reload');
    const processor = new lambda.Function(stack, 'Processor', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromAsset(code) });
    new WebhookReceiver(stack, 'Payments', { providers: [WebhookProvider.stripe({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'webhooks/stripe') })], processor });
    app.synth();
    const out = path.join(work, 'cdk.out');
    const secret = 'whsec_reload_test_only';
    writeFileSync(path.join(work, 'secrets.json'), JSON.stringify({ stripe: secret }));

    const child = spawn(process.execPath, [path.join(ROOT, 'assets', 'cli', 'index.js'), 'dev', '--no-synth', '--out', out, '--port', '0', '--json', '--secrets', path.join(work, 'secrets.json')], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: any[] = [];
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk;
      events.length = 0;
      for (const line of text.split('\n')) {
        try {
          events.push(JSON.parse(line));
        } catch {
          // a partial line
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (text += chunk));
    const waitFor = async (match: (e: any) => boolean) => {
      for (let i = 0; i < 300; i++) {
        const found = events.find(match);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out; output:\n${text}`);
    };
    const stripe = new Stripe('sk_test_reload');
    const send = async (id: string) => {
      const body = JSON.stringify({ id, object: 'event', type: 'customer.created', data: { object: { id: 'cus_1' } } });
      const url = (await waitFor((e) => e.type === 'route')).url;
      const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret }) }, body });
      expect(r.status).toBe(200);
    };
    try {
      await waitFor((e) => e.type === 'listening');
      await send('evt_reload_1');
      await waitFor((e) => e.type === 'log' && /processor v1 evt_reload_1/.test(e.line));
      // WHEN the processor's asset changes and the assembly is written again (as a new cdk synth does)
      const assetDir = readdirSync(out).map((d) => path.join(out, d)).find((d) => statSync(d).isDirectory() && readFileSync(path.join(d, 'index.js'), 'utf8').includes('processor v1'))!;
      writeFileSync(path.join(assetDir, 'index.js'), version('v2'));
      const now = new Date();
      utimesSync(path.join(out, 'manifest.json'), now, now);
      writeFileSync(path.join(out, 'manifest.json'), readFileSync(path.join(out, 'manifest.json')));
      await waitFor((e) => e.type === 'reloaded');
      await send('evt_reload_2');
      // THEN the next event runs the new code, with no restart
      await waitFor((e) => e.type === 'log' && /processor v2 evt_reload_2/.test(e.line));
      expect(events.filter((e) => e.type === 'log' && /processor v1 evt_reload_2/.test(e.line))).toEqual([]);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
  }, 90_000);
});

describe('an ES module processor', () => {
  test('a handler in index.mjs is loaded with import() and runs on the batch', async () => {
    // GIVEN an app whose processor asset is an ES module
    const work = mkdtempSync(path.join(tmpdir(), 'dev-esm-'));
    const code = path.join(work, 'processor');
    mkdirSync(code);
    writeFileSync(path.join(code, 'index.mjs'), "export const handler = async (event) => { console.log('esm processor ' + event.Records.length + ' ' + import.meta.url.startsWith('file:')); return { batchItemFailures: [] }; };\n");
    const app = new App({ outdir: path.join(work, 'cdk.out') });
    const stack = new Stack(app, 'Esm');
    const processor = new lambda.Function(stack, 'Processor', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromAsset(code) });
    new WebhookReceiver(stack, 'Payments', { providers: [WebhookProvider.stripe({ secret: secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'webhooks/stripe') })], processor });
    app.synth();
    const secret = 'whsec_esm_test_only';
    writeFileSync(path.join(work, 'secrets.json'), JSON.stringify({ stripe: secret }));
    const child = spawn(process.execPath, [path.join(ROOT, 'assets', 'cli', 'index.js'), 'dev', '--no-synth', '--no-watch', '--out', path.join(work, 'cdk.out'), '--port', '0', '--json', '--secrets', path.join(work, 'secrets.json')], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk));
    const events = () => text.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
    const waitFor = async (match: (e: any) => boolean) => {
      for (let i = 0; i < 300; i++) {
        const found = events().find(match);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out; output:\n${text}`);
    };
    try {
      const url = (await waitFor((e) => e.type === 'route')).url;
      await waitFor((e) => e.type === 'listening');
      // WHEN a signed event arrives
      const body = JSON.stringify({ id: 'evt_esm', object: 'event', type: 'customer.created', data: { object: { id: 'cus_1' } } });
      const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': new Stripe('sk_test_esm').webhooks.generateTestHeaderString({ payload: body, secret }) }, body });
      expect(r.status).toBe(200);
      // THEN the ES module handler ran on it, and it is processed
      await waitFor((e) => e.type === 'log' && e.line === 'esm processor 1 true');
      await waitFor((e) => e.type === 'processed' && e.deliveryId === 'evt_esm');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
  }, 60_000);
});

describe('secrets', () => {
  test('the environment wins over the file, a receiver-qualified key over a provider key; a missing one is generated into the file, mode 0600', () => {
    // GIVEN a secrets file and an environment variable
    const dir = mkdtempSync(path.join(tmpdir(), 'dev-secrets-'));
    const file = path.join(dir, '.webhook-secrets.json');
    writeFileSync(file, JSON.stringify({ stripe: 'whsec_file', 'Billing/Payments/stripe': { secret: 'whsec_qualified' }, github: 'gh_file' }));
    const lookup = secretLookup({ file, env: { [secretEnvName('github')]: 'gh_env' }, generate: true });
    // THEN each comes from where it should
    expect(secretEnvName('my-provider.v2')).toBe('WEBHOOK_SECRET_MY_PROVIDER_V2');
    expect(lookup.get('Payments', 'stripe')).toEqual({ value: 'whsec_file', source: 'file' });
    expect(lookup.get('Billing/Payments', 'stripe')).toEqual({ value: 'whsec_qualified', source: 'file' });
    expect(lookup.get('Payments', 'github')).toEqual({ value: 'gh_env', source: 'environment' });
    // AND a provider with none gets a generated value, saved for a signer to read
    const generated = lookup.get('Payments', 'shopify');
    expect(generated.source).toBe('generated');
    expect(generated.value).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(JSON.parse(readFileSync(file, 'utf8')).shopify).toBe(generated.value);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // AND a provider that signs with its own private key gets the local test key pair's public key, which `send`
    // and signRequest sign for
    const discord = lookup.get('Payments', 'discord', 'discord');
    expect(discord).toEqual({ value: localTestSecret('discord'), source: 'generated' });
    expect(JSON.parse(readFileSync(file, 'utf8')).discord).toBe(localTestSecret('discord'));
  });

  test('fails if the secrets file is not JSON, without quoting it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dev-secrets-'));
    const file = path.join(dir, 'secrets.json');
    writeFileSync(file, '{"stripe": "whsec_do_not_print_me",');
    expect(() => secretLookup({ file, env: {}, generate: true }).get('Payments', 'stripe')).toThrow(/secrets\.json is not valid JSON \(SyntaxError\)/);
    try {
      secretLookup({ file, env: {}, generate: true }).get('Payments', 'stripe');
    } catch (error) {
      expect((error as Error).message).not.toContain('whsec_do_not_print_me');
    }
  });

  test('fails if a secret is missing and may not be generated (the test kit), naming where to put it', () => {
    expect(() => secretLookup({ env: {}, generate: false, given: {} }).get('Receiver', 'stripe')).toThrow(/No secret for provider stripe of receiver Receiver: set WEBHOOK_SECRET_STRIPE/);
  });
});

describe('errors a user can cause', () => {
  test('fails if --no-synth reads a folder that is not a cloud assembly', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dev-empty-'));
    const { io, err } = fakeIo();
    expect(await main(['dev', '--no-synth', '--out', dir], io)).toBe(1);
    expect(err()).toMatch(/is not a cloud assembly \(no manifest\.json\)/);
  });

  test('fails if the folder has no cdk.json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dev-empty-'));
    const { io, err } = fakeIo();
    expect(await main(['dev', '--app', dir], io)).toBe(1);
    expect(err()).toMatch(/No cdk\.json in .*: run the command in your CDK app's folder/);
  });

  test('fails if --port is not a port', async () => {
    const { io, err } = fakeIo();
    expect(await main(['dev', '--port', '70000', '--app', ROOT], io)).toBe(2);
    expect(err()).toMatch(/--port must be a whole number from 0 to 65535, got "70000"/);
  });

  test('fails if startTestReceiver gets no processor function, or no way to build the receiver', async () => {
    await expect(startTestReceiver({ providers: ['stripe'], secrets: {} } as never)).rejects.toThrow(/`processor` must be your processor function/);
    await expect(startTestReceiver({ processor: async () => undefined, secrets: {} })).rejects.toThrow(/give exactly one of `providers`/);
    await expect(startTestReceiver({ providers: ['nope'], processor: async () => undefined, secrets: {} })).rejects.toThrow(/"nope" is not a catalog provider/);
  });
});
