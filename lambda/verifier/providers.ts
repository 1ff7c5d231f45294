/**
 * The signing schemes of the catalog providers, filled in from the few options the construct passes. Kept in
 * the verifier so the function's environment (4 KB in all) carries only what differs per receiver.
 */
import type { ProviderConfig, ResolvedProvider } from '../../lib/private/config';

type Preset = (config: ProviderConfig) => Omit<ResolvedProvider, 'id' | 'secretId' | 'dedupWindowSeconds'>;

const PRESETS: Record<string, Preset> = {
  // https://docs.stripe.com/webhooks#verify-manually
  stripe: (config) => ({
    hmac: {
      algorithm: 'sha256',
      encoding: 'hex',
      header: 'stripe-signature',
      format: { kind: 'keyValue', pairSeparator: ',', keyValueSeparator: '=', signatureKey: 'v1', timestampKey: 't' },
      signedContent: '{timestamp}.{body}',
      timestamp: { source: 'signatureHeader', unit: 's', toleranceSeconds: config.toleranceSeconds ?? 300, allowFuture: false },
      keyEncoding: 'utf8',
    },
    deliveryId: [{ jsonPath: 'id' }],
    eventType: { jsonPath: 'type' },
  }),
  // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
  github: () => ({
    hmac: {
      algorithm: 'sha256',
      encoding: 'hex',
      header: 'x-hub-signature-256',
      format: { kind: 'plain', prefix: 'sha256=' },
      signedContent: '{body}',
      keyEncoding: 'utf8',
    },
    deliveryId: [{ header: 'x-github-delivery' }],
    eventType: { header: 'x-github-event' },
    handshakeEventTypes: ['ping'],
  }),
  hmac: (config) => {
    if (!config.hmac) throw new Error(`Provider ${config.id}: an hmac provider needs its scheme.`);
    return { hmac: config.hmac, deliveryId: config.deliveryId ?? [], eventType: config.eventType };
  },
};

/** Fills in each provider's scheme; throws on a kind this verifier does not know (a version mismatch). */
export function resolveProviders(providers: { [path: string]: ProviderConfig }): Map<string, ResolvedProvider> {
  const resolved = new Map<string, ResolvedProvider>();
  for (const [path, config] of Object.entries(providers)) {
    const preset = PRESETS[config.kind];
    if (!preset) throw new Error(`Provider ${config.id}: unknown kind "${config.kind}".`);
    resolved.set(path, {
      id: config.id,
      secretId: config.secretId,
      dedupWindowSeconds: config.dedupWindowSeconds,
      ...preset(config),
    });
  }
  return resolved;
}
