/**
 * Slack: `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}` keyed with the
 * signing secret. `@slack/bolt` only verifies, so requests are signed as Slack documents it
 * (https://api.slack.com/authentication/verifying-requests-from-slack) with node:crypto, and Bolt's own
 * `isValidSlackRequest` is the oracle: it must accept every request ours accepts and refuse the forgeries ours
 * refuses. The delivery id is the body's `event_id`, the event type the inner `event.type`. The Events API's
 * `url_verification` request is the handshake: echo its `challenge` as JSON. The standard matrix is
 * test/support/provider-matrix.ts; this file holds what is particular to Slack.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { isValidSlackRequest } from '@slack/bolt';
import { invalidUtf8Json } from '../support/provider-harness';
import { providerMatrix, withHeader, type ProviderDescription, type SignedRequest } from '../support/provider-matrix';
import { rotationTest } from '../support/rotation-case';

// A signing secret in Slack's format: 32 hex characters.
const SECRET = randomBytes(16).toString('hex');
const OTHER_SECRET = randomBytes(16).toString('hex');

const eventIdOf = () => `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;

function appMention(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    token: 'XXYYZZ',
    team_id: 'T123ABC456',
    api_app_id: 'A123ABC456',
    event: { type: 'app_mention', user: 'U123ABC456', text: '<@U0LAN0Z89> is it everything a river should be?', ts: '1515449522.000016', channel: 'C123ABC456', ...extra },
    type: 'event_callback',
    event_id: eventIdOf(),
    event_time: 1515449522000016,
  });
}

/** The documented signature over raw bytes: `v0=` + hex HMAC-SHA256 of `v0:{ts}:{body}`. */
function signature(timestamp: number | string, body: string | Buffer, secret = SECRET): string {
  return `v0=${createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`v0:${timestamp}:`), Buffer.from(body)])).digest('hex')}`;
}

/** A request signed as Slack signs it. */
function signed(body: string | Buffer, options: { secret?: string; at?: Date } = {}): SignedRequest {
  const timestamp = Math.floor((options.at ?? new Date()).getTime() / 1000);
  return { body, headers: { 'X-Slack-Signature': signature(timestamp, body, options.secret), 'X-Slack-Request-Timestamp': String(timestamp) } };
}

/** Bolt's own verdict on a request. */
function boltAccepts(request: SignedRequest): boolean {
  return isValidSlackRequest({
    signingSecret: SECRET,
    body: request.body.toString(),
    headers: {
      'x-slack-signature': request.headers['X-Slack-Signature'],
      'x-slack-request-timestamp': Number(request.headers['X-Slack-Request-Timestamp']),
    },
  });
}

const challenge = '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P';
const urlVerification = JSON.stringify({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge, type: 'url_verification' });

const description: ProviderDescription = {
  kind: 'slack',
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: appMention,
  sign: (body, options) => signed(body, options),
  accepts: boltAccepts,
  signBytes: (body, { at }) => signed(body, { at }).headers,
  signatureHeader: 'X-Slack-Signature',
  requiredHeaders: [['X-Slack-Request-Timestamp', 'timestamp_missing']],
  windowSeconds: 300,
  packageAcceptsFuture: 'Slack documents a five-minute window around the local time; Bolt checks only age',
  expected: (request) => ({ deliveryId: JSON.parse(String(request.body)).event_id, eventType: 'app_mention' }),
  tamper: ['river', 'ocean'],
  refusals: [
    ['a signature that is not hex', () => withHeader(signed(appMention()), 'X-Slack-Signature', 'v0=not-hex'), 'signature_malformed'],
    ['a signature of another version (v1=)', () => {
      const request = signed(appMention());
      return withHeader(request, 'X-Slack-Signature', request.headers['X-Slack-Signature'].replace('v0=', 'v1='));
    }, 'signature_malformed'],
    ['a tampered timestamp (the timestamp is signed)', () => {
      const request = signed(appMention());
      return withHeader(request, 'X-Slack-Request-Timestamp', String(Number(request.headers['X-Slack-Request-Timestamp']) - 1));
    }, 'signature_mismatch'],
    // Refused, and the challenge is not echoed
    ['a forged url_verification', () => signed(urlVerification, { secret: OTHER_SECRET }), 'signature_mismatch'],
  ],
  handshake: {
    name: 'url_verification, sent when the Request URL is set',
    request: () => signed(urlVerification),
    accepted: true,
    // Bolt's answer: 200, application/json, {"challenge": ...}
    expectAnswer: (answer) => {
      expect(answer.status).toBe(200);
      expect(answer.headers['Content-Type']).toBe('application/json');
      expect(answer.text).toBe(JSON.stringify({ challenge }));
    },
  },
  invalidUtf8Body: () => invalidUtf8Json(`{"type":"event_callback","event_id":"${eventIdOf()}","event":{"type":"message","text":"`, '"}}'),
  // The invalid bytes sit inside a string value: read as Latin-1, the body's event_id is intact
  invalidUtf8Expected: ({ body }) => ({ deliveryId: JSON.parse(Buffer.from(body).toString('latin1')).event_id, eventType: 'message' }),
};

const matrix = providerMatrix(description);
rotationTest(description, { stored: randomBytes(16).toString('hex') });

test('a slash command (form-encoded, same signature scheme, no event_id) is accepted and keyed by its body hash', async () => {
  // GIVEN a signed slash command, which Slack posts as application/x-www-form-urlencoded
  const body = new URLSearchParams({
    token: 'gIkuvaNzQIHg97ATvDxqgjtO',
    team_id: 'T0001',
    command: '/weather',
    text: '94070',
    response_url: 'https://hooks.slack.com/commands/1234/5678',
    trigger_id: `13345224609.738474920.${randomUUID()}`,
  }).toString();
  const request = withHeader(signed(body), 'Content-Type', 'application/x-www-form-urlencoded');
  expect(boltAccepts(request)).toBe(true);

  // WHEN it is delivered
  const answer = await matrix.harness().send(request);

  // THEN it is accepted; with no event_id in it, its delivery id is the hash of its bytes
  const deliveryId = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId });
  const [message] = await matrix.harness().messages();
  expect(message).toMatchObject({ deliveryId, contentType: 'application/x-www-form-urlencoded', body });
});
