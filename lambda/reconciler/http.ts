/**
 * Calls to a provider's API with its rate limits respected: a 429 (or GitHub's 403 with a rate-limit header) is
 * waited out when the wait ends before the run's deadline, else the run stops with `RateLimitedError` and the next
 * run resumes from the cursor. Every other answer that is not 2xx is an `ApiError` (the status, never the body,
 * which may echo a credential).
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly what: string,
  ) {
    super(`${what} answered ${status}`);
    this.name = 'ApiError';
  }
}

export class RateLimitedError extends Error {
  constructor(
    readonly waitMs: number,
    readonly what: string,
  ) {
    super(`${what} is rate limited for ${Math.ceil(waitMs / 1000)} s, past this run's deadline`);
    this.name = 'RateLimitedError';
  }
}

export interface HttpDependencies {
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Epoch ms by which the run must be done (Lambda's remaining time less a margin). */
  readonly deadlineMs: number;
}

/** Most rate-limit answers waited out for one call before the run stops. */
const MAX_WAITS = 5;

/**
 * How long a rate-limit answer asks us to wait, or undefined when the answer is not one. Stripe: 429 (with
 * `Retry-After` when it sends one, else a backoff). GitHub: 429 or 403 with `retry-after`, or with
 * `x-ratelimit-remaining: 0` until `x-ratelimit-reset` (epoch seconds); a secondary limit without either: 60 s.
 */
export function rateLimitWaitMs(response: Response, nowMs: number, attempt: number): number | undefined {
  const status = response.status;
  if (status !== 429 && status !== 403) return undefined;
  const retryAfter = response.headers.get('retry-after');
  if (retryAfter !== null) {
    const secondsValue = Number(retryAfter);
    if (Number.isFinite(secondsValue) && secondsValue >= 0) return secondsValue * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  if (response.headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - nowMs) + 1000;
  }
  if (status === 429) return Math.min(60_000, 1000 * 2 ** attempt);
  // A 403 that names no limit is a refusal (a token without the rights): not waited out.
  return undefined;
}

export async function callApi(deps: HttpDependencies, what: string, url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt += 1) {
    const response = await deps.fetch(url, init);
    if (response.ok) return response;
    const waitMs = rateLimitWaitMs(response, deps.now(), attempt);
    await response.body?.cancel().catch(() => undefined);
    if (waitMs === undefined) throw new ApiError(response.status, what);
    if (attempt >= MAX_WAITS || deps.now() + waitMs > deps.deadlineMs) throw new RateLimitedError(waitMs, what);
    await deps.sleep(waitMs);
  }
}
