/**
 * One field of a multipart/form-data body (RFC 7578), read strictly and within bounds: Dropbox Sign posts its event
 * as the field `json`. Bundled into a file of its own (`assets/verifier/multipart.js`) and required on first use.
 *
 * Strict: the Content-Type must name a boundary of 1 to 70 characters (RFC 2046); the body must start with the
 * first delimiter (no preamble) and end with the close delimiter (an epilogue of whitespace only); each part's
 * header block is at most `MAX_PART_HEADER_BYTES` and must name the part with `Content-Disposition: form-data;
 * name="..."`; at most `MAX_PARTS` parts; the field must be there exactly once and not be a file. The body itself
 * is already bounded by the receiver's `maxBodyBytes`. Anything else is refused, never guessed at.
 *
 * Returns the field's bytes, or a reason (the handler turns it into a 400 of its own error class).
 */
export const MAX_PARTS = 32;
export const MAX_PART_HEADER_BYTES = 1024;

const BOUNDARY = /^[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]$/;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** The boundary parameter of a multipart/form-data Content-Type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const [type, ...params] = contentType.split(';');
  if (type.trim().toLowerCase() !== 'multipart/form-data') return undefined;
  let boundary: string | undefined;
  for (const param of params) {
    const at = param.indexOf('=');
    if (at < 0) continue;
    if (param.slice(0, at).trim().toLowerCase() !== 'boundary') continue;
    if (boundary !== undefined) return undefined;
    let value = param.slice(at + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    boundary = value;
  }
  return boundary !== undefined && BOUNDARY.test(boundary) ? boundary : undefined;
}

/** The name (and whether a filename is given) of a part, from its header block. */
function dispositionOf(headerBlock: string): { name?: string; file: boolean } | undefined {
  let result: { name?: string; file: boolean } | undefined;
  for (const line of headerBlock.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    if (line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue;
    if (result) return undefined;
    const value = line.slice(colon + 1).trim();
    if (!/^form-data\s*(;|$)/i.test(value)) return undefined;
    const name = /;\s*name="([^"]*)"/i.exec(value) ?? /;\s*name=([^;\s"]+)/i.exec(value);
    result = { name: name?.[1], file: /;\s*filename\*?=/i.test(value) };
  }
  return result;
}

export function multipartField(body: Buffer, contentType: string | undefined, field: string): { value: Buffer } | { error: string } {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) return { error: 'The body must be multipart/form-data with a boundary of 1 to 70 characters.' };
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  if (!body.subarray(0, delimiter.length).equals(delimiter)) return { error: 'The multipart body does not start with its boundary.' };
  let at = delimiter.length;
  let found: Buffer | undefined;
  for (let parts = 0; ; parts++) {
    // After a delimiter: `--` closes the body, CRLF starts a part.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) {
      if (body.subarray(at + 2).toString('latin1').trim() !== '') return { error: 'The multipart body has bytes after its close delimiter.' };
      break;
    }
    if (parts >= MAX_PARTS) return { error: `The multipart body has more than ${MAX_PARTS} parts.` };
    // Transport padding (spaces, tabs) may follow a delimiter (RFC 2046).
    while (body[at] === 0x20 || body[at] === 0x09) at++;
    if (!body.subarray(at, at + 2).equals(CRLF)) return { error: 'A multipart boundary is not followed by CRLF.' };
    at += 2;
    const headerEnd = body.indexOf(HEADER_END, at);
    if (headerEnd < 0 || headerEnd - at > MAX_PART_HEADER_BYTES) return { error: `A multipart part has no header block of at most ${MAX_PART_HEADER_BYTES} bytes.` };
    const disposition = dispositionOf(body.subarray(at, headerEnd).toString('latin1'));
    if (!disposition?.name) return { error: 'A multipart part has no Content-Disposition: form-data with a name.' };
    const start = headerEnd + HEADER_END.length;
    const end = body.indexOf(next, start);
    if (end < 0) return { error: 'The multipart body ends inside a part.' };
    if (disposition.name === field) {
      if (found !== undefined) return { error: `The multipart body has the field ${field} more than once.` };
      if (disposition.file) return { error: `The multipart field ${field} is a file.` };
      found = body.subarray(start, end);
    }
    at = end + next.length;
  }
  if (found === undefined) return { error: `The multipart body has no field ${field}.` };
  return { value: found };
}
