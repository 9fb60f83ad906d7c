// Stripe's webhook through HTTP: events signed with the SDK's test-header helper, against real PostgreSQL and
// Redis, the loopback fake Stripe and the fake Anthropic upstream. What the trader sees after each event is
// read from /usage/current and from their next question.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingPeriodAt } from '../src/services/billing-period.js';
import { startBillingHarness, type BillingHarness } from './support/billing-harness.js';
import { FAKE_STRIPE_KEY, FAKE_WEBHOOK_SECRET, PRICE_ENTERPRISE, PRICE_PRO } from './support/fake-stripe.js';
import {
  checkoutCompleted,
  newCustomerId,
  signed,
  stripeEvent,
  subscription,
  type SubscriptionOptions,
} from './support/stripe-events.js';
import type { Trader } from './support/api-harness.js';

let h: BillingHarness;
beforeAll(async () => {
  h = await startBillingHarness();
});
afterAll(async () => {
  await h.close();
});

const DAY_MS = 24 * 3600 * 1000;
const secondsAgo = (seconds: number): Date => new Date(Math.floor(Date.now() / 1000 - seconds) * 1000);

/** The calendar month (UTC) that contains now: a free trader's quota period. */
const thisMonth = () => {
  const now = new Date();
  return {
    start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
};

/**
 * A free trader (their quota period the calendar month) and the anchor of the subscription they will take out:
 * ten days ago, on a whole second (Stripe's clock has seconds).
 */
async function freeTrader(): Promise<Trader & { anchor: Date; customer: string }> {
  const trader = await h.trader();
  return { ...trader, anchor: secondsAgo(10 * 24 * 3600), customer: newCustomerId() };
}

const usage = async (headers: Record<string, string>) => {
  const response = await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
  expect(response.statusCode).toBe(200);
  return response.json<{
    tier: string;
    period: { start: string; end: string };
    quota: { limit: number | null; used: number };
  }>();
};

/** The trader's counter, as if they had used `used` tokens in the period `anchor` puts now in. */
const setQuotaUsed = async (userId: string, anchor: Date, used: number) => {
  await h.database.db.query('UPDATE users SET quota_period_start = $2, quota_used = $3 WHERE id = $1', [
    userId,
    billingPeriodAt(anchor, new Date()).start,
    used,
  ]);
};

const subscribed =
  (trader: { user: { clerkUserId: string }; anchor: Date; customer: string }) =>
  (options: Partial<SubscriptionOptions> = {}) =>
    subscription({
      customer: trader.customer,
      price: PRICE_PRO,
      periodStart: trader.anchor,
      metadata: { strat_coach_subject: trader.user.clerkUserId },
      ...options,
    });

type Subscriber = Awaited<ReturnType<typeof freeTrader>>;

/** A Checkout Session's completion as Stripe sends it for one this server made: the trader in its metadata too. */
const ourCheckout = (options: { subject: string; customer: string; subscription: string }) => ({
  ...checkoutCompleted(options),
  metadata: { strat_coach_subject: options.subject },
});

/** Stripe's checkout.session.completed for the trader's subscription `sub`, sent `created`. */
const checkoutEvent = (trader: Subscriber, sub: { id: string }, created?: Date) =>
  stripeEvent(
    'checkout.session.completed',
    ourCheckout({ subject: trader.user.clerkUserId, customer: trader.customer, subscription: sub.id }),
    created,
  );

const linkedCustomer = async (userId: string): Promise<string | null> => {
  const { rows } = await h.database.db.query<{ stripe_customer_id: string | null }>(
    'SELECT stripe_customer_id FROM users WHERE id = $1',
    [userId],
  );
  return rows[0]?.stripe_customer_id ?? null;
};

describe('POST /api/v1/billing/webhook: signatures', () => {
  it('refuses a bad signature with 400 and changes nothing; the same event signed properly is then applied', async () => {
    const trader = await freeTrader();
    const sub = subscribed(trader)();
    h.stripe.subscriptions.set(sub.id, sub);
    const event = checkoutEvent(trader, sub);
    const good = signed(event);
    const refusals = [
      await h.webhook(good.payload, signed(event, { secret: 'whsec_someoneelse' }).signature),
      await h.webhook(good.payload.replace('"complete"', '"expired"'), good.signature),
      await h.webhook(good.payload, 't=1,v1=deadbeef'),
      await h.webhook(good.payload, null),
    ];
    for (const refused of refusals) {
      expect(refused).toEqual({
        statusCode: 400,
        body: { error: { code: 'invalid_request', message: expect.any(String), field: 'stripe-signature' } },
      });
    }
    expect((await usage(trader.headers)).tier).toBe('free');
    const { rows } = await h.database.db.query('SELECT 1 FROM billing_events WHERE id = $1', [event.id]);
    expect(rows).toEqual([]);

    expect(await h.webhook(good.payload, good.signature)).toEqual({ statusCode: 200, body: { received: true } });
    expect((await usage(trader.headers)).tier).toBe('pro');
  });

  it('refuses an event signed more than 300 s ago', async () => {
    const trader = await freeTrader();
    const event = stripeEvent('customer.subscription.created', subscribed(trader)());
    const stale = signed(event, { timestamp: secondsAgo(301) });
    const refused = await h.webhook(stale.payload, stale.signature);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'invalid_request', field: 'stripe-signature' } });
    expect((await usage(trader.headers)).tier).toBe('free');
  });
});

