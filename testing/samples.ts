/**
 * One realistic sample event per catalog provider, in the shape its documentation gives: the fields the verifier
 * reads (delivery id, event type, event time) where the catalog says they are, and enough of the rest for a
 * processor to be tested on. `eventTypes` lists the types a sample knows (the first is the default); any other type
 * is accepted and written where the provider writes its type.
 *
 * A sample returns the body (an object, serialised as JSON, or a string for form and XML bodies) and the headers
 * that carry its delivery id and event type. Signing headers are added by `sign.ts`.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** What a sample is built from. */
export interface SampleContext {
  readonly eventType: string;
  /** The delivery id (or event id) to use, fresh unless given. */
  readonly id: string;
  /** The time of the event and of the signature, in milliseconds. */
  readonly nowMs: number;
}

export interface Sample {
  /** An object is sent as compact JSON; a string as it is (form posts, XML). */
  readonly body: unknown;
  readonly headers?: Record<string, string>;
  /** @default application/json */
  readonly contentType?: string;
}

export interface SampleDefinition {
  /** Types this sample knows; the first is the default. Empty where the provider sends no event type. */
  readonly eventTypes: readonly string[];
  /** A fresh delivery id in the provider's format. */
  newId(): string;
  build(context: SampleContext): Sample;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const alnum = (length: number) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
};
const seconds = (ms: number) => Math.floor(ms / 1000);
const iso = (ms: number) => new Date(ms).toISOString();
const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A Standard Webhooks style event (`type`, `timestamp`, `data`), used by Svix, Resend, Clerk and the generic scheme. */
function standardEvent(eventTypes: string[], data: (type: string) => Record<string, unknown>, prefix = 'msg_'): SampleDefinition {
  return {
    eventTypes,
    newId: () => `${prefix}${alnum(27)}`,
    build: ({ eventType, nowMs }) => ({ body: { type: eventType, timestamp: iso(nowMs), data: data(eventType) } }),
  };
}

