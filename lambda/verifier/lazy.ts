/**
 * `lazy-schemes`, loaded on first use. In the verifier bundle it is the file `lazy-schemes.js` beside it
 * (scripts/bundle.mjs keeps it out of `index.js`); anywhere else (the TypeScript sources, other bundles) it is the
 * module itself.
 *
 * The file carries its own copy of the pure helpers it uses, but not of `errors.ts`: the handler answers by error
 * class, so an error it throws must be an instance of this bundle's classes. Its `withErrors` takes them before each
 * use (one process may hold several bundles, as tests do; the file is loaded once); the checks it returns throw
 * nothing later.
 */
import * as errors from './errors';

type LazySchemes = typeof import('./lazy-schemes');
type LazyFile = LazySchemes & { withErrors?: (classes: typeof errors) => LazySchemes };

let file: LazyFile | undefined;

export function lazySchemes(): LazySchemes {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  file ??= require('./lazy-schemes') as LazyFile;
  return file.withErrors ? file.withErrors(errors) : file;
}
