// The project's architecture, checked by eslint: which top-level folder may import from which. Anything not
// listed is refused, so a new folder or a new arrow is a decision made here, in one place.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

/** Folder -> folders its modules may import (its own included). */
export const allowedImports = {
  protocols: ['protocols'],
  runtime: ['runtime', 'protocols'],
  edge: ['edge', 'protocols', 'runtime'],
  cloud: ['cloud', 'protocols', 'runtime'],
  simulators: ['simulators', 'protocols', 'runtime'],
  models: ['models', 'edge', 'protocols', 'runtime'],
  // cli/lookout.js starts the build of the sources (dist/, cli/build.mjs).
  cli: ['cli', 'dist', 'edge', 'cloud', 'simulators', 'models', 'protocols', 'runtime'],
  tests: ['tests', 'cli', 'edge', 'cloud', 'simulators', 'models', 'protocols', 'runtime'],
};

/** A test beside its source, or a benchmark, may also use the shared test support (generators, fixtures). */
const testFileExtra = ['tests'];
const usesTestSupport = (file) => /\.test\.ts$/.test(file) || file.split(path.sep).includes('bench');

const layerOf = (file) => path.relative(root, file).split(path.sep)[0];

const allowedImportsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports follow the architecture allow-list in eslint-layers.js' },
    schema: [],
    messages: {
      refused:
        "{{from}}/ may import from {{allowed}} only, not {{to}}/ ('{{specifier}}'): see eslint-layers.js",
      unknownLayer: '{{from}}/ is not in the architecture allow-list (eslint-layers.js)',
    },
  },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    if (!from || from.startsWith('..') || !path.relative(root, file).includes(path.sep)) return {};
    const allowed = allowedImports[from];
    if (!allowed) {
      return { Program: (node) => context.report({ node, messageId: 'unknownLayer', data: { from } }) };
    }
    const permitted = usesTestSupport(file) ? [...allowed, ...testFileExtra] : allowed;
    const check = (node, source) => {
      if (
        !source ||
        source.type !== 'Literal' ||
        typeof source.value !== 'string' ||
        !source.value.startsWith('.')
      )
        return;
      const to = layerOf(path.resolve(path.dirname(file), source.value));
      if (permitted.includes(to)) return;
      context.report({
        node: source,
        messageId: 'refused',
        data: { from, to, allowed: permitted.map((l) => `${l}/`).join(', '), specifier: source.value },
      });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
    };
  },
};

export const layersPlugin = { rules: { 'allowed-imports': allowedImportsRule } };