describe('POST /api/v1/billing/webhook: plans', () => {
  it('checkout completed, then the subscription updated to the pro price: the next request is pro', async () => {
    const trader = await freeTrader();
    // At the free quota: the next question is refused.
    await setQuotaUsed(trader.user.id, thisMonth().start, 100_000);
    const refused = await h.chat(trader.headers, { message: 'Is this 2-1-2 live?' });
    expect(refused.status).toBe(402);

    const sub = subscribed(trader)({ status: 'incomplete' });
    h.stripe.subscriptions.set(sub.id, sub);
    expect((await h.deliver(checkoutEvent(trader, sub, secondsAgo(2)))).statusCode).toBe(200);
    expect((await usage(trader.headers)).tier).toBe('free');

    const active = { ...sub, status: 'active' as const };
    expect((await h.deliver(stripeEvent('customer.subscription.updated', active, secondsAgo(1)))).statusCode).toBe(200);
    // The same token as before the upgrade: the cached identity was dropped. The subscription's period is a new
    // quota period: the free month's tokens do not count against it.
    const now = await usage(trader.headers);
    expect(now).toMatchObject({ tier: 'pro', quota: { limit: 2_000_000, used: 0 } });
    expect(now.period.start).toBe(trader.anchor.toISOString());
    const answered = await h.chat(trader.headers, { message: 'Is this 2-1-2 live?' });
    expect(answered.status).toBe(200);
    expect(answered.events.at(-1)?.event).toBe('stream_complete');
  });

  it('deleted: back to free, its quota period the calendar month that contains now, counted afresh', async () => {
    const trader = await freeTrader();
    const sub = subscribed(trader)({ price: PRICE_ENTERPRISE });
    await h.deliver(stripeEvent('customer.subscription.created', sub, secondsAgo(5)));
    await setQuotaUsed(trader.user.id, trader.anchor, 3_000_000);
    expect(await usage(trader.headers)).toMatchObject({ tier: 'enterprise', quota: { used: 3_000_000 } });

    expect(
      (await h.deliver(stripeEvent('customer.subscription.deleted', { ...sub, status: 'canceled' }))).statusCode,
    ).toBe(200);
    const month = thisMonth();
    expect(await usage(trader.headers)).toMatchObject({
      tier: 'free',
      period: { start: month.start.toISOString(), end: month.end.toISOString() },
      quota: { limit: 100_000, used: 0 },
    });
    const answered = await h.chat(trader.headers, { message: 'Is this 2-1-2 live?' });
    expect(answered.status).toBe(200);
    expect((await usage(trader.headers)).quota.used).toBeGreaterThan(0);
  });

  it('a renewal starts a new quota period: the counter starts again at zero', async () => {
    const trader = await freeTrader();
    const sub = subscribed(trader)();
    await h.deliver(stripeEvent('customer.subscription.created', sub, secondsAgo(10)));
    await setQuotaUsed(trader.user.id, trader.anchor, 1_500_000);
    expect((await usage(trader.headers)).quota.used).toBe(1_500_000);

    const renewedAt = secondsAgo(3600);
    const renewed = subscribed(trader)({ id: sub.id, periodStart: renewedAt });
    await h.deliver(stripeEvent('customer.subscription.updated', renewed, secondsAgo(5)));
    const now = await usage(trader.headers);
    expect(now).toMatchObject({ tier: 'pro', quota: { limit: 2_000_000, used: 0 } });
    expect(now.period.start).toBe(renewedAt.toISOString());
    expect(new Date(now.period.end).getTime() - renewedAt.getTime()).toBeGreaterThanOrEqual(28 * DAY_MS);
  });

  it('the same event twice has one effect and answers 200 both times', async () => {
    const trader = await freeTrader();
    const sub = subscribed(trader)();
    h.stripe.subscriptions.set(sub.id, sub);
    const event = checkoutEvent(trader, sub);
    const lookups = () =>
      h.stripe.requests.filter(
        (request) => request.path === '/v1/subscriptions' && request.params.customer === trader.customer,
      ).length;
    expect(await h.deliver(event)).toEqual({ statusCode: 200, body: { received: true } });
    expect(await h.deliver(event)).toEqual({ statusCode: 200, body: { received: true } });
    expect(lookups()).toBe(1);
    expect((await usage(trader.headers)).tier).toBe('pro');
    const { rows } = await h.database.db.query('SELECT id FROM billing_events WHERE id = $1', [event.id]);
    expect(rows).toHaveLength(1);
  });
});

