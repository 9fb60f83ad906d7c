// The coach window as a page object: signing in, the chart, the question box, the answer, the meter and
// the banner, in the words a trader would use.
import { expect, type Locator, type Page } from '@playwright/test';
import { drawChartPng } from './chart-image';

export const SCREENSHOT_DIR = 'test-results/screenshots';

export class CoachPage {
  readonly signedOut: Locator;
  readonly signInButton: Locator;
  readonly signOutButton: Locator;
  readonly question: Locator;
  readonly sendButton: Locator;
  readonly stopButton: Locator;
  readonly liveAnswer: Locator;
  readonly notice: Locator;
  readonly meter: Locator;
  readonly meterPercent: Locator;
  readonly meterLeft: Locator;
  readonly chartThumbnail: Locator;
  readonly chartError: Locator;
  readonly historyButton: Locator;
  readonly historyPanel: Locator;

  constructor(readonly page: Page) {
    this.signedOut = page.getByTestId('signed-out');
    this.signInButton = page.getByRole('button', { name: 'Sign in' });
    this.signOutButton = page.getByRole('button', { name: 'Sign out' });
    this.question = page.getByRole('textbox', { name: 'Question' });
    this.sendButton = page.getByRole('button', { name: 'Send', exact: true });
    this.stopButton = page.getByRole('button', { name: 'Stop', exact: true });
    this.liveAnswer = page.getByTestId('live-answer');
    this.notice = page.getByTestId('notice');
    this.meter = page.getByTestId('usage-meter');
    this.meterPercent = page.getByTestId('usage-percent');
    this.meterLeft = page.getByTestId('usage-left');
    this.chartThumbnail = page.getByTestId('chart-thumbnail');
    this.chartError = page.getByTestId('chart-error');
    this.historyButton = page.getByRole('button', { name: 'History' });
    this.historyPanel = page.getByTestId('history-panel');
  }

  /** Opens the app (at this test's server unless `url` names another) and signs in through the issuer. */
  async signIn(url = '/'): Promise<void> {
    await this.page.goto(url);
    await this.signInButton.click();
    // A whole redirect sign-in, on a server that may have just started: on a loaded CI machine it took over
    // the default 10 s once (the page still said "Signing in…").
    await expect(this.question).toBeVisible({ timeout: 30_000 });
    // The meter has loaded: the app is settled after the sign-in.
    await expect(this.meterPercent).not.toHaveText('–');
  }

  async ask(text: string): Promise<void> {
    await this.question.fill(text);
    await this.question.press('Enter');
  }

  /** Asks and waits for the whole answer. */
  async askAndWait(text: string): Promise<void> {
    await this.ask(text);
    await expect(this.liveAnswer).toHaveAttribute('data-phase', 'complete');
  }

  /** Pastes (Ctrl/Cmd+V) a chart PNG of this size into the question box. */
  async pasteChart(width: number, height: number): Promise<void> {
    await this.question.focus();
    await this.page.evaluate(drawChartPng, { width, height, as: 'paste' as const });
  }

  /** Drops a chart PNG onto the window. */
  async dropChart(width: number, height: number): Promise<void> {
    await this.page.evaluate(drawChartPng, { width, height, as: 'drop' as const });
  }

  /** Pastes a file that is not an image. */
  async pasteTextFile(): Promise<void> {
    await this.question.focus();
    await this.page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(['not a chart'], 'notes.txt', { type: 'text/plain' }));
      document.activeElement?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    });
  }

  async openConversation(title: string): Promise<void> {
    await this.historyButton.click();
    await this.historyPanel.getByRole('button', { name: title }).click();
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, animations: 'disabled', caret: 'hide' });
  }
}
