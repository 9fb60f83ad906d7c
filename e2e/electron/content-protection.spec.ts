// Strat Coach is never in its own captures: the coach and crop windows are content-protected (macOS,
// Windows); on Linux, where Electron cannot protect a window, the coach window steps aside while a frame
// is taken and comes back after.
import type {} from '@strat-coach/desktop/src/shared/host-api';
import { expect, hasElectron, skipReason, test } from './fixtures';
import { cropPage, pendingChart, startChartCapture } from './main-process';

test.skip(!hasElectron, skipReason);

test('asks the OS to keep the crop window out of captures, on every platform', async ({ coach }) => {
  // Spied where main calls it: on Linux the call is made too, and does nothing.
  await coach.app.evaluate(({ BrowserWindow }) => {
    const calls: { title: string; enable: boolean }[] = [];
    (globalThis as unknown as { contentProtection: typeof calls }).contentProtection = calls;
    const prototype = BrowserWindow.prototype as unknown as {
      setContentProtection: (this: { getTitle(): string }, enable: boolean) => void;
    };
    const original = prototype.setContentProtection;
    prototype.setContentProtection = function (enable) {
      calls.push({ title: this.getTitle(), enable });
      original.call(this, enable);
    };
  });

  await startChartCapture(coach.window);
  const crop = await cropPage(coach.app);
  const calls = await coach.app.evaluate(
    () => (globalThis as unknown as { contentProtection: { title: string; enable: boolean }[] }).contentProtection,
  );
  expect(calls).toEqual([{ title: 'Strat Coach — crop', enable: true }]);

  await crop.evaluate(() => window.coachCrop!.cancel());
  expect(await pendingChart(coach.window)).toMatchObject({ ok: false, error: { code: 'capture_cancelled' } });
});

test('protects the coach and crop windows on macOS and Windows', async ({ coach }) => {
  test.skip(process.platform === 'linux', 'Electron has no content protection on Linux (see the next test)');
  const coachProtected = await coach.app.evaluate(({ BrowserWindow }) =>
    BrowserWindow.getAllWindows()[0]!.isContentProtected(),
  );
  expect(coachProtected).toBe(true);

  await startChartCapture(coach.window);
  const crop = await cropPage(coach.app);
  const cropProtected = await coach.app.evaluate(({ BrowserWindow }) =>
    BrowserWindow.getAllWindows()
      .find((window) => window.webContents.getURL().endsWith('#crop'))!
      .isContentProtected(),
  );
  expect(cropProtected).toBe(true);
  await crop.evaluate(() => window.coachCrop!.cancel());
});

test('on Linux the coach window steps aside while the frame is taken', async ({ coach }) => {
  test.skip(process.platform !== 'linux', 'macOS and Windows protect the window instead of hiding it');
  await coach.app.evaluate(({ BrowserWindow }) => {
    const seen: string[] = [];
    (globalThis as unknown as { coachVisibility: string[] }).coachVisibility = seen;
    const [coachWindow] = BrowserWindow.getAllWindows();
    coachWindow!.on('hide', () => seen.push('hide'));
    coachWindow!.on('show', () => seen.push('show'));
  });

  const chart = await coach.window.evaluate(() => window.coach!.capture.underCursor());

  expect(chart).toMatchObject({ ok: true, value: { image: { mediaType: expect.stringMatching(/^image\//) } } });
  const seen = await coach.app.evaluate(() => (globalThis as unknown as { coachVisibility: string[] }).coachVisibility);
  expect(seen).toEqual(['hide', 'show']);
  expect(await coach.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isVisible())).toBe(true);
});
