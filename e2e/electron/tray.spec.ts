// The tray: the trader's presets as menu items that ask at once (the coach window comes forward and hears
// the preset's id), an open question, recapture only when something is pinned, and on macOS the quota
// percent beside the gauge. Read from the menus main gives the tray.
import type {} from '@strat-coach/desktop/src/shared/host-api';
import { expect, hasElectron, signIn, skipReason, test } from './fixtures';
import { clickTrayItem, pushes, recordPushes, recordTray, trayLines, trayTitles } from './main-process';

test.skip(!hasElectron, skipReason);

const PRESETS = [
  { id: 'e2e-continuity', title: 'Continuity with me?', question: 'Is timeframe continuity with the setup?' },
  { id: 'e2e-targets', title: 'Targets?', question: 'Where are the first and second targets?' },
];

test('lists the presets, and a preset asks at once with its id', async ({ coach }) => {
  await recordTray(coach.app);
  await recordPushes(coach.window);

  expect(await coach.window.evaluate((presets) => window.coach!.settings.savePresets(presets), PRESETS)).toEqual({
    ok: true,
    value: PRESETS,
  });

  await expect
    .poll(async () => (await trayLines(coach.app)).map((line) => line.label))
    .toEqual(
      expect.arrayContaining(['Continuity with me?', 'Targets?', 'Ask a question…', 'Recapture pinned regions']),
    );
  const lines = await trayLines(coach.app);
  expect(lines.find((line) => line.label === 'Recapture pinned regions')?.enabled).toBe(false);
  // The presets come right after the quota line, in the trader's order.
  const labels = lines.map((line) => line.label);
  expect(labels.indexOf('Targets?')).toBe(labels.indexOf('Continuity with me?') + 1);

  // The window is hidden to the tray; the preset brings it back and asks.
  await coach.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.hide());
  await clickTrayItem(coach.app, 'Targets?');
  await expect.poll(() => pushes(coach.window)).toEqual(['quick-question:e2e-targets']);
  expect(await coach.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isVisible())).toBe(true);

  await clickTrayItem(coach.app, 'Ask a question…');
  await expect.poll(() => pushes(coach.window)).toEqual(['quick-question:e2e-targets', 'quick-question:null']);
});

test('refuses presets that would not read back, and keeps the tray as it was', async ({ coach }) => {
  const twice = [PRESETS[0]!, { ...PRESETS[1]!, title: 'continuity with ME?' }];
  expect(await coach.window.evaluate((presets) => window.coach!.settings.savePresets(presets), twice)).toMatchObject({
    ok: false,
    error: { code: 'invalid_request', message: expect.stringContaining('Give each its own title') },
  });
  expect(await coach.window.evaluate(() => window.coach!.settings.presets())).toMatchObject({
    value: expect.arrayContaining([expect.objectContaining({ id: 'number-bars' })]),
  });
});

test('shows the quota percent beside the gauge on macOS', async ({ coach }) => {
  test.skip(process.platform !== 'darwin', 'Only the macOS menu bar shows a title beside a tray icon');
  await recordTray(coach.app);
  await signIn(coach);
  await expect.poll(async () => (await trayTitles(coach.app)).at(-1)).toBe('0%');
  const lines = await trayLines(coach.app);
  expect(lines[0]?.label).toBe('Free plan');
  expect(lines[1]?.label).toMatch(/^Quota 0% — /);
});
