// Fixtures of the Electron suite: the real server (embedded mode, fake Anthropic upstream), the built app
// launched with Playwright's _electron against it, and a stand-in for the system browser at sign-in.
// Where no Electron binary exists (these machines cannot download it) every spec skips and says why.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron as electron, test as base, expect, type ElectronApplication, type Page } from '@playwright/test';
import { findElectronBinary } from '../../apps/desktop/scripts/electron-binary';
import { startTestServer, type TestServer } from '@strat-coach/server/testing';

const ROOT = resolve(import.meta.dirname, '../..');
export const MAIN_ENTRY = join(ROOT, 'out/main/index.js');

const electronBinary = findElectronBinary();
export const hasElectron = electronBinary.path !== null;
export const skipReason = `Electron binary not installed: ${electronBinary.reason ?? ''}`;
if (!hasElectron) console.log(`[e2e/electron] skipping the Electron specs. ${skipReason}`);

export interface CoachApp {
  app: ElectronApplication;
  window: Page;
}

export const test = base.extend<{ server: TestServer; coach: CoachApp }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern.
  server: async ({}, use) => {
    const server = await startTestServer({ fakeUpstream: true });
    await use(server);
    await server.close();
  },

  coach: async ({ server }, use) => {
    if (!existsSync(MAIN_ENTRY)) {
      throw new Error(
        `${MAIN_ENTRY} is missing: build first (node node_modules/electron-vite/bin/electron-vite.js build)`,
      );
    }
    // Each test its own profile: no session or keychain entry leaks between tests or from the developer.
    const userData = await mkdtemp(join(tmpdir(), 'strat-coach-electron-'));
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
    delete env.ELECTRON_RENDERER_URL;
    env.STRAT_COACH_SERVER_URL = server.url;
    const app = await electron.launch({ args: [MAIN_ENTRY, `--user-data-dir=${userData}`], env });
    const window = await app.firstWindow();
    await use({ app, window });
    await app.close();
    await rm(userData, { recursive: true, force: true });
  },
});

export { expect };

interface Recorder {
  stratCoachOpened: string[];
}

/** Replaces shell.openExternal in main with a recorder: the test plays the browser (and the OS). */
export async function recordExternalLinks(app: ElectronApplication): Promise<void> {
  await app.evaluate(({ shell }) => {
    const recorder = globalThis as unknown as Recorder;
    recorder.stratCoachOpened = [];
    Object.defineProperty(shell, 'openExternal', {
      configurable: true,
      writable: true,
      value: async (url: string) => {
        recorder.stratCoachOpened.push(url);
      },
    });
  });
}

export const openedLinks = (app: ElectronApplication): Promise<string[]> =>
  app.evaluate(() => (globalThis as unknown as Recorder).stratCoachOpened);

/** Signs in through the window's button; the test is the browser: authorize, then the loopback redirect. */
export async function signIn({ app, window }: CoachApp): Promise<string> {
  await recordExternalLinks(app);
  await window.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(async () => (await openedLinks(app)).length).toBe(1);
  const [authorizeUrl] = await openedLinks(app);
  const authorize = await fetch(authorizeUrl!, { redirect: 'manual' });
  const location = authorize.headers.get('location');
  expect(location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
  const page = await fetch(location!);
  await expect(window.getByTestId('coach')).toBeVisible();
  return page.text();
}
