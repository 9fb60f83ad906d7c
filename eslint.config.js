// Lint: typescript-eslint (type-aware), and the import table of ARCHITECTURE.md enforced per folder.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const noDeepRelative = { group: ['../../../*'], message: 'Cross-package imports go through workspace names.' };

/** One `no-restricted-imports` rule per folder: who may import whom. */
const restrict = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [noDeepRelative, ...patterns] }] },
});

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/out/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Fastify plugins and handlers are async by contract, whether or not they await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  // Tests read untyped JSON bodies and use asymmetric matchers (expect.any), which are typed `any`.
  {
    files: ['**/test/**', 'e2e/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  // The contract is shared with the desktop app: it may import typebox only.
  restrict(
    ['server/src/contract/**'],
    [
      {
        group: ['../*', 'node:*', 'fastify*', '@fastify/*', 'pg', 'ioredis', 'jose'],
        message: 'The contract imports typebox only.',
      },
    ],
  ),
  // Desktop: know a file's process from its folder, and keep imports flowing one way.
  restrict(
    ['apps/desktop/src/renderer/**'],
    [
      {
        group: ['electron', 'electron/*', 'node:*'],
        message: 'The renderer runs in a sandboxed page: no Electron, no Node.',
      },
      {
        group: ['**/main/**', '**/preload/**'],
        message: 'The renderer reaches main only through window.coach (src/host).',
      },
      { regex: '^@strat-coach/server(?!/contract$)', message: 'Only @strat-coach/server/contract.' },
    ],
  ),
  restrict(
    ['apps/desktop/src/shared/**'],
    [
      {
        group: ['electron', 'electron/*', 'node:*', 'react', 'react-*', 'zustand'],
        message: 'shared runs in main AND renderer: pure code only.',
      },
      { group: ['**/main/**', '**/preload/**', '**/renderer/**'], message: 'shared imports nothing of the processes.' },
      { regex: '^@strat-coach/server(?!/contract$)', message: 'Only @strat-coach/server/contract.' },
    ],
  ),
  restrict(
    ['apps/desktop/src/main/**'],
    [
      {
        group: ['react', 'react-*', 'zustand', '**/renderer/**', '**/preload/**'],
        message: 'main never imports React or the renderer.',
      },
      { regex: '^@strat-coach/server(?!/contract$)', message: 'Only @strat-coach/server/contract.' },
    ],
  ),
  restrict(
    ['apps/desktop/src/preload/**'],
    [
      {
        group: ['react', 'react-*', 'zustand', '**/renderer/**', '**/main/**', 'node:*'],
        message: 'preload: contextBridge and shared types only.',
      },
      { regex: '^@strat-coach/server(?!/contract$)', message: 'Only @strat-coach/server/contract.' },
    ],
  ),
  { files: ['apps/desktop/src/renderer/**'], languageOptions: { globals: { ...globals.browser } } },
  // The server never imports the desktop app.
  restrict(
    ['server/**'],
    [
      {
        group: ['@strat-coach/desktop*', '**/apps/desktop/**'],
        message: 'The server does not import the desktop app.',
      },
    ],
  ),
);
