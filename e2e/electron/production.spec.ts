// Production hardening as the trader meets it: an app menu without Reload or DevTools, a log file in the
// user-data folder, "Restart to update" in the window when main offers an update, and a crashed window
// reloaded with a notice instead of left blank.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, hasElectron, skipReason, test } from './fixtures';

test.skip(!hasElectron, skipReason);

test('the app menu has no Reload or DevTools (STRAT_COACH_DEBUG unset), and has the logs and diagnostics', async ({
  coach,
}) => {
  const items = await coach.app.evaluate(({ Menu }) => {
    const walk = (menu: Electron.Menu | null): { role: string; label: string }[] =>
      (menu?.items ?? []).flatMap((item) => [
        { role: item.role ?? '', label: item.label },
        ...walk(item.submenu ?? null),
      ]);
    return walk(Menu.getApplicationMenu());
  });
  const roles = items.map((item) => item.role.toLowerCase());
  for (const role of ['reload', 'forcereload', 'toggledevtools']) expect(roles).not.toContain(role);
  expect(items.map((item) => item.label)).toEqual(expect.arrayContaining(['Open logs folder', 'Copy diagnostics']));
});

test('writes its log to logs/main.log in the user-data folder', async ({ coach }) => {
  const userData = await coach.app.evaluate(({ app }) => app.getPath('userData'));
  await expect
    .poll(async () => readFile(join(userData, 'logs', 'main.log'), 'utf8').catch(() => ''))
    .toContain('strat coach started');
});

test('offers Restart to update in the window when main has downloaded one', async ({ coach }) => {
  await coach.app.evaluate(({ BrowserWindow }) =>
    BrowserWindow.getAllWindows()[0]!.webContents.send('app:update', { version: '99.0.0', waitingForAnswer: false }),
  );
  const offer = coach.window.getByTestId('update-offer');
  await expect(offer).toContainText('Strat Coach 99.0.0 is downloaded');
  await expect(offer.getByRole('button', { name: 'Restart to update' })).toBeVisible();
});

test('a crashed window is reloaded and says so', async ({ coach }) => {
  await expect(coach.window.getByTestId('signed-out')).toBeVisible();
  await coach.app.evaluate(({ BrowserWindow }) =>
    BrowserWindow.getAllWindows()[0]!.webContents.forcefullyCrashRenderer(),
  );
  await expect(coach.window.getByTestId('app-notice')).toContainText('stopped unexpectedly and was reloaded');
  await expect(coach.window.getByTestId('signed-out')).toBeVisible();
});
