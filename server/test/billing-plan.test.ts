// What a Stripe subscription makes of the trader's plan (every status, the metered price beside the tier's),
// and billing's configuration: all four variables, none, or a clear error naming what is missing.
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/env.js';
import { billingPeriodAt } from '../src/services/billing-period.js';
import { calendarMonthStart, liveSubscription, planOf } from '../src/services/billing/plan.js';

const prices = { pro: 'price_pro', enterprise: 'price_ent' };
const eventAt = new Date('2030-05-17T12:00:00Z');
const start = new Date('2030-05-03T08:00:00Z');
const end = new Date('2030-06-03T08:00:00Z');

const sub = (status: Stripe.Subscription.Status, priceIds: string[] = ['price_pro']): Stripe.Subscription =>
  ({
    id: 'sub_1',
    status,
    items: {
      data: priceIds.map((id) => ({
        price: { id },
        current_period_start: start.getTime() / 1000,
        current_period_end: end.getTime() / 1000,
      })),
    },
  }) as unknown as Stripe.Subscription;

describe('planOf', () => {
  it.each(['active', 'trialing', 'past_due'] as const)(
    '%s keeps the price’s tier, anchored at its period',
    (status) => {
      expect(planOf(sub(status), prices, eventAt)).toEqual({
        tier: 'pro',
        status,
        subscriptionId: 'sub_1',
        periodStart: start,
        periodEnd: end,
        eventAt,
      });
    },
  );

  it('finds the tier’s price beside the metered overage price', () => {
    expect(planOf(sub('active', ['price_overage', 'price_ent']), prices, eventAt).tier).toBe('enterprise');
  });

  it.each(['canceled', 'unpaid', 'incomplete_expired', 'paused', 'incomplete'] as const)(
    '%s is free, its period the calendar month (UTC) that contains now',
    (status) => {
      expect(planOf(sub(status), prices, eventAt, { now: eventAt })).toMatchObject({
        tier: 'free',
        status,
        periodStart: new Date('2030-05-01T00:00:00Z'),
        periodEnd: null,
      });
    },
  );

  it('deleted is free from the calendar month of now, not of the event (a retried delivery)', () => {
    const now = new Date('2030-06-01T00:00:00Z');
    expect(planOf(sub('active'), prices, eventAt, { deleted: true, now })).toMatchObject({
      tier: 'free',
      status: 'canceled',
      periodStart: calendarMonthStart(now),
    });
    expect(calendarMonthStart(new Date('2030-05-31T23:59:59.999Z'))).toEqual(new Date('2030-05-01T00:00:00Z'));
  });

  it('a price that is not ours is free', () => {
    expect(planOf(sub('active', ['price_other']), prices, eventAt).tier).toBe('free');
  });
});

describe('planOf: the quota period renews when Stripe’s does', () => {
  const at = (iso: string) => new Date(iso);
  const renewed = (anchor: Date, periodStart: Date, periodEnd: Date): Stripe.Subscription =>
    ({
      ...sub('active'),
      billing_cycle_anchor: anchor.getTime() / 1000,
      items: {
        data: [
          {
            price: { id: 'price_pro' },
            current_period_start: periodStart.getTime() / 1000,
            current_period_end: periodEnd.getTime() / 1000,
          },
        ],
      },
    }) as unknown as Stripe.Subscription;

  it('anchored on Jan 31 and renewed on Feb 28: the next periods end Mar 31, Apr 30, May 31 as Stripe bills them', () => {
    const plan = planOf(
      renewed(at('2027-01-31T09:00:00Z'), at('2027-02-28T09:00:00Z'), at('2027-03-31T09:00:00Z')),
      prices,
      eventAt,
    );
    expect(plan.periodEnd).toEqual(at('2027-03-31T09:00:00Z'));
    expect(billingPeriodAt(plan.periodStart, at('2027-03-29T00:00:00Z'))).toEqual({
      start: at('2027-02-28T09:00:00Z'),
      end: at('2027-03-31T09:00:00Z'),
    });
    expect(billingPeriodAt(plan.periodStart, at('2027-04-15T00:00:00Z'))).toEqual({
      start: at('2027-03-31T09:00:00Z'),
      end: at('2027-04-30T09:00:00Z'),
    });
    expect(billingPeriodAt(plan.periodStart, at('2027-05-30T12:00:00Z'))).toEqual({
      start: at('2027-04-30T09:00:00Z'),
      end: at('2027-05-31T09:00:00Z'),
    });
  });

  it('an anchor that does not give the current period (a trial, anchored at its end) leaves it at its start', () => {
    const trialEnd = at('2030-05-17T08:00:00Z');
    expect(planOf(renewed(trialEnd, start, trialEnd), prices, eventAt).periodStart).toEqual(start);
  });
});

