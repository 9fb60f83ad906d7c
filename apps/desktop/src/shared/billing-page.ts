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
