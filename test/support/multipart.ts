/**
 * multipart/form-data bodies as an HTTP client sends them (RFC 7578): CRLF line ends, one part per field, a random
 * boundary. Built by hand (synchronously, byte-exact); `parsedByUndici` reads one back with Node's own fetch
 * implementation (`Response.formData()`), an independent parser, so a test can show its bodies are well formed.
 */
import { randomBytes } from 'node:crypto';

export interface MultipartBody {
  readonly body: Buffer;
  readonly contentType: string;
}

export function multipart(fields: Array<[name: string, value: string | Buffer]>, boundary = `----form${randomBytes(12).toString('hex')}`): MultipartBody {
  const parts = fields.map(([name, value]) =>
    Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`), Buffer.from(value), Buffer.from('\r\n')]),
  );
  return { body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The fields Node's fetch implementation reads from the body. */
export async function parsedByUndici({ body, contentType }: MultipartBody): Promise<Array<[string, string]>> {
  const form = await new Response(body, { headers: { 'Content-Type': contentType } }).formData();
  return [...form.entries()].map(([name, value]) => [name, String(value)]);
}
