/**
 * Braintree: a form post of `bt_signature` and `bt_payload` (braintree_node `webhook_notification_gateway.js`).
 * `bt_payload` is the base64 of the notification's XML; `bt_signature` is `<public key>|<hex HMAC-SHA1>` pairs joined
 * by `&`, the HMAC keyed with the SHA-1 of the private key, over `bt_payload` (the SDK also accepts it over
 * `bt_payload` + "\n"). The secret is `<public key>:<private key>`; only the pairs of its public key are tried.
 *
 * The GET `bt_challenge` handshake (`answerBraintreeChallenge`) answers `<public key>|<hex HMAC-SHA1>` of the
 * challenge under the same key: a signature of a `bt_payload` equal to the challenge. So the challenge is held to
 * what Braintree's SDK accepts (`^[a-f0-9]{20,32}$`), and a `bt_payload` must decode to XML (`<` first): no hex
 * string of that kind base64-decodes to a byte string that starts with `<`, so no challenge answer signs a payload
 * the verifier accepts.
 */
import { createHash, createHmac } from 'node:crypto';
import { constantTimeEqual, digestBytes, firstMatch, secretOfKeyId, type PreparedCheck, type RequestView } from './auth';
import { AuthenticationError, MalformedRequestError } from './errors';

/** The challenges Braintree's SDK answers (`verify`): 20 to 32 lowercase hex characters. */
export const BRAINTREE_CHALLENGE = /^[a-f0-9]{20,32}$/;
const PAYLOAD = /^[A-Za-z0-9+/=\n]+$/;
const HEX_SHA1 = /^[0-9a-f]{40}$/i;

/** HMAC-SHA1 keyed with the SHA-1 of the private key, hex (braintree_node `Digest.Sha1hexdigest`). */
function digest(privateKey: string, data: string): Buffer {
  return digestBytes(createHmac('sha1', createHash('sha1').update(privateKey, 'utf8').digest()).update(data, 'latin1'));
}

/** Whether base64 `payload` (newlines allowed) decodes to an XML document: `<` first, after whitespace. */
export function isXmlPayload(payload: string): boolean {
  const bytes = Buffer.from(payload.replace(/\n/g, ''), 'base64');
  const text = bytes.subarray(0, 64).toString('latin1').trimStart();
  return text.startsWith('<?xml') || text.startsWith('<notification');
}

export function prepareBraintree(request: RequestView): PreparedCheck {
  const form = new URLSearchParams(request.body.toString('utf8'));
  const signature = form.get('bt_signature');
  const payload = form.get('bt_payload');
  if (!signature || !payload) throw new AuthenticationError('signature_missing', 'The form carries no bt_signature or no bt_payload.');
  if (!PAYLOAD.test(payload) || !isXmlPayload(payload)) {
    throw new MalformedRequestError('body_malformed', 'bt_payload is not the base64 of a Braintree XML notification.');
  }
  const pairs = signature.split('&').map((pair) => pair.split('|')).filter((pair) => pair.length === 2 && HEX_SHA1.test(pair[1]));
  if (pairs.length === 0) throw new AuthenticationError('signature_malformed', 'bt_signature holds no <public key>|<hex> pair.');
  const contents = [payload, `${payload}\n`];
  return {
    match: (keys) => firstMatch(keys, (entry) => {
      let matched = false;
      for (const [publicKey, hex] of pairs) {
        const privateKey = secretOfKeyId(entry, publicKey);
        if (privateKey === undefined) continue;
        for (const content of contents) matched = constantTimeEqual(digest(privateKey, content), Buffer.from(hex, 'hex')) || matched;
      }
      return matched;
    }),
  };
}

/** The answer to `GET ?bt_challenge=`: `<public key>|<hex HMAC-SHA1 of the challenge>` under the current key. */
export function answerBraintreeChallenge(challenge: string | undefined, key: string): string {
  if (!challenge || !BRAINTREE_CHALLENGE.test(challenge)) {
    throw new MalformedRequestError('handshake_malformed', 'bt_challenge must be 20 to 32 lowercase hex characters.');
  }
  const at = key.indexOf(':');
  if (at <= 0) throw new Error('The Braintree secret must be "<public key>:<private key>".');
  return `${key.slice(0, at)}|${digest(key.slice(at + 1), challenge).toString('hex')}`;
}