describe('liveSubscription: the one of a customer’s subscriptions that sets the plan', () => {
  const of = (id: string, status: Stripe.Subscription.Status, price: string, created: number) =>
    ({ ...sub(status, [price]), id, created }) as Stripe.Subscription;

  it('is the paid one, whatever a newer unpaid or ended one says', () => {
    const paying = of('sub_paying', 'active', 'price_pro', 100);
    for (const status of ['incomplete', 'incomplete_expired', 'canceled', 'unpaid', 'paused'] as const) {
      expect(liveSubscription([paying, of('sub_new', status, 'price_ent', 200)], prices)).toBe(paying);
    }
  });

  it('of several live ones: the higher tier, then paid up over past_due, then the newest', () => {
    const pro = of('sub_pro', 'active', 'price_pro', 300);
    const enterprise = of('sub_ent', 'past_due', 'price_ent', 100);
    expect(liveSubscription([pro, enterprise], prices)).toBe(enterprise);
    const late = of('sub_late', 'past_due', 'price_pro', 400);
    expect(liveSubscription([late, pro], prices)).toBe(pro);
    const newer = of('sub_newer', 'trialing', 'price_pro', 500);
    expect(liveSubscription([pro, newer], prices)).toBe(newer);
  });

  it('is none when no subscription is live or none has one of our prices', () => {
    expect(liveSubscription([], prices)).toBeNull();
    expect(
      liveSubscription([of('sub_x', 'active', 'price_other', 1), of('sub_y', 'canceled', 'price_pro', 2)], prices),
    ).toBeNull();
  });
});

describe('billing configuration', () => {
  const full = {
    STRIPE_SECRET_KEY: 'sk_test_abc123',
    STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
    STRIPE_PRICE_PRO: 'price_pro1',
    STRIPE_PRICE_ENTERPRISE: 'price_ent1',
  };

  it('is off when nothing is set, on with the four variables', () => {
    expect(loadConfig({}).billing).toBeNull();
    expect(loadConfig({ ...full, STRIPE_METER_EVENT: 'coach_tokens' }).billing).toEqual({
      secretKey: 'sk_test_abc123',
      webhookSecret: 'whsec_abc123',
      prices: { pro: 'price_pro1', enterprise: 'price_ent1', overage: null },
      meterEventName: 'coach_tokens',
      returnUrl: null,
    });
  });

  it('names what is missing or malformed', () => {
    const partial: Record<string, string> = { ...full };
    delete partial.STRIPE_WEBHOOK_SECRET;
    expect(() => loadConfig(partial)).toThrow(
      new ConfigError(
        'STRIPE_WEBHOOK_SECRET unset: billing needs all of STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_PRICE_PRO, STRIPE_PRICE_ENTERPRISE',
      ),
    );
    expect(() => loadConfig({ ...full, STRIPE_SECRET_KEY: 'pk_test_abc' })).toThrow(/^STRIPE_SECRET_KEY is invalid/);
    expect(() => loadConfig({ ...full, STRIPE_PRICE_ENTERPRISE: 'price_pro1' })).toThrow(/the same price/);
    expect(() => loadConfig({ STRIPE_METER_EVENT: 'coach_tokens' })).toThrow(/billing is off/);
  });
});
