// A question's charts in the thread: shown as images with their labels (not a "Chart attached" chip), opened
// full size with zoom and pan, closed with Esc with focus back on the image; a reopened conversation shows
// them from the server's stored charts. The composer's chart can be enlarged too, and removing it puts focus
// back in the question box.
import { expect, test } from './fixtures';

test('charts show in the thread and in reopened history, and open full size with zoom, pan and Esc', async ({
  coach,
  server,
  page,
}) => {
  await coach.signIn();
  await coach.pasteChart(1200, 800);
  await expect(coach.chartThumbnail).toHaveCount(1);
  await page.getByRole('combobox', { name: 'Timeframe of chart 1' }).selectOption('60');
  await page.getByRole('textbox', { name: 'Symbol of chart 1' }).fill('SPY');

  // The composer's chart enlarges in the same viewer.
  await page.getByRole('button', { name: 'Enlarge chart 1' }).click();
  await expect(page.getByRole('dialog', { name: 'SPY 60m, full size' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Enlarge chart 1' })).toBeFocused();

  await server.script({ chunks: ['The 60m is a 2U.'] });
  await coach.askAndWait('Is this a 2-1-2?');
  const you = page.getByRole('article', { name: 'You' });
  const chart = you.getByRole('button', { name: 'Enlarge SPY 60m' });
  await expect(chart).toBeVisible();
  await expect(you).toContainText('SPY 60m');
  await expect(page.getByText('Chart attached')).toHaveCount(0);
  await coach.screenshot('34-chart-in-thread');

  await chart.click();
  const viewer = page.getByRole('dialog', { name: 'SPY 60m, full size' });
  await expect(viewer).toBeVisible();
  await viewer.getByRole('button', { name: 'Zoom in' }).click();
  await expect(viewer.getByTestId('viewer-zoom')).toHaveText('150%');
  const image = viewer.getByTestId('viewer-image');
  const before = await image.boundingBox();
  const stage = viewer.getByTestId('viewer-stage');
  const box = await stage.boundingBox();
  if (!before || !box) throw new Error('no viewer');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 30, { steps: 4 });
  await page.mouse.up();
  await expect.poll(async () => (await image.boundingBox())?.x).toBeCloseTo(before.x + 80, 0);
  await coach.screenshot('35-chart-viewer');
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();
  await expect(chart).toBeFocused();

  // Reopened, the question's chart comes from the server.
  await coach.historyButton.click();
  await coach.historyPanel.getByRole('button', { name: 'New' }).click();
  await expect(page.getByRole('article', { name: 'You' })).toHaveCount(0);
  await coach.openConversation('SPY 60m — Is this a 2-1-2?');
  const stored = page.getByRole('article', { name: 'You' }).getByRole('button', { name: 'Enlarge SPY 60m' });
  await expect(stored.locator('img')).toHaveJSProperty('complete', true);
  await expect.poll(() => stored.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1200);
  await coach.screenshot('36-chart-in-history');
  await stored.click();
  await expect(page.getByRole('dialog', { name: 'SPY 60m, full size' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(stored).toBeFocused();
});

test('removing a chart puts focus back in the question box', async ({ coach, page }) => {
  await coach.signIn();
  await coach.pasteChart(800, 500);
  await page.getByRole('button', { name: 'Remove chart 1' }).click();
  await expect(coach.chartThumbnail).toHaveCount(0);
  await expect(coach.question).toBeFocused();
});
