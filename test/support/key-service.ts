/**
 * A stand-in for a key service on loopback: Plaid's `POST /webhook_verification_key/get` and a JWK set at
 * `GET /.well-known/jwks.json`. The verifier bundle is pointed at it with its test-only origin variable
 * (`WEBHOOK_RECEIVER_TEST_KEY_ORIGIN`, honoured only for loopback addresses: lambda/verifier/jwks.ts). Each call is
 * recorded; `mode` makes it fail as a real service can (5xx, no answer, a redirect, an answer too large).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedKey {
  /** The public JWK, with its `kid`. */
  readonly jwk: Record<string, unknown>;
  /** Plaid's `expired_at`: null for a key in use. */
  expired_at: number | null;
}

export interface KeyCall {
  readonly path: string;
  readonly kid?: string;
  readonly clientId?: string;
  readonly secret?: string;
}

export interface KeyService {
  readonly origin: string;
  readonly calls: KeyCall[];
  readonly keys: Map<string, ServedKey>;
  /** Credentials Plaid accepts. */
  readonly credentials: Array<{ client_id: string; secret: string }>;
  mode: 'ok' | 'error' | 'hang' | 'redirect' | 'huge' | 'rate-limited';
  close(): Promise<void>;
}

const read = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

export async function keyService(): Promise<KeyService> {
  const service: Omit<KeyService, 'origin' | 'close'> = { calls: [], keys: new Map(), credentials: [], mode: 'ok' };
  const hanging = new Set<() => void>();
  const server: Server = createServer(async (request, response) => {
    const text = await read(request);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text);
    } catch {
      // a GET has no body
    }
    service.calls.push({ path: request.url ?? '', kid: body.key_id as string, clientId: body.client_id as string, secret: body.secret as string });
    const send = (status: number, json: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(json));
    };
    if (service.mode === 'error') return send(500, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' });
    // Plaid's rate limit (error type RATE_LIMIT_EXCEEDED, HTTP 429; the error code varies by endpoint).
    if (service.mode === 'rate-limited') return send(429, { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'RATE_LIMIT', error_message: 'rate limit exceeded' });
    if (service.mode === 'hang') {
      // Never answers (until the server closes): the verifier's timeout must end the call.
      hanging.add(() => response.destroy());
      return;
    }
    if (service.mode === 'redirect') {
      response.writeHead(302, { Location: `http://127.0.0.1:1${request.url}` });
      return response.end();
    }
    if (service.mode === 'huge') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      return response.end(JSON.stringify({ key: { kid: body.key_id }, padding: 'x'.repeat(200_000) }));
    }
    if (request.url === '/.well-known/jwks.json' && request.method === 'GET') {
      return send(200, { keys: [...service.keys.values()].map((k) => k.jwk) });
    }
    if (request.url !== '/webhook_verification_key/get' || request.method !== 'POST') return send(404, { error_code: 'NOT_FOUND' });
    if (!service.credentials.some((c) => c.client_id === body.client_id && c.secret === body.secret)) {
      return send(400, { error_type: 'INVALID_INPUT', error_code: 'INVALID_API_KEYS', error_message: 'invalid client_id or secret provided' });
    }
    const key = service.keys.get(String(body.key_id));
    if (!key) return send(400, { error_type: 'INVALID_INPUT', error_code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', error_message: 'invalid key_id provided' });
    // Plaid's answer: https://plaid.com/docs/api/webhooks/webhook-verification/#webhook_verification_keyget
    return send(200, { key: { ...key.jwk, alg: 'ES256', use: 'sig', created_at: 1560466150, expired_at: key.expired_at }, request_id: 'req' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(service, {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const end of hanging) end();
        server.close(() => resolve());
      }),
  });
}
