// The web suite's fixtures: one real server per worker (starting one takes seconds), a fresh user and a
// reset fake upstream for every test, the app's page object, and dedicated servers for tests that stop
// theirs or need one without an API key.
import { expect, test as base } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../playwright.config';
import { startServer, type ServerHandle } from '../support/control';
import type { StartServerRequest } from '../support/control-api';
import { CoachPage } from './pages/coach-page';

interface TestFixtures {
  /** Fails the test on an uncaught error in the page or a Content-Security-Policy violation. */
  pageHealth: void;
  /** This worker's server, with a fresh user and fake for this test. */
  server: ServerHandle;
  coach: CoachPage;
  /** A server of the test's own (closed after it, if the test did not close it). */
  startServer: (options?: StartServerRequest) => Promise<ServerHandle>;
}

interface WorkerFixtures {
  workerServer: ServerHandle;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  workerServer: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads fixture dependencies from this pattern.
    async ({}, use) => {
      const server = await startServer();
      await use(server);
      await server.close();
    },
    { scope: 'worker', timeout: 90_000 },
  ],

  server: async ({ workerServer }, use) => {
    await workerServer.freshUser();
    await use(workerServer);
  },

  baseURL: async ({ server }, use) => {
    await use(server.url);
  },

  pageHealth: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // A violation reads "Refused to load/apply/execute … because it violates … Content Security Policy".
        if (/Refused to .*Content Security Policy/is.test(message.text())) {
          problems.push(`CSP: ${message.text()}`);
        }
      });
      await use();
      expect(problems).toEqual([]);
    },
    { auto: true },
  ],

  coach: async ({ page }, use) => {
    await use(new CoachPage(page));
  },

  // eslint-disable-next-line no-empty-pattern -- Playwright reads fixture dependencies from this pattern.
  startServer: async ({}, use) => {
    const started: ServerHandle[] = [];
    await use(async (options) => {
      const server = await startServer(options);
      started.push(server);
      return server;
    });
    // A test that stopped its server on purpose already closed it.
    await Promise.allSettled(started.map((server) => server.close()));
  },
});

export { expect };

/** `test.use(FAKE_SCREEN)`: Chromium's fake capture device stands in for a screen, picked without a dialog. */
export const FAKE_SCREEN = {
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
  },
};
