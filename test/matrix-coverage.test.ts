/**
 * Every catalog provider and every generic factory runs the standard matrix (test/support/provider-matrix.ts).
 * Each test file runs in its own module registry, so no registry written at run time spans them: this reads the
 * provider test files that call `providerMatrix` and collects the kinds and generic factories their descriptions
 * name (`kind: '<kind>'`, `generic: { factory: 'WebhookProvider.<name>' ... }`). It fails when a catalog kind or a
 * public generic factory (the jsii assembly's static methods of WebhookProvider that build no catalog kind) is
 * named by none, so a provider taken off the matrix, or a factory added without a description, is caught.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CATALOG } from '../catalog/providers';

const ROOT = path.join(__dirname, '..');
const PROVIDERS = path.join(__dirname, 'providers');

/** The provider test files that declare the matrix, with their text. */
const matrixFiles = readdirSync(PROVIDERS)
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => ({ file, text: readFileSync(path.join(PROVIDERS, file), 'utf8') }))
  .filter(({ text }) => /\bproviderMatrix\(/.test(text));

const named = (pattern: RegExp) => new Set(matrixFiles.flatMap(({ text }) => [...text.matchAll(pattern)].map((match) => match[1])));
const kinds = named(/\bkind: '([a-z0-9-]+)'/g);
const factories = named(/\bfactory: '(WebhookProvider\.\w+)'/g);

/** `appStore` -> `app-store`: the catalog kind a factory of that name builds. */
const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** The public static methods of WebhookProvider, from the jsii assembly (private helpers are not in it). */
function publicFactories(): string[] {
  const assembly = JSON.parse(readFileSync(path.join(ROOT, '.jsii'), 'utf8')) as { types: Record<string, { methods?: Array<{ name: string; static?: boolean }> }> };
  const type = Object.entries(assembly.types).find(([fqn]) => fqn.endsWith('.WebhookProvider'));
  if (!type) throw new Error('The jsii assembly has no WebhookProvider type.');
  return (type[1].methods ?? []).filter((method) => method.static).map((method) => method.name);
}

test('every catalog provider has a matrix description', () => {
  // GIVEN the catalog's kinds
  const catalog = Object.keys(CATALOG);
  expect(catalog.length).toBeGreaterThan(0);

  // THEN each is the kind of a description given to providerMatrix
  expect(catalog.filter((kind) => !kinds.has(kind))).toEqual([]);
});

test('every generic factory has a matrix description', () => {
  // GIVEN WebhookProvider's public factories that build no catalog kind (hmac, publicKey, jwt, sharedToken, ...)
  const generic = publicFactories().filter((name) => !(kebab(name) in CATALOG));
  expect(generic).toContain('hmac');

  // THEN each is the factory of a generic description given to providerMatrix
  expect(generic.filter((name) => !factories.has(`WebhookProvider.${name}`))).toEqual([]);
});

test('the descriptions name only catalog kinds, custom, and factories that exist', () => {
  // (A typo in a description's kind or factory would otherwise count as nothing, silently.)
  expect([...kinds].filter((kind) => kind !== 'custom' && !(kind in CATALOG))).toEqual([]);
  const all = new Set(publicFactories().map((name) => `WebhookProvider.${name}`));
  expect([...factories].filter((factory) => !all.has(factory))).toEqual([]);
});
