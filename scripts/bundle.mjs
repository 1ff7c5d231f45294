// Bundles each Lambda handler into one minified file under assets/, shipped in the package, so a user's
// `cdk synth` needs neither esbuild nor Docker. Also emits the processor runtime for
// `cdk-webhook-receiver/runtime`, and type-checks all Lambda code (esbuild itself does not).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

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

rmSync('assets', { recursive: true, force: true });
rmSync('dist/runtime', { recursive: true, force: true });

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.lambda.json'], { stdio: 'inherit' });

const handlers = {
  verifier: 'lambda/verifier/index.ts',
  // The same three SDK clients as the verifier and plain fetch for the providers' APIs: no Stripe or Octokit SDK.
  reconciler: 'lambda/reconciler/index.ts',
  'example-processor': 'bin/processor/index.ts',
};
for (const [name, entry] of Object.entries(handlers)) {
  const outfile = `assets/${name}/index.js`;
  // The verifier's S3 client is a file of its own, required on first use (lambda/verifier/s3.ts).
  await build({ ...common, entryPoints: [entry], outfile, external: name === 'verifier' ? ['./s3.js', './x509.js'] : [] });
  console.log(`${outfile}: ${statSync(outfile).size} bytes`);
}
await build({ ...common, entryPoints: ['lambda/verifier/s3.ts'], outfile: 'assets/verifier/s3.js' });
console.log(`assets/verifier/s3.js: ${statSync('assets/verifier/s3.js').size} bytes (loaded on first use)`);
// The certificate schemes (PayPal, Apple) likewise: lambda/verifier/x509.ts.
await build({ ...common, entryPoints: ['lambda/verifier/x509.ts'], outfile: 'assets/verifier/x509.js' });
console.log(`assets/verifier/x509.js: ${statSync('assets/verifier/x509.js').size} bytes (loaded on first use)`);

// The operator's command-line tool (package.json `bin`): one file with the AWS SDK clients it calls, so
// `npx cdk-webhook-receiver` needs nothing more installed.
{
  const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
  const outfile = 'assets/cli/index.js';
  await build({
    ...common,
    entryPoints: ['cli/index.ts'],
    outfile,
    banner: { js: '#!/usr/bin/env node' },
    define: { __CLI_VERSION__: JSON.stringify(version) },
  });
  chmodSync(outfile, 0o755);
  console.log(`${outfile}: ${statSync(outfile).size} bytes`);
}

// The runtime is imported by users' processors: their bundler (or the Lambda runtime) provides the SDK.
await build({
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
const outRoot = 'dist/runtime/types';
// Module specifiers in declaration code (comment lines, which quote imports in examples, are left alone).
const specifiers = /(\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\2/g;
const isComment = (line) => /^\s*(\/\/|\/\*|\*)/.test(line);
const pending = [join(typesRoot, 'lambda/runtime/index.d.ts')];
const seen = new Set();
mkdirSync(outRoot, { recursive: true });
copyFileSync('scripts/runtime-types/aws.d.ts', join(outRoot, 'aws.d.ts'));
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
      let local = relative(dirname(outFile), join(outRoot, shimmed[spec])).split('\\').join('/');
      if (!local.startsWith('.')) local = `./${local}`;
      return `${head}${quote}${local}${quote}`;
    }
    throw new Error(
      `${file} imports '${spec}': the runtime's published types must be self-contained. Add the types it needs to ` +
        `scripts/runtime-types/aws.d.ts and map '${spec}' there in scripts/bundle.mjs, or keep it out of the public API.`,
    );
  });
  const text = readFileSync(file, 'utf8').split('\n').map(rewrite).join('\n');
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, text);
}
console.log(`${outRoot}: ${seen.size} declaration files for cdk-webhook-receiver/runtime`);

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
