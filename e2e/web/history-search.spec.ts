// History that scales: the server searches titles and answers (a word of an answer finds its conversation, with
// the words around it); rename and delete persist across a reload, and deleting the open conversation starts a
// new one; the keyboard reaches everything (focus moves in, arrows move, Enter opens, Esc closes and gives focus
// back); long titles end in an ellipsis, and the panel never scrolls sideways, down to 360 px.
import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures';
import type { CoachPage } from './pages/coach-page';

// Each screenshot is four (two themes, two widths), each checked by axe.
test.slow();

/** Asks a question in a conversation of its own. */
async function newConversation(coach: CoachPage, question: string): Promise<void> {
  const panelOpen = await coach.historyPanel.isVisible();
  if (!panelOpen) await coach.historyButton.click();
  await coach.historyPanel.getByRole('button', { name: 'New', exact: true }).click();
  await coach.askAndWait(question);
}

const row = (coach: CoachPage, title: string | RegExp): Locator =>
  coach.historyPanel.getByRole('listitem').filter({ has: coach.page.getByRole('button', { name: title }) });

test('search finds a conversation by a word of its answer; rename and delete last past a reload', async ({
  coach,
  server,
}) => {
  await coach.signIn();
  await server.script(
    { chunks: ['The inside bar broke up: ', 'a hammer on the daily sets the trigger.'] },
    { chunks: ['Gold is inside (1) on the weekly.'] },
  );
  await coach.askAndWait('Is SPY a 2-1-2 on the 60?');
  await newConversation(coach, 'Gold on the weekly?');

  await coach.historyButton.click();
  const search = coach.historyPanel.getByRole('searchbox', { name: 'Search conversations' });
  await expect(search).toBeFocused();
  await expect(coach.historyPanel.getByRole('listitem')).toHaveCount(2);
  await expect(coach.historyPanel.getByRole('listitem').first().locator('time')).toHaveText(/^Today \d\d:\d\d$/);
  // A row under the pointer shows its Rename and Delete.
  await row(coach, /Is SPY a 2-1-2 on the 60\?/).hover();
  await coach.screenshot('40-history');

  // A word only the answer holds: the conversation is found, with the words around it; the other is not.
  await search.fill('hammer');
  await expect(coach.historyPanel.getByRole('listitem')).toHaveCount(1);
  const spy = row(coach, /Is SPY a 2-1-2 on the 60\?/);
  await expect(spy).toContainText('a hammer on the daily sets the trigger');
  await expect(spy.locator('mark')).toHaveText('hammer');
  await expect(row(coach, /Gold on the weekly/)).toHaveCount(0);
  await expect(coach.historyPanel.getByRole('status')).toHaveText('1 found');
  await coach.screenshot('41-history-search');

  await search.fill('zebra');
  await expect(coach.historyPanel.getByText('No conversations match “zebra”.')).toBeVisible();
  await coach.historyPanel.getByRole('button', { name: 'Clear search' }).click();
  await expect(search).toHaveValue('');
  await expect(search).toBeFocused();
  await expect(coach.historyPanel.getByRole('listitem')).toHaveCount(2);

  // Rename in place: Enter saves; an empty title is refused with a reason; Esc cancels without closing.
  await spy.hover();
  await spy.getByRole('button', { name: 'Rename' }).click();
  const title = coach.historyPanel.getByRole('textbox', { name: 'Conversation title' });
  await expect(title).toBeFocused();
  await title.fill('SPY 60m 2-1-2 plan');
  await coach.screenshot('42-history-rename');
  await title.press('Enter');
  const renamed = row(coach, /SPY 60m 2-1-2 plan/);
  await expect(renamed.getByRole('button', { name: /SPY 60m 2-1-2 plan/ })).toBeFocused();

  await renamed.getByRole('button', { name: 'Rename' }).click();
  await title.fill('   ');
  await title.press('Enter');
  await expect(coach.historyPanel.getByRole('alert')).toHaveText('A title needs at least one character.');
  await title.press('Escape');
  await expect(coach.historyPanel).toBeVisible();
  await expect(renamed.getByRole('button', { name: /SPY 60m 2-1-2 plan/ })).toBeFocused();

  // Delete asks first (Cancel has focus); deleting the open conversation starts a new one.
  await expect(row(coach, /Gold on the weekly/).getByRole('button', { name: /Gold/ })).toHaveAttribute(
    'aria-current',
    'true',
  );
  const gold = row(coach, /Gold on the weekly/);
  await gold.hover();
  await gold.getByRole('button', { name: 'Delete' }).click();
  const confirm = coach.historyPanel.getByRole('group', { name: 'Delete conversation' });
  await expect(confirm).toContainText('Delete “Gold on the weekly?”?');
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await coach.screenshot('43-history-delete');
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(coach.historyPanel.getByRole('listitem')).toHaveCount(1);
  await expect(coach.historyPanel.getByRole('status')).toHaveText('Deleted “Gold on the weekly?”.');
  await expect(coach.page.getByTestId('question-bubble')).toHaveCount(0);

  await coach.page.reload();
  await expect(coach.question).toBeVisible();
  await coach.historyButton.click();
  await expect(coach.historyPanel.getByRole('listitem')).toHaveCount(1);
  await expect(coach.historyPanel.getByRole('listitem')).toContainText('SPY 60m 2-1-2 plan');

  // The next question starts a conversation of its own: nothing of the deleted one goes to the model.
  await coach.historyPanel.getByRole('button', { name: 'Close conversations' }).click();
  await server.script({ chunks: ['Fresh start.'] });
  await coach.askAndWait('Silver?');
  expect((await server.upstreamRequests()).at(-1)?.messageCount).toBe(1);
});

