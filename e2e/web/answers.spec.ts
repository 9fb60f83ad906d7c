// Answers as a trader uses them: the plan table rendered as a table with a plan card whose Copy puts the plan on
// the clipboard; Regenerate, Edit & resend and Continue after Stop (what the coach was asked, what the thread
// shows, and what the conversation holds once reopened after a reload); focus back in the question box after
// Stop; a reader scrolled up keeps the place while the answer streams, and Jump to latest takes them back.
import type { ServerHandle } from '../support/control';
import type { CoachPage } from './pages/coach-page';
import { expect, test } from './fixtures';

/** A reload, then the conversation opened again from History: what the server kept of it. */
async function reopen(coach: CoachPage, title: string): Promise<void> {
  await coach.page.reload();
  await expect(coach.question).toBeVisible();
  await coach.openConversation(title);
}

const PLAN_ANSWER = [
  '### Setup\n\nA **2-1-2 reversal up**.\n\n',
  '> Wait for the 1 to close.\n\n',
  '### Trigger, stop, target\n\n',
  '| Side | Trigger | Stop | Target (magnitude) |\n| --- | --- | --- | --- |\n',
  '| Long | 431.20 | 428.75 | 436.00 |\n',
];

test('a plan table renders as a table, with a plan card whose Copy puts the plan on the clipboard', async ({
  coach,
  server,
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await coach.signIn();
  await server.script({ chunks: PLAN_ANSWER });
  await coach.askAndWait('Is this a 2-1-2?');

  const table = coach.liveAnswer.getByRole('table');
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByRole('cell', { name: '428.75' })).toBeVisible();
  await expect(coach.liveAnswer.locator('blockquote')).toHaveText('Wait for the 1 to close.');

  const card = page.getByRole('region', { name: 'Trade plan' });
  await expect(card).toContainText('Entry431.20');
  await expect(card).toContainText('Stop428.75');
  await expect(card).toContainText('Target436.00');
  await card.getByRole('button', { name: 'Copy plan' }).click();
  await expect(card.getByRole('button', { name: 'Copy plan' })).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
    'Long\nEntry: 431.20\nStop: 428.75\nTarget: 436.00',
  );
  await coach.screenshot('30-plan-card');

  await page.getByRole('button', { name: 'Copy as plain text' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain(
    'Side\tTrigger\tStop\tTarget (magnitude)',
  );
  await page.getByRole('button', { name: 'Copy answer' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(PLAN_ANSWER.join(''));
});

test('an answer without a plan has no plan card', async ({ coach, server, page }) => {
  await coach.signIn();
  await server.script({ chunks: ['A 2-1-2 triggers only when price takes out the inside bar.'] });
  await coach.askAndWait('What is a 2-1-2?');
  await expect(page.getByRole('region', { name: 'Trade plan' })).toHaveCount(0);
});

test('Regenerate asks the same question again and replaces the answer', async ({ coach, server, page }) => {
  await coach.signIn();
  await server.script({ chunks: ['First take.'] }, { chunks: ['Second take.'] });
  await coach.askAndWait('Is the daily green?');
  await page.getByRole('button', { name: 'Regenerate' }).click();
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'complete');
  await expect(coach.liveAnswer).toContainText('Second take.');
  await expect(page.getByTestId('thread')).not.toContainText('First take.');
  await expect(page.getByTestId('question-bubble')).toHaveText(['Is the daily green?']);
  const requests = await server.upstreamRequests();
  expect(requests.map((request) => request.question)).toEqual(['Is the daily green?', 'Is the daily green?']);
  // The coach was asked afresh: the first take was not in what it saw.
  expect(requests[1]?.messageCount).toBe(1);

  await reopen(coach, 'Is the daily green?');
  await expect(page.getByTestId('history-answer')).toHaveText(['Second take.']);
  await expect(page.getByTestId('question-bubble')).toHaveText(['Is the daily green?']);
  await expect(page.getByTestId('thread')).not.toContainText('First take.');
});

test('a Regenerate the rate limit refuses keeps the answer on screen, and the question waits to replace it', async ({
  coach,
  server,
  page,
}) => {
  await coach.signIn();
  await server.script(...Array.from({ length: 10 }, (_, index) => ({ chunks: [`Take ${index + 1}.`] })));
  for (let index = 1; index <= 10; index += 1) await coach.askAndWait(`Question ${index}: is this bar a 1?`);

  // The free plan's 11th request in a minute: refused before the stream, so the server still has the last turn.
  await page.getByRole('button', { name: 'Regenerate' }).click();
  await expect(coach.notice).toHaveAttribute('data-kind', 'rate_limited');
  await expect(page.getByTestId('thread')).toContainText('Take 10.');
  await expect(page.getByTestId('question-bubble').last()).toHaveText('Question 10: is this bar a 1?');
  await expect(coach.question).toHaveValue('Question 10: is this bar a 1?');
  await expect(page.getByText('Editing your last question')).toBeVisible();
  await coach.screenshot('48-regenerate-rate-limited');
  expect(await server.upstreamRequests()).toHaveLength(10);
});

test('Edit & resend puts the question back in the box; sending replaces the last turn', async ({
  coach,
  server,
  page,
}) => {
  await coach.signIn();
  await server.script({ chunks: ['The 60m is a 2U.'] }, { chunks: ['The 15m is a 1.'] });
  await coach.askAndWait('What is the 60m doing?');
  await page.getByRole('button', { name: 'Edit & resend' }).click();
  await expect(coach.question).toHaveValue('What is the 60m doing?');
  await expect(coach.question).toBeFocused();
  await expect(page.getByText('Editing your last question')).toBeVisible();
  await coach.screenshot('31-edit-and-resend');

  await coach.ask('What is the 15m doing?');
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'complete');
  await expect(page.getByTestId('question-bubble')).toHaveText(['What is the 15m doing?']);
  await expect(page.getByTestId('thread')).not.toContainText('The 60m is a 2U.');
  await expect(coach.liveAnswer).toContainText('The 15m is a 1.');
  const requests = await server.upstreamRequests();
  expect(requests.map((request) => request.question)).toEqual(['What is the 60m doing?', 'What is the 15m doing?']);
  expect(requests[1]?.messageCount).toBe(1);

  await reopen(coach, 'What is the 60m doing?');
  await expect(page.getByTestId('question-bubble')).toHaveText(['What is the 15m doing?']);
  await expect(page.getByTestId('history-answer')).toHaveText(['The 15m is a 1.']);
  await expect(page.getByTestId('thread')).not.toContainText('The 60m is a 2U.');
});

/** Asks `question`, whose answer stalls after its first two chunks, and stops it there; `rest` answers a Continue. */
async function stoppedAfterTwo(
  coach: CoachPage,
  server: ServerHandle,
  question: string,
  [first, second, rest]: [string, string, string],
): Promise<void> {
  await coach.signIn();
  await server.script({ chunks: [first, second, 'never sent'], stallAfterChunks: 2 }, { chunks: [rest] });
  await coach.ask(question);
  await expect(coach.liveAnswer).toContainText(second.trim());
  await coach.stopButton.click();
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'stopped');
}

