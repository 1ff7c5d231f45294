/**
 * The verifier's hand-written readers of signature headers, base64 text and RFC 3339 timestamps (written for speed,
 * issue #10) against the plain forms they replaced: `split` and `trim`, the regular expressions, `Date.parse`. Each
 * is checked on the edge cases by name and on a few thousand generated inputs, so that reading faster never reads
 * differently.
 */
import { createHmac, randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { resolveProviders } from '../catalog/providers';
import { isBase64Text, prepare, rfc3339Millis, type Headers } from '../lambda/verifier/auth';
import { AuthenticationError } from '../lambda/verifier/errors';
import { headerEntries, headerLookup } from '../lambda/verifier/limits';
import type { APIGatewayProxyEvent } from 'aws-lambda';

/** A deterministic generator (a failure names its seed), so a failing input can be replayed. */
function generator(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

const pick = <T,>(random: (n: number) => number, items: readonly T[]): T => items[random(items.length)];

function headersOf(values: Record<string, string>): Headers {
  return { get: (name) => values[name.toLowerCase()] };
}

/** What a check made: its error code, or whether the key matched. */
function outcome(run: () => number): string {
  try {
    return run() >= 0 ? 'accepted' : 'signature_mismatch';
  } catch (error) {
    if (error instanceof AuthenticationError) return error.code;
    throw error;
  }
}

describe('signature headers: read in place as split and trim read them', () => {
  const scheme = (kind: string) => resolveProviders({ '/p': { kind, secretId: 'unused' } }).get('/p')!.scheme;

  test('key=value lists (Stripe): every generated header has the outcome the split-and-trim reading gives', () => {
    // GIVEN a genuine Stripe signature (the stripe package) and the pieces a header may be made of, well or badly
    const stripe = new Stripe('sk_test_unused');
    const secret = `whsec_${randomBytes(24).toString('hex')}`;
    const body = Buffer.from(JSON.stringify({ id: 'evt_1', object: 'event', note: 'café' }));
    const t = Math.floor(Date.now() / 1000);
    const genuine = stripe.webhooks.generateTestHeaderString({ payload: body.toString(), secret, timestamp: t });
    const good = /v1=([0-9a-f]+)/.exec(genuine)![1];
    const bad = '0'.repeat(64);
    const pieces = [`t=${t}`, `t=${t + 1}`, ` t = ${t} `, `\tt=${t}\u00a0`, `v1=${good}`, ` v1=${good} `, `\u2003v1=${good}\u2003`,
      `v1=${bad}`, `v0=${good}`, 'v1=', '=v1', '', ' ', 'v1', `v1=${good}x`, `v1==${good}`, `V1=${good}`, `t=${t}=`, `t==${t}`];
    const seps = [',', ', ', ' ,', ',,'];
    const random = generator(20261203);
    const config = scheme('stripe');
    const reference = (header: string): string => {
      // The reading this replaced: split on the separator, cut each entry at its first `=`, trim both sides.
      let timestamp: string | undefined;
      const signatures: string[] = [];
      for (const entry of header.split(',')) {
        const at = entry.indexOf('=');
        if (at <= 0) continue;
        const key = entry.slice(0, at).trim();
        const value = entry.slice(at + 1).trim();
        if (key === 'v1') signatures.push(value);
        else if (key === 't') {
          if (timestamp !== undefined && timestamp !== value) return 'signature_malformed';
          timestamp = value;
        }
      }
      const decoded = signatures.filter((value) => value.length > 0 && value.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(value));
      if (decoded.length === 0) return 'signature_malformed';
      if (timestamp === undefined) return 'timestamp_missing';
      if (!/^[0-9]{1,16}$/.test(timestamp)) return 'timestamp_malformed';
      if (Math.abs(Number(timestamp) - t) > 300) return 'timestamp_out_of_window';
      const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
      return decoded.some((value) => value.toLowerCase() === expected) ? 'accepted' : 'signature_mismatch';
    };

    // WHEN 3000 headers made of 1 to 5 pieces are read both ways
    const differences: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const count = 1 + random(5);
      const parts = Array.from({ length: count }, () => pick(random, pieces));
      const header = parts.reduce((text, part, index) => (index === 0 ? part : text + pick(random, seps) + part), '');
      const ours = header.trim() === ''
        ? 'signature_missing'
        : outcome(() => prepare(config, { body, headers: headersOf({ 'stripe-signature': header }), method: 'POST', rawQuery: '', json: () => undefined }, t * 1000).match([secret]) as number);
      const expected = header.trim() === '' ? 'signature_missing' : reference(header.trim());
      if (ours !== expected) differences.push(`${JSON.stringify(header)}: ${ours}, expected ${expected}`);
      seen.add(expected);
    }

    // THEN they agree on every one, and the generated set exercised each outcome
    expect(differences).toEqual([]);
    expect([...seen].sort()).toEqual(['accepted', 'signature_malformed', 'signature_mismatch', 'signature_missing', 'timestamp_malformed', 'timestamp_missing']);
  });

  test('space-separated lists (Standard Webhooks): every generated header has the outcome the split-and-trim reading gives', () => {
    // GIVEN a genuine signature from the standardwebhooks package and the pieces its header may be made of
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const body = Buffer.from(JSON.stringify({ type: 'invoice.paid', note: 'café' }));
    const at = new Date();
    const t = Math.floor(at.getTime() / 1000);
    const genuine = new Webhook(secret).sign('msg_1', at, body.toString());
    const good = genuine.slice('v1,'.length);
    const pieces = [`v1,${good}`, `\tv1,${good}`, `v1,${good}\u00a0`, `v1,${good.replace(/=+$/, '')}`, `v1,${good}=`, 'v1,', 'v2,abcd',
      `v1a,${good}`, `V1,${good}`, `v1,${'A'.repeat(44)}`, '', `v1,${good.slice(1)}`, 'v1,ab=c'];
    const seps = [' ', '  ', '\t '];
    const random = generator(1203);
    const config = scheme('standard-webhooks');
    const request = (header: string) => ({
      body, method: 'POST', rawQuery: '', id: 'msg_1', json: () => undefined,
      headers: headersOf({ 'webhook-signature': header, 'webhook-id': 'msg_1', 'webhook-timestamp': String(t) }),
    });
    const reference = (header: string): string => {
      const signatures = header.split(' ').map((entry) => entry.trim()).filter((entry) => entry.startsWith('v1,')).map((entry) => entry.slice(3))
        .filter((value) => value.length > 0 && /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value));
      if (signatures.length === 0) return 'signature_malformed';
      return signatures.includes(good) ? 'accepted' : 'signature_mismatch';
    };

    // WHEN 3000 headers are read both ways
    const differences: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const parts = Array.from({ length: 1 + random(4) }, () => pick(random, pieces));
      const header = parts.reduce((text, part, index) => (index === 0 ? part : text + pick(random, seps) + part), '');
      const expected = header.trim() === '' ? 'signature_missing' : reference(header.trim());
      const ours = outcome(() => prepare(config, request(header), t * 1000).match([secret]) as number);
      if (ours !== expected) differences.push(`${JSON.stringify(header)}: ${ours}, expected ${expected}`);
      seen.add(expected);
    }

    // THEN they agree on every one, and the generated set exercised each outcome
    expect(differences).toEqual([]);
    expect([...seen].sort()).toEqual(['accepted', 'signature_malformed', 'signature_mismatch', 'signature_missing']);
  });
});

