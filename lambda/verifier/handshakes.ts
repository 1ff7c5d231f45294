/**
 * Handshakes: requests a provider sends to prove the endpoint is theirs. Each is answered synchronously and
 * never enqueued. `beforeAuthentication` answers those that carry no signature (Meta and X GETs, Microsoft
 * Graph's validationToken); `afterAuthentication` answers signed ones (Slack, Zoom, Twitch, Discord).
 */
import { createHmac } from 'node:crypto';
import type { HandshakeKind } from '../../contract/config';
import { constantTimeTokenEqual, valueAt } from './auth';
import { AuthenticationError, MalformedRequestError } from './errors';

export interface HandshakeResponse {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: string;
}

export interface HandshakeRequest {
  readonly method: string;
  readonly query: (name: string) => string | undefined;
  readonly header: (name: string) => string | undefined;
  readonly json: () => unknown;
}

const text = (body: string): HandshakeResponse => ({ statusCode: 200, contentType: 'text/plain; charset=utf-8', body });
const json = (body: unknown): HandshakeResponse => ({ statusCode: 200, contentType: 'application/json', body: JSON.stringify(body) });

/** Whether the request is an unsigned handshake of this provider (decided without secrets). */
export function isUnsignedHandshake(kind: HandshakeKind | undefined, request: HandshakeRequest): boolean {
  if (kind === 'meta' || kind === 'x') return request.method === 'GET';
  return kind === 'graph' && request.query('validationToken') !== undefined;
}

/**
 * Answers an unsigned handshake. `keys` are the provider's secrets (Meta compares its verify token, X signs the
 * CRC token with the consumer secret); `verifyToken` is Meta's verify token.
 */
export function answerUnsigned(
  kind: HandshakeKind,
  request: HandshakeRequest,
  keys: readonly string[],
  verifyToken: string | undefined,
): HandshakeResponse {
  if (kind === 'graph') {
    return text(request.query('validationToken') ?? '');
  }
  if (kind === 'meta') {
    const challenge = request.query('hub.challenge');
    const token = request.query('hub.verify_token');
    if (request.query('hub.mode') !== 'subscribe' || !challenge || !token) {
      throw new MalformedRequestError('handshake_malformed', 'Expected hub.mode=subscribe, hub.verify_token and hub.challenge.');
    }
    if (verifyToken === undefined || !constantTimeTokenEqual(token, verifyToken)) {
      throw new AuthenticationError('verify_token_mismatch', 'hub.verify_token does not match.');
    }
    return text(challenge);
  }
  // X: GET ?crc_token= -> {"response_token": "sha256=" + base64(HMAC-SHA256(consumer secret, crc_token))}
  const crcToken = request.query('crc_token');
  if (!crcToken) {
    throw new MalformedRequestError('handshake_malformed', 'Expected crc_token.');
  }
  const key = keys[0];
  return json({ response_token: `sha256=${createHmac('sha256', key).update(crcToken).digest('base64')}` });
}

/** Answers a signed handshake, or returns undefined for an ordinary event. `key` is the secret that matched. */
export function answerSigned(kind: HandshakeKind | undefined, original: HandshakeRequest, key: string): HandshakeResponse | undefined {
  // A body that is not JSON (Slack's form-encoded commands) is no handshake.
  const request: HandshakeRequest = {
    ...original,
    json: () => {
      try {
        return original.json();
      } catch {
        return undefined;
      }
    },
  };
  switch (kind) {
    case 'slack':
      if (valueAt(request.json(), 'type') !== 'url_verification') return undefined;
      return json({ challenge: valueAt(request.json(), 'challenge') ?? '' });
    case 'zoom': {
      if (valueAt(request.json(), 'event') !== 'endpoint.url_validation') return undefined;
      const plainToken = valueAt(request.json(), 'payload.plainToken') ?? '';
      return json({ plainToken, encryptedToken: createHmac('sha256', key).update(plainToken).digest('hex') });
    }
    case 'twitch':
      if (request.header('twitch-eventsub-message-type') !== 'webhook_callback_verification') return undefined;
      return text(valueAt(request.json(), 'challenge') ?? '');
    case 'discord':
      if (valueAt(request.json(), 'type') !== '1') return undefined;
      return json({ type: 1 });
    default:
      return undefined;
  }
}
