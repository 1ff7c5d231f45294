/**
 * The verifier's only contact with Secrets Manager. Secrets are read once per container and cached for a
 * bounded age. Both the AWSCURRENT and the AWSPREVIOUS version are kept, so a rotation never drops a delivery
 * signed with the old secret; but the previous version verifies only for a grace period after the rotation,
 * counted from the creation date of the AWSCURRENT version (when the previous one was demoted), so a leaked
 * secret that was rotated away stops working. The grace period is checked against the clock at every request,
 * from the cached creation date: a container that cached the secret before the period ended stops accepting
 * the previous version when it ends, without waiting for a re-read. After a signature mismatch the caller may
 * ask for a re-read (a rotation since the secret was cached), which happens at most once per
 * `refreshMinIntervalMs` per secret, so a flood of forged requests cannot turn into a flood of Secrets Manager
 * calls.
 *
 * Every key is trimmed of surrounding whitespace, as public keys are: a secret stored with a trailing newline
 * (`echo secret | aws secretsmanager put-secret-value --secret-string file:///dev/stdin`, a console paste) would
 * otherwise fail every signature. No provider issues secrets that begin or end with whitespace.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DEFAULT_PREVIOUS_SECRET_GRACE_SECONDS } from '../../contract/config';
import { InternalError } from './errors';

export interface SecretCacheOptions {
  readonly maxAgeMs: number;
  readonly refreshMinIntervalMs: number;
  /**
   * How long the AWSPREVIOUS version keeps verifying after the AWSCURRENT version was created; 0 refuses it at
   * once.
   * @default DEFAULT_PREVIOUS_SECRET_GRACE_SECONDS * 1000
   */
  readonly previousGraceMs?: number;
  readonly now?: () => number;
}

/** The versions of one secret as they may be used at one moment. */
export interface SecretValues {
  /** The versions that verify, current first: the previous one only within its grace period. */
  readonly active: readonly string[];
  /**
   * The previous version once its grace period is over. It verifies nothing; a signature it would have matched
   * is still refused as an ordinary mismatch, but logged and counted as such.
   */
  readonly expiredPrevious?: string;
}

/** The versions of a secret as read from Secrets Manager. */
interface Versions {
  readonly current: string;
  readonly previous?: string;
  /** When the AWSCURRENT version was created (epoch ms); undefined if Secrets Manager did not say. */
  readonly currentCreatedAt?: number;
}

/** The labels of the versions in `SecretValues`, index for index. */
export const VERSION_LABELS = ['current', 'previous'] as const;

/** The keys a provider's secret holds, with a label for each (which version, which position). */
export interface SecretKeys {
  readonly keys: readonly string[];
  readonly labels: readonly string[];
  /** Meta's verify token for the subscription handshake. */
  readonly verifyToken?: string;
  /** The keys of a previous version past its grace period: never accepted, only to tell the case in logs. */
  readonly expiredKeys: readonly string[];
}

/**
 * Reads a secret's versions. A version's value is one of:
 * - the signing secret itself (a plain string);
 * - a JSON array of signing secrets, all accepted (for providers that rotate by adding a secret);
 * - a JSON object `{"signingSecrets": [...]}` or `{"signingSecret": "..."}`, with `"verifyToken"` for Meta.
 * - a JSON object `{"client_id": "...", "secret": "..."}`: API credentials (Plaid), one key, kept as its JSON.
 */
export function secretKeys(values: SecretValues): SecretKeys {
  let known = KEYS_OF_VALUES.get(values);
  if (!known) {
    known = readSecretKeys(values);
    KEYS_OF_VALUES.set(values, known);
  }
  return known;
}

/**
 * The keys of each `SecretValues` object, worked out once: `SecretCache` answers every request with the same object
 * for as long as the secret and its grace period do not change, so a request does not list the keys again. (Held
 * weakly: a re-read secret's old values go with their keys.)
 */
const KEYS_OF_VALUES = new WeakMap<SecretValues, SecretKeys>();

function readSecretKeys(values: SecretValues): SecretKeys {
  const keys: string[] = [];
  const labels: string[] = [];
  let verifyToken: string | undefined;
  values.active.forEach((value, version) => {
    const parsed = parseSecretValue(value);
    parsed.keys.forEach((key, position) => {
      keys.push(key);
      labels.push(position === 0 ? VERSION_LABELS[version] : `${VERSION_LABELS[version]}#${position + 1}`);
    });
    verifyToken ??= parsed.verifyToken;
  });
  const expiredKeys = values.expiredPrevious === undefined ? [] : [...parseSecretValue(values.expiredPrevious).keys];
  return Object.freeze({ keys: Object.freeze(keys), labels: Object.freeze(labels), verifyToken, expiredKeys: Object.freeze(expiredKeys) });
}

/**
 * Each secret value read once per value rather than on every request (a JSON value is parsed); past
 * `MAX_PARSED_VALUES` values the cache starts over, so rotations never make it grow without bound.
 */
const PARSED_VALUES = new Map<string, { readonly keys: readonly string[]; readonly verifyToken?: string }>();
const MAX_PARSED_VALUES = 64;

function parseSecretValue(value: string): { readonly keys: readonly string[]; readonly verifyToken?: string } {
  let parsed = PARSED_VALUES.get(value);
  if (!parsed) {
    if (PARSED_VALUES.size >= MAX_PARSED_VALUES) PARSED_VALUES.clear();
    parsed = readSecretValue(value);
    PARSED_VALUES.set(value, parsed);
  }
  return parsed;
}

