/**
 * PagerDuty v3 webhooks: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`, the hex HMAC-SHA256 of the raw body
 * keyed with the subscription's secret, one `v1=` entry per signing secret during a rotation; any one may match
 * (https://developer.pagerduty.com/docs/ZG9jOjExMDI5NTkz-verifying-signatures, `docs/webhooks/04-Signatures.md` in
 * PagerDuty/developer-docs). PagerDuty publishes no npm package that signs or verifies, so requests are signed
 * here as documented, with node:crypto, and that signing is anchored to PagerDuty's published test vector (from
 * its own Go client, `webhookv3/webhookv3_test.go` in PagerDuty/go-pagerduty), which is also sent through the
 * verifier as is. The delivery id and event type are the body's `event.id` and `event.event_type`. PagerDuty
 * defines no handshake. The standard matrix is test/support/provider-matrix.ts; this file holds what is particular
 * to PagerDuty.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { expectRejected, invalidUtf8Json, providerHarness } from '../support/provider-harness';
import { noWindow, providerMatrix, withHeader, type SignedRequest } from '../support/provider-matrix';

const VECTOR = {
  secret: 'lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK',
  body: '{"event":{"id":"01BWDWL3NYY7LUFPZCC28QUCMK","event_type":"incident.priority_updated","resource_type":"incident","occurred_at":"2021-04-26T17:36:27.458Z","agent":{"html_url":"https://acme.pagerduty.com/users/PLH1HKV","id":"PLH1HKV","self":"https://api.pagerduty.com/users/PLH1HKV","summary":"Tenex Engineer","type":"user_reference"},"client":null,"data":{"id":"PGR0VU2","type":"incident","self":"https://api.pagerduty.com/incidents/PGR0VU2","html_url":"https://acme.pagerduty.com/incidents/PGR0VU2","number":2,"status":"triggered","title":"A little bump in the road","service":{"html_url":"https://acme.pagerduty.com/services/PF9KMXH","id":"PF9KMXH","self":"https://api.pagerduty.com/services/PF9KMXH","summary":"API Service","type":"service_reference"},"assignees":[{"html_url":"https://acme.pagerduty.com/users/PTUXL6G","id":"PTUXL6G","self":"https://api.pagerduty.com/users/PTUXL6G","summary":"User 123","type":"user_reference"}],"escalation_policy":{"html_url":"https://acme.pagerduty.com/escalation_policies/PUS0KTE","id":"PUS0KTE","self":"https://api.pagerduty.com/escalation_policies/PUS0KTE","summary":"Default","type":"escalation_policy_reference"},"teams":[{"html_url":"https://acme.pagerduty.com/teams/PFCVPS0","id":"PFCVPS0","self":"https://api.pagerduty.com/teams/PFCVPS0","summary":"Engineering","type":"team_reference"}],"priority":{"html_url":"https://acme.pagerduty.com/account/incident_priorities","id":"PSO75BM","self":"https://api.pagerduty.com/priorities/PSO75BM","summary":"P1","type":"priority_reference"},"urgency":"high","conference_bridge":{"conference_number":1000,"conference_url":"https://example.com"},"resolve_reason":null}}}',
  valid: 'v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd',
  mismatch: 'v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5',
};

const SECRET = randomBytes(48).toString('base64');
const OTHER_SECRET = randomBytes(48).toString('base64');

/** The documented scheme: `v1=` + hex HMAC-SHA256 of the raw body bytes, keyed with the secret's text. */
const v1 = (body: string | Buffer, secret = SECRET) => `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;

function signed(body: string | Buffer, secrets: string[] = [SECRET]): SignedRequest {
  return { body, headers: { 'X-PagerDuty-Signature': secrets.map((secret) => v1(body, secret)).join(','), 'X-Webhook-Id': randomUUID() } };
}

const eventIdOf = () => `01${randomUUID().replace(/-/g, '').slice(0, 24).toUpperCase()}`;

function incidentTriggered(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    event: {
      id: eventIdOf(),
      event_type: 'incident.triggered',
      resource_type: 'incident',
      occurred_at: new Date().toISOString(),
      agent: null,
      client: null,
      data: { id: 'PGR0VU2', type: 'incident', number: 2, status: 'triggered', title: 'A little bump in the road', urgency: 'high', ...extra },
    },
  });
}

const eventOf = (body: string | Buffer) => JSON.parse(Buffer.from(body).toString('latin1')).event as { id: string; event_type: string };

const matrix = providerMatrix({
  kind: 'pagerduty',
  notApplicable: noWindow('no timestamp is signed'),
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  rotation: { stored: randomBytes(48).toString('base64') },
  event: incidentTriggered,
  sign: (body, options) => signed(body, [options?.secret ?? SECRET]),
  signBytes: (body) => signed(body).headers,
  signatureHeader: 'X-PagerDuty-Signature',
  expected: (request) => ({ deliveryId: eventOf(request.body).id, eventType: eventOf(request.body).event_type }),
  tamper: ['"high"', '"low"'],
  // Two v1= entries during a rotation, only the second ours
  rotated: (body) => {
    const request = signed(body, [OTHER_SECRET, SECRET]);
    expect(request.headers['X-PagerDuty-Signature']).toMatch(/^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    return request;
  },
  refusals: [
    ['a signature that is not hex', () => withHeader(signed(incidentTriggered()), 'X-PagerDuty-Signature', 'v1=not-hex-at-all'), 'signature_malformed'],
    ['a signature of another version only (v2=)', () => {
      const request = signed(incidentTriggered());
      return withHeader(request, 'X-PagerDuty-Signature', request.headers['X-PagerDuty-Signature'].replace('v1=', 'v2='));
    }, 'signature_malformed'],
    ['two v1= entries during a rotation, neither ours', () => signed(incidentTriggered(), [OTHER_SECRET, randomBytes(48).toString('base64')]), 'signature_mismatch'],
  ],
  invalidUtf8Body: () => invalidUtf8Json(`{"event":{"id":"${eventIdOf()}","event_type":"incident.annotated","data":{"content":"`, '"}}}'),
  invalidUtf8Expected: ({ body }) => ({ deliveryId: eventOf(body).id, eventType: 'incident.annotated' }),
});

