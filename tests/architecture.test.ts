import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/gpsdecode.js';

const eslint = new ESLint({ cwd: repoRoot });

async function refusals(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return result!.messages.filter((m) => m.ruleId === 'layers/allowed-imports').map((m) => m.message);
}

describe('the architecture allow-list (eslint-layers.js)', () => {
  it('refuses edge -> cloud, cloud -> edge, simulators -> edge, protocols -> runtime', async () => {
    expect(
      await refusals(
        'edge/x.ts',
        "import { createCloud } from '../cloud/core.js';\nexport { createCloud };\n",
      ),
    ).toEqual([
      "edge/ may import from edge/, protocols/, runtime/ only, not cloud/ ('../cloud/core.js'): see eslint-layers.js",
    ]);
    expect(
      await refusals('cloud/fire/x.ts', "export { createEdge } from '../../edge/core.js';\n"),
    ).toHaveLength(1);
    expect(
      await refusals('simulators/x.ts', "export const load = () => import('../edge/core.js');\n"),
    ).toHaveLength(1);
    expect(await refusals('protocols/x.ts', "export * from '../runtime/logger.js';\n")).toHaveLength(1);
  });

  it('allows the listed arrows, packages, and test support in tests beside their sources', async () => {
    expect(
      await refusals(
        'edge/x.ts',
        "export { topics } from '../protocols/mqtt/topics.js';\nexport { pino } from 'pino';\n",
      ),
    ).toEqual([]);
    expect(
      await refusals(
        'cli/x.ts',
        "export { createCloud } from '../cloud/core.js';\nexport { createEdge } from '../edge/core.js';\n",
      ),
    ).toEqual([]);
    expect(
      await refusals('cloud/x.test.ts', "export { tempDir } from '../tests/support/cloud-fixtures.js';\n"),
    ).toEqual([]);
    expect(
      await refusals('cloud/x.ts', "export { tempDir } from '../tests/support/cloud-fixtures.js';\n"),
    ).toHaveLength(1);
  });

  it('refuses a top-level folder that is not in the list', async () => {
    expect(await refusals('tools/x.ts', 'export const a = 1;\n')).toEqual([
      'tools/ is not in the architecture allow-list (eslint-layers.js)',
    ]);
  });
});
