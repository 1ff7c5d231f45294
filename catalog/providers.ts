/**
 * The catalog: each provider's scheme as its documentation and SDK define it, filled in from the few options
 * the construct passes. Kept in the verifier so the function's environment (4 KB in all) carries only what
 * differs per receiver. `../shared/PROVIDERS.md` in the project records the sources.
 */
import { DEFAULT_DEDUP_WINDOW_SECONDS, type ProviderConfig, type ResolvedProvider, type SchemeConfig, type SignatureConfig, type ValueSourceConfig } from '../contract/config';

type Scheme = Omit<ResolvedProvider, 'id' | 'secretId' | 'dedupWindowSeconds' | 'publicUrl' | 'methods' | 'jsonBody'> & {
  readonly methods?: string[];
  /** @default true */
  readonly jsonBody?: boolean;
};
type Preset = (config: ProviderConfig) => Scheme;

const header = (name: string): ValueSourceConfig => ({ header: name });
const body = (path: string): ValueSourceConfig => ({ jsonPath: path });

/** HMAC-SHA256 over the raw body, one hex or base64 signature in a header with an optional prefix. */
function bodyHmac(headerName: string, options: Partial<SignatureConfig> = {}): SchemeConfig {
  return {
    signature: {
      algorithm: 'sha256',
      encoding: 'hex',
      header: headerName,
      format: { kind: 'plain', prefix: '' },
      signedContent: '{body}',
      keyEncoding: 'utf8',
      ...options,
    },
  };
}

function window(config: ProviderConfig, fallbackSeconds: number) {
  return { toleranceSeconds: config.toleranceSeconds ?? fallbackSeconds, allowFuture: false };
}

/**
 * Standard Webhooks and the services built on it (Svix, Resend, Clerk), with `webhook-*` or `svix-*` headers.
 * `alsoStandard`: Svix's white-labelled accounts send `webhook-*` headers, which its libraries accept too.
 */
function standardWebhooks(prefix: 'webhook' | 'svix', alsoStandard = false): Preset {
  const aliases = (name: string) => (alsoStandard ? [`webhook-${name}`] : undefined);
  return (config) => ({
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'base64',
        header: `${prefix}-signature`,
        headerAliases: aliases('signature'),
        format: { kind: 'list', pairSeparator: ' ', prefix: 'v1,' },
        signedContent: '{id}.{timestamp}.{body}',
        timestamp: { source: 'header', header: `${prefix}-timestamp`, headerAliases: aliases('timestamp'), unit: 's', ...window(config, 300) },
        keyEncoding: 'base64',
        keyPrefix: 'whsec_',
      },
    },
    deliveryId: alsoStandard ? [header(`${prefix}-id`), header('webhook-id')] : [header(`${prefix}-id`)],
    eventType: body('type'),
  });
}

