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

/**
 * The media types a provider kind sends, from its documentation; kinds not listed send JSON only. Generic
 * schemes (`custom`) accept any media type unless configured.
 */
const CONTENT_TYPES_BY_KIND: { readonly [kind: string]: readonly string[] } = {
  // GitHub lets the hook owner choose `application/x-www-form-urlencoded` (the payload in a `payload` field).
  github: [...JSON_MEDIA_TYPES, FORM_MEDIA_TYPE],
  // Slack: Events API JSON; slash commands and interactivity are form posts.
  slack: [...JSON_MEDIA_TYPES, FORM_MEDIA_TYPE],
  // Twilio: form posts (the signature covers the sorted parameters), or JSON with bodySHA256 in the URL.
  twilio: [FORM_MEDIA_TYPE, ...JSON_MEDIA_TYPES],
  // Shopify subscriptions can be created with format XML.
  shopify: [...JSON_MEDIA_TYPES, 'application/xml', 'text/xml'],
  // Microsoft Graph's validation request is a POST with `text/plain` and an empty body.
  'microsoft-graph': [...JSON_MEDIA_TYPES, 'text/plain'],
  custom: [ANY_MEDIA_TYPE],
};

/** The media types a provider accepts: its own configuration, else its kind's default. */
export function contentTypesOf(kind: string, configured: readonly string[] | undefined): readonly string[] {
  return configured ?? CONTENT_TYPES_BY_KIND[kind] ?? JSON_MEDIA_TYPES;
}

/** A media range as the construct accepts it in `contentTypes`: `type/subtype`, `type/*`, `type/*+suffix`, `*\/*`. */
export const MEDIA_RANGE = /^(?:\*\/\*|[a-z0-9][a-z0-9!#$&^_.+-]*\/(?:\*|\*\+[a-z0-9][a-z0-9!#$&^_.-]*|[a-z0-9][a-z0-9!#$&^_.+-]*))$/;
