import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, expandEnvironment, loadConfigSection } from './config.js';

const Section = Type.Object(
  {
    password: Type.String(),
    users: Type.Array(Type.Object({ name: Type.String(), secret: Type.String() }), { default: [] }),
    port: Type.Integer({ default: 1883 }),
  },
  { additionalProperties: false },
);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lookout-config-'));
});
afterEach(async () => {
  delete process.env.LOOKOUT_TEST_PASSWORD;
  delete process.env.LOOKOUT_TEST_SECRET;
  await rm(dir, { recursive: true, force: true });
});

async function configFile(text: string): Promise<string> {
  const file = path.join(dir, 'lookout.yaml');
  await writeFile(file, text);
  return file;
}

describe('environment variables in the config', () => {
  it('replaces ${NAME} in strings of the section, nested in arrays and objects, and keeps $${ literal', async () => {
    process.env.LOOKOUT_TEST_PASSWORD = 'from-env';
    process.env.LOOKOUT_TEST_SECRET = 's3';
    const file = await configFile(
      'cloud:\n  password: "${LOOKOUT_TEST_PASSWORD}"\n  users:\n    - { name: a, secret: "x-${LOOKOUT_TEST_SECRET}-$${NOT_EXPANDED}" }\n',
    );
    expect(await loadConfigSection(file, 'cloud', Section)).toEqual({
      password: 'from-env',
      users: [{ name: 'a', secret: 'x-s3-${NOT_EXPANDED}' }],
      port: 1883,
    });
  });

  it('an unset variable is an error naming the path and the variable; other sections are not expanded', async () => {
    const file = await configFile(
      'cloud:\n  password: "${LOOKOUT_TEST_PASSWORD}"\n  users:\n    - { name: a, secret: "${LOOKOUT_TEST_SECRET}" }\nedge:\n  password: "${LOOKOUT_UNSET_EDGE}"\n',
    );
    const error = await loadConfigSection(file, 'cloud', Section).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      '/cloud/password: environment variable LOOKOUT_TEST_PASSWORD is not set',
      '/cloud/users/0/secret: environment variable LOOKOUT_TEST_SECRET is not set',
    ]);
    expect((error as Error).message).toContain(file);
  });

  it('leaves numbers, booleans and strings without references as they are', () => {
    const problems: string[] = [];
    expect(expandEnvironment({ a: 1, b: true, c: null, d: 'plain $ text {x}' }, '/s', {}, problems)).toEqual({
      a: 1,
      b: true,
      c: null,
      d: 'plain $ text {x}',
    });
    expect(problems).toEqual([]);
  });
});
