/**
 * The catalog: every provider defined once, as its documentation and SDK define it (`../shared/PROVIDERS.md` in
 * the project records the sources). The construct reads a definition for its defaults (timestamp window, methods,
 * media types, whether it signs its URL); the verifier reads the same definition for the scheme, the delivery id,
 * the event type and the handshake; the README's catalog table is rendered from it (`catalog/table.ts`).
 *
 * One table rather than one file per provider: an entry is a dozen lines of data, a table is what the README
 * generator and the tests iterate over, and a provider still lives in exactly one place (its entry) besides its
 * jsii factory in `lib/provider.ts`, which only names it. This module imports nothing of ours but `contract/`.
 */
import { DEFAULT_DEDUP_WINDOW_SECONDS, type EventTimeConfig, type HandshakeKind, type ItemsConfig, type ProviderConfig, type ResolvedProvider, type SchemeConfig, type SignatureConfig, type ValueSourceConfig } from '../contract/config';
import { ANY_MEDIA_TYPE, FORM_MEDIA_TYPE, JSON_MEDIA_TYPES } from '../contract/limits';

/** Everything about one catalog provider. */
export interface ProviderDefinition {
  /** The provider's name as people write it (README). */
  readonly name: string;
  /** The `WebhookProvider` static factory that configures it. */
  readonly factory: string;
  /**
   * How its requests are authenticated. A signed timestamp's `toleranceSeconds` is the provider's documented
   * window, the default of the factory's `tolerance` option.
   */
  readonly scheme: SchemeConfig;
  /** Where its delivery id is, tried in order; none found (or none listed) means the body's SHA-256 is the id. */
  readonly deliveryId: ValueSourceConfig[];
  /** Where its event type is; a list is tried in order. */
  readonly eventType?: ValueSourceConfig | ValueSourceConfig[];
  /** Media ranges its POSTs come with. @default JSON_MEDIA_TYPES */
  readonly contentTypes?: readonly string[];
  /** HTTP methods its route takes. @default ['POST'] */
  readonly methods?: readonly string[];
  /** The handshake it sends to prove the endpoint, answered by the verifier. */
  readonly handshake?: HandshakeKind;
  /** Event types that are handshakes: verified, answered 200, never enqueued (GitHub `ping`). */
  readonly handshakeEventTypes?: string[];
  /** Whether every genuine body is JSON, so that one that is not is refused (400) before any AWS call. @default true */
  readonly jsonBody?: boolean;
  /** Whether it signs the URL it posts to, so the receiver fills in `publicUrl`. @default false */
  readonly signsUrl?: boolean;
  /** A body that carries several events, each keyed, deduped and enqueued on its own. @default one event per body */
  readonly items?: ItemsConfig;
  /**
   * Where the provider's own time of the event is, only where its documentation defines one: not a send time such
   * as a signed timestamp, which changes on every retry. @default - the provider sends none
   */
  readonly eventTime?: EventTimeConfig;
  /** Its JSON document is this multipart/form-data field, not the body (Dropbox Sign's `json`). @default - the body */
  readonly multipartJsonField?: string;
  /** The exact body of every 200 answer, as text (Dropbox Sign). @default - the receiver's JSON answer */
  readonly replyBody?: string;
}

const header = (name: string): ValueSourceConfig => ({ header: name });
const body = (path: string): ValueSourceConfig => ({ jsonPath: path });
const JSON_OR_FORM: readonly string[] = [...JSON_MEDIA_TYPES, FORM_MEDIA_TYPE];

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

/** A bounded window of `seconds` in both directions. */
function window(seconds: number) {
  return { toleranceSeconds: seconds, allowFuture: false };
}

/**
 * Standard Webhooks and the services built on it (Svix, Resend, Clerk), with `webhook-*` or `svix-*` headers.
 * `alsoStandard`: Svix's white-labelled accounts send `webhook-*` headers, which its libraries accept too.
 */
function standardWebhooks(name: string, factory: string, prefix: 'webhook' | 'svix', alsoStandard = false): ProviderDefinition {
  const aliases = (field: string) => (alsoStandard ? [`webhook-${field}`] : undefined);
  return {
    name,
    factory,
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'base64',
        header: `${prefix}-signature`,
        headerAliases: aliases('signature'),
        format: { kind: 'list', pairSeparator: ' ', prefix: 'v1,' },
        signedContent: '{id}.{timestamp}.{body}',
        timestamp: { source: 'header', header: `${prefix}-timestamp`, headerAliases: aliases('timestamp'), unit: 's', ...window(300) },
        keyEncoding: 'base64',
        keyPrefix: 'whsec_',
      },
    },
    deliveryId: alsoStandard ? [header(`${prefix}-id`), header('webhook-id')] : [header(`${prefix}-id`)],
    eventType: body('type'),
  };
}

