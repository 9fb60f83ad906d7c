// Applies Stripe's webhook events to the trader's plan, each exactly once (billing_events), in one
// transaction. An event says that the customer's subscriptions changed; the plan follows them as Stripe holds
// them when the event is applied (read before the transaction): the live one, or free when none is. So a second
// subscription that never got paid (incomplete, then incomplete_expired) or the end of a replaced one leaves the
// trader on the plan they pay for, and events out of order end in the right tier; an event older than the one
// applied changes nothing.
import type { FastifyBaseLogger } from 'fastify';
import type Stripe from 'stripe';
import type { Database } from '../../db/database.js';
import { billingRepository, type BillingRepository } from '../../db/repositories/billing.js';
import { billingPeriodAt } from '../billing-period.js';
import { liveSubscriptions, planOf, type PlanPrices } from './plan.js';
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
  const change = changeOf(event);
  if (!change) {
    const fresh = await deps.db.transaction((tx) => billingRepository(tx).claimEvent(claim));
    return { applied: false, reason: fresh ? 'ignored' : 'replay' };
  }
  // A replay answers at once, without asking Stripe (the transaction below still decides).
  if (await billingRepository(deps.db).seenEvent(event.id)) return { applied: false, reason: 'replay' };
  // The customer's subscriptions as they are now: this event's own may have changed since, and events about the
  // others may have come first or may still be on their way.
  const subscriptions = change.customerId
    ? (await deps.stripe.subscriptions.list({ customer: change.customerId, status: 'all', limit: 100 })).data
    : [];
  return inTransaction(deps, claim, async (billing) => {
    if (!change.customerId) return null;
    let userId = await billing.userIdByCustomer(change.customerId);
    // Checkout's completion names the trader; a subscription's own events do too (its metadata), so one that
    // arrives before the completion is not lost.
    if (!userId && change.subject) {
      const linked = await billing.linkCustomer(change.subject, change.customerId);
      if (linked && linked.customerId !== change.customerId) {
        // The trader has their customer already (their own Checkout's). Relinked, their plan would follow this
        // customer's subscriptions: a buyer who named a paying trader could drop them to free. Ids only in the log.
        deps.log.warn(
          { event: event.id, userId: linked.userId, customer: change.customerId, linkedCustomer: linked.customerId },
          'billing: the event names a trader linked to another Stripe customer; ignored',
        );
        return null;
      }
      userId = linked?.userId ?? null;
    }
    if (!userId) return null;
    await applySubscriptions(deps, billing, userId, subscriptions, change.subscription, eventAt);
    return userId;
  });
}

/** What a handled event says changed: the customer, the trader it names, and the subscription it is about. */
interface SubscriptionChange {
  customerId: string | null;
  subject: string | null;
  /** The subscription the event is about, and its status as the event tells it (a checkout's: not paid yet). */
  subscription: { id: string; status: string } | null;
}

function changeOf(event: Stripe.Event): SubscriptionChange | null {
  if (event.type === 'checkout.session.completed') {
    const session = event.data.object;
    const subscriptionId = idOf(session.subscription);
    return {
      customerId: idOf(session.customer),
      // The trader as this server's Checkout named them, in the session's metadata, which only the secret key sets.
      // Not client_reference_id: a Payment Link or Pricing Table on the same account lets the buyer choose it.
      subject: session.metadata?.[SUBJECT_METADATA_KEY] ?? null,
      subscription: subscriptionId ? { id: subscriptionId, status: 'incomplete' } : null,
    };
  }
  if (SUBSCRIPTION_EVENTS.has(event.type)) {
    const subscription = event.data.object as Stripe.Subscription;
    const deleted = event.type === 'customer.subscription.deleted';
    return {
      customerId: idOf(subscription.customer),
      subject: subscription.metadata[SUBJECT_METADATA_KEY] ?? null,
      subscription: { id: subscription.id, status: deleted ? 'canceled' : subscription.status },
    };
  }
  return null;
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

async function applySubscriptions(
  deps: WebhookDeps,
  billing: BillingRepository,
  userId: string,
  subscriptions: readonly Stripe.Subscription[],
  about: SubscriptionChange['subscription'],
  eventAt: Date,
): Promise<void> {
  // The server's clock, as the quota gate's: which period the new anchor puts the trader in now.
  const now = new Date();
  const [live, ...extra] = liveSubscriptions(subscriptions, deps.prices);
  if (live && extra.length > 0) {
    // Stripe bills each live subscription while the plan follows only one (the first named): a second Checkout
    // paid before the first one's event arrived. An operator cancels and refunds the others.
    deps.log.warn(
      { userId, customer: idOf(live.customer), subscriptions: [live, ...extra].map((subscription) => subscription.id) },
      'billing: the customer has more than one live subscription, each billed; cancel and refund the extra ones',
    );
  }
  const plan = live
    ? planOf(live, deps.prices, eventAt, { now })
    : {
        ...planOf(EMPTY, deps.prices, eventAt, { now }),
        // No live subscription: free, naming the one the event is about (the trader's latest), in its status
        // as Stripe holds it now.
        status:
          subscriptions.find((subscription) => subscription.id === about?.id)?.status ?? about?.status ?? 'canceled',
        subscriptionId: about?.id ?? null,
      };
  const changed = await billing.applyPlan(userId, plan, billingPeriodAt(plan.periodStart, now).start);
  deps.log.info(
    { userId, tier: plan.tier, status: plan.status, subscription: plan.subscriptionId, changed },
    changed ? 'billing: plan applied' : 'billing: a newer event already applied',
  );
}

/** No subscription: planOf's free plan. */
const EMPTY = { id: '', status: 'canceled', items: { data: [] } } as unknown as Stripe.Subscription;
