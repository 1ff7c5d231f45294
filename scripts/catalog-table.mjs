// Renders the README's provider catalog table from the definitions in catalog/providers.ts (compiled by jsii to
// catalog/*.js: run `npm run compile` first). `node scripts/catalog-table.mjs` prints it; `--write` updates
// README.md between the <!-- catalog:start --> and <!-- catalog:end --> markers. test/docs.test.ts fails when the
// README is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const { renderCatalogTable } = createRequire(import.meta.url)('../catalog/table.js');
const table = renderCatalogTable();
if (process.argv.includes('--write')) {
  const readme = readFileSync('README.md', 'utf8');
  if (!readme.includes('<!-- catalog:start -->')) throw new Error('README.md has no <!-- catalog:start --> marker');
  writeFileSync('README.md', readme.replace(/(<!-- catalog:start -->\n)[\s\S]*?(<!-- catalog:end -->)/, `$1${table}$2`));
} else {
  process.stdout.write(table);
}
