#!/usr/bin/env node
// `npm test`: type check, lint, format check (Prettier), then every vitest test (unit and integration, real components). Ends with
// one line `tests: N passed, M failed` read from vitest's JSON report.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (label, command, args) => {
  const t0 = Date.now();
  console.log(`\n== ${label}`);
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  console.log(
    `== ${label}: ${result.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  return result.status === 0;
};

const typecheckOk = run('type check', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
const lintOk = run('lint', bin('eslint'), ['.']);
const formatOk = run('format', bin('prettier'), ['--check', '--log-level=warn', '.']);

const reportDir = path.join(root, 'tests', '.tmp');
mkdirSync(reportDir, { recursive: true });
const report = path.join(reportDir, 'vitest-report.json');
const extra = process.argv.slice(2);
const testsOk = run('tests', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...extra,
]);

let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = json.numFailedTests ?? 0;
  // A file that fails to load (a missing import, an error at its top level) has no test results of its own.
  failed += (json.testResults ?? []).filter(
    (file) => file.status === 'failed' && (file.assertionResults ?? []).length === 0,
  ).length;
}
// Any other red run (vitest itself failing) must not read as green either.
if (!testsOk && failed === 0) failed = 1;
if (!typecheckOk) failed += 1;
if (!lintOk) failed += 1;
if (!formatOk) failed += 1;
console.log(
  `\ntype check: ${typecheckOk ? 'ok' : 'FAILED'}, lint: ${lintOk ? 'ok' : 'FAILED'}, format: ${formatOk ? 'ok' : 'FAILED (npm run format)'}`,
);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(typecheckOk && lintOk && formatOk && testsOk ? 0 : 1);
