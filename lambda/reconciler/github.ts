/**
 * GitHub: the hook's deliveries (`GET /repos/{owner}/{repo}/hooks/{id}/deliveries`, the `orgs` variant, or
 * `/app/hook/deliveries` for a GitHub App), newest first, paged with the `cursor` of the `Link` header. A delivery
 * in the window that failed (no answer, or a status other than 2xx), of a type the provider enqueues (not `ping`),
 * whose GUID the inbox has not seen (the verifier keys a GitHub delivery by `X-GitHub-Delivery`, its GUID), was
 * missed: GitHub is asked to redeliver it (`POST .../deliveries/{id}/attempts`), once per GUID and run. The
 * redelivery arrives as an ordinary signed delivery.
 */
import { createSign } from 'node:crypto';
import type { GitHubHookConfig } from '../../contract/reconcile';
import { callApi } from './http';
import type { Counts, Source, SourceContext, Window } from './source';

const GITHUB_API = 'https://api.github.com';
const PAGE_SIZE = 100;
/** Event types that are handshakes: verified and answered, never recorded in the inbox. */
const HANDSHAKES = new Set(['ping']);

interface HookDelivery {
  readonly id: number;
  readonly guid: string;
  readonly delivered_at: string;
  readonly status: string;
  readonly status_code: number;
  readonly event: string;
  readonly redelivery?: boolean;
}

/** The deliveries path of the configured hook. */
export function deliveriesPath(hook: GitHubHookConfig): string {
  if (hook.appId !== undefined) return '/app/hook/deliveries';
  if (hook.repository !== undefined) {
    const [owner, repo] = hook.repository.split('/');
    return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/hooks/${hook.hookId}/deliveries`;
  }
  return `/orgs/${encodeURIComponent(hook.organization!)}/hooks/${hook.hookId}/deliveries`;
}

/** Whether GitHub got a 2xx answer for this delivery. */
export function succeeded(delivery: HookDelivery): boolean {
  return delivery.status_code >= 200 && delivery.status_code < 300;
}

/** A GitHub App's JWT (RS256, 9 minutes, issued a minute ago against clock drift), signed with its private key. */
export function appJwt(appId: string, privateKeyPem: string, nowMs: number): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(nowMs / 1000) - 60;
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iat, exp: iat + 600, iss: appId })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKeyPem).toString('base64url');
  return `${unsigned}.${signature}`;
}

export function githubSource(context: SourceContext): Source {
  const hook = context.provider.github!;
  const base = context.provider.apiBaseUrl ?? GITHUB_API;
  const token = hook.appId !== undefined ? appJwt(hook.appId, context.credential, context.now()) : context.credential;
  const headers = {
    authorization: `Bearer ${token}`,
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'cdk-webhook-receiver-reconciler',
  };
  const types = context.provider.eventTypes;
  const path = deliveriesPath(hook);
  /** GUIDs asked for in this run: a GUID fails once per attempt, and one redelivery is enough. */
  const requested = new Set<string>();

  return {
    async handlePage(window: Window, page: string | undefined, counts: Counts) {
      const url = new URL(path, base);
      url.searchParams.set('per_page', String(PAGE_SIZE));
      if (page !== undefined) url.searchParams.set('cursor', page);
      const response = await callApi(context.http, 'GitHub list deliveries', url.toString(), { headers });
      const next = nextCursor(response.headers.get('link'));
      const deliveries = (await response.json()) as HookDelivery[];
      if (!Array.isArray(deliveries)) throw new Error('GitHub list deliveries: the answer is not an array');

      const inWindow = deliveries.filter((d) => {
        const at = Date.parse(d.delivered_at) / 1000;
        return at >= window.since && at < window.until;
      });
      counts.checked += inWindow.length;
      const failed = inWindow.filter((d) => !succeeded(d) && !HANDSHAKES.has(d.event) && (types === undefined || types.includes(d.event)));
      const nowMs = context.now();
      for (const delivery of failed) {
        if (requested.has(delivery.guid)) continue;
        if (await context.seen(context.provider.id, delivery.guid, nowMs)) continue;
        await callApi(context.http, 'GitHub redeliver', new URL(`${path}/${delivery.id}/attempts`, base).toString(), { method: 'POST', headers });
        requested.add(delivery.guid);
        counts.missed += 1;
        counts.redeliveryRequested += 1;
        context.log.warn('failed delivery: redelivery requested', { provider: context.provider.id, deliveryId: delivery.guid, eventType: delivery.event, statusCode: delivery.status_code });
      }
      // Newest first: once a page reaches back before the window, older pages are older still.
      const oldest = deliveries.length > 0 ? Date.parse(deliveries[deliveries.length - 1].delivered_at) / 1000 : undefined;
      return next !== undefined && oldest !== undefined && oldest >= window.since ? next : undefined;
    },
  };
}

/** The `cursor` parameter of the `Link` header's `rel="next"` URL. */
export function nextCursor(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (match) return new URL(match[1]).searchParams.get('cursor') ?? undefined;
  }
  return undefined;
}
