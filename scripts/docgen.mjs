// API.md from the jsii assembly with jsii-docgen (10.x), as its CLI would write it (`jsii-docgen -o API.md`), with
// two differences that make it work here, and fast:
// - aws-cdk-lib's assembly uses the jsii feature "intersection-types", which jsii-reflect (1.142) reads but
//   jsii-docgen loads assemblies without declaring any supported feature: loadAssemblyFromFile is given the
//   features jsii-reflect supports.
// - The CLI looks for assemblies in every node_modules folder of the project (minutes here); this script gives it
//   a folder with only the assembly and its jsii dependencies (aws-cdk-lib, constructs).
//
// Usage: node scripts/docgen.mjs [output file, default API.md]. Needs the built .jsii (`npm run compile`).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'node_modules', 'jsii-docgen', 'package.json'));

/** Where a dependency is installed: hoisted, or inside aws-cdk-lib (its bundled dependencies). */
function packageDir(name) {
  for (const from of [join(root, 'package.json'), join(root, 'node_modules', 'aws-cdk-lib', 'package.json')]) {
    try {
      return dirname(createRequire(from).resolve(`${name}/package.json`));
    } catch {
      // next
    }
  }
  throw new Error(`Cannot find the jsii dependency ${name}: run npm ci.`);
}

/** Renders the API reference (markdown, TypeScript) of the built assembly. */
export async function renderApiMarkdown() {
  const features = require('jsii-reflect').JSII_REFLECT_SUPPORTED_ASSEMBLY_FEATURES;
  // jsii-docgen's copy of @jsii/spec and jsii-reflect's own (whose TypeSystem.load passes no features either).
  for (const from of [require, createRequire(require.resolve('jsii-reflect'))]) {
    const utils = from('@jsii/spec/lib/assembly-utils');
    const load = utils.loadAssemblyFromFile;
    utils.loadAssemblyFromFile = (file, validate, supported) => load(file, validate, supported ?? features);
  }
  const { Documentation, Language } = require('jsii-docgen');

  const dir = mkdtempSync(join(tmpdir(), 'docgen-'));
  try {
    const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const place = (from, name) => {
      const to = join(dir, 'node_modules', name);
      mkdirSync(to, { recursive: true });
      cpSync(join(from, '.jsii'), join(to, '.jsii'));
      cpSync(join(from, 'package.json'), join(to, 'package.json'));
    };
    place(root, own.name);
    const assembly = JSON.parse(readFileSync(join(root, '.jsii'), 'utf8'));
    for (const dep of Object.keys(assembly.dependencyClosure ?? assembly.dependencies ?? {})) {
      const depDir = packageDir(dep);
      place(depDir, dep);
      // aws-cdk-lib's assembly is compressed behind a redirect: copy the file it names too.
      const redirect = JSON.parse(readFileSync(join(depDir, '.jsii'), 'utf8'));
      if (redirect.filename) cpSync(join(depDir, redirect.filename), join(dir, 'node_modules', dep, redirect.filename));
    }
    const docs = await Documentation.forAssembly(own.name, dir);
    const markdown = await docs.toMarkdown({ language: Language.TYPESCRIPT, allSubmodules: true, readme: false });
    return markdown.render();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const output = process.argv[2] ?? join(root, 'API.md');
  writeFileSync(output, await renderApiMarkdown());
  console.log(`wrote ${output}`);
}
