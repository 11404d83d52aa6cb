import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export interface CompiledSchema<T> {
  /** True when the value already matches (no defaults applied). */
  check(value: unknown): value is T;
  /** Applies the schema's defaults to a copy, then checks; errors name the JSON path. */
  parseValue(value: unknown, pathPrefix?: string): ParseResult<T>;
  /** Parses JSON text or bytes (an MQTT payload, a request body), then `parseValue`. */
  parseJson(payload: string | Uint8Array, pathPrefix?: string): ParseResult<T>;
}

const MAX_REPORTED_ERRORS = 5;
const cache = new WeakMap<TSchema, CompiledSchema<unknown>>();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * One schema gives the type and the validation: every payload that crosses a process boundary
 * goes through here.
 */
export function compileSchema<S extends TSchema>(schema: S): CompiledSchema<Static<S>> {
  const cached = cache.get(schema);
  if (cached) return cached as CompiledSchema<Static<S>>;
  const compiled = TypeCompiler.Compile(schema);
  const hasDefaults = JSON.stringify(schema).includes('"default"');

  const errorsOf = (value: unknown, prefix: string): string[] => {
    const errors: string[] = [];
    for (const error of compiled.Errors(value)) {
      errors.push(`${prefix}${error.path || '/'}: ${error.message}`);
      if (errors.length >= MAX_REPORTED_ERRORS) break;
    }
    return errors;
  };

  const parseValue = (value: unknown, prefix = ''): ParseResult<Static<S>> => {
    const candidate = hasDefaults ? Value.Default(schema, structuredClone(value)) : value;
    if (compiled.Check(candidate)) return { ok: true, value: candidate };
    return { ok: false, errors: errorsOf(candidate, prefix) };
  };

  const result: CompiledSchema<Static<S>> = {
    check: (value): value is Static<S> => compiled.Check(value),
    parseValue,
    parseJson(payload, prefix = '') {
      let value: unknown;
      try {
        value = JSON.parse(typeof payload === 'string' ? payload : decoder.decode(payload));
      } catch (error) {
        return { ok: false, errors: [`${prefix || '/'}: invalid JSON: ${(error as Error).message}`] };
      }
      return parseValue(value, prefix);
    },
  };
  cache.set(schema, result as CompiledSchema<unknown>);
  return result;
}
