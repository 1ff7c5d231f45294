/**
 * Secret rotation and secret hygiene in the shipped verifier bundle, against the emulators on loopback and the
 * Secrets Manager stand-in (test/support/emulators.mjs), which records each version's creation date and lets a
 * test put it in the past (its test-only `/_created-date` endpoint). Signatures come from Stripe's own test
 * helper and `@octokit/webhooks-methods`.
 *
 * - The previous version verifies only within the grace period after the current version was created; after
 *   it, a signature it matches is answered as any mismatch (401 `signature_mismatch`), while the log line says
 *   `previous_secret_expired` and the `RejectedExpiredPreviousSecret` metric counts it.
 * - The grace period holds for a secret cached before it ended, without a re-read.
 * - A secret stored with surrounding whitespace verifies the signatures the provider makes with the trimmed one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import type { VerifierConfig } from '../contract/config';
import { DEFAULT_PREVIOUS_SECRET_GRACE_SECONDS } from '../contract/config';
import {
  apiEvent,
  captureLogs,
  clients,
  createInboxTable,
  createQueue,
  createSecret,
  drain,
  loadBundle,
  rotateSecret,
  setVersionCreatedDate,
  useEmulatorsForDefaultClients,
} from './support/aws';

type VerifierModule = typeof import('../lambda/verifier/index');
type Handler = (event: ReturnType<typeof apiEvent>) => Promise<{ statusCode: number; body: string }>;

const stripe = new Stripe('sk_test_unused');
const aws = clients();
const HOUR = 3600_000;

let octokitSign: (secret: string, payload: string) => Promise<string>;
let verifier: VerifierModule;
let base: Omit<VerifierConfig, 'providers'>;
let queueUrl: string;
const calls: Record<string, number> = {};

beforeAll(async () => {
  ({ sign: octokitSign } = await import('@octokit/webhooks-methods'));
  useEmulatorsForDefaultClients();
  queueUrl = (await createQueue(aws.sqs)).url;
  base = {
    tableName: await createInboxTable(aws.dynamodb),
    queueUrl,
    maxBodyBytes: 256 * 1024,
    maxMessageBytes: 1024 * 1024,
    leaseSeconds: 20,
    secretMaxAgeSeconds: 300,
    secretRefreshMinIntervalSeconds: 30,
    metrics: { receiver: 'Test/Rotation' },
  };
  verifier = loadBundle<VerifierModule>('verifier');
  verifier.secretsManager.middlewareStack.add(
    (next, context) => async (args) => {
      calls[context.commandName!] = (calls[context.commandName!] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'testCallCounter' },
  );
});

afterEach(async () => {
  await drain(aws.sqs, queueUrl);
});

const secretValue = () => `whsec_${randomBytes(24).toString('hex')}`;

function stripeRequest(secret: string) {
  const payload = JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', type: 'invoice.paid', data: { object: { id: 'in_1' } } });
  return apiEvent({ resource: '/stripe', body: payload, headers: { 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload, secret }) } });
}

/** The bundle's verifier for one Stripe secret, from its configuration (as the Lambda builds it). */
function stripeVerifier(secretId: string, overrides: Partial<VerifierConfig> = {}): Handler {
  return verifier.verifierFromConfig({ ...base, ...overrides, providers: { '/stripe': { id: 'stripe', kind: 'stripe', secretId, toleranceSeconds: 300 } } });
}

/** A secret rotated from `old` to `current`, the rotation (creation of AWSCURRENT) `ago` milliseconds back. */
async function rotated(old: string, current: string, agoMs: number): Promise<string> {
  const arn = await createSecret(aws.secretsManager, old);
  await rotateSecret(aws.secretsManager, arn, current);
  await setVersionCreatedDate(arn, 'AWSCURRENT', new Date(Date.now() - agoMs));
  return arn;
}

