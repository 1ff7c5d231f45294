/**
 * ElevenLabs: `ElevenLabs-Signature: t=<unix s>,v0=<hex>`, the hex HMAC-SHA256 of `{t}.{raw body}` keyed with the
 * webhook secret's text, a 30-minute window. The `@elevenlabs/elevenlabs-js` package only verifies, so requests are
 * signed as documented and its `client.webhooks.constructEvent` is the oracle. ElevenLabs sends no delivery id (a
 * delivery is keyed by `sha256:<hex of the body>`); the event type is the body's `type`, the event time its
 * `event_timestamp` (seconds).
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import { providerMatrix, type SignedRequest } from '../support/provider-matrix';

const SECRET = `wsec_${randomBytes(32).toString('hex')}`;
const OTHER_SECRET = `wsec_${randomBytes(32).toString('hex')}`;
const EVENT_TIMESTAMP = 1_767_225_600;
const elevenlabs = new ElevenLabsClient({ apiKey: 'unused' });

function postCallTranscription(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'post_call_transcription',
    event_timestamp: EVENT_TIMESTAMP,
    data: { agent_id: 'agent_1', conversation_id: `conv_${randomUUID()}`, status: 'done', duration_secs: 4200, ...extra },
  });
}

const hmac = (t: number, body: string | Buffer, secret = SECRET) => createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${t}.`), Buffer.from(body)])).digest('hex');

/** ElevenLabs's header as documented. */
function sign(body: string | Buffer, { secret = SECRET, at = new Date() }: { secret?: string; at?: Date } = {}): SignedRequest {
  const t = Math.floor(at.getTime() / 1000);
  return { body, headers: { 'ElevenLabs-Signature': `t=${t},v0=${hmac(t, body, secret)}` } };
}

/** ElevenLabs's verdict on a request. */
async function elevenlabsAccepts(request: SignedRequest): Promise<boolean> {
  try {
    await elevenlabs.webhooks.constructEvent(String(request.body), request.headers['ElevenLabs-Signature'], SECRET);
    return true;
  } catch {
    return false;
  }
}

const bodyHash = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

const matrix = providerMatrix({
  kind: 'elevenlabs',
  windowSeconds: 1800,
  packageAcceptsFuture: "ElevenLabs' SDK bounds only the age",
  rotation: { stored: `wsec_${randomBytes(32).toString('hex')}` },
  secret: SECRET,
  otherSecret: OTHER_SECRET,
  event: postCallTranscription,
  sign: (body, options) => sign(body, options),
  accepts: elevenlabsAccepts,
  signBytes: (body, { at }) => sign(body, { at }).headers,
  signatureHeader: 'ElevenLabs-Signature',
  expected: (request) => ({ deliveryId: bodyHash(request.body), eventType: 'post_call_transcription' }),
  tamper: ['4200', '4201'],
});

test('the envelope carries event_timestamp as its event time', async () => {
  const request = sign(postCallTranscription());
  expect(await elevenlabsAccepts(request)).toBe(true);

  const answer = await matrix.harness().send(request);

  expect(answer.body).toEqual({ ok: true, code: 'accepted', deliveryId: bodyHash(request.body) });
  expect((await matrix.harness().messages())[0]).toMatchObject({ eventTime: new Date(EVENT_TIMESTAMP * 1000).toISOString() });
});

test('a retry of the same body (signed again later) is the same delivery: answered as a duplicate, enqueued once', async () => {
  // GIVEN one body signed twice, a minute apart, as a retry is
  const body = postCallTranscription();
  const first = sign(body, { at: new Date(Date.now() - 60_000) });
  const retry = sign(body);
  expect([await elevenlabsAccepts(first), await elevenlabsAccepts(retry)]).toEqual([true, true]);

  // WHEN both are delivered
  await matrix.harness().send(first);
  const answer = await matrix.harness().send(retry);

  // THEN the second is answered as a duplicate and only one envelope exists
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 200, code: 'duplicate' });
  expect(await matrix.harness().messages()).toHaveLength(1);
});

describe('the 30-minute window', () => {
  test('a signature 20 minutes old is accepted, as ElevenLabs accepts it', async () => {
    const request = sign(postCallTranscription(), { at: new Date(Date.now() - 20 * 60_000) });
    expect(await elevenlabsAccepts(request)).toBe(true);
    expect((await matrix.harness().send(request)).body).toMatchObject({ ok: true, code: 'accepted' });
    expect(await matrix.harness().messages()).toHaveLength(1);
  });

});