describe('POST /api/v1/billing/webhook: who a session may name', () => {
  it('an event naming a paying trader from another Stripe customer is ignored with a warning: the trader stays pro', async () => {
    const trader = await freeTrader();
    await h.deliver(stripeEvent('customer.subscription.created', subscribed(trader)(), secondsAgo(60)));
    expect((await usage(trader.headers)).tier).toBe('pro');

    // Someone else's Checkout (or a subscription) on the same account that names the trader: its customer has no
    // live subscription, so applied it would drop the trader to free.
    const stranger = newCustomerId();
    const theirs = subscription({
      customer: stranger,
      price: PRICE_PRO,
      status: 'incomplete_expired',
      periodStart: secondsAgo(30),
      metadata: { strat_coach_subject: trader.user.clerkUserId },
    });
    const completed = stripeEvent(
      'checkout.session.completed',
      ourCheckout({ subject: trader.user.clerkUserId, customer: stranger, subscription: theirs.id }),
      secondsAgo(20),
    );
    expect(await h.deliver(completed)).toEqual({ statusCode: 200, body: { received: true } });
    const updated = stripeEvent('customer.subscription.updated', theirs, secondsAgo(10));
    expect(await h.deliver(updated)).toEqual({ statusCode: 200, body: { received: true } });

    expect((await usage(trader.headers)).tier).toBe('pro');
    expect(await linkedCustomer(trader.user.id)).toBe(trader.customer);
    const warned = h.warnings.filter((line) => line.userId === trader.user.id);
    expect(warned).toEqual(
      [completed, updated].map((event): unknown =>
        expect.objectContaining({
          level: 40,
          event: event.id,
          customer: stranger,
          linkedCustomer: trader.customer,
          msg: 'billing: the event names a trader linked to another Stripe customer; ignored',
        }),
      ),
    );
    expect(JSON.stringify(warned)).not.toContain(trader.user.clerkUserId);
  });

  it('a session this server did not make (a Payment Link: client_reference_id alone) links no one', async () => {
    const trader = await freeTrader();
    // A Payment Link or Pricing Table lets the buyer set client_reference_id; this server's Checkout also names the
    // trader in the session's metadata, which only the secret key can set.
    const sub = subscription({ customer: trader.customer, price: PRICE_PRO, periodStart: trader.anchor });
    h.stripe.subscriptions.set(sub.id, sub);
    const foreign = checkoutCompleted({
      subject: trader.user.clerkUserId,
      customer: trader.customer,
      subscription: sub.id,
    });
    expect(await h.deliver(stripeEvent('checkout.session.completed', foreign))).toEqual({
      statusCode: 200,
      body: { received: true },
    });
    expect((await usage(trader.headers)).tier).toBe('free');
    expect(await linkedCustomer(trader.user.id)).toBeNull();
  });
});

