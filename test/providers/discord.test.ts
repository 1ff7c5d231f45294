/**
 * Discord interactions: `X-Signature-Ed25519`, the hex Ed25519 signature of `{X-Signature-Timestamp}{raw body}`,
 * checked with the application's public key (the secret's value: the raw 32-byte key as hex)
 * (https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers).
 * Discord's package can only verify, so requests are signed here with an Ed25519 key pair made for the test
 * (`crypto.sign(null, ...)`), and Discord's own verifier (`verifyKey` from `discord-interactions`) is the oracle:
 * it must accept every request ours accepts and refuse the forgeries ours refuses. The delivery id and event
 * type are the body's `id` and `type`. The handshake is the PING (`type: 1`), answered `{"type":1}` once its
 * signature holds; Discord also sends PINGs with bad signatures on purpose and expects a 401 for them. The standard
 * matrix is test/support/provider-matrix.ts (a secret is named by its public key); this file holds what is
 * particular to Discord.
 */
import { generateKeyPairSync, randomInt, sign, type KeyObject } from 'node:crypto';
import { verifyKey } from 'discord-interactions';
import { invalidUtf8Json } from '../support/provider-harness';
import { noWindow, providerMatrix, withHeader, type SignedRequest } from '../support/provider-matrix';

type KeyPair = { publicKey: KeyObject; privateKey: KeyObject };

/** The raw 32-byte Ed25519 public key as hex, as the Developer Portal shows it (the tail of its SPKI DER). */
const rawPublicKeyHex = (key: KeyObject) => key.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');

const APP = generateKeyPairSync('ed25519');
const OTHER = generateKeyPairSync('ed25519');
const NEXT = generateKeyPairSync('ed25519');
const PUBLIC_KEY = rawPublicKeyHex(APP.publicKey);
/** The key pairs, by the public key a receiver stores: the matrix names a signing secret by what is stored. */
const PAIRS = new Map<string, KeyPair>([APP, OTHER, NEXT].map((pair) => [rawPublicKeyHex(pair.publicKey), pair]));

const nowSeconds = () => Math.floor(Date.now() / 1000);
const snowflake = () => String(BigInt(Date.now() - 1420070400000) * 4194304n + BigInt(randomInt(4194304)));

/** An APPLICATION_COMMAND interaction (type 2), with a fresh interaction id. */
function slashCommand(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: snowflake(),
    application_id: '775799577604522054',
    type: 2,
    token: 'A_UNIQUE_TOKEN',
    version: 1,
    guild_id: '290926798626357999',
    channel_id: '645027906669510667',
    member: { user: { id: '53908232506183680', username: 'Mason' }, roles: [] },
    data: { id: '771825006014889984', name: 'blep', type: 1, options: [{ type: 3, name: 'animal', value: 'animal_dog' }], ...extra },
  });
}

/** Discord's scheme: Ed25519 over the timestamp's bytes followed by the body's bytes, hex-encoded. */
function signed(body: string | Buffer, options: { keys?: KeyPair; timestamp?: number | string; secret?: string } = {}): SignedRequest {
  const timestamp = String(options.timestamp ?? nowSeconds());
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const keys = options.keys ?? (options.secret ? PAIRS.get(options.secret)! : APP);
  const signature = sign(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), bytes]), keys.privateKey).toString('hex');
  return { body, headers: { 'X-Signature-Ed25519': signature, 'X-Signature-Timestamp': timestamp } };
}

/** Discord's own verdict on a request. */
function discordAccepts(request: SignedRequest): Promise<boolean> {
  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
  return verifyKey(body, request.headers['X-Signature-Ed25519'] ?? '', request.headers['X-Signature-Timestamp'] ?? '', PUBLIC_KEY);
}

const idOf = (body: string | Buffer) => JSON.parse(Buffer.from(body).toString('latin1')).id as string;
const ping = () => JSON.stringify({ id: snowflake(), application_id: '775799577604522054', type: 1, token: 'A_UNIQUE_TOKEN', version: 1 });

const matrix = providerMatrix({
  kind: 'discord',
  notApplicable: noWindow('Discord signs X-Signature-Timestamp but documents no window, so none is enforced (the catalog sets no toleranceSeconds)'),
  secret: PUBLIC_KEY,
  otherSecret: rawPublicKeyHex(OTHER.publicKey),
  rotation: { stored: rawPublicKeyHex(NEXT.publicKey) },
  auth: 'public-key',
  event: slashCommand,
  sign: (body, options) => signed(body, { secret: options?.secret, timestamp: options?.at && Math.floor(options.at.getTime() / 1000) }),
  accepts: discordAccepts,
  signBytes: (body, { at }) => signed(body, { timestamp: Math.floor(at.getTime() / 1000) }).headers,
  signatureHeader: 'X-Signature-Ed25519',
  requiredHeaders: [['X-Signature-Timestamp', 'timestamp_missing']],
  expected: (request) => ({ deliveryId: idOf(request.body), eventType: '2' }),
  tamper: ['animal_dog', 'animal_cat'],
  refusals: [
    ['a signature that is not hex', () => withHeader(signed(slashCommand()), 'X-Signature-Ed25519', 'zz'.repeat(64)), 'signature_malformed'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(slashCommand());
      return withHeader(request, 'X-Signature-Timestamp', String(Number(request.headers['X-Signature-Timestamp']) - 1));
    }, 'signature_mismatch'],
    // Discord's own security check: PINGs with bad signatures, which must get a 401, not a PONG
    ['a PING with a bad signature', () => signed(ping(), { keys: OTHER }), 'signature_mismatch'],
    ['a PING with no signature at all', () => ({ body: ping(), headers: { 'X-Signature-Timestamp': String(nowSeconds()) } }), 'signature_missing'],
  ],
  handshake: {
    name: 'a signed PING, answered {"type":1} (PONG)',
    request: () => signed(ping()),
    accepted: true,
    expectAnswer: (answer) => {
      expect(answer.status).toBe(200);
      expect(answer.headers['Content-Type']).toBe('application/json');
      expect(JSON.parse(answer.text)).toEqual({ type: 1 });
    },
  },
  invalidUtf8Body: () => invalidUtf8Json(`{"id":"${snowflake()}","type":2,"data":{"name":"`, '"}}'),
  invalidUtf8Expected: ({ body }) => ({ deliveryId: idOf(body), eventType: '2' }),
});

describe('the signed timestamp', () => {
  test('Discord documents no window: an hour-old genuine interaction verifies, and its replay is caught by the interaction id', async () => {
    // GIVEN a genuine interaction signed an hour ago, which Discord's verifier accepts
    const body = slashCommand();
    const request = signed(body, { timestamp: nowSeconds() - 3600 });
    expect(await discordAccepts(request)).toBe(true);

    // WHEN it is delivered
    const first = await matrix.harness().send(request);

    // THEN it is accepted
    expect(first.body).toEqual({ ok: true, code: 'accepted', deliveryId: idOf(body) });
    expect(await matrix.harness().messages()).toHaveLength(1);
    const records = await matrix.harness().records();

    // WHEN the same request is replayed THEN it is a duplicate: nothing is added
    const replay = await matrix.harness().send(request);
    expect({ status: replay.status, code: replay.body.code }).toEqual({ status: 200, code: 'duplicate' });
    expect(await matrix.harness().records()).toBe(records);
    expect(await matrix.harness().messages()).toEqual([]);
  });
});