describe('base64 text: one table lookup a character, as the regular expressions decided', () => {
  const STANDARD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  const URL_SAFE = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$/;

  test('named edge cases', () => {
    const cases = ['', 'A', 'AA', 'AAA', 'AAAA', 'AA==', 'AAA=', 'A===', '====', 'AA=A', 'A=AA', '=AAA', 'AAAA====', 'AB+/', 'AB-_', 'AB-/',
      'AAAAA', 'AAAAAA', 'AAAAAAA', 'AAA\u00e9', 'AA A', 'AAA\n', `${'A'.repeat(43)}=`, `${'_'.repeat(43)}`];
    for (const value of cases) {
      expect([value, isBase64Text(value, false)]).toEqual([value, STANDARD.test(value)]);
      expect([value, isBase64Text(value, true)]).toEqual([value, URL_SAFE.test(value)]);
    }
  });

  test('5000 generated strings over both alphabets, padding and strays', () => {
    const random = generator(44);
    const alphabet = 'ABCxyz019+/-_= \u00e9.';
    for (let i = 0; i < 5000; i++) {
      const value = Array.from({ length: random(13) }, () => alphabet[random(alphabet.length)]).join('');
      expect([value, isBase64Text(value, false), isBase64Text(value, true)]).toEqual([value, STANDARD.test(value), URL_SAFE.test(value)]);
    }
  });
});