describe('POST /api/v1/billing/webhook: a subscription anchored on the 31st', () => {
  it('renewed on Feb 28, its quota periods still end on each month’s last day, as Stripe bills them', async () => {
    const trader = await freeTrader();
    // Stripe's Feb 28 renewal of a Jan 31 subscription; the period has rolled on by itself since.
    const sub = subscribed(trader)({
      billingCycleAnchor: new Date(Date.UTC(2025, 0, 31, 15)),
      periodStart: new Date(Date.UTC(2025, 1, 28, 15)),
      periodEnd: new Date(Date.UTC(2025, 2, 31, 15)),
    });
    expect((await h.deliver(stripeEvent('customer.subscription.updated', sub, secondsAgo(5)))).statusCode).toBe(200);

    // Stripe renews a 31st anchor on every month's last day, at the anchor's time.
    const lastDay = (year: number, month: number) => new Date(Date.UTC(year, month + 1, 0, 15));
    const now = new Date();
    let start = lastDay(now.getUTCFullYear(), now.getUTCMonth());
    if (start > now) start = lastDay(now.getUTCFullYear(), now.getUTCMonth() - 1);
    const end = lastDay(start.getUTCFullYear(), start.getUTCMonth() + 1);
    expect(await usage(trader.headers)).toMatchObject({
      tier: 'pro',
      period: { start: start.toISOString(), end: end.toISOString() },
    });
    // A question is counted in Stripe's period, the one its overage is reported for.
    expect((await h.chat(trader.headers, { message: 'Is this 2-1-2 live?' })).status).toBe(200);
    const { rows } = await h.database.db.query('SELECT billing_period_start FROM token_usage WHERE user_id = $1', [
      trader.user.id,
    ]);
    expect(rows).toEqual([{ billing_period_start: start }]);
  });
});

describe('POST /api/v1/billing/webhook: billing_events pruned', () => {
  it('forgets events older than 30 days as new ones arrive; younger ones still count as replays', async () => {
    const day = (days: number) => new Date(Date.now() - days * DAY_MS);
    const old = `evt_old${Date.now()}`;
    const young = `evt_young${Date.now()}`;
    await h.database.db.query(
      `INSERT INTO billing_events (id, type, created_at) VALUES ($1, 'invoice.paid', $2), ($3, 'invoice.paid', $4)`,
      [old, day(31), young, day(29)],
    );
    const replay = { ...stripeEvent('invoice.paid', { id: 'in_1', object: 'invoice' }, day(29)), id: young };
    expect(await h.deliver(replay)).toEqual({ statusCode: 200, body: { received: true } });
    const { rows } = await h.database.db.query<{ id: string }>(
      'SELECT id FROM billing_events WHERE id = ANY($1) ORDER BY id',
      [[old, young]],
    );
    expect(rows.map((row) => row.id)).toEqual([young]);
    const { rows: stale } = await h.database.db.query(
      `SELECT 1 FROM billing_events WHERE created_at < now() - interval '30 days'`,
    );
    expect(stale).toEqual([]);
  });
});

describe('POST /api/v1/billing/webhook: Stripe failing', () => {
  it('a checkout completion whose subscriptions cannot be read is 503 and applied when delivered again', async () => {
    const trader = await freeTrader();
    const sub = subscribed(trader)();
    h.stripe.subscriptions.set(sub.id, sub);
    const event = checkoutEvent(trader, sub);
    h.stripe.failNext('/v1/subscriptions', 1);
    const failed = await h.deliver(event);
    expect(failed).toEqual({
      statusCode: 503,
      body: { error: { code: 'unavailable', message: 'Billing cannot be reached right now. Try again shortly.' } },
    });
    expect((await usage(trader.headers)).tier).toBe('free');
    const { rows } = await h.database.db.query('SELECT 1 FROM billing_events WHERE id = $1', [event.id]);
    expect(rows).toEqual([]);
    expect((await h.deliver(event)).statusCode).toBe(200);
    expect((await usage(trader.headers)).tier).toBe('pro');
  });
});

