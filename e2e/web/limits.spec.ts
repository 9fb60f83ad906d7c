// The server's refusals, as the trader sees them: the free tier's 10 questions a minute (with the wait
// counting down) and the monthly token quota (colour at 80 % and 100 %, then the quota-exceeded notice).
import { expect, test } from './fixtures';

test('the 11th question in a minute is rate limited, with the wait counting down', async ({ coach, server }) => {
  await coach.signIn();
  for (let index = 1; index <= 10; index += 1) await coach.askAndWait(`Question ${index}: is this bar a 1?`);
  expect(await server.upstreamRequests()).toHaveLength(10);

  await coach.ask('Question 11: and this one?');
  await expect(coach.notice).toHaveAttribute('data-kind', 'rate_limited');
  await expect(coach.notice).toContainText('the free plan allows 10 a minute');
  const wait = coach.page.getByTestId('rate-limit-wait');
  await expect(wait).toHaveText(/^You can ask again in \d+ s\.$/);
  // The question was not lost: it is back in the box, and Send waits for the limit to pass.
  await expect(coach.question).toHaveValue('Question 11: and this one?');
  await expect(coach.sendButton).toBeDisabled();
  // So does Regenerate of the last answer: it would be refused too (it looked ready and did nothing).
  await expect(coach.page.getByRole('button', { name: 'Regenerate' })).toBeDisabled();
  // Read before the screenshots (four, each checked by axe), which take seconds of the wait on a loaded machine.
  const seconds = async (): Promise<number> => Number(/(\d+) s/.exec((await wait.textContent()) ?? '')?.[1]);
  const first = await seconds();
  expect(first).toBeGreaterThan(30);
  expect(first).toBeLessThanOrEqual(60);
  await coach.screenshot('05-rate-limited');

  await expect.poll(seconds).toBeLessThan(first);
  expect(await server.upstreamRequests()).toHaveLength(10);
});

test('the meter turns amber at 80 %, red at 100 %, and then the quota is exceeded', async ({ coach, server }) => {
  await coach.signIn();
  await expect(coach.meter).toHaveAttribute('data-level', 'ok');

  // The fake upstream reports the tokens a long conversation would use.
  await server.script({
    usage: { inputTokens: 84_000, outputTokens: 1_000, cacheCreationInputTokens: 0, cacheReadInputTokens: 3_000 },
  });
  await coach.askAndWait('Big question one');
  await expect(coach.meterPercent).toHaveText('85%');
  await expect(coach.meterLeft).toHaveText('15,000 tokens left');
  await expect(coach.meter).toHaveAttribute('data-level', 'warn');
  await coach.screenshot('06-usage-warning');

  await server.script({
    usage: { inputTokens: 14_500, outputTokens: 1_000, cacheCreationInputTokens: 0, cacheReadInputTokens: 3_000 },
  });
  await coach.askAndWait('Big question two');
  await expect(coach.meterPercent).toHaveText('100%');
  await expect(coach.meterLeft).toHaveText('Quota used up');
  await expect(coach.meter).toHaveAttribute('data-level', 'full');
  // Said before the next question is typed; the quick questions, which ask at once, wait.
  await expect(coach.page.getByTestId('quota-spent-note')).toHaveText(
    /^This month’s coaching tokens are used up: the coach answers again when your quota renews on \d{1,2} \w{3} \d{4}\.$/,
  );
  await expect(coach.page.getByRole('group', { name: 'Quick questions' }).getByRole('button').first()).toBeDisabled();

  await coach.ask('One more?');
  await expect(coach.notice).toHaveAttribute('data-kind', 'quota_exceeded');
  await expect(coach.notice).toContainText('Monthly quota used up');
  await expect(coach.notice).toContainText('You have used 100,500 of your 100,000 coaching tokens this month.');
  await expect(coach.page.getByTestId('quota-renews')).toHaveText(/^Your quota renews on \d{1,2} \w{3} \d{4}\.$/);
  await coach.screenshot('07-quota-exceeded');
  expect(await server.upstreamRequests()).toHaveLength(2);

  // This server sells no plans (no Stripe keys; its status says so): no Upgrade is offered, here or in the
  // meter's details, only when the quota renews (billing.spec.ts shows Upgrade on a server with billing).
  await expect(coach.notice.getByRole('button', { name: 'Upgrade to Pro' })).toHaveCount(0);
  await coach.meter.getByRole('button', { expanded: false }).click();
  const details = coach.meter.getByRole('group', { name: 'Usage this month' });
  await expect(details).toBeVisible();
  await expect(details).toContainText('Quota used up');
  await expect(coach.page.getByRole('button', { name: 'Upgrade to Pro' })).toHaveCount(0);
  await coach.screenshot('07b-quota-exceeded-no-billing');
});

test('a question refused with a little quota left says how much is left, not that it is used up', async ({
  coach,
  server,
}) => {
  await coach.signIn();
  // 99,600 of the free 100,000: 400 left, less than any answer needs. (A cache read means the coaching prompt was
  // read from the cache, so its share is not taken out of what the trader used.)
  await server.script({
    usage: { inputTokens: 98_600, outputTokens: 1_000, cacheCreationInputTokens: 0, cacheReadInputTokens: 3_000 },
  });
  await coach.askAndWait('Big question');
  await expect(coach.meterLeft).toHaveText('400 tokens left');

  await coach.ask('One more?');
  await expect(coach.notice).toHaveAttribute('data-kind', 'quota_exceeded');
  await expect(coach.notice).toContainText('Not enough quota left for this question');
  await expect(coach.notice).toContainText('400 coaching tokens are left this month: this question needs more');
  await expect(coach.notice).not.toContainText('used up');
  await coach.screenshot('50-quota-too-little-left');
  expect(await server.upstreamRequests()).toHaveLength(1);
});

test('a question refused while another answer holds the quota left says to wait for it, not that the month is spent', async ({
  coach,
  server,
}) => {
  await coach.signIn();
  await server.script({
    usage: { inputTokens: 79_000, outputTokens: 1_000, cacheCreationInputTokens: 0, cacheReadInputTokens: 3_000 },
  });
  await coach.askAndWait('Big question');
  await expect(coach.meterLeft).toHaveText('20,000 tokens left');
  // Another window's answer, still coming, holds 19,900 of the 20,000 left (as its reservation does).
  await server.sql('UPDATE users SET quota_reserved = 19900');

  await coach.ask('One more?');
  await expect(coach.notice).toHaveAttribute('data-kind', 'quota_exceeded');
  await expect(coach.notice).toContainText('Wait for your other answer');
  await expect(coach.notice).toContainText(
    '19,900 of the 20,000 coaching tokens left this month are held by an answer still coming',
  );
  await expect(coach.notice).not.toContainText('used up');
  await coach.screenshot('52-quota-held-by-another-answer');
  expect(await server.upstreamRequests()).toHaveLength(1);
});
