/**
 * Request limits the verifier enforces before any AWS call, shared by the construct (which documents and
 * validates them) and the verifier (which applies them). Nothing here is exported from the package's public API.
 */

/** Most request headers (each value of a repeated header counts) the verifier accepts unless configured. */
export const DEFAULT_MAX_HEADER_COUNT = 100;

/**
 * Most bytes of request headers, counted as on the wire (`name: value` plus CRLF per header), the verifier
 * accepts unless configured: 16 KiB.
 */
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

/** Deepest nesting of arrays and objects in a JSON body the verifier parses. No webhook payload comes close. */
export const MAX_JSON_DEPTH = 128;

/** JSON: `application/json` and every `+json` structured syntax type (RFC 6839), e.g. `application/vnd.api+json`. */
export const JSON_MEDIA_TYPES: readonly string[] = ['application/json', 'application/*+json'];

/** HTML form posts. */
export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** Any media type at all (and a request with no Content-Type). */
export const ANY_MEDIA_TYPE = '*/*';

/** A media range as the construct accepts it in `contentTypes`: `type/subtype`, `type/*`, `type/*+suffix`, `*\/*`. */
export const MEDIA_RANGE = /^(?:\*\/\*|[a-z0-9][a-z0-9!#$&^_.+-]*\/(?:\*|\*\+[a-z0-9][a-z0-9!#$&^_.-]*|[a-z0-9][a-z0-9!#$&^_.+-]*))$/;

/**
 * Lambda's limit on a synchronous invocation's request payload: 6 MiB (6,291,456 bytes; the service's own error
 * names 6,291,556). API Gateway's REST proxy integration passes the whole event (body, headers, request context)
 * as that payload.
 */
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * Room in the invocation payload for the event around the body: API Gateway caps the request line and headers at
 * 10 KiB, which the event carries twice (`headers`, `multiValueHeaders`), and the query string twice more; JSON
 * escaping can double each; the request context takes about 2 KiB. 64 KiB covers all of it
 * (test/claim-check.test.ts builds such an event).
 */
export const LAMBDA_EVENT_ALLOWANCE_BYTES = 64 * 1024;

/**
 * The largest raw body a REST API's Lambda proxy integration can hand the verifier: the body travels base64-encoded
 * (binary media type `*\/*`) inside the event, so 3 bytes per 4 of what is left: 4,669,440 bytes (about 4.45 MiB).
 */
export const MAX_LAMBDA_BODY_BYTES = Math.floor((LAMBDA_SYNC_PAYLOAD_BYTES - LAMBDA_EVENT_ALLOWANCE_BYTES) / 4) * 3;

/** Largest SQS message, set explicitly on the queue. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Room in a message for the envelope around the body. */
export const ENVELOPE_ALLOWANCE_BYTES = 8 * 1024;

/**
 * Largest body whose base64 form, in its envelope, always fits one message: 780,288 bytes (762 KiB). A receiver
 * whose `maxBodySize` is above it gets the claim-check bucket.
 */
export const MAX_INLINE_BODY_BYTES = Math.floor(((MAX_MESSAGE_BYTES - ENVELOPE_ALLOWANCE_BYTES) * 3) / 4);
