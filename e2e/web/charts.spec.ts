// Several timeframes in one question, and quick questions: charts labelled by timeframe go in Strat order
// (higher first) as one request with a title before each image; a preset chip asks at once; presets can be
// edited; a captured region can be pinned and recaptured with one click.
import { expect, FAKE_SCREEN, test } from './fixtures';

test.use(FAKE_SCREEN);

test('two charts labelled 60 and D go in one question, the daily first, each titled for the model', async ({
  coach,
  page,
  server,
}) => {
  await coach.signIn();
  await coach.pasteChart(1200, 700);
  await page.getByLabel('Timeframe of chart 1').selectOption('60');
  await coach.pasteChart(1000, 600);
  await page.getByLabel('Timeframe of chart 2').selectOption('D');
  await page.getByLabel('Symbol of chart 1').fill('SPY');
  // The strip reorders as labels change: the daily now comes first.
  await expect(coach.chartThumbnail).toHaveCount(2);
  await expect(coach.chartThumbnail.nth(0)).toHaveAttribute('data-label', 'SPY D');
  await expect(coach.chartThumbnail.nth(1)).toHaveAttribute('data-label', '60m');
  await coach.screenshot('17-multi-chart-composer');

  await coach.askAndWait('Is timeframe continuity with me?');
  const [request] = await server.upstreamRequests();
  // Each chart's title, then the local reader's pixel reading of it (issue 14), before its image.
  const titles = request?.chartTitles ?? [];
  expect(titles.filter((text) => text.startsWith('Chart '))).toEqual(['Chart 1 of 2 — SPY D', 'Chart 2 of 2 — 60m']);
  expect(titles.filter((text) => text.startsWith('Pixel reading of chart')).map((text) => text.split(':')[0])).toEqual([
    'Pixel reading of chart 1 (SPY D)',
    'Pixel reading of chart 2 (60m)',
  ]);
  expect(request?.images.map((image) => image.width)).toEqual([1000, 1200]);
  await expect(page.getByTestId('same-chart')).toContainText('SPY D');
});

test('a chart added beside a labelled one starts with its symbol: choosing the timeframe labels it', async ({
  coach,
  page,
}) => {
  await coach.signIn();
  await coach.pasteChart(1200, 700);
  await page.getByLabel('Timeframe of chart 1').selectOption('60');
  await page.getByLabel('Symbol of chart 1').fill('SPY');
  await coach.pasteChart(1000, 600);
  await expect(page.getByLabel('Symbol of chart 2')).toHaveValue('SPY');
  await page.getByLabel('Timeframe of chart 2').selectOption('D');
  await expect(coach.chartThumbnail.nth(0)).toHaveAttribute('data-label', 'SPY D');
  await expect(coach.chartThumbnail.nth(1)).toHaveAttribute('data-label', 'SPY 60m');
});

