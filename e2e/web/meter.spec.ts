// The window's quota meter at the edge, and how often the page reads the usage: once per question, by the
// host when the answer is over (the renderer reads it itself only at sign-in).
import { expect, test } from './fixtures';

test('at 99,999 of 100,000 the meter is amber, 99%, 1 token left; each question reads the usage once', async ({
  coach,
  server,
}) => {
  const usageReads: string[] = [];
  coach.page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/v1/usage/current') usageReads.push(request.method());
  });
  await coach.signIn();
  await expect(coach.meterPercent).toHaveText('0%');
  expect(usageReads).toHaveLength(1);

  // Uncached input and output count against the quota: 98,999 + 1,000 leaves one token.
  await server.script({
    usage: { inputTokens: 98_999, outputTokens: 1_000, cacheCreationInputTokens: 0, cacheReadInputTokens: 3_000 },
  });
  await coach.askAndWait('A long look at the weekly?');
  await expect(coach.meterPercent).toHaveText('99%');
  await expect(coach.meterLeft).toHaveText('1 token left');
  await expect(coach.meter).toHaveAttribute('data-level', 'warn');
  await expect.poll(() => usageReads.length).toBe(2);

  // Refused for the quota: still one read, the host's, and the meter stays as the server counts it.
  await coach.ask('And the daily?');
  await expect(coach.notice).toHaveAttribute('data-kind', 'quota_exceeded');
  await expect.poll(() => usageReads.length).toBe(3);
  await expect(coach.meterLeft).toHaveText('1 token left');
  expect(usageReads).toEqual(['GET', 'GET', 'GET']);
});
