// What a Stripe subscription makes of a trader's plan: the tier from its price and status, and the quota
// period it anchors. Pure, so every status is tested without Stripe.
import type Stripe from 'stripe';
import type { Tier } from '../../contract/usage.js';
import type { PlanChange } from '../../db/repositories/billing.js';
import { billingPeriodAt } from '../billing-period.js';

export interface PlanPrices {
  pro: string;
  enterprise: string;
}

/**
 * Statuses that keep the paid tier. `past_due` is the grace period: Stripe retries the card on its own
 * schedule (Billing settings, "Manage failed payments") and the trader keeps the plan meanwhile; when the
 * retries run out Stripe moves the subscription to `canceled` or `unpaid`, which is free.
 */
const PAID_STATUSES: ReadonlySet<string> = new Set(['active', 'trialing', 'past_due']);

/** The start of the calendar month (UTC) that contains `at`: the free tier's quota period. */
export const calendarMonthStart = (at: Date): Date => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));

/** The paid tier a price stands for, or null for a price that is not one of ours (the metered overage price). */
export function tierOfPrice(priceId: string, prices: PlanPrices): Exclude<Tier, 'free'> | null {
  if (priceId === prices.pro) return 'pro';
  if (priceId === prices.enterprise) return 'enterprise';
  return null;
}

const seconds = (unix: number): Date => new Date(unix * 1000);

/**
 * The quota period's anchor for a paid subscription: its billing cycle anchor, from which Stripe counts every
 * renewal, so a Jan 31 anchor gives Feb 28, Mar 31, Apr 30 as Stripe does. Anchored at a renewal that fell on a
 * shorter month's last day instead (Feb 28), the period would roll over on the 28th, days before Stripe's. The
 * anchor is taken only when it gives exactly the current period Stripe states; otherwise (a trial, whose anchor is
 * its end; a price that is not monthly) the current period's start, which is right until the next renewal event.
 */
function periodAnchor(subscription: Stripe.Subscription, item: Stripe.SubscriptionItem): Date {
  const start = seconds(item.current_period_start);
  if (typeof subscription.billing_cycle_anchor !== 'number') return start;
  const anchor = seconds(subscription.billing_cycle_anchor);
  const current = billingPeriodAt(anchor, start);
  return current.start.getTime() === start.getTime() && current.end.getTime() === item.current_period_end * 1000
    ? anchor
    : start;
}

/**
 * The plan a subscription (as an event carries it) gives. Paid: anchored at the subscription's billing cycle
 * anchor (periodAnchor), its period end the current period's.
 * Free (a deleted subscription, a status without the plan, or one whose first payment is not made yet): the
 * calendar month that contains `options.now`, whenever the event was sent.
 */
export function planOf(
  subscription: Stripe.Subscription,
  prices: PlanPrices,
  eventAt: Date,
  options: { deleted?: boolean; now?: Date } = {},
): PlanChange {
  const item = subscription.items.data.find((candidate) => tierOfPrice(candidate.price.id, prices) !== null);
  const tier = item ? tierOfPrice(item.price.id, prices) : null;
  if (!options.deleted && item && tier && PAID_STATUSES.has(subscription.status)) {
    return {
      tier,
      status: subscription.status,
      subscriptionId: subscription.id,
      periodStart: periodAnchor(subscription, item),
      periodEnd: seconds(item.current_period_end),
      eventAt,
    };
  }
  return {
    tier: 'free',
    status: options.deleted ? 'canceled' : subscription.status,
    subscriptionId: subscription.id,
    periodStart: calendarMonthStart(options.now ?? new Date()),
    periodEnd: null,
    eventAt,
  };
}

const TIER_RANK: Record<Exclude<Tier, 'free'>, number> = { pro: 1, enterprise: 2 };

/**
 * The customer's live subscriptions, of all of them as Stripe holds them now: those with one of our prices and a
 * status that keeps the plan (active, trialing, past_due), the one that sets the plan first: the higher tier, then
 * one that is paid up (not past_due), then the newest. More than one means the trader is charged for each.
 */
export function liveSubscriptions(
  subscriptions: readonly Stripe.Subscription[],
  prices: PlanPrices,
): Stripe.Subscription[] {
  const ranked = subscriptions.flatMap((subscription) => {
    if (!PAID_STATUSES.has(subscription.status)) return [];
    const tier = subscription.items.data
      .map((item) => tierOfPrice(item.price.id, prices))
      .find((candidate) => candidate !== null);
    if (!tier) return [];
    return [
      { subscription, rank: [TIER_RANK[tier], subscription.status === 'past_due' ? 0 : 1, subscription.created ?? 0] },
    ];
  });
  ranked.sort((a, b) => b.rank[0]! - a.rank[0]! || b.rank[1]! - a.rank[1]! || b.rank[2]! - a.rank[2]!);
  return ranked.map(({ subscription }) => subscription);
}

/**
 * The subscription that sets the trader's plan (the first of liveSubscriptions), or null when none is live: the
 * plan is free. So a second subscription that is not paid (incomplete, or expired before its first payment) never
 * takes the plan away from the live one.
 */
export function liveSubscription(
  subscriptions: readonly Stripe.Subscription[],
  prices: PlanPrices,
): Stripe.Subscription | null {
  return liveSubscriptions(subscriptions, prices)[0] ?? null;
}
