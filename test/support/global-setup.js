// Starts the emulators (test/support/emulators.mjs) once for the whole run, in a child process on loopback,
// and hands their endpoints to the test workers through the environment.
const { spawn } = require('node:child_process');

module.exports = async function globalSetup() {
  const child = spawn(process.execPath, [`${__dirname}/emulators.mjs`], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  const endpoints = await new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`emulators exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
    });
  });
  globalThis.__EMULATORS__ = child;
  process.env.TEST_DYNAMODB_ENDPOINT = endpoints.dynamodb;
  process.env.TEST_SQS_ENDPOINT = endpoints.sqs;
  process.env.TEST_SECRETS_MANAGER_ENDPOINT = endpoints.secretsManager;
};
