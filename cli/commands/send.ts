/**
 * `cdk-webhook-receiver send <provider>`: signs the provider's sample event (`testing/sign.ts`, the same signers as
 * `cdk-webhook-receiver/testing`) with the secret the receiver holds, sends it, and prints the answer. By default to
 * the local dev server (`http://127.0.0.1:8790/<provider>`) with the secret from its `.webhook-secrets.json`; with
 * `--url` and `--secret` to a deployed receiver too.
 *
 * Providers that sign with their own private key (Discord, SendGrid, Telnyx) are signed with the local test key pair,
 * which only a local receiver trusts: `send` refuses to send them anywhere but a loopback address. So are PayPal, the
 * App Store and Plaid, signed with the published stand-in certificates and key that the dev server serves and trusts.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CATALOG } from '../../catalog/providers';
import { localTestSecret, sampleEventTypes, signRequest, signsWithPrivateKey } from '../../testing/sign';
import type { Command } from '../shared/command';
import { CommandError, UsageError, type Io } from '../shared/io';

/** The dev server's default port (its `--port`). */
export const DEV_SERVER_PORT = 8790;
const SECRETS_FILE = '.webhook-secrets.json';
const TIMEOUT_MS = 30_000;

/** `text` cut at spaces into lines of at most `width` characters, each after `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

const HELP = `Usage: npx cdk-webhook-receiver send <provider> [--event <type>] [--url <url>] [--secret <value> | --secrets-file <file>]

Signs a realistic sample event of a catalog provider, as the provider signs it, and sends it: by default to the local
dev server (npx cdk-webhook-receiver dev), also to a deployed receiver. Prints the HTTP status and the answer.

  <provider>               a catalog provider:
${wrap(Object.keys(CATALOG).join(', '), 90, '                           ')}
  --event <type>           the event type (default: the sample's first; --list-events shows the known ones)
  --url <url>              where to send it (default: http://127.0.0.1:${DEV_SERVER_PORT}/<id>, the dev server's URL).
                           Providers that sign their URL (Twilio, Square, HubSpot, Plivo, Contentful) sign this
                           one: it must be the receiver's public URL for the provider
  --id <id>                the provider's id in the receiver, if not the catalog name (default: <provider>); names
                           the secret and the default URL's path
  --secret <value>         the secret the receiver holds for the provider (as its Secrets Manager secret holds it)
  --secrets-file <file>    read it from this file (default: ${SECRETS_FILE} in the current folder, the dev server's);
                           environment variable WEBHOOK_SECRET_<ID> wins over the file
  --webhook-id <id>        PayPal: the webhookId of your WebhookProvider.paypal() (PayPal signs it)
  --bundle-id <id>         App Store: the bundleId of your WebhookProvider.appStore()
  --environment <env>      App Store: Sandbox or Production, as configured (default: Sandbox)
  --app-apple-id <n>       App Store: the appAppleId configured for Production (default: 1234567890)
  --delivery-id <id>       the delivery id (default: a fresh one; repeat one to see a duplicate answered as such)
  --print                  print the signed request as a curl command instead of sending it
  --list-events            print the sample's known event types and exit
  -h, --help               this help

Discord, SendGrid and Telnyx sign with their own private key: send signs them with the local test key pair
(cdk-webhook-receiver/testing localTestKeyPair), which the dev server trusts and a deployed receiver never should, so
they are sent only to a loopback address. PayPal, the App Store and Plaid likewise: send signs them with the published
stand-in certificates and key (localPayPalCertificate, localAppleChain, localPlaidKey), which the dev server serves
and trusts; only to a loopback address. The secret is never printed.
Exit codes: 0 answered 2xx, 1 answered otherwise or not reached, 2 bad command line.`;

const FLAGS = {
  event: { type: 'string' },
  url: { type: 'string' },
  id: { type: 'string' },
  secret: { type: 'string' },
  'secrets-file': { type: 'string' },
  secrets: { type: 'string' },
  'delivery-id': { type: 'string' },
  'webhook-id': { type: 'string' },
  'bundle-id': { type: 'string' },
  environment: { type: 'string' },
  'app-apple-id': { type: 'string' },
  'list-events': { type: 'boolean' },
  print: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Whether `hostname` is this machine: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The environment variable that holds a provider's secret: `WEBHOOK_SECRET_<ID>`, as the dev server reads it. */
