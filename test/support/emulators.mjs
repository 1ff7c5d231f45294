// Starts the AWS protocol endpoints the handler tests talk to, all bound to 127.0.0.1 on free ports:
// - DynamoDB: dynalite (in memory)
// - SQS and S3: fauxqs (buildApp, so it listens on loopback only; its S3 API is the claim check's stand-in, path-style)
// - Secrets Manager: a small server speaking its JSON 1.1 protocol (no emulator exists on npm), with the
//   version-stage semantics the verifier relies on: CreateSecret, PutSecretValue (moves AWSCURRENT to the new
//   version and AWSPREVIOUS to the old one), GetSecretValue by stage with each version's CreatedDate (the time
//   the version was created, as Secrets Manager returns it), and a call counter at GET /_calls.
//   Test-only, not part of the Secrets Manager API: POST /_created-date with {"SecretId", "VersionStage",
//   "CreatedDate" (epoch seconds)} sets the creation date of the version at that stage, so a test can put a
//   rotation in the past (test/support/aws.ts: setVersionCreatedDate).
// Prints one JSON line with the endpoints, then runs until stdin closes or it is killed.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { buildApp } from 'fauxqs';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite');
const HOST = '127.0.0.1';

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve(server.address().port));
  });
}

const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const dynamoPort = await listen(dynamo);

const sqsApp = buildApp({ logger: false, host: 'localhost' });
await sqsApp.listen({ host: HOST, port: 0 });
const sqsPort = sqsApp.server.address().port;

const secrets = new Map(); // name -> { arn, versions: Map(id -> { value, createdAt (epoch ms) }), stages: Map(stage -> id) }
const calls = {};
function findSecret(id) {
  for (const [name, secret] of secrets) if (name === id || secret.arn === id) return secret;
  return undefined;
}
function putVersion(secret, value) {
  const id = randomUUID();
  secret.versions.set(id, { value, createdAt: Date.now() });
  const current = secret.stages.get('AWSCURRENT');
  if (current) secret.stages.set('AWSPREVIOUS', current);
  secret.stages.set('AWSCURRENT', id);
  return id;
}
const secretsServer = createServer((req, res) => {
  let raw = '';
  req.on('data', (chunk) => (raw += chunk));
  req.on('end', () => {
    const reply = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/_calls') return reply(200, calls);
    if (req.method === 'POST' && req.url === '/_created-date') {
      // Test-only (see the top of this file).
      const input = JSON.parse(raw);
      const secret = findSecret(input.SecretId);
      const id = secret?.stages.get(input.VersionStage);
      if (!id || typeof input.CreatedDate !== 'number') return reply(400, { __type: 'InvalidRequestException', message: 'Unknown secret or stage, or CreatedDate is not epoch seconds.' });
      secret.versions.get(id).createdAt = input.CreatedDate * 1000;
      return reply(200, { VersionId: id });
    }
    const action = String(req.headers['x-amz-target'] ?? '').replace('secretsmanager.', '');
    calls[action] = (calls[action] ?? 0) + 1;
    const input = raw ? JSON.parse(raw) : {};
    const notFound = () => reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
    if (action === 'CreateSecret') {
      const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:${input.Name}-${randomUUID().slice(0, 6)}`;
      const secret = { arn, versions: new Map(), stages: new Map() };
      secrets.set(input.Name, secret);
      const id = putVersion(secret, input.SecretString);
      return reply(200, { ARN: arn, Name: input.Name, VersionId: id });
    }
    const secret = findSecret(input.SecretId);
    if (!secret) return notFound();
    if (action === 'PutSecretValue') {
      const id = putVersion(secret, input.SecretString);
      return reply(200, { ARN: secret.arn, VersionId: id, VersionStages: ['AWSCURRENT'] });
    }
    if (action === 'GetSecretValue') {
      const id = input.VersionId ?? secret.stages.get(input.VersionStage ?? 'AWSCURRENT');
      if (!id || !secret.versions.has(id)) return notFound();
      const stages = [...secret.stages].filter(([, v]) => v === id).map(([k]) => k);
      const version = secret.versions.get(id);
      return reply(200, { ARN: secret.arn, VersionId: id, SecretString: version.value, VersionStages: stages, CreatedDate: version.createdAt / 1000 });
    }
    return reply(400, { __type: 'InvalidRequestException', message: `Unsupported action ${action}` });
  });
});
const secretsPort = await listen(secretsServer);

process.stdout.write(
  `${JSON.stringify({
    dynamodb: `http://${HOST}:${dynamoPort}`,
    sqs: `http://${HOST}:${sqsPort}`,
    secretsManager: `http://${HOST}:${secretsPort}`,
  })}\n`,
);

const stop = async () => {
  await Promise.allSettled([
    new Promise((r) => dynamo.close(r)),
    sqsApp.close(),
    new Promise((r) => secretsServer.close(r)),
  ]);
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
