import { readFile } from 'node:fs/promises';
import type { Static, TSchema } from '@sinclair/typebox';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { compileSchema } from '../protocols/validation.js';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads a YAML (or JSON) config file; a syntax error names the line and column. */
export async function readConfigDocument(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError(file, [`cannot read file: ${error.code ?? error.message}`]);
  });
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0];
      throw new ConfigError(file, [
        `line ${where?.line ?? '?'} column ${where?.col ?? '?'}: ${error.message}`,
      ]);
    }
    throw error;
  }
}

/**
 * Validates one section of the config document (e.g. `cloud`, `edge`) with the section's schema, applying
 * the schema's defaults. Each problem names the path inside the file, e.g. `/edge/ais/udpPort: Expected integer`.
 */
export function validateConfigSection<S extends TSchema>(
  file: string,
  document: unknown,
  section: string,
  schema: S,
): Static<S> {
  const problems: string[] = [];
  const raw = expandEnvironment(
    (document as Record<string, unknown> | null)?.[section] ?? {},
    `/${section}`,
    process.env,
    problems,
  );
  if (problems.length > 0) throw new ConfigError(file, problems);
  const result = compileSchema(schema).parseValue(raw, `/${section}`);
  if (!result.ok) throw new ConfigError(file, result.errors);
  return result.value;
}

const ENV_REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * `${NAME}` inside any string value is replaced by the environment variable NAME, so that secrets (passwords,
 * key paths) can stay out of the file; `$${` is a literal `${`. An unset variable is a problem naming its path.
 * Only the section being validated is expanded: the cloud does not need the edge's variables.
 */
export function expandEnvironment(
  value: unknown,
  where: string,
  env: NodeJS.ProcessEnv,
  problems: string[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REFERENCE, (match, name: string | undefined) => {
      if (name === undefined) return '${';
      const found = env[name];
      if (found === undefined) {
        problems.push(`${where}: environment variable ${name} is not set`);
        return match;
      }
      return found;
    });
  }
  if (Array.isArray(value))
    return value.map((item, index) => expandEnvironment(item, `${where}/${index}`, env, problems));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        expandEnvironment(item, `${where}/${key}`, env, problems),
      ]),
    );
  }
  return value;
}

export async function loadConfigSection<S extends TSchema>(
  file: string,
  section: string,
  schema: S,
): Promise<Static<S>> {
  return validateConfigSection(file, await readConfigDocument(file), section, schema);
}
