// The window's layout at the sizes a trader uses: nothing runs off the side from 360 px up (the meter's words
// never under Sign out), and from 1100 px the history is a sidebar and the chart a pane beside the thread.
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { CoachPage } from './pages/coach-page';

const scrollsSideways = (page: Page): Promise<boolean> =>
  page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    return root.scrollWidth > root.clientWidth;
  });

async function box(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await locator.boundingBox();
  if (!found) throw new Error(`${locator.toString()} is not on screen`);
  return found;
}

const overlap = (a: Awaited<ReturnType<typeof box>>, b: Awaited<ReturnType<typeof box>>): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function expectNoSidewaysScroll(coach: CoachPage, state: string): Promise<void> {
  expect(await scrollsSideways(coach.page), `the page scrolls sideways: ${state}`).toBe(false);
}

test('from 360 px up nothing runs off the side, and the meter never runs under a button', async ({ coach, server }) => {
  await coach.page.setViewportSize({ width: 360, height: 700 });
  await coach.signIn();
  await expectNoSidewaysScroll(coach, 'signed in');

  // A used quota, so the meter's words are their longest: "≈ 45 chart questions left · renews 31 Dec".
  await server.script({
    usage: { inputTokens: 4_139, outputTokens: 1_000, cacheCreationInputTokens: 0, cacheReadInputTokens: 3_000 },
  });
  await coach.pasteChart(1600, 900);
  await expect(coach.chartThumbnail).toBeVisible();
  await expectNoSidewaysScroll(coach, 'a chart in the question box');
  await coach.askAndWait('Is the last bar a 2-up, and where is the trigger?');
  await expect(coach.page.getByTestId('usage-questions')).toContainText('≈ 45 chart questions left');
  await expectNoSidewaysScroll(coach, 'an answer with a table');

  for (const width of [360, 400, 440, 520, 719, 720, 900, 1100]) {
    await coach.page.setViewportSize({ width, height: 700 });
    await expectNoSidewaysScroll(coach, `${width} px`);
    const meter = await box(coach.page.getByTestId('usage-questions'));
    for (const button of [coach.signOutButton, coach.page.getByRole('button', { name: 'Settings' })]) {
      expect(overlap(meter, await box(button)), `the meter's words under a button at ${width} px`).toBe(false);
    }
  }

  await coach.page.setViewportSize({ width: 360, height: 700 });
  await coach.meterButton.click();
  await expect(coach.meterDetails).toBeVisible();
  await expectNoSidewaysScroll(coach, 'the meter details');
  await coach.meterButton.click();

  await coach.historyButton.click();
  await expect(coach.historyPanel).toBeVisible();
  await expectNoSidewaysScroll(coach, 'history');
  await coach.historyButton.click();

  await coach.settingsButton.click();
  await expect(coach.settingsPanel).toBeVisible();
  await expectNoSidewaysScroll(coach, 'settings');
  await coach.screenshot('layout-360-settings');
});

test('from 1100 px the history is a sidebar and the chart a pane beside the thread', async ({ coach }) => {
  await coach.page.setViewportSize({ width: 1280, height: 800 });
  await coach.signIn();
  await coach.askAndWait('What makes a 2-1-2 a reversal?');

  // Always there, without a History button: beside the conversation, not over it.
  await expect(coach.historyPanel).toBeVisible();
  await expect(coach.historyButton).toHaveCount(0);
  await expect(coach.historyPanel.getByRole('button', { name: 'What makes a 2-1-2 a reversal?' })).toBeVisible();
  const sidebar = await box(coach.historyPanel);
  const main = await box(coach.page.getByTestId('thread'));
  expect(sidebar.x + sidebar.width).toBeLessThanOrEqual(main.x + 1);

  // The chart in the question box is large beside the thread, and stays there once sent.
  await expect(coach.chartPane).toHaveCount(0);
  await coach.pasteChart(1600, 900);
  await expect(coach.chartPane.getByRole('img')).toBeVisible();
  await expect(coach.chartPane).toContainText('in the question box');
  const pane = await box(coach.chartPane);
  const thread = await box(coach.page.getByTestId('thread'));
  expect(pane.x).toBeGreaterThanOrEqual(thread.x + thread.width - 1);
  expect(pane.width).toBeGreaterThan(400);
  await coach.askAndWait('And this chart: is the last bar a 2-down?');
  await expect(coach.chartPane).toContainText('last sent');
  await coach.screenshot('layout-wide');

  // Narrower, the history is a panel again behind its button.
  await coach.page.setViewportSize({ width: 1000, height: 800 });
  await expect(coach.historyPanel).toHaveCount(0);
  await expect(coach.chartPane).toHaveCount(0);
  await coach.historyButton.click();
  await expect(coach.historyPanel).toBeVisible();
});
