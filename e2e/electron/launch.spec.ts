// Launch: the coach window opens on app://, locked down (isolated, sandboxed, no Node, CSP), and it cannot
// be navigated away from the app; new windows are refused and their http(s) links go to the OS browser.
// window.coach's type (a global declared by the contract).
import type {} from '@strat-coach/desktop/src/shared/host-api';
import { expect, hasElectron, openedLinks, recordExternalLinks, skipReason, test } from './fixtures';

test.skip(!hasElectron, skipReason);

test('opens the coach window from the app scheme, never file://', async ({ coach: { window: page } }) => {
  await expect(page).toHaveTitle('Strat Coach');
  expect(page.url()).toBe('app://strat-coach/index.html');
  await expect(page.getByTestId('signed-out')).toBeVisible();
});

test('runs the renderer isolated and sandboxed, with window.coach and nothing of Node', async ({ coach }) => {
  // getLastWebPreferences is undocumented (not in electron.d.ts) but is what Electron applied to the page.
  const preferences = await coach.app.evaluate(({ BrowserWindow }) => {
    const contents = BrowserWindow.getAllWindows()[0]!.webContents as unknown as {
      getLastWebPreferences?: () => Record<string, unknown>;
    };
    return contents.getLastWebPreferences?.() ?? null;
  });
  if (preferences) {
    expect(preferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
  } else {
    test
      .info()
      .annotations.push({ type: 'note', description: 'getLastWebPreferences is gone: behaviour checked only' });
  }

  const globals = await coach.window.evaluate(() => ({
    require: typeof (globalThis as { require?: unknown }).require,
    process: typeof (globalThis as { process?: unknown }).process,
    coach: Object.keys(window.coach ?? {}).sort(),
    kind: window.coach?.kind,
    // The crop window's API is given to the crop window only.
    coachCrop: typeof window.coachCrop,
  }));
  expect(globals).toEqual({
    require: 'undefined',
    process: 'undefined',
    coach: ['api', 'app', 'capture', 'coach', 'kind', 'session', 'settings'],
    kind: 'electron',
    coachCrop: 'undefined',
  });
});

test('serves the renderer with a strict CSP, and nothing outside it', async ({ coach: { window: page } }) => {
  const answers = await page.evaluate(async () => {
    const index = await fetch('/index.html');
    const escape = await fetch('/%2e%2e/main/index.js');
    return { csp: index.headers.get('content-security-policy'), escape: escape.status };
  });
  expect(answers.csp).toContain("script-src 'self'");
  expect(answers.csp).toContain("frame-ancestors 'none'");
  expect(answers.escape).toBe(404);
});

test('stays on the app when the page tries to navigate away', async ({ coach: { app, window: page } }) => {
  await app.evaluate(({ BrowserWindow }) => {
    const [coachWindow] = BrowserWindow.getAllWindows();
    const seen: string[] = [];
    (globalThis as unknown as { navigations: string[] }).navigations = seen;
    coachWindow!.webContents.on('will-navigate', (event) => seen.push(`asked ${event.url}`));
    coachWindow!.webContents.on('did-start-navigation', (event) => seen.push(`started ${event.url}`));
  });

  await page.evaluate(() => {
    window.location.href = 'https://example.com/phish';
  });

  const navigations = () => app.evaluate(() => (globalThis as unknown as { navigations: string[] }).navigations);
  await expect.poll(navigations).toContain('asked https://example.com/phish');
  // A round trip to main after the refusal: had it started, the navigation would be listed by now.
  await page.evaluate(() => window.coach?.session.get());
  expect(await navigations()).not.toContain('started https://example.com/phish');
  expect(page.url()).toBe('app://strat-coach/index.html');
});

test('refuses new windows and hands http(s) links to the OS browser', async ({ coach: { app, window: page } }) => {
  await recordExternalLinks(app);

  const opened = await page.evaluate(() => ({
    https: window.open('https://www.tradingview.com/') === null,
    file: window.open('file:///etc/passwd') === null,
  }));

  expect(opened).toEqual({ https: true, file: true });
  await expect.poll(() => openedLinks(app)).toEqual(['https://www.tradingview.com/']);
  expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
});
