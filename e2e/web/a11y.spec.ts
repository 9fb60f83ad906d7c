// Accessibility of the coach window: its landmarks (the top bar is the banner, the conversation the main
// content, the question box a named region — no contentinfo), focus back in the question box after a panel
// closes, the meter's details one click (or Enter) away, and axe on each state (the screenshot helper runs
// it in both themes at both widths and fails on any serious or critical violation).
import { expect, test } from './fixtures';

test('landmarks: banner, main and the question box as a named region, no contentinfo', async ({ coach }) => {
  await coach.signIn();
  await expect(coach.page.getByRole('banner')).toContainText('Strat Coach');
  await expect(coach.page.getByRole('main')).toHaveCount(1);
  await expect(coach.page.getByRole('main')).toContainText('Ask about a chart');
  const ask = coach.page.getByRole('region', { name: 'Ask the coach' });
  await expect(ask.getByRole('textbox', { name: 'Question' })).toBeVisible();
  await expect(ask.getByRole('button', { name: 'Send' })).toBeVisible();
  await expect(coach.page.getByRole('contentinfo')).toHaveCount(0);
  await coach.screenshot('a11y-signed-in');
});

test('signed in, the keyboard starts in the question box; closing Settings, with Esc or its button, puts it back', async ({
  coach,
}) => {
  await coach.signIn();
  await expect(coach.question).toBeFocused();
  await coach.settingsButton.click();
  await expect(coach.settingsPanel).toBeFocused();
  await coach.screenshot('a11y-settings');
  await coach.page.keyboard.press('Escape');
  await expect(coach.settingsPanel).toHaveCount(0);
  await expect(coach.question).toBeFocused();

  await coach.settingsButton.click();
  await coach.settingsPanel.getByRole('button', { name: 'Close settings' }).click();
  await expect(coach.question).toBeFocused();
});

test('the meter says what is left in chart questions; the plan and the tokens are a click away', async ({
  coach,
  server,
}) => {
  await coach.signIn();
  await expect(coach.page.getByTestId('usage-questions')).toHaveText(
    /^≈ 47 chart questions left · renews \d{1,2} [A-Z][a-z]{2}$/,
  );
  // 4,139 uncached input and 1,000 output tokens: 94,861 of 100,000 left, 45 chart questions.
  await server.script({
    usage: { inputTokens: 4_139, outputTokens: 1_000, cacheCreationInputTokens: 0, cacheReadInputTokens: 3_000 },
  });
  await coach.askAndWait('Is this a 3-2-2 reversal?');
  await expect(coach.page.getByTestId('usage-questions')).toHaveText(
    /^≈ 45 chart questions left · renews \d{1,2} [A-Z][a-z]{2}$/,
  );
  await expect(coach.meter.getByRole('meter', { name: 'Monthly quota used' })).toHaveAttribute(
    'aria-valuetext',
    '5%, ≈ 45 chart questions left',
  );

  await expect(coach.meterDetails).toBeHidden();
  await coach.meterButton.focus();
  await coach.page.keyboard.press('Enter');
  await expect(coach.meterButton).toHaveAttribute('aria-expanded', 'true');
  await expect(coach.meterDetails).toBeVisible();
  await expect(coach.meterDetails).toContainText('Free plan');
  await expect(coach.meterDetails).toContainText('5,139 of 100,000 tokens (5%)');
  await expect(coach.meterLeft).toHaveText('94,861 tokens left');
  await expect(coach.meterDetails).toContainText(/Renews \d{1,2} [A-Z][a-z]{2} \d{4}/);
  await coach.screenshot('a11y-meter-details');

  // Esc closes the details only (the answer, were one streaming, goes on); focus stays on the meter.
  await coach.page.keyboard.press('Escape');
  await expect(coach.meterDetails).toBeHidden();
  await expect(coach.meterButton).toBeFocused();
});

test('signed out, and a finished answer with its table: no serious or critical axe violation', async ({
  coach,
  page,
}) => {
  await page.goto('/');
  await expect(coach.signInButton).toBeEnabled();
  await coach.screenshot('a11y-signed-out');
  await coach.signIn();
  await coach.pasteChart(1600, 900);
  await coach.askAndWait('Is the last bar a 2-up, and where is the trigger?');
  await coach.screenshot('a11y-answer');
});
