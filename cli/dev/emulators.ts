/**
 * The local stand-ins of the dev server and the test kit, started in a child process of this one (fauxqs is an
 * ES module, which a test runner's module registry may not load), on 127.0.0.1 only, on free ports: dynalite (DynamoDB, in memory), fauxqs (SQS with dead-letter queues and maxReceiveCount, and S3 on the
 * same endpoint, path-style), and a small Secrets Manager stand-in speaking its JSON 1.1 protocol
 * (GetSecretValue by stage, CreateSecret, PutSecretValue) that holds the secrets in memory only.
 *
 * dynalite and fauxqs are optional peer dependencies of the package (README "Run it locally"): they are loaded
 * from the user's project; a missing one is named with the command that installs it. fauxqs 2.x needs
 * Node.js >= 22.5. The child ends when this process closes its stdin, exits or is killed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { CommandError } from '../shared/io';

export const MINIMUM_NODE = '22.5.0';

/** Refuses a Node.js older than MINIMUM_NODE, saying why and what to do. `version` is `process.version` by default. */
export function checkNodeVersion(version: string = process.version): void {
  const parse = (v: string) => (/^v?(\d+)\.(\d+)\.(\d+)/.exec(v) ?? []).slice(1, 4).map(Number);
  const have = parse(version);
  const need = parse(MINIMUM_NODE);
  let ok = have.length === 3;
  for (let i = 0; ok && i < 3; i++) {
    if (have[i] !== need[i]) {
      ok = have[i] > need[i];
      break;
    }
  }
  if (!ok) {
    throw new CommandError(
      `The local receiver needs Node.js ${MINIMUM_NODE} or later; this is Node.js ${version}. Its SQS stand-in (fauxqs 2.x) ` +
        'requires it, and the functions run on nodejs24.x in AWS. Install Node.js 24 (https://nodejs.org, or nvm install 24) and run the command again.',
    );
  }
}

export interface Endpoints {
  readonly dynamodb: string;
  readonly sqs: string;
  /** fauxqs serves S3 on the same endpoint as SQS (path-style). */
  readonly s3: string;
  readonly secretsManager: string;
}

export interface Emulators {
  readonly endpoints: Endpoints;
  /** The child process's id. */
  readonly pid: number;
  /** Sets a secret's value (a new AWSCURRENT version). Values are kept in the child's memory only, never written or logged. */
  putSecret(secretId: string, value: string): Promise<void>;
  close(): Promise<void>;
}

/** The folder whose node_modules holds both stand-ins, looked for from each of `from` upwards. */
export function findStandIns(from: string[]): string {
  const missing = new Set(['dynalite', 'fauxqs']);
  for (const start of from) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const here = ['dynalite', 'fauxqs'].filter((name) => existsSync(path.join(dir, 'node_modules', name, 'package.json')));
      for (const name of here) missing.delete(name);
      if (here.length === 2) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new CommandError(
    `The local receiver runs on dynalite and fauxqs; ${[...missing].join(' and ')} ${missing.size === 1 ? 'is' : 'are'} not installed. ` +
      'Install the local stand-ins once in your CDK app: npm install -D dynalite@4 fauxqs@2',
  );
}

/** Starts the three stand-ins in a child process. Checks the Node.js version first. */
export async function startEmulators(options: { from?: string[] } = {}): Promise<Emulators> {
  checkNodeVersion();
  const cwd = findStandIns([...(options.from ?? []), process.cwd(), __dirname]);
  const child = spawn(process.execPath, ['--input-type=module', '--no-warnings', '-e', STAND_INS], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk) => (errors += chunk));
  const endpoints = await new Promise<Endpoints>((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new CommandError(`The local stand-ins stopped (exit code ${code}): ${errors.trim().split('\n').slice(-5).join('\n')}`)));
    child.once('error', reject);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    endpoints,
    pid: child.pid!,
    async putSecret(secretId, value) {
      const response = await fetch(endpoints.secretsManager, {
        method: 'POST',
        headers: { 'x-amz-target': 'secretsmanager.PutSecretValue', 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify({ SecretId: secretId, SecretString: value }),
      });
      if (!response.ok) throw new CommandError(`The local Secrets Manager refused the secret ${secretId} (${response.status}).`);
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The child: dynalite (in memory), fauxqs (buildApp: loopback only) and a Secrets Manager stand-in (GetSecretValue
 * by stage or version id, CreateSecret, PutSecretValue: the new version becomes AWSCURRENT, the old AWSPREVIOUS).
 * Prints one JSON line with the endpoints; ends when its stdin closes, or on SIGINT / SIGTERM.
 */
const STAND_INS = String.raw`
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
const dynalite = require('dynalite');
const { buildApp } = await import('fauxqs');
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
`;
