// The coach window as a page object: signing in, the chart, the question box, the answer, the meter and
// the banner, in the words a trader would use.
import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';
import { drawChartPng } from './chart-image';

export const SCREENSHOT_DIR = 'test-results/screenshots';
/** Each screenshotted state is taken, and checked by axe, in both themes at the compact and the wide width. */
export const SCREENSHOT_THEMES = ['dark', 'light'] as const;
export const SCREENSHOT_WIDTHS = [440, 1280] as const;

/** axe's serious and critical violations on the page as it is now, one line each: rule, impact, elements. */
export async function axeViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes
          .map((node) => node.target.join(' '))
          .join(', ')}`,
    );
}

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
  readonly settingsButton: Locator;
  readonly settingsPanel: Locator;
  /** The meter's line, a button that opens the plan and the tokens. */
  readonly meterButton: Locator;
  readonly meterDetails: Locator;
  readonly chartPane: Locator;

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
    this.settingsButton = page.getByRole('button', { name: 'Settings' });
    this.settingsPanel = page.getByTestId('settings-panel');
    // The button that opens the details (the details hold Upgrade / Manage plan, also buttons).
    this.meterButton = this.meter.locator('button[aria-expanded]');
    this.meterDetails = this.meter.getByRole('group', { name: 'Usage this month' });
    this.chartPane = page.getByTestId('chart-pane');
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

  /** Pastes (Ctrl/Cmd+V) a chart PNG of this size into the question box, and waits for its thumbnail there (as a
   * trader sees it before sending: a question sent sooner goes without it). */
  async pasteChart(width: number, height: number): Promise<void> {
    const before = await this.chartThumbnail.count();
    await this.question.focus();
    await this.page.evaluate(drawChartPng, { width, height, as: 'paste' as const });
    await expect(this.chartThumbnail).toHaveCount(before + 1);
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

  /**
   * The state as it is now, in both themes (prefers-color-scheme) at 440 and 1280 px:
   * `<name>-<theme>-<width>.png`, each also checked by axe — the test fails on any serious or critical
   * violation. The page is left at its own size and colour scheme.
   */
  async screenshot(name: string): Promise<void> {
    const { page } = this;
    const viewport = page.viewportSize() ?? { width: 520, height: 760 };
    const wasDark = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
    // A layout change may unmount what had focus (the wide window's docked history): it is given back after.
    const focused = await page.evaluateHandle(() => document.activeElement);
    const violations: string[] = [];
    try {
      for (const theme of SCREENSHOT_THEMES) {
        await page.emulateMedia({ colorScheme: theme });
        for (const width of SCREENSHOT_WIDTHS) {
          await page.setViewportSize({ width, height: viewport.height });
          // The window has taken its layout for this width (App re-renders on the media query's change).
          await page.waitForFunction((wide) => {
            const layout = document.querySelector<HTMLElement>('[data-testid="coach"]')?.dataset.layout;
            return layout === undefined || layout === (wide ? 'wide' : 'compact');
          }, width >= 1100);
          await page.screenshot({
            path: `${SCREENSHOT_DIR}/${name}-${theme}-${width}.png`,
            animations: 'disabled',
            caret: 'hide',
          });
          violations.push(...(await axeViolations(page)).map((line) => `${theme}, ${width} px: ${line}`));
        }
      }
    } finally {
      await page.emulateMedia({ colorScheme: wasDark ? 'dark' : 'light' });
      await page.setViewportSize(viewport);
      await focused.evaluate((element) => {
        if (element instanceof HTMLElement && element.isConnected) element.focus();
      });
    }
    expect(violations, `axe on "${name}"`).toEqual([]);
  }
}
