// Signing in through the server's local issuer: OAuth code + PKCE S256 by full-page redirect, the URL
// cleaned afterwards, the session surviving a reload, and sign-out revoking the refresh token.
import { expect, test } from './fixtures';

test('signs in with PKCE through the local issuer, survives a reload, and signs out', async ({
  page,
  coach,
  server,
}) => {
  // Refresh tokens still valid at the issuer (the worker's server has seen earlier tests' sign-ins).
  const validRefreshTokens = async (): Promise<number> =>
    (
      await server.sql<{ count: number }>(
        `SELECT count(*)::int AS count FROM oauth_refresh_tokens WHERE revoked_at IS NULL AND expires_at > now()`,
      )
    )[0]!.count;
  const before = await validRefreshTokens();

  await page.goto('/');
  await expect(coach.signedOut).toBeVisible();
  await expect(coach.signInButton).toBeEnabled();
  // The one thing to do here has the focus: Enter signs in without a Tab first.
  await expect(coach.signInButton).toBeFocused();
  await coach.screenshot('01-signed-out');

  const authorize = page.waitForRequest((request) => new URL(request.url()).pathname === '/oauth/authorize');
  await coach.signInButton.click();
  const query = new URL((await authorize).url()).searchParams;
  expect(query.get('code_challenge_method')).toBe('S256');
  expect(query.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(query.get('redirect_uri')).toBe(`${server.url}/`);
  expect(query.get('state')).toBeTruthy();

  await expect(coach.question).toBeVisible();
  // Back from the issuer, the code and state are gone from the address bar.
  await expect(page).toHaveURL(`${server.url}/`);
  await expect(coach.meterLeft).toHaveText('100,000 tokens left');

  expect(await validRefreshTokens()).toBe(before + 1);

  // A reload must not sign the trader out: the tab keeps its refresh token (and rotates it).
  await page.reload();
  await expect(coach.question).toBeVisible();
  expect(await validRefreshTokens()).toBe(before + 1);

  // Sign-out revokes the refresh token at the issuer; a reload stays signed out.
  await coach.signOutButton.click();
  await expect(coach.signedOut).toBeVisible();
  await expect.poll(validRefreshTokens).toBe(before);
  await page.reload();
  await expect(coach.signedOut).toBeVisible();
});

test('signs in when the page was opened as localhost rather than 127.0.0.1', async ({ page, coach, server }) => {
  const url = server.url.replace('127.0.0.1', 'localhost');
  await coach.signIn(url);
  await expect(page).toHaveURL(`${url}/`);
  await expect(coach.meterLeft).toHaveText('100,000 tokens left');
});
