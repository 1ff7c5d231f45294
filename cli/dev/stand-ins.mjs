// The local stand-ins of the dev server and the test kit (cli/dev/emulators.ts starts this file as a child
// process): dynalite (DynamoDB, in memory), fauxqs (SQS and S3; buildApp, so it listens on loopback only) and a
// Secrets Manager stand-in (GetSecretValue by stage or version id, CreateSecret, PutSecretValue: the new version
// becomes AWSCURRENT, the old one AWSPREVIOUS), all on 127.0.0.1, on free ports. Secrets stay in memory.
// Prints one JSON line with the endpoints; ends when its stdin closes, or on SIGINT / SIGTERM.
// scripts/bundle.mjs bundles it with dynalite and fauxqs into assets/cli/stand-ins.mjs (shipped: users install
// nothing more); this source runs as is where both are installed (this repository).
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
const HOST = '127.0.0.1';
const listen = (server) => new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, HOST, () => resolve(server.address().port)); });
const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const dynamoPort = await listen(dynamo);
const sqsApp = buildApp({ logger: false, host: 'localhost' });
await sqsApp.listen({ host: HOST, port: 0 });
const sqsPort = sqsApp.server.address().port;
const secrets = new Map();
const put = (name, value) => {
  let secret = secrets.get(name);
  if (!secret) {
    const arn = name.startsWith('arn:') ? name : 'arn:aws:secretsmanager:us-east-1:000000000000:secret:' + name + '-local';
    secret = { arn, versions: new Map(), stages: new Map() };
    secrets.set(name, secret);
  }
  const id = randomUUID();
  secret.versions.set(id, { value, createdAt: Date.now() });
  const current = secret.stages.get('AWSCURRENT');
  if (current) secret.stages.set('AWSPREVIOUS', current);
  secret.stages.set('AWSCURRENT', id);
  return { secret, id };
};
const secretsServer = createServer((req, res) => {
  let raw = '';
  req.on('data', (chunk) => (raw += chunk));
  req.on('end', () => {
    const reply = (status, body) => { res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }); res.end(JSON.stringify(body)); };
    const action = String(req.headers['x-amz-target'] ?? '').replace('secretsmanager.', '');
    let input;
    try { input = raw ? JSON.parse(raw) : {}; } catch { return reply(400, { __type: 'InvalidRequestException', message: 'The request body is not JSON.' }); }
    if (action === 'CreateSecret' || action === 'PutSecretValue') {
      const name = input.Name ?? input.SecretId;
      if (!name || typeof input.SecretString !== 'string') return reply(400, { __type: 'InvalidParameterException', message: 'Name and SecretString are required.' });
      const { secret, id } = put(name, input.SecretString);
      return reply(200, { ARN: secret.arn, Name: name, VersionId: id });
    }
    if (action !== 'GetSecretValue') return reply(400, { __type: 'InvalidRequestException', message: 'The local Secrets Manager stand-in does not support ' + action + '.' });
    const secret = [...secrets.entries()].find(([name, s]) => name === input.SecretId || s.arn === input.SecretId)?.[1];
    const notFound = () => reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
    if (!secret) return notFound();
    const id = input.VersionId ?? secret.stages.get(input.VersionStage ?? 'AWSCURRENT');
    const version = id === undefined ? undefined : secret.versions.get(id);
    if (!version) return notFound();
    const stages = [...secret.stages].filter(([, v]) => v === id).map(([k]) => k);
    return reply(200, { ARN: secret.arn, VersionId: id, SecretString: version.value, VersionStages: stages, CreatedDate: version.createdAt / 1000 });
  });
});
const secretsPort = await listen(secretsServer);
process.stdout.write(JSON.stringify({
  dynamodb: 'http://' + HOST + ':' + dynamoPort,
  sqs: 'http://' + HOST + ':' + sqsPort,
  s3: 'http://' + HOST + ':' + sqsPort,
  secretsManager: 'http://' + HOST + ':' + secretsPort,
}) + '\n');
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  secretsServer.closeAllConnections?.();
  dynamo.closeAllConnections?.();
  await Promise.allSettled([new Promise((r) => dynamo.close(r)), sqsApp.close(), new Promise((r) => secretsServer.close(r))]);
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
