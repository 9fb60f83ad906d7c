// Conversations: follow-up questions continue the open conversation (the server sends the earlier turns),
// New starts another, and the list opens any of them with its history; a reload opens the open one again.
import type { ServerHandle } from '../support/control';
import { expect, test } from './fixtures';
import type { CoachPage } from './pages/coach-page';

test('follow-ups continue a conversation; the list reopens earlier ones with their history', async ({
  coach,
  server,
}) => {
  await coach.signIn();
  await server.script(
    { chunks: ['The 60-minute is a 2U.'] },
    { chunks: ['Then the daily is in continuity.'] },
    { chunks: ['Gold is inside (1).'] },
  );
  await coach.askAndWait('What is the 60-minute doing?');
  await coach.askAndWait('And the daily?');
  await expect(coach.page.getByTestId('question-bubble')).toHaveText([
    'What is the 60-minute doing?',
    'And the daily?',
  ]);

  await coach.historyButton.click();
  await coach.historyPanel.getByRole('button', { name: 'New' }).click();
  await expect(coach.page.getByTestId('question-bubble')).toHaveCount(0);
  await coach.askAndWait('Gold on the weekly?');

  // The follow-up carried the first turn; the new conversation started empty.
  const requests = await server.upstreamRequests();
  expect(requests.map((request) => request.messageCount)).toEqual([1, 3, 1]);

  await coach.historyButton.click();
  const list = coach.historyPanel.getByRole('listitem');
  await expect(list).toHaveCount(2);
  await expect(list.first()).toContainText('Gold on the weekly?');
  await coach.screenshot('12-conversation-list');

  await coach.historyPanel.getByRole('button', { name: /What is the 60-minute doing\?/ }).click();
  await expect(coach.historyPanel).toBeHidden();
  await expect(coach.page.getByTestId('question-bubble')).toHaveText([
    'What is the 60-minute doing?',
    'And the daily?',
  ]);
  await expect(coach.page.getByTestId('history-answer')).toHaveText([
    'The 60-minute is a 2U.',
    'Then the daily is in continuity.',
  ]);

  // Asking now continues the reopened conversation.
  await server.script({ chunks: ['Weekly too.'] });
  await coach.askAndWait('And the weekly?');
  expect((await server.upstreamRequests())[3]?.messageCount).toBe(5);
});

/** A signed-in trader's conversation of one question and its answer: "What is the 60m doing?" */
async function oneAnswered(coach: CoachPage, server: ServerHandle): Promise<void> {
  await coach.signIn();
  await server.script({ chunks: ['The 60m is a 2U.'] });
  await coach.askAndWait('What is the 60m doing?');
}

test('a reload opens again the conversation the window had open; a new one after it stays new', async ({
  coach,
  server,
  page,
}) => {
  await oneAnswered(coach, server);
  await page.reload();
  await expect(page.getByTestId('question-bubble')).toHaveText(['What is the 60m doing?']);
  await expect(page.getByTestId('history-answer')).toHaveText(['The 60m is a 2U.']);

  if (!(await coach.historyPanel.isVisible())) await coach.historyButton.click();
  await coach.historyPanel.getByRole('button', { name: 'New', exact: true }).click();
  await page.reload();
  await expect(coach.question).toBeVisible();
  await expect(page.getByTestId('question-bubble')).toHaveCount(0);
});

test('a conversation that could not be loaded (the connection lost) offers Try again, which loads it', async ({
  coach,
  server,
  page,
}) => {
  await oneAnswered(coach, server);
  // The connection drops for the conversation's messages, once (as a network would: the server is never asked),
  // when the reload opens the conversation again.
  let dropped = 0;
  await page.route('**/api/v1/conversations/*/messages*', async (route) => {
    if (dropped++ === 0) await route.abort('connectionreset');
    else await route.continue();
  });
  await page.reload();
  const failed = page.getByTestId('history-load-failed');
  await expect(failed).toContainText('This conversation could not be loaded.');
  await failed.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByTestId('history-answer')).toHaveText(['The 60m is a 2U.']);
  await expect(failed).toHaveCount(0);
});
