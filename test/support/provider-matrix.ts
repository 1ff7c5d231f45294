/**
 * The standard matrix every provider passes, declared from a small per-provider description: a genuine delivery
 * (accepted once, with its delivery id, event type and exact body); a tampered body, a tampered signature, a
 * signature made with another secret, each required header missing, and, where a timestamp is signed, one too old
 * and one too far ahead, all refused with the right code and no side effect; the provider's retry of a delivered
 * request, a duplicate; a non-ASCII body and a body that is not UTF-8, both byte-exact in the envelope; and where
 * the description says so, its handshake, several signatures while a secret is rolled, and a rotation of the
 * stored secret (rotation-case.ts).
 *
 * Requests are signed by the provider's own package (`sign`) and judged by its own verifier (`accepts`): the
 * matrix checks that the package agrees with every verdict. A body that is not UTF-8 cannot go through packages
 * that hash strings, so it is signed with `signBytes`, the documented scheme over raw bytes, which the matrix
 * first checks equals the package's signature on a UTF-8 body. A provider that publishes no package is signed as
 * documented, and has no `accepts`. A provider's test file keeps only what is particular to it, using `harness()`
 * for its own tests; its own refusals, its handshake and its way of carrying several signatures go in the
 * description, so the matrix checks them as it checks its own cases.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Answer, type Harness, type HarnessOptions } from './provider-harness';
import { rotationTest, type RotationOptions } from './rotation-case';

export interface SignedRequest {
  readonly body: string | Buffer;
  readonly headers: Record<string, string>;
  /** The query string's parameters, where the provider signs a URL that carries them (Twilio's bodySHA256). */
  readonly query?: Record<string, string>;
}

export interface HandshakeRequest extends SignedRequest {
  readonly method?: string;
  readonly query?: Record<string, string>;
}

export interface SignOptions {
  /** @default the description's `secret` */
  readonly secret?: string;
  /** When the request is signed. @default now */
  readonly at?: Date;
  /** The provider's delivery id, where it sends one. @default a fresh one */
  readonly id?: string;
}

/**
 * The matrix's cases a provider may not have, each needing a reason in `notApplicable` when it does not: `tampered
 * body` (the signature covers none of the body), `stale timestamp` and `future timestamp` (no timestamp is signed),
 * `several signatures` (the provider never sends more than one), `handshake` (it sends none), `rotation` (its stored
 * secret cannot be rotated to a second one the provider would sign with), `other secret` (nothing is signed with a
 * secret of ours).
 */
export type MatrixCase = 'tampered body' | 'stale timestamp' | 'future timestamp' | 'several signatures' | 'handshake' | 'rotation' | 'other secret';

/** The `notApplicable` of a provider whose requests carry no signed timestamp to bound: both window cases, for `reason`. */
export function noWindow(reason: string): Partial<Record<MatrixCase, string>> {
  return { 'stale timestamp': reason, 'future timestamp': reason };
}

/** Where a signature is carried, for a provider that does not send it in a header (Adyen's additionalData.hmacSignature). */
export interface SignatureLocation {
  /** Where it is, for test names, e.g. `additionalData.hmacSignature`. */
  readonly name: string;
  /** The signature's value in a signed request. */
  get(request: SignedRequest): string;
  /** The request with the signature's value replaced (still well formed otherwise). */
  set(request: SignedRequest, value: string): SignedRequest;
  /** The request without the signature. */
  remove(request: SignedRequest): SignedRequest;
}