test('after Stop focus is in the question box, and Continue carries on from the stored partial answer', async ({
  coach,
  server,
  page,
}) => {
  await stoppedAfterTwo(coach, server, 'Walk me through a 3-1-2.', [
    'A 3-1-2 needs ',
    'the outside bar first, ',
    'then the inside bar.',
  ]);
  await expect(coach.question).toBeFocused();
  await expect(page.getByTestId('answer-announcement')).toHaveText('Stopped. The answer so far is kept.');
  await coach.screenshot('32-stopped-with-actions');

  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'complete');
  await expect(coach.liveAnswer).toContainText('then the inside bar.');
  // The stopped turn stays in the thread, marked.
  await expect(page.getByTestId('answer-ending')).toHaveText(/Stopped/);
  await expect(page.getByTestId('answer-announcement')).toHaveText('Answer complete.');
  const requests = await server.upstreamRequests();
  expect(requests[1]?.question).toBe('Continue');
  // The question, the partial answer the server kept, and Continue.
  expect(requests[1]?.messageCount).toBe(3);
  // Continue is not a question of the trader's: a line joins the two parts, and there is nothing to edit.
  const continued = page.getByTestId('continued');
  await expect(continued).toHaveText('Continued');
  await expect(page.getByTestId('question-bubble')).toHaveText(['Walk me through a 3-1-2.']);
  const actions = page.getByRole('group', { name: 'Answer actions' }).last();
  await expect(actions.getByRole('button', { name: 'Regenerate' })).toBeVisible();
  await expect(actions.getByRole('button', { name: 'Edit & resend' })).toHaveCount(0);
  await coach.screenshot('53-continued-answer');

  // Reopened, the stopped answer still says it was stopped; the whole one says nothing; Continue is still a line.
  await reopen(coach, 'Walk me through a 3-1-2.');
  await expect(page.getByTestId('history-answer')).toHaveText([
    'A 3-1-2 needs the outside bar first,',
    'then the inside bar.',
  ]);
  await expect(page.getByTestId('answer-ending')).toHaveText([/Stopped/]);
  await expect(continued).toHaveText('Continued');
  await expect(page.getByTestId('question-bubble')).toHaveText(['Walk me through a 3-1-2.']);
  await expect(page.getByRole('button', { name: 'Edit & resend' })).toHaveCount(0);
});

