#!/usr/bin/env node
// Entry point of the `lookout` command. It runs the JavaScript that `npm run build` (cli/build.mjs, part of
// `npm run setup`) transpiled to dist/, and never stale output: when a source is newer than the build it
// rebuilds first (~0.2 s, less than one start through tsx). LOOKOUT_FROM_SOURCES=1, a failed rebuild (a
// syntax error, a read-only checkout) or a missing esbuild run the sources through tsx's loader instead.
import { buildDist, distIsFresh } from './build.mjs';

async function rebuilt() {
  try {
    await buildDist();
    return true;
  } catch (error) {
    process.stderr.write(
      `lookout: could not rebuild dist/ (${String(error.message).split('\n')[0]}); running the sources through tsx\n`,
    );
    return false;
  }
}

if (process.env.LOOKOUT_FROM_SOURCES !== '1' && (distIsFresh() || (await rebuilt()))) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
