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
