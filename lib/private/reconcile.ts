/**
 * Reconciliation settings of a provider, checked when the provider is created: the options as the reconciler's
 * configuration needs them, with every default filled in and every bad value refused with the value and the
 * allowed range in the message.
 */
import { Duration, Token } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  DEFAULT_GITHUB_SETTLE_DELAY_SECONDS,
  DEFAULT_RECONCILE_EVERY_SECONDS,
  DEFAULT_STRIPE_SETTLE_DELAY_SECONDS,
  type GitHubHookConfig,
} from '../../contract/reconcile';
import type { GitHubReconciliationOptions } from '../reconcile';
import { checkDuration, checkInterface, checkNumber, checkPropsObject, checkString } from './validate';

export interface ReconcileSettings {
  readonly kind: 'stripe' | 'github';
  readonly credential: secretsmanager.ISecret;
  readonly every: Duration;
  readonly settleDelaySeconds: number;
  readonly github?: GitHubHookConfig;
}

const MAX_SETTLE_SECONDS = { stripe: 29 * 24 * 3600, github: 2 * 24 * 3600 } as const;

export function reconcileSettings(kind: string, id: string, options: GitHubReconciliationOptions | undefined, hasDedupKey: boolean): ReconcileSettings | undefined {
  if (options === undefined) return undefined;
  const name = `reconcile of provider "${id}"`;
  if (kind !== 'stripe' && kind !== 'github') {
    throw new Error(`${name}: reconciliation is offered for Stripe and GitHub only, not for ${kind === 'custom' ? 'generic providers' : kind}.`);
  }
  checkPropsObject(`${name}`, options, "{ credential: secretsmanager.Secret.fromSecretNameV2(this, 'ApiKey', 'stripe/reconcile') }");
  if (hasDedupKey) {
    throw new Error(`${name}: the provider has a dedupKey, so its inbox keys are not the provider's event ids the reconciler looks up; use one or the other.`);
  }
  checkInterface(`credential of ${name}`, options.credential, ['grantRead'], 'a secretsmanager.ISecret holding the API credential, never its value', true);
  checkDuration(`every of ${name}`, options.every);
  checkDuration(`settleDelay of ${name}`, options.settleDelay);

  const every = options.every ?? Duration.seconds(DEFAULT_RECONCILE_EVERY_SECONDS);
  const everySeconds = every.toSeconds();
  if (!Token.isUnresolved(everySeconds) && (everySeconds % 60 !== 0 || everySeconds < 300 || everySeconds > 24 * 3600)) {
    throw new Error(`every of ${name} is ${everySeconds} s; it must be whole minutes from 5 minutes to 1 day.`);
  }
  const settleDelaySeconds = options.settleDelay?.toSeconds() ?? (kind === 'stripe' ? DEFAULT_STRIPE_SETTLE_DELAY_SECONDS : DEFAULT_GITHUB_SETTLE_DELAY_SECONDS);
  if (Token.isUnresolved(settleDelaySeconds)) throw new Error(`settleDelay of ${name} must be a known duration, not a token.`);
  const maxSettle = MAX_SETTLE_SECONDS[kind];
  if (settleDelaySeconds % 60 !== 0 || settleDelaySeconds < 60 || settleDelaySeconds > maxSettle) {
    throw new Error(`settleDelay of ${name} is ${settleDelaySeconds} s; it must be whole minutes from 1 minute to ${Duration.seconds(maxSettle).toHumanString()}.`);
  }
  return { kind, credential: options.credential, every, settleDelaySeconds, github: kind === 'github' ? githubHook(name, options) : githubOnly(name, options) };
}

/** Stripe takes none of GitHub's hook options: refused rather than ignored. */
function githubOnly(name: string, options: GitHubReconciliationOptions): undefined {
  for (const key of ['repository', 'organization', 'hookId', 'appId'] as const) {
    if (options[key] !== undefined) throw new Error(`${name}: ${key} is a GitHub option; Stripe reconciliation reads the account of its credential.`);
  }
  return undefined;
}

function githubHook(name: string, options: GitHubReconciliationOptions): GitHubHookConfig {
  checkString(`repository of ${name}`, options.repository);
  checkString(`organization of ${name}`, options.organization);
  checkNumber(`hookId of ${name}`, options.hookId);
  checkString(`appId of ${name}`, options.appId);
  const given = [options.repository, options.organization, options.appId].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new Error(`${name} needs exactly one of repository (with hookId), organization (with hookId) or appId to say which hook; got ${given}.`);
  }
  if (options.appId !== undefined) {
    if (options.hookId !== undefined) throw new Error(`${name}: an App has one hook; leave hookId out with appId.`);
    if (!/^[1-9][0-9]{0,19}$/.test(options.appId)) throw new Error(`appId of ${name} must be the App's numeric id, e.g. "123456".`);
    return { appId: options.appId };
  }
  if (options.hookId === undefined || !Number.isSafeInteger(options.hookId) || options.hookId < 1) {
    throw new Error(`hookId of ${name} must be the hook's id, a positive whole number, got ${options.hookId}.`);
  }
  if (options.repository !== undefined) {
    if (!/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/.test(options.repository)) {
      throw new Error(`repository of ${name} must be "owner/name" (e.g. "octo-org/hello-world"), got "${options.repository}".`);
    }
    return { repository: options.repository, hookId: options.hookId };
  }
  if (!/^[A-Za-z0-9-]{1,39}$/.test(options.organization!)) {
    throw new Error(`organization of ${name} must be an organization login (letters, digits, dashes), got "${options.organization}".`);
  }
  return { organization: options.organization, hookId: options.hookId };
}