export function secretVariable(id: string): string {
  return `WEBHOOK_SECRET_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

interface SecretEntry {
  readonly secret?: string;
  readonly privateKey?: string;
  readonly source: string;
}

/** The provider's secret: --secret, else WEBHOOK_SECRET_<ID>, else the secrets file (the dev server's format). */
function findSecret(id: string, flags: { secret?: string; file?: string }, env: NodeJS.ProcessEnv, cwd: string): SecretEntry {
  if (flags.secret !== undefined) {
    if (flags.secret.trim() === '') throw new UsageError('--secret is empty.');
    return { secret: flags.secret, source: '--secret' };
  }
  const variable = secretVariable(id);
  if (env[variable]) return { secret: env[variable], source: variable };
  const file = path.resolve(cwd, flags.file ?? SECRETS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && flags.file === undefined) return { source: 'none' };
    throw new CommandError(`Cannot read the secrets file ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CommandError(`The secrets file ${file} is not JSON (it maps provider ids to secrets: {"stripe": "whsec_..."}).`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CommandError(`The secrets file ${file} must be a JSON object mapping provider ids to secrets.`);
  // The provider's own key, else one qualified by a receiver's path (`<receiverPath>/<id>`) when only one is.
  const record = parsed as Record<string, unknown>;
  let value = record[id];
  if (value === undefined) {
    const qualified = Object.keys(record).filter((key) => key.endsWith(`/${id}`));
    if (qualified.length > 1) throw new UsageError(`The secrets file ${file} has ${qualified.join(', ')}: give the one to use with --secret.`);
    if (qualified.length === 1) value = record[qualified[0]];
  }
  if (value === undefined) return { source: file };
  if (typeof value === 'string') return { secret: value, source: file };
  if (value && typeof value === 'object' && typeof (value as { secret?: unknown }).secret === 'string') {
    const entry = value as { secret: string; privateKey?: unknown };
    return { secret: entry.secret, privateKey: typeof entry.privateKey === 'string' ? entry.privateKey : undefined, source: file };
  }
  throw new CommandError(`The secrets file ${file} holds no string for "${id}" (a string, or {"secret": "..."}).`);
}

async function run(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
  const { values: flags, positionals } = parsed;
  if (flags.help) {
    io.out.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'Name the provider: send <provider>.' : `One provider at a time, got ${positionals.join(', ')}.`);
  const kind = positionals[0];
  if (!Object.prototype.hasOwnProperty.call(CATALOG, kind)) {
    throw new UsageError(`Unknown provider "${kind}". Catalog providers: ${Object.keys(CATALOG).join(', ')}.`);
  }
  if (flags['list-events']) {
    const types = sampleEventTypes(kind);
    io.out.write(types.length > 0 ? `${types.join('\n')}\n` : `${CATALOG[kind].name} sends no event type.\n`);
    return 0;
  }
  const id = flags.id ?? kind;
  if (!/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(id)) throw new UsageError(`--id must be a provider id (lowercase letters, digits, dashes), got "${id}".`);
  const urlText = flags.url ?? `http://127.0.0.1:${DEV_SERVER_PORT}/${id}`;
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new UsageError(`--url must be an absolute http(s) URL, got "${urlText}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be an http or https URL, got "${urlText}".`);
  if (url.username || url.password) throw new UsageError('--url must not carry credentials.');

  const name = CATALOG[kind].name;
  const privateKeyProvider = signsWithPrivateKey(kind);
  const standIn = !CATALOG[kind].scheme.signature;
  if (privateKeyProvider && !isLoopback(url.hostname)) {
    throw new CommandError(
      standIn
        ? `${name} signs with keys that only it holds (certified or served by ${name}): send signs with the published stand-in ` +
            `certificates and key, which only the local dev server (or the test receiver) serves and trusts. It sends ${name} requests only to a ` +
            `loopback address (127.0.0.1, localhost), not to ${url.host}.`
        : `${name} signs with its own private key, which nobody else holds: send signs with the local test key pair, which only the local dev ` +
            `server (or the test receiver) trusts. It sends ${name} requests only to a loopback address (127.0.0.1, localhost), not to ${url.host}.`,
    );
  }
  const onlyFor = (flag: string, provider: string) => {
    if (flags[flag as keyof typeof flags] !== undefined && kind !== provider) throw new UsageError(`--${flag} is for ${CATALOG[provider].name} only.`);
  };
  onlyFor('webhook-id', 'paypal');
  for (const flag of ['bundle-id', 'environment', 'app-apple-id']) onlyFor(flag, 'app-store');
  if (kind === 'paypal' && !flags['webhook-id']) throw new UsageError('PayPal signs its webhook id: give --webhook-id <the webhookId of your WebhookProvider.paypal()>.');
  if (kind === 'app-store' && !flags['bundle-id']) throw new UsageError('App Store notifications carry the bundle id: give --bundle-id <the bundleId of your WebhookProvider.appStore()>.');
  const appAppleId = flags['app-apple-id'] === undefined ? undefined : Number(flags['app-apple-id']);
  if (appAppleId !== undefined && !(Number.isSafeInteger(appAppleId) && appAppleId > 0)) throw new UsageError(`--app-apple-id must be a positive integer, got "${flags['app-apple-id']}".`);
  const secretFile = flags['secrets-file'] ?? flags.secrets;
  const found = findSecret(id, { secret: flags.secret, file: secretFile }, env, cwd);
  if (privateKeyProvider && standIn) {
    // Nothing to match: PayPal and the App Store hold no secret; the local Plaid key service takes any credentials.
  } else if (privateKeyProvider) {
    // The receiver holds a public key; we sign with the matching private key: the file's, else the local test key.
    const expected = localTestSecret(kind)!;
    if (!found.privateKey && found.secret !== undefined && found.secret.trim() !== expected) {
      throw new CommandError(
        `The ${name} public key in ${found.source} is not the local test key's, so the receiver would refuse what send signs. ` +
          `Set "${id}" to "${expected}" (the local test key's public key), or keep {"secret": "<public key>", "privateKey": "<PEM>"} with your own pair.`,
      );
    }
  } else if (found.secret === undefined) {
    throw new CommandError(
      `No secret for "${id}": give --secret <value>, set ${secretVariable(id)}, or run from the folder of the dev server's ${SECRETS_FILE} ` +
        `(or --secrets-file <file>). It is the value the receiver's secret holds for ${name}.`,
    );
  }

  let request;
  try {
    request = signRequest(id === kind ? kind : { id, kind }, {
      secret: privateKeyProvider ? undefined : found.secret,
      privateKey: standIn ? undefined : found.privateKey,
      eventType: flags.event,
      deliveryId: flags['delivery-id'],
      url: url.toString(),
      webhookId: flags['webhook-id'],
      appStore: kind === 'app-store' ? { bundleId: flags['bundle-id']!, environment: flags.environment, appAppleId } : undefined,
    });
  } catch (error) {
    throw new CommandError(`Cannot sign the ${name} sample: ${(error as Error).message}`);
  }

  if (flags.print) {
    io.out.write(`${curlCommand(request)}\n`);
    return 0;
  }
  io.out.write(`${request.method} ${request.url}\n${name} ${request.eventType ?? '(no event type)'} ${request.deliveryId}\n`);
  let response: Response;
  try {
    response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    const hint = flags.url === undefined ? ' Is the dev server running (npx cdk-webhook-receiver dev)?' : '';
    throw new CommandError(`Could not reach ${url.origin}: ${reason}.${hint}`);
  }
  const answer = await response.text();
  io.out.write(`${response.status} ${response.statusText}\n${answer}${answer.endsWith('\n') || answer === '' ? '' : '\n'}`);
  return response.ok ? 0 : 1;
}

/** A word for a POSIX shell: single-quoted, each `'` written as `'\''`. */
const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The request as a curl command that sends the same bytes (the body on one --data-binary argument). */
export function curlCommand(request: { method: string; url: string; headers: Record<string, string>; body: Buffer }): string {
  const headers = Object.entries(request.headers).map(([name, value]) => ` \\\n  -H ${shellQuote(`${name}: ${value}`)}`).join('');
  return `curl -sS -X ${request.method} ${shellQuote(request.url)}${headers} \\\n  --data-binary ${shellQuote(request.body.toString('utf8'))}`;
}

export const send: Command & { runWith: typeof run } = {
  name: 'send',
  summary: 'sign a provider\'s sample event and send it (to the local dev server, or a deployed receiver)',
  help: HELP,
  run: (argv, io) => run(argv, io),
  runWith: run,
};
