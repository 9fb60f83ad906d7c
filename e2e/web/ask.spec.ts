// The main job: paste a chart, ask, watch the answer stream in, and see the usage meter move.
import { expect, test } from './fixtures';

const ANSWER = [
  '**2-1-2 up** on the 60-minute: ',
  'the inside bar (1) ',
  'sits inside the prior 2D. ',
  'The trigger is a break ',
  'of the 1 bar’s high; ',
  'your stop goes under its low.',
];

test('a pasted chart is re-encoded, the answer streams in as Markdown, and the meter moves', async ({
  coach,
  server,
}) => {
  await coach.signIn();
  await expect(coach.meterPercent).toHaveText('0%');
  await expect(coach.meterLeft).toHaveText('100,000 tokens left');

  // A 2,000 × 1,000 chart comes back at most 1,568 px on its long edge, as a PNG.
  await coach.pasteChart(2000, 1000);
  await expect(coach.chartThumbnail).toBeVisible();
  await expect(coach.chartThumbnail).toHaveAttribute('data-width', '1568');
  await expect(coach.chartThumbnail).toHaveAttribute('data-height', '784');

  await server.script({
    chunks: ANSWER,
    chunkDelayMs: 250,
    // The coaching prompt read from a warm cache: the quota counts the 10,000 new input and 2,000 output tokens.
    usage: { inputTokens: 10_000, outputTokens: 2_000, cacheCreationInputTokens: 0, cacheReadInputTokens: 3_000 },
  });
  await coach.ask('Is this a 2-1-2 up on the 60m?');

  // Part of the answer is on screen while the rest is still coming.
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'streaming');
  await expect(coach.liveAnswer).toContainText('2-1-2 up');
  await expect(coach.stopButton).toBeVisible();
  await coach.screenshot('02-answer-streaming');

  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'complete');
  await expect(coach.liveAnswer).toContainText(ANSWER.join('').replace(/\*\*/g, ''));
  // Markdown, not text: the bold part is a <strong>.
  await expect(coach.liveAnswer.locator('strong')).toHaveText('2-1-2 up');
  await expect(coach.sendButton).toBeVisible();

  await expect(coach.meterPercent).toHaveText('12%');
  await expect(coach.meterLeft).toHaveText('88,000 tokens left');
  await expect(coach.meter).toHaveAttribute('data-level', 'ok');
  await coach.screenshot('03-answer-complete');

  const [request] = await server.upstreamRequests();
  expect(request?.question).toBe('Is this a 2-1-2 up on the 60m?');
  expect(request?.images).toEqual([expect.objectContaining({ mediaType: 'image/png', width: 1568, height: 784 })]);
});

test('a dropped image becomes the chart, a pasted non-image is refused, and the chart can be removed', async ({
  coach,
}) => {
  await coach.signIn();
  await coach.pasteTextFile();
  await expect(coach.chartError).toHaveText(/not an image/);
  await expect(coach.chartThumbnail).toHaveCount(0);

  // Small charts are not upscaled.
  await coach.dropChart(800, 500);
  await expect(coach.chartThumbnail).toHaveAttribute('data-width', '800');
  await expect(coach.chartThumbnail).toHaveAttribute('data-height', '500');
  await expect(coach.chartError).toHaveCount(0);

  await coach.page.getByRole('button', { name: 'Remove chart' }).click();
  await expect(coach.chartThumbnail).toHaveCount(0);
  await expect(coach.page.getByRole('button', { name: 'Capture', exact: true })).toBeVisible();
});

test('a refused paste’s error goes once a question is sent', async ({ coach }) => {
  await coach.signIn();
  await coach.pasteTextFile();
  await expect(coach.chartError).toHaveText(/not an image/);
  await coach.askAndWait('What is the 60m doing?');
  await expect(coach.chartError).toHaveCount(0);
});