export interface ProviderDescription {
  /** The catalog kind, or `custom` for a generic scheme. */
  readonly kind: string;
  /** For a generic scheme: its factory (e.g. `WebhookProvider.hmac`) and configuration (e.g. `base64, timestamped`). */
  readonly generic?: { readonly factory: string; readonly configuration: string };
  /**
   * The matrix's cases that do not apply to this provider, each with why (e.g. `'stale timestamp': 'no timestamp is
   * signed'`): a core case (tampered body, stale and future timestamps) left out without a reason fails the file
   * at load time, so none is left out silently.
   */
  readonly notApplicable?: Partial<Record<MatrixCase, string>>;
  /**
   * What the `other secret` case is called where the stored secret is no signing key, e.g. `a signature by another
   * key` (a public-key or certificate scheme: `sign` is given `otherSecret` and signs with another private key).
   * @default 'a signature made with another secret'
   */
  readonly otherSecretCase?: string;
  /**
   * Where the signature is when it is not in a header (in the body, a form field). Either this or `signatureHeader`.
   */
  readonly signatureIn?: SignatureLocation;
  /**
   * What the provider requires of the answer to a delivery, where it is not the receiver's JSON (Dropbox Sign's exact
   * text): the matrix then reads acceptance and duplicates from the queue and the inbox alone.
   */
  readonly reply?: { readonly name: string; expect(answer: Answer): void };
  /**
   * A request with bytes that are not UTF-8, signed by the provider's package, for a provider whose signature is in
   * the body or whose body carries them encoded (Braintree's base64 `bt_payload`): `bytes` are the bytes that are not
   * UTF-8, `carried` finds them in the envelope's body (@default the whole body, base64-encoded). Instead of
   * `signBytes`/`signRaw`.
   */
  invalidUtf8Request?(): Promise<InvalidUtf8Request> | InvalidUtf8Request;
  /**
   * The body as the envelope must carry it, where the receiver changes it (Microsoft Graph's clientState redacted).
   * @default the body as received
   */
  enqueued?(body: Buffer): Buffer;
  readonly secret: string;
  /** A secret of the same shape that is not the provider's. */
  readonly otherSecret: string;
  /** Harness options besides the secret. */
  readonly harness?: Omit<HarnessOptions, 'secret'>;
  /** A fresh JSON event body with `extra` among its fields. */
  event(extra?: Record<string, unknown>): string;
  /** The request as the provider sends it, signed by the provider's own package. */
  sign(body: string, options?: SignOptions): SignedRequest | Promise<SignedRequest>;
  /**
   * The provider's own verifier's verdict on a request (signed with `secret`), where the provider publishes one.
   * Without it, requests are signed as documented (or by the provider's signing package) and ours alone is judged.
   */
  accepts?(request: SignedRequest): boolean | Promise<boolean>;
  /** The documented scheme over raw bytes, returning the request's headers (for a body that is not UTF-8). */
  signBytes?(body: Buffer, options: { id: string; at: Date }): Record<string, string> | Promise<Record<string, string>>;
  /** As `signBytes`, for a provider whose request carries more than headers (a signed query): the whole request. */
  signRaw?(body: Buffer, options: { id: string; at: Date }): SignedRequest | Promise<SignedRequest>;
  /** The signature header as sent (any case); the matrix changes one character of it. Either this or `signatureIn`. */
  readonly signatureHeader?: string;
  /** Other headers every request needs, with the code a request without each gets. */
  readonly requiredHeaders?: Array<[header: string, code: string]>;
  /** The envelope's `auth`. @default 'hmac' */
  readonly auth?: string;
  /** Where a timestamp is signed: the window in seconds, so the matrix sends one twice as old and twice as far ahead. */
  readonly windowSeconds?: number;
  /**
   * Where the provider's package bounds only the age of a timestamp: why ours refuses one ahead anyway. The matrix
   * then checks that the package accepts the request twice the window ahead (a pinned difference) and ours refuses it.
   */
  readonly packageAcceptsFuture?: string;
  /** Where the provider's package bounds no window at all: why ours refuses an old timestamp (a pinned difference, as above). */
  readonly packageAcceptsStale?: string;
  /**
   * Whether two signatures of the same content differ (ECDSA): the non-UTF-8 case then checks that the provider's
   * package accepts `signBytes`'s signature on a UTF-8 body, instead of comparing it with `sign`'s.
   */
  readonly randomizedSignature?: boolean;
  /** Refusals particular to the provider (a malformed header, a tampered signed field), checked as the matrix's own. */
  readonly refusals?: Array<[name: string, make: () => SignedRequest | Promise<SignedRequest>, code: string]>;
  /**
   * A request signed by `otherSecret` and by `secret` at once (the provider's own way of sending several signatures
   * while a secret is rolled): the package accepts it, and ours accepts it once.
   */
  rotated?(body: string): SignedRequest | Promise<SignedRequest>;
  /** The delivery id and event type the envelope of a request must carry. */
  expected(request: SignedRequest): { readonly deliveryId: string; readonly eventType?: string };
  /** A field of `event`'s body whose value the tampered-body case changes, e.g. `"amount":4200`. Required where the body is signed. */
  readonly tamper?: readonly [from: string, to: string] | ((request: SignedRequest) => SignedRequest);
  /**
   * The envelope's `bodySigned`: false where the signature does not cover the body, or only a checksum of it. A
   * shared token (GitLab) covers nothing: no tampered-body case (no `tamper`). A checksum (PayPal's CRC-32) still
   * refuses a tampered body: give `tamper` and the case runs. @default true
   */
  readonly bodySigned?: boolean;
  /** Fields the genuine delivery's answer carries besides `ok`, `code` and `deliveryId` (a batch's `events`, `enqueued`). */
  readonly answer?: Record<string, unknown>;
  /** A JSON-looking body with bytes that are not UTF-8 that the provider would key. @default invalidUtf8Json with a `type` */
  invalidUtf8Body?(): Buffer;
  /**
   * The provider's retry of a delivered request (its own way: the same body signed anew, a new attempt header).
   * @default the same body signed again now, with the same delivery id
   */
  redeliver?(request: SignedRequest): SignedRequest | Promise<SignedRequest>;
  /** A secret to rotate to: the matrix then checks that after a rotation the new and the previous secret both verify (rotation-case.ts). */
  readonly rotation?: RotationOptions;
  /** The delivery id and event type the envelope of the body that is not UTF-8 carries, where the matrix should check them. */
  invalidUtf8Expected?(request: SignedRequest): { readonly deliveryId: string; readonly eventType?: string };
  /**
   * A handshake the provider sends (signed as it signs it), and the answer it must get: answered directly, neither
   * enqueued nor recorded. A forged handshake belongs in `refusals`.
   */
  readonly handshake?: {
    readonly name: string;
    request(): Promise<HandshakeRequest> | HandshakeRequest;
    /** The provider's own verifier's verdict on the handshake, where it judges one. */
    readonly accepted?: boolean;
    /** What the provider requires of the answer. */
    expectAnswer(answer: Answer, request: HandshakeRequest): void;
  };
}

