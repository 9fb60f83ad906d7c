// Stopping an answer: the partial text stays on screen, the server hears the hang-up, records the call as
// cancelled and keeps the delivered text in the conversation. Esc does the same as the Stop button.
import { expect, test } from './fixtures';

const DELIVERED = ['A 3-1-2 needs ', 'the outside bar first, ', 'then the inside bar. '];
const NEVER_SENT = 'This part never arrives.';

test('Stop mid-answer keeps the partial text and the server records the answer cancelled', async ({
  coach,
  server,
}) => {
  await coach.signIn();
  // The upstream sends three deltas and then stalls, as a slow model would.
  await server.script({ chunks: [...DELIVERED, NEVER_SENT], stallAfterChunks: DELIVERED.length });
  await coach.ask('Walk me through a 3-1-2.');
  await expect(coach.liveAnswer).toContainText('then the inside bar.');

  await coach.stopButton.click();
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'stopped');
  await expect(coach.liveAnswer).toContainText('Stopped');
  await expect(coach.liveAnswer).toContainText(DELIVERED.join('').trim());
  await expect(coach.liveAnswer).not.toContainText(NEVER_SENT);
  await coach.screenshot('04-answer-stopped');

  // The server hung up on the upstream and recorded the call as cancelled.
  await expect.poll(async () => (await server.upstreamRequests())[0]?.disconnected).toBe(true);
  const statuses = async (): Promise<string[]> =>
    (
      await server.sql<{ status: string }>(
        `SELECT u.status FROM token_usage u JOIN users ON users.id = u.user_id WHERE users.clerk_user_id = 'user_local'`,
      )
    ).map((row) => row.status);
  await expect.poll(statuses).toEqual(['cancelled']);
  // The meter counts what the cancelled answer used.
  await expect(coach.meterLeft).not.toHaveText('100,000 tokens left');

  // Reopened from the list, the conversation holds the question and the delivered part of the answer.
  await coach.openConversation('Walk me through a 3-1-2.');
  await expect(coach.page.getByTestId('question-bubble')).toHaveText('Walk me through a 3-1-2.');
  await expect(coach.page.getByTestId('history-answer')).toHaveText(DELIVERED.join('').trim());
});

test('Esc stops the answer; Shift+Enter is a new line and Enter sends', async ({ coach, server }) => {
  await coach.signIn();
  await coach.question.fill('First line');
  await coach.question.press('Shift+Enter');
  await coach.question.pressSequentially('second line');
  await expect(coach.question).toHaveValue('First line\nsecond line');
  expect(await server.upstreamRequests()).toHaveLength(0);

  await server.script({ chunks: ['Looking at ', 'the 15-minute…', ' more'], stallAfterChunks: 2 });
  await coach.question.press('Enter');
  await expect(coach.question).toHaveValue('');
  await expect(coach.liveAnswer).toContainText('the 15-minute…');

  await coach.page.keyboard.press('Escape');
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'stopped');
  await expect(coach.liveAnswer).toContainText('Looking at the 15-minute…');
  const [request] = await server.upstreamRequests();
  expect(request?.question).toBe('First line\nsecond line');
});
