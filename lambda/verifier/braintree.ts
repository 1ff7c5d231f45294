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
import { isAscii } from 'node:buffer';
import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { unescape as unescapeForm } from 'node:querystring';
import { constantTimeEqual, digestBytes, firstMatch, secretOfKeyId, type PreparedCheck, type RequestView } from './auth';
import { AuthenticationError, MalformedRequestError } from './errors';

/** The challenges Braintree's SDK answers (`verify`): 20 to 32 lowercase hex characters. */
export const BRAINTREE_CHALLENGE = /^[a-f0-9]{20,32}$/;
const PAYLOAD = /^[A-Za-z0-9+/=\n]+$/;
const HEX_SHA1 = /^[0-9a-f]{40}$/i;

/**
 * The HMAC key of each private key (its SHA-1, braintree_node `Digest.Sha1hexdigest`), made once rather than twice a
 * request. A container holds the keys of its receiver's secrets; past `MAX_CACHED_KEYS` the cache starts over, so
 * rotations never make it grow without bound.
 */
const HMAC_KEYS = new Map<string, KeyObject>();
const MAX_CACHED_KEYS = 64;

function hmacKeyOf(privateKey: string): KeyObject {
  let key = HMAC_KEYS.get(privateKey);
  if (!key) {
    if (HMAC_KEYS.size >= MAX_CACHED_KEYS) HMAC_KEYS.clear();
    key = createSecretKey(createHash('sha1').update(privateKey, 'utf8').digest());
    HMAC_KEYS.set(privateKey, key);
  }
  return key;
}

/** HMAC-SHA1 keyed with the SHA-1 of the private key (braintree_node `Digest.Sha1hexdigest`), as bytes. */
function digest(privateKey: string, data: string): Buffer {
  return digestBytes(createHmac('sha1', hmacKeyOf(privateKey)).update(data, 'latin1'));
}

/** Base64 characters that decode to the first 66 bytes, enough for the 64 `isXmlPayload` reads. */
const HEAD_CHARS = 88;

/** Whether base64 `payload` (newlines allowed) decodes to an XML document: `<` first, after whitespace. */
export function isXmlPayload(payload: string): boolean {
  const text = payloadHead(payload).slice(0, 64).trimStart();
  return text.startsWith('<?xml') || text.startsWith('<notification');
}

/**
 * The first bytes `payload` decodes to, as latin1 text. Base64 decodes four characters at a time, each group on its
 * own: when its first 88 characters (newlines aside) are 88 base64 digits, which `atob` tells by making 66 bytes of
 * them (it throws on any other character, and makes fewer of padding or whitespace), they decode to the whole
 * payload's first bytes, so only they are decoded. Any other payload is decoded whole.
 */
function payloadHead(payload: string): string {
  let head = payload.slice(0, 2 * HEAD_CHARS);
  if (head.includes('\n')) head = head.replace(/\n/g, '');
  if (head.length >= HEAD_CHARS) {
    try {
      const text = atob(head.slice(0, HEAD_CHARS));
      if (text.length === (HEAD_CHARS / 4) * 3) return text;
    } catch {
      // Not 88 base64 digits: decoded whole below, as Buffer decodes it.
    }
  }
  return Buffer.from(payload.replace(/\n/g, ''), 'base64').subarray(0, 64).toString('latin1');
}

/**
 * The first `bt_signature` and `bt_payload` of the form, decoded exactly as `new URLSearchParams(text).get(name)`
 * decodes them (a leading `?` dropped, `+` a space, `%XX` a byte, the bytes read as UTF-8) without decoding the
 * fields the check never reads. A body that is not ASCII is left to URLSearchParams itself: its bytes go through a
 * UTF-8 decoding before the percent-decoding, which this reading would not repeat.
 */
export function braintreeFields(body: Buffer): { signature?: string; payload?: string } {
  if (!isAscii(body)) {
    const form = new URLSearchParams(body.toString('utf8'));
    return { signature: form.get('bt_signature') ?? undefined, payload: form.get('bt_payload') ?? undefined };
  }
  const text = body.toString('latin1');
  let signature: string | undefined;
  let payload: string | undefined;
  for (let start = text.charCodeAt(0) === 0x3f ? 1 : 0; start < text.length && (signature === undefined || payload === undefined);) {
    let end = text.indexOf('&', start);
    if (end < 0) end = text.length;
    const equals = text.indexOf('=', start);
    const nameEnd = equals >= 0 && equals < end ? equals : end;
    const name = formText(text.slice(start, nameEnd));
    if (name === 'bt_signature' && signature === undefined) signature = formText(text.slice(nameEnd + 1, end));
    else if (name === 'bt_payload' && payload === undefined) payload = formText(text.slice(nameEnd + 1, end));
    start = end + 1;
  }
  return { signature, payload };
}

/** An ASCII form name or value decoded as URLSearchParams decodes it (Node.js: `+` first, then `querystring.unescape`). */
function formText(raw: string): string {
  const spaced = raw.includes('+') ? raw.replace(/\+/g, ' ') : raw;
  return spaced.includes('%') ? unescapeForm(spaced) : spaced;
}

export function prepareBraintree(request: RequestView): PreparedCheck {
  const { signature, payload } = braintreeFields(request.body);
  if (!signature || !payload) throw new AuthenticationError('signature_missing', 'The form carries no bt_signature or no bt_payload.');
  if (!PAYLOAD.test(payload) || !isXmlPayload(payload)) {
    throw new MalformedRequestError('body_malformed', 'bt_payload is not the base64 of a Braintree XML notification.');
  }
  const pairs = signature
    .split('&')
    .map((pair) => pair.split('|'))
    .filter((pair) => pair.length === 2 && HEX_SHA1.test(pair[1]))
    .map(([publicKey, hex]) => ({ publicKey, presented: Buffer.from(hex, 'hex') }));
  if (pairs.length === 0) throw new AuthenticationError('signature_malformed', 'bt_signature holds no <public key>|<hex> pair.');
  return {
    // A pair stops at the first content it matches, and a key at the first pair: both are the sender's choices, and
    // a match takes a genuine signature. Every key is still tried (firstMatch).
    match: (keys) => firstMatch(keys, (entry) => {
      for (const { publicKey, presented } of pairs) {
        const privateKey = secretOfKeyId(entry, publicKey);
        if (privateKey === undefined) continue;
        if (constantTimeEqual(digest(privateKey, payload), presented)) return true;
        if (constantTimeEqual(digest(privateKey, `${payload}\n`), presented)) return true;
      }
      return false;
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
