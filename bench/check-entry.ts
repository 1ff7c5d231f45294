// What the verifier does to authenticate one request, without the AWS calls around it: read the headers as the
// handler does, run the scheme's secret-free checks, read the secret's keys from the cached value, and try them.
// The secret's values object is made once per secret string and reused, as the handler's SecretCache hands every
// request the same object until the secret is re-read or its grace period ends (so `secretKeys` answers from its
// cache here as it does in the handler; the first call per secret lists the keys).
// bench/verify-speed.mjs bundles this with esbuild, from the same sources as the shipped verifier.
import { prepare } from '../lambda/verifier/auth';
import { headerLookup, parseJsonBody } from '../lambda/verifier/limits';
import { secretKeys, type SecretValues } from '../lambda/verifier/secrets';
import { resolveProviders } from '../catalog/providers';

export type Check = (body: Buffer, headers: Record<string, string>, secret: string, nowMs: number) => boolean;

/**
 * `parse`: the body is parsed as JSON first, as the handler parses every JSON provider's body; for comparisons with an
 * SDK verifier that parses it too.
 */
export function checkerFor(kind: string, publicUrl?: string, options: { parse?: boolean } = {}): Check {
  const provider = resolveProviders({ '/p': { kind, secretId: 'bench', publicUrl } }).get('/p')!;
  const idHeader = provider.deliveryId.find((source) => source.header !== undefined)?.header;
  const values = new Map<string, SecretValues>();
  return (body, headers, secret, nowMs) => {
    const lookup = headerLookup({ headers, multiValueHeaders: {} } as never);
    let parsed: unknown;
    let done = false;
    const json = () => {
      if (!done) {
        parsed = parseJsonBody(body);
        done = true;
      }
      return parsed;
    };
    if (options.parse) json();
    const check = prepare(
      provider.scheme,
      { body, headers: lookup, method: 'POST', rawQuery: '', publicUrl, id: idHeader ? lookup.get(idHeader) : undefined, json },
      nowMs,
    );
    // (Synchronous for every benchmarked scheme; only fetched-key schemes such as Plaid's answer with a promise.)
    let cached = values.get(secret);
    if (!cached) values.set(secret, (cached = { active: [secret] }));
    return (check.match(secretKeys(cached).keys) as number) >= 0;
  };
}
