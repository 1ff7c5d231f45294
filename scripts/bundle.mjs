// Bundles each Lambda handler into one minified file under assets/, shipped in the package, so a user's
// `cdk synth` needs neither esbuild nor Docker. Also emits the processor runtime for
// `cdk-webhook-receiver/runtime`, and type-checks all Lambda code (esbuild itself does not).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { NOTICES_FILE, packagesOf, renderNotices } from './notices.mjs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  mainFields: ['module', 'main'],
  legalComments: 'none',
  logLevel: 'warning',
};

// Every build's metafile: which npm packages went into which bundle, for the third-party notices (scripts/notices.mjs).
const metafiles = [];
async function built(options) {
  const result = await build({ ...options, metafile: true });
  metafiles.push(result.metafile);
  return result;
}

rmSync('assets', { recursive: true, force: true });
rmSync('dist/bundle-meta', { recursive: true, force: true });
rmSync('dist/runtime', { recursive: true, force: true });
rmSync('dist/testing', { recursive: true, force: true });

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.lambda.json'], { stdio: 'inherit' });

// The verifier's rarely used schemes (lambda/verifier/lazy-schemes.ts) are a file of their own, `lazy-schemes.js`,
// required on first use by lambda/verifier/lazy.ts: `require('./lazy-schemes')` there is left to run time.
const lazySchemesFile = {
  name: 'lazy-schemes-file',
  setup(b) {
    b.onResolve({ filter: /^\.\/lazy-schemes$/ }, (args) =>
      resolve(args.importer) === resolve('lambda/verifier/lazy.ts') ? { path: './lazy-schemes.js', external: true } : undefined,
    );
  },
};
// In that file, the verifier's error classes are the main bundle's, handed over by `withErrors` (see lazy.ts): an
// import of errors.ts becomes one binding per class it exports, set by `bindErrors`.
const errorsFromMainBundle = {
  name: 'errors-from-main-bundle',
  setup(b) {
    const errorsFile = resolve('lambda/verifier/errors.ts');
    b.onResolve({ filter: /^\.\/errors$/ }, (args) =>
      resolve(args.resolveDir, 'errors.ts') === errorsFile ? { path: errorsFile, namespace: 'main-bundle-errors' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'main-bundle-errors' }, () => {
      const names = [...readFileSync(errorsFile, 'utf8').matchAll(/^export (?:abstract )?class (\w+)/gm)].map((m) => m[1]);
      if (names.length === 0) throw new Error(`${errorsFile} exports no error class`);
      return {
        contents: `export let ${names.join(', ')};\nexport function bindErrors(classes) { ({ ${names.join(', ')} } = classes); }\n`,
        loader: 'js',
      };
    });
  },
};

const handlers = {
  verifier: 'lambda/verifier/index.ts',
  // The same three SDK clients as the verifier and plain fetch for the providers' APIs: no Stripe or Octokit SDK.
  reconciler: 'lambda/reconciler/index.ts',
  'example-processor': 'bin/processor/index.ts',
};
for (const [name, entry] of Object.entries(handlers)) {
  const outfile = `assets/${name}/index.js`;
  // The verifier's S3 client is a file of its own, required on first use (lambda/verifier/s3.ts).
  await built({
    ...common,
    entryPoints: [entry],
    outfile,
    external: name === 'verifier' ? ['./s3.js', './jwks.js', './multipart.js', './x509.js'] : [],
    plugins: name === 'verifier' ? [lazySchemesFile] : [],
  });
  console.log(`${outfile}: ${statSync(outfile).size} bytes`);
}
await built({ ...common, entryPoints: ['lambda/verifier/s3.ts'], outfile: 'assets/verifier/s3.js' });
console.log(`assets/verifier/s3.js: ${statSync('assets/verifier/s3.js').size} bytes (loaded on first use)`);
await built({
  ...common,
  stdin: {
    contents: [
      "export * from './lazy-schemes';",
      "import * as schemes from './lazy-schemes';",
      "import { bindErrors } from './errors';",
      'export function withErrors(classes) { bindErrors(classes); return schemes; }',
    ].join('\n'),
    resolveDir: resolve('lambda/verifier'),
    sourcefile: 'lazy-schemes-file.js',
    loader: 'js',
  },
  outfile: 'assets/verifier/lazy-schemes.js',
  plugins: [lazySchemesFile, errorsFromMainBundle],
});
console.log(`assets/verifier/lazy-schemes.js: ${statSync('assets/verifier/lazy-schemes.js').size} bytes (loaded on first use)`);
// Schemes few receivers use, each a file of its own required on first use: JWT with fetched keys (Plaid), multipart.
for (const lazy of ['jwks', 'multipart']) {
  await built({ ...common, entryPoints: [`lambda/verifier/${lazy}.ts`], outfile: `assets/verifier/${lazy}.js` });
  console.log(`assets/verifier/${lazy}.js: ${statSync(`assets/verifier/${lazy}.js`).size} bytes (loaded on first use)`);
}
// The certificate schemes (PayPal, Apple) likewise: lambda/verifier/x509.ts.
await built({ ...common, entryPoints: ['lambda/verifier/x509.ts'], outfile: 'assets/verifier/x509.js' });
console.log(`assets/verifier/x509.js: ${statSync('assets/verifier/x509.js').size} bytes (loaded on first use)`);

