// Bundles each Lambda handler into one minified file under assets/, shipped in the package, so a user's
// `cdk synth` needs neither esbuild nor Docker. Also emits the processor runtime for
// `cdk-webhook-receiver/runtime`, and type-checks all Lambda code (esbuild itself does not).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';

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
  'example-processor': 'bin/processor/index.ts',
};
for (const [name, entry] of Object.entries(handlers)) {
  const outfile = `assets/${name}/index.js`;
  await build({ ...common, entryPoints: [entry], outfile });
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
