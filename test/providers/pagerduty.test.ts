/**
 * PagerDuty v3 webhooks: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`, the hex HMAC-SHA256 of the raw body
 * keyed with the subscription's secret, one `v1=` entry per signing secret during a rotation; any one may match
 * (https://developer.pagerduty.com/docs/ZG9jOjExMDI5NTkz-verifying-signatures, `docs/webhooks/04-Signatures.md` in
 * PagerDuty/developer-docs). PagerDuty publishes no npm package that signs or verifies, so requests are signed
 * here as documented, with node:crypto, and that signing is anchored to PagerDuty's published test vector (from
 * its own Go client, `webhookv3/webhookv3_test.go` in PagerDuty/go-pagerduty), which is also sent through the
 * verifier as is. The delivery id and event type are the body's `event.id` and `event.event_type`. PagerDuty
 * defines no handshake.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Envelope } from '../../contract/config';
import { expectRejected, invalidUtf8Json, providerHarness, type Harness } from '../support/provider-harness';

type SignedRequest = { body: string | Buffer; headers: Record<string, string> };

// PagerDuty's published vector (go-pagerduty, webhookv3/webhookv3_test.go): secret, body, and the signatures that
// must and must not verify.
const VECTOR = {
  secret: 'lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK',
  body: '{"event":{"id":"01BWDWL3NYY7LUFPZCC28QUCMK","event_type":"incident.priority_updated","resource_type":"incident","occurred_at":"2021-04-26T17:36:27.458Z","agent":{"html_url":"https://acme.pagerduty.com/users/PLH1HKV","id":"PLH1HKV","self":"https://api.pagerduty.com/users/PLH1HKV","summary":"Tenex Engineer","type":"user_reference"},"client":null,"data":{"id":"PGR0VU2","type":"incident","self":"https://api.pagerduty.com/incidents/PGR0VU2","html_url":"https://acme.pagerduty.com/incidents/PGR0VU2","number":2,"status":"triggered","title":"A little bump in the road","service":{"html_url":"https://acme.pagerduty.com/services/PF9KMXH","id":"PF9KMXH","self":"https://api.pagerduty.com/services/PF9KMXH","summary":"API Service","type":"service_reference"},"assignees":[{"html_url":"https://acme.pagerduty.com/users/PTUXL6G","id":"PTUXL6G","self":"https://api.pagerduty.com/users/PTUXL6G","summary":"User 123","type":"user_reference"}],"escalation_policy":{"html_url":"https://acme.pagerduty.com/escalation_policies/PUS0KTE","id":"PUS0KTE","self":"https://api.pagerduty.com/escalation_policies/PUS0KTE","summary":"Default","type":"escalation_policy_reference"},"teams":[{"html_url":"https://acme.pagerduty.com/teams/PFCVPS0","id":"PFCVPS0","self":"https://api.pagerduty.com/teams/PFCVPS0","summary":"Engineering","type":"team_reference"}],"priority":{"html_url":"https://acme.pagerduty.com/account/incident_priorities","id":"PSO75BM","self":"https://api.pagerduty.com/priorities/PSO75BM","summary":"P1","type":"priority_reference"},"urgency":"high","conference_bridge":{"conference_number":1000,"conference_url":"https://example.com"},"resolve_reason":null}}}',
  valid: 'v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd',
  mismatch: 'v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5',
};

// PagerDuty's secrets are 64 base64 characters.
const SECRET = randomBytes(48).toString('base64');
const OTHER_SECRET = randomBytes(48).toString('base64');
let harness: Harness;

beforeAll(async () => {
  harness = await providerHarness('pagerduty', { secret: SECRET });
});

/** The documented scheme: `v1=` + hex HMAC-SHA256 of the raw body bytes, keyed with the secret's text. */
const v1 = (body: string | Buffer, secret = SECRET) => `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;

function signed(body: string | Buffer, secrets: string[] = [SECRET]): SignedRequest {
  return { body, headers: { 'X-PagerDuty-Signature': secrets.map((secret) => v1(body, secret)).join(','), 'X-Webhook-Id': randomUUID() } };
}

function incidentTriggered(extra: Record<string, unknown> = {}): { id: string; body: string } {
  const id = `01${randomUUID().replace(/-/g, '').slice(0, 24).toUpperCase()}`;
  const body = JSON.stringify({
    event: {
      id,
      event_type: 'incident.triggered',
      resource_type: 'incident',
      occurred_at: new Date().toISOString(),
      agent: null,
      client: null,
      data: { id: 'PGR0VU2', type: 'incident', number: 2, status: 'triggered', title: 'A little bump in the road', urgency: 'high', ...extra },
    },
  });
  return { id, body };
}

const bytesOf = (message: Envelope) => Buffer.from(message.body!, message.bodyEncoding === 'base64' ? 'base64' : 'utf8');

describe("PagerDuty's published test vector", () => {
  test('the documented signing reproduces it', () => {
    // GIVEN / WHEN the vector's body signed as documented / THEN the result is PagerDuty's signature
    expect(v1(VECTOR.body, VECTOR.secret)).toBe(VECTOR.valid);
  });

  test('its request verifies and is enqueued under its event id and type', async () => {
    // GIVEN a receiver holding the vector's secret
    const vector = await providerHarness('pagerduty', { secret: VECTOR.secret, id: 'pagerduty-vector' });

    // WHEN the vector's request is delivered
    const answer = await vector.send({ body: VECTOR.body, headers: { 'X-PagerDuty-Signature': VECTOR.valid } });

    // THEN it is accepted, keyed by event.id, typed by event.event_type
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: '01BWDWL3NYY7LUFPZCC28QUCMK' });
    const messages = await vector.messages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ deliveryId: '01BWDWL3NYY7LUFPZCC28QUCMK', eventType: 'incident.priority_updated', body: VECTOR.body });

    // AND the vector's mismatching signature is refused
    await expectRejected(vector, { body: VECTOR.body, headers: { 'X-PagerDuty-Signature': VECTOR.mismatch } }, 'signature_mismatch');
  });
});

test('a genuine delivery is accepted and enqueued once, keyed by event.id', async () => {
  // GIVEN an incident.triggered event signed as PagerDuty documents
  const event = incidentTriggered();
  const request = signed(event.body);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted, and exactly one envelope carries the event's id and type and the exact body
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: event.id });
  const messages = await harness.messages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ provider: 'pagerduty', deliveryId: event.id, eventType: 'incident.triggered', auth: 'hmac', bodySigned: true, bodyEncoding: 'utf8', body: event.body });
});

describe('forged or broken requests are refused', () => {
  const withSignature = (request: SignedRequest, value: string): SignedRequest => ({ ...request, headers: { ...request.headers, 'X-PagerDuty-Signature': value } });
  const cases: Array<[string, () => SignedRequest, string]> = [
    ['a tampered body', () => {
      const request = signed(incidentTriggered().body);
      return { ...request, body: (request.body as string).replace('"high"', '"low"') };
    }, 'signature_mismatch'],
    ['a tampered signature (one hex digit changed)', () => {
      const request = signed(incidentTriggered().body);
      const header = request.headers['X-PagerDuty-Signature'];
      return withSignature(request, header.slice(0, -1) + (header.endsWith('0') ? '1' : '0'));
    }, 'signature_mismatch'],
    ['a signature that is not hex', () => withSignature(signed(incidentTriggered().body), 'v1=not-hex-at-all'), 'signature_malformed'],
    ['a signature of another version only (v2=)', () => {
      const request = signed(incidentTriggered().body);
      return withSignature(request, request.headers['X-PagerDuty-Signature'].replace('v1=', 'v2='));
    }, 'signature_malformed'],
    ['a signature made with another secret', () => signed(incidentTriggered().body, [OTHER_SECRET]), 'signature_mismatch'],
    ['no X-PagerDuty-Signature header', () => ({ body: incidentTriggered().body, headers: {} }), 'signature_missing'],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    // GIVEN a request that is not genuinely signed with our secret
    const request = make();

    // WHEN / THEN it is refused with the right code, and nothing is enqueued or recorded
    await expectRejected(harness, request, code);
  });
});

describe('several v1 signatures (a secret rotation), any of which may match', () => {
  test('a header with two v1= entries where only the second matches is accepted', async () => {
    // GIVEN a delivery signed with two secrets during a rotation, another first and ours second
    const event = incidentTriggered();
    const request = signed(event.body, [OTHER_SECRET, SECRET]);
    expect(request.headers['X-PagerDuty-Signature']).toMatch(/^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);

    // WHEN it is delivered
    const answer = await harness.send(request);

    // THEN it is accepted once
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: event.id });
    expect(await harness.messages()).toHaveLength(1);
  });

  test('a header with two v1= entries where only the first matches is accepted', async () => {
    // GIVEN ours first, another second
    const event = incidentTriggered();
    const request = signed(event.body, [SECRET, OTHER_SECRET]);

    // WHEN it is delivered / THEN it is accepted once
    expect((await harness.send(request)).body).toEqual({ ok: true, code: 'accepted', deliveryId: event.id });
    expect(await harness.messages()).toHaveLength(1);
  });

  test('a header with two v1= entries where neither matches is refused', async () => {
    // GIVEN two signatures, by two secrets that are not ours
    const request = signed(incidentTriggered().body, [OTHER_SECRET, randomBytes(48).toString('base64')]);

    // WHEN / THEN it is refused
    await expectRejected(harness, request, 'signature_mismatch');
  });
});

test('a body with non-ASCII UTF-8 verifies and arrives byte-identical', async () => {
  // GIVEN a signed body with accents, a symbol, an emoji and CJK characters
  const event = incidentTriggered({ title: 'café ☕ 🚀 漢字' });
  const request = signed(event.body);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN the envelope holds exactly the bytes that were signed
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message.bodyEncoding).toBe('utf8');
  expect(bytesOf(message).equals(Buffer.from(event.body, 'utf8'))).toBe(true);
});

test('a body that is not valid UTF-8 verifies over its bytes and arrives base64-encoded, byte-identical', async () => {
  // GIVEN a body with bytes that are not UTF-8, signed over its bytes as documented
  const id = `01${randomUUID().replace(/-/g, '').slice(0, 24).toUpperCase()}`;
  const body = invalidUtf8Json(`{"event":{"id":"${id}","event_type":"incident.annotated","data":{"content":"`, '"}}}');
  const request = signed(body);

  // WHEN it is delivered
  const answer = await harness.send(request);

  // THEN it is accepted and the envelope carries the same bytes, base64-encoded
  expect(answer.status).toBe(200);
  const [message] = await harness.messages();
  expect(message).toMatchObject({ deliveryId: id, eventType: 'incident.annotated', bodyEncoding: 'base64' });
  expect(bytesOf(message).equals(body)).toBe(true);
});