test('Regenerate stopped while the coach is still thinking keeps the earlier answer, also reopened', async ({
  coach,
  server,
  page,
}) => {
  await coach.signIn();
  await server.script({ chunks: PLAN_ANSWER }, { chunks: ['Never sent.'], headersDelayMs: 8_000 });
  await coach.askAndWait('Is this a 2-1-2?');
  await expect(page.getByTestId('plan-card')).toBeVisible();
  await page.getByRole('button', { name: 'Regenerate' }).click();
  await expect(coach.stopButton).toBeVisible();
  await coach.stopButton.click();
  // The earlier answer, its plan card and its actions are back.
  await expect(coach.liveAnswer).toContainText('A 2-1-2 reversal up');
  await expect(page.getByTestId('plan-card')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Regenerate' })).toBeEnabled();
  await coach.screenshot('55-regenerate-stopped-keeps-answer');

  await reopen(coach, 'Is this a 2-1-2?');
  await expect(page.getByTestId('question-bubble')).toHaveText(['Is this a 2-1-2?']);
  await expect(page.getByTestId('history-answer')).toContainText('A 2-1-2 reversal up');
  await expect(page.getByTestId('question-ending')).toHaveCount(0);
});

test('a reopened conversation whose last answer was stopped offers Continue, which carries on from it', async ({
  coach,
  server,
  page,
}) => {
  await stoppedAfterTwo(coach, server, 'Where is the trigger?', [
    'Mark the 1 first, ',
    'then the trigger ',
    'above its high.',
  ]);

  await reopen(coach, 'Where is the trigger?');
  await expect(page.getByTestId('answer-ending')).toHaveText([/Stopped/]);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'complete');
  await expect(coach.liveAnswer).toContainText('above its high.');
  await expect(page.getByTestId('continued')).toHaveText('Continued');
  const requests = await server.upstreamRequests();
  expect(requests.map((request) => request.question)).toEqual(['Where is the trigger?', 'Continue']);
  // The question, the partial answer the server kept, and Continue.
  expect(requests[1]?.messageCount).toBe(3);
});