describe('RFC 3339 timestamps: read by position as Date.parse reads them', () => {
  const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;
  const expected = (value: string) => (RFC3339.test(value) ? Date.parse(value) : undefined);

  test('named edge cases, including the dates Date.parse refuses or rolls over', () => {
    const cases = ['2026-12-03T10:11:12Z', '2026-12-03T10:11:12.634934626Z', '2026-12-03T10:11:12.6Z', '2026-12-03T10:11:12.Z',
      '2026-12-03T10:11:12.1234567890Z', '2026-12-02T22:40:00-08:00', '2026-12-03T10:11:12+05:30', '2026-12-03T10:11:12+23:59',
      '2026-12-03T10:11:12+24:00', '2026-12-03T10:11:12-00:60', '2026-02-30T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z',
      '2026-00-01T00:00:00Z', '2026-01-00T00:00:00Z', '2026-01-32T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T23:60:00Z',
      '2026-01-01T23:59:60Z', '0099-01-01T00:00:00Z', '0100-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '2026-01-01 00:00:00Z',
      '2026-01-01t00:00:00z', '2026-01-01T00:00:00', '2026-01-01T00:00:00+0000', '2026-1-01T00:00:00Z', '+02026-01-01T00:00:00Z',
      '2026-01-01T00:00:00ZZ', '2026-01-01T00:00:00.000000000+01:00', '２026-01-01T00:00:00Z'];
    for (const value of cases) expect([value, rfc3339Millis(value)]).toEqual([value, expected(value)]);
  });

  test('4000 generated date-times, valid and broken, at every position', () => {
    const random = generator(3339);
    const two = () => String(random(100)).padStart(2, '0');
    for (let i = 0; i < 4000; i++) {
      let value = `${String(random(10000)).padStart(4, '0')}-${two()}-${two()}${pick(random, ['T', 'T', 'T', 't', ' '])}${two()}:${two()}:${two()}`;
      if (random(2)) value += `.${String(random(1e9)).slice(0, 1 + random(10))}`;
      value += pick(random, ['Z', 'Z', 'z', '', `+${two()}:${two()}`, `-${two()}:${two()}`, `+${two()}${two()}`]);
      if (random(8) === 0) {
        const at = random(value.length);
        value = value.slice(0, at) + pick(random, ['x', '-', ':', '9', '']) + value.slice(at + 1);
      }
      expect([value, rfc3339Millis(value)]).toEqual([value, expected(value)]);
    }
  });
});

describe('header lookups: a scan of the names, as an index of headerEntries answered', () => {
  test('5000 generated events: every lookup and list matches the entries, a header with several values reads as blank', () => {
    // GIVEN events with names in several letter cases, in `headers`, in `multiValueHeaders` or both, some repeated,
    // some null (the reference: every entry whose name lower-cases to the wanted one)
    const random = generator(7230);
    const names = ['Stripe-Signature', 'stripe-signature', 'STRIPE-SIGNATURE', 'X-Request-Id', 'x-request-id', 'Content-Type', 'x-\u212Aey', 'x-key', 'X-Kex'];
    const wanted = ['stripe-signature', 'x-request-id', 'content-type', 'x-key', 'X-Key', 'x-kex', 'absent'];
    const differences: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const headers: Record<string, string | null> = {};
      const multiValueHeaders: Record<string, string[] | null> = {};
      for (let n = random(5); n > 0; n--) {
        const name = pick(random, names);
        const where = random(4);
        if (where === 0) headers[name] = random(6) === 0 ? null : `v${random(3)}`;
        else if (where === 1) multiValueHeaders[name] = random(6) === 0 ? null : Array.from({ length: random(3) }, () => `m${random(3)}`);
        else {
          multiValueHeaders[name] = [`b${random(3)}`];
          headers[name] = multiValueHeaders[name]![0];
        }
      }
      const event = { headers, multiValueHeaders } as unknown as APIGatewayProxyEvent;
      const entries = headerEntries(event);
      const lookup = headerLookup(event);
      for (const name of wanted) {
        const values = entries.filter(([key]) => key.toLowerCase() === name.toLowerCase()).map(([, value]) => value);
        const expected = values.length === 0 ? undefined : values.length === 1 ? values[0] : '';
        if (lookup.get(name) !== expected || JSON.stringify(lookup.getAll!(name)) !== JSON.stringify(values)) {
          differences.push(`${JSON.stringify(event)} ${name}: ${lookup.get(name)} ${JSON.stringify(lookup.getAll!(name))}, expected ${expected} ${JSON.stringify(values)}`);
        }
      }
    }

    // THEN none differs
    expect(differences).toEqual([]);
  });
});
