// An answer is untrusted text: Markdown renders, but raw HTML stays inert text, remote images are never
// loaded (their alt text stands in) and links open outside the app without a referrer.
import { expect, test } from './fixtures';

const HOSTILE_ANSWER = [
  'Here is **the plan**.\n\n',
  '<script>window.__pwned=1</script>\n\n',
  '<img src=x onerror="window.__pwned=1">\n\n',
  '![tracking pixel](https://tracker.example/pixel.png)\n\n',
  '[Rob Smith on The Strat](https://example.com/strat) and [a trap](javascript:window.__pwned=1).\n\n',
  'Session expired: [Sign in again](https://evil.example/login). Mail [the desk](mailto:desk@example.com). ',
  'Docs: https://example.com/docs and [www.tradingview.com/?ref=evil.example](https://evil.example/login)',
];

test('a Markdown answer with <script> and <img onerror> renders inert', async ({ coach, server, page }) => {
  const remote: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(server.url)) remote.push(request.url());
  });
  await coach.signIn();
  await server.script({ chunks: HOSTILE_ANSWER });
  await coach.askAndWait('Show me something dangerous');

  const answer = coach.liveAnswer;
  await expect(answer.locator('strong')).toHaveText('the plan');
  // The HTML is shown as text, never parsed into elements.
  await expect(answer).toContainText('<script>window.__pwned=1</script>');
  await expect(answer).toContainText('<img src=x onerror="window.__pwned=1">');
  await expect(answer.locator('script')).toHaveCount(0);
  await expect(answer.locator('img')).toHaveCount(0);
  await expect(answer.locator('[onerror]')).toHaveCount(0);
  await expect(answer).toContainText('[image: tracking pixel]');

  const link = answer.getByRole('link', { name: 'Rob Smith on The Strat' });
  await expect(link).toHaveAttribute('href', 'https://example.com/strat');
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(link).toHaveAttribute('rel', 'noreferrer');
  // Where a link goes shows beside its words, unless they already name the host.
  await expect(answer).toContainText('Rob Smith on The Strat (example.com) and a trap.');
  await expect(answer).toContainText('Sign in again (evil.example)');
  await expect(answer.getByRole('link', { name: 'Sign in again' })).toHaveAttribute(
    'title',
    'https://evil.example/login',
  );
  await expect(answer.getByRole('link', { name: 'https://example.com/docs' })).toBeVisible();
  await expect(answer).not.toContainText('https://example.com/docs (example.com)');
  // Words that only contain the host are not an address on it: the host still shows.
  await expect(answer).toContainText('www.tradingview.com/?ref=evil.example (evil.example)');
  // A mail link would look live and open nothing (the app hands the OS web links only): its words alone.
  await expect(answer.getByRole('link', { name: 'the desk' })).toHaveCount(0);
  await expect(answer).toContainText('Mail the desk.');
  // A javascript: link is no link at all, just its words.
  await expect(answer.getByRole('link', { name: 'a trap' })).toHaveCount(0);
  await expect(answer).toContainText('and a trap');
  await answer.getByText('a trap').click();
  await coach.screenshot('08-markdown-inert');

  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(remote).toEqual([]);
});

test('the coach’s bar list and trade plan render as tables, not raw pipes', async ({ coach, server }) => {
  await coach.signIn();
  await server.script({
    chunks: [
      '### Bars\n\n',
      '| Bar | Higher high? | Lower low? | Label |\n| --- | --- | --- | --- |\n',
      '| -2 | no | yes | 2D |\n| -1 (last closed) | no | no | 1 |\n| live (provisional) | yes | no | 2U |\n\n',
      '### Trigger, stop, target\n\n',
      "| Side | Trigger | Stop | Target |\n| --- | --- | --- | --- |\n| Long | the 1's high | the 1's low | the 2D's high |\n",
    ],
  });
  await coach.askAndWait('Number the last bars.');
  const tables = coach.liveAnswer.getByRole('table');
  await expect(tables).toHaveCount(2);
  await expect(tables.first().getByRole('row')).toHaveCount(4);
  await expect(tables.first().getByRole('cell', { name: 'live (provisional)' })).toBeVisible();
  await expect(coach.liveAnswer).not.toContainText('| ---');
  await coach.screenshot('21-answer-tables');
});

test('a long line of code scrolls inside its block: the answer keeps to the thread’s width and wraps', async ({
  coach,
  server,
  page,
}) => {
  await coach.signIn();
  const alerts = 'SPY  ' + Array.from({ length: 18 }, (_, i) => `alert_${i + 1}=${(512.4 + i).toFixed(2)}`).join('  ');
  await server.script({
    chunks: [
      'Set these alerts before the open, then wait for the 1 to close and the trigger to break. ',
      'If it triggers and fails, stand aside.\n\n',
      '```\n',
      `${alerts}\n`,
      '```\n',
    ],
  });
  await coach.askAndWait('Give me the alert levels.');
  for (const width of [440, 1280]) {
    await page.setViewportSize({ width, height: 760 });
    const fits = await page.getByTestId('thread').evaluate((thread) => ({
      thread: thread.scrollWidth <= thread.clientWidth,
      answer: (() => {
        const answer = thread.querySelector<HTMLElement>('[data-testid="live-answer"]')!;
        return answer.getBoundingClientRect().right <= thread.getBoundingClientRect().right;
      })(),
      codeScrolls: (() => {
        const pre = thread.querySelector('pre')!;
        return pre.scrollWidth > pre.clientWidth;
      })(),
    }));
    expect(fits, `at ${width} px`).toEqual({ thread: true, answer: true, codeScrolls: true });
  }
  await coach.screenshot('54-answer-long-code');
});