/** Sends one request: its answer, its log line and the verifier counters that are 1, and the Secrets Manager calls. */
async function send(handler: Handler, event: ReturnType<typeof apiEvent>) {
  const before = calls.GetSecretValueCommand ?? 0;
  const { result, lines } = await captureLogs(() => handler(event));
  const [log] = lines.filter((line) => !line.includes('"_aws"')).map((line) => JSON.parse(line));
  const [emf] = lines.filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line));
  const names: string[] = emf._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
  return {
    status: result.statusCode,
    body: JSON.parse(result.body),
    log,
    counted: names.filter((name) => emf[name] === 1).sort(),
    secretReads: (calls.GetSecretValueCommand ?? 0) - before,
  };
}

describe('the previous secret after a rotation', () => {
  test(`verifies within the default grace period (${DEFAULT_PREVIOUS_SECRET_GRACE_SECONDS / 3600} h) and not after it`, async () => {
    // GIVEN two secrets, one rotated 23 hours ago and one 25 hours ago
    const [old1, new1, old2, new2] = [secretValue(), secretValue(), secretValue(), secretValue()];
    const recent = stripeVerifier(await rotated(old1, new1, 23 * HOUR));
    const stale = stripeVerifier(await rotated(old2, new2, 25 * HOUR));

    // WHEN the provider still signs with the old secrets, and with the new ones
    const withinGrace = await send(recent, stripeRequest(old1));
    const afterGrace = await send(stale, stripeRequest(old2));
    const currentAfterGrace = await send(stale, stripeRequest(new2));

    // THEN the old secret verifies within the grace period only; the current one always does
    expect({ status: withinGrace.status, version: withinGrace.log.secretVersion }).toEqual({ status: 200, version: 'previous' });
    expect(afterGrace.status).toBe(401);
    expect(currentAfterGrace.status).toBe(200);
    expect(await drain(aws.sqs, queueUrl)).toHaveLength(2);
  });

  test('past the grace period it gets the answer of any mismatch; only the log line and the metrics tell the case', async () => {
    // GIVEN a secret rotated 25 hours ago
    const [old, current] = [secretValue(), secretValue()];
    const handler = stripeVerifier(await rotated(old, current, 25 * HOUR));

    // WHEN one request is signed with the retired secret and one with a secret never valid
    const retired = await send(handler, stripeRequest(old));
    const forged = await send(handler, stripeRequest(secretValue()));

    // THEN both answers are the same bytes
    expect(retired.status).toBe(401);
    expect(retired.body).toEqual(forged.body);
    expect(retired.body).toEqual({ ok: false, error: 'signature_mismatch', message: 'The signature does not match the request.' });
    // AND the log line and the metrics tell the retired secret apart
    expect(retired.log).toMatchObject({ status: 401, code: 'previous_secret_expired', error: 'ExpiredPreviousSecretError' });
    expect(forged.log).toMatchObject({ status: 401, code: 'signature_mismatch', error: 'AuthenticationError' });
    expect(retired.counted).toEqual(['Received', 'Rejected', 'RejectedExpiredPreviousSecret', 'RejectedSignature', 'RejectedSignatureMismatch']);
    expect(forged.counted).toEqual(['Received', 'Rejected', 'RejectedSignature', 'RejectedSignatureMismatch']);
  });

  test('previousSecretGraceSeconds 0 refuses the previous version at once (a leaked secret)', async () => {
    // GIVEN a secret rotated a second ago, and a verifier configured for no grace
    const [old, current] = [secretValue(), secretValue()];
    const arn = await rotated(old, current, 1000);
    const handler = stripeVerifier(arn, { previousSecretGraceSeconds: 0 });

    // WHEN
    const byOld = await send(handler, stripeRequest(old));
    const byCurrent = await send(handler, stripeRequest(current));

    // THEN
    expect({ status: byOld.status, code: byOld.log.code }).toEqual({ status: 401, code: 'previous_secret_expired' });
    expect(byCurrent.status).toBe(200);
    // AND the same secret, with the default grace, still takes the old signature
    expect((await send(stripeVerifier(arn), stripeRequest(old))).status).toBe(200);
  });

  test('a grace period that ends while the secret is cached ends on time, without a re-read', async () => {
    // GIVEN a verifier whose secret cache runs on a test clock: grace 1 h, cache 5 min, mismatch re-reads at most every 10 min
    let clock = Date.now();
    const [old, current] = [secretValue(), secretValue()];
    const arn = await rotated(old, current, HOUR - 60_000);
    const config: VerifierConfig = { ...base, providers: { '/stripe': { id: 'stripe', kind: 'stripe', secretId: arn, toleranceSeconds: 300 } } };
    const handler = verifier.createVerifier({
      config,
      inbox: new verifier.Inbox(verifier.dynamodb, base.tableName, 20_000),
      secrets: new verifier.SecretCache(verifier.secretsManager, { maxAgeMs: 300_000, refreshMinIntervalMs: 600_000, previousGraceMs: HOUR, now: () => clock }),
      sqs: verifier.sqs,
      log: verifier.jsonLogger(),
      metrics: verifier.emfMetrics(base.metrics!),
    });

    // WHEN the old secret verifies a minute before the grace period ends (the secret is read and cached), a
    // forgery spends the one re-read the interval allows, and two minutes later the old secret signs again
    const before = await send(handler, stripeRequest(old));
    const forged = await send(handler, stripeRequest(secretValue()));
    clock += 120_000;
    const after = await send(handler, stripeRequest(old));

    // THEN the cached secret served both, and the grace period ended on the clock, not at the next read
    expect({ status: before.status, version: before.log.secretVersion, reads: before.secretReads }).toEqual({ status: 200, version: 'previous', reads: 2 });
    expect({ status: forged.status, reads: forged.secretReads }).toEqual({ status: 401, reads: 2 });
    expect({ status: after.status, code: after.log.code, reads: after.secretReads }).toEqual({ status: 401, code: 'previous_secret_expired', reads: 0 });
  });
});

