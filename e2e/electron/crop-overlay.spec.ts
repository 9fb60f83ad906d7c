// Capture → crop: capture.chart freezes the chosen display and opens the crop overlay exactly over it (a
// second, frameless, always-on-top window on `#crop` that gets window.coachCrop and nothing else); what the
// overlay confirms comes back to the coach window with its region; closing the overlay in any way cancels.
import type {} from '@strat-coach/desktop/src/shared/host-api';
import type { ElectronApplication } from '@playwright/test';
import { expect, hasElectron, skipReason, test } from './fixtures';
import { cropPage, cropWindowState, pendingChart, PNG_1X1, startChartCapture, windowCount } from './main-process';

test.skip(!hasElectron, skipReason);

/** Every display as main sees it: its source id, DIP bounds and full-resolution frame size. */
const displays = (coach: { app: ElectronApplication }) =>
  coach.app.evaluate(({ screen }) =>
    screen.getAllDisplays().map((display) => ({
      id: `display:${display.id}`,
      bounds: display.bounds,
      scaleFactor: display.scaleFactor,
      frame: {
        width: Math.round(display.bounds.width * display.scaleFactor),
        height: Math.round(display.bounds.height * display.scaleFactor),
      },
    })),
  );

test('lists every display with a thumbnail, and exactly one default source', async ({ coach }) => {
  const sources = await coach.window.evaluate(() => window.coach!.capture.sources());
  expect(sources.ok).toBe(true);
  if (!sources.ok) return;
  const listed = sources.value.filter((source) => source.kind === 'display').map((source) => source.id);
  expect(listed.sort()).toEqual((await displays(coach)).map((display) => display.id).sort());
  expect(sources.value.filter((source) => source.isDefault)).toHaveLength(1);
  for (const source of sources.value) expect(source.thumbnail).toMatch(/^data:image\/png;base64,/);
  // The coach window is on one of the displays, and that one is the default only when it is the only one.
  const withCoach = sources.value.filter((source) => source.hasCoach);
  expect(withCoach).toHaveLength(1);
  if (listed.length > 1) expect(withCoach[0]!.isDefault).toBe(false);
});

test('opens the overlay over the chosen display, with the frozen frame at its resolution', async ({ coach }) => {
  const all = await displays(coach);
  // The last display: a second monitor where there is one.
  const chosen = all.at(-1)!;

  await startChartCapture(coach.window, chosen.id);
  const crop = await cropPage(coach.app);

  await expect.poll(async () => (await cropWindowState(coach.app))?.visible).toBe(true);
  expect(await cropWindowState(coach.app)).toMatchObject({
    bounds: chosen.bounds,
    alwaysOnTop: true,
    resizable: false,
  });
  expect(
    await crop.evaluate(() => ({ coach: typeof window.coach, crop: Object.keys(window.coachCrop ?? {}).sort() })),
  ).toEqual({
    coach: 'undefined',
    crop: ['cancel', 'done', 'frame'],
  });
  const frame = await crop.evaluate(() => window.coachCrop!.frame());
  expect(frame).toMatchObject({ ...chosen.frame, scaleFactor: chosen.scaleFactor });
  expect(frame.dataUrl).toMatch(/^data:image\/png;base64,/);

  // One crop at a time: a second capture is refused while this one is open.
  expect(await coach.window.evaluate(() => window.coach!.capture.chart())).toMatchObject({
    ok: false,
    error: { code: 'capture_busy' },
  });

  await crop.evaluate(() => window.coachCrop!.cancel());
  expect(await pendingChart(coach.window)).toMatchObject({ ok: false, error: { code: 'capture_cancelled' } });
  await expect.poll(() => windowCount(coach.app)).toBe(1);
});

test('a confirmed crop comes back with its region, and that display becomes the default', async ({ coach }) => {
  const chosen = (await displays(coach)).at(-1)!;
  await startChartCapture(coach.window, chosen.id);
  const crop = await cropPage(coach.app);

  const rect = { x: 10, y: 20, width: 300, height: 200 };
  await crop.evaluate((result) => window.coachCrop!.done(result), { image: PNG_1X1, rect });

  expect(await pendingChart(coach.window)).toEqual({
    ok: true,
    value: {
      image: PNG_1X1,
      region: {
        source: { kind: 'display', displayId: chosen.id.replace('display:', '') },
        rect,
        sourceSize: chosen.frame,
        sourceName: expect.stringMatching(/^Display \d/),
      },
    },
  });
  await expect.poll(() => windowCount(coach.app)).toBe(1);
  const sources = await coach.window.evaluate(() => window.coach!.capture.sources());
  expect(sources.ok && sources.value.find((source) => source.isDefault)?.id).toBe(chosen.id);
});

test('refuses a crop result that does not fit the frame, and keeps the overlay open', async ({ coach }) => {
  await startChartCapture(coach.window);
  const crop = await cropPage(coach.app);
  const { width } = await crop.evaluate(() => window.coachCrop!.frame());

  const refused = await crop.evaluate(
    (result) =>
      window.coachCrop!.done(result).then(
        () => 'accepted',
        () => 'refused',
      ),
    { image: PNG_1X1, rect: { x: width, y: 0, width: 10, height: 10 } },
  );

  expect(refused).toBe('refused');
  expect(await windowCount(coach.app)).toBe(2);
  await crop.evaluate(() => window.coachCrop!.cancel());
  expect(await pendingChart(coach.window)).toMatchObject({ ok: false, error: { code: 'capture_cancelled' } });
});

test('closing the overlay window cancels the capture', async ({ coach }) => {
  await startChartCapture(coach.window);
  await cropPage(coach.app);

  await coach.app.evaluate(({ BrowserWindow }) => {
    BrowserWindow.getAllWindows()
      .find((window) => window.webContents.getURL().endsWith('#crop'))!
      .close();
  });

  expect(await pendingChart(coach.window)).toMatchObject({ ok: false, error: { code: 'capture_cancelled' } });
});

test('Escape in the overlay cancels the capture, whatever the page does', async ({ coach }) => {
  await startChartCapture(coach.window);
  const crop = await cropPage(coach.app);
  await expect.poll(async () => (await cropWindowState(coach.app))?.visible).toBe(true);

  await crop.keyboard.press('Escape');

  expect(await pendingChart(coach.window)).toMatchObject({ ok: false, error: { code: 'capture_cancelled' } });
  await expect.poll(() => windowCount(coach.app)).toBe(1);
});