export interface InvalidUtf8Request {
  readonly request: SignedRequest;
  readonly bytes: Buffer;
  carried?(body: Buffer): Buffer;
}

export interface Matrix {
  /** The harness the matrix uses (set in its `beforeAll`). */
  harness(): Harness;
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

export function without(request: SignedRequest, name: string): SignedRequest {
  return { ...request, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key.toLowerCase() !== name.toLowerCase())) };
}

export function withHeader(request: SignedRequest, name: string, value: string): SignedRequest {
  return { ...request, headers: { ...without(request, name).headers, [name]: value } };
}

export function headerOf(request: SignedRequest, name: string): string {
  const entry = Object.entries(request.headers).find(([key]) => key.toLowerCase() === name.toLowerCase());
  if (!entry) throw new Error(`The signed request has no ${name} header.`);
  return entry[1];
}

/** One character of a signature changed, at a position past any prefix such as `v1,` or `sha256=`. */
function tamperedSignature(value: string): string {
  const at = value.length - 5;
  // Compared case-insensitively: 'a' -> 'A' would be the same hex digit.
  return value.slice(0, at) + (value[at].toUpperCase() === 'A' ? 'B' : 'A') + value.slice(at + 1);
}

/** Checks the provider's own verifier's verdict, where the description has one. */
async function expectVerdict(request: SignedRequest, description: ProviderDescription, accepted: boolean): Promise<void> {
  if (description.accepts) expect(await description.accepts(request)).toBe(accepted);
}

