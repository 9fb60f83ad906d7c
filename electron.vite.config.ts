// Builds apps/desktop: the Electron main process, the preload, and the React renderer (which is also the
// web version, served by the server from out/renderer). Paths are relative so both hosts load it.
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const desktop = resolve(import.meta.dirname, 'apps/desktop');

/**
 * The server an installed app talks to unless its server.json says otherwise: set it for a release build
 * (STRAT_COACH_BUILD_SERVER_URL=https://coach.example.com npm run dist). Unset: this machine's server.
 */
const buildServerUrl = process.env.STRAT_COACH_BUILD_SERVER_URL ?? 'http://127.0.0.1:3001';
if (!/^(https:\/\/|http:\/\/(127\.0\.0\.1|localhost)(:|\/|$))/.test(buildServerUrl)) {
  throw new Error(`STRAT_COACH_BUILD_SERVER_URL must be https (or http on loopback): ${buildServerUrl}`);
}

export default defineConfig({
  // ESM (the workspace is "type": "module"): out/main/index.js, which loads out/preload/index.cjs.
  main: {
    define: { __STRAT_COACH_BUILD_SERVER_URL__: JSON.stringify(buildServerUrl) },
    build: {
      outDir: 'out/main',
      rolldownOptions: { input: { index: resolve(desktop, 'src/main/index.ts') } },
    },
  },
  // Sandboxed preloads cannot be ES modules: one CommonJS file, electron external, shared code bundled in.
  preload: {
    build: {
      outDir: 'out/preload',
      rolldownOptions: {
        input: { index: resolve(desktop, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(desktop, 'src/renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(import.meta.dirname, 'out/renderer'),
      emptyOutDir: true,
      // The same bundle is the web version: minified, it loads in a third of the bytes.
      minify: true,
      rolldownOptions: { input: { index: resolve(desktop, 'src/renderer/index.html') } },
    },
  },
});