describe('secrets stored with surrounding whitespace', () => {
  test.each([
    ['a trailing newline (echo)', (s: string) => `${s}\n`],
    ['a console paste with spaces and CRLF', (s: string) => `  ${s}\r\n`],
    ['a JSON list whose entries carry whitespace', (s: string) => JSON.stringify([` ${s}\n`])],
  ])('Stripe: %s verifies the signature Stripe makes with the trimmed secret', async (_name, stored) => {
    // GIVEN the secret stored with whitespace around it
    const secret = secretValue();
    const handler = stripeVerifier(await createSecret(aws.secretsManager, stored(secret)));

    // WHEN Stripe's helper signs with the secret as Stripe shows it
    const answer = await send(handler, stripeRequest(secret));

    // THEN
    expect(answer.status).toBe(200);
  });

  test('GitHub: a secret saved with a trailing newline verifies the signature @octokit/webhooks-methods makes', async () => {
    // GIVEN
    const secret = "It's a Secret to Everybody";
    const secretId = await createSecret(aws.secretsManager, `${secret}\n`);
    const handler = verifier.verifierFromConfig({ ...base, providers: { '/github': { id: 'github', kind: 'github', secretId } } });
    const body = JSON.stringify({ ref: 'refs/heads/main', marker: randomUUID() });

    // WHEN
    const answer = await send(
      handler,
      apiEvent({
        resource: '/github',
        body,
        headers: { 'X-Hub-Signature-256': await octokitSign(secret, body), 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': randomUUID() },
      }),
    );

    // THEN
    expect(answer.status).toBe(200);
  });

  test('a secret that is only whitespace verifies nothing, not even an HMAC under the empty key', async () => {
    const handler = stripeVerifier(await createSecret(aws.secretsManager, ' \n'));
    const answer = await send(handler, stripeRequest(''));
    expect(answer.status).toBe(401);
  });
});