describe('POST /api/v1/billing/webhook: events out of order', () => {
  it('the subscription before the checkout completion: pro either way', async () => {
    const trader = await freeTrader();
    const sub = subscribed(trader)();
    h.stripe.subscriptions.set(sub.id, sub);
    await h.deliver(stripeEvent('customer.subscription.updated', sub, secondsAgo(1)));
    expect((await usage(trader.headers)).tier).toBe('pro');
    await h.deliverLate(checkoutEvent(trader, sub, secondsAgo(3)));
    expect((await usage(trader.headers)).tier).toBe('pro');
  });

  it('an older event arriving after a newer one changes nothing', async () => {
    const trader = await freeTrader();
    const sub = subscribed(trader)();
    await h.deliver(stripeEvent('customer.subscription.updated', sub, secondsAgo(10)));
    // created (incomplete) was sent first by Stripe but arrives last.
    await h.deliverLate(stripeEvent('customer.subscription.created', { ...sub, status: 'incomplete' }, secondsAgo(20)));
    expect((await usage(trader.headers)).tier).toBe('pro');

    await h.deliver(stripeEvent('customer.subscription.deleted', { ...sub, status: 'canceled' }, secondsAgo(2)));
    await h.deliverLate(stripeEvent('customer.subscription.updated', sub, secondsAgo(5)));
    expect((await usage(trader.headers)).tier).toBe('free');
  });

  it('the end of a replaced subscription leaves the new one in place', async () => {
    const trader = await freeTrader();
    const first = subscribed(trader)();
    const second = subscribed(trader)({ price: PRICE_ENTERPRISE });
    await h.deliver(stripeEvent('customer.subscription.created', first, secondsAgo(30)));
    await h.deliver(stripeEvent('customer.subscription.created', second, secondsAgo(20)));
    await h.deliver(stripeEvent('customer.subscription.deleted', { ...first, status: 'canceled' }, secondsAgo(10)));
    expect((await usage(trader.headers)).tier).toBe('enterprise');
  });

  it('a second subscription that is never paid leaves the trader on the plan they pay for', async () => {
    const trader = await freeTrader();
    const paying = subscribed(trader)();
    await h.deliver(stripeEvent('customer.subscription.created', paying, secondsAgo(60)));
    expect((await usage(trader.headers)).tier).toBe('pro');

    // A second Checkout (another tab, the portal) starts a subscription whose first payment fails: Stripe sends
    // its events, newer than the paying one's, with status incomplete and then incomplete_expired.
    const second = subscribed(trader)({ price: PRICE_ENTERPRISE, status: 'incomplete', created: secondsAgo(50) });
    await h.deliver(stripeEvent('customer.subscription.created', second, secondsAgo(50)));
    expect(await usage(trader.headers)).toMatchObject({
      tier: 'pro',
      period: { start: trader.anchor.toISOString() },
      quota: { limit: 2_000_000 },
    });
    await h.deliver(
      stripeEvent('customer.subscription.updated', { ...second, status: 'incomplete_expired' }, secondsAgo(40)),
    );
    expect((await usage(trader.headers)).tier).toBe('pro');
    // The pro limits apply to the next question: above the free quota, still answered.
    await setQuotaUsed(trader.user.id, trader.anchor, 150_000);
    const answered = await h.chat(trader.headers, { message: 'Is this 2-1-2 live?' });
    expect(answered.status).toBe(200);

    // Paid after all (a third try, active): the higher plan; its end falls back to the one still paid.
    const third = subscribed(trader)({ price: PRICE_ENTERPRISE, created: secondsAgo(30), periodStart: secondsAgo(30) });
    await h.deliver(stripeEvent('customer.subscription.created', third, secondsAgo(30)));
    expect((await usage(trader.headers)).tier).toBe('enterprise');
    await h.deliver(stripeEvent('customer.subscription.deleted', { ...third, status: 'canceled' }, secondsAgo(20)));
    expect(await usage(trader.headers)).toMatchObject({
      tier: 'pro',
      period: { start: trader.anchor.toISOString() },
    });
    const { rows } = await h.database.db.query('SELECT stripe_subscription_id FROM users WHERE id = $1', [
      trader.user.id,
    ]);
    expect(rows).toEqual([{ stripe_subscription_id: paying.id }]);
  });

  it('two live subscriptions (a second Checkout paid before the first event): a warning names the customer and both', async () => {
    const trader = await freeTrader();
    const first = subscribed(trader)({ created: secondsAgo(120) });
    await h.deliver(stripeEvent('customer.subscription.created', first, secondsAgo(120)));
    const warned = () => h.warnings.filter((line) => line.customer === trader.customer);
    expect(warned()).toEqual([]);

    const second = subscribed(trader)({ created: secondsAgo(60) });
    await h.deliver(stripeEvent('customer.subscription.created', second, secondsAgo(60)));
    expect((await usage(trader.headers)).tier).toBe('pro');
    expect(warned()).toEqual([
      expect.objectContaining({
        level: 40,
        userId: trader.user.id,
        subscriptions: [second.id, first.id],
        msg: expect.stringContaining('more than one live subscription'),
      }),
    ]);
    expect(JSON.stringify(warned())).not.toMatch(new RegExp(`${FAKE_STRIPE_KEY}|${FAKE_WEBHOOK_SECRET}`));
  });

  it('past_due keeps the plan (the grace period); unpaid ends it', async () => {
    const trader = await freeTrader();
    const sub = subscribed(trader)();
    await h.deliver(stripeEvent('customer.subscription.updated', { ...sub, status: 'past_due' }, secondsAgo(10)));
    expect((await usage(trader.headers)).tier).toBe('pro');
    await h.deliver(stripeEvent('customer.subscription.updated', { ...sub, status: 'unpaid' }, secondsAgo(5)));
    expect((await usage(trader.headers)).tier).toBe('free');
  });
});