export const SAMPLES: { readonly [kind: string]: SampleDefinition } = {
  stripe: {
    eventTypes: ['payment_intent.succeeded', 'checkout.session.completed', 'customer.subscription.updated', 'invoice.paid', 'charge.refunded'],
    newId: () => `evt_${alnum(24)}`,
    build: ({ eventType, id, nowMs }) => ({
      body: {
        id,
        object: 'event',
        api_version: '2025-10-29.clover',
        created: seconds(nowMs),
        data: { object: { id: `pi_${alnum(24)}`, object: 'payment_intent', amount: 2000, currency: 'usd', status: 'succeeded', customer: `cus_${alnum(14)}` } },
        livemode: false,
        pending_webhooks: 1,
        request: { id: `req_${alnum(14)}`, idempotency_key: randomUUID() },
        type: eventType,
      },
    }),
  },
  github: {
    eventTypes: ['push', 'pull_request', 'issues', 'release', 'workflow_run'],
    newId: () => randomUUID(),
    build: ({ eventType, id }) => ({
      headers: { 'X-GitHub-Event': eventType, 'X-GitHub-Delivery': id, 'X-GitHub-Hook-ID': '123456789', 'User-Agent': 'GitHub-Hookshot/abc1234' },
      body: {
        ref: 'refs/heads/main',
        before: hex(20),
        after: hex(20),
        repository: { id: 1296269, name: 'hello-world', full_name: 'octocat/hello-world', private: false },
        pusher: { name: 'octocat', email: 'octocat@github.com' },
        sender: { login: 'octocat', id: 1 },
        commits: [{ id: hex(20), message: 'Update README', author: { name: 'The Octocat' } }],
      },
    }),
  },
  shopify: {
    eventTypes: ['orders/create', 'orders/paid', 'products/update', 'customers/create', 'app/uninstalled'],
    newId: () => randomUUID(),
    build: ({ eventType, id, nowMs }) => ({
      headers: {
        'X-Shopify-Topic': eventType,
        'X-Shopify-Webhook-Id': id,
        'X-Shopify-Shop-Domain': 'example.myshopify.com',
        'X-Shopify-API-Version': '2025-10',
        'X-Shopify-Triggered-At': iso(nowMs),
        'X-Shopify-Event-Id': randomUUID(),
      },
      body: { id: 820982911946154500, email: 'jon@example.com', created_at: iso(nowMs), total_price: '403.00', currency: 'USD', financial_status: 'paid', line_items: [{ id: 866550311766439000, title: 'IPod Nano - 8GB', quantity: 1, price: '199.00' }] },
    }),
  },
  slack: {
    eventTypes: ['app_mention', 'message', 'reaction_added', 'team_join'],
    newId: () => `Ev${alnum(9).toUpperCase()}`,
    build: ({ eventType, id, nowMs }) => ({
      body: {
        token: alnum(24),
        team_id: 'T0001',
        api_app_id: 'A0001',
        event: { type: eventType, user: 'U0001', text: '<@U0LAN0Z89> is it everything a river should be?', ts: `${seconds(nowMs)}.000100`, channel: 'C0001', event_ts: `${seconds(nowMs)}.000100` },
        type: 'event_callback',
        event_id: id,
        event_time: seconds(nowMs),
        authorizations: [{ team_id: 'T0001', user_id: 'U0001', is_bot: true }],
      },
    }),
  },
  twilio: {
    eventTypes: ['incoming-message', 'message-status'],
    newId: () => `idem-${randomUUID()}`,
    build: ({ eventType, id }) => {
      const sid = `SM${hex(16)}`;
      const params: Record<string, string> = eventType === 'message-status'
        ? { AccountSid: `AC${hex(16)}`, ApiVersion: '2010-04-01', From: '+15017122661', MessageSid: sid, MessageStatus: 'delivered', SmsSid: sid, SmsStatus: 'delivered', To: '+15558675310' }
        : { AccountSid: `AC${hex(16)}`, ApiVersion: '2010-04-01', Body: 'Hello from Twilio', From: '+15558675310', MessageSid: sid, NumMedia: '0', NumSegments: '1', SmsMessageSid: sid, SmsSid: sid, SmsStatus: 'received', To: '+15017122661' };
      return { headers: { 'I-Twilio-Idempotency-Token': id }, contentType: 'application/x-www-form-urlencoded', body: new URLSearchParams(params).toString() };
    },
  },
  'standard-webhooks': standardEvent(['invoice.paid', 'user.created'], () => ({ id: `inv_${alnum(12)}`, amount: 4200, currency: 'usd' })),
  svix: standardEvent(['invoice.paid', 'user.created'], () => ({ id: `inv_${alnum(12)}`, amount: 4200, currency: 'usd' })),
  resend: standardEvent(['email.sent', 'email.delivered', 'email.bounced', 'email.opened'], () => ({
    email_id: randomUUID(), from: 'Acme <onboarding@resend.dev>', to: ['delivered@resend.dev'], subject: 'Sending this example', created_at: new Date().toISOString(),
  })),
  clerk: standardEvent(['user.created', 'user.updated', 'session.created', 'organization.created'], () => ({
    id: `user_${alnum(27)}`, object: 'user', first_name: 'Example', last_name: 'Example', email_addresses: [{ email_address: 'example@example.org', id: `idn_${alnum(27)}` }],
  })),
  zoom: {
    eventTypes: ['meeting.started', 'meeting.ended', 'recording.completed', 'meeting.participant_joined'],
    newId: () => randomUUID(),
    build: ({ eventType, nowMs }) => ({
      body: { event: eventType, event_ts: nowMs, payload: { account_id: 'AAAAAABBBB', object: { id: 85090405567, uuid: `${alnum(22)}==`, host_id: 'z8yAAAAA8bbbQ', topic: 'My Meeting', type: 2, start_time: isoSeconds(nowMs), timezone: 'America/Los_Angeles' } } },
    }),
  },
  square: {
    eventTypes: ['payment.created', 'payment.updated', 'order.created', 'refund.created'],
    newId: () => randomUUID(),
    build: ({ eventType, id, nowMs }) => ({
      body: { merchant_id: '6SSW7HV8K2ST5', type: eventType, event_id: id, created_at: iso(nowMs), data: { type: 'payment', id: alnum(29), object: { payment: { id: alnum(29), amount_money: { amount: 100, currency: 'USD' }, status: 'APPROVED', location_id: 'S8GWD5R9QB376' } } } },
    }),
  },
  paddle: {
    eventTypes: ['transaction.completed', 'subscription.created', 'subscription.updated', 'customer.created'],
    newId: () => `evt_${alnum(26).toLowerCase()}`,
    build: ({ eventType, id, nowMs }) => ({
      body: { event_id: id, event_type: eventType, occurred_at: iso(nowMs), notification_id: `ntf_${alnum(26).toLowerCase()}`, data: { id: `txn_${alnum(26).toLowerCase()}`, status: 'completed', customer_id: `ctm_${alnum(26).toLowerCase()}`, currency_code: 'USD', details: { totals: { total: '2400' } } } },
    }),
  },
  linear: {
    eventTypes: ['Issue', 'Comment', 'Project', 'IssueLabel'],
    newId: () => randomUUID(),
    build: ({ eventType, id, nowMs }) => ({
      headers: { 'Linear-Delivery': id, 'Linear-Event': eventType },
      body: { action: 'create', type: eventType, createdAt: iso(nowMs), organizationId: randomUUID(), url: 'https://linear.app/acme/issue/ENG-1', data: { id: randomUUID(), title: 'A sample issue', identifier: 'ENG-1', priority: 2 }, webhookTimestamp: nowMs, webhookId: randomUUID() },
    }),
  },
  intercom: {
    eventTypes: ['conversation.user.created', 'contact.created', 'conversation.admin.replied'],
    newId: () => `notif_${randomUUID()}`,
    build: ({ eventType, id, nowMs }) => ({
      body: { type: 'notification_event', app_id: 'abc123', id, topic: eventType, delivery_status: 'pending', delivery_attempts: 1, created_at: seconds(nowMs), data: { type: 'notification_event_data', item: { type: 'conversation', id: String(Math.floor(Math.random() * 1e12)) } } },
    }),
  },
  mailgun: {
    eventTypes: ['delivered', 'opened', 'clicked', 'failed', 'complained'],
    newId: () => alnum(22),
    build: ({ eventType, id, nowMs }) => ({
      body: { 'event-data': { id, event: eventType, timestamp: nowMs / 1000, recipient: 'alice@example.com', message: { headers: { 'message-id': `${hex(8)}@example.com`, subject: 'Hello' } } } },
    }),
  },
  sendgrid: {
    eventTypes: ['delivered', 'processed', 'open', 'click', 'bounce'],
    newId: () => alnum(22),
    build: ({ eventType, id, nowMs }) => ({
      body: [{ email: 'example@test.com', timestamp: seconds(nowMs), 'smtp-id': `<${hex(8)}@example.com>`, event: eventType, category: 'cat facts', sg_event_id: id, sg_message_id: `${alnum(22)}.filter0001.16648.5515E0B88.0` }],
    }),
  },
  discord: {
    // Interaction types: 2 APPLICATION_COMMAND, 3 MESSAGE_COMPONENT, 4 AUTOCOMPLETE, 5 MODAL_SUBMIT (1, PING, is the handshake).
    eventTypes: ['2', '3', '4', '5'],
    newId: () => String(BigInt(Date.now() - 1420070400000) << 22n),
    build: ({ eventType, id }) => ({
      body: { id, application_id: '775799577604948009', type: /^\d+$/.test(eventType) ? Number(eventType) : eventType, token: alnum(40), version: 1, data: { id: '771825006014889984', name: 'blep', type: 1, options: [{ name: 'animal', type: 3, value: 'animal_dog' }] }, guild_id: '290926798626357999', channel_id: '645027906669510667', member: { user: { id: '53908232506183680', username: 'Mason' } } },
    }),
  },
  pagerduty: {
    eventTypes: ['incident.triggered', 'incident.acknowledged', 'incident.resolved'],
    newId: () => alnum(26).toUpperCase(),
    build: ({ eventType, id, nowMs }) => ({
      body: { event: { id, event_type: eventType, resource_type: 'incident', occurred_at: iso(nowMs), agent: { type: 'user_reference', id: 'PLH1HKV' }, data: { id: 'PGR0VU2', type: 'incident', title: 'A little bump in the road', status: 'triggered', urgency: 'high', html_url: 'https://acme.pagerduty.com/incidents/PGR0VU2' } } },
    }),
  },
  gitlab: {
    eventTypes: ['Push Hook', 'Merge Request Hook', 'Issue Hook', 'Pipeline Hook'],
    newId: () => randomUUID(),
    build: ({ eventType, id }) => ({
      headers: { 'X-Gitlab-Event': eventType, 'X-Gitlab-Event-UUID': id, 'Idempotency-Key': id, 'X-Gitlab-Instance': 'https://gitlab.com', 'User-Agent': 'GitLab/18.0.0' },
      body: { object_kind: eventType === 'Push Hook' ? 'push' : eventType.replace(/ Hook$/, '').toLowerCase().replace(/ /g, '_'), before: hex(20), after: hex(20), ref: 'refs/heads/main', user_username: 'jsmith', project_id: 15, project: { id: 15, name: 'Diaspora', path_with_namespace: 'mike/diaspora' }, total_commits_count: 1 },
    }),
  },
  bitbucket: {
    eventTypes: ['repo:push', 'pullrequest:created', 'pullrequest:fulfilled', 'issue:created'],
    newId: () => randomUUID(),
    build: ({ eventType, id }) => ({
      headers: { 'X-Event-Key': eventType, 'X-Request-UUID': id, 'X-Hook-UUID': randomUUID(), 'User-Agent': 'Bitbucket-Webhooks/2.0' },
      body: { actor: { display_name: 'Jane Doe', uuid: `{${randomUUID()}}` }, repository: { full_name: 'acme/app', name: 'app', uuid: `{${randomUUID()}}` }, push: { changes: [{ new: { type: 'branch', name: 'main', target: { hash: hex(20) } } }] } },
    }),
  },
  typeform: {
    eventTypes: ['form_response'],
    newId: () => alnum(26).toUpperCase(),
    build: ({ eventType, id, nowMs }) => ({
      body: { event_id: id, event_type: eventType, form_response: { form_id: 'lT4Z3j', token: alnum(32).toLowerCase(), submitted_at: isoSeconds(nowMs), definition: { id: 'lT4Z3j', title: 'Webhooks example', fields: [{ id: 'DlXFaesGBpoF', type: 'long_text', title: 'How was your day?' }] }, answers: [{ type: 'text', text: 'It was great', field: { id: 'DlXFaesGBpoF', type: 'long_text' } }] } },
    }),
  },
  calendly: {
    eventTypes: ['invitee.created', 'invitee.canceled', 'routing_form_submission.created'],
    newId: () => randomUUID(),
    build: ({ eventType, id, nowMs }) => ({
      body: { created_at: iso(nowMs), created_by: `https://api.calendly.com/users/${randomUUID()}`, event: eventType, payload: { uri: `https://api.calendly.com/scheduled_events/${randomUUID()}/invitees/${id}`, email: 'test@example.com', name: 'John Doe', status: 'active', timezone: 'America/New_York', scheduled_event: { name: '15 Minute Meeting', start_time: iso(nowMs + 86_400_000) } } },
    }),
  },
  hubspot: {
    eventTypes: ['contact.creation', 'contact.propertyChange', 'deal.creation', 'company.deletion'],
    newId: () => String(Math.floor(Math.random() * 4e9)),
    build: ({ eventType, id, nowMs }) => ({
      body: [{ eventId: Number(id) || id, subscriptionId: 25, portalId: 62515, appId: 1160452, occurredAt: nowMs, subscriptionType: eventType, attemptNumber: 0, objectId: 123, changeSource: 'CRM', changeFlag: 'NEW' }],
    }),
  },
  meta: {
    eventTypes: ['whatsapp_business_account', 'page', 'instagram'],
    newId: () => hex(16),
    build: ({ eventType, nowMs }) => ({
      body: eventType === 'whatsapp_business_account'
        ? { object: eventType, entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' }, messages: [{ from: '16505551234', id: `wamid.${alnum(40)}`, timestamp: String(seconds(nowMs)), type: 'text', text: { body: 'Hello' } }] } }] }] }
        : { object: eventType, entry: [{ id: '0', time: seconds(nowMs), changes: [{ field: 'feed', value: { item: 'status', verb: 'add', message: 'Hello' } }] }] },
    }),
  },
  twitch: {
    eventTypes: ['channel.follow', 'stream.online', 'channel.subscribe', 'channel.cheer'],
    newId: () => randomUUID(),
    build: ({ eventType, id, nowMs }) => ({
      headers: { 'Twitch-Eventsub-Message-Id': id, 'Twitch-Eventsub-Message-Type': 'notification', 'Twitch-Eventsub-Message-Retry': '0', 'Twitch-Eventsub-Subscription-Type': eventType, 'Twitch-Eventsub-Subscription-Version': '2' },
      body: { subscription: { id: randomUUID(), status: 'enabled', type: eventType, version: '2', cost: 0, condition: { broadcaster_user_id: '1337', moderator_user_id: '1337' }, transport: { method: 'webhook', callback: 'https://example.com/webhooks/callback' }, created_at: iso(nowMs) }, event: { user_id: '1234', user_login: 'cool_user', user_name: 'Cool_User', broadcaster_user_id: '1337', broadcaster_user_login: 'cooler_user', broadcaster_user_name: 'Cooler_User', followed_at: iso(nowMs) } },
    }),
  },
  'lemon-squeezy': {
    eventTypes: ['order_created', 'subscription_created', 'subscription_updated', 'license_key_created'],
    newId: () => randomUUID(),
    build: ({ eventType, nowMs }) => ({
      headers: { 'X-Event-Name': eventType },
      body: { meta: { event_name: eventType, custom_data: { customer_id: 25 } }, data: { type: 'orders', id: String(Math.floor(Math.random() * 1e6)), attributes: { store_id: 1, customer_id: 1, identifier: randomUUID(), user_email: 'darlene@example.com', currency: 'USD', total: 999, status: 'paid', created_at: iso(nowMs) } } },
    }),
  },
  vercel: {
    eventTypes: ['deployment.created', 'deployment.succeeded', 'deployment.error', 'project.created'],
    newId: () => `evt_${alnum(24)}`,
    build: ({ eventType, id, nowMs }) => ({
      body: { id, type: eventType, createdAt: nowMs, region: 'iad1', payload: { team: { id: `team_${alnum(24)}` }, user: { id: alnum(24) }, deployment: { id: `dpl_${alnum(28)}`, name: 'my-app', url: 'my-app-abc123.vercel.app' }, project: { id: `prj_${alnum(28)}` }, target: 'production' } },
    }),
  },
  sentry: {
    eventTypes: ['issue', 'error', 'event_alert', 'installation'],
    newId: () => randomUUID(),
    build: ({ eventType, id, nowMs }) => ({
      headers: { 'Sentry-Hook-Resource': eventType, 'Request-ID': id, 'Sentry-Hook-Timestamp': String(seconds(nowMs)) },
      body: { action: 'created', installation: { uuid: randomUUID() }, data: { issue: { id: '1170820242', shortId: 'FRONTEND-9', title: 'Error: Something went wrong', culprit: 'app/components/index', level: 'error', status: 'unresolved', firstSeen: iso(nowMs) } }, actor: { type: 'application', id: 'sentry', name: 'Sentry' } },
    }),
  },
  jira: {
    eventTypes: ['jira:issue_created', 'jira:issue_updated', 'comment_created'],
    newId: () => String(Math.floor(Math.random() * 1e9)),
    build: ({ eventType, id, nowMs }) => ({
      headers: { 'X-Atlassian-Webhook-Identifier': id, 'X-Atlassian-Webhook-Retry': '0' },
      body: { timestamp: nowMs, webhookEvent: eventType, issue_event_type_name: 'issue_created', user: { accountId: '5b10a2844c20165700ede21g', displayName: 'Jane' }, issue: { id: '10002', key: 'ED-1', fields: { summary: 'A sample issue', status: { name: 'To Do' } } } },
    }),
  },
  x: {
    eventTypes: [],
    newId: () => hex(8),
    build: ({ nowMs }) => ({
      body: { for_user_id: '2244994945', tweet_create_events: [{ created_at: new Date(nowMs).toUTCString(), id_str: String(Math.floor(Math.random() * 1e18)), text: 'Hello @XDevelopers', user: { id_str: '3001969357', screen_name: 'jack' } }] },
    }),
  },
  'microsoft-graph': {
    eventTypes: ['created', 'updated', 'deleted'],
    newId: () => randomUUID(),
    build: ({ eventType, nowMs }) => ({
      body: { value: [{ subscriptionId: randomUUID(), subscriptionExpirationDateTime: iso(nowMs + 3 * 86_400_000), changeType: eventType, resource: `Users/${randomUUID()}/Messages/${alnum(40)}`, resourceData: { '@odata.type': '#Microsoft.Graph.Message', id: alnum(40) }, clientState: '', tenantId: randomUUID() }] },
    }),
  },
  adyen: {
    eventTypes: ['AUTHORISATION', 'CAPTURE', 'REFUND', 'CANCELLATION'],
    newId: () => alnum(16).toUpperCase(),
    build: ({ eventType, id, nowMs }) => ({
      body: { live: 'false', notificationItems: [{ NotificationRequestItem: { additionalData: {}, amount: { currency: 'EUR', value: 1000 }, eventCode: eventType, eventDate: isoSeconds(nowMs).replace('Z', '+00:00'), merchantAccountCode: 'YOUR_MERCHANT_ACCOUNT', merchantReference: `order-${hex(4)}`, paymentMethod: 'visa', pspReference: id, reason: '', success: 'true' } }] },
    }),
  },
  openai: standardEvent(['response.completed', 'batch.completed', 'fine_tuning.job.succeeded', 'eval.run.succeeded'], () => ({ id: `resp_${hex(24)}` }), 'wh_'),
  razorpay: {
    eventTypes: ['payment.captured', 'payment.authorized', 'order.paid', 'refund.processed'],
    newId: () => alnum(14),
    build: ({ eventType, id, nowMs }) => ({
      headers: { 'X-Razorpay-Event-Id': id },
      body: { entity: 'event', account_id: `acc_${alnum(14)}`, event: eventType, contains: ['payment'], payload: { payment: { entity: { id: `pay_${alnum(14)}`, entity: 'payment', amount: 50000, currency: 'INR', status: 'captured', method: 'card' } } }, created_at: seconds(nowMs) },
    }),
  },
  workos: {
    eventTypes: ['user.created', 'dsync.user.created', 'connection.activated', 'authentication.email_verification_succeeded'],
    newId: () => `event_${alnum(26).toUpperCase()}`,
    build: ({ eventType, id, nowMs }) => ({
      body: { id, event: eventType, data: { object: 'user', id: `user_${alnum(26).toUpperCase()}`, email: 'todd@example.com', first_name: 'Todd', last_name: 'Rundgren', email_verified: false, created_at: iso(nowMs), updated_at: iso(nowMs) }, created_at: iso(nowMs) },
    }),
  },
  mux: {
    eventTypes: ['video.asset.ready', 'video.asset.created', 'video.upload.asset_created', 'video.live_stream.active'],
    newId: () => randomUUID(),
    build: ({ eventType, id, nowMs }) => ({
      body: { type: eventType, object: { type: 'asset', id: alnum(32) }, id, environment: { name: 'Production', id: alnum(6) }, data: { id: alnum(32), status: 'ready', playback_ids: [{ policy: 'public', id: alnum(32) }], duration: 23.8, created_at: String(seconds(nowMs)) }, created_at: iso(nowMs), attempts: [], accessor_source: null, accessor: null, request_id: null },
    }),
  },
  elevenlabs: {
    eventTypes: ['post_call_transcription', 'post_call_audio'],
    newId: () => hex(16),
    build: ({ eventType, nowMs }) => ({
      body: { type: eventType, event_timestamp: seconds(nowMs), data: { agent_id: `agent_${alnum(26)}`, conversation_id: `conv_${alnum(26)}`, status: 'done', transcript: [{ role: 'agent', message: 'Hey there! How can I help?', time_in_call_secs: 0 }], metadata: { start_time_unix_secs: seconds(nowMs) - 60, call_duration_secs: 22 } } },
    }),
  },
  onfido: {
    eventTypes: ['check.completed', 'report.completed', 'workflow_run.completed'],
    newId: () => randomUUID(),
    build: ({ eventType, id, nowMs }) => ({
      body: { payload: { resource_type: eventType.split('.')[0], action: eventType, object: { id, status: 'complete', completed_at_iso8601: isoSeconds(nowMs), href: `https://api.onfido.com/v3.6/checks/${id}` } } },
    }),
  },
  polar: standardEvent(['order.paid', 'subscription.created', 'subscription.active', 'checkout.updated'], () => ({ id: randomUUID(), amount: 1000, currency: 'usd', status: 'paid' }), ''),
  mollie: {
    eventTypes: ['payment-link.paid', 'sales-invoice.paid', 'sales-invoice.created'],
    newId: () => `event_${alnum(22)}`,
    build: ({ eventType, id, nowMs }) => ({
      body: { resource: 'event', id, type: eventType, entityId: `pl_${alnum(10)}`, createdAt: isoSeconds(nowMs), _links: { self: { href: `https://api.mollie.com/v2/events/${id}`, type: 'application/hal+json' } } },
    }),
  },
  stream: {
    eventTypes: ['message.new', 'message.updated', 'channel.created', 'user.updated'],
    newId: () => randomUUID(),
    build: ({ eventType, id, nowMs }) => ({
      headers: { 'X-Webhook-Id': id, 'X-Webhook-Attempt': '1', 'X-Api-Key': alnum(12).toLowerCase() },
      body: { type: eventType, cid: 'messaging:general', channel_type: 'messaging', channel_id: 'general', message: { id: randomUUID(), text: 'Hello', user: { id: 'jane' }, created_at: iso(nowMs) }, user: { id: 'jane' }, created_at: iso(nowMs) },
    }),
  },
  webflow: {
    eventTypes: ['form_submission', 'site_publish', 'collection_item_created', 'ecomm_new_order'],
    newId: () => hex(12),
    build: ({ eventType, nowMs }) => ({
      body: { triggerType: eventType, payload: { name: 'Contact form', siteId: hex(12), data: { Name: 'Jane', Email: 'jane@example.com' }, submittedAt: iso(nowMs), id: hex(12), formId: hex(12) } },
    }),
  },
  sanity: {
    eventTypes: ['create', 'update', 'delete'],
    newId: () => `idem-${randomUUID()}`,
    build: ({ eventType, id, nowMs }) => ({
      headers: { 'idempotency-key': id, 'sanity-operation': eventType, 'sanity-document-id': `post-${hex(4)}`, 'sanity-project-id': 'abc123de', 'sanity-dataset': 'production' },
      body: { _id: `post-${hex(4)}`, _type: 'post', _rev: alnum(22), title: 'Hello world', _updatedAt: isoSeconds(nowMs) },
    }),
  },
  box: {
    eventTypes: ['FILE.UPLOADED', 'FILE.DOWNLOADED', 'FOLDER.CREATED', 'COMMENT.CREATED'],
    newId: () => randomUUID(),
    build: ({ eventType, id, nowMs }) => ({
      headers: { 'box-delivery-id': randomUUID(), 'box-signature-version': '1', 'box-signature-algorithm': 'HmacSHA256' },
      body: { type: 'webhook_event', id, created_at: isoSeconds(nowMs).replace('Z', '+00:00'), trigger: eventType, webhook: { id: '1234567890', type: 'webhook' }, created_by: { type: 'user', id: '1234567', name: 'Aaron Levie', login: 'ceo@example.com' }, source: { id: '123456789', type: 'file', name: 'Contract.pdf' } },
    }),
  },
  telnyx: {
    eventTypes: ['message.received', 'message.finalized', 'call.initiated', 'call.hangup'],
    newId: () => randomUUID(),
    build: ({ eventType, id, nowMs }) => ({
      body: { data: { event_type: eventType, id, occurred_at: iso(nowMs), payload: { id: randomUUID(), direction: 'inbound', from: { phone_number: '+13125550001' }, to: [{ phone_number: '+17735550002' }], text: 'Hello', type: 'SMS' }, record_type: 'event' }, meta: { attempt: 1, delivered_to: 'https://example.com/webhooks' } },
    }),
  },
  contentful: {
    eventTypes: ['ContentManagement.Entry.publish', 'ContentManagement.Entry.unpublish', 'ContentManagement.Asset.publish', 'ContentManagement.Entry.save'],
    newId: () => alnum(22),
    build: ({ eventType, id, nowMs }) => ({
      headers: { 'X-Contentful-Topic': eventType, 'X-Contentful-Webhook-Name': 'Sample webhook' },
      contentType: 'application/vnd.contentful.management.v1+json',
      body: { sys: { type: eventType.split('.')[1] ?? 'Entry', id, space: { sys: { type: 'Link', linkType: 'Space', id: 'yadj1kx9rmg0' } }, environment: { sys: { id: 'master', type: 'Link', linkType: 'Environment' } }, contentType: { sys: { type: 'Link', linkType: 'ContentType', id: 'blogPost' } }, revision: 1, version: 2, createdAt: iso(nowMs), updatedAt: iso(nowMs) }, fields: { title: { 'en-US': 'Hello, World!' } } },
    }),
  },
  plivo: {
    eventTypes: ['incoming-message', 'message-status'],
    newId: () => hex(10),
    build: ({ eventType }) => {
      const uuid = randomUUID();
      const params: Record<string, string> = eventType === 'message-status'
        ? { From: '14155550100', MessageUUID: uuid, Status: 'delivered', To: '14155550101', TotalAmount: '0.00500', TotalRate: '0.00500', Units: '1' }
        : { From: '14155550100', MessageUUID: uuid, Text: 'Hello from Plivo', To: '14155550101', TotalAmount: '0', TotalRate: '0', Type: 'sms', Units: '1' };
      return { contentType: 'application/x-www-form-urlencoded', body: new URLSearchParams(params).toString() };
    },
  },
  gocardless: {
    eventTypes: ['payments:confirmed', 'payments:paid_out', 'mandates:active', 'subscriptions:created'],
    newId: () => `EV${alnum(12).toUpperCase()}`,
    build: ({ eventType, id, nowMs }) => {
      const [resourceType, action] = eventType.includes(':') ? eventType.split(':', 2) : ['payments', eventType];
      return { body: { events: [{ id, created_at: iso(nowMs), resource_type: resourceType, action, links: { [resourceType.replace(/s$/, '')]: `${resourceType.slice(0, 2).toUpperCase()}${alnum(12).toUpperCase()}` }, details: { origin: 'gocardless', cause: `payment_${action}`, description: 'Sample event.' }, metadata: {} }] } };
    },
  },
  line: {
    eventTypes: ['message', 'follow', 'unfollow', 'postback'],
    newId: () => `01${alnum(24).toUpperCase()}`,
    build: ({ eventType, id, nowMs }) => ({
      body: { destination: `U${hex(16)}`, events: [{ type: eventType, message: { type: 'text', id: String(Math.floor(Math.random() * 1e15)), text: 'Hello, world' }, webhookEventId: id, deliveryContext: { isRedelivery: false }, timestamp: nowMs, source: { type: 'user', userId: `U${hex(16)}` }, replyToken: hex(16), mode: 'active' }] },
    }),
  },
  pusher: {
    eventTypes: ['channel_occupied', 'channel_vacated', 'member_added', 'client_event'],
    newId: () => hex(8),
    build: ({ eventType, nowMs }) => ({
      body: { time_ms: nowMs, events: [{ name: eventType, channel: `presence-room-${hex(3)}`, ...(eventType === 'member_added' ? { user_id: '42' } : {}) }] },
    }),
  },
  vonage: {
    // A status update (its `status`), or an inbound message (`message_type`).
    eventTypes: ['delivered', 'submitted', 'read', 'rejected', 'text'],
    newId: () => randomUUID(),
    build: ({ eventType, id, nowMs }) => ({
      body: ['text', 'image', 'audio', 'video', 'file'].includes(eventType)
        ? { channel: 'sms', message_uuid: id, to: '447700900000', from: '447700900001', timestamp: isoSeconds(nowMs), text: 'Hello from Vonage', message_type: eventType }
        : { message_uuid: id, to: '447700900000', from: '447700900001', timestamp: isoSeconds(nowMs), status: eventType, usage: { currency: 'EUR', price: '0.0333' }, channel: 'sms' },
    }),
  },
  livekit: {
    eventTypes: ['room_started', 'room_finished', 'participant_joined', 'egress_ended'],
    newId: () => `EV_${alnum(12)}`,
    build: ({ eventType, id, nowMs }) => ({
      contentType: 'application/webhook+json',
      body: { event: eventType, room: { sid: `RM_${alnum(12)}`, name: 'my-room', emptyTimeout: 300, creationTime: String(seconds(nowMs)) }, id, createdAt: String(seconds(nowMs)) },
    }),
  },
  'dropbox-sign': {
    eventTypes: ['signature_request_signed', 'signature_request_sent', 'signature_request_all_signed', 'signature_request_declined'],
    newId: () => hex(20),
    build: ({ eventType, id, nowMs }) => ({
      // The event (the `json` field); sign.ts sets event.event_hash and wraps it in a multipart/form-data body.
      body: {
        event: { event_time: String(seconds(nowMs)), event_type: eventType, event_hash: '', event_metadata: { related_signature_id: hex(20), reported_for_account_id: hex(20), reported_for_app_id: null, event_message: null } },
        signature_request: { signature_request_id: id, title: 'NDA with Acme Co.', is_complete: eventType === 'signature_request_all_signed', signatures: [{ signature_id: hex(20), signer_email_address: 'jack@example.com', status_code: 'signed' }] },
      },
    }),
  },
  braintree: {
    eventTypes: ['subscription_charged_successfully', 'subscription_went_past_due', 'disbursement', 'check'],
    newId: () => hex(8),
    build: ({ eventType, id, nowMs }) => ({
      contentType: 'application/x-www-form-urlencoded',
      // The XML notification; sign.ts wraps it into bt_signature and bt_payload.
      body: `<notification>\n  <timestamp type="datetime">${isoSeconds(nowMs)}</timestamp>\n  <kind>${eventType}</kind>\n  <subject>\n    <subscription>\n      <id>${id}</id>\n      <transactions type="array"></transactions>\n      <add-ons type="array"></add-ons>\n      <discounts type="array"></discounts>\n    </subscription>\n  </subject>\n</notification>\n`,
    }),
  },
  // PayPal (developer.paypal.com/api/rest/webhooks/event-names/): the event; sign.ts adds the PAYPAL-* headers.
  paypal: {
    eventTypes: ['PAYMENT.CAPTURE.COMPLETED', 'CHECKOUT.ORDER.APPROVED', 'BILLING.SUBSCRIPTION.ACTIVATED', 'PAYMENT.CAPTURE.REFUNDED'],
    newId: () => `WH-${alnum(17).toUpperCase()}-${alnum(17).toUpperCase()}`,
    build: ({ eventType, id, nowMs }) => ({
      body: {
        id,
        event_version: '1.0',
        create_time: iso(nowMs),
        resource_type: eventType.startsWith('BILLING.') ? 'subscription' : eventType.startsWith('CHECKOUT.') ? 'checkout-order' : eventType.endsWith('REFUNDED') ? 'refund' : 'capture',
        resource_version: '2.0',
        event_type: eventType,
        summary: `${eventType} for $ 42.00 USD`,
        resource: { id: alnum(17).toUpperCase(), status: 'COMPLETED', amount: { currency_code: 'USD', value: '42.00' }, create_time: iso(nowMs), update_time: iso(nowMs) },
        links: [{ href: `https://api-m.paypal.com/v1/notifications/webhooks-events/${id}`, rel: 'self', method: 'GET' }],
      },
    }),
  },
  // App Store Server Notifications V2 (developer.apple.com/documentation/appstoreservernotifications/
  // responsebodyv2decodedpayload): the decoded payload; sign.ts signs it as the JWS of {"signedPayload": ...}, with
  // the bundle id, environment and app Apple id of the receiver. A type is `notificationType` or `<type>:<subtype>`.
  'app-store': {
    eventTypes: ['DID_RENEW', 'SUBSCRIBED:INITIAL_BUY', 'DID_CHANGE_RENEWAL_STATUS:AUTO_RENEW_DISABLED', 'REFUND', 'TEST'],
    newId: () => randomUUID(),
    build: ({ eventType, id, nowMs }) => {
      const [notificationType, subtype] = eventType.split(':');
      return {
        body: {
          notificationType,
          ...(subtype ? { subtype } : {}),
          notificationUUID: id,
          data: { bundleVersion: '1.0', status: 1, signedTransactionInfo: 'eyJhbGciOiJFUzI1NiJ9.sample-transaction.sample', signedRenewalInfo: 'eyJhbGciOiJFUzI1NiJ9.sample-renewal.sample' },
          version: '2.0',
          signedDate: Math.floor(nowMs),
        },
      };
    },
  },
  // Plaid (plaid.com/docs/api/webhooks/): no event id; the type is `<webhook_type>:<webhook_code>`. sign.ts adds the
  // Plaid-Verification token.
  plaid: {
    eventTypes: ['TRANSACTIONS:SYNC_UPDATES_AVAILABLE', 'ITEM:ERROR', 'ITEM:PENDING_EXPIRATION', 'AUTH:AUTOMATICALLY_VERIFIED'],
    newId: () => alnum(37),
    build: ({ eventType, id }) => {
      const [webhookType, webhookCode = ''] = eventType.split(':');
      return {
        body: {
          webhook_type: webhookType,
          webhook_code: webhookCode,
          item_id: id,
          ...(webhookType === 'TRANSACTIONS' ? { initial_update_complete: true, historical_update_complete: false } : {}),
          ...(webhookType === 'ITEM' && webhookCode === 'ERROR' ? { error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_message: 'the login details of this item have changed' } } : {}),
          environment: 'sandbox',
        },
      };
    },
  },
};
