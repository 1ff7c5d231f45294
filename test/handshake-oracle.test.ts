/**
 * No handshake answer is usable as a signature (issue #8, item 1). A handshake answer that is a signature, under the
 * key that signs bodies, over bytes the caller chose is a signing oracle: X's CRC was one (GET `?crc_token=<a JSON
 * body>`, then POST that body with the returned response_token: accepted and enqueued).
 *
 * Through the shipped verifier bundle, against the emulators. Requests are signed as each provider documents it
 * (the same recipes as test/providers/*.test.ts; X, Zoom, Meta and Twitch publish no package that signs), with the
 * genuine key wherever the provider signs its handshake: the worst case, stronger than any real attacker, who could
 * only replay a handshake the provider signed. X's CRC answer is checked against the response_token of X's own
 * sample code (the vector in test/providers/x.test.ts).
 */
import { createHmac, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { providerHarness, type Answer, type Harness } from './support/provider-harness';
import { multipart } from './support/multipart';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const hmac = (key: string, content: string, encoding: 'hex' | 'base64') => createHmac('sha256', key).update(content).digest(encoding);

/** The example consumer secret and crc_token of X's sample code, and the response_token they give. */
const X_EXAMPLE = {
  consumerSecret: 'z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu',
  crcToken: '9b4507b3-9040-4669-9ca3-6b94edb50553',
  responseToken: 'sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8=',
};

/** A JSON body an attacker would like to see enqueued as an X event. */
const forgedTweet = () => JSON.stringify({ for_user_id: '2244994945', tweet_create_events: [{ id_str: randomUUID(), text: 'forged' }] });

describe('X: the CRC answer cannot sign a delivery', () => {
  let x: Harness;
  beforeAll(async () => {
    x = await providerHarness('x', { secret: X_EXAMPLE.consumerSecret, id: 'x-oracle' });
  });

  test('the end-to-end forgery fails: GET with a JSON body as crc_token is 400, and the POST of that body is 401 with nothing enqueued', async () => {
    // GIVEN an attacker without the consumer secret, and the body they want enqueued
    const body = forgedTweet();
    const recordsBefore = await x.records();

    // WHEN they ask for the CRC answer to that body, then POST the body with whatever token they got
    const crc = await x.send({ method: 'GET', body: '', query: { crc_token: body } });
    const post = await x.send({ body, headers: { 'x-twitter-webhooks-signature': String(crc.body?.response_token ?? `sha256=${randomBytes(32).toString('base64')}`) } });

    // THEN the CRC is refused, so there is no token, and the POST is refused as a mismatch: nothing is enqueued or recorded
    expect({ status: crc.status, error: crc.body.error, token: crc.body.response_token }).toEqual({ status: 400, error: 'handshake_malformed', token: undefined });
    expect({ status: post.status, error: post.body.error }).toEqual({ status: 401, error: 'signature_mismatch' });
    expect(await x.messages()).toEqual([]);
    expect(await x.records()).toBe(recordsBefore);
  });

  test("a genuine CRC is still answered: X's sample crc_token gives X's sample response_token", async () => {
    // GIVEN X's example crc_token, under X's example consumer secret
    // WHEN it arrives as a GET
    const answer = await x.send({ method: 'GET', body: '', query: { crc_token: X_EXAMPLE.crcToken } });

    // THEN the answer is exactly the published response_token
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: { response_token: X_EXAMPLE.responseToken } });
  });

  test.each([
    ['129 characters (one over the bound)', 'a'.repeat(129)],
    ['a brace', 'abc{def'],
    ['a JSON object', '{"a":1}'],
    ['a space', 'abc def'],
    ['a quote', 'abc"def'],
    ['a non-ASCII letter', 'café'],
  ])('a crc_token with %s is 400 handshake_malformed', async (_name, crcToken) => {
    // GIVEN a CRC whose token X would never send
    // WHEN it arrives
    const answer = await x.send({ method: 'GET', body: '', query: { crc_token: crcToken } });

    // THEN it is refused, with no response_token
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 400, body: expect.objectContaining({ ok: false, error: 'handshake_malformed' }) });
  });

  test('a crc_token of exactly 128 characters of the base64url and base64 alphabets is answered', async () => {
    // GIVEN the longest token accepted, using every character class allowed
    const crcToken = `${randomBytes(90).toString('base64').slice(0, 120)}-_+/=AZ09`.slice(0, 128);
    expect(crcToken).toHaveLength(128);

    // WHEN it arrives
    const answer = await x.send({ method: 'GET', body: '', query: { crc_token: crcToken } });

    // THEN it is answered as X documents
    expect(answer.body).toEqual({ response_token: `sha256=${hmac(X_EXAMPLE.consumerSecret, crcToken, 'base64')}` });
  });

  test.each([['digits', '1234567890'], ['true', 'true'], ['null', 'null'], ['a negative exponent number', '-1e-5']])(
    'a crc_token that is also valid JSON (%s) is answered, but its answer does not get that body enqueued (400 body_malformed)',
    async (_name, body) => {
      // GIVEN an attacker who asks for the CRC answer to a token that is valid JSON, though not an object
      const crc = await x.send({ method: 'GET', body: '', query: { crc_token: body } });
      expect(crc.status).toBe(200);
      const recordsBefore = await x.records();

      // WHEN they POST that token as a body, signed with the answer
      const post = await x.send({ body, headers: { 'x-twitter-webhooks-signature': crc.body.response_token } });

      // THEN it is refused (every X delivery is a JSON object), and nothing is enqueued or recorded
      expect({ status: post.status, error: post.body.error }).toEqual({ status: 400, error: 'body_malformed' });
      expect(await x.messages()).toEqual([]);
      expect(await x.records()).toBe(recordsBefore);
    },
  );
});