/** The signature in a header, as most providers send it. */
function inHeader(name: string): SignatureLocation {
  return {
    name: `${name} header`,
    get: (request) => headerOf(request, name),
    set: (request, value) => withHeader(request, name, value),
    remove: (request) => without(request, name),
  };
}

/** The body with one ASCII field changed, whether it is text or bytes (a multipart form). */
function tamperedBody(body: string | Buffer, from: string, to: string): string | Buffer {
  const text = typeof body === 'string' ? body : body.toString('latin1');
  if (!text.includes(from)) throw new Error(`The event body has no ${from} to tamper with.`);
  const changed = text.replace(from, to);
  return typeof body === 'string' ? changed : Buffer.from(changed, 'latin1');
}

/** What a description says of the matrix's cases, checked when it is declared: a case left out needs a reason. */
function checkedNotApplicable(description: ProviderDescription, name: string): Partial<Record<MatrixCase, string>> {
  const reasons = description.notApplicable ?? {};
  const runs: Record<MatrixCase, boolean> = {
    'tampered body': description.tamper !== undefined,
    'stale timestamp': description.windowSeconds !== undefined,
    'future timestamp': description.windowSeconds !== undefined,
    'several signatures': description.rotated !== undefined,
    'handshake': description.handshake !== undefined,
    'rotation': description.rotation !== undefined,
    'other secret': reasons['other secret'] === undefined,
  };
  // Cases a provider has only where it says so (a handshake, several signatures, a rotation) need no reason; a
  // signed body, a signed timestamp and another secret are the matrix's core: leaving one out needs one.
  const core: MatrixCase[] = ['tampered body', 'stale timestamp', 'future timestamp'];
  for (const key of core) {
    if (!runs[key] && !reasons[key]) {
      throw new Error(`${name}: the matrix's "${key}" case does not run (${key === 'tampered body' ? 'no tamper field' : 'no windowSeconds'}): give it, or say why it does not apply in notApplicable.`);
    }
  }
  for (const [key, reason] of Object.entries(reasons) as Array<[MatrixCase, string]>) {
    if (key !== 'other secret' && runs[key]) throw new Error(`${name}: notApplicable names "${key}", but the description makes that case run.`);
    if (!reason.trim()) throw new Error(`${name}: notApplicable "${key}" needs a reason.`);
  }
  return reasons;
}

