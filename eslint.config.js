import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.lookout/', 'tests/.tmp/', 'models/**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  // The web dashboard's browser modules, served as they are (no build step).
  {
    files: ['cloud/dashboard/public/**/*.js'],
    languageOptions: {
      globals: { document: 'readonly', window: 'readonly', Notification: 'readonly', AudioContext: 'readonly', Node: 'readonly', ResizeObserver: 'readonly', requestAnimationFrame: 'readonly', localStorage: 'readonly', fetch: 'readonly', AbortSignal: 'readonly', TextDecoder: 'readonly' },
    },
  },
  // Architecture: edge and cloud never import each other; simulators speak only the public protocols.
  {
    files: ['edge/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/cloud/**', '**/simulators/**'], message: 'edge/ depends on protocols/ and runtime/ only' }] }] },
  },
  {
    files: ['cloud/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/edge/**', '**/simulators/**'], message: 'cloud/ depends on protocols/ and runtime/ only' }] }] },
  },
  {
    files: ['simulators/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/edge/**', '**/cloud/**'], message: 'simulators/ speak only the public protocols' }] }] },
  },
  {
    files: ['protocols/**/*.ts', 'runtime/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/edge/**', '**/cloud/**', '**/simulators/**'], message: 'protocols/ and runtime/ are shared foundations' }] }] },
  },
);