/** The catalog, keyed by provider kind (the default id). */
export const CATALOG: { readonly [kind: string]: ProviderDefinition } = {
  stripe: {
    name: 'Stripe',
    factory: 'stripe',
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'stripe-signature',
        format: { kind: 'keyValue', pairSeparator: ',', keyValueSeparator: '=', signatureKey: 'v1', timestampKey: 't' },
        signedContent: '{timestamp}.{body}',
        timestamp: { source: 'signatureHeader', unit: 's', ...window(300) },
        keyEncoding: 'utf8',
      },
    },
    deliveryId: [body('id')],
    eventType: body('type'),
    // The event object's `created`, in seconds (https://docs.stripe.com/api/events/object).
    eventTime: { jsonPath: 'created', unit: 's' },
  },
  github: {
    name: 'GitHub',
    factory: 'github',
    scheme: bodyHmac('x-hub-signature-256', { format: { kind: 'plain', prefix: 'sha256=' } }),
    deliveryId: [header('x-github-delivery')],
    eventType: header('x-github-event'),
    handshakeEventTypes: ['ping'],
    // A hook may be set to deliver application/x-www-form-urlencoded (the payload in a `payload` field).
    contentTypes: JSON_OR_FORM,
    jsonBody: false,
  },
  // Webhooks send X-Shopify-* headers; the newer Events deliveries send the same without the X- prefix.
  shopify: {
    name: 'Shopify',
    factory: 'shopify',
    scheme: bodyHmac('x-shopify-hmac-sha256', { encoding: 'base64', headerAliases: ['shopify-hmac-sha256'] }),
    deliveryId: [header('x-shopify-webhook-id'), header('shopify-webhook-id'), header('x-shopify-event-id'), header('shopify-event-id')],
    eventType: [header('x-shopify-topic'), header('shopify-topic')],
    // A subscription may deliver XML (`format: xml`); the route takes application/xml and text/xml. Nothing is
    // read from the body (id and topic are headers), so any signed body is enqueued byte for byte.
    jsonBody: false,
    contentTypes: [...JSON_MEDIA_TYPES, 'application/xml', 'text/xml'],
    // When the event was triggered (https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates).
    eventTime: { header: 'x-shopify-triggered-at', unit: 'rfc3339' },
  },
  slack: {
    name: 'Slack',
    factory: 'slack',
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'x-slack-signature',
        format: { kind: 'plain', prefix: 'v0=' },
        signedContent: 'v0:{timestamp}:{body}',
        timestamp: { source: 'header', header: 'x-slack-request-timestamp', unit: 's', ...window(300) },
        keyEncoding: 'utf8',
      },
    },
    deliveryId: [body('event_id')],
    eventType: body('event.type'),
    handshake: 'slack',
    // Events API JSON; slash commands and interactivity payloads are form posts.
    contentTypes: JSON_OR_FORM,
    jsonBody: false,
    // The outer event's `event_time`, in seconds (https://api.slack.com/apis/events-api#callback-field).
    eventTime: { jsonPath: 'event_time', unit: 's' },
  },
  twilio: {
    name: 'Twilio',
    factory: 'twilio',
    scheme: { twilio: true },
    deliveryId: [header('i-twilio-idempotency-token')],
    // Form posts (the signature covers the sorted parameters), or JSON with bodySHA256 in the URL.
    contentTypes: [FORM_MEDIA_TYPE, ...JSON_MEDIA_TYPES],
    jsonBody: false,
    signsUrl: true,
  },
  'standard-webhooks': standardWebhooks('Standard Webhooks', 'standardWebhooks', 'webhook'),
  svix: standardWebhooks('Svix', 'svix', 'svix', true),
  resend: standardWebhooks('Resend', 'resend', 'svix'),
  clerk: standardWebhooks('Clerk', 'clerk', 'svix'),
  zoom: {
    name: 'Zoom',
    factory: 'zoom',
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'x-zm-signature',
        format: { kind: 'plain', prefix: 'v0=' },
        signedContent: 'v0:{timestamp}:{body}',
        timestamp: { source: 'header', header: 'x-zm-request-timestamp', unit: 's', ...window(300) },
        keyEncoding: 'utf8',
      },
    },
    deliveryId: [],
    eventType: body('event'),
    handshake: 'zoom',
    // `event_ts`, in milliseconds (https://developers.zoom.us/docs/api/webhooks/).
    eventTime: { jsonPath: 'event_ts', unit: 'ms' },
  },
  square: {
    name: 'Square',
    factory: 'square',
    scheme: bodyHmac('x-square-hmacsha256-signature', { encoding: 'base64', signedContent: '{url}{body}' }),
    deliveryId: [body('event_id')],
    eventType: body('type'),
    signsUrl: true,
    // `created_at` of the event notification (https://developer.squareup.com/docs/webhooks/overview).
    eventTime: { jsonPath: 'created_at', unit: 'rfc3339' },
  },
  paddle: {
    name: 'Paddle Billing',
    factory: 'paddle',
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'paddle-signature',
        format: { kind: 'keyValue', pairSeparator: ';', keyValueSeparator: '=', signatureKey: 'h1', timestampKey: 'ts' },
        signedContent: '{timestamp}:{body}',
        timestamp: { source: 'signatureHeader', unit: 's', ...window(60) },
        keyEncoding: 'utf8',
      },
    },
    deliveryId: [body('event_id')],
    eventType: body('event_type'),
    // `occurred_at`: when the event occurred (https://developer.paddle.com/webhooks/overview).
    eventTime: { jsonPath: 'occurred_at', unit: 'rfc3339' },
  },
  linear: {
    name: 'Linear',
    factory: 'linear',
    scheme: bodyHmac('linear-signature', {
      timestamp: { source: 'jsonPath', jsonPath: 'webhookTimestamp', unit: 'ms', ...window(60) },
    }),
    deliveryId: [header('linear-delivery')],
    eventType: body('type'),
  },
  intercom: {
    name: 'Intercom',
    factory: 'intercom',
    scheme: bodyHmac('x-hub-signature', { algorithm: 'sha1', format: { kind: 'plain', prefix: 'sha1=' } }),
    deliveryId: [body('id')],
    eventType: body('topic'),
    handshakeEventTypes: ['ping'],
    // The notification's `created_at`, in seconds (https://developers.intercom.com/docs/webhooks/webhook-models).
    eventTime: { jsonPath: 'created_at', unit: 's' },
  },
  mailgun: {
    name: 'Mailgun',
    factory: 'mailgun',
    scheme: { mailgun: { toleranceSeconds: 300 } },
    deliveryId: [body('event-data.id')],
    eventType: body('event-data.event'),
    // `event-data.timestamp`, in (fractional) seconds (https://documentation.mailgun.com/docs/mailgun/user-manual/events/).
    eventTime: { jsonPath: 'event-data.timestamp', unit: 's' },
  },
  sendgrid: {
    name: 'SendGrid',
    factory: 'sendgrid',
    scheme: {
      signature: {
        algorithm: 'ecdsa-p256-sha256',
        encoding: 'base64',
        header: 'x-twilio-email-event-webhook-signature',
        format: { kind: 'plain', prefix: '' },
        signedContent: '{timestamp}{body}',
        timestamp: { source: 'header', header: 'x-twilio-email-event-webhook-timestamp', unit: 's', ...window(600) },
        keyEncoding: 'base64',
      },
    },
    // The body is an array of events, each with its sg_event_id: one POST is one delivery (keyed by its hash).
    deliveryId: [],
    eventType: body('0.event'),
  },
  discord: {
    name: 'Discord',
    factory: 'discord',
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
  },
  pagerduty: {
    name: 'PagerDuty',
    factory: 'pagerduty',
    scheme: bodyHmac('x-pagerduty-signature', {
      format: { kind: 'keyValue', pairSeparator: ',', keyValueSeparator: '=', signatureKey: 'v1' },
    }),
    deliveryId: [body('event.id')],
    eventType: body('event.event_type'),
    // `event.occurred_at` (https://developer.pagerduty.com/docs/webhooks-overview).
    eventTime: { jsonPath: 'event.occurred_at', unit: 'rfc3339' },
  },
  gitlab: {
    name: 'GitLab',
    factory: 'gitlab',
    scheme: { token: { header: 'x-gitlab-token' } },
    // `Idempotency-Key` (GitLab 17.4+) stays the same across retries and resends; older instances send only
    // `X-Gitlab-Event-UUID`.
    deliveryId: [header('idempotency-key'), header('x-gitlab-event-uuid')],
    eventType: header('x-gitlab-event'),
  },
  bitbucket: {
    name: 'Bitbucket',
    factory: 'bitbucket',
    scheme: bodyHmac('x-hub-signature', { format: { kind: 'plain', prefix: 'sha256=' } }),
    deliveryId: [header('x-request-uuid')],
    eventType: header('x-event-key'),
  },
  typeform: {
    name: 'Typeform',
    factory: 'typeform',
    scheme: bodyHmac('typeform-signature', { encoding: 'base64', format: { kind: 'plain', prefix: 'sha256=' } }),
    deliveryId: [body('event_id')],
    eventType: body('event_type'),
  },
  calendly: {
    name: 'Calendly',
    factory: 'calendly',
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'calendly-webhook-signature',
        format: { kind: 'keyValue', pairSeparator: ',', keyValueSeparator: '=', signatureKey: 'v1', timestampKey: 't' },
        signedContent: '{timestamp}.{body}',
        timestamp: { source: 'signatureHeader', unit: 's', ...window(180) },
        keyEncoding: 'utf8',
      },
    },
    deliveryId: [],
    eventType: body('event'),
  },
  hubspot: {
    name: 'HubSpot',
    factory: 'hubspot',
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'base64',
        header: 'x-hubspot-signature-v3',
        format: { kind: 'plain', prefix: '' },
        signedContent: '{method}{url}{body}{timestamp}',
        urlDecoding: 'hubspot',
        timestamp: { source: 'header', header: 'x-hubspot-request-timestamp', unit: 'ms', ...window(300) },
        keyEncoding: 'utf8',
      },
    },
    // The body is an array of events, each with its eventId: one POST is one delivery (keyed by its hash).
    deliveryId: [],
    eventType: body('0.subscriptionType'),
    signsUrl: true,
    // The first event's `occurredAt`, in milliseconds (https://developers.hubspot.com/docs/api/webhooks).
    eventTime: { jsonPath: '0.occurredAt', unit: 'ms' },
  },
  meta: {
    name: 'Meta (Facebook, Instagram, WhatsApp)',
    factory: 'meta',
    scheme: bodyHmac('x-hub-signature-256', { format: { kind: 'plain', prefix: 'sha256=' } }),
    deliveryId: [],
    eventType: body('object'),
    handshake: 'meta',
    methods: ['GET', 'POST'],
  },
  twitch: {
    name: 'Twitch EventSub',
    factory: 'twitch',
    scheme: bodyHmac('twitch-eventsub-message-signature', {
      format: { kind: 'plain', prefix: 'sha256=' },
      signedContent: '{id}{timestamp}{body}',
      timestamp: { source: 'header', header: 'twitch-eventsub-message-timestamp', unit: 'rfc3339', ...window(600) },
    }),
    deliveryId: [header('twitch-eventsub-message-id')],
    eventType: header('twitch-eventsub-subscription-type'),
    handshake: 'twitch',
  },
  'lemon-squeezy': {
    name: 'Lemon Squeezy',
    factory: 'lemonSqueezy',
    scheme: bodyHmac('x-signature'),
    deliveryId: [],
    eventType: header('x-event-name'),
  },
  vercel: {
    name: 'Vercel',
    factory: 'vercel',
    scheme: bodyHmac('x-vercel-signature', { algorithm: 'sha1' }),
    deliveryId: [body('id')],
    eventType: body('type'),
  },
  sentry: {
    name: 'Sentry',
    factory: 'sentry',
    scheme: bodyHmac('sentry-hook-signature'),
    deliveryId: [header('request-id')],
    eventType: header('sentry-hook-resource'),
  },
  jira: {
    name: 'Jira',
    factory: 'jira',
    scheme: bodyHmac('x-hub-signature', { format: { kind: 'plain', prefix: 'sha256=' } }),
    deliveryId: [header('x-atlassian-webhook-identifier')],
    eventType: body('webhookEvent'),
  },
  x: {
    name: 'X (Twitter)',
    factory: 'x',
    scheme: bodyHmac('x-twitter-webhooks-signature', { encoding: 'base64', format: { kind: 'plain', prefix: 'sha256=' } }),
    deliveryId: [],
    handshake: 'x',
    methods: ['GET', 'POST'],
  },
  'microsoft-graph': {
    name: 'Microsoft Graph',
    factory: 'microsoftGraph',
    scheme: { token: { jsonPath: 'value.clientState' } },
    deliveryId: [],
    eventType: body('value.0.changeType'),
    handshake: 'graph',
    // The validation request is a POST with `text/plain` and an empty body.
    contentTypes: [...JSON_MEDIA_TYPES, 'text/plain'],
  },
  adyen: {
    name: 'Adyen',
    factory: 'adyen',
    scheme: { adyen: true },
    deliveryId: [],
    // Each notification item is an event of its own, keyed by pspReference and eventCode (Adyen's documented
    // duplicate key); a later POST that repeats some items and adds others enqueues exactly the new ones.
    items: {
      jsonPath: 'notificationItems',
      deliveryId: { jsonPaths: ['NotificationRequestItem.pspReference', 'NotificationRequestItem.eventCode'] },
      eventType: { jsonPath: 'NotificationRequestItem.eventCode' },
    },
  },
  // Standard Webhooks with `webhook-*` headers and a `whsec_` secret (openai-node `lib/webhook-signature.ts`).
  openai: {
    ...standardWebhooks('OpenAI', 'openai', 'webhook'),
    // The event object's `created_at`, in seconds (https://platform.openai.com/docs/guides/webhooks).
    eventTime: { jsonPath: 'created_at', unit: 's' },
  },
  // The webhook secret set on the webhook, not the API key secret (razorpay-node `validateWebhookSignature`).
  razorpay: {
    name: 'Razorpay',
    factory: 'razorpay',
    scheme: bodyHmac('x-razorpay-signature'),
    deliveryId: [header('x-razorpay-event-id')],
    eventType: body('event'),
    // The event's `created_at`, in seconds (https://razorpay.com/docs/webhooks/payloads/).
    eventTime: { jsonPath: 'created_at', unit: 's' },
  },
  // `WorkOS-Signature: t=<ms>, v1=<hex>` (workos-node `src/common/crypto/signature-provider.ts`): milliseconds,
  // and the SDK's default tolerance of 180 000 ms.
  workos: {
    name: 'WorkOS',
    factory: 'workos',
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'workos-signature',
        format: { kind: 'keyValue', pairSeparator: ',', keyValueSeparator: '=', signatureKey: 'v1', timestampKey: 't' },
        signedContent: '{timestamp}.{body}',
        timestamp: { source: 'signatureHeader', unit: 'ms', ...window(180) },
        keyEncoding: 'utf8',
      },
    },
    deliveryId: [body('id')],
    eventType: body('event'),
    // The event's `created_at`, an ISO-8601 time (https://workos.com/docs/events).
    eventTime: { jsonPath: 'created_at', unit: 'rfc3339' },
  },
  // `Mux-Signature: t=<s>,v1=<hex>` (mux-node `src/resources/webhooks/webhooks.ts`), any v1 may match.
  mux: {
    name: 'Mux',
    factory: 'mux',
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'mux-signature',
        format: { kind: 'keyValue', pairSeparator: ',', keyValueSeparator: '=', signatureKey: 'v1', timestampKey: 't' },
        signedContent: '{timestamp}.{body}',
        timestamp: { source: 'signatureHeader', unit: 's', ...window(300) },
        keyEncoding: 'utf8',
      },
    },
    deliveryId: [body('id')],
    eventType: body('type'),
    // The event's `created_at`, an ISO-8601 time (https://www.mux.com/docs/core/listen-for-webhooks).
    eventTime: { jsonPath: 'created_at', unit: 'rfc3339' },
  },
  // `ElevenLabs-Signature: t=<s>,v0=<hex>` (elevenlabs-js `wrapper/webhooks.ts` constructEvent): a 30-minute window.
  elevenlabs: {
    name: 'ElevenLabs',
    factory: 'elevenlabs',
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'elevenlabs-signature',
        format: { kind: 'keyValue', pairSeparator: ',', keyValueSeparator: '=', signatureKey: 'v0', timestampKey: 't' },
        signedContent: '{timestamp}.{body}',
        timestamp: { source: 'signatureHeader', unit: 's', ...window(1800) },
        keyEncoding: 'utf8',
      },
    },
    // ElevenLabs sends no delivery id: the body's hash is the id.
    deliveryId: [],
    eventType: body('type'),
    // `event_timestamp`, in seconds (https://elevenlabs.io/docs/agents-platform/workflows/post-call-webhooks).
    eventTime: { jsonPath: 'event_timestamp', unit: 's' },
  },
  // `X-SHA2-Signature`, hex HMAC-SHA256 of the body with the webhook token (onfido-node `WebhookEventVerifier`);
  // the legacy SHA-1 `X-Signature` is not read. No delivery id and no timestamp: a delivery is keyed by its object
  // and action (one `check.completed` per check).
  onfido: {
    name: 'Onfido',
    factory: 'onfido',
    scheme: bodyHmac('x-sha2-signature'),
    deliveryId: [{ jsonPaths: ['payload.object.id', 'payload.action'] }],
    eventType: body('payload.action'),
  },
  // Standard Webhooks headers, but the key is the secret's text first and its base64 decoding (after `whsec_`)
  // second, as `@polar-sh/sdk`'s `validateEvent` tries them (its `webhooks` module, `hmacKeys`).
  polar: {
    name: 'Polar',
    factory: 'polar',
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'base64',
        header: 'webhook-signature',
        format: { kind: 'list', pairSeparator: ' ', prefix: 'v1,' },
        signedContent: '{id}.{timestamp}.{body}',
        timestamp: { source: 'header', header: 'webhook-timestamp', unit: 's', ...window(300) },
        keyEncoding: 'utf8',
        alternateKeys: [{ keyEncoding: 'base64', keyPrefix: 'whsec_' }],
      },
    },
    deliveryId: [header('webhook-id')],
    eventType: body('type'),
  },
  // Next-generation webhooks: `X-Mollie-Signature: sha256=<hex>`, the HMAC-SHA256 of the body with the signing
  // secret's text (mollie-api-typescript `utils/webhooks/signature_validator.ts`); while a secret is rotated, one
  // header per secret. Classic per-payment webhooks (`id=tr_...` form posts) are unsigned and not covered.
  mollie: {
    name: 'Mollie',
    factory: 'mollie',
    scheme: bodyHmac('x-mollie-signature', { format: { kind: 'list', pairSeparator: ',', prefix: 'sha256=' }, repeatedHeader: true }),
    deliveryId: [body('id')],
    eventType: body('type'),
    // The event's `createdAt` (https://docs.mollie.com/reference/webhooks-new).
    eventTime: { jsonPath: 'createdAt', unit: 'rfc3339' },
  },
  // Stream (Chat): `X-Signature`, hex HMAC-SHA256 of the body with the API secret (stream-chat `verifyWebhook`);
  // `X-Webhook-Id` stays the same across retries (`X-Webhook-Attempt` counts them). Webhook compression (gzip
  // bodies signed over the uncompressed JSON) must stay off: the signature is checked over the bytes received.
  stream: {
    name: 'Stream',
    factory: 'stream',
    scheme: bodyHmac('x-signature'),
    deliveryId: [header('x-webhook-id')],
    eventType: body('type'),
    // The event's `created_at` (https://getstream.io/chat/docs/node/webhooks_overview/).
    eventTime: { jsonPath: 'created_at', unit: 'rfc3339' },
  },
  // Webflow: `x-webflow-signature`, hex HMAC-SHA256 of `{timestamp}:{body}`, the timestamp in milliseconds in
  // `x-webflow-timestamp` (webflow-api `wrapper/WebhooksClient.ts`). The SDK bounds no window; Webflow's
  // documentation says to refuse requests older than 5 minutes. Webhooks created in the dashboard are unsigned.
  webflow: {
    name: 'Webflow',
    factory: 'webflow',
    scheme: bodyHmac('x-webflow-signature', {
      signedContent: '{timestamp}:{body}',
      timestamp: { source: 'header', header: 'x-webflow-timestamp', unit: 'ms', ...window(300) },
    }),
    // Webflow sends no delivery id: the body's hash is the id.
    deliveryId: [],
    eventType: body('triggerType'),
  },
  // Sanity (GROQ webhooks): `sanity-webhook-signature: t=<ms>,v1=<base64url>` over `{t}.{body}` (@sanity/webhook
  // `encodeSignatureHeader`). The SDK bounds no window: ours is 5 minutes. `idempotency-key` is the same on every
  // attempt of a delivery; the operation (create, update, delete) is `sanity-operation`.
  sanity: {
    name: 'Sanity',
    factory: 'sanity',
    scheme: {
      signature: {
        algorithm: 'sha256',
        encoding: 'base64url',
        header: 'sanity-webhook-signature',
        format: { kind: 'keyValue', pairSeparator: ',', keyValueSeparator: '=', signatureKey: 'v1', timestampKey: 't' },
        signedContent: '{timestamp}.{body}',
        timestamp: { source: 'signatureHeader', unit: 'ms', ...window(300) },
        keyEncoding: 'utf8',
      },
    },
    deliveryId: [header('idempotency-key')],
    eventType: header('sanity-operation'),
  },
  // Box: `box-signature-primary` / `box-signature-secondary`, base64 HMAC-SHA256 of the body followed by the
  // `box-delivery-timestamp` (RFC 3339), one per signature key, either may match (box-typescript-sdk-gen
  // `WebhooksManager.validateMessage`, 10-minute maximum age). `box-delivery-id` changes on every retry: a delivery
  // is keyed by the webhook event's body `id`.
  box: {
    name: 'Box',
    factory: 'box',
    scheme: bodyHmac('box-signature-primary', {
      encoding: 'base64',
      otherSignatureHeaders: ['box-signature-secondary'],
      signedContent: '{body}{timestamp}',
      timestamp: { source: 'header', header: 'box-delivery-timestamp', unit: 'rfc3339', ...window(600) },
    }),
    deliveryId: [body('id')],
    eventType: body('trigger'),
    // The webhook event's `created_at` (https://developer.box.com/reference/resources/webhook-invocation/).
    eventTime: { jsonPath: 'created_at', unit: 'rfc3339' },
  },
  // Telnyx (API v2): `telnyx-signature-ed25519` (base64), Ed25519 over `{timestamp}|{body}`, `telnyx-timestamp` in
  // seconds, a 5-minute window both ways (telnyx-node `src/lib/webhooks.ts`); the secret is the account's public
  // key (base64, the raw 32 bytes or DER SPKI).
  telnyx: {
    name: 'Telnyx',
    factory: 'telnyx',
    scheme: {
      signature: {
        algorithm: 'ed25519',
        encoding: 'base64',
        header: 'telnyx-signature-ed25519',
        format: { kind: 'plain', prefix: '' },
        signedContent: '{timestamp}|{body}',
        timestamp: { source: 'header', header: 'telnyx-timestamp', unit: 's', ...window(300) },
        keyEncoding: 'base64',
      },
    },
    deliveryId: [body('data.id')],
    eventType: body('data.event_type'),
    // `data.occurred_at` (https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks).
    eventTime: { jsonPath: 'data.occurred_at', unit: 'rfc3339' },
  },
  // Contentful: `x-contentful-signature`, hex HMAC-SHA256 of the canonical request (method, the public path and
  // query, the headers named in `x-contentful-signed-headers`, body), `x-contentful-timestamp` in milliseconds, the
  // SDK's 30-second time to live (@contentful/node-apps-toolkit `verifyRequest`). It signs its path: the receiver
  // fills in `publicUrl`. No delivery id: keyed by the entity's id, type and version.
  contentful: {
    name: 'Contentful',
    factory: 'contentful',
    scheme: { contentful: { toleranceSeconds: 30 } },
    deliveryId: [{ jsonPaths: ['sys.id', 'sys.type', 'sys.version'] }],
    eventType: header('x-contentful-topic'),
    signsUrl: true,
  },
  // Plivo (V3 signatures): `X-Plivo-Signature-V3` (base64, comma-separated), `X-Plivo-Signature-V3-Nonce`,
  // HMAC-SHA256 with the auth token over the public URL, its sorted query and the sorted form parameters
  // (plivo-node `utils/v3Security.js`). No timestamp and no delivery id: a retry repeats the body, keyed by its hash.
  plivo: {
    name: 'Plivo',
    factory: 'plivo',
    scheme: { plivo: true },
    deliveryId: [],
    contentTypes: [FORM_MEDIA_TYPE],
    jsonBody: false,
    signsUrl: true,
  },
  // `Webhook-Signature`, hex HMAC-SHA256 of the body with the endpoint secret (gocardless-nodejs `webhooks.ts`
  // verifySignature). A body is a batch `{"events": [...]}`: each event is keyed by its own `id` (`EV...`).
  gocardless: {
    name: 'GoCardless',
    factory: 'gocardless',
    scheme: bodyHmac('webhook-signature'),
    deliveryId: [],
    items: {
      jsonPath: 'events',
      deliveryId: { jsonPath: 'id' },
      eventType: { jsonPaths: ['resource_type', 'action'] },
    },
  },
  // `x-line-signature`, base64 HMAC-SHA256 of the body with the channel secret (@line/bot-sdk validateSignature).
  // Each of `events` is keyed by its `webhookEventId`; the console's "Verify" posts `events: []`, answered 200.
  line: {
    name: 'LINE Messaging API',
    factory: 'line',
    scheme: bodyHmac('x-line-signature', { encoding: 'base64' }),
    deliveryId: [],
    items: {
      jsonPath: 'events',
      deliveryId: { jsonPath: 'webhookEventId' },
      eventType: { jsonPath: 'type' },
      emptyIsHandshake: true,
    },
  },
  // `X-Pusher-Signature`, hex HMAC-SHA256 of the body with the app secret; `X-Pusher-Key` names the app key, so the
  // secret is `<app key>:<app secret>` (pusher-http-node `lib/webhook.js` isValid). Pusher's events carry no id:
  // each is keyed by the hash of the body's `time_ms` and the event, so a retry of the batch is a duplicate and the
  // same event in a later batch is not.
  pusher: {
    name: 'Pusher Channels',
    factory: 'pusher',
    scheme: bodyHmac('x-pusher-signature', { keyIdHeader: 'x-pusher-key' }),
    deliveryId: [],
    items: {
      jsonPath: 'events',
      hashWith: 'time_ms',
      eventType: { jsonPath: 'name' },
    },
  },
  // `Authorization: Bearer <JWT>`, HS256 with the account's signature secret, `iss` Vonage, and the claim
  // `payload_hash`, the hex SHA-256 of the body (Vonage's signed webhooks; @vonage/jwt verifySignature checks only
  // the token, so the hash and the iat window are checked here). Status updates repeat a message's uuid: a delivery
  // is keyed by message_uuid and status, an inbound message by its message_uuid.
  vonage: {
    name: 'Vonage',
    factory: 'vonage',
    scheme: {
      jwt: {
        header: 'authorization',
        requireBearer: true,
        algorithm: 'HS256',
        bodyHashClaim: 'payload_hash',
        bodyHashAlgorithm: 'sha256',
        bodyHashEncoding: 'hex',
        issuer: 'Vonage',
        maxAgeSeconds: 300,
        clockSkewSeconds: 10,
      },
    },
    deliveryId: [{ jsonPaths: ['message_uuid', 'status'] }, body('message_uuid')],
    eventType: [body('status'), body('message_type')],
    // The message's or status's `timestamp` (https://developer.vonage.com/en/api/messages).
    eventTime: { jsonPath: 'timestamp', unit: 'rfc3339' },
  },
  // `Authorization: <JWT>`, HS256 with the API secret, `iss` the API key, the claim `sha256` the base64 SHA-256 of
  // the body, bounded by exp and nbf with 10 s of skew (livekit-server-sdk `WebhookReceiver.receive`). The secret is
  // `<API key>:<API secret>`. Content-Type `application/webhook+json`.
  livekit: {
    name: 'LiveKit',
    factory: 'livekit',
    scheme: {
      jwt: {
        header: 'authorization',
        requireBearer: false,
        algorithm: 'HS256',
        bodyHashClaim: 'sha256',
        bodyHashAlgorithm: 'sha256',
        bodyHashEncoding: 'base64',
        issuerIsKeyId: true,
        clockSkewSeconds: 10,
      },
    },
    deliveryId: [body('id')],
    eventType: body('event'),
    // `createdAt`, in seconds (livekit protocol WebhookEvent).
    eventTime: { jsonPath: 'createdAt', unit: 's' },
  },
  // A form post of bt_signature (`<public key>|<hex HMAC-SHA1>` pairs, keyed with SHA-1 of the private key) over
  // bt_payload, the base64 of the XML notification (braintree_node `webhook_notification_gateway.js`). The secret is
  // `<public key>:<private key>`. The GET bt_challenge handshake is answered as the SDK's `verify` does, only for
  // the challenges it accepts. No delivery id: the hash of bt_payload (the notification) keys it, not the form's,
  // whose bt_signature gains a pair when the merchant adds an API key between two attempts.
  braintree: {
    name: 'Braintree',
    factory: 'braintree',
    scheme: { braintree: true },
    deliveryId: [{ formFieldSha256: 'bt_payload' }],
    contentTypes: [FORM_MEDIA_TYPE],
    jsonBody: false,
    handshake: 'braintree',
    methods: ['GET', 'POST'],
  },
  // `Plaid-Verification`: a JWT, ES256 only (checked before anything else), signed with a key Plaid serves by the
  // token's kid (`POST /webhook_verification_key/get` with the client id and secret held in the receiver's secret,
  // fetched by `lambda/verifier/jwks.ts` and cached), claim `request_body_sha256` the hex SHA-256 of the body, `iat`
  // at most 5 minutes old (plaid.com/docs/api/webhooks/webhook-verification). No event id: the body's SHA-256 keys
  // it (it already holds webhook_type, webhook_code and item_id; a retry repeats it, with a new token).
  plaid: {
    name: 'Plaid',
    factory: 'plaid',
    scheme: {
      jwks: {
        header: 'plaid-verification',
        algorithms: ['ES256'],
        keySource: 'plaid',
        bodyHashClaim: 'request_body_sha256',
        bodyHashEncoding: 'hex',
        maxAgeSeconds: 300,
        clockSkewSeconds: 10,
      },
    },
    deliveryId: [],
    eventType: { jsonPaths: ['webhook_type', 'webhook_code'] },
  },
  // A multipart/form-data post whose field `json` is the event; `event.event_hash` = hex HMAC-SHA256(API key,
  // event_time + event_type) (@dropbox/sign `EventCallbackHelper.isValid`). The hash does not cover the body: act on
  // an event only after fetching its signature request from the API. The answer must be 200 with exactly `Hello API
  // Event Received`. Keyed by hash, time and signature request id (events of one second and type share a hash).
  'dropbox-sign': {
    name: 'Dropbox Sign',
    factory: 'dropboxSign',
    scheme: { dropboxSign: { field: 'json' } },
    deliveryId: [
      { jsonPaths: ['event.event_hash', 'event.event_time', 'signature_request.signature_request_id'] },
      { jsonPaths: ['event.event_hash', 'event.event_time'] },
    ],
    eventType: body('event.event_type'),
    handshakeEventTypes: ['callback_test'],
    contentTypes: ['multipart/form-data'],
    multipartJsonField: 'json',
    replyBody: 'Hello API Event Received',
    eventTime: { jsonPath: 'event.event_time', unit: 's' },
  },
  // PayPal: `paypal-transmission-sig`, base64 SHA256withRSA over `{transmission id}|{transmission time}|{webhook
  // id}|{unsigned decimal CRC-32 of the body}`, by the key of the certificate at `paypal-cert-url`, fetched by the
  // verifier only from PayPal's API hosts (https, no redirect, size and time capped, cached per URL) and held to
  // PayPal's subject names. The webhook id is configuration, not a secret. No documented window; the event's `id`
  // (`WH-...`) is the same on every retry.
  paypal: {
    name: 'PayPal',
    factory: 'paypal',
    scheme: {
      certificateUrl: {
        certUrlHeader: 'paypal-cert-url',
        allowedHosts: ['api.paypal.com', 'api-m.paypal.com', 'api.sandbox.paypal.com', 'api-m.sandbox.paypal.com'],
        pathPrefix: '/v1/notifications/certs/',
        signatureHeader: 'paypal-transmission-sig',
        algorithm: 'rsa-sha256',
        algorithmHeader: { header: 'paypal-auth-algo', value: 'SHA256withRSA' },
        signedContent: '{header:paypal-transmission-id}|{header:paypal-transmission-time}|{webhookId}|{crc32}',
        subjectCommonNames: ['messageverificationcerts.paypal.com', 'messageverificationcerts.sandbox.paypal.com'],
        fetchTimeoutMs: 2000,
      },
    },
    deliveryId: [body('id')],
    eventType: body('event_type'),
    // The event's `create_time` (https://developer.paypal.com/api/rest/webhooks/event-names/).
    eventTime: { jsonPath: 'create_time', unit: 'rfc3339' },
  },
  // App Store Server Notifications V2: the body is `{"signedPayload": "<JWS>"}`, ES256, whose `x5c` chain (leaf,
  // intermediate, root) must lead to Apple Root CA - G3 (shipped with the verifier), the leaf carrying
  // 1.2.840.113635.100.6.11.1 and the intermediate 1.2.840.113635.100.6.2.1, valid at the payload's `signedDate`
  // (as @apple/app-store-server-library's SignedDataVerifier without online checks); then the configured bundle id,
  // environment and (Production) app Apple id. Nothing is fetched, no OCSP. Keyed by `notificationUUID`.
  'app-store': {
    name: 'Apple App Store Server Notifications V2',
    factory: 'appStore',
    scheme: {
      x5cJws: {
        jsonPath: 'signedPayload',
        algorithm: 'ES256',
        builtInRoots: ['apple-root-ca-g3'],
        chainLength: 3,
        leafOids: ['1.2.840.113635.100.6.11.1'],
        intermediateOids: ['1.2.840.113635.100.6.2.1'],
        signedDateClaim: 'signedDate',
        claims: [
          { name: 'bundleId', paths: ['data.bundleId', 'summary.bundleId', 'externalPurchaseToken.bundleId', 'appData.bundleId'], value: '' },
          { name: 'environment', paths: ['data.environment', 'summary.environment', 'appData.environment'], value: '' },
          { name: 'appAppleId', paths: ['data.appAppleId', 'summary.appAppleId', 'externalPurchaseToken.appAppleId', 'appData.appAppleId'], value: '' },
        ],
      },
    },
    deliveryId: [{ jsonPath: 'notificationUUID', inJws: 'signedPayload' }],
    eventType: [
      { jsonPaths: ['notificationType', 'subtype'], inJws: 'signedPayload' },
      { jsonPath: 'notificationType', inJws: 'signedPayload' },
    ],
    // `signedDate`, in milliseconds (https://developer.apple.com/documentation/appstoreservernotifications/responsebodyv2decodedpayload).
    eventTime: { jsonPath: 'signedDate', unit: 'ms', inJws: 'signedPayload' },
  },
};

