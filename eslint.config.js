// ESLint flat config. The import-boundary rules are the point: main/core and main/shared run in
// plain Node (and main/shared in the renderer), so they may only `import type` from electron;
// the renderer talks to the core through the IPC/HTTP contract in main/shared, never directly.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const electronOnlyTypes = {
  name: 'electron',
  allowTypeImports: true,
  message: 'main/core and main/shared run in plain Node: use `import type` from electron, and put Electron glue in main/app.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'bench/work/**', 'test/.tmp/**', 'release/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Enums are not erasable syntax; use a union of string literals.' }],
    },
  },
  {
    files: ['main/core/**/*.ts', 'main/shared/**/*.ts', 'main/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [electronOnlyTypes], patterns: [{ group: ['**/main/app/**', '**/app/*'], message: 'core never depends on the Electron glue.' }] }],
      'no-restricted-modules': ['error', { paths: ['electron'] }],
      // The first fetch() keeps undici's dispatcher and web streams resident (~12 MB of `portico serve`).
      'no-restricted-globals': ['error', { name: 'fetch', message: 'Use httpText (main/core/support/http-text.ts): fetch() loads undici, ~12 MB a long-running service keeps (docs/bench.md).' }],
    },
  },
  {
    // The features are the leaves: the composition (service/) and the stored state (state/) use
    // them, never the other way round.
    files: ['main/core/{proxy,certs,plex,network,dns,ui,support}/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [electronOnlyTypes],
        patterns: [
          { group: ['**/main/app/**', '**/app/*'], message: 'core never depends on the Electron glue.' },
          { group: ['**/service/*', '**/state/*'], message: 'Features never import the composition (core/service) or the stored state (core/state): pass what they need in.' },
        ],
      }],
    },
  },
  {
    files: ['main/shared/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [electronOnlyTypes],
        patterns: [{ group: ['node:*', '**/core/**'], message: 'main/shared is pure (no I/O) and runs in the renderer too.' }],
      }],
    },
  },
  {
    files: ['renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'The renderer is sandboxed: use the preload API (window.portico).' }],
        patterns: [{ group: ['**/main/core/**', '**/main/app/**', 'node:*'], message: 'The renderer reaches the core only through the contract in main/shared.' }],
      }],
    },
  },
);
