#!/usr/bin/env node
// `npm run build` (run by `bash .ci/install`): transpiles the TypeScript sources to dist/ with esbuild, one
// file per source (same tree, same imports: `./x.js` finds dist/.../x.js), so `lookout` starts on plain
// JavaScript instead of loading tsx and transforming on every start. Types are not checked here (tsc
// --noEmit does that); the output is what tsx would run. `cli/lookout.js` runs dist/ only while
// `distIsFresh()`: every source it was built from is older than the build.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
const MANIFEST = path.join(DIST, 'build-manifest.json');
const SOURCE_DIRS = ['cli', 'runtime', 'protocols', 'edge', 'cloud', 'simulators', 'models'];
/** Inputs that change the output without being transpiled themselves. */
const BUILD_INPUTS = ['tsconfig.json', 'cli/build.mjs'];

function listSources(dir) {
  const sources = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) sources.push(...listSources(relative));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts'))
      sources.push(relative);
  }
  return sources;
}

/** True when dist/ holds a complete build and no source it was built from changed since. */
export function distIsFresh() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return false;
  }
  for (const file of [...manifest.sources, ...BUILD_INPUTS]) {
    const stats = statSync(path.join(ROOT, file), { throwIfNoEntry: false });
    if (stats === undefined || stats.mtimeMs >= manifest.startedAtMs) return false;
  }
  return true;
}

/**
 * `import.meta.url` in a dist file means its source: files are found next to the sources (cloud/dashboard's
 * public/, simulators' camera.py, the repository root), wherever the checkout is.
 */
function pointImportMetaAtSource(code, source, output) {
  if (!code.includes('import.meta.')) return code;
  const relative = path.relative(path.dirname(output), path.join(ROOT, source)).split(path.sep).join('/');
  const body = code
    .replaceAll('import.meta.url', '__lookoutSourceUrl()')
    .replaceAll('import.meta.filename', '__lookoutSourceFile()')
    .replaceAll('import.meta.dirname', '__lookoutSourceDir()');
  // Appended, not prepended, so the source map's lines stay right; function declarations are hoisted.
  return (
    `${body}import { fileURLToPath as __lookoutFileURLToPath } from 'node:url';\n` +
    `function __lookoutSourceUrl() { return new URL(${JSON.stringify(relative)}, import.meta.url).href; }\n` +
    `function __lookoutSourceFile() { return __lookoutFileURLToPath(__lookoutSourceUrl()); }\n` +
    `function __lookoutSourceDir() { return __lookoutFileURLToPath(new URL('.', __lookoutSourceUrl())); }\n`
  );
}

/** Writes through a temporary file so that a `lookout` starting meanwhile never reads half a file. */
function writeAtomically(file, text) {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

export async function buildDist() {
  const startedAtMs = Date.now();
  const { transform } = await import('esbuild');
  const { compilerOptions } = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'));
  rmSync(MANIFEST, { force: true });
  const sources = SOURCE_DIRS.flatMap(listSources).sort();
  await Promise.all(
    sources.map(async (source) => {
      const output = path.join(DIST, source.replace(/\.ts$/, '.js'));
      const result = await transform(readFileSync(path.join(ROOT, source), 'utf8'), {
        loader: 'ts',
        format: 'esm',
        target: 'node20',
        sourcemap: 'external',
        sourcefile: pathToFileURL(path.join(ROOT, source)).href,
        tsconfigRaw: { compilerOptions },
      });
      writeAtomically(
        output,
        `${pointImportMetaAtSource(result.code, source, output)}//# sourceMappingURL=${path.basename(output)}.map\n`,
      );
      writeAtomically(`${output}.map`, result.map);
    }),
  );
  writeAtomically(MANIFEST, `${JSON.stringify({ startedAtMs, sources }, null, 1)}\n`);
  return { sources: sources.length, ms: Date.now() - startedAtMs };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { sources, ms } = await buildDist();
  console.log(`build: ${sources} TypeScript files -> dist/ in ${ms} ms`);
}
