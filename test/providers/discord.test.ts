/**
 * Discord interactions: `X-Signature-Ed25519`, the hex Ed25519 signature of `{X-Signature-Timestamp}{raw body}`,
 * checked with the application's public key (the secret's value: the raw 32-byte key as hex)
 * (https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers).
 * Discord's package can only verify, so requests are signed here with an Ed25519 key pair made for the test
 * (`crypto.sign(null, ...)`), and Discord's own verifier (`verifyKey` from `discord-interactions`) is the oracle:
 * it must accept every request ours accepts and refuse the forgeries ours refuses. The delivery id and event
 * type are the body's `id` and `type`. The handshake is the PING (`type: 1`), answered `{"type":1}` once its
 * signature holds; Discord also sends PINGs with bad signatures on purpose and expects a 401 for them.
 */
import { generateKeyPairSync, randomInt, sign, type KeyObject } from 'node:crypto';
import { verifyKey } from 'discord-interactions';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };
type KeyPair = { publicKey: KeyObject; privateKey: KeyObject };

/** The raw 32-byte Ed25519 public key as hex, as the Developer Portal shows it (the tail of its SPKI DER). */
const rawPublicKeyHex = (key: KeyObject) => key.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');

const APP = generateKeyPairSync('ed25519');
const OTHER = generateKeyPairSync('ed25519');
const PUBLIC_KEY = rawPublicKeyHex(APP.publicKey);
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('discord', { secret: PUBLIC_KEY });
});

const nowSeconds = () => Math.floor(Date.now() / 1000);
const snowflake = () => String(BigInt(Date.now() - 1420070400000) * 4194304n + BigInt(randomInt(4194304)));

/** An APPLICATION_COMMAND interaction (type 2), with a fresh interaction id. */
function slashCommand(extra: Record<string, unknown> = {}): { id: string; body: string } {
  const id = snowflake();
  const body = JSON.stringify({
    id,
    application_id: '775799577604522054',
    type: 2,
    token: 'A_UNIQUE_TOKEN',
    version: 1,
    guild_id: '290926798626357999',
    channel_id: '645027906669510667',
    member: { user: { id: '53908232506183680', username: 'Mason' }, roles: [] },
    data: { id: '771825006014889984', name: 'blep', type: 1, options: [{ type: 3, name: 'animal', value: 'animal_dog' }], ...extra },
  });
  return { id, body };
}

/** Discord's scheme: Ed25519 over the timestamp's bytes followed by the body's bytes, hex-encoded. */
function signed(body: string | Buffer, options: { keys?: KeyPair; timestamp?: number | string } = {}): SignedRequest {
  const timestamp = String(options.timestamp ?? nowSeconds());
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const signature = sign(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), bytes]), (options.keys ?? APP).privateKey).toString('hex');
  return { body, headers: { 'X-Signature-Ed25519': signature, 'X-Signature-Timestamp': timestamp } };
}

