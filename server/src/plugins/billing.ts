// Stripe billing: the SDK client, the webhook's event handling, and the overage reporter on a timer. Off (no
// client, routes answer 503 billing_unconfigured) when its variables are unset. See services/billing/.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type Stripe from 'stripe';
import type { BillingConfig, Config } from '../config/env.js';
import { TIER_RULES } from '../config/tiers.js';
import type { BillingStatus } from '../contract/health.js';
import { overageReporter, type OveragePass } from '../services/billing/overage.js';
import { createStripe } from '../services/billing/stripe-client.js';
import { applyWebhookEvent, type WebhookOutcome } from '../services/billing/webhook.js';

export interface Billing {
  config: BillingConfig;
  stripe: Stripe;
  /** Applies a verified event once; forgets the trader's cached identity so the new plan applies at once. */
  apply(event: Stripe.Event): Promise<WebhookOutcome>;
  /** Queues and sends unreported overage (the timer calls it; tests may too). Null without a meter. */
  reportOverage(): Promise<OveragePass | null>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Null when billing is off. */
    billing: Billing | null;
    billingStatus(): BillingStatus;
  }
}

const OVERAGE_INTERVAL_MS = 60_000;

const paidLimit = (tier: 'pro' | 'enterprise'): number => {
  const limit = TIER_RULES[tier].monthlyTokens;
  if (limit === null) throw new Error(`the ${tier} tier has no quota, so no overage`);
  return limit;
};

export const billingPlugin = fp<{ config: Pick<Config, 'billing'> }>(
  async (app: FastifyInstance, { config }) => {
    const settings = config.billing;
    app.decorate('billingStatus', (): BillingStatus =>
      settings
        ? { mode: 'stripe', ok: true, latencyMs: null, overage: settings.meterEventName ? 'metered' : 'off' }
        : {
            mode: 'unconfigured',
            ok: true,
            latencyMs: null,
            overage: 'off',
            message:
              'billing is off: set STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_PRICE_PRO and ' +
              'STRIPE_PRICE_ENTERPRISE (npm run billing:setup prints them)',
          },
    );
    if (!settings) {
      app.decorate('billing', null);
      return;
    }
    const stripe = await createStripe(settings);
    const limits = { pro: paidLimit('pro'), enterprise: paidLimit('enterprise') };
    const prices = { pro: settings.prices.pro, enterprise: settings.prices.enterprise };

    let running: Promise<OveragePass | null> | null = null;
    const meterEventName = settings.meterEventName;
    const pass = meterEventName
      ? overageReporter({
          billing: app.repos.billing,
          stripe,
          meterEventName,
          limits,
          log: app.log,
        })
      : null;
    const overage = (): Promise<OveragePass | null> => {
      if (!pass) return Promise.resolve(null);
      // One pass at a time on this instance; the outbox's unique rows keep instances from double-queueing.
      running ??= pass()
        .catch((error: unknown) => {
          app.log.warn({ err: error }, 'overage pass failed; the next one retries');
          return null;
        })
        .finally(() => {
          running = null;
        });
      return running;
    };
    if (settings.meterEventName) {
      const timer = setInterval(() => void overage(), settings.overageIntervalMs ?? OVERAGE_INTERVAL_MS);
      timer.unref();
      app.addHook('onClose', async () => {
        clearInterval(timer);
        await running;
      });
    }

    app.decorate('billing', {
      config: settings,
      stripe,
      async apply(event: Stripe.Event) {
        const outcome = await applyWebhookEvent({ db: app.db, stripe, prices, log: app.log }, event);
        // Every instance's cached identities (through Redis when there is one), before Stripe hears back.
        if (outcome.applied && outcome.userId) await app.forgetUser(outcome.userId);
        return outcome;
      },
      reportOverage: overage,
    });
  },
  { name: 'billing', dependencies: ['database', 'auth'] },
);