test('the wide window’s chart pane shows each of the question’s charts in turn, before and after sending', async ({
  coach,
  page,
  server,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await coach.signIn();
  await coach.pasteChart(1200, 700);
  await page.getByLabel('Timeframe of chart 1').selectOption('60');
  await coach.pasteChart(1000, 600);
  await page.getByLabel('Timeframe of chart 2').selectOption('D');
  const choices = coach.chartPane.getByRole('group', { name: 'Charts' });
  await expect(choices.getByRole('button')).toHaveText(['D', '60m']);
  // The higher timeframe first.
  await expect(coach.chartPane.locator('figcaption')).toHaveText(/^D · in the question box/);
  await choices.getByRole('button', { name: '60m' }).click();
  await expect(choices.getByRole('button', { name: '60m' })).toHaveAttribute('aria-pressed', 'true');
  await expect(coach.chartPane.locator('figcaption')).toHaveText(/^60m · in the question box/);

  await server.script({ chunks: ['Both agree.'] });
  await coach.askAndWait('Is timeframe continuity with me?');
  await expect(choices.getByRole('button')).toHaveText(['D', '60m']);
  await choices.getByRole('button', { name: 'D' }).click();
  await expect(coach.chartPane.locator('figcaption')).toHaveText(/^D · last sent/);
  await coach.screenshot('56-chart-pane-several-charts');
});

test('a quick-question chip asks at once with the chart; the presets can be edited', async ({
  coach,
  page,
  server,
}) => {
  await coach.signIn();
  await coach.pasteChart(1200, 700);
  const chips = page.getByRole('group', { name: 'Quick questions' });
  await expect(chips.getByRole('button')).toHaveText([
    'Number the last bars',
    "Where's the trigger and the stop?",
    'Is timeframe continuity with me?',
    'Targets and exhaustion?',
  ]);
  await coach.screenshot('18-quick-question-chips');
  await chips.getByRole('button', { name: 'Number the last bars' }).click();
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'complete');
  const [request] = await server.upstreamRequests();
  expect(request?.question).toMatch(/^Number the last/);
  expect(request?.images).toHaveLength(1);

  await page.getByRole('button', { name: 'Settings' }).click();
  const settings = page.getByTestId('settings-panel');
  await settings.getByLabel('Title of quick question 1').fill('Bars please');
  await settings.getByRole('button', { name: 'Save quick questions' }).click();
  await expect(settings.getByRole('status').first()).toHaveText('Saved.');
  await coach.screenshot('20-settings');
  await page.keyboard.press('Escape');
  await expect(settings).toBeHidden();
  await expect(chips.getByRole('button').first()).toHaveText('Bars please');
  // Kept by the browser across a reload.
  await page.reload();
  await expect(page.getByRole('group', { name: 'Quick questions' }).getByRole('button').first()).toHaveText(
    'Bars please',
  );
});

test('the crop overlay: a small region warns, a handle enlarges it, Enter confirms; pin and recapture it', async ({
  coach,
  page,
}) => {
  await coach.signIn();
  await page.getByRole('button', { name: 'Capture', exact: true }).click();
  const overlay = page.getByRole('dialog', { name: 'Crop the chart' });
  await expect(overlay).toBeVisible();
  const frame = overlay.getByRole('img', { name: 'The captured screen' });
  const box = (await frame.boundingBox())!;
  // A small region: too few pixels to read the bars.
  await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.1);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.25, { steps: 5 });
  await page.mouse.up();
  await expect(overlay.getByTestId('crop-too-small')).toBeVisible();
  await expect(overlay).toBeVisible();
  await coach.screenshot('19-crop-too-small');

  // The bottom-right handle drags it out to most of the frame.
  const handle = overlay.locator('.crop-handle-se');
  const grip = (await handle.boundingBox())!;
  await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.9, { steps: 6 });
  await page.mouse.up();
  await expect(overlay.getByTestId('crop-too-small')).toHaveCount(0);
  const size = /Region (\d+) × (\d+) px/.exec((await overlay.getByTestId('crop-size').textContent()) ?? '');
  const [width, height] = [Number(size?.[1]), Number(size?.[2])];
  expect(width).toBeGreaterThan(400);
  await page.keyboard.press('Enter');
  await expect(overlay).toBeHidden();
  await expect(coach.chartThumbnail).toHaveAttribute('data-width', String(Math.min(width, 1568)));
  void height;

  // Label it, pin it, remove it, and get it back with one click.
  await page.getByLabel('Timeframe of chart 1').selectOption('5');
  await page.getByLabel('Symbol of chart 1').fill('ES');
  await page.getByRole('button', { name: "Pin chart 1's region" }).click();
  await expect(page.getByRole('button', { name: "Pin chart 1's region" })).toHaveText('Pinned');
  await page.getByRole('button', { name: 'Remove chart 1' }).click();
  await page.getByRole('button', { name: 'Recapture pinned (1)' }).click();
  await expect(coach.chartThumbnail).toHaveAttribute('data-label', 'ES 5m');
  await expect(coach.chartThumbnail).toHaveAttribute('data-width', String(Math.min(width, 1568)));
});
