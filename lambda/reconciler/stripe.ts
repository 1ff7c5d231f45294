/**
 * Stripe: `GET /v1/events` over the window (`created[gte]`, `created[lt]`, `types[]` when the provider lists its
 * event types and they fit the API's limit of 20), newest first, paged with `starting_after`. Each event the inbox
 * has not seen (keyed by the event id, as the verifier keys a Stripe delivery) is read on its own
 * (`GET /v1/events/{id}`, so the body is the event JSON exactly as the API returned it) and goes through the
 * verifier's claim -> SendMessage -> enqueued path with `origin: 'reconciliation'` and `auth: 'provider-api'`.
 */
import { createHash } from 'node:crypto';
import { DeliveryInFlightError, PayloadTooLargeError } from '../verifier/errors';
import { callApi } from './http';
import type { Counts, Source, SourceContext, Window } from './source';

const STRIPE_API = 'https://api.stripe.com';
/** Stripe's limit on `types[]` values in one list request. */
const MAX_TYPES = 20;
const PAGE_SIZE = 100;

interface StripeEvent {
  readonly id: string;
  readonly type: string;
  readonly created: number;
}

interface StripeList {
  readonly data: StripeEvent[];
  readonly has_more: boolean;
}

export function stripeSource(context: SourceContext): Source {
  const base = context.provider.apiBaseUrl ?? STRIPE_API;
  const types = context.provider.eventTypes;
  const headers = { authorization: `Bearer ${context.credential}`, accept: 'application/json' };

  return {
    async handlePage(window: Window, page: string | undefined, counts: Counts) {
      const url = new URL('/v1/events', base);
      url.searchParams.set('created[gte]', String(window.since));
      url.searchParams.set('created[lt]', String(window.until));
      url.searchParams.set('limit', String(PAGE_SIZE));
      if (types && types.length <= MAX_TYPES) types.forEach((type) => url.searchParams.append('types[]', type));
      if (page !== undefined) url.searchParams.set('starting_after', page);
      const list = (await (await callApi(context.http, 'Stripe list events', url.toString(), { headers })).json()) as StripeList;
      if (!Array.isArray(list.data)) throw new Error('Stripe list events: no data array in the answer');

      const events = list.data.filter((event) => types === undefined || types.includes(event.type));
      counts.checked += events.length;
      const nowMs = context.now();
      const seen = await Promise.all(events.map((event) => context.seen(context.provider.id, event.id, nowMs)));
      for (const [i, event] of events.entries()) {
        if (seen[i]) continue;
        await enqueueEvent(context, base, headers, event, counts);
      }
      return list.has_more && list.data.length > 0 ? list.data[list.data.length - 1].id : undefined;
    },
  };
}

async function enqueueEvent(context: SourceContext, base: string, headers: Record<string, string>, event: StripeEvent, counts: Counts): Promise<void> {
  const url = new URL(`/v1/events/${encodeURIComponent(event.id)}`, base).toString();
  const body = Buffer.from(await (await callApi(context.http, 'Stripe retrieve event', url, { headers })).arrayBuffer());
  const sha256 = createHash('sha256').update(body).digest('hex');
  const eventTime = Number.isFinite(event.created) ? new Date(event.created * 1000).toISOString() : undefined;
  try {
    const result = await context.enqueue({
      provider: context.provider.id,
      events: [{ deliveryId: event.id, eventType: event.type, ...(eventTime ? { eventTime } : {}), payloadSha256: sha256 }],
      body,
      bodySha256: sha256,
      contentType: 'application/json',
      auth: { method: 'provider-api', bodySigned: false },
      dedupWindowSeconds: context.provider.dedupWindowSeconds,
      nowMs: context.now(),
      origin: 'reconciliation',
    });
    // Claimed by a delivery between our look and our claim: it was not missed after all.
    if (result.enqueued > 0) {
      counts.missed += 1;
      context.log.warn('missed event enqueued by reconciliation', { provider: context.provider.id, deliveryId: event.id, eventType: event.type });
    }
  } catch (error) {
    if (error instanceof DeliveryInFlightError) return; // a delivery of it is being enqueued now
    if (error instanceof PayloadTooLargeError) {
      // Cannot be queued without the claim check; counted as missed, so the alarm fires and the runbook applies.
      counts.missed += 1;
      context.log.error('missed event too large for one queue message; not enqueued', { provider: context.provider.id, deliveryId: event.id, bytes: body.length });
      return;
    }
    throw error;
  }
}
