// The session when things go wrong, through the web host and the shared OAuth client: a token the server no
// longer accepts whose refresh fails too ends in a signed-out state whose Sign in works; a network that is
// gone when the token runs out keeps the session ("Offline — reconnecting") and brings it back by itself,
// without a new sign-in.
import { expect, test } from './fixtures';

test('a refused token whose refresh fails too signs out, and Sign in signs in again', async ({
  page,
  coach,
  startServer,
}) => {
  const server = await startServer();
  await coach.signIn(server.url);
  // Reinstalled at the same address: a new issuer key and an empty database. The page's access token is
  // refused (401) and its refresh token is unknown there.
  await server.reinstall();

  await coach.ask('Is the 4-hour in continuity?');

  await expect(coach.signedOut).toBeVisible();
  await expect(coach.signedOut.getByRole('alert')).toHaveText('Your session has ended. Sign in again.');
  await coach.screenshot('12-session-ended');

  const authorize = page.waitForRequest((request) => new URL(request.url()).pathname === '/oauth/authorize');
  await coach.signInButton.click();
  await authorize;
  await expect(coach.question).toBeVisible();
  await expect(coach.meterLeft).toHaveText('100,000 tokens left');
});

test('offline when the access token runs out: the session is kept and comes back by itself', async ({
  page,
  context,
  coach,
}) => {
  const signInsAfterward: string[] = [];
  await page.clock.install();
  await coach.signIn();
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/oauth/authorize') signInsAfterward.push(request.url());
  });

  await context.setOffline(true);
  // Past the access token's 10 minutes: the next request needs a refresh, which cannot reach the issuer.
  await page.clock.fastForward('11:00');
  await coach.ask('Is the 4-hour in continuity?');

  const reconnecting = coach.signedOut.getByTestId('notice');
  await expect(reconnecting).toHaveAttribute('data-kind', 'reconnecting');
  await expect(reconnecting).toContainText('Offline — reconnecting');
  await expect(reconnecting).toContainText('Your sign-in is kept');
  await expect(coach.signInButton).toBeHidden();
  await expect(reconnecting.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await coach.screenshot('13-offline-reconnecting');

  await context.setOffline(false);
  await expect(coach.question).toBeVisible();
  await expect(coach.meterLeft).toHaveText('100,000 tokens left');
  expect(signInsAfterward).toEqual([]);
});
