// The request behind Upgrade (Stripe Checkout) and Manage plan (the Customer Portal), the same for both hosts.
import type { BillingPage } from './host-api';

export function billingRequest(page: BillingPage): { path: string; body: { tier: string } | undefined } {
  return page.kind === 'checkout'
    ? { path: '/billing/checkout', body: { tier: page.tier } }
    : { path: '/billing/portal', body: undefined };
}

/** A page as the renderer may ask for it (main checks what crosses IPC). */
export function isBillingPage(value: unknown): value is BillingPage {
  if (typeof value !== 'object' || value === null) return false;
  const page = value as { kind?: unknown; tier?: unknown };
  return page.kind === 'portal' || (page.kind === 'checkout' && (page.tier === 'pro' || page.tier === 'enterprise'));
}

/**
 * When the trader is back from Stripe's page, the plan is read at once and a few times more: Stripe's event can
 * reach the server seconds after the trader returns (the card still being charged), and the window should show
 * the new plan without waiting for the next answer.
 */
export const REREAD_AFTER_RETURN_MS: readonly number[] = [0, 3_000, 10_000, 30_000];

/** Calls `reread` on the trader's return (`whenBack` calls its callback once), then again after each delay. */
export function rereadOnReturn(
  whenBack: (callback: () => void) => void,
  reread: () => void,
  delays: readonly number[] = REREAD_AFTER_RETURN_MS,
): void {
  whenBack(() => {
    for (const delay of delays) {
      if (delay === 0) reread();
      // Not what keeps a process alive (main quitting, a test ending).
      else (setTimeout(reread, delay) as { unref?: () => void }).unref?.();
    }
  });
}
