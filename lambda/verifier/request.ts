/**
 * The one place that knows which API Gateway called the verifier. A REST API (payload 1.0) event passes through
 * unchanged; an HTTP API (payload format 2.0) event is turned into the same shape, so the rest of the handler reads
 * one kind of event:
 *
 * - the route is the path of `routeKey` (`POST /stripe` -> `/stripe`), never `rawPath` (which carries the stage's
 *   name, or an API mapping's path on a custom domain);
 * - the method is `requestContext.http.method`;
 * - headers come lower-case, a repeated header already joined with commas (one value each here: a joined value
 *   cannot be split back safely, since values themselves hold commas); `cookies` come apart and are put back as
 *   one `cookie` header, so the header limits count them;
 * - the query string is `rawQueryString` as sent (kept as `rawQueryString` for URL-signing schemes), its
 *   parameters parsed from it, a repeated one with every value, as a REST API hands them over;
 * - the body: an HTTP API has no binary media types. A non-text media type arrives base64-encoded, byte for byte.
 *   A text media type arrives as a string, and bytes that were not valid UTF-8 may have been replaced by U+FFFD on
 *   the way (not observable without an AWS account). Such a body is marked `bodyNotByteExact`, and the handler
 *   refuses it (400 `body_not_byte_exact`) instead of verifying or enqueueing bytes that may not be the sender's.
 *   A body with U+FFFD in it is therefore refused under a text media type even if the sender really sent one.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';

/** What API Gateway hands the verifier: a REST API proxy event or an HTTP API payload 2.0 event. */
export type ApiGatewayEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;

/** A request as the handler reads it, whichever API it came through. */
export interface WebhookRequestEvent extends APIGatewayProxyEvent {
  /** The query string exactly as sent, when the API hands it over (HTTP API); otherwise rebuilt from the parameters. */
  readonly rawQueryString?: string;
  /** The body may not be the bytes that were sent (text under an HTTP API with U+FFFD or a lone surrogate). */
  readonly bodyNotByteExact?: boolean;
}

/** U+FFFD (what a decoder puts for bytes that are not UTF-8), or a UTF-16 surrogate without its pair. */
const NOT_BYTE_EXACT = /\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isPayloadV2(event: ApiGatewayEvent): event is APIGatewayProxyEventV2 {
  return (event as { version?: unknown }).version === '2.0';
}

/** The event in the REST API's shape. */
export function normaliseEvent(event: ApiGatewayEvent): WebhookRequestEvent {
  if (!isPayloadV2(event)) return event;
  const context = event.requestContext ?? ({} as APIGatewayProxyEventV2['requestContext']);
  const method = context.http?.method ?? '';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
  }
  if (event.cookies && event.cookies.length > 0 && headers.cookie === undefined) headers.cookie = event.cookies.join('; ');
  const rawQueryString = event.rawQueryString ?? '';
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) (multiQuery[name] ??= []).push(value);
  const names = Object.keys(multiQuery);
  const body = event.body ?? null;
  return {
    resource: routeOf(event),
    path: event.rawPath ?? '',
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: names.length > 0 ? Object.fromEntries(names.map((name) => [name, multiQuery[name].at(-1)!])) : null,
    multiValueQueryStringParameters: names.length > 0 ? multiQuery : null,
    pathParameters: null,
    stageVariables: null,
    isBase64Encoded: event.isBase64Encoded === true,
    body,
    rawQueryString,
    bodyNotByteExact: event.isBase64Encoded !== true && body !== null && NOT_BYTE_EXACT.test(body),
    requestContext: {
      requestId: context.requestId,
      stage: context.stage,
      httpMethod: method,
      identity: { sourceIp: context.http?.sourceIp },
    } as APIGatewayProxyEvent['requestContext'],
  };
}

/** `POST /stripe` -> `/stripe`; a `$default` route (which the receiver never creates) by its raw path. */
function routeOf(event: APIGatewayProxyEventV2): string {
  const key = event.routeKey ?? '';
  const space = key.indexOf(' ');
  return space >= 0 ? key.slice(space + 1) : (event.rawPath ?? '');
}
