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
