// Sign-in through the system browser (played by the test) against the real server's local issuer, then
// the quick question: the screen under the cursor is frozen at device resolution and the crop appears.
// window.coach's type (a global declared by the contract).
import type {} from '@strat-coach/desktop/src/shared/host-api';
import { expect, hasElectron, signIn, skipReason, test } from './fixtures';

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

test('quick question: freezes the display under the cursor and opens the crop', async ({ coach }) => {
  await signIn(coach);
  const expected = await coach.app.evaluate(({ screen }) => {
    const display = screen.getDisplayNearestPoint(screen.getCursorScreenPoint());
    return {
      width: Math.round(display.bounds.width * display.scaleFactor),
      height: Math.round(display.bounds.height * display.scaleFactor),
    };
  });

  // What a second launch with --quick-question (or the tray item, or the shortcut) does.
  await coach.app.evaluate(({ app }) => {
    app.emit('second-instance', {}, [process.execPath, '--quick-question'], process.cwd(), {});
  });

  const crop = coach.window.getByTestId('crop-overlay');
  await expect(crop).toBeVisible();
  await expect(crop).toContainText(`${expected.width} × ${expected.height} px`);
});

test('capture.screen returns a full-resolution PNG frame of the display', async ({ coach }) => {
  const frame = await coach.window.evaluate(() => window.coach!.capture.screen());
  expect(frame.ok).toBe(true);
  if (!frame.ok) return;
  expect(frame.value.dataUrl).toMatch(/^data:image\/png;base64,/);
  expect(frame.value.width).toBeGreaterThan(0);
  expect(frame.value.scaleFactor).toBeGreaterThan(0);
});
