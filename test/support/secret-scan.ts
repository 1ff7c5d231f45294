/**
 * The secret scan (issue #8, item 3): every message a test harness reads from a queue is searched for every
 * secret value the harness was given (at creation and at each rotation), in the forms a secret can take in a
 * message: as written, trimmed, without a `whsec_`-style prefix, base64, base64url, hex (either case), and, for a
 * secret that is itself base64 or hex key material, its decoded bytes. The SQS message text is searched as
 * received (every envelope field) and the envelope's body as the decoded bytes (a base64 body hides text).
 *
 * The provider harnesses call `assertNoSecret` on each message they hand a test, and drain what is left in their
 * queue after the file's tests: every enqueued message of every provider test is scanned.
 */

/** Values shorter than this are not searched for (they would match by chance); every test secret is longer. */
export const MIN_SECRET_CHARS = 8;

/** The secret strings in a Secrets Manager value: the value, or each string in it when it is JSON. */
export function secretStrings(value: string): string[] {
  const found = new Set<string>([value]);
  const trimmed = value.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const walk = (v: unknown): void => {
        if (typeof v === 'string') found.add(v);
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(JSON.parse(trimmed));
    } catch {
      // Not JSON: the value is the secret.
    }
  }
  return [...found];
}

/** Text forms and byte forms of one secret string. */
export function secretForms(secret: string): { texts: string[]; bytes: Buffer[] } {
  const texts = new Set<string>();
  const bytes: Buffer[] = [];
  for (const s of new Set([secret, secret.trim(), secret.trim().replace(/^[a-z]+_/, '')])) {
    const raw = Buffer.from(s, 'utf8');
    texts.add(s);
    texts.add(raw.toString('base64'));
    texts.add(raw.toString('base64').replace(/=+$/, ''));
    texts.add(raw.toString('base64url'));
    texts.add(raw.toString('hex'));
    texts.add(raw.toString('hex').toUpperCase());
    texts.add(JSON.stringify(s).slice(1, -1));
    if (/^(?:[0-9a-fA-F]{2}){8,}$/.test(s)) bytes.push(Buffer.from(s, 'hex'));
    if (/^[A-Za-z0-9+/_-]{12,}={0,2}$/.test(s)) {
      const decoded = Buffer.from(s, 'base64');
      bytes.push(decoded);
      texts.add(decoded.toString('hex'));
    }
  }
  return {
    texts: [...texts].filter((t) => t.length >= MIN_SECRET_CHARS),
    bytes: bytes.filter((b) => b.length >= MIN_SECRET_CHARS),
  };
}

/** Where a secret appears in a raw SQS message body; [] when it appears nowhere. */
export function secretsIn(messageText: string, secrets: readonly string[]): string[] {
  let body: Buffer | undefined;
  try {
    const envelope = JSON.parse(messageText) as { body?: unknown; bodyEncoding?: unknown };
    if (typeof envelope.body === 'string') body = Buffer.from(envelope.body, envelope.bodyEncoding === 'base64' ? 'base64' : 'utf8');
  } catch {
    body = undefined;
  }
  const found: string[] = [];
  for (const value of secrets) {
    for (const secret of secretStrings(value)) {
      const { texts, bytes } = secretForms(secret);
      const text = texts.find((t) => messageText.includes(t) || (body !== undefined && body.includes(Buffer.from(t, 'utf8'))));
      const raw = body === undefined ? undefined : bytes.find((b) => body!.includes(b));
      if (text !== undefined) found.push(`"${text}" (a form of a secret)`);
      else if (raw !== undefined) found.push(`the bytes of a secret (${raw.length} bytes)`);
    }
  }
  return found;
}

/** Throws if a secret appears in the message. */
export function assertNoSecret(messageText: string, secrets: readonly string[], where: string): void {
  const found = secretsIn(messageText, secrets);
  if (found.length > 0) {
    throw new Error(`Secret scan: ${where}: a queue message carries ${found.join(', ')}.`);
  }
}
