/**
 * The README's test-kit example (`<!-- test-kit-example -->` in "Testing your processor"), run as written: a user's
 * test that imports `cdk-webhook-receiver/testing` (here the built bundle, dist/testing/index.js), signs a Stripe
 * event and sends it over HTTP. It is pointed, through the environment variables it reads, at the shipped verifier
 * behind a loopback HTTP front. The example registers its own `test(...)` in this file.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';
import * as ts from 'typescript';
import { providerHarness, type Harness } from './support/provider-harness';

const root = path.join(__dirname, '..');
const SECRET = 'whsec_readme_test_kit_7c1f';

/** The README's example, compiled to CommonJS, with the package's specifier pointed at the built test kit. */
function readmeExample(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const match = /<!-- test-kit-example -->\n```ts\n([\s\S]*?)\n```\n/.exec(readme);
  if (!match) throw new Error('README.md has no <!-- test-kit-example --> block.');
  const js = ts.transpileModule(match[1], { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  if (!js.includes('require("cdk-webhook-receiver/testing")')) throw new Error('The example does not import cdk-webhook-receiver/testing.');
  return js.replace('require("cdk-webhook-receiver/testing")', `require(${JSON.stringify(path.join(root, 'dist', 'testing', 'index.js'))})`);
}

let harness: Harness;
let server: Server;

beforeAll(async () => {
  // GIVEN the shipped verifier with a Stripe receiver, behind HTTP on loopback
  harness = await providerHarness('stripe', { secret: SECRET });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k === 'content-type' ? 'Content-Type' : k, String(v)]));
      const answer = await harness.send({ body: Buffer.concat(chunks), headers });
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // AND the environment the example reads
  process.env.WEBHOOK_SECRET_STRIPE = SECRET;
  process.env.STRIPE_WEBHOOK_URL = `http://127.0.0.1:${(server.address() as { port: number }).port}/stripe`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('the README example, as written', () => {
  // WHEN the example's own test runs (it registers here)
  const exports = {};
  new Function('require', 'exports', 'module', 'test', 'expect', readmeExample())(require, exports, { exports }, test, expect);
});

test('the example\'s event reached the queue once, as the verifier enqueues it', async () => {
  // THEN (after the example ran) exactly its one event is in the queue
  const messages = await harness.messages();
  expect(messages.map((m) => [m.provider, m.eventType])).toEqual([['stripe', 'invoice.paid']]);
});
