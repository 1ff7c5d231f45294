// Runs a script (the benchmark) on Node.js >= 22.5, chosen as for the tests (scripts/node-runtime.mjs): the
// running Node.js if recent enough, else Node.js 24 (the Lambda runtime) from the optional dev package.
import { spawnSync } from 'node:child_process';
import { findNodeOrExit } from './node-runtime.mjs';

const node = findNodeOrExit();
const result = spawnSync(node.path, process.argv.slice(2), { stdio: 'inherit' });
process.exit(result.status ?? 1);
