/**
 * The verifier's only contact with Secrets Manager. Secrets are read once per container and cached for a
 * bounded age. Both the AWSCURRENT and the AWSPREVIOUS version are kept, so a rotation never drops a delivery
 * signed with the old secret. After a signature mismatch the caller may ask for a re-read (a rotation since
 * the secret was cached), which happens at most once per `refreshMinIntervalMs` per secret, so a flood of
 * forged requests cannot turn into a flood of Secrets Manager calls.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InternalError } from './errors';

export interface SecretCacheOptions {
  readonly maxAgeMs: number;
  readonly refreshMinIntervalMs: number;
  readonly now?: () => number;
}

/** The versions of one secret, current first. */
export type SecretValues = readonly string[];

/** The labels of the versions in `SecretValues`, index for index. */
export const VERSION_LABELS = ['current', 'previous'] as const;

/** The keys a provider's secret holds, with a label for each (which version, which position). */
export interface SecretKeys {
  readonly keys: string[];
  readonly labels: string[];
  /** Meta's verify token for the subscription handshake. */
  readonly verifyToken?: string;
}

/**
 * Reads a secret's versions. A version's value is one of:
 * - the signing secret itself (a plain string);
 * - a JSON array of signing secrets, all accepted (for providers that rotate by adding a secret);
 * - a JSON object `{"signingSecrets": [...]}` or `{"signingSecret": "..."}`, with `"verifyToken"` for Meta.
 */
export function secretKeys(values: SecretValues): SecretKeys {
  const keys: string[] = [];
  const labels: string[] = [];
  let verifyToken: string | undefined;
  values.forEach((value, version) => {
    const parsed = parseSecretValue(value);
    parsed.keys.forEach((key, position) => {
      keys.push(key);
      labels.push(position === 0 ? VERSION_LABELS[version] : `${VERSION_LABELS[version]}#${position + 1}`);
    });
    verifyToken ??= parsed.verifyToken;
  });
  return { keys, labels, verifyToken };
}

function parseSecretValue(value: string): { keys: string[]; verifyToken?: string } {
  const trimmed = value.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s.length > 0) : []);
      if (Array.isArray(parsed)) return { keys: strings(parsed) };
      if (parsed && typeof parsed === 'object') {
        const record = parsed as Record<string, unknown>;
        const single = typeof record.signingSecret === 'string' ? [record.signingSecret] : [];
        return {
          keys: [...single, ...strings(record.signingSecrets)],
          verifyToken: typeof record.verifyToken === 'string' ? record.verifyToken : undefined,
        };
      }
    } catch {
      // Not JSON after all: the value is the secret.
    }
  }
  return { keys: [value] };
}

interface Entry {
  values?: SecretValues;
  fetchedAt: number;
  /** When a signature mismatch last caused a re-read. */
  refreshedAt: number;
  pending?: Promise<SecretValues>;
}

export class SecretCache {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(
    private readonly client: Pick<SecretsManagerClient, 'send'>,
    private readonly options: SecretCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The cached versions of a secret, read again when older than `maxAgeMs`. */
  async get(secretId: string): Promise<SecretValues> {
    const entry = this.entries.get(secretId);
    if (entry?.values && this.now() - entry.fetchedAt < this.options.maxAgeMs) {
      return entry.values;
    }
    return this.load(secretId);
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
    return this.load(secretId);
  }

  private load(secretId: string): Promise<SecretValues> {
    const entry = this.entries.get(secretId) ?? { fetchedAt: 0, refreshedAt: Number.NEGATIVE_INFINITY };
    this.entries.set(secretId, entry);
    if (!entry.pending) {
      entry.pending = this.fetch(secretId)
        .then((values) => {
          entry.values = values;
          return values;
        })
        .catch((error: unknown) => {
          // A stale secret still verifies most deliveries: keep serving it when a re-read fails.
          if (entry.values) return entry.values;
          throw new InternalError('secret_unavailable', 'The signing secret could not be read.', { cause: error, status: 503 });
        })
        .finally(() => {
          entry.fetchedAt = this.now();
          entry.pending = undefined;
        });
    }
    return entry.pending;
  }

  private async fetch(secretId: string): Promise<SecretValues> {
    const [current, previous] = await Promise.all([
      this.version(secretId, 'AWSCURRENT'),
      this.version(secretId, 'AWSPREVIOUS').catch((error: unknown) => {
        // A secret that was never rotated has no AWSPREVIOUS version.
        if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
        throw error;
      }),
    ]);
    if (current === undefined) {
      throw new Error('The secret has no string value.');
    }
    return previous === undefined || previous === current ? [current] : [current, previous];
  }

  private async version(secretId: string, stage: string): Promise<string | undefined> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
    return out.SecretString;
  }
}