/**
 * For every handshake kind: the answers to handshakes carrying attacker-chosen bytes, each string in them tried as
 * the signature of those bytes as a body (with the provider's prefix and timestamp where it has them). None may get
 * a body accepted.
 */
describe('for every handshake kind, the answer to attacker-chosen input is not a signature of that input', () => {
  interface Case {
    readonly kind: string;
    readonly secret: string;
    /** Handshake requests carrying `content` where the provider lets the sender choose it (signed where the provider signs). */
    handshakes(content: string, ts: number): Array<Parameters<Harness['send']>[0]>;
    /** The POST of `body` at `ts` with `candidate` where the signature goes. */
    forge(body: string, ts: number, candidate: string): Parameters<Harness['send']>[0];
    /** The attacker's body, and the bytes the provider signs for it at `ts` (what the handshake should be fed). */
    target(ts: number): { body: string; signedContent: string };
  }

  const SLACK = randomBytes(16).toString('hex');
  const ZOOM = `zoom-${randomBytes(12).toString('hex')}`;
  const TWITCH = `twitch-${randomBytes(12).toString('hex')}`;
  const META = randomBytes(16).toString('hex');
  const META_VERIFY = `verify-${randomBytes(8).toString('hex')}`;
  const GITHUB = `gh-${randomUUID()}`;
  const GRAPH = `graph-${randomUUID()}`;
  const DISCORD = generateKeyPairSync('ed25519');
  const discordPublic = DISCORD.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  const twitchTs = (ts: number) => new Date(ts * 1000).toISOString();

  const event = (fields: Record<string, unknown>) => JSON.stringify({ ...fields, forged: randomUUID() });
  const BRAINTREE = `pk${randomBytes(4).toString('hex')}:${randomBytes(16).toString('hex')}`;
  const braintreeForm = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const DROPBOX = randomBytes(32).toString('hex');

  const cases: Case[] = [
    {
      kind: 'x',
      secret: X_EXAMPLE.consumerSecret,
      target: () => {
        const body = forgedTweet();
        return { body, signedContent: body };
      },
      handshakes: (content) => [{ method: 'GET', body: '', query: { crc_token: content } }],
      forge: (body, _ts, candidate) => ({ body, headers: { 'x-twitter-webhooks-signature': `sha256=${candidate}` } }),
    },
    {
      kind: 'zoom',
      secret: ZOOM,
      target: (ts) => {
        const body = event({ event: 'meeting.started', payload: { object: { id: '1' } } });
        return { body, signedContent: `v0:${ts}:${body}` };
      },
      handshakes: (content, ts) => {
        const body = JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken: content }, event_ts: ts * 1000 });
        return [{ body, headers: { 'x-zm-signature': `v0=${hmac(ZOOM, `v0:${ts}:${body}`, 'hex')}`, 'x-zm-request-timestamp': String(ts) } }];
      },
      forge: (body, ts, candidate) => ({ body, headers: { 'x-zm-signature': `v0=${candidate}`, 'x-zm-request-timestamp': String(ts) } }),
    },
    {
      kind: 'slack',
      secret: SLACK,
      target: (ts) => {
        const body = event({ type: 'event_callback', event_id: randomUUID(), event: { type: 'message' } });
        return { body, signedContent: `v0:${ts}:${body}` };
      },
      handshakes: (content, ts) => {
        const body = JSON.stringify({ type: 'url_verification', token: 'x', challenge: content });
        return [{ body, headers: { 'x-slack-signature': `v0=${hmac(SLACK, `v0:${ts}:${body}`, 'hex')}`, 'x-slack-request-timestamp': String(ts) } }];
      },
      forge: (body, ts, candidate) => ({ body, headers: { 'x-slack-signature': `v0=${candidate}`, 'x-slack-request-timestamp': String(ts) } }),
    },
    {
      kind: 'twitch',
      secret: TWITCH,
      target: (ts) => {
        const body = event({ subscription: { type: 'stream.online' }, event: { broadcaster_user_id: '1' } });
        return { body, signedContent: `forged-id${twitchTs(ts)}${body}` };
      },
      handshakes: (content, ts) => {
        const id = randomUUID();
        const body = JSON.stringify({ challenge: content, subscription: { type: 'stream.online' } });
        return [
          {
            body,
            headers: {
              'twitch-eventsub-message-id': id,
              'twitch-eventsub-message-type': 'webhook_callback_verification',
              'twitch-eventsub-message-timestamp': twitchTs(ts),
              'twitch-eventsub-message-signature': `sha256=${hmac(TWITCH, `${id}${twitchTs(ts)}${body}`, 'hex')}`,
              'twitch-eventsub-subscription-type': 'stream.online',
            },
          },
        ];
      },
      forge: (body, ts, candidate) => ({
        body,
        headers: {
          'twitch-eventsub-message-id': 'forged-id',
          'twitch-eventsub-message-type': 'notification',
          'twitch-eventsub-message-timestamp': twitchTs(ts),
          'twitch-eventsub-message-signature': `sha256=${candidate}`,
          'twitch-eventsub-subscription-type': 'stream.online',
        },
      }),
    },
    {
      kind: 'meta',
      secret: JSON.stringify({ signingSecret: META, verifyToken: META_VERIFY }),
      target: () => {
        const body = event({ object: 'page', entry: [] });
        return { body, signedContent: body };
      },
      // With the right verify token too: the worst case.
      handshakes: (content) => [
        { method: 'GET', body: '', query: { 'hub.mode': 'subscribe', 'hub.verify_token': META_VERIFY, 'hub.challenge': content } },
        { method: 'GET', body: '', query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': content } },
      ],
      forge: (body, _ts, candidate) => ({ body, headers: { 'x-hub-signature-256': `sha256=${candidate}` } }),
    },
    {
      kind: 'discord',
      secret: discordPublic,
      target: (ts) => {
        const body = event({ type: 2, id: randomUUID() });
        return { body, signedContent: `${ts}${body}` };
      },
      handshakes: (_content, ts) => {
        const body = JSON.stringify({ type: 1, id: randomUUID() });
        return [{ body, headers: { 'x-signature-ed25519': sign(null, Buffer.from(`${ts}${body}`), DISCORD.privateKey).toString('hex'), 'x-signature-timestamp': String(ts) } }];
      },
      forge: (body, ts, candidate) => ({ body, headers: { 'x-signature-ed25519': candidate, 'x-signature-timestamp': String(ts) } }),
    },
    {
      kind: 'github',
      secret: GITHUB,
      target: () => {
        const body = event({ action: 'opened' });
        return { body, signedContent: body };
      },
      handshakes: (content) => {
        const body = JSON.stringify({ zen: content, hook_id: 1 });
        return [{ body, headers: { 'x-hub-signature-256': `sha256=${hmac(GITHUB, body, 'hex')}`, 'x-github-event': 'ping', 'x-github-delivery': randomUUID() } }];
      },
      forge: (body, _ts, candidate) => ({ body, headers: { 'x-hub-signature-256': `sha256=${candidate}`, 'x-github-event': 'issues', 'x-github-delivery': randomUUID() } }),
    },
    {
      kind: 'microsoft-graph',
      secret: GRAPH,
      // Graph's "signature" is its clientState, carried in the body.
      target: () => ({ body: '', signedContent: 'clientState' }),
      handshakes: (content) => [{ body: '', headers: { 'Content-Type': 'text/plain' }, query: { validationToken: content } }],
      forge: (_body, _ts, candidate) => ({ body: JSON.stringify({ value: [{ changeType: 'created', clientState: candidate, forged: randomUUID() }] }) }),
    },
    {
      // Braintree's bt_challenge answer is `<public key>|` + hex HMAC-SHA1 of the challenge under the payload-signing
      // key: fed a payload, it would be that payload's bt_signature. Also fed a challenge of the SDK's own shape.
      kind: 'braintree',
      secret: BRAINTREE,
      target: () => {
        const payload = `${Buffer.from(`<notification><kind>check</kind><forged>${randomUUID()}</forged></notification>`).toString('base64')}\n`;
        return { body: braintreeForm({ bt_payload: payload }), signedContent: payload };
      },
      handshakes: (content) => [
        { method: 'GET', body: '', query: { bt_challenge: content } },
        { method: 'GET', body: '', query: { bt_challenge: randomBytes(12).toString('hex') } },
      ],
      forge: (body, _ts, candidate) => ({
        body: braintreeForm({ bt_signature: candidate, bt_payload: new URLSearchParams(body).get('bt_payload')! }),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
    },
    {
      // Dropbox Sign answers every accepted post (its callback_test too) with the constant `Hello API Event Received`:
      // computed with no key, it signs nothing. Fed the signed content and the body in a genuine callback_test.
      kind: 'dropbox-sign',
      secret: DROPBOX,
      target: (ts) => ({ body: JSON.stringify({ event: { event_time: String(ts), event_type: 'signature_request_signed' }, forged: randomUUID() }), signedContent: `${ts}signature_request_signed` }),
      handshakes: (content, ts) => {
        const event = { event_time: String(ts), event_type: 'callback_test', event_hash: hmac(DROPBOX, `${ts}callback_test`, 'hex'), note: content };
        const form = multipart([['json', JSON.stringify({ event })]]);
        return [{ body: form.body, headers: { 'Content-Type': form.contentType } }];
      },
      forge: (body, _ts, candidate) => {
        const parsed = JSON.parse(body);
        const form = multipart([['json', JSON.stringify({ ...parsed, event: { ...parsed.event, event_hash: candidate } })]]);
        return { body: form.body, headers: { 'Content-Type': form.contentType } };
      },
    },
  ];

  /** Every string an answer holds: its text, and each string (or number) in it when it is JSON. */
  function candidatesIn(answer: Answer): string[] {
    const found = new Set<string>([answer.text]);
    const walk = (value: unknown): void => {
      if (typeof value === 'string' || typeof value === 'number') found.add(String(value));
      else if (value && typeof value === 'object') Object.values(value).forEach(walk);
    };
    walk(answer.body);
    // With any prefix a provider puts before its signature removed.
    for (const value of [...found]) {
      const stripped = value.replace(/^(sha256=|sha1=|v0=|v1,)/, '');
      found.add(stripped);
    }
    return [...found].filter((value) => value.length > 0);
  }

  test.each(cases.map((c) => [c.kind, c] as const))('%s', async (kind, c) => {
    // GIVEN a receiver for the provider, and a body an attacker wants enqueued
    const harness = await providerHarness(kind, { secret: c.secret, id: `${kind}-oracle` });
    const ts = nowSeconds();
    const { body, signedContent } = c.target(ts);

    // WHEN the handshake is fed the exact bytes the provider would sign for that body, and the body itself, and
    // every string of every answer is tried as the body's signature
    const answers: Answer[] = [];
    for (const content of [signedContent, body].filter((v) => v !== '')) {
      for (const request of c.handshakes(content, ts)) answers.push(await harness.send(request));
    }
    const candidates = [...new Set(answers.flatMap(candidatesIn))];
    const verdicts: Array<{ candidate: string; status: number }> = [];
    for (const candidate of candidates) {
      const answer = await harness.send(c.forge(body, ts, candidate));
      verdicts.push({ candidate, status: answer.status });
    }

    // THEN the handshakes were all answered or refused, and no forgery was accepted: nothing was enqueued
    expect(answers.length).toBeGreaterThan(0);
    expect(candidates.length).toBeGreaterThan(0);
    expect(verdicts.filter((v) => v.status < 400)).toEqual([]);
    expect(await harness.messages()).toEqual([]);
    expect(await harness.records()).toBe(0);
  });
});
