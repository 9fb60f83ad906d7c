// The local chart reader's bar numbers on a real candlestick screenshot (charts/spy-60m.png, a TradingView-like
// 60-minute chart whose last bars are 2D-2D-2D-1-2U, a 2-1-2 up in force): drawn above the candles on the question box's chart (and the
// wide window's chart pane), in the chart viewer and on the thread's chart once asked; each pill over its own
// candle, none overlapping; "Bar numbers" switches them off everywhere and the window keeps that. A server
// without an API key answers from the reader alone, and the answer says so.
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { barPixels, CHART } from './charts/spy-60m';
import { expect, test } from './fixtures';

const SPY_60M = fileURLToPath(new URL('./charts/spy-60m.png', import.meta.url));

async function addChart(page: Page): Promise<void> {
  await page.getByTestId('chart-file').setInputFiles(SPY_60M);
}

interface PillBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Each pill over `image` stands over one of the chart's candles (its centre within 3 px of the candle's, at the
 * size shown), above that candle's high or under its low, and no two pills overlap. How many fit depends on
 * the size shown (a thumbnail has room for the newest one or two) and on what the reader found.
 */
async function expectPillsOnCandles(image: Locator, overlay: Locator): Promise<number> {
  const shown = await image.boundingBox();
  if (!shown) throw new Error('the chart is not shown');
  // object-fit: contain: the picture inside the element's box.
  const scale = Math.min(shown.width / CHART.width, shown.height / CHART.height);
  const left = shown.x + (shown.width - CHART.width * scale) / 2;
  const top = shown.y + (shown.height - CHART.height * scale) / 2;
  const boxes = (await overlay.getByTestId('bar-label').evaluateAll((pills) =>
    pills.map((pill) => {
      const rect = pill.getBoundingClientRect();
      return { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
    }),
  )) as PillBox[];
  expect(boxes.length, 'bar numbers drawn').toBeGreaterThanOrEqual(1);
  for (const box of boxes) {
    const centre = box.x + box.width / 2;
    const candle = barPixels
      .map((bar) => ({ bar, distance: Math.abs(left + bar.x * scale - centre) }))
      .sort((a, b) => a.distance - b.distance)[0]!;
    expect(candle.distance, `pill at ${centre.toFixed(1)} px over a candle`).toBeLessThanOrEqual(3);
    const high = top + candle.bar.high * scale;
    const low = top + candle.bar.low * scale;
    const above = box.y + box.height <= high + 1;
    const below = box.y >= low - 1;
    expect(above || below, 'pill clear of its candle').toBe(true);
  }
  for (const [index, a] of boxes.entries()) {
    for (const b of boxes.slice(index + 1)) {
      const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
      expect(apart, 'pills do not overlap').toBe(true);
    }
  }
  return boxes.length;
}

test('bar numbers on the preview, in the viewer and in the thread; switched off everywhere, and kept off', async ({
  coach,
  server,
  page,
}) => {
  // Four states screenshotted (and checked by axe) in two themes at two widths: more than the default minute.
  test.setTimeout(120_000);
  await coach.signIn();
  await addChart(page);
  const card = coach.chartThumbnail;
  await expect(card).toHaveCount(1);
  await page.getByRole('combobox', { name: 'Timeframe of chart 1' }).selectOption('60');
  await page.getByRole('textbox', { name: 'Symbol of chart 1' }).fill('SPY');

  // The reader answers /charts/read: the numbers go over the thumbnail, and in words under it.
  await expect(card.getByTestId('bar-label').first()).toBeVisible();
  await expect(card.getByTestId('chart-reading')).toHaveText(/^Reader: [0-9UD?-]+/);
  await expect(card.getByTestId('bar-labels')).toHaveAttribute('aria-hidden', 'true');
  await expectPillsOnCandles(card.locator('img'), card.getByTestId('bar-labels'));
  await coach.screenshot('bar-labels-preview');

  // The wide window's chart pane: the same numbers, bigger.
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(coach.chartPane.getByTestId('bar-label').first()).toBeVisible();
  await expectPillsOnCandles(coach.chartPane.locator('img'), coach.chartPane.getByTestId('bar-labels'));
  await expect(coach.chartPane.getByTestId('chart-pane-reading')).toHaveText(/^Reader: /);
  await page.setViewportSize({ width: 520, height: 760 });

  // Enlarged: the viewer draws them too, and they follow the zoom.
  await page.getByRole('button', { name: 'Enlarge chart 1' }).click();
  const viewer = page.getByRole('dialog', { name: 'SPY 60m, full size' });
  await expect(viewer.getByTestId('bar-label').first()).toBeVisible();
  const fitted = await expectPillsOnCandles(viewer.getByTestId('viewer-image'), viewer.getByTestId('bar-labels'));
  // The reading of this chart: the inside bar is the trigger, the live 2U took it out.
  await expect(viewer.getByTestId('viewer-reading')).toHaveText('Reader: 2D-2D-2D-1-2U · 2-1-2 long, in force');
  await expect(viewer.getByTestId('bar-label').last()).toHaveText('2U');
  const trigger = viewer.locator('[data-testid="bar-label"][data-trigger]');
  await expect(trigger).toHaveText('1');
  await expect(viewer.getByTestId('trigger-level')).toHaveCount(1);
  await viewer.getByRole('button', { name: 'Zoom in' }).click();
  await expect(viewer.getByTestId('viewer-zoom')).toHaveText('150%');
  await expect(viewer.getByTestId('bar-label').first()).toBeVisible();
  await expectPillsOnCandles(viewer.getByTestId('viewer-image'), viewer.getByTestId('bar-labels'));
  await viewer.getByRole('button', { name: 'Fit' }).click();
  await expect(viewer.getByTestId('bar-label')).toHaveCount(fitted);
  await coach.screenshot('bar-labels-viewer');
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  // Asked: the question's chart_analysis draws them on the thread's chart and its viewer.
  await server.script({ chunks: ['The 60m is a **2-1-2** up: the 2U took out the inside bar’s high.'] });
  await coach.askAndWait('Is this a 2-1-2?');
  const you = page.getByRole('article', { name: 'You' });
  const threadChart = you.getByRole('button', { name: 'Enlarge SPY 60m' });
  await expect(threadChart.getByTestId('bar-label').first()).toBeVisible();
  await expect(you.getByTestId('turn-chart-reading')).toHaveText(/^Reader: /);
  await expectPillsOnCandles(threadChart.locator('img'), threadChart.getByTestId('bar-labels'));
  await coach.screenshot('bar-labels-thread');

  await threadChart.click();
  const threadViewer = page.getByRole('dialog', { name: 'SPY 60m, full size' });
  await expect(threadViewer.getByTestId('bar-label').first()).toBeVisible();
  await expectPillsOnCandles(threadViewer.getByTestId('viewer-image'), threadViewer.getByTestId('bar-labels'));

  // Off: gone from the viewer, the thread and the words; kept off by the window after a reload.
  const toggle = threadViewer.getByRole('checkbox', { name: 'Bar numbers' });
  await expect(toggle).toBeChecked();
  await toggle.uncheck();
  await expect(threadViewer.getByTestId('bar-labels')).toHaveCount(0);
  await expect(threadViewer.getByTestId('viewer-reading')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('bar-labels')).toHaveCount(0);
  await expect(page.getByTestId('turn-chart-reading')).toHaveCount(0);
  await coach.screenshot('bar-labels-off');

  await page.reload();
  await expect(coach.question).toBeVisible();
  await addChart(page);
  await expect(coach.chartThumbnail).toHaveCount(1);
  await coach.settingsButton.click();
  const setting = coach.settingsPanel.getByRole('checkbox', { name: 'Bar numbers' });
  await expect(setting).not.toBeChecked();
  await expect(page.getByTestId('bar-labels')).toHaveCount(0);
  await setting.check();
  await coach.screenshot('bar-labels-settings');
  await expect(coach.chartThumbnail.getByTestId('bar-label').first()).toBeVisible();
});

test('without an API key the local reader answers, and the answer says so; history keeps the numbers', async ({
  coach,
  startServer,
  page,
}) => {
  const server = await startServer({ upstream: false });
  await coach.signIn(server.url);
  await expect(coach.notice).toHaveAttribute('data-kind', 'local_reader');
  await expect(coach.notice).toContainText('Local chart reader only');
  await expect(coach.notice).toContainText('ANTHROPIC_API_KEY');

  await addChart(page);
  await expect(coach.chartThumbnail.getByTestId('bar-label').first()).toBeVisible();
  await coach.askAndWait('Is this a 2-1-2?');
  const note = page.getByTestId('local-reader-note');
  await expect(note).toHaveText(/^Answered by the local chart reader — no AI model is configured on this server\./);
  await expect(note).toContainText('ANTHROPIC_API_KEY');
  await expect(coach.liveAnswer).not.toBeEmpty();
  await expect(page.getByRole('article', { name: 'You' }).getByTestId('bar-label').first()).toBeVisible();
  // Read once, the banner may go; each answer of the reader still says so.
  await coach.notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect(coach.notice).toHaveCount(0);
  await note.scrollIntoViewIfNeeded();
  await coach.screenshot('bar-labels-local-reader');

  // Reopened from history, the stored chart keeps its reading (ImageMeta.analysis).
  await coach.historyButton.click();
  await coach.historyPanel.getByRole('button', { name: 'New' }).click();
  await expect(page.getByRole('article', { name: 'You' })).toHaveCount(0);
  await coach.openConversation('Is this a 2-1-2?');
  const stored = page.getByRole('article', { name: 'You' }).getByRole('button', { name: 'Enlarge Chart 1' });
  await expect(stored.locator('img')).toHaveJSProperty('complete', true);
  await expect(stored.getByTestId('bar-label').first()).toBeVisible();
  await expectPillsOnCandles(stored.locator('img'), stored.getByTestId('bar-labels'));
  await expect(page.getByTestId('turn-chart-reading')).toHaveText(/^Reader: .*1-2U/);
});