/** The kind of generic schemes (`WebhookProvider.hmac`, ...), whose configuration carries the whole scheme. */
export const CUSTOM_KIND = 'custom';

/** The provider kinds this verifier knows: the catalog, and `custom`. */
export const PROVIDER_KINDS = [...Object.keys(CATALOG), CUSTOM_KIND];

/** The definition of a catalog provider; throws on a kind the catalog does not know (a version mismatch). */
export function definitionOf(kind: string): ProviderDefinition {
  const definition = Object.prototype.hasOwnProperty.call(CATALOG, kind) ? CATALOG[kind] : undefined;
  if (!definition) throw new Error(`Unknown provider kind "${kind}"; the catalog has: ${Object.keys(CATALOG).join(', ')}.`);
  return definition;
}

/** A provider's documented timestamp window in seconds; undefined where it signs no timestamp or bounds none. */
export function defaultToleranceOf(definition: ProviderDefinition): number | undefined {
  return definition.scheme.signature?.timestamp?.toleranceSeconds ?? definition.scheme.mailgun?.toleranceSeconds ?? definition.scheme.contentful?.toleranceSeconds ?? definition.scheme.jwt?.maxAgeSeconds ?? definition.scheme.jwks?.maxAgeSeconds;
}

/** The scheme with its timestamp window set to `seconds` (the receiver's `tolerance`), where it has one. */
function withTolerance(scheme: SchemeConfig, seconds: number | undefined): SchemeConfig {
  if (seconds === undefined) return scheme;
  if (scheme.mailgun) return { ...scheme, mailgun: { toleranceSeconds: seconds } };
  if (scheme.contentful) return { ...scheme, contentful: { toleranceSeconds: seconds } };
  if (scheme.jwt) return scheme.jwt.maxAgeSeconds === undefined ? scheme : { ...scheme, jwt: { ...scheme.jwt, maxAgeSeconds: seconds } };
  if (scheme.jwks) return scheme.jwks.maxAgeSeconds === undefined ? scheme : { ...scheme, jwks: { ...scheme.jwks, maxAgeSeconds: seconds } };
  const timestamp = scheme.signature?.timestamp;
  if (!scheme.signature || !timestamp || timestamp.toleranceSeconds === undefined) return scheme;
  return { ...scheme, signature: { ...scheme.signature, timestamp: { ...timestamp, toleranceSeconds: seconds } } };
}

