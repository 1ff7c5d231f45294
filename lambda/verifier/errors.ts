/**
 * Every way a request can be turned away, as a small typed hierarchy. The status code lives in the class, and
 * `toResponse` in the handler is the one place that maps an error to an HTTP answer. Messages are safe to show
 * to the caller: they never carry secrets, ARNs or stack traces.
 */

export abstract class WebhookError extends Error {
  /** HTTP status returned to the caller. */
  abstract readonly status: number;

  /** The class name, spelled out: bundles are minified, and logs name errors by it. */
  abstract override readonly name: string;

  constructor(
    /** Machine-readable code, returned in the body as `error`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 400: the request cannot be a delivery (no body where one is needed, not JSON where JSON is expected). */
export class MalformedRequestError extends WebhookError {
  readonly name = 'MalformedRequestError';
  readonly status = 400;
}

/** 401: the signature is missing, malformed, stale or does not match. */
export class AuthenticationError extends WebhookError {
  readonly name: string = 'AuthenticationError';
  readonly status = 401;
}

/**
 * 401 `signature_mismatch`, answered exactly as any other mismatch (a caller must not learn that a key was valid
 * until recently), for a signature that the secret's previous version matches after its grace period. Only the
 * log line (`code: previous_secret_expired`) and the `RejectedExpiredPreviousSecret` metric tell the case.
 */
export class ExpiredPreviousSecretError extends AuthenticationError {
  override readonly name = 'ExpiredPreviousSecretError';
  /** The code in the log line and the metrics; the answer carries `signature_mismatch`. */
  readonly logCode = 'previous_secret_expired';
  constructor() {
    super('signature_mismatch', 'The signature does not match the request.');
  }
}

/** 404: no provider is configured at this path. */
export class UnknownRouteError extends WebhookError {
  readonly name = 'UnknownRouteError';
  readonly status = 404;
  constructor(message: string) {
    super('unknown_route', message);
  }
}

/** 405: the route does not take this method. */
export class MethodNotAllowedError extends WebhookError {
  readonly name = 'MethodNotAllowedError';
  readonly status = 405;
  constructor(readonly allowed: readonly string[]) {
    super('method_not_allowed', `This route accepts ${allowed.join(', ')}.`);
  }
}

/** 413: the body is larger than the configured maximum or than a queue message can carry. */
export class PayloadTooLargeError extends WebhookError {
  readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  constructor(message: string) {
    super('body_too_large', message);
  }
}

/** 415: the route does not take this Content-Type (each provider sends a known few). */
export class UnsupportedMediaTypeError extends WebhookError {
  readonly name = 'UnsupportedMediaTypeError';
  readonly status = 415;
  constructor(readonly accepted: readonly string[]) {
    super('unsupported_media_type', `This route accepts ${accepted.join(', ')}.`);
  }
}

/** 431: more request headers, or more bytes of them, than the receiver accepts. */
export class HeadersTooLargeError extends WebhookError {
  readonly name = 'HeadersTooLargeError';
  readonly status = 431;
  constructor(message: string) {
    super('headers_too_large', message);
  }
}

/**
 * 409: another attempt of the same delivery holds the lease and might still fail. Retryable: the provider
 * tries again later, when the first attempt has either enqueued the event or released it.
 */
export class DeliveryInFlightError extends WebhookError {
  readonly name = 'DeliveryInFlightError';
  readonly status = 409;
  constructor(readonly retryAfterSeconds: number) {
    super('delivery_in_flight', 'Another attempt of this delivery is in progress; retry later.');
  }
}

/** 5xx: our own fault (AWS call failed, misconfiguration). The provider retries. */
export class InternalError extends WebhookError {
  readonly name = 'InternalError';
  readonly status: number;
  constructor(code: string, message: string, options?: { cause?: unknown; status?: number }) {
    super(code, message, options);
    this.status = options?.status ?? 500;
  }
}
