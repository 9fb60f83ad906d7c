// Playwright, web suite: the renderer in Debian's Chromium (no browser download here), through the web host,
// against real servers with the fake Anthropic upstream (e2e/support/serve.ts). e2e/electron has its own config.
import { defineConfig } from '@playwright/test';
import { controlPort } from './e2e/support/control-api';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'e2e/web',
  // Not the bare test-results/: Playwright empties its outputDir, and the Electron suite and the screenshots
  // (test-results/screenshots/) live beside it.
  outputDir: 'test-results/web',
  forbidOnly: true,
  // On CI a failure gets one retry, recorded with a trace, to tell a flake from a bug.
  retries: process.env.CI ? 1 : 0,
  // Each worker has its own server; two workers suit the two-core machines this runs on.
  workers: 2,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS },
    // The size of the desktop app's compact coach window.
    viewport: { width: 520, height: 760 },
    locale: 'en-US',
    trace: 'on-first-retry',
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: 'node node_modules/electron-vite/bin/electron-vite.js build && npx tsx e2e/support/serve.ts',
    url: `http://127.0.0.1:${controlPort()}/health`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
  },
});
