// What the verifier does to authenticate one request, without the AWS calls around it: read the headers as the
// handler does, run the scheme's secret-free checks, read the secret's keys from the cached value, and try them.
// The secret's values object is made once per secret string and reused, as the handler's SecretCache hands every
// request the same object until the secret is re-read or its grace period ends (so `secretKeys` answers from its
// cache here as it does in the handler; the first call per secret lists the keys).
// bench/verify-speed.mjs bundles this with esbuild, from the same sources as the shipped verifier.
import { prepare } from '../lambda/verifier/auth';
import { headerLookup, parseJsonBody } from '../lambda/verifier/limits';
import { AuthenticationError, InternalError } from '../lambda/verifier/errors';
import { multipartField } from '../lambda/verifier/multipart';
import { secretKeys, type SecretValues } from '../lambda/verifier/secrets';
import { prepareCertificates } from '../lambda/verifier/x509';
import { resolveProviders } from '../catalog/providers';
import type { CertificateSettingsConfig } from '../contract/config';

export { localAppleChain } from '../testing/keys';

/** A multipart field's bytes, as the handler reads the JSON of a multipart provider (Dropbox Sign's `json`). */
function fieldOf(body: Buffer, contentType: string | undefined, field: string): Buffer {
  const found = multipartField(body, contentType, field);
  if ('error' in found) throw new Error(found.error);
  return found.value;
}

/** Synchronous for every secret-keyed scheme; a promise for the certificate schemes (App Store, PayPal), as in the handler. */
export type Check = (body: Buffer, headers: Record<string, string>, secret: string, nowMs: number) => boolean | Promise<boolean>;

/**
 * `parse`: the body is parsed as JSON first, as the handler parses every JSON provider's body; for comparisons with an
 * SDK verifier that parses it too. `certificates` and `env`: a certificate scheme's settings (the App Store's bundle
 * id and environment) and the verifier's variables (a test root to trust, as the testing kit sets them).
 */
export function checkerFor(
  kind: string,
  publicUrl?: string,
  options: { parse?: boolean; certificates?: CertificateSettingsConfig; env?: Record<string, string> } = {},
): Check {
  const provider = resolveProviders({ '/p': { kind, secretId: 'bench', publicUrl, certificates: options.certificates } }).get('/p')!;
  const idHeader = provider.deliveryId.find((source) => source.header !== undefined)?.header;
  const byCertificate = provider.scheme.x5cJws !== undefined || provider.scheme.certificateUrl !== undefined;
  const values = new Map<string, SecretValues>();
  return (body, headers, secret, nowMs) => {
    const lookup = headerLookup({ headers, multiValueHeaders: {} } as never);
    let parsed: unknown;
    let done = false;
    const json = () => {
      if (!done) {
        parsed = parseJsonBody(provider.multipartJsonField === undefined ? body : fieldOf(body, lookup.get('content-type'), provider.multipartJsonField));
        done = true;
      }
      return parsed;
    };
    if (options.parse) json();
    const request = { body, headers: lookup, method: 'POST', rawQuery: '', publicUrl, id: idHeader ? lookup.get(idHeader) : undefined, json };
    if (byCertificate) {
      // As the handler checks them: no secret, one stand-in key (CERTIFICATE_KEYS in handler.ts).
      return prepareCertificates(provider.scheme, request, nowMs, { AuthenticationError, InternalError }, options.env).then(async (check) => (await check.match([''])) >= 0);
    }
    const check = prepare(provider.scheme, request, nowMs);
    // (Synchronous for every benchmarked secret-keyed scheme; only fetched-key schemes such as Plaid's answer with a
    // promise.)
    let cached = values.get(secret);
    if (!cached) values.set(secret, (cached = { active: [secret] }));
    return (check.match(secretKeys(cached).keys) as number) >= 0;
  };
}
