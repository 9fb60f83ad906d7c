// Pinned regions: a pinned-regions.json in the profile's userData is read by main, recaptured without asking
// (the same part of the same display, at its current resolution) and, from the tray's "Recapture pinned
// regions", lands in the coach window's composer as a chart.
import type {} from '@strat-coach/desktop/src/shared/host-api';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, hasElectron, signIn, skipReason, test } from './fixtures';
import { clickTrayItem, pushes, recordPushes, recordTray, trayLines } from './main-process';

test.skip(!hasElectron, skipReason);

test('recaptures a pinned region from the tray into the composer', async ({ coach }) => {
  await signIn(coach);
  await recordTray(coach.app);
  const { userData, display } = await coach.app.evaluate(({ app, screen }) => {
    const primary = screen.getPrimaryDisplay();
    return {
      userData: app.getPath('userData'),
      display: {
        id: String(primary.id),
        width: Math.round(primary.bounds.width * primary.scaleFactor),
        height: Math.round(primary.bounds.height * primary.scaleFactor),
      },
    };
  });
  const region = {
    id: 'e2e-pin-1',
    label: 'SPY 60m',
    source: { kind: 'display' as const, displayId: display.id },
    rect: { x: 0, y: 0, width: Math.floor(display.width / 2), height: Math.floor(display.height / 2) },
    sourceSize: { width: display.width, height: display.height },
    createdAt: '2030-05-01T14:30:00.000Z',
  };
  await writeFile(
    join(userData, 'pinned-regions.json'),
    `${JSON.stringify({ schemaVersion: 2, regions: [region] }, null, 2)}\n`,
  );

  // Main reads the file as the renderer asks for it; the tray then offers the recapture.
  expect(await coach.window.evaluate(() => window.coach!.settings.pinnedRegions())).toEqual({
    value: [region],
    notice: null,
  });
  await expect
    .poll(async () => (await trayLines(coach.app)).find((line) => line.label === 'Recapture pinned regions')?.enabled)
    .toBe(true);

  // The region itself, frozen again in main: the same rectangle of the same display.
  const chart = await coach.window.evaluate((pinned) => window.coach!.capture.region(pinned), region);
  expect(chart).toMatchObject({
    ok: true,
    value: {
      image: { mediaType: expect.stringMatching(/^image\/(png|jpeg)$/) },
      region: { source: region.source, rect: region.rect, sourceSize: region.sourceSize },
    },
  });
  expect(chart.ok && Math.max(chart.value.image.width, chart.value.image.height)).toBeLessThanOrEqual(1568);

  // The renderer reads its settings afresh, as at a start; then the tray asks it to recapture.
  await coach.window.reload();
  await expect(coach.window.getByTestId('coach')).toBeVisible();
  await recordPushes(coach.window);
  await clickTrayItem(coach.app, 'Recapture pinned regions');

  await expect.poll(() => pushes(coach.window)).toEqual(['recapture']);
  await expect(coach.window.getByTestId('chart-thumbnail')).toHaveCount(1);
});

test('a region pinned on a display that is not connected is not captured, and says why', async ({ coach }) => {
  const region = {
    id: 'e2e-pin-gone',
    label: 'ES D',
    source: { kind: 'display' as const, displayId: '987654321' },
    rect: { x: 0, y: 0, width: 100, height: 100 },
    sourceSize: { width: 1920, height: 1080 },
    createdAt: '2030-05-01T14:30:00.000Z',
  };
  expect(await coach.window.evaluate((pinned) => window.coach!.capture.region(pinned), region)).toEqual({
    ok: false,
    error: {
      code: 'region_source_missing',
      message:
        'The display this region was pinned on (Display 987654321) is not connected. Reconnect it or pin the region again.',
      status: null,
    },
  });
});
