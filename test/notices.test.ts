/**
 * Third-party notices of the shipped bundles (issue #14): every npm package esbuild put into a shipped file under
 * assets/, dist/runtime/ or dist/testing/ is listed in that folder's THIRD-PARTY-NOTICES.md with its version, its
 * license and the text of its license files; every such license is one of an allowed set; and the notices are in
 * the npm package. What went into each bundle is read from esbuild's own metafiles (kept by scripts/bundle.mjs in
 * dist/bundle-meta/, not shipped), with a parser of its own here. These tests read the built package
 * (`npm run bundle` first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const FOLDERS = ['assets', 'dist/runtime', 'dist/testing'];
const ALLOWED = new Set(['MIT', 'MIT-0', 'ISC', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', '0BSD', 'BlueOak-1.0.0', 'CC0-1.0', 'Unlicense']);

interface Metafile {
  readonly outputs: Record<string, { readonly inputs: Record<string, unknown> }>;
}
interface Bundled {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  readonly dir: string;
}

const metafiles: Metafile[] = JSON.parse(readFileSync(path.join(root, 'dist', 'bundle-meta', 'metafiles.json'), 'utf8'));
const notices = new Map(FOLDERS.map((folder) => [folder, readFileSync(path.join(root, folder, 'THIRD-PARTY-NOTICES.md'), 'utf8')]));

/** Every JavaScript file shipped under a folder (declarations and the example processor, which is not shipped, aside). */
function shippedCode(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir))) {
      const rel = `${dir}/${entry}`;
      if (statSync(path.join(root, rel)).isDirectory()) {
        if (rel !== 'assets/example-processor' && !/^dist\/\w+\/types$/.test(rel)) walk(rel);
      } else if (/\.(c|m)?js$/.test(entry)) out.push(rel);
    }
  };
  walk(folder);
  return out.sort();
}

/** The package an input path of a metafile is in: the last `node_modules/<name>` or `node_modules/@scope/<name>`. */
function packageOf(input: string): Bundled | undefined {
  const matches = [...input.matchAll(/(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  const last = matches.at(-1);
  if (!last) return undefined;
  const dir = path.join(root, input.slice(0, last.index! + last[0].length));
  if (!existsSync(path.join(dir, 'package.json'))) return undefined;
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const license = typeof manifest.license === 'object' ? manifest.license?.type : manifest.license;
  return { name: manifest.name, version: manifest.version, license: String(license ?? manifest.licenses?.map((l: { type: string }) => l.type).join(' OR ')), dir };
}

/** Each shipped bundle with the packages in it. */
function bundled(): Map<string, Bundled[] | undefined> {
  const result = new Map<string, Bundled[] | undefined>();
  for (const folder of FOLDERS) {
    for (const file of shippedCode(folder)) {
      const metafile = metafiles.find((m) => m.outputs[file]);
      const packages = metafile ? Object.keys(metafile.outputs[file].inputs).map(packageOf).filter((p): p is Bundled => p !== undefined) : undefined;
      result.set(file, packages && [...new Map(packages.map((p) => [`${p.name}@${p.version}`, p])).values()]);
    }
  }
  return result;
}

/** The packages of `packages` that `text` does not list (a `### name@version` section naming the bundle). */
function missingFrom(text: string, bundle: string, packages: Bundled[]): string[] {
  return packages
    .filter((p) => {
      const section = text.split(/^### /m).find((s) => s.startsWith(`${p.name}@${p.version}\n`));
      return !section || !section.includes(`\`${bundle}\``) || !section.includes(`License: ${p.license}`);
    })
    .map((p) => `${p.name}@${p.version}`);
}

function licenseAllowed(expression: string): boolean {
  return expression.replace(/[()]/g, ' ').trim().split(/\s+OR\s+/).some((alternative) => alternative.split(/\s+AND\s+/).every((id) => ALLOWED.has(id.trim())));
}

const folderOf = (file: string) => FOLDERS.find((folder) => file.startsWith(`${folder}/`))!;
const all = bundled();

describe('third-party notices', () => {
  test('every shipped bundle was made by esbuild with a metafile (a bundle added without one would escape the notices)', () => {
    const uncovered = [...all.entries()].filter(([, packages]) => packages === undefined).map(([file]) => file);
    expect(uncovered).toEqual([]);
    // The bundles that carry third-party code are among them.
    expect([...all.keys()]).toEqual(expect.arrayContaining(['assets/verifier/index.js', 'assets/cli/index.js', 'assets/cli/stand-ins.mjs', 'dist/testing/index.js']));
    expect(all.get('assets/cli/stand-ins.mjs')!.map((p) => p.name)).toEqual(expect.arrayContaining(['dynalite', 'fauxqs']));
  });

  test('every package bundled into a shipped file is in its folder\'s notices, with its version, license and that file', () => {
    const offenders: string[] = [];
    for (const [file, packages] of all) {
      const folder = folderOf(file);
      for (const name of missingFrom(notices.get(folder)!, file.slice(folder.length + 1), packages ?? [])) offenders.push(`${file}: ${name} missing from ${folder}/THIRD-PARTY-NOTICES.md`);
    }
    if (offenders.length > 0) console.log(`Bundled packages missing from the notices:\n${offenders.join('\n')}`);
    expect(offenders).toEqual([]);
  });

  test('the check above fails for notices that leave a package out', () => {
    const [file, packages] = [...all.entries()].find(([f]) => f === 'assets/cli/stand-ins.mjs')!;
    const text = notices.get('assets')!;
    const without = text.replace(/^### dynalite@[\s\S]*?(?=^### )/m, '');
    expect(without.length).toBeLessThan(text.length);
    expect(missingFrom(without, file.slice('assets/'.length), packages!)).toEqual([expect.stringMatching(/^dynalite@/)]);
  });

  test('every bundled package\'s license is one of the allowed set', () => {
    const offenders = [...new Map([...all.values()].flatMap((packages) => packages ?? []).map((p) => [`${p.name}@${p.version}`, p])).values()]
      .filter((p) => !licenseAllowed(p.license))
      .map((p) => `${p.name}@${p.version}: ${p.license}`);
    if (offenders.length > 0) console.log(`Bundled packages under a license not allowed:\n${offenders.join('\n')}`);
    expect(offenders).toEqual([]);
    expect(licenseAllowed('(MIT OR GPL-3.0)')).toBe(true);
    expect(licenseAllowed('GPL-3.0')).toBe(false);
    expect(licenseAllowed('MIT AND GPL-2.0')).toBe(false);
  });

  test('the notices hold the text of each bundled package\'s license and NOTICE files', () => {
    const offenders: string[] = [];
    for (const [file, packages] of all) {
      const text = notices.get(folderOf(file))!;
      for (const p of packages ?? []) {
        for (const entry of readdirSync(p.dir).filter((f) => /^(LICEN[CS]E|COPYING|NOTICE)([.-].*)?$/i.test(f) && !/\.(js|ts|json)$/i.test(f))) {
          const body = readFileSync(path.join(p.dir, entry), 'utf8').replace(/\r\n/g, '\n').trim();
          if (!text.includes(body)) offenders.push(`${p.name}@${p.version} ${entry}`);
        }
      }
    }
    expect([...new Set(offenders)]).toEqual([]);
  });

  test('the npm package holds the notices', () => {
    const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const files = (JSON.parse(result.stdout)[0].files as Array<{ path: string }>).map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(FOLDERS.map((folder) => `${folder}/THIRD-PARTY-NOTICES.md`)));
  });
});
