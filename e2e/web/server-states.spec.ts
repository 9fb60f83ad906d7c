// The server's own states: unreachable (offline), no Anthropic key (the local chart reader answers alone), a
// coaching model retired while it runs, and a failed answer that may be retried after the wait the server gave.
import { expect, test } from './fixtures';

test('an unreachable server shows the offline state', async ({ coach, startServer }) => {
  const server = await startServer();
  await coach.signIn(server.url);
  await server.close();

  await coach.ask('Is the 4-hour in continuity?');
  await expect(coach.notice).toHaveAttribute('data-kind', 'offline');
  await expect(coach.notice).toContainText('Server offline');
  await expect(coach.notice).toContainText('cannot be reached');
  await expect(coach.question).toHaveValue('Is the 4-hour in continuity?');
  await coach.screenshot('09-offline');
});

test('a server without ANTHROPIC_API_KEY says the local chart reader answers, and how to enable the coach', async ({
  coach,
  startServer,
}) => {
  const server = await startServer({ upstream: false });
  await coach.signIn(server.url);
  await expect(coach.notice).toHaveAttribute('data-kind', 'local_reader');
  await expect(coach.notice).toContainText('Local chart reader only');
  await expect(coach.notice).toContainText('the administrator must set ANTHROPIC_API_KEY');
  // Not refused: the reader answers (bar-labels.spec.ts asks it).
  await coach.question.fill('Anything?');
  await expect(coach.sendButton).toBeEnabled();
  await coach.screenshot('10-upstream-unconfigured');
});

test('a coaching model retired while the server runs: the server’s reason, and the question kept', async ({
  coach,
  startServer,
}) => {
  const server = await startServer({ retiredModel: true });
  await coach.signIn(server.url);
  await coach.ask('Is the daily in force?');
  await expect(coach.notice).toHaveAttribute('data-kind', 'unconfigured');
  await expect(coach.notice).toContainText('Coaching is not set up');
  await expect(coach.notice).toContainText('coaching model has been retired: its administrator must choose another');
  await expect(coach.question).toHaveValue('Is the daily in force?');
  await coach.screenshot('10-model-retired');
  // Not taken for a server without a key: no local reader banner once the notice goes.
  await coach.notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect(coach.notice).toHaveCount(0);
});

test('a retryable failure offers Retry after the wait, and the retry answers', async ({ coach, server }) => {
  await coach.signIn();
  // Overloaded upstream, with retry-after-ms and no retries of the server's own.
  await server.script({ failBeforeStream: { status: 529, retryAfterMs: 3_000, shouldRetry: false } });
  await server.script({ chunks: ['Second time lucky: ', 'that is a 2-2 reversal.'] });
  await coach.ask('What is this pattern?');

  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'failed');
  await expect(coach.liveAnswer).toContainText('overloaded');
  const retry = coach.liveAnswer.getByRole('button', { name: /^Retry/ });
  await expect(retry).toHaveText(/^Retry in \d s$/);
  await expect(retry).toBeDisabled();
  // Regenerate waits for the model too: it would ask again at once.
  const regenerate = coach.page.getByRole('button', { name: 'Regenerate' });
  await expect(regenerate).toBeDisabled();
  await coach.screenshot('11-retry-wait');

  await expect(retry).toHaveText('Retry');
  await expect(regenerate).toBeEnabled();
  await retry.click();
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'complete');
  await expect(coach.liveAnswer).toContainText('Second time lucky: that is a 2-2 reversal.');
  // The retry went to the upstream as the same question, in the same conversation.
  const requests = await server.upstreamRequests();
  expect(requests).toHaveLength(2);
  expect(requests[1]?.question).toMatch(/What is this pattern\?$/);
});
