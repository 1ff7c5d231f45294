/**
 * The signing secrets of the local receiver: from environment variables, else from a local file
 * (`.webhook-secrets.json` in the app's folder), else generated and written to that file (mode 0600) so that a
 * signer (`npx cdk-webhook-receiver send`, the providers' own CLIs) can use the same value.
 *
 * The file is a JSON object: `{ "stripe": "whsec_...", "Webhooks/github": "..." }`. A key is a provider id, or
 * `<receiver path>/<provider id>` for one receiver only (it wins). A value is the SecretString that the provider's
 * secret holds in Secrets Manager, or an object whose `secret` is that string. Environment variables win over the
 * file: `WEBHOOK_SECRET_<ID>`, the provider id upper-cased with each other character than A-Z and 0-9 as `_`.
 * Values are never printed: only the file's path and which provider's value came from where.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { localTestSecret } from '../../testing/sign';
import { CommandError } from '../shared/io';

export const DEFAULT_SECRETS_FILE = '.webhook-secrets.json';

export type SecretSource = 'environment' | 'file' | 'generated' | 'given';

export interface SecretLookup {
  /**
   * The secret of a provider of a receiver, and where it came from. `kind` (the catalog kind) lets a generated
   * value be the local test key pair's public key for a provider that signs with its own private key (Discord,
   * SendGrid, Telnyx), or credentials for the local key service (Plaid), so that `send` and the test kit's
   * `signRequest` are trusted at once.
   */
  get(receiverPath: string, providerId: string, kind?: string): { value: string; source: SecretSource };
}

/** The environment variable that holds a provider's secret: `WEBHOOK_SECRET_STRIPE`. */
export function secretEnvName(providerId: string): string {
  return `WEBHOOK_SECRET_${providerId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function readFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    // The parser's message may quote the file's text: say only where.
    throw new CommandError(`${file} is not valid JSON (${(error as Error).name}); it must be an object such as {"stripe": "whsec_..."}.`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CommandError(`${file} must hold a JSON object such as {"stripe": "whsec_..."}.`);
  }
  return parsed as Record<string, unknown>;
}

function valueOf(file: string, key: string, entry: unknown): string | undefined {
  if (entry === undefined) return undefined;
  if (typeof entry === 'string' && entry.length > 0) return entry;
  if (entry !== null && typeof entry === 'object' && typeof (entry as { secret?: unknown }).secret === 'string') return (entry as { secret: string }).secret;
  throw new CommandError(`${file}: the value of "${key}" must be a non-empty string (the secret), or an object with a "secret" string.`);
}

/**
 * Secrets from `env`, then `file`; a missing one is generated and saved in `file` when `generate` is true, else it
 * is an error naming where to put it. `given` (the test kit's `secrets` option) comes first of all.
 */
export function secretLookup(options: { file?: string; env?: NodeJS.ProcessEnv; generate: boolean; given?: Record<string, string> }): SecretLookup {
  const env = options.env ?? process.env;
  const file = options.file;
  return {
    get(receiverPath, providerId, kind) {
      for (const key of [`${receiverPath}/${providerId}`, providerId]) {
        if (options.given?.[key] !== undefined) return { value: options.given[key], source: 'given' };
      }
      const fromEnv = env[secretEnvName(providerId)];
      if (fromEnv) return { value: fromEnv, source: 'environment' };
      const entries = file ? readFile(file) : {};
      for (const key of [`${receiverPath}/${providerId}`, providerId]) {
        const value = valueOf(file ?? '', key, entries[key]);
        if (value !== undefined) return { value, source: 'file' };
      }
      if (!options.generate || !file) {
        throw new CommandError(
          `No secret for provider ${providerId} of receiver ${receiverPath}: set ${secretEnvName(providerId)}${file ? `, or add "${providerId}" to ${file}` : ''}.`,
        );
      }
      const local = kind === undefined ? undefined : localTestKey(kind);
      const value = local ?? `whsec_${randomBytes(32).toString('base64')}`;
      writeFileSync(file, `${JSON.stringify({ ...entries, [providerId]: value }, null, 2)}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
      return { value, source: 'generated' };
    },
  };
}

/** `localTestSecret`: the local test key's public key in the provider's secret format (Plaid: local key service credentials). */
function localTestKey(kind: string): string | undefined {
  try {
    return localTestSecret(kind);
  } catch {
    return undefined; // not a catalog kind (a generic provider): a random secret
  }
}
