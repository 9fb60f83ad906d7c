// Sign-in through the system browser (played by the test) against the real server's local issuer, then
// the quick question: the coach window comes forward and is asked; the display under the cursor is
// captured whole at device resolution and encoded for the API.
// window.coach's type (a global declared by the contract).
import type {} from '@strat-coach/desktop/src/shared/host-api';
import { expect, hasElectron, signIn, skipReason, test } from './fixtures';
import { pushes, recordPushes } from './main-process';

test.skip(!hasElectron, skipReason);

test('signs in through the browser and the loopback redirect; no token reaches the page', async ({ coach }) => {
  const browserPage = await signIn(coach);

  expect(browserPage).toContain('You can close this tab');
  const session = await coach.window.evaluate(() => window.coach!.session.get());
  expect(session).toMatchObject({ status: 'signed_in', subject: 'user_local' });
  expect(JSON.stringify(session)).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
  await expect(coach.window.getByTestId('usage-meter')).toBeVisible();

  await coach.window.evaluate(() => window.coach!.session.signOut());
  await expect(coach.window.getByTestId('signed-out')).toBeVisible();
});

test('quick question: the coach window comes forward and is asked, the way the tray and shortcut ask', async ({
  coach,
}) => {
  await signIn(coach);
  await recordPushes(coach.window);
  await coach.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.hide());

  // What a second launch with --quick-question (e.g. a Stream Deck key) does.
  await coach.app.evaluate(({ app }) => {
    app.emit('second-instance', {}, [process.execPath, '--quick-question'], process.cwd(), {});
  });

  await expect.poll(() => pushes(coach.window)).toEqual(['quick-question:null']);
  expect(await coach.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isVisible())).toBe(true);
});

test('capture.underCursor returns the whole display under the cursor, encoded for the API', async ({ coach }) => {
  const expected = await coach.app.evaluate(({ screen }) => {
    const display = screen.getDisplayNearestPoint(screen.getCursorScreenPoint());
    return {
      displayId: String(display.id),
      width: Math.round(display.bounds.width * display.scaleFactor),
      height: Math.round(display.bounds.height * display.scaleFactor),
    };
  });

  const chart = await coach.window.evaluate(() => window.coach!.capture.underCursor());

  expect(chart).toMatchObject({
    ok: true,
    value: {
      region: {
        source: { kind: 'display', displayId: expected.displayId },
        rect: { x: 0, y: 0, width: expected.width, height: expected.height },
        sourceSize: { width: expected.width, height: expected.height },
      },
    },
  });
  if (!chart.ok) return;
  expect(chart.value.image.mediaType).toMatch(/^image\/(png|jpeg)$/);
  expect(Math.max(chart.value.image.width, chart.value.image.height)).toBe(
    Math.min(1568, Math.max(expected.width, expected.height)),
  );
});
