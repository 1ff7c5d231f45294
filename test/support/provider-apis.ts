/**
 * Loopback stand-ins of the two provider APIs the reconciler reads, answering with the real response shapes:
 *
 * - Stripe (https://docs.stripe.com/api/events/list): `GET /v1/events` with `created[gte]`, `created[lt]`,
 *   `types[]`, `limit`, `starting_after`, newest first, `{ object: 'list', data, has_more, url }`; `GET /v1/events/:id`
 *   the event itself (pretty-printed, as Stripe's API answers). The `stripe` package, pointed at it, lists and
 *   auto-paginates it (checked in test/reconcile.test.ts).
 * - GitHub (https://docs.github.com/rest/repos/webhooks#list-deliveries-for-a-repository-webhook):
 *   `GET /repos/:owner/:repo/hooks/:id/deliveries` (and the `orgs` and `app/hook` variants) with `per_page` and
 *   `cursor`, newest first, `Link: <...?cursor=..>; rel="next"`; `POST .../deliveries/:id/attempts` answers 202.
 *
 * Both check the credential (`Authorization: Bearer <key>`, else 401), record every request, and take scripted
 * faults: a status (with headers) for the next request(s) that match a predicate.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization?: string;
  readonly at: number;
}

export interface Fault {
  readonly when: (request: RecordedRequest) => boolean;
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** How many matching requests get the fault. @default 1 */
  times?: number;
}

abstract class StandIn {
  readonly requests: RecordedRequest[] = [];
  private readonly faults: Fault[] = [];
  private server?: Server;
  baseUrl = '';

  constructor(readonly accepts: (authorization: string | undefined) => boolean) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  fail(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const request: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, at: Date.now() };
    this.requests.push(request);
    req.resume();
    req.on('end', () => {
      const fault = this.faults.find((f) => (f.times ?? 1) > 0 && f.when(request));
      if (fault) {
        fault.times = (fault.times ?? 1) - 1;
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(JSON.stringify(fault.body ?? { error: { message: 'stand-in fault' } }));
        return;
      }
      if (!this.accepts(req.headers.authorization)) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } }));
        return;
      }
      const answer = this.route(request);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.text ?? '');
    });
  }

  protected abstract route(request: RecordedRequest): { status: number; headers?: Record<string, string>; text?: string };
}

export interface StripeEventFixture {
  readonly id: string;
  readonly type: string;
  /** Epoch seconds. */
  readonly created: number;
}

/** A Stripe event object as the API returns it. */
export function stripeEvent(fixture: StripeEventFixture): Record<string, unknown> {
  return {
    id: fixture.id,
    object: 'event',
    api_version: '2025-10-29.clover',
    created: fixture.created,
    data: { object: { id: `in_${fixture.id.slice(4, 18)}`, object: 'invoice', amount_paid: 2000, currency: 'usd' } },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: fixture.type,
  };
}

export class StripeApi extends StandIn {
  readonly events: Record<string, unknown>[] = [];

  constructor(readonly apiKey: string) {
    super((authorization) => authorization === `Bearer ${apiKey}`);
  }

  add(...fixtures: StripeEventFixture[]): void {
    this.events.push(...fixtures.map(stripeEvent));
  }

  /** The exact bytes `GET /v1/events/:id` answers. */
  eventText(id: string): string {
    return `${JSON.stringify(this.events.find((e) => e.id === id), null, 2)}\n`;
  }