/** Declares the standard matrix's tests for one provider. Call at the top level of a test file. */
export function providerMatrix(description: ProviderDescription): Matrix {
  let harness: Harness;
  const seconds = (n: number) => new Date(Date.now() + n * 1000);
  const name = description.generic ? `${description.generic.factory} (${description.generic.configuration})` : description.kind;
  if ((description.signatureHeader === undefined) === (description.signatureIn === undefined)) {
    throw new Error(`${name}: a description needs either signatureHeader or signatureIn.`);
  }
  const location = description.signatureIn ?? inHeader(description.signatureHeader!);
  const notApplicable = checkedNotApplicable(description, name);
  const enqueued = (body: Buffer) => description.enqueued?.(body) ?? body;

  /** Checks a delivery's answer: the provider's required reply, or the receiver's JSON with `code`. */
  const expectAnswer = (answer: Answer, code: 'accepted' | 'duplicate', deliveryId?: string) => {
    if (description.reply) {
      description.reply.expect(answer);
      return;
    }
    if (deliveryId === undefined) expect({ status: answer.status, code: answer.body?.code }).toEqual({ status: 200, code });
    else expect([answer.status, answer.body]).toEqual([200, { ok: true, code, deliveryId, ...(code === 'accepted' ? description.answer : {}) }]);
  };

  beforeAll(async () => {
    harness = await providerHarness(description.kind, { secret: description.secret, ...description.harness });
  });

  describe(`${name}: the standard matrix`, () => {
    // A case that does not apply is not declared as a test: the description must say why (checkedNotApplicable
    // throws at load time otherwise), and the reason stays in the provider's test file for its readers.
    test('a genuine delivery is accepted and enqueued once, with its delivery id, event type and exact body', async () => {
      // GIVEN a request signed by the provider's package, which its verifier accepts
      const request = await description.sign(description.event());
      await expectVerdict(request, description, true);

      // WHEN it is delivered
      const answer = await harness.send(request);

      // THEN it is accepted, and exactly one envelope carries it, byte for byte
      const { deliveryId, eventType } = description.expected(request);
      expectAnswer(answer, 'accepted', deliveryId);
      const messages = await harness.messages();
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ provider: harness.id, deliveryId, ...(eventType === undefined ? {} : { eventType }), auth: description.auth ?? 'hmac', bodySigned: description.bodySigned ?? true, bodyEncoding: 'utf8' });
      expect(bytesOf(messages[0]).equals(enqueued(Buffer.from(request.body)))).toBe(true);
      if (eventType === undefined) expect(messages[0].eventType).toBeUndefined();
    });

    test('the provider\'s retry of a delivered request is a duplicate: answered 2xx, neither enqueued nor recorded again', async () => {
      // GIVEN a genuine delivery, accepted and enqueued
      const request = await description.sign(description.event());
      expectAnswer(await harness.send(request), 'accepted', description.expected(request).deliveryId);
      expect(await harness.messages()).toHaveLength(1);
      const records = await harness.records();

      // WHEN the provider retries it
      const retry = await (description.redeliver?.(request) ?? description.sign(String(request.body), { id: description.expected(request).deliveryId }));
      await expectVerdict(retry, description, true);
      const answer = await harness.send(retry);

      // THEN it is a duplicate under the same delivery id, and nothing is added
      expectAnswer(answer, 'duplicate');
      expect(await harness.messages()).toEqual([]);
      expect(await harness.records()).toBe(records);
    });

    const bodySigned = description.bodySigned ?? true;
    const otherSecretCase = description.otherSecretCase ?? 'a signature made with another secret';
    const cases: Array<[string, () => SignedRequest | Promise<SignedRequest>, string]> = [
      ...(description.tamper === undefined ? [] : [['a tampered body', async () => {
        const request = await description.sign(description.event());
        const tamper = description.tamper!;
        // A function where the body carries its content encoded (Braintree's base64 bt_payload).
        return typeof tamper === 'function' ? tamper(request) : { ...request, body: tamperedBody(request.body, tamper[0], tamper[1]) };
      }, 'signature_mismatch']] as Array<[string, () => Promise<SignedRequest>, string]>),
      [`a tampered signature (${location.name})`, async () => {
        const request = await description.sign(description.event());
        return location.set(request, tamperedSignature(location.get(request)));
      }, 'signature_mismatch'],
      ...(notApplicable['other secret'] !== undefined ? [] : [[otherSecretCase, () => description.sign(description.event(), { secret: description.otherSecret }), 'signature_mismatch']] as Array<[string, () => SignedRequest | Promise<SignedRequest>, string]>),
      [description.signatureIn ? `no signature (${location.name})` : 'no signature header', async () => location.remove(await description.sign(description.event())), 'signature_missing'],
      ...(description.requiredHeaders ?? []).map(([header, code]): [string, () => Promise<SignedRequest>, string] => [
        `no ${header} header`,
        async () => without(await description.sign(description.event()), header),
        code,
      ]),
      ...(description.windowSeconds === undefined ? [] : [
        ...(description.packageAcceptsStale === undefined ? [
          [`a timestamp ${2 * description.windowSeconds} s old (window ${description.windowSeconds} s)`, () => description.sign(description.event(), { at: seconds(-2 * description.windowSeconds!) }), 'timestamp_out_of_window'],
        ] : []),
        ...(description.packageAcceptsFuture === undefined ? [
          [`a timestamp ${2 * description.windowSeconds} s ahead (window ${description.windowSeconds} s)`, () => description.sign(description.event(), { at: seconds(2 * description.windowSeconds!) }), 'timestamp_out_of_window'],
        ] : []),
      ] as Array<[string, () => SignedRequest | Promise<SignedRequest>, string]>),
      ...(description.refusals ?? []),
    ];
    if (!bodySigned && description.tamper === undefined && !notApplicable['tampered body']) throw new Error(`${name}: say why the tampered-body case does not apply.`);

    test.each(cases)('refused: %s', async (_name, make, code) => {
      // GIVEN a request the provider's own verifier refuses
      const request = await make();
      await expectVerdict(request, description, false);

      // WHEN / THEN ours refuses it with the right code, and nothing is enqueued or recorded
      await expectRejected(harness, request, code);
    });

    for (const [direction, reason, factor] of [['ahead', description.packageAcceptsFuture, 1], ['old', description.packageAcceptsStale, -1]] as const) {
      if (reason === undefined) continue;
      const window = description.windowSeconds;
      if (window === undefined || !description.accepts) throw new Error(`${name}: a pinned window difference needs windowSeconds and accepts.`);
      test(`pinned difference: a timestamp ${2 * window} s ${direction} (window ${window} s) is accepted by the provider's package, refused by ours (${reason})`, async () => {
        // GIVEN a genuine signature over a timestamp outside the window, which the package accepts
        const request = await description.sign(description.event(), { at: seconds(factor * 2 * window) });
        await expectVerdict(request, description, true);

        // WHEN / THEN ours bounds it
        await expectRejected(harness, request, 'timestamp_out_of_window');
      });
    }

    if (description.rotated) {
      test(`several signatures (a secret being rolled): any may match${description.accepts ? ', as the provider\'s package accepts' : ''}`, async () => {
        // GIVEN a request carrying a signature by another secret and one by ours
        const request = await description.rotated!(description.event());
        await expectVerdict(request, description, true);

        // WHEN / THEN it is accepted once
        const answer = await harness.send(request);
        expectAnswer(answer, 'accepted', description.expected(request).deliveryId);
        expect(await harness.messages()).toHaveLength(1);
      });
    }

    if (description.handshake) {
      const handshake = description.handshake;
      test(`the handshake (${handshake.name}) is answered directly, neither enqueued nor recorded`, async () => {
        // GIVEN the handshake as the provider sends it
        const request = await handshake.request();
        if (handshake.accepted !== undefined) await expectVerdict(request, description, handshake.accepted);
        const before = await harness.records();

        // WHEN it is delivered
        const answer = await harness.send(request);

        // THEN the provider gets the answer it requires, and nothing reaches the queue or the inbox
        handshake.expectAnswer(answer, request);
        expect(await harness.messages()).toEqual([]);
        expect(await harness.records()).toBe(before);
      });
    }

    test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
      // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
      const request = await description.sign(description.event({ memo: 'café ☕ 🚀 漢字' }));
      await expectVerdict(request, description, true);

      // WHEN it is delivered
      const answer = await harness.send(request);

      // THEN the envelope holds exactly the bytes that were signed
      expectAnswer(answer, 'accepted', description.expected(request).deliveryId);
      const [message] = await harness.messages();
      expect(message.bodyEncoding).toBe('utf8');
      expect(bytesOf(message).equals(enqueued(Buffer.from(request.body)))).toBe(true);
    });

    test('a body that is not valid UTF-8 verifies over its bytes and arrives byte-identical', async () => {
      let sent: SignedRequest;
      let bytes: Buffer;
      let carried: (body: Buffer) => Buffer = (body) => body;
      if (description.invalidUtf8Request) {
        // GIVEN a request whose bytes that are not UTF-8 the provider's package signed (its signature is inside the body)
        ({ request: sent, bytes, carried = carried } = await description.invalidUtf8Request());
        await expectVerdict(sent, description, true);
      } else {
        // GIVEN the documented scheme over raw bytes, which on a UTF-8 body gives the package's own signature
        const id = `msg_${randomUUID()}`;
        const at = new Date();
        const utf8Body = description.event({ memo: 'café ☕' });
        const raw = async (body: Buffer): Promise<SignedRequest> => {
          if (description.signRaw) return description.signRaw(body, { id, at });
          if (!description.signBytes) throw new Error(`${name}: the description needs signBytes, signRaw or invalidUtf8Request.`);
          return { body, headers: await description.signBytes(body, { id, at }) };
        };
        const byRaw = await raw(Buffer.from(utf8Body));
        if (description.randomizedSignature) await expectVerdict({ ...byRaw, body: utf8Body }, description, true);
        else expect(location.get({ ...byRaw, body: utf8Body })).toBe(location.get(await description.sign(utf8Body, { id, at })));
        bytes = description.invalidUtf8Body?.() ?? invalidUtf8Json('{"type":"invalid.utf8","note":"', '"}');
        sent = await raw(bytes);
      }
      // (The bytes are indeed not UTF-8: decoding them loses some.)
      expect(Buffer.from(bytes.toString('utf8')).equals(bytes)).toBe(false);

      // WHEN it is delivered
      const answer = await harness.send(sent);

      // THEN it is accepted and the envelope carries the same bytes (base64-encoded where the body is not UTF-8)
      expectAnswer(answer, 'accepted', description.invalidUtf8Expected?.(sent).deliveryId);
      const [message] = await harness.messages();
      expect(bytesOf(message).equals(enqueued(Buffer.from(sent.body)))).toBe(true);
      expect(carried(bytesOf(message)).equals(bytes)).toBe(true);
      const utf8 = Buffer.from(Buffer.from(sent.body).toString('utf8')).equals(Buffer.from(sent.body));
      expect(message.bodyEncoding).toBe(utf8 ? 'utf8' : 'base64');
      if (description.invalidUtf8Expected) {
        const { deliveryId, eventType } = description.invalidUtf8Expected(sent);
        expect([message.deliveryId, message.eventType]).toEqual([deliveryId, eventType]);
      }
    });
  });

  if (description.rotation) rotationTest(description, description.rotation);

  return { harness: () => harness };
}

