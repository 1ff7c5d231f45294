/**
 * `cdk-webhook-receiver dev`: runs the app's receivers on this machine (cli/dev/engine.ts), with no AWS account,
 * no Docker and no network beyond 127.0.0.1.
 */
import { existsSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { intFlag, parse, secondsFlag } from '../shared/args';
import type { Command } from '../shared/command';
import { findReceivers, synthesize, type ReceiverSpec } from '../dev/assembly';
import { checkNodeVersion } from '../dev/emulators';
import { startEngine, writeStdout, type DevEvent, type Engine } from '../dev/engine';
import { formatEvent, jsonEvent } from '../dev/output';
import { DEFAULT_SECRETS_FILE, secretLookup } from '../dev/secrets';

export const DEFAULT_PORT = 8790;
export const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 2;

const HELP = `Usage: npx cdk-webhook-receiver dev [options]

Runs every WebhookReceiver of the CDK app in this folder on this machine: the verifier the app synthesized,
your processor's code, and local stand-ins for DynamoDB (dynalite), SQS with the dead-letter queue (fauxqs)
and Secrets Manager, all on 127.0.0.1 (shipped in this package). Each delivery shows a line as it moves
(accepted, duplicate, rejected with its code; then processed, failed with your processor's error, moved to the
dead-letter queue). Needs Node.js >= 22.5.

Options:
  --app <dir>                the CDK app's folder, with its cdk.json (default: this folder)
  --out <dir>                the cloud assembly to write and read (default: <app>/cdk.out)
  --no-synth                 read the assembly in --out as it is, without running the app
  --port <n>                 the local port (default ${DEFAULT_PORT}; 0: any free port)
  --secrets <file>           the secrets file (default: <app>/${DEFAULT_SECRETS_FILE})
  --visibility-timeout <s>   the local queues' visibility timeout: how soon a failed event is received
                             again (default ${DEFAULT_VISIBILITY_TIMEOUT_SECONDS}; the deployed queue's is minutes)
  --no-watch                 do not synthesize again when the app's files change
  --print-forwarding         also print the stripe listen --forward-to line and a send line per provider
  --json                     one JSON object per line, for machines
  -h, --help                 this help

Secrets: WEBHOOK_SECRET_<PROVIDER> (WEBHOOK_SECRET_STRIPE), else the secrets file
({"stripe": "whsec_...", "github": "..."}; "<receiver path>/<provider>" for one receiver), else a generated
value saved in the secrets file (mode 0600). Values are never printed.
Processor changes: the app's files are watched; a change synthesizes the app again and the next batch runs
the new processor code (with --no-synth: when the assembly's manifest.json changes). Provider or receiver
changes need a restart.`;

export const dev: Command = {
  name: 'dev',
  summary: "run the app's receivers locally: real verifier, your processor, local DynamoDB, SQS and DLQ",
  help: HELP,
  async run(argv, io) {
    const flags = parse(argv, {
      app: { type: 'string' },
      out: { type: 'string' },
      'no-synth': { type: 'boolean' },
      port: { type: 'string' },
      secrets: { type: 'string' },
      'visibility-timeout': { type: 'string' },
      'no-watch': { type: 'boolean' },
      'print-forwarding': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (flags.help) {
      io.out.write(`${HELP}\n`);
      return 0;
    }
    checkNodeVersion(devHooks.nodeVersion());
    const appDir = path.resolve(flags.app ?? '.');
    const outDir = path.resolve(appDir, flags.out ?? 'cdk.out');
    const port = intFlag('port', flags.port, DEFAULT_PORT, 0, 65535)!;
    const visibility = secondsFlag('visibility-timeout', flags['visibility-timeout'], DEFAULT_VISIBILITY_TIMEOUT_SECONDS, 1, 43200);
    const secretsFile = path.resolve(appDir, flags.secrets ?? DEFAULT_SECRETS_FILE);
    const json = flags.json === true;
    const write = (text: string) => (io.out === process.stdout ? writeStdout(text) : io.out.write(text));
    const emit = (event: DevEvent) => {
      const line = json ? jsonEvent(event) : formatEvent(event);
      if (line !== undefined) write(`${line}\n`);
    };
    const say = (message: string) => (json ? write(`${JSON.stringify({ time: new Date().toISOString(), type: 'info', message })}\n`) : write(`${message}\n`));

    const synthOnce = async () => {
      say(`synthesizing the app in ${appDir} into ${outDir} ...`);
      await synthesize(appDir, outDir);
    };
    if (!flags['no-synth']) await synthOnce();
    const receivers = findReceivers(outDir);
    say(`found ${receivers.length} receiver${receivers.length === 1 ? '' : 's'}: ${receivers.map((r) => `${r.stack}/${r.path}`).join(', ')}`);
    const engine: Engine = await startEngine({
      receivers,
      port,
      secrets: secretLookup({ file: secretsFile, generate: true }),
      visibilityTimeoutSeconds: visibility,
      onEvent: emit,
    });
    say(`secrets file: ${secretsFile}`);
    const cli = cliInvocation();
    const secretsFlag = flags.secrets === undefined ? '' : ` --secrets ${secretsFile}`;
    for (const route of engine.routes) {
      say(`send a signed test event: ${cli} send ${route.provider} --url ${route.url}${secretsFlag}`);
    }
    if (flags['print-forwarding']) printForwarding(receivers, engine, say, `${cli} send`, secretsFlag);
    say('Ctrl-C stops the server and the stand-ins.');

    const watchers = flags['no-watch'] ? [] : watchApp(appDir, outDir, secretsFile, !flags['no-synth'], async () => {
      try {
        if (!flags['no-synth']) await synthOnce();
        engine.reload(findReceivers(outDir));
      } catch (error) {
        say(`the app changed but could not be synthesized again: ${(error as Error).message}`);
      }
    });

    await new Promise<void>((resolve) => {
      const stopListening = io.onInterrupt(() => resolve());
      const onTerm = () => resolve();
      process.once('SIGTERM', onTerm);
      devHooks.started?.(engine, () => {
        stopListening();
        process.removeListener('SIGTERM', onTerm);
        resolve();
      });
    });
    say('stopping ...');
    for (const w of watchers) w.close();
    await engine.stop();
    say('stopped.');
    return 0;
  },
};

/**
 * How the user ran this tool, for the lines it prints: `npx cdk-webhook-receiver` when installed in a project, else
 * `node <path of the CLI bundle>` (a clone of this repository: `npm run dev`).
 */
function cliInvocation(): string {
  const script = process.argv[1];
  if (!script || script.split(path.sep).includes('node_modules') || !/index\.js$/.test(script)) return 'npx cdk-webhook-receiver';
  const relative = path.relative(process.cwd(), script);
  return `node ${relative.startsWith('..') ? script : relative}`;
}

/** Test seams: the Node.js version to check (a fake one in tests), and a hook when the server runs. */
export const devHooks: { nodeVersion: () => string; started?: (engine: Engine, stop: () => void) => void } = {
  nodeVersion: () => process.version,
};

function printForwarding(receivers: ReceiverSpec[], engine: Engine, say: (m: string) => void, send: string, secretsFlag: string): void {
  for (const route of engine.routes) {
    const spec = receivers.find((r) => r.path === route.receiver);
    const kind = Object.values<{ id?: string; kind?: string }>(spec?.verifier.config.providers ?? {}).find((p) => (p.id ?? '') === route.provider)?.kind ?? route.provider;
    if (kind === 'stripe') {
      say(`stripe: stripe listen --forward-to ${route.url}   (then put the secret that stripe listen --print-secret shows in the secrets file as "${route.provider}")`);
    } else {
      say(`${route.provider}: ${route.url}   (a provider on the internet reaches it through a tunnel, e.g. cloudflared tunnel --url ${new URL(route.url).origin})`);
    }
    say(`${route.provider}: ${send} ${route.provider} --url ${route.url}${secretsFlag}`);
  }
}

/**
 * Watches the app's own files (not node_modules, dot folders or the assembly) and calls `changed` once things
 * settle; with `synth` false, only the assembly's manifest.
 */
function watchApp(appDir: string, outDir: string, secretsFile: string, synth: boolean, changed: () => Promise<void>): FSWatcher[] {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const trigger = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      await changed();
      running = false;
      if (again) {
        again = false;
        trigger();
      }
    }, 400);
  };
  const watchers: FSWatcher[] = [];
  const add = (target: string, recursive: boolean) => {
    try {
      watchers.push(watch(target, { recursive }, trigger));
    } catch {
      // A file gone between listing and watching: nothing to watch.
    }
  };
  if (!synth) {
    if (existsSync(outDir)) add(path.join(outDir, 'manifest.json'), false);
    return watchers;
  }
  for (const entry of readdirSync(appDir, { withFileTypes: true })) {
    const full = path.join(appDir, entry.name);
    if (entry.name.startsWith('.') || entry.name === 'node_modules' || full === outDir || full === secretsFile || /^cdk\.out/.test(entry.name)) continue;
    add(full, entry.isDirectory());
  }
  return watchers;
}
