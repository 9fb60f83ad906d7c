// Coaching on a model that thinks: the window says it is reading the chart (with the seconds it takes)
// until the text begins; a cut-short answer offers Continue; a follow-up keeps the chart without sending it
// again; a refusal withdraws its partial text and offers no retry.
import { expect, test } from './fixtures';

test('"Reading the chart…" counts the seconds while the model thinks, then the answer streams', async ({
  coach,
  server,
}) => {
  await coach.signIn();
  await coach.pasteChart(1200, 700);
  await server.script({
    thinking: { delayMs: 2_600 },
    chunks: ['The last closed bar is a **1**: ', 'both sides are pending.'],
    chunkDelayMs: 60,
  });
  await coach.ask('Number the last bars.');

  const reading = coach.page.getByTestId('coach-reading');
  await expect(reading).toContainText('Reading the chart…');
  await expect(reading).toContainText(/[12] s$/);
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'thinking');
  await coach.screenshot('14-reading-the-chart');

  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'complete');
  await expect(reading).toHaveCount(0);
  await expect(coach.liveAnswer).toContainText('both sides are pending.');
  const [request] = await server.upstreamRequests();
  expect(request).toMatchObject({ thinking: 'adaptive', maxTokens: 8_192, question: 'Number the last bars.' });
});

test('with several charts it says "Reading the charts…"; a follow-up without any, on none, "Thinking it through…"', async ({
  coach,
  server,
}) => {
  await coach.signIn();
  await coach.pasteChart(1200, 700);
  await coach.pasteChart(1000, 600);
  await server.script({ thinking: { delayMs: 1_500 }, chunks: ['Both agree.'] });
  await coach.ask('Is timeframe continuity with me?');
  const reading = coach.page.getByTestId('coach-reading');
  await expect(reading).toContainText('Reading the charts…');
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'complete');

  if (!(await coach.historyPanel.isVisible())) await coach.historyButton.click();
  await coach.historyPanel.getByRole('button', { name: 'New', exact: true }).click();
  await server.script({ thinking: { delayMs: 1_500 }, chunks: ['A 2-1-2 needs an inside bar.'] });
  await coach.ask('What is a 2-1-2?');
  await expect(reading).toContainText('Thinking it through…');
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'complete');
});

test('an answer cut short at its length limit says so and continues where it stopped', async ({ coach, server }) => {
  await coach.signIn();
  const long = Array.from({ length: 60 }, (_, i) => `Level ${i + 1}: the prior pivot, then the next one. `.repeat(12));
  await server.script({ chunks: long, chunkDelayMs: 0, thinking: { tokens: 6_000 } });
  await server.script({ chunks: ['…and that completes the plan.'] });
  await coach.askAndWait('Give me every level on this chart.');

  const cut = coach.page.getByTestId('cut-short');
  await expect(cut).toContainText('Cut short: the answer reached its length limit.');
  await coach.screenshot('15-cut-short');
  await cut.getByRole('button', { name: 'Continue' }).click();
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'complete');
  await expect(coach.liveAnswer).toContainText('…and that completes the plan.');
  const requests = await server.upstreamRequests();
  expect(requests.map((request) => request.question)).toEqual(['Give me every level on this chart.', 'Continue']);
  expect(requests[1]?.messageCount).toBe(3);
});

test('a follow-up keeps the chart on the server: the window sends it once and shows "Same chart"', async ({
  coach,
  server,
}) => {
  await coach.signIn();
  await coach.pasteChart(1400, 800);
  await coach.askAndWait('Is this a 3-1-2?');
  const same = coach.page.getByTestId('same-chart');
  await expect(same).toBeVisible();
  await expect(same).toContainText('Same chart');
  await expect(coach.chartThumbnail).toHaveCount(0);
  await coach.screenshot('16-same-chart');

  await coach.askAndWait('Where is the stop?');
  const [first, second] = await server.upstreamRequests();
  expect(first?.images).toHaveLength(1);
  // The follow-up's own turn has no image; the stored chart rides with the first question.
  expect(second?.images).toEqual([]);
  expect(second?.imagesInRequest).toEqual([expect.objectContaining({ width: 1400, height: 800 })]);
  expect(second?.question).toBe('Where is the stop?');
});

test('a refusal withdraws its partial text and offers no retry', async ({ coach, server }) => {
  await coach.signIn();
  await server.script({ chunks: ['Sure, here is', ' how to…'], refusal: { afterChunks: 1 }, chunkDelayMs: 100 });
  await coach.ask('Something the coach will not do');
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'failed');
  await expect(coach.liveAnswer).toContainText('The coach declined to answer this.');
  await expect(coach.liveAnswer).not.toContainText('Sure, here is');
  await expect(coach.liveAnswer.getByRole('button', { name: /^Retry/ })).toHaveCount(0);
});
