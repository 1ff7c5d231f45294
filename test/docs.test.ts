/**
 * The README's reference section is generated from the code's own docs (the jsii assembly): a prop or a
 * default changed in code and not in the README fails here.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderCatalogTable } from '../catalog/table';

test('the README lists every prop with the default the code documents', async () => {
  // GIVEN
  const { renderTables } = await import(path.join(__dirname, '..', 'scripts', 'props-table.mjs'));
  const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

  // WHEN
  const section = readme.split('<!-- props:start -->\n')[1]?.split('<!-- props:end -->')[0];

  // THEN
  expect(section).toBe(renderTables());
  expect(section).toContain('| `maxReceiveCount` | `number` | 5 |');
});

test('the README\'s provider catalog table is the one the catalog definitions render', () => {
  // GIVEN
  const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

  // WHEN
  const section = readme.split('<!-- catalog:start -->\n')[1]?.split('<!-- catalog:end -->')[0];

  // THEN
  expect(section).toBe(renderCatalogTable());
  expect(section).toContain('| `stripe` (Stripe) | `WebhookProvider.stripe` | `stripe-signature: t=..,v1=.. (any v1)` | `{timestamp}.{body}` | HMAC-SHA256 hex | 5 min;');
});

test('API.md is the one jsii-docgen renders from the assembly, and every member in it has a description', async () => {
  // GIVEN
  const { renderApiMarkdown } = await import(path.join(__dirname, '..', 'scripts', 'docgen.mjs'));
  const committed = readFileSync(path.join(__dirname, '..', 'API.md'), 'utf8');

  // WHEN
  const rendered: string = await renderApiMarkdown();

  // THEN
  if (rendered !== committed) {
    throw new Error('API.md is stale: regenerate it with `npm run docgen` (after `npm run compile`) and commit it.');
  }
  expect(rendered).not.toContain('No description');
  expect(rendered).toContain('verifierProvisionedConcurrency');
}, 300_000);