// The operator's command-line tool (package.json `bin`): one file with the AWS SDK clients it calls, so
// `npx cdk-webhook-receiver` needs nothing more installed.
{
  const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
  const outfile = 'assets/cli/index.js';
  await built({
    ...common,
    entryPoints: ['cli/index.ts'],
    outfile,
    banner: { js: '#!/usr/bin/env node' },
    define: { __CLI_VERSION__: JSON.stringify(version) },
  });
  chmodSync(outfile, 0o755);
  console.log(`${outfile}: ${statSync(outfile).size} bytes`);
}

// The local stand-ins of `dev` and the test kit (cli/dev/stand-ins.mjs) with dynalite and fauxqs inside, in a file
// of their own that only `dev` and the test kit load: users install nothing more (README "Run it locally").
// dynalite's on-disk backend (level, a native module) is left out: the stand-ins keep everything in memory. Its
// actions are required by computed names, which esbuild resolves only with the file extension.
{
  const outfile = 'assets/cli/stand-ins.mjs';
  await built({
    ...common,
    entryPoints: ['cli/dev/stand-ins.mjs'],
    outfile,
    format: 'esm',
    target: 'node22',
    alias: { level: './scripts/dev-level-stub.cjs' },
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    plugins: [
      {
        name: 'dynalite-actions',
        setup(b) {
          b.onLoad({ filter: /dynalite[\\/]index\.js$/ }, (args) => {
            const text = readFileSync(args.path, 'utf8');
            const fixed = text
              .replace("require('./actions/' + action)", "require('./actions/' + action + '.js')")
              .replace("require('./validations/' + action)", "require('./validations/' + action + '.js')");
            if (fixed === text) throw new Error(`${args.path}: dynalite no longer requires its actions as expected; check the stand-ins bundle.`);
            return { contents: fixed, loader: 'js' };
          });
        },
      },
    ],
  });
  console.log(`${outfile}: ${statSync(outfile).size} bytes (loaded by dev and the test kit only)`);
}

// The runtime is imported by users' processors: their bundler (or the Lambda runtime) provides the SDK.
await built({
  ...common,
  minify: false,
  entryPoints: ['lambda/runtime/index.ts'],
  outfile: 'dist/runtime/index.js',
  external: ['@aws-sdk/*'],
});

// The runtime's published declarations: the runtime's own .d.ts and the local files it imports (dist/types is the
// declaration output of tsconfig.lambda.json), copied under dist/runtime/types/, with the AWS packages they name
// pointed at scripts/runtime-types/aws.d.ts, so a user's strict type check (skipLibCheck: false) needs neither
// @types/aws-lambda nor the AWS SDK. Any other package import fails the build here rather than in users' builds.
const shimmed = { 'aws-lambda': 'aws', '@aws-sdk/client-dynamodb': 'aws', '@aws-sdk/client-s3': 'aws' };
const typesRoot = 'dist/types';
/**
 * Copies `entry`'s declarations and the local ones they import under `outRoot`, shimmed AWS names pointed at
 * aws.d.ts; `allowNode` lets Node.js's own modules through (`node:crypto`: the test kit runs on Node.js, whose users
 * have @types/node). Returns how many files it wrote.
 */
function publishDeclarations(entry, outRoot, { allowNode = false, allowPeers = false } = {}) {
  const pending = [join(typesRoot, entry)];
  // Module specifiers in declaration code (comment lines, which quote imports in examples, are left alone).
  const specifiers = /(\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\2/g;
  const isComment = (line) => /^\s*(\/\/|\/\*|\*)/.test(line);
  const seen = new Set();
  mkdirSync(outRoot, { recursive: true });
  while (pending.length > 0) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const outFile = join(outRoot, relative(typesRoot, file));
    const rewrite = (line) => isComment(line) ? line : line.replace(specifiers, (whole, head, quote, spec) => {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        const dts = [`${target}.d.ts`, join(target, 'index.d.ts')].find(existsSync);
        if (!dts) throw new Error(`${file}: cannot find the declarations of ${spec}`);
        pending.push(relative('.', dts));
        return whole;
      }
      if (shimmed[spec]) {
        copyFileSync('scripts/runtime-types/aws.d.ts', join(outRoot, 'aws.d.ts'));
        let local = relative(dirname(outFile), join(outRoot, shimmed[spec])).split('\\').join('/');
        if (!local.startsWith('.')) local = `./${local}`;
        return `${head}${quote}${local}${quote}`;
      }
      if (allowNode && spec.startsWith('node:')) return whole;
      // The package's peer dependencies, which a user of the test kit has (their CDK app's).
      if (allowPeers && /^(aws-cdk-lib|constructs)(\/|$)/.test(spec)) return whole;
      throw new Error(
        `${file} imports '${spec}': the runtime's published types must be self-contained. Add the types it needs to ` +
          `scripts/runtime-types/aws.d.ts and map '${spec}' there in scripts/bundle.mjs, or keep it out of the public API.`,
      );
    });
    const text = readFileSync(file, 'utf8').split('\n').map(rewrite).join('\n');
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, text);
  }
  return seen.size;
}
const runtimeTypes = publishDeclarations('lambda/runtime/index.d.ts', 'dist/runtime/types');
console.log(`dist/runtime/types: ${runtimeTypes} declaration files for cdk-webhook-receiver/runtime`);

