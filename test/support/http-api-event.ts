/**
 * HTTP API (payload format 2.0) events, shaped as API Gateway documents them
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html): lower-case
 * headers, a repeated header joined with commas, cookies apart, the raw query string, the route key, and the body
 * as text for a text media type or base64 for any other (HTTP APIs have no binary media types setting).
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface HttpApiRequest {
  /** The route's path, e.g. `/stripe`. */
  readonly route: string;
  readonly method?: string;
  /** Headers in any case; a name given twice (in other case) is joined with a comma, as HTTP APIs do. */
  readonly headers?: Record<string, string>;
  readonly cookies?: string[];
  /** The query string as sent, without `?`. */
  readonly rawQueryString?: string;
  /** Bytes as sent. */
  readonly body?: Buffer | string;
  /**
   * How API Gateway hands the body over: `text` (a string, as for a text media type; invalid UTF-8 is replaced by
   * U+FFFD here, which is one thing that may happen on the way) or `base64` (any other media type).
   */
  readonly encoding: 'text' | 'base64';
  /** The stage's name, in `rawPath` (the route key does not carry it). @default 'webhooks' */
  readonly stage?: string;
}

export function httpApiEvent(request: HttpApiRequest): APIGatewayProxyEventV2 {
  const method = request.method ?? 'POST';
  const stage = request.stage ?? 'webhooks';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]},${value}`;
  }
  const body = request.body === undefined ? undefined : typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
  const rawPath = stage === '$default' ? request.route : `/${stage}${request.route}`;
  return {
    version: '2.0',
    routeKey: `${method} ${request.route}`,
    rawPath,
    rawQueryString: request.rawQueryString ?? '',
    cookies: request.cookies,
    headers,
    queryStringParameters: request.rawQueryString ? joinedParameters(request.rawQueryString) : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.10', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: `${method} ${request.route}`,
      stage,
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: body !== undefined && request.encoding === 'base64',
    body: body === undefined ? undefined : request.encoding === 'base64' ? body.toString('base64') : body.toString('utf8'),
  };
}

/** `queryStringParameters` as an HTTP API gives them: decoded, a repeated name's values joined with commas. */
function joinedParameters(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  return out;
}
