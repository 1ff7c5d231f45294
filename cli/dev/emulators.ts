/**
 * The local stand-ins of the dev server and the test kit, started in a child process of this one (fauxqs is an
 * ES module, which a test runner's module registry may not load), on 127.0.0.1 only, on free ports: dynalite (DynamoDB, in memory), fauxqs (SQS with dead-letter queues and maxReceiveCount, and S3 on the
 * same endpoint, path-style), and a small Secrets Manager stand-in speaking its JSON 1.1 protocol
 * (GetSecretValue by stage, CreateSecret, PutSecretValue) that holds the secrets in memory only.
 *
 * The child runs stand-ins.mjs as bundled with dynalite and fauxqs by scripts/bundle.mjs (assets/cli/stand-ins.mjs,
 * shipped in the package: README "Run it locally" says why). fauxqs 2.x needs Node.js >= 22.5 (node:sqlite).
 * The child ends when this process closes its stdin, exits or is killed.
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

/**
 * The stand-ins' script: the bundle shipped beside the CLI (assets/cli/stand-ins.mjs, dynalite and fauxqs inside),
 * found from this file's folder (the CLI bundle, or these sources in the repository).
 */
export function standInsScript(): string {
  const candidates = [path.join(__dirname, 'stand-ins.mjs'), path.join(__dirname, '..', '..', 'assets', 'cli', 'stand-ins.mjs'), path.join(__dirname, '..', 'assets', 'cli', 'stand-ins.mjs')];
  const found = candidates.find((file) => existsSync(file) && !file.includes(`${path.sep}cli${path.sep}dev${path.sep}`));
  if (!found) {
    throw new CommandError(`The local stand-ins (assets/cli/stand-ins.mjs) are missing from this installation of cdk-webhook-receiver; looked in ${candidates.join(', ')}. Reinstall the package (or run npm run bundle in its repository).`);
  }
  return found;
}

let shared: Promise<Emulators> | undefined;

/**
 * One set of stand-ins for the whole process, started on first use and never closed (its `close` does nothing): it
 * ends with this process, which does not wait for it. For the test kit: a processor's AWS SDK clients are built once
 * per process (the runtime keeps its DynamoDB client), so the endpoints they were built with must stay valid
 * for the next test receiver of the same test file.
 */
export function sharedEmulators(): Promise<Emulators> {
  if (!shared) {
    shared = startEmulators({ detached: true }).then((emulators) => ({ ...emulators, close: async () => undefined }));
    shared.catch(() => (shared = undefined));
  }
  return shared;
}

/**
 * Starts the three stand-ins in a child process. Checks the Node.js version first. `detached`: the child does not
 * keep this process alive (it ends when this process's end closes its stdin).
 */
export async function startEmulators(options: { detached?: boolean } = {}): Promise<Emulators> {
  checkNodeVersion();
  const child = spawn(process.execPath, ['--no-warnings', standInsScript()], { stdio: ['pipe', 'pipe', 'pipe'] });
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
  if (options.detached) {
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
  }
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