  protected route(request: RecordedRequest) {
    const one = /^\/v1\/events\/([^/]+)$/.exec(request.path);
    if (request.method === 'GET' && one) {
      const id = decodeURIComponent(one[1]);
      if (!this.events.some((e) => e.id === id)) return { status: 404, text: JSON.stringify({ error: { type: 'invalid_request_error', message: `No such event: '${id}'` } }) };
      return { status: 200, text: this.eventText(id) };
    }
    if (request.method !== 'GET' || request.path !== '/v1/events') return { status: 404, text: '{}' };
    const q = request.query;
    const num = (name: string) => (q.get(name) === null ? undefined : Number(q.get(name)));
    const gte = num('created[gte]');
    const lt = num('created[lt]');
    const types = q.getAll('types[]');
    const limit = Math.min(100, num('limit') ?? 10);
    // Newest first; events of one second in a stable order.
    let matching = this.events
      .filter((e) => (gte === undefined || (e.created as number) >= gte) && (lt === undefined || (e.created as number) < lt))
      .filter((e) => types.length === 0 || types.includes(e.type as string))
      .sort((a, b) => (b.created as number) - (a.created as number) || String(b.id).localeCompare(String(a.id)));
    const after = q.get('starting_after');
    if (after !== null) {
      const index = matching.findIndex((e) => e.id === after);
      if (index < 0) return { status: 400, text: JSON.stringify({ error: { type: 'invalid_request_error', message: 'starting_after: no such object' } }) };
      matching = matching.slice(index + 1);
    }
    const data = matching.slice(0, limit);
    return { status: 200, text: JSON.stringify({ object: 'list', data, has_more: matching.length > limit, url: '/v1/events' }) };
  }
}

export interface HookDeliveryFixture {
  readonly id: number;
  readonly guid: string;
  /** Epoch seconds. */
  readonly deliveredAt: number;
  /** 0: no answer (timeout, connection refused). */
  readonly statusCode: number;
  readonly event: string;
  readonly action?: string;
  readonly redelivery?: boolean;
}

/** A hook delivery as the API lists it. */
export function hookDelivery(fixture: HookDeliveryFixture): Record<string, unknown> {
  return {
    id: fixture.id,
    guid: fixture.guid,
    delivered_at: new Date(fixture.deliveredAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    redelivery: fixture.redelivery ?? false,
    duration: 0.27,
    status: fixture.statusCode === 0 ? 'timed out' : fixture.statusCode < 300 ? 'OK' : `Invalid HTTP Response: ${fixture.statusCode}`,
    status_code: fixture.statusCode,
    event: fixture.event,
    action: fixture.action ?? null,
    installation_id: null,
    repository_id: 1296269,
    throttled_at: null,
  };
}

export class GitHubApi extends StandIn {
  readonly deliveries: Record<string, unknown>[] = [];
  /** Delivery ids for which a redelivery was requested, in order. */
  readonly redeliveries: number[] = [];

  constructor(
    readonly token: string,
    /** The deliveries path of the hook it serves, e.g. `/repos/octo/hello/hooks/12/deliveries`. */
    readonly hookPath: string,
    readonly pageSize?: number,
  ) {
    super((authorization) => authorization === `Bearer ${token}`);
  }

  add(...fixtures: HookDeliveryFixture[]): void {
    this.deliveries.push(...fixtures.map(hookDelivery));
  }

  protected route(request: RecordedRequest) {
    const attempt = new RegExp(`^${this.hookPath}/(\\d+)/attempts$`).exec(request.path);
    if (request.method === 'POST' && attempt) {
      const id = Number(attempt[1]);
      if (!this.deliveries.some((d) => d.id === id)) return { status: 404, text: JSON.stringify({ message: 'Not Found' }) };
      this.redeliveries.push(id);
      return { status: 202, text: '{}' };
    }
    if (request.method !== 'GET' || request.path !== this.hookPath) return { status: 404, text: JSON.stringify({ message: 'Not Found' }) };
    const perPage = Math.min(100, this.pageSize ?? Number(request.query.get('per_page') ?? 30));
    const sorted = [...this.deliveries].sort((a, b) => (b.id as number) - (a.id as number));
    // GitHub's cursor is opaque; this one names the last delivery of the previous page.
    const cursor = request.query.get('cursor');
    const start = cursor === null ? 0 : sorted.findIndex((d) => `v1_${d.id}` === cursor) + 1;
    const page = sorted.slice(start, start + perPage);
    const headers: Record<string, string> = {};
    if (start + perPage < sorted.length) {
      const next = new URL(`${this.baseUrl}${this.hookPath}`);
      next.searchParams.set('per_page', String(perPage));
      next.searchParams.set('cursor', `v1_${page[page.length - 1].id}`);
      headers.link = `<${next}>; rel="next"`;
    }
    return { status: 200, headers, text: JSON.stringify(page) };
  }
}
