// Lint: typescript-eslint (type-aware), and the import table of docs/ARCHITECTURE.md enforced per folder.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const noDeepRelative = { group: ['../../../*'], message: 'Cross-package imports go through workspace names.' };

/**
 * One `no-restricted-imports` rule per folder: who may import whom. In a flat config a later block's rule
 * REPLACES an earlier one's for the files both match, so a folder inside another (server/src/contract in
 * server) must come after it and repeat its parent's patterns: each block below lists everything that holds
 * for its files. apps/desktop/test/lint-rules.test.ts feeds every rule a violating import.
 */
const restrict = (files, patterns, ignores = []) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { patterns: [noDeepRelative, ...patterns] }] },
});

// Server: a one-way stack, routes -> plugins -> services -> db -> config -> contract, never upward.
// errors.ts (AppError over the contract's codes) is for the layers that answer HTTP: routes, plugins, services.
const serverPatterns = [
  { group: ['@strat-coach/desktop*', '**/apps/desktop/**'], message: 'The server does not import the desktop app.' },
];
/** Relative imports of these top-level server/src entries (folders, or app.ts / server.ts / errors.ts). */
const serverEntries = (names, message) => ({ regex: `^(\\.\\./)+(${names.join('|')})(/|\\.js$|$)`, message });
const layerRule = (layer, above, message) =>
  restrict([`server/src/${layer}/**`], [...serverPatterns, serverEntries(above, message)]);

// Desktop: know a file's process from its folder, and keep imports flowing one way.
const onlyContract = { regex: '^@strat-coach/server(?!/contract$)', message: 'Only @strat-coach/server/contract.' };
const rendererPatterns = [
  {
    group: ['electron', 'electron/*', 'node:*'],
    message: 'The renderer runs in a sandboxed page: no Electron, no Node.',
  },
  {
    group: ['**/main/**', '**/preload/**'],
    message: 'The renderer reaches main only through window.coach (src/host).',
  },
  onlyContract,
];
const mainPatterns = [
  {
    group: ['react', 'react-*', 'zustand', '**/renderer/**', '**/preload/**'],
    message: 'main never imports React or the renderer.',
  },
  onlyContract,
];

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
  // Server, general first: the more specific blocks after it repeat serverPatterns.
  restrict(['server/**'], serverPatterns),
  layerRule('routes', ['app', 'server'], 'routes are registered by app.ts: they never import it.'),
  layerRule('plugins', ['routes', 'app', 'server'], 'plugins sit below routes: they never import a route or the app.'),
  layerRule(
    'services',
    ['routes', 'plugins', 'app', 'server'],
    'services sit below plugins and routes: a service never imports them or the app.',
  ),
  layerRule(
    'db',
    ['routes', 'plugins', 'services', 'errors', 'app', 'server'],
    'db sits below services and speaks no HTTP: it imports config and the contract only.',
  ),
  layerRule(
    'config',
    ['routes', 'plugins', 'services', 'db', 'errors', 'app', 'server'],
    'config sits just above the contract: it imports the contract only.',
  ),
  // The chart reader stands beside the stack (services use it): it imports nothing of the server.
  layerRule(
    'chart-reader',
    ['routes', 'plugins', 'services', 'db', 'config', 'errors', 'contract', 'app', 'server'],
    'chart-reader is pure: it imports nothing of the server (services import it).',
  ),
  restrict(
    ['server/src/errors.ts'],
    [
      ...serverPatterns,
      {
        regex: '^\\./(routes|plugins|services|db|config|app|server)(/|\\.js$|$)',
        message: 'errors.ts sits on the contract: it imports the contract only.',
      },
    ],
  ),
  // The contract is shared with the desktop app: typebox and its own files, nothing else.
  restrict(
    ['server/src/contract/**'],
    [...serverPatterns, { regex: '^(?!typebox(/|$)|\\./)', message: 'The contract imports typebox only.' }],
  ),
  // Desktop.
  restrict(['apps/desktop/src/renderer/**'], rendererPatterns),
  // Components reach the host through the stores, so a screen can be rendered over any store state.
  restrict(
    ['apps/desktop/src/renderer/src/ui/**'],
    [
      ...rendererPatterns,
      { regex: '^\\.\\.?/(.+/)?host(/|$)', message: 'ui/ never imports the host: call a store action instead.' },
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
      onlyContract,
    ],
  ),
  restrict(['apps/desktop/src/main/**'], mainPatterns),
  // Every IPC handler goes through the router's channel, frame and origin checks.
  restrict(
    ['apps/desktop/src/main/**'],
    [
      ...mainPatterns,
      {
        group: ['electron'],
        importNames: ['ipcMain'],
        message: 'ipcMain only in ipc-router-electron.ts: register handlers through the IPC router.',
      },
    ],
    ['apps/desktop/src/main/ipc-router-electron.ts'],
  ),
  restrict(
    ['apps/desktop/src/preload/**'],
    [
      {
        group: ['react', 'react-*', 'zustand', '**/renderer/**', '**/main/**', 'node:*'],
        message: 'preload: contextBridge and shared types only.',
      },
      onlyContract,
    ],
  ),
  { files: ['apps/desktop/src/renderer/**'], languageOptions: { globals: { ...globals.browser } } },
);