describe("PagerDuty's published test vector", () => {
  test('the documented signing reproduces it', () => {
    expect(v1(VECTOR.body, VECTOR.secret)).toBe(VECTOR.valid);
  });

  test('its request verifies and is enqueued under its event id and type', async () => {
    // GIVEN a receiver holding the vector's secret
    const vector = await providerHarness('pagerduty', { secret: VECTOR.secret, id: 'pagerduty-vector' });

    // WHEN the vector's request is delivered
    const answer = await vector.send({ body: VECTOR.body, headers: { 'X-PagerDuty-Signature': VECTOR.valid } });

    // THEN it is accepted under its event id and type; the vector's mismatching signature is refused
    expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: '01BWDWL3NYY7LUFPZCC28QUCMK' });
    const messages = await vector.messages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ deliveryId: '01BWDWL3NYY7LUFPZCC28QUCMK', eventType: 'incident.priority_updated', body: VECTOR.body });

    await expectRejected(vector, { body: VECTOR.body, headers: { 'X-PagerDuty-Signature': VECTOR.mismatch } }, 'signature_mismatch');
  });
});

test('two v1= entries during a rotation where only the first matches is accepted', async () => {
  // GIVEN a header whose first v1 is ours
  const body = incidentTriggered();
  const request = signed(body, [SECRET, OTHER_SECRET]);

  // WHEN / THEN it is accepted once
  expect((await matrix.harness().send(request)).body).toEqual({ ok: true, code: 'accepted', deliveryId: eventOf(body).id });
  expect(await matrix.harness().messages()).toHaveLength(1);
});