// The test kit (`cdk-webhook-receiver/testing`): signed requests for every provider, for users' tests on Node.js.
// Not part of the jsii assembly (jsii carries no subpath exports); its types are published like the runtime's.
await built({
  ...common,
  // Minified (it carries the SDK clients), with the names kept so a user's failing test reads well.
  keepNames: true,
  entryPoints: ['testing/index.ts'],
  outfile: 'dist/testing/index.js',
  // The AWS SDK clients the in-process receiver calls (the local stand-ins) are bundled, as in the CLI: a test that
  // only signs needs nothing installed, and one that runs a receiver needs no SDK of its own for the engine.
  external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
});
const testingTypes = publishDeclarations('testing/index.d.ts', 'dist/testing/types', { allowNode: true, allowPeers: true });
console.log(`dist/testing/index.js: ${statSync('dist/testing/index.js').size} bytes; dist/testing/types: ${testingTypes} declaration files`);

// The processor runtime as a Lambda layer (WebhookRuntimeLayer): Lambda mounts a layer's `nodejs/node_modules` on
// NODE_PATH (/opt/nodejs/node_modules), so a processor compiled with plain `tsc` that calls
// `require('cdk-webhook-receiver/runtime')` finds it there, and `@aws-sdk/*` in the Node.js runtime itself. The
// package.json exports only `./runtime`: the construct library is no use inside Lambda.
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const layerPackage = 'assets/runtime-layer/nodejs/node_modules/cdk-webhook-receiver';
mkdirSync(join(layerPackage, 'runtime'), { recursive: true });
copyFileSync('dist/runtime/index.js', join(layerPackage, 'runtime', 'index.js'));
copyFileSync('LICENSE', join(layerPackage, 'LICENSE'));
writeFileSync(
  join(layerPackage, 'package.json'),
  `${JSON.stringify(
    {
      name: pkg.name,
      version: pkg.version,
      description: 'The processor runtime of cdk-webhook-receiver (`cdk-webhook-receiver/runtime`), as a Lambda layer.',
      license: pkg.license,
      exports: { './runtime': './runtime/index.js', './package.json': './package.json' },
    },
    null,
    2,
  )}\n`,
);
console.log(`${layerPackage}/runtime/index.js: ${statSync(join(layerPackage, 'runtime', 'index.js')).size} bytes`);

// The runtime layer's copy of the runtime holds what the runtime holds.
{
  const layerFile = join(layerPackage, 'runtime', 'index.js');
  const runtime = metafiles.find((m) => m.outputs['dist/runtime/index.js']);
  metafiles.push({ inputs: {}, outputs: { [layerFile]: runtime.outputs['dist/runtime/index.js'] } });
}

// Third-party notices beside the shipped bundles: assets/ (the Lambda bundles, the CLI and its stand-ins, the layer),
// dist/runtime/ and dist/testing/ (`cdk-webhook-receiver/runtime` and `/testing`). The example processor is not shipped.
mkdirSync('dist/bundle-meta', { recursive: true });
writeFileSync('dist/bundle-meta/metafiles.json', JSON.stringify(metafiles));
for (const folder of ['assets', 'dist/runtime', 'dist/testing']) {
  const bundles = new Map();
  for (const metafile of metafiles) {
    for (const output of Object.keys(metafile.outputs)) {
      if (!output.startsWith(`${folder}/`) || output.startsWith('assets/example-processor/') || output.endsWith('.map')) continue;
      bundles.set(output.slice(folder.length + 1), packagesOf(metafile, output));
    }
  }
  writeFileSync(join(folder, NOTICES_FILE), renderNotices(`${folder}/`, bundles));
  const count = new Set([...bundles.values()].flat()).size;
  console.log(`${folder}/${NOTICES_FILE}: ${count} packages in ${bundles.size} bundles`);
}
