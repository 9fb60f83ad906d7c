// Playwright config of the Electron suite (separate from the browser suite's root config): the built app
// (out/) launched with _electron, one test at a time. Specs skip, saying why, where no Electron binary exists.
// Build first: node node_modules/electron-vite/bin/electron-vite.js build
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/electron',
  // One Electron at a time: the global shortcut and the single-instance lock are per machine.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  // On CI a failure gets one retry, recorded with a trace, to tell a flake from a bug.
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  use: { screenshot: 'only-on-failure', trace: 'on-first-retry' },
});
