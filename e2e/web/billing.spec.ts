// Upgrade and Manage plan as a trader meets them, through the web host against a server with billing on (a
// loopback fake Stripe): the meter's details offer Upgrade to Pro, which opens Stripe Checkout in a tab; once
// Stripe's event has moved the trader to Pro and they are back in the app, the meter shows the Pro plan and offers
// Manage plan. The quota-exceeded notice offers the same way out.
import type { BrowserContext, Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

/** Stripe's hosted pages are not reachable from here: a tab that opens one gets a stand-in page. */
async function standInStripePages(context: BrowserContext): Promise<void> {
  await context.route(/^https:\/\/(checkout|billing)\.stripe\.test\//, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><title>Stripe</title><h1>Stripe (test stand-in)</h1>',
    }),
  );
}

/** Clicks `button` and returns the tab it opens, once that tab is at a `url`. */
async function opensTab(context: BrowserContext, button: Locator, url: RegExp): Promise<Page> {
  const opened = context.waitForEvent('page');
  await button.click();
  const tab = await opened;
  await expect.poll(() => tab.url()).toMatch(url);
  return tab;
}

const CHECKOUT = /^https:\/\/checkout\.stripe\.test\/c\/cs_test_/;

/** The trader comes back to the app's tab (the web host reads the plan again on the window's focus). */
async function backTo(page: Page): Promise<void> {
  await page.bringToFront();
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
}

test('Upgrade opens Checkout in a tab; back in the app the meter shows the Pro plan and Manage plan', async ({
  coach,
  context,
  startServer,
}) => {
  await standInStripePages(context);
  const server = await startServer({ billing: true });
  await coach.signIn(server.url);

  await coach.meterButton.click();
  await expect(coach.meterDetails).toBeVisible();
  await expect(coach.meterDetails).toContainText('Free plan');
  await expect(coach.meterDetails).toContainText('Pro plan: 2,000,000 tokens a month, ≈ 952 chart questions.');
  const upgrade = coach.meterDetails.getByRole('button', { name: 'Upgrade to Pro' });
  await expect(upgrade).toBeVisible();
  await coach.screenshot('45-meter-upgrade');

  const checkout = await opensTab(context, upgrade, CHECKOUT);
  expect(await server.checkoutRequests()).toEqual([
    expect.objectContaining({ mode: 'subscription', client_reference_id: 'user_local' }),
  ]);
  await expect(coach.meterDetails.getByRole('alert')).toHaveCount(0);

  // Paid: Stripe tells the server, the trader closes Stripe's tab and is back in the app.
  await server.subscribe({ tier: 'pro' });
  await checkout.close();
  await backTo(coach.page);
  await expect(coach.meterDetails).toContainText('Pro plan');
  await expect(coach.meterLeft).toHaveText('2,000,000 tokens left');
  const manage = coach.meterDetails.getByRole('button', { name: 'Manage plan' });
  await expect(manage).toBeVisible();
  await coach.screenshot('46-meter-manage-plan');

  await opensTab(context, manage, /^https:\/\/billing\.stripe\.test\/p\//);
});

test('the quota-exceeded notice offers Upgrade to Pro, which opens Checkout', async ({
  coach,
  context,
  startServer,
}) => {
  await standInStripePages(context);
  const server = await startServer({ billing: true });
  await coach.signIn(server.url);
  // The free month's quota spent (as if by earlier questions).
  await server.sql(
    `UPDATE users SET quota_period_start = date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                      quota_used = 100000
      WHERE clerk_user_id = 'user_local'`,
  );
  await coach.ask('Is this 2-1-2 still live?');
  await expect(coach.notice).toHaveAttribute('data-kind', 'quota_exceeded');
  await expect(coach.notice).toContainText('You have used 100,000 of your 100,000 coaching tokens this month.');
  await expect(coach.notice).toContainText('Pro plan: 2,000,000 tokens a month, ≈ 952 chart questions.');
  const upgrade = coach.notice.getByRole('button', { name: 'Upgrade to Pro' });
  await expect(upgrade).toBeVisible();
  await coach.screenshot('47-quota-exceeded-upgrade');

  await opensTab(context, upgrade, CHECKOUT);
  expect(await server.upstreamRequests()).toHaveLength(0);
});