test('an answer that breaks off part way: its error and Retry come into view, no plan card, and it stays marked incomplete', async ({
  coach,
  server,
  page,
}) => {
  await coach.signIn();
  const reading = Array.from(
    { length: 12 },
    (_, i) => `Bar ${i + 1} of the 60m: the range held, and the next bar's high is the one to watch.\n\n`,
  );
  await server.script(
    // The model's connection is lost after the words "Target: 51" (of 514.20): a price cut in half.
    { chunks: [...reading, 'Entry: 512.40\n', 'Stop: 509.85\n', 'Target: 51', '4.20\n'], dropAfterChunks: 15 },
    { chunks: ['The 15m is a 1.'] },
  );
  await coach.ask('Plan the 2-1-2 on the 60m.');
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'failed');
  await expect(coach.liveAnswer).toContainText('Target: 51');
  await expect(coach.liveAnswer).toContainText('The connection to the coach was lost part way through the answer.');
  // The thread follows the answer's end, not only its words: the error and Retry are in view, not under the box.
  await expect(page.getByRole('button', { name: 'Retry' })).toBeInViewport();
  // A plan read from part of an answer would show the cut price as the target.
  await expect(page.getByTestId('plan-card')).toHaveCount(0);
  await coach.screenshot('49-failed-part-way');

  await coach.askAndWait('What is the 15m doing?');
  await expect(page.getByTestId('answer-ending')).toHaveText([/^Incomplete: the answer broke off part way/]);
  await expect(page.getByTestId('plan-card')).toHaveCount(0);

  await reopen(coach, 'Plan the 2-1-2 on the 60m.');
  await expect(page.getByTestId('history-answer').first()).toContainText('Target: 51');
  await expect(page.getByTestId('answer-ending')).toHaveText([/^Incomplete: the answer broke off part way/]);
  await expect(page.getByTestId('plan-card')).toHaveCount(0);
});

test('a question that failed before the coach wrote anything says so, live and reopened; a follow-up is answered', async ({
  coach,
  server,
  page,
}) => {
  await coach.signIn();
  await server.script(
    { chunks: ['The 60m is a 2U.'] },
    { failBeforeStream: { status: 529, retryAfterMs: 1_000, shouldRetry: false } },
    { chunks: ['The 15m is a 1.'] },
  );
  await coach.askAndWait('What is the 60m doing?');
  await coach.ask('And the daily?');
  await expect(coach.liveAnswer).toHaveAttribute('data-phase', 'failed');
  await coach.askAndWait('What is the 15m doing?');
  // The failed question, now in the thread's history, says why it has no answer.
  await expect(page.getByTestId('question-ending')).toHaveText([
    'No answer: this question failed before the coach wrote anything.',
  ]);

  // Reopened, from the server's history: the stored question is there, and says it has no answer.
  await reopen(coach, 'What is the 60m doing?');
  await expect(page.getByTestId('question-bubble')).toHaveText([
    'What is the 60m doing?',
    'And the daily?',
    'What is the 15m doing?',
  ]);
  await expect(page.getByTestId('question-ending')).toHaveText([
    'No answer to this question is stored: it ended before the coach wrote anything.',
  ]);
  await expect(page.getByTestId('history-answer')).toHaveText(['The 60m is a 2U.', 'The 15m is a 1.']);
  await coach.screenshot('51-unanswered-question-reopened');
});

test('a reader scrolled up keeps the place while the answer streams; Jump to latest goes back', async ({
  coach,
  server,
  page,
}) => {
  await page.setViewportSize({ width: 440, height: 680 });
  await coach.signIn();
  const lines = Array.from({ length: 60 }, (_, n) => `Bar ${n + 1}: inside, no break.\n\n`);
  await server.script({ chunks: lines.slice(0, 40) }, { chunks: lines, chunkDelayMs: 150 });
  await coach.askAndWait('List the bars.');
  await coach.ask('List them again, slowly.');
  await expect(coach.liveAnswer).toContainText('Bar 5:');

  const thread = page.getByTestId('thread');
  await thread.evaluate((element) => element.scrollTo({ top: 0 }));
  await expect(page.getByRole('button', { name: /Jump to latest/ })).toBeVisible();
  await expect(coach.liveAnswer).toContainText('Bar 20:');
  expect(await thread.evaluate((element) => element.scrollTop)).toBe(0);
  await coach.screenshot('33-jump-to-latest');

  await page.getByRole('button', { name: /Jump to latest/ }).click();
  await expect(page.getByRole('button', { name: /Jump to latest/ })).toBeHidden();
  await expect
    .poll(() => thread.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight))
    .toBeLessThan(60);
});
