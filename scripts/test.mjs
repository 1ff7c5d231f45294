// The whole test suite: type-check the tests and the example app, then jest on Node.js >= 22.5 (see
// scripts/node-runtime.mjs: the running Node.js if recent enough, else Node.js 24 from the optional dev package).
import { spawnSync } from 'node:child_process';
import { findNodeOrExit } from './node-runtime.mjs';

const run = (cmd, args) => {
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
const node = findNodeOrExit();
console.log(`jest runs on Node.js ${node.version} (${node.source === 'current' ? 'this Node.js' : node.path})`);
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.dev.json']);
// --experimental-vm-modules lets CommonJS tests import ESM-only oracles (@octokit/webhooks-methods) and emulators.
run(node.path, [
  '--experimental-vm-modules',
  '--disable-warning=ExperimentalWarning',
  'node_modules/jest/bin/jest.js',
  '--ci',
  ...process.argv.slice(2),
]);