function readSecretValue(value: string): { keys: string[]; verifyToken?: string } {
  const trimmed = value.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
      if (Array.isArray(parsed)) return { keys: usable(strings(parsed)) };
      if (parsed && typeof parsed === 'object') {
        const record = parsed as Record<string, unknown>;
        // API credentials for a key service (Plaid's `{"client_id", "secret", "environment"}`): one key, its JSON.
        if (typeof record.client_id === 'string' && typeof record.secret === 'string') return { keys: [trimmed] };
        const single = typeof record.signingSecret === 'string' ? [record.signingSecret] : [];
        return {
          keys: usable([...single, ...strings(record.signingSecrets)]),
          verifyToken: typeof record.verifyToken === 'string' ? record.verifyToken.trim() : undefined,
        };
      }
    } catch {
      // Not JSON after all: the value is the secret.
    }
  }
  return { keys: usable([value]) };
}

/** Keys without surrounding whitespace; an empty key is no key (it would make any HMAC trivially forgeable). */
function usable(keys: string[]): string[] {
  return keys.map((key) => key.trim()).filter((key) => key.length > 0);
}

/**
 * What a secret's versions allow at `nowMs`: the previous version only within `graceMs` of the current one's
 * creation. The same object for the same versions and the same side of the grace period (frozen: it is shared).
 */
function valuesAt(versions: Versions, nowMs: number, graceMs: number): SecretValues {
  let views = VIEWS.get(versions);
  if (!views) VIEWS.set(versions, (views = {}));
  if (versions.previous === undefined) return (views.within ??= Object.freeze({ active: Object.freeze([versions.current]) }));
  // Secrets Manager always gives the creation date; were it missing, the previous version would stay accepted
  // (the behaviour before grace periods existed) rather than refuse deliveries on a guess.
  const expired = versions.currentCreatedAt !== undefined && nowMs - versions.currentCreatedAt >= graceMs;
  return expired
    ? (views.after ??= Object.freeze({ active: Object.freeze([versions.current]), expiredPrevious: versions.previous }))
    : (views.within ??= Object.freeze({ active: Object.freeze([versions.current, versions.previous]) }));
}

/** The values of each read of a secret, within and after the grace period (see `valuesAt`). */
const VIEWS = new WeakMap<Versions, { within?: SecretValues; after?: SecretValues }>();

interface Entry {
  versions?: Versions;
  fetchedAt: number;
  /** When a signature mismatch last caused a re-read. */
  refreshedAt: number;
  pending?: Promise<Versions>;
}

export class SecretCache {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly graceMs: number;

  constructor(
    private readonly client: Pick<SecretsManagerClient, 'send'>,
    private readonly options: SecretCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.graceMs = options.previousGraceMs ?? DEFAULT_PREVIOUS_SECRET_GRACE_SECONDS * 1000;
  }

  /** The cached versions of a secret, read again when older than `maxAgeMs`; the grace period as of now. */
  async get(secretId: string): Promise<SecretValues> {
    const entry = this.entries.get(secretId);
    if (entry?.versions && this.now() - entry.fetchedAt < this.options.maxAgeMs) {
      return valuesAt(entry.versions, this.now(), this.graceMs);
    }
    return valuesAt(await this.load(secretId), this.now(), this.graceMs);
  }

  /**
   * Re-reads a secret after a signature mismatch, unless a mismatch already caused a re-read less than
   * `refreshMinIntervalMs` ago. Returns the fresh values, or undefined when the re-read was skipped.
   */
  async refresh(secretId: string): Promise<SecretValues | undefined> {
    const entry = this.entries.get(secretId);
    if (entry) {
      if (this.now() - entry.refreshedAt < this.options.refreshMinIntervalMs) return undefined;
      entry.refreshedAt = this.now();
    }
    return valuesAt(await this.load(secretId), this.now(), this.graceMs);
  }

  private load(secretId: string): Promise<Versions> {
    const entry = this.entries.get(secretId) ?? { fetchedAt: 0, refreshedAt: Number.NEGATIVE_INFINITY };
    this.entries.set(secretId, entry);
    if (!entry.pending) {
      entry.pending = this.fetch(secretId)
        .then((versions) => {
          entry.versions = versions;
          return versions;
        })
        .catch((error: unknown) => {
          // A stale secret still verifies most deliveries: keep serving it when a re-read fails.
          if (entry.versions) return entry.versions;
          throw new InternalError('secret_unavailable', 'The signing secret could not be read.', { cause: error, status: 503 });
        })
        .finally(() => {
          entry.fetchedAt = this.now();
          entry.pending = undefined;
        });
    }
    return entry.pending;
  }

  private async fetch(secretId: string): Promise<Versions> {
    const [current, previous] = await Promise.all([
      this.version(secretId, 'AWSCURRENT'),
      this.version(secretId, 'AWSPREVIOUS').catch((error: unknown) => {
        // A secret that was never rotated has no AWSPREVIOUS version.
        if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
        throw error;
      }),
    ]);
    if (current?.value === undefined) {
      throw new Error('The secret has no string value.');
    }
    const samePrevious = previous?.value === undefined || previous.value === current.value;
    return { current: current.value, previous: samePrevious ? undefined : previous.value, currentCreatedAt: current.createdAt };
  }

  private async version(secretId: string, stage: string): Promise<{ value?: string; createdAt?: number }> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
    return { value: out.SecretString, createdAt: out.CreatedDate?.getTime() };
  }
}
