import type { Envelope } from '../../contract/config';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as text when it is valid UTF-8, else base64. Either way the processor gets the exact bytes back.
 * Text is smaller for ordinary JSON; base64 is bounded (4/3 of the body) when text would escape heavily.
 */
export function encodeBody(body: Buffer, forceBase64 = false): Pick<Envelope, 'body' | 'bodyEncoding'> {
  if (forceBase64) return { bodyEncoding: 'base64', body: body.toString('base64') };
  try {
    return { bodyEncoding: 'utf8', body: utf8.decode(body) };
  } catch {
    return { bodyEncoding: 'base64', body: body.toString('base64') };
  }
}

/** The bytes of a body carried in the message (not one stored in S3: `bodyEncoding` `ref`). */
export function decodeBody(envelope: Pick<Envelope, 'body' | 'bodyEncoding'>): Buffer {
  return Buffer.from(envelope.body ?? '', envelope.bodyEncoding === 'base64' ? 'base64' : 'utf8');
}

// SQS accepts #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF. JSON.stringify already escapes control
// characters and lone surrogates; this escapes the rest that is not plain BMP text, so the message is valid
// for SQS and for emulators that only take the BMP. JSON.parse gives back the same string.
const NOT_PLAIN = /[\uFFFE\uFFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/** Serialises an envelope to JSON that every SQS implementation accepts unchanged. */
export function serializeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope).replace(NOT_PLAIN, (chars) =>
    Array.from({ length: chars.length }, (_, i) => `\\u${chars.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}
