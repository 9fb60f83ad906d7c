// Builds apps/desktop: the Electron main process, the preload, and the React renderer (which is also the
// web version, served by the server from out/renderer). Paths are relative so both hosts load it.
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const desktop = resolve(import.meta.dirname, 'apps/desktop');

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(desktop, 'src/main/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve(desktop, 'src/preload/index.ts') } },
    },
  },
  renderer: {
    root: resolve(desktop, 'src/renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(import.meta.dirname, 'out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: { index: resolve(desktop, 'src/renderer/index.html') } },
    },
  },
});