test('the keyboard: focus moves in, arrows move, Enter opens, Esc closes and gives focus back', async ({
  coach,
  server,
}) => {
  await coach.signIn();
  await server.script({ chunks: ['One.'] }, { chunks: ['Two.'] }, { chunks: ['Three.'] });
  await coach.askAndWait('First question');
  await newConversation(coach, 'Second question');
  await newConversation(coach, 'Third question');
  const open = (title: string) => coach.historyPanel.getByRole('button', { name: new RegExp(`^${title}`) });

  await coach.historyButton.focus();
  await coach.page.keyboard.press('Enter');
  const search = coach.historyPanel.getByRole('searchbox', { name: 'Search conversations' });
  await expect(search).toBeFocused();
  await expect(coach.historyPanel.getByRole('listitem')).toHaveCount(3);

  // The arrows start at the open conversation, stop at the ends, and go back up to the search box.
  await coach.page.keyboard.press('ArrowDown');
  await expect(open('Third question')).toBeFocused();
  await coach.page.keyboard.press('ArrowDown');
  await expect(open('Second question')).toBeFocused();
  await coach.page.keyboard.press('End');
  await expect(open('First question')).toBeFocused();
  await coach.page.keyboard.press('ArrowDown');
  await expect(open('First question')).toBeFocused();
  await coach.page.keyboard.press('Home');
  await expect(open('Third question')).toBeFocused();
  await coach.page.keyboard.press('ArrowUp');
  await expect(search).toBeFocused();

  // Tab leaves the list after the row the arrows are on (its own buttons), not through every row.
  await coach.page.keyboard.press('ArrowDown');
  await coach.page.keyboard.press('ArrowDown');
  await coach.page.keyboard.press('Tab');
  await expect(coach.page.locator(':focus')).toHaveAccessibleName('Rename');

  // Enter opens the one the arrows are on; the question box has focus to ask the next thing.
  await coach.page.keyboard.press('Shift+Tab');
  await coach.page.keyboard.press('Enter');
  await expect(coach.historyPanel).toBeHidden();
  await expect(coach.page.getByTestId('question-bubble')).toHaveText(['Second question']);
  await expect(coach.question).toBeFocused();

  // Esc closes the panel and History has focus again.
  await coach.historyButton.click();
  await expect(search).toBeFocused();
  await coach.page.keyboard.press('Escape');
  await expect(coach.historyPanel).toBeHidden();
  await expect(coach.historyButton).toBeFocused();

  // F2 renames and Delete asks, from the keys alone; Esc backs out of each without closing the panel.
  await coach.historyButton.click();
  await coach.page.keyboard.press('ArrowDown');
  await coach.page.keyboard.press('F2');
  await expect(coach.historyPanel.getByRole('textbox', { name: 'Conversation title' })).toBeFocused();
  await coach.page.keyboard.press('Escape');
  await coach.page.keyboard.press('Delete');
  await expect(coach.historyPanel.getByRole('group', { name: 'Delete conversation' })).toBeVisible();
  await coach.page.keyboard.press('Escape');
  await expect(coach.historyPanel.getByRole('group', { name: 'Delete conversation' })).toHaveCount(0);
  await expect(coach.historyPanel).toBeVisible();
  await expect(coach.page.locator(':focus')).toHaveAccessibleName(/^Second question/);
});

test('long titles end in an ellipsis and the panel never scrolls sideways at 360 px', async ({ coach, server }) => {
  await coach.page.setViewportSize({ width: 360, height: 700 });
  await coach.signIn();
  await server.script({ chunks: ['Wait for the 2-up.'] });
  await coach.askAndWait(
    'Is this a 2-1-2 reversal on the SPY 60-minute after the failed 2-down at the open, and where does the stop go?',
  );
  await coach.historyButton.click();
  const title = coach.historyPanel.locator('.history-title').first();
  await expect(title).toHaveCSS('text-overflow', 'ellipsis');
  expect(await title.evaluate((element) => element.scrollWidth > element.clientWidth)).toBe(true);
  expect(
    await coach.historyPanel.evaluate((panel) => panel.scrollWidth <= panel.clientWidth),
    'the panel scrolls sideways',
  ).toBe(true);
  expect(await coach.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await coach.screenshot('44-history-360');
});

test('docked beside the thread from 1100 px: it takes no focus at start, and Esc goes back to the question box', async ({
  coach,
  server,
}) => {
  await coach.page.setViewportSize({ width: 1280, height: 800 });
  await coach.signIn();
  await server.script({ chunks: ['Inside bar.'] });
  await coach.askAndWait('Gold on the weekly?');
  const search = coach.historyPanel.getByRole('searchbox', { name: 'Search conversations' });
  await expect(coach.historyPanel).toBeVisible();
  await expect(search).not.toBeFocused();
  await expect(coach.historyPanel.getByRole('button', { name: 'Close conversations' })).toHaveCount(0);

  // The first Esc empties the search box, the second goes back to the question; the sidebar stays.
  await search.fill('gold');
  await expect(coach.historyPanel.getByRole('status')).toHaveText('1 found');
  await search.press('Escape');
  await expect(search).toHaveValue('');
  await expect(search).toBeFocused();
  await search.press('Escape');
  await expect(coach.question).toBeFocused();
  await expect(coach.historyPanel).toBeVisible();
});
