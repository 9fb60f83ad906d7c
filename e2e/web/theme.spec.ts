// Light and dark: the window follows the system's prefers-color-scheme until the trader picks a theme in
// Settings, which is kept (a reload shows it); reduced motion stops the blinking cursor and the pulsing dot.
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

/** The page's own background and text colours, as the browser paints them. */
const colours = (page: Page): Promise<{ background: string; text: string }> =>
  page.evaluate(() => {
    const style = getComputedStyle(document.documentElement);
    return { background: style.backgroundColor, text: style.color };
  });

const DARK = { background: 'rgb(15, 20, 26)', text: 'rgb(230, 234, 240)' };
const LIGHT = { background: 'rgb(244, 246, 248)', text: 'rgb(23, 32, 42)' };

test('the window follows prefers-color-scheme: light and dark', async ({ coach }) => {
  await coach.page.emulateMedia({ colorScheme: 'light' });
  await coach.signIn();
  expect(await colours(coach.page)).toEqual(LIGHT);
  await expect(coach.question).toHaveCSS('background-color', LIGHT.background);
  await coach.page.emulateMedia({ colorScheme: 'dark' });
  expect(await colours(coach.page)).toEqual(DARK);
  await expect(coach.question).toHaveCSS('background-color', DARK.background);
});

test('the theme chosen in Settings wins over the system, and a reload keeps it', async ({ coach }) => {
  await coach.page.emulateMedia({ colorScheme: 'light' });
  await coach.signIn();
  await coach.settingsButton.click();
  const theme = coach.settingsPanel.getByRole('group', { name: 'Theme' });
  await expect(theme.getByRole('radio', { name: 'System' })).toBeChecked();

  await theme.getByRole('radio', { name: 'Dark' }).check();
  await expect.poll(() => colours(coach.page)).toEqual(DARK);
  await coach.screenshot('settings-theme-dark');

  await coach.page.reload();
  await expect(coach.question).toBeVisible();
  expect(await colours(coach.page)).toEqual(DARK);
  await coach.settingsButton.click();
  await expect(theme.getByRole('radio', { name: 'Dark' })).toBeChecked();

  // System again: the page follows the (light) system once more.
  await theme.getByRole('radio', { name: 'System' }).check();
  await expect.poll(() => colours(coach.page)).toEqual(LIGHT);
  await theme.getByRole('radio', { name: 'Light' }).check();
  await coach.page.emulateMedia({ colorScheme: 'dark' });
  expect(await colours(coach.page)).toEqual(LIGHT);
});

/** Elements (and their ::before and ::after) with an animation running: the cursor, the thinking dot. */
const animated = (page: Page): Promise<number> =>
  page.evaluate(
    () =>
      [...document.querySelectorAll('*')]
        .flatMap((element) => [null, '::before', '::after'].map((pseudo) => getComputedStyle(element, pseudo)))
        .filter((style) => style.animationName !== 'none').length,
  );

test('reduced motion: nothing blinks or pulses while the coach is answering', async ({ coach, server }) => {
  await coach.page.emulateMedia({ reducedMotion: 'reduce' });
  await coach.signIn();
  // The answer has started and stalls before its first words: the window shows it is waiting.
  await server.script({ chunks: ['A 2-1-2 needs an inside bar.'], stallAfterChunks: 0 });
  await coach.ask('What is a 2-1-2?');
  await expect(coach.stopButton).toBeVisible();
  expect(await animated(coach.page)).toBe(0);
  await coach.page.emulateMedia({ reducedMotion: 'no-preference' });
  await expect.poll(() => animated(coach.page)).toBeGreaterThan(0);
  await coach.stopButton.click();
});