/**
 * The scheme with a certificate provider's settings filled in: PayPal's webhook id; the App Store's claims, only
 * those given a value (the factory requires bundle id and environment).
 */
function withCertificateSettings(scheme: SchemeConfig, config: ProviderConfig): SchemeConfig {
  const settings = config.certificates;
  if (scheme.certificateUrl) return { ...scheme, certificateUrl: { ...scheme.certificateUrl, webhookId: settings?.webhookId } };
  if (scheme.x5cJws) {
    const claims = (scheme.x5cJws.claims ?? []).flatMap((claim) => {
      const value = settings?.claims?.[claim.name];
      return value === undefined ? [] : [{ ...claim, value }];
    });
    return { ...scheme, x5cJws: { ...scheme.x5cJws, claims } };
  }
  return scheme;
}

/** The media types a provider accepts: its own configuration, else its kind's default. */
export function contentTypesOf(kind: string, configured: readonly string[] | undefined): readonly string[] {
  if (configured) return configured;
  if (kind === CUSTOM_KIND) return [ANY_MEDIA_TYPE];
  return definitionOf(kind).contentTypes ?? JSON_MEDIA_TYPES;
}

/** Fills in each provider's scheme; throws on a kind this verifier does not know (a version mismatch). */
export function resolveProviders(providers: { [path: string]: ProviderConfig }): Map<string, ResolvedProvider> {
  const resolved = new Map<string, ResolvedProvider>();
  for (const [path, config] of Object.entries(providers)) {
    const id = config.id ?? path.replace(/^\//, '');
    const kind = config.kind ?? id;
    if (config.dedupKey && Object.prototype.hasOwnProperty.call(CATALOG, kind) && CATALOG[kind].items) {
      throw new Error(`Provider ${id}: a dedupKey cannot key a body of several events; each is keyed by its own id.`);
    }
    resolved.set(path, {
      id,
      secretId: config.secretId,
      dedupWindowSeconds: config.dedupWindowSeconds ?? DEFAULT_DEDUP_WINDOW_SECONDS,
      publicUrl: config.publicUrl,
      dedupKey: config.dedupKey,
      eventTypes: config.eventTypes,
      ...(kind === CUSTOM_KIND ? resolveCustom(id, config) : resolveCatalog(id, kind, config)),
    });
  }
  return resolved;
}

type Scheme = Omit<ResolvedProvider, 'id' | 'secretId' | 'dedupWindowSeconds' | 'publicUrl' | 'dedupKey' | 'eventTypes'>;

function resolveCatalog(id: string, kind: string, config: ProviderConfig): Scheme {
  let definition: ProviderDefinition;
  try {
    definition = definitionOf(kind);
  } catch {
    throw new Error(`Provider ${id}: unknown kind "${kind}".`);
  }
  return {
    scheme: withCertificateSettings(withTolerance(definition.scheme, config.toleranceSeconds), config),
    deliveryId: definition.deliveryId,
    eventType: definition.eventType,
    handshake: definition.handshake,
    handshakeEventTypes: definition.handshakeEventTypes,
    methods: [...(definition.methods ?? ['POST'])],
    jsonBody: definition.jsonBody ?? true,
    items: definition.items,
    eventTime: definition.eventTime,
    multipartJsonField: definition.multipartJsonField,
    replyBody: definition.replyBody,
  };
}

function resolveCustom(id: string, config: ProviderConfig): Scheme {
  if (!config.scheme) throw new Error(`Provider ${id}: a custom provider needs its scheme.`);
  return { scheme: config.scheme, deliveryId: config.deliveryId ?? [], eventType: config.eventType, methods: ['POST'], jsonBody: false };
}