/**
 * The description of a Standard Webhooks provider (Standard Webhooks itself, Svix, Resend, Clerk): `<prefix>-id`,
 * `<prefix>-timestamp` and `<prefix>-signature: v1,<base64>`, the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`
 * keyed with the base64-decoded `whsec_` secret, a 5-minute window, the delivery id in `<prefix>-id`.
 */
export function standardWebhooksDescription(options: {
  readonly kind: string;
  readonly prefix: 'webhook' | 'svix';
  readonly secret: string;
  readonly otherSecret: string;
  readonly event: (extra?: Record<string, unknown>) => string;
  readonly eventType: string;
  readonly tamper: readonly [string, string];
  /** Signs `{id}.{timestamp}.{body}` with the provider's (or Standard Webhooks') package: the `v1,...` header value. */
  readonly signature: (secret: string, id: string, at: Date, body: string) => string;
  readonly accepts: (request: SignedRequest) => boolean | Promise<boolean>;
}): ProviderDescription {
  const { prefix, secret } = options;
  const headers = (id: string, at: Date, signature: string) => ({
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: String(Math.floor(at.getTime() / 1000)),
    [`${prefix}-signature`]: signature,
  });
  return {
    kind: options.kind,
    secret,
    otherSecret: options.otherSecret,
    event: options.event,
    sign: (body, { secret: key = secret, at = new Date(), id = `msg_${randomUUID()}` } = {}) => ({ body, headers: headers(id, at, options.signature(key, id, at, body)) }),
    accepts: options.accepts,
    // The specified signature over raw bytes, key = the base64-decoded secret.
    signBytes: (body, { id, at }) => {
      const timestamp = String(Math.floor(at.getTime() / 1000));
      const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
      return headers(id, at, `v1,${createHmac('sha256', key).update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body])).digest('base64')}`);
    },
    signatureHeader: `${prefix}-signature`,
    // The id is signed: without it the signature cannot match.
    requiredHeaders: [[`${prefix}-id`, 'signature_mismatch'], [`${prefix}-timestamp`, 'timestamp_missing']],
    windowSeconds: 300,
    expected: (request) => ({ deliveryId: request.headers[`${prefix}-id`], eventType: options.eventType }),
    tamper: options.tamper,
  };
}