const PRESETS: Record<string, Preset> = {
  stripe: (config) => ({
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'stripe-signature',
        format: { kind: 'keyValue', pairSeparator: ',', keyValueSeparator: '=', signatureKey: 'v1', timestampKey: 't' },
        signedContent: '{timestamp}.{body}',
        timestamp: { source: 'signatureHeader', unit: 's', ...window(config, 300) },
        keyEncoding: 'utf8',
      },
    },
    deliveryId: [body('id')],
    eventType: body('type'),
  }),
  github: () => ({
    scheme: bodyHmac('x-hub-signature-256', { format: { kind: 'plain', prefix: 'sha256=' } }),
    deliveryId: [header('x-github-delivery')],
    eventType: header('x-github-event'),
    handshakeEventTypes: ['ping'],
    // A hook may be set to deliver application/x-www-form-urlencoded.
    jsonBody: false,
  }),
  // Webhooks send X-Shopify-* headers; the newer Events deliveries send the same without the X- prefix.
  shopify: () => ({
    scheme: bodyHmac('x-shopify-hmac-sha256', { encoding: 'base64', headerAliases: ['shopify-hmac-sha256'] }),
    deliveryId: [header('x-shopify-webhook-id'), header('shopify-webhook-id'), header('x-shopify-event-id'), header('shopify-event-id')],
    eventType: [header('x-shopify-topic'), header('shopify-topic')],
  }),
  slack: (config) => ({
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'x-slack-signature',
        format: { kind: 'plain', prefix: 'v0=' },
        signedContent: 'v0:{timestamp}:{body}',
        timestamp: { source: 'header', header: 'x-slack-request-timestamp', unit: 's', ...window(config, 300) },
        keyEncoding: 'utf8',
      },
    },
    deliveryId: [body('event_id')],
    eventType: body('event.type'),
    handshake: 'slack',
    // Slash commands and interactivity payloads are form-encoded.
    jsonBody: false,
  }),
  twilio: () => ({
    scheme: { twilio: true },
    deliveryId: [header('i-twilio-idempotency-token')],
    jsonBody: false,
  }),
  'standard-webhooks': standardWebhooks('webhook'),
  svix: standardWebhooks('svix', true),
  resend: standardWebhooks('svix'),
  clerk: standardWebhooks('svix'),
  zoom: (config) => ({
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'x-zm-signature',
        format: { kind: 'plain', prefix: 'v0=' },
        signedContent: 'v0:{timestamp}:{body}',
        timestamp: { source: 'header', header: 'x-zm-request-timestamp', unit: 's', ...window(config, 300) },
        keyEncoding: 'utf8',
      },
    },
    deliveryId: [],
    eventType: body('event'),
    handshake: 'zoom',
  }),
  square: () => ({
    scheme: bodyHmac('x-square-hmacsha256-signature', { encoding: 'base64', signedContent: '{url}{body}' }),
    deliveryId: [body('event_id')],
    eventType: body('type'),
  }),
  paddle: (config) => ({
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'paddle-signature',
        format: { kind: 'keyValue', pairSeparator: ';', keyValueSeparator: '=', signatureKey: 'h1', timestampKey: 'ts' },
        signedContent: '{timestamp}:{body}',
        timestamp: { source: 'signatureHeader', unit: 's', ...window(config, 60) },
        keyEncoding: 'utf8',
      },
    },
    deliveryId: [body('event_id')],
    eventType: body('event_type'),
  }),
  linear: (config) => ({
    scheme: bodyHmac('linear-signature', {
      timestamp: { source: 'jsonPath', jsonPath: 'webhookTimestamp', unit: 'ms', ...window(config, 60) },
    }),
    deliveryId: [header('linear-delivery')],
    eventType: body('type'),
  }),
  intercom: () => ({
    scheme: bodyHmac('x-hub-signature', { algorithm: 'sha1', format: { kind: 'plain', prefix: 'sha1=' } }),
    deliveryId: [body('id')],
    eventType: body('topic'),
    handshakeEventTypes: ['ping'],
  }),
  mailgun: (config) => ({
    scheme: { mailgun: { toleranceSeconds: config.toleranceSeconds ?? 300 } },
    deliveryId: [body('event-data.id')],
    eventType: body('event-data.event'),
  }),
  sendgrid: (config) => ({
    scheme: {
      signature: {
        algorithm: 'ecdsa-p256-sha256',
        encoding: 'base64',
        header: 'x-twilio-email-event-webhook-signature',
        format: { kind: 'plain', prefix: '' },
        signedContent: '{timestamp}{body}',
        timestamp: { source: 'header', header: 'x-twilio-email-event-webhook-timestamp', unit: 's', ...window(config, 600) },
        keyEncoding: 'base64',
      },
    },
    // The body is an array of events, each with its sg_event_id: one POST is one delivery (keyed by its hash).
    deliveryId: [],
    eventType: body('0.event'),
  }),
  discord: () => ({
    scheme: {
      signature: {
        algorithm: 'ed25519',
        encoding: 'hex',
        header: 'x-signature-ed25519',
        format: { kind: 'plain', prefix: '' },
        signedContent: '{timestamp}{body}',
        // Signed, but Discord bounds no window; replays are caught by the interaction id.
        timestamp: { source: 'header', header: 'x-signature-timestamp', unit: 's', allowFuture: true },
        keyEncoding: 'hex',
      },
    },
    deliveryId: [body('id')],
    eventType: body('type'),
    handshake: 'discord',
  }),
  pagerduty: () => ({
    scheme: bodyHmac('x-pagerduty-signature', {
      format: { kind: 'keyValue', pairSeparator: ',', keyValueSeparator: '=', signatureKey: 'v1' },
    }),
    deliveryId: [body('event.id')],
    eventType: body('event.event_type'),
  }),
  gitlab: () => ({
    scheme: { token: { header: 'x-gitlab-token' } },
    // `Idempotency-Key` (GitLab 17.4+) stays the same across retries and resends; older instances send only
    // `X-Gitlab-Event-UUID`.
    deliveryId: [header('idempotency-key'), header('x-gitlab-event-uuid')],
    eventType: header('x-gitlab-event'),
  }),
  bitbucket: () => ({
    scheme: bodyHmac('x-hub-signature', { format: { kind: 'plain', prefix: 'sha256=' } }),
    deliveryId: [header('x-request-uuid')],
    eventType: header('x-event-key'),
  }),
  typeform: () => ({
    scheme: bodyHmac('typeform-signature', { encoding: 'base64', format: { kind: 'plain', prefix: 'sha256=' } }),
    deliveryId: [body('event_id')],
    eventType: body('event_type'),
  }),
  calendly: (config) => ({
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'calendly-webhook-signature',
        format: { kind: 'keyValue', pairSeparator: ',', keyValueSeparator: '=', signatureKey: 'v1', timestampKey: 't' },
        signedContent: '{timestamp}.{body}',
        timestamp: { source: 'signatureHeader', unit: 's', ...window(config, 180) },
        keyEncoding: 'utf8',
      },
    },
    deliveryId: [],
    eventType: body('event'),
  }),
  hubspot: (config) => ({
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'base64',
        header: 'x-hubspot-signature-v3',
        format: { kind: 'plain', prefix: '' },
        signedContent: '{method}{url}{body}{timestamp}',
        urlDecoding: 'hubspot',
        timestamp: { source: 'header', header: 'x-hubspot-request-timestamp', unit: 'ms', ...window(config, 300) },
        keyEncoding: 'utf8',
      },
    },
    // The body is an array of events, each with its eventId: one POST is one delivery (keyed by its hash).
    deliveryId: [],
    eventType: body('0.subscriptionType'),
  }),
  meta: () => ({
    scheme: bodyHmac('x-hub-signature-256', { format: { kind: 'plain', prefix: 'sha256=' } }),
    deliveryId: [],
    eventType: body('object'),
    handshake: 'meta',
    methods: ['GET', 'POST'],
  }),
  twitch: (config) => ({
    scheme: bodyHmac('twitch-eventsub-message-signature', {
      format: { kind: 'plain', prefix: 'sha256=' },
      signedContent: '{id}{timestamp}{body}',
      timestamp: { source: 'header', header: 'twitch-eventsub-message-timestamp', unit: 'rfc3339', ...window(config, 600) },
    }),
    deliveryId: [header('twitch-eventsub-message-id')],
    eventType: header('twitch-eventsub-subscription-type'),
    handshake: 'twitch',
  }),
  'lemon-squeezy': () => ({
    scheme: bodyHmac('x-signature'),
    deliveryId: [],
    eventType: header('x-event-name'),
  }),
  vercel: () => ({
    scheme: bodyHmac('x-vercel-signature', { algorithm: 'sha1' }),
    deliveryId: [body('id')],
    eventType: body('type'),
  }),
  sentry: () => ({
    scheme: bodyHmac('sentry-hook-signature'),
    deliveryId: [header('request-id')],
    eventType: header('sentry-hook-resource'),
  }),
  jira: () => ({
    scheme: bodyHmac('x-hub-signature', { format: { kind: 'plain', prefix: 'sha256=' } }),
    deliveryId: [header('x-atlassian-webhook-identifier')],
    eventType: body('webhookEvent'),
  }),
  x: () => ({
    scheme: bodyHmac('x-twitter-webhooks-signature', { encoding: 'base64', format: { kind: 'plain', prefix: 'sha256=' } }),
    deliveryId: [],
    handshake: 'x',
    methods: ['GET', 'POST'],
  }),
  'microsoft-graph': () => ({
    scheme: { token: { jsonPath: 'value.clientState' } },
    deliveryId: [],
    eventType: body('value.0.changeType'),
    handshake: 'graph',
  }),
  // One POST may carry several notification items; it is one delivery, keyed by its first item.
  adyen: () => ({
    scheme: { adyen: true },
    deliveryId: [{ jsonPaths: ['notificationItems.0.NotificationRequestItem.pspReference', 'notificationItems.0.NotificationRequestItem.eventCode'] }],
    eventType: body('notificationItems.0.NotificationRequestItem.eventCode'),
  }),
  custom: (config) => {
    if (!config.scheme) throw new Error(`Provider ${config.id}: a custom provider needs its scheme.`);
    return { scheme: config.scheme, deliveryId: config.deliveryId ?? [], eventType: config.eventType, jsonBody: false };
  },
};

/** The provider kinds this verifier knows. */
export const PROVIDER_KINDS = Object.keys(PRESETS);

/** Fills in each provider's scheme; throws on a kind this verifier does not know (a version mismatch). */
export function resolveProviders(providers: { [path: string]: ProviderConfig }): Map<string, ResolvedProvider> {
  const resolved = new Map<string, ResolvedProvider>();
  for (const [path, config] of Object.entries(providers)) {
    const id = config.id ?? path.replace(/^\//, '');
    const kind = config.kind ?? id;
    const preset = PRESETS[kind];
    if (!preset) throw new Error(`Provider ${id}: unknown kind "${kind}".`);
    const { methods, jsonBody, ...scheme } = preset({ ...config, id });
    resolved.set(path, {
      id,
      secretId: config.secretId,
      dedupWindowSeconds: config.dedupWindowSeconds ?? DEFAULT_DEDUP_WINDOW_SECONDS,
      publicUrl: config.publicUrl,
      methods: methods ?? ['POST'],
      jsonBody: jsonBody ?? true,
      ...scheme,
    });
  }
  return resolved;
}
