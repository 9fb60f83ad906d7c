// Capture: the browser's screen picker (getDisplayMedia), the frozen frame in the crop overlay, a crop
// dragged with the mouse and confirmed, and the cropped chart sent. Chromium's fake capture device stands in for a
// screen here: a test pattern, picked without a dialog.
import { expect, FAKE_SCREEN, test } from './fixtures';

test.use(FAKE_SCREEN);

test('Capture freezes the screen, a dragged and confirmed crop becomes the chart, and Esc cancels', async ({
  coach,
  page,
  server,
}) => {
  await coach.signIn();
  await page.getByRole('button', { name: 'Capture', exact: true }).click();
  const overlay = page.getByRole('dialog', { name: 'Crop the chart' });
  await expect(overlay).toBeVisible();
  const size = /(\d+) × (\d+) px/.exec((await overlay.textContent()) ?? '');
  const [frameWidth, frameHeight] = [Number(size?.[1]), Number(size?.[2])];
  expect(frameWidth).toBeGreaterThan(100);

  // Drag the middle half of the frame, as shown (scaled down to fit the window).
  const frame = overlay.getByRole('img', { name: 'The captured screen' });
  const box = (await frame.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.25);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.75, { steps: 8 });
  await expect(page.getByTestId('crop-selection')).toBeVisible();
  await page.mouse.up();
  // Releasing the mouse leaves the region to adjust; confirming takes it.
  await expect(overlay).toBeVisible();
  await coach.screenshot('13-capture-crop');
  await overlay.getByRole('button', { name: 'Use region' }).click();

  await expect(overlay).toBeHidden();
  // The crop is taken from the frame's own pixels: its middle half, give or take rounding at the edges.
  const width = Number(await coach.chartThumbnail.getAttribute('data-width'));
  const height = Number(await coach.chartThumbnail.getAttribute('data-height'));
  expect(Math.abs(width - frameWidth / 2)).toBeLessThanOrEqual(3);
  expect(Math.abs(height - frameHeight / 2)).toBeLessThanOrEqual(3);

  await coach.askAndWait('What is on this chart?');
  const [request] = await server.upstreamRequests();
  expect(request?.images).toEqual([expect.objectContaining({ mediaType: 'image/png', width, height })]);

  // The sent chart is now the conversation's; a new capture can replace it. Esc closes the overlay and
  // leaves things as they were.
  await expect(page.getByTestId('same-chart')).toBeVisible();
  await page.getByRole('button', { name: 'New capture' }).click();
  await expect(overlay).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(overlay).toBeHidden();
  await expect(coach.chartThumbnail).toHaveCount(0);
  await expect(page.getByTestId('same-chart')).toBeVisible();

  // Or the whole screen (this frame is under 1568 px, so it keeps its size).
  await page.getByRole('button', { name: 'New capture' }).click();
  await overlay.getByRole('button', { name: 'Use whole screen' }).click();
  await expect(coach.chartThumbnail).toHaveAttribute('data-width', String(frameWidth));
  await expect(coach.chartThumbnail).toHaveAttribute('data-height', String(frameHeight));
});
