/**
 * The reconciler's one use of Secrets Manager: the provider API credential (AWSCURRENT), cached in the container for
 * a few minutes so a rotation is picked up soon. The value never leaves this module except into an
 * `Authorization` header (or, for a GitHub App, the JWT signed with it).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const MAX_AGE_MS = 5 * 60 * 1000;

export class CredentialStore {
  private readonly cache = new Map<string, { value: string; at: number }>();

  constructor(
    private readonly client: Pick<SecretsManagerClient, 'send'>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(secretId: string): Promise<string> {
    const cached = this.cache.get(secretId);
    if (cached && this.now() - cached.at < MAX_AGE_MS) return cached.value;
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    const value = out.SecretString?.trim();
    if (!value) throw new Error('The reconciler\'s credential secret has no string value.');
    this.cache.set(secretId, { value, at: this.now() });
    return value;
  }
}
