// Applies Stripe's webhook events to the trader's plan, each exactly once (billing_events), in one
// transaction. Out of order is fine: a checkout completion reads the subscription's current state from Stripe,
// and a subscription event older than the one applied changes nothing.
import type { FastifyBaseLogger } from 'fastify';
import type Stripe from 'stripe';
import type { Database } from '../../db/database.js';
import { billingRepository, type BillingRepository } from '../../db/repositories/billing.js';
import { billingPeriodAt } from '../billing-period.js';
import { planOf, type PlanPrices } from './plan.js';
import { idOf } from './stripe-client.js';

export interface WebhookDeps {
  db: Database;
  stripe: Stripe;
  prices: PlanPrices;
  log: FastifyBaseLogger;
}

export type WebhookOutcome =
  { applied: false; reason: 'replay' | 'ignored' } | { applied: true; userId: string | null };

/** The checkout and subscription metadata key that names the trader (their token's subject). */
export const SUBJECT_METADATA_KEY = 'strat_coach_subject';

const SUBSCRIPTION_EVENTS = new Set([
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
]);

/** Applies the event, then forgets events old enough that Stripe will not deliver them again. */
export async function applyWebhookEvent(deps: WebhookDeps, event: Stripe.Event): Promise<WebhookOutcome> {
  const outcome = await applyOnce(deps, event);
  // Outside the event's transaction, and never its failure: an event applied is applied.
  await billingRepository(deps.db)
    .pruneEvents()
    .catch((error: unknown) => deps.log.warn({ err: error }, 'billing events not pruned; the next event tries again'));
  return outcome;
}

async function applyOnce(deps: WebhookDeps, event: Stripe.Event): Promise<WebhookOutcome> {
  const eventAt = new Date(event.created * 1000);
  const claim = { id: event.id, type: event.type, createdAt: eventAt };
  if (event.type === 'checkout.session.completed') {
    const session = event.data.object;
    // A replay answers at once, without asking Stripe (the transaction below still decides).
    if (await billingRepository(deps.db).seenEvent(event.id)) return { applied: false, reason: 'replay' };
    const subscriptionId = idOf(session.subscription);
    // The subscription as it is now: its own events may have come first, or may still be on their way.
    const subscription = subscriptionId ? await deps.stripe.subscriptions.retrieve(subscriptionId) : null;
    return inTransaction(deps, claim, async (billing) => {
      const customerId = idOf(session.customer);
      const subject = session.client_reference_id;
      if (!customerId || !subject) return null;
      const userId = await billing.linkCustomer(subject, customerId);
      if (userId && subscription) await applySubscription(deps, billing, userId, subscription, eventAt, false);
      return userId;
    });
  }
  if (SUBSCRIPTION_EVENTS.has(event.type)) {
    const subscription = event.data.object as Stripe.Subscription;
    return inTransaction(deps, claim, async (billing) => {
      const customerId = idOf(subscription.customer);
      if (!customerId) return null;
      let userId = await billing.userIdByCustomer(customerId);
      const subject = subscription.metadata[SUBJECT_METADATA_KEY];
      // Before the checkout's completion arrives: the subscription names the trader itself.
      if (!userId && subject) userId = await billing.linkCustomer(subject, customerId);
      if (!userId) return null;
      const deleted = event.type === 'customer.subscription.deleted';
      // The end of a subscription the trader has since replaced changes nothing.
      const current = await billing.subscriptionOf(userId);
      if (deleted && current !== null && current !== subscription.id) return userId;
      await applySubscription(deps, billing, userId, subscription, eventAt, deleted);
      return userId;
    });
  }
  const fresh = await deps.db.transaction((tx) => billingRepository(tx).claimEvent(claim));
  return { applied: false, reason: fresh ? 'ignored' : 'replay' };
}

async function inTransaction(
  deps: WebhookDeps,
  claim: { id: string; type: string; createdAt: Date },
  apply: (billing: BillingRepository) => Promise<string | null>,
): Promise<WebhookOutcome> {
  return deps.db.transaction(async (tx) => {
    const billing = billingRepository(tx);
    if (!(await billing.claimEvent(claim))) return { applied: false, reason: 'replay' };
    const userId = await apply(billing);
    if (userId === null) deps.log.info({ event: claim.id, type: claim.type }, 'billing event names no trader of ours');
    return { applied: true, userId };
  });
}

async function applySubscription(
  deps: WebhookDeps,
  billing: BillingRepository,
  userId: string,
  subscription: Stripe.Subscription,
  eventAt: Date,
  deleted: boolean,
): Promise<void> {
  // The server's clock, as the quota gate's: which period the new anchor puts the trader in now.
  const now = new Date();
  const plan = planOf(subscription, deps.prices, eventAt, { deleted, now });
  const changed = await billing.applyPlan(userId, plan, billingPeriodAt(plan.periodStart, now).start);
  deps.log.info(
    { userId, tier: plan.tier, status: plan.status, changed },
    changed ? 'billing: plan applied' : 'billing: a newer event already applied',
  );
}