/** Discord's own verdict on a request. */
function discordAccepts(request: SignedRequest): Promise<boolean> {
  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
  return verifyKey(body, request.headers['X-Signature-Ed25519'] ?? '', request.headers['X-Signature-Timestamp'] ?? '', PUBLIC_KEY);
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

function without(request: SignedRequest, name: string): SignedRequest {
  return { body: request.body, headers: Object.fromEntries(Object.entries(request.headers).filter(([key]) => key !== name)) };
}

test('a genuine interaction is accepted and enqueued once, keyed by the interaction id', async () => {
  // GIVEN a slash-command interaction signed with the application's key, which Discord's verifier accepts
  const interaction = slashCommand();
  const request = signed(interaction.body);
  expect(await discordAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the body's id and type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: interaction.id });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'discord', deliveryId: interaction.id, eventType: '2', auth: 'public-key', bodySigned: true, bodyEncoding: 'utf8', body: interaction.body });
});

describe('forged or broken requests are refused as Discord refuses them', () => {
  const withHeader = (request: SignedRequest, name: string, value: string): SignedRequest => ({ ...request, headers: { ...request.headers, [name]: value } });
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(slashCommand().body);
      return { ...request, body: (request.body as string).replace('animal_dog', 'animal_cat') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(slashCommand().body);
      const signature = request.headers['X-Signature-Ed25519'];
      return withHeader(request, 'X-Signature-Ed25519', (signature[0] === '0' ? '1' : '0') + signature.slice(1));
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => withHeader(signed(slashCommand().body), 'X-Signature-Ed25519', 'zz'.repeat(64)), 'signature_malformed'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(slashCommand().body);
      return withHeader(request, 'X-Signature-Timestamp', String(Number(request.headers['X-Signature-Timestamp']) - 1));
    }, 'signature_mismatch'],
    ['a signature made with another key pair', () => signed(slashCommand().body, { keys: OTHER }), 'signature_mismatch'],
    ['no X-Signature-Ed25519 header', () => without(signed(slashCommand().body), 'X-Signature-Ed25519'), 'signature_missing'],
    ['no X-Signature-Timestamp header', () => without(signed(slashCommand().body), 'X-Signature-Timestamp'), 'timestamp_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request Discord's own verifier refuses
    const request = make();
    expect(await discordAccepts(request)).toBe(false);

    // WHEN / THEN ours refuses it too, with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

describe('the PING handshake', () => {
  const ping = () => JSON.stringify({ id: snowflake(), application_id: '775799577604522054', type: 1, token: 'A_UNIQUE_TOKEN', version: 1 });

  test('a signed PING is answered 200 {"type":1} (PONG), as Discord expects, and neither enqueued nor recorded', async () => {
    // GIVEN the PING Discord sends when the Interactions Endpoint URL is saved, correctly signed
    const request = signed(ping());
    expect(await discordAccepts(request)).toBe(true);
    const recordsBefore = await harness.records();

    // WHEN it is delivered
    const answer = await harness.send(request);

    // THEN the answer is a PONG in JSON, and nothing reaches the queue or the inbox
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(answer.text)).toEqual({ type: 1 });
    expect(await harness.messages()).toEqual([]);
    expect(await harness.records()).toBe(recordsBefore);
  });

  test('a PING with a bad signature (Discord\'s own security check) is refused with 401, not answered', async () => {
    // GIVEN a PING whose signature Discord's verifier refuses: signed by another key, as Discord's probes are
    const request = signed(ping(), { keys: OTHER });
    expect(await discordAccepts(request)).toBe(false);

    // WHEN / THEN it is a 401, and no PONG is given
    await expectRejected(harness, request, 'signature_mismatch');
  });

  test('a PING with no signature at all is refused with 401', async () => {
    // GIVEN a PING without the signature headers
    const request = { body: ping(), headers: {} };
    expect(await discordAccepts({ body: request.body, headers: { 'X-Signature-Ed25519': '', 'X-Signature-Timestamp': '' } })).toBe(false);

    // WHEN / THEN it is a 401
    await expectRejected(harness, request, 'signature_missing');
  });
});

describe('the signed timestamp', () => {
  test('Discord documents no window: an hour-old genuine interaction verifies, and its replay is caught by the interaction id', async () => {
    // GIVEN a genuine interaction signed an hour ago, which Discord's verifier accepts (it checks no window, and
    // Discord's documentation defines none)
    const interaction = slashCommand();
    const request = signed(interaction.body, { timestamp: nowSeconds() - 3600 });
    expect(await discordAccepts(request)).toBe(true);

    // WHEN it is delivered
    const first = await harness.send(request);

    // THEN it is accepted and enqueued once
    expect(first.body).toEqual({ ok: true, code: 'accepted', deliveryId: interaction.id });
    expect(await harness.messages()).toHaveLength(1);
    const records = await harness.records();

    // WHEN the same request is replayed
    const replay = await harness.send(request);

    // THEN the interaction id is still held by the first delivery: no new record, nothing enqueued
    expect({ status: replay.status, code: replay.body.code }).toEqual({ status: 200, code: 'duplicate' });
    expect(await harness.records()).toBe(records);
    expect(await harness.messages()).toEqual([]);
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed interaction with accents, a symbol, an emoji and CJK characters
  const interaction = slashCommand({ name: 'café ☕ 🚀 漢字' });
  const request = signed(interaction.body);
  expect(await discordAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(interaction.body, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN a body with bytes that are not UTF-8, signed over its bytes; Discord's verifier takes bytes and accepts it
  const id = snowflake();
  const body = invalidUtf8Json(`{"id":"${id}","type":2,"data":{"name":"`, '"}}');
  const request = signed(body);
  expect(await discordAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: id, eventType: '2', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});
