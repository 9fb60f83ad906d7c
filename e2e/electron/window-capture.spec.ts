// Window capture: other windows are listed as sources (the coach and crop windows never are) and a window
// source is frozen and cropped on the display under the cursor; its region names the window, so it can be
// pinned and found again. A plain window with a title of its own stands in for the trader's charting app.
// On Linux the capturer lists windows through the window manager: run under one (not bare Xvfb).
import type {} from '@strat-coach/desktop/src/shared/host-api';
import type { ElectronApplication } from '@playwright/test';
import { expect, hasElectron, skipReason, test } from './fixtures';
import { cropPage, cropWindowState, pendingChart, PNG_1X1, startChartCapture } from './main-process';

test.skip(!hasElectron, skipReason);

const CHART_TITLE = 'TradingView — SPY 60 (e2e stand-in)';

/** A window that is not the app's: no page loaded, so its title stays as given. */
const openChartWindow = (app: ElectronApplication) =>
  app.evaluate(({ BrowserWindow }, title) => {
    const chart = new BrowserWindow({ width: 900, height: 560, title, backgroundColor: '#1e88e5', show: true });
    chart.setTitle(title);
  }, CHART_TITLE);

test('lists other windows, never its own, and crops a window source', async ({ coach }) => {
  await openChartWindow(coach.app);

  const listWindows = async () => {
    const sources = await coach.window.evaluate(() => window.coach!.capture.sources());
    return sources.ok ? sources.value.filter((source) => source.kind === 'window') : [];
  };
  await expect.poll(async () => (await listWindows()).map((source) => source.name)).toContain(CHART_TITLE);
  const windows = await listWindows();
  expect(windows.map((source) => source.name)).not.toContain('Strat Coach');
  const chart = windows.find((source) => source.name === CHART_TITLE)!;
  expect(chart).toMatchObject({ kind: 'window', hasCoach: false, thumbnail: expect.stringMatching(/^data:image\//) });

  await startChartCapture(coach.window, chart.id);
  const crop = await cropPage(coach.app);
  // The crop window is not offered as a source while it is open either.
  expect((await listWindows()).map((source) => source.name)).not.toContain('Strat Coach — crop');

  const cursorDisplay = await coach.app.evaluate(({ screen }) => {
    const display = screen.getDisplayNearestPoint(screen.getCursorScreenPoint());
    return { bounds: display.bounds, scaleFactor: display.scaleFactor };
  });
  expect(await cropWindowState(coach.app)).toMatchObject({ bounds: cursorDisplay.bounds });
  const frame = await crop.evaluate(() => window.coachCrop!.frame());
  expect(frame).toMatchObject({ sourceName: CHART_TITLE, scaleFactor: cursorDisplay.scaleFactor });
  // The window's own aspect (900 × 560), at up to 3840 px on the long edge.
  expect(Math.abs(frame.width / frame.height - 900 / 560)).toBeLessThan(0.05);

  const rect = { x: 0, y: 0, width: frame.width, height: frame.height };
  await crop.evaluate((result) => window.coachCrop!.done(result), { image: PNG_1X1, rect });
  expect(await pendingChart(coach.window)).toMatchObject({
    ok: true,
    value: {
      region: {
        source: { kind: 'window', windowName: CHART_TITLE, sourceId: chart.id },
        rect,
        sourceSize: { width: frame.width, height: frame.height },
        sourceName: CHART_TITLE,
      },
    },
  });

  // Remembered: the next Capture without a choice takes this window.
  const defaults = (await listWindows()).filter((source) => source.isDefault).map((source) => source.name);
  expect(defaults).toEqual([CHART_TITLE]);
});

test('recapturing a region of a window that has closed is refused, never another window', async ({ coach }) => {
  const region = {
    id: 'pin-closed',
    label: 'ES D',
    source: { kind: 'window' as const, windowName: 'A chart window that is not open', sourceId: 'window:1:0' },
    rect: { x: 0, y: 0, width: 100, height: 100 },
    sourceSize: { width: 1000, height: 600 },
    createdAt: new Date().toISOString(),
  };
  expect(await coach.window.evaluate((pinned) => window.coach!.capture.region(pinned), region)).toMatchObject({
    ok: false,
    error: { code: 'region_source_missing', message: expect.stringContaining('A chart window that is not open') },
  });
});
