/**
 * The options a catalog factory takes in tests that call every factory alike: `{ secret }`, except for providers
 * verified by certificates, which take no secret but their own settings (PayPal's webhook id, the App Store's app).
 */
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ProviderOptions } from '../../lib';

export function catalogOptions(kind: string, secret: secretsmanager.ISecret): ProviderOptions {
  if (kind === 'paypal') return { webhookId: '8PT597110X687430LKGECATA' } as unknown as ProviderOptions;
  if (kind === 'app-store') return { bundleId: 'com.example.app', appAppleId: 1234567890 } as unknown as ProviderOptions;
  return { secret };
}
