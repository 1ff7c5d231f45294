/**
 * Handshakes: requests a provider sends to prove the endpoint is theirs. Each is answered synchronously and
 * never enqueued. `answerUnsigned` answers those that carry no signature (Meta and X GETs, Microsoft Graph's
 * validationToken); `answerSigned` answers signed ones (Slack, Zoom, Twitch, Discord) once their signature matched.
 *
 * The rule every answer here keeps: no answer is a signature, under a key that signs bodies, over bytes the
 * caller chose and that the verifier would accept as a body. An HMAC of a caller's token under the body-signing
 * key is exactly such a signature unless the token can never be a body. So:
 *
 * - X's CRC answer is `sha256=` + base64 HMAC-SHA256(consumer secret, crc_token), which is byte for byte X's body
 *   signature of a body equal to crc_token, and the CRC is unsigned: anyone may ask. The crc_token is therefore
 *   held to what X sends (X documents no format; its sample code's token is a UUID, its guide's
 *   `challenge_string`; the alphabet also covers base64 and base64url) as `CRC_TOKEN`: at most 128 characters
 *   of `A-Z a-z 0-9 + / = _ -`. None of these is `{`, so no crc_token is a JSON object, and X's POST route accepts only bodies that are JSON objects (`answerSigned` refuses the rest:
 *   a token of digits, `true` or `null` is valid JSON, but not an object). Anything else is 400
 *   `handshake_malformed` (the handler reads the secret first; a malformed token gets no answer from it).
 * - Zoom's answer is hex HMAC-SHA256(secret token, plainToken), and Zoom signs bodies as
 *   hex HMAC-SHA256(secret token, `v0:{timestamp}:{body}`). The request is signed, so only Zoom (or a replay of a
 *   request Zoom signed, which repeats Zoom's own plainToken) gets an answer; still, plainToken is held to
 *   `PLAIN_TOKEN` (base64url-like, no `:`), so that no answer can equal the signature of any `v0:...` content.
 * - Braintree's `bt_challenge` answer is `<public key>|` + hex HMAC-SHA1 under the payload-signing key, unsigned
 *   like X's CRC: the challenge is held to Braintree's own `^[a-f0-9]{20,32}$`, and a `bt_payload` must decode to
 *   XML, which no such challenge does (`braintree.ts`).
 * - Slack, Twitch and Meta echo a challenge (after a signature or verify-token check); Graph echoes its
 *   validationToken; Discord answers a constant, and Dropbox Sign gets `Hello API Event Received` for every accepted
 *   post (`replyBody` in the catalog, answered by the handler). None is computed with a key, so none is a signature.
 */
import { createHmac } from 'node:crypto';
import type { HandshakeKind } from '../../contract/config';
import { constantTimeTokenEqual, valueAt } from './auth';
import { AuthenticationError, MalformedRequestError } from './errors';
import { lazySchemes } from './lazy';

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

/** What an X crc_token may be (see above): never a JSON object, and short. */
const CRC_TOKEN = /^[A-Za-z0-9+/=_-]{1,128}$/;
/** What a Zoom plainToken may be: no `:`, so never Zoom's signed content `v0:{timestamp}:{body}`. */
const PLAIN_TOKEN = /^[A-Za-z0-9+/=_-]{1,128}$/;

const text = (body: string): HandshakeResponse => ({ statusCode: 200, contentType: 'text/plain; charset=utf-8', body });
const json = (body: unknown): HandshakeResponse => ({ statusCode: 200, contentType: 'application/json', body: JSON.stringify(body) });

/** Whether the request is an unsigned handshake of this provider (decided without secrets). */
export function isUnsignedHandshake(kind: HandshakeKind | undefined, request: HandshakeRequest): boolean {
  if (kind === 'meta' || kind === 'x' || kind === 'braintree') return request.method === 'GET';
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
  if (kind === 'braintree') {
    // An HMAC under the key that signs payloads: see braintree.ts for why it signs no payload we accept.
    return text(lazySchemes().answerBraintreeChallenge(request.query('bt_challenge'), keys[0]));
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
  // The answer is X's body signature of a body equal to crc_token: see the top of this file for why a token is
  // held to CRC_TOKEN (and X's POSTs to JSON objects).
  const crcToken = request.query('crc_token');
  if (!crcToken) {
    throw new MalformedRequestError('handshake_malformed', 'Expected crc_token.');
  }
  if (!CRC_TOKEN.test(crcToken)) {
    throw new MalformedRequestError('handshake_malformed', 'crc_token must be 1 to 128 characters of A-Z, a-z, 0-9, +, /, =, _ and -.');
  }
  const key = keys[0];
  return json({ response_token: `sha256=${createHmac('sha256', key).update(crcToken).digest('base64')}` });
}

/** A view of the request whose JSON is undefined when the body is not JSON (Slack's form-encoded commands). */
function tolerant(original: HandshakeRequest): HandshakeRequest {
  return {
    ...original,
    json: () => {
      try {
        return original.json();
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Whether the request is a signed handshake of this provider, decided from its content before the signature is
 * checked (it is answered only after): such a request carries no event, so nothing is required of it as of one.
 */
export function isSignedHandshake(kind: HandshakeKind | undefined, original: HandshakeRequest): boolean {
  const request = tolerant(original);
  switch (kind) {
    case 'slack':
      return valueAt(request.json(), 'type') === 'url_verification';
    case 'zoom':
      return valueAt(request.json(), 'event') === 'endpoint.url_validation';
    case 'twitch':
      return request.header('twitch-eventsub-message-type') === 'webhook_callback_verification';
    case 'discord':
      return valueAt(request.json(), 'type') === '1';
    default:
      return false;
  }
}

/** Answers a signed handshake, or returns undefined for an ordinary event. `key` is the secret that matched. */
export function answerSigned(kind: HandshakeKind | undefined, original: HandshakeRequest, key: string): HandshakeResponse | undefined {
  const request = tolerant(original);
  if (kind === 'x') {
    // Every X delivery is a JSON object. A signed body that is not one (digits, `true`, `null`: all valid JSON
    // and all possible crc_tokens) may carry a signature our own CRC answer made: it is never enqueued.
    const parsed = request.json();
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new MalformedRequestError('body_malformed', 'An X delivery is a JSON object.');
    }
    return undefined;
  }
  if (!isSignedHandshake(kind, request)) return undefined;
  switch (kind) {
    case 'slack':
      return json({ challenge: valueAt(request.json(), 'challenge') ?? '' });
    case 'zoom': {
      const plainToken = valueAt(request.json(), 'payload.plainToken') ?? '';
      // An HMAC under the body-signing key: never over content that could be `v0:{timestamp}:{body}`.
      if (!PLAIN_TOKEN.test(plainToken)) {
        throw new MalformedRequestError('handshake_malformed', 'payload.plainToken must be 1 to 128 characters of A-Z, a-z, 0-9, +, /, =, _ and -.');
      }
      return json({ plainToken, encryptedToken: createHmac('sha256', key).update(plainToken).digest('hex') });
    }
    case 'twitch':
      return text(valueAt(request.json(), 'challenge') ?? '');
    case 'discord':
      return json({ type: 1 });
    default:
      return undefined;
  }
}
