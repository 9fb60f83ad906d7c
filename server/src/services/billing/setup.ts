// `npm run billing:setup`: the products, prices and meter billing needs, created in a Stripe account or found
// there by their lookup keys (prices) and event name (meter), so that running it again creates nothing. With a
// webhook URL it also registers the endpoint for the events the server handles (its secret is shown once, when
// it is created). Returns the environment variables to set.
import Stripe from 'stripe';
import type { PaidTier } from '../../contract/billing.js';

export const LOOKUP_KEYS = {
  pro: 'strat_coach_pro_monthly',
  enterprise: 'strat_coach_enterprise_monthly',
  overage: 'strat_coach_overage_tokens',
} as const;
export const METER_EVENT_NAME = 'strat_coach_overage_tokens';
export const WEBHOOK_EVENTS: Stripe.WebhookEndpointCreateParams.EnabledEvent[] = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
];

/** Monthly prices in cents, and the overage per token in cents (0.0005: $5 a million tokens). */
const PLANS: Record<PaidTier, { name: string; cents: number }> = {
  pro: { name: 'Strat Coach Pro', cents: 2_900 },
  enterprise: { name: 'Strat Coach Enterprise', cents: 9_900 },
};
const OVERAGE_CENTS_PER_TOKEN = '0.0005';

export interface SetupResult {
  env: Record<string, string>;
  /** What this run created (empty on a second run). */
  created: string[];
}

export async function setUpBilling(stripe: Stripe, options: { webhookUrl?: string } = {}): Promise<SetupResult> {
  const created: string[] = [];
  const { data: existing } = await stripe.prices.list({ lookup_keys: Object.values(LOOKUP_KEYS), limit: 10 });
  const byKey = new Map(existing.map((price) => [price.lookup_key, price]));

  const plan = async (tier: PaidTier): Promise<string> => {
    const found = byKey.get(LOOKUP_KEYS[tier]);
    if (found) return found.id;
    const product = await stripe.products.create({ name: PLANS[tier].name, metadata: { strat_coach_tier: tier } });
    const price = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: PLANS[tier].cents,
      recurring: { interval: 'month' },
      lookup_key: LOOKUP_KEYS[tier],
    });
    created.push(`${PLANS[tier].name} (${product.id}, ${price.id})`);
    return price.id;
  };
  const pro = await plan('pro');
  const enterprise = await plan('enterprise');

  const meters = await stripe.billing.meters.list({ status: 'active', limit: 100 });
  let meter = meters.data.find((candidate) => candidate.event_name === METER_EVENT_NAME);
  if (!meter) {
    meter = await stripe.billing.meters.create({
      display_name: 'Strat Coach overage tokens',
      event_name: METER_EVENT_NAME,
      default_aggregation: { formula: 'sum' },
      customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
      value_settings: { event_payload_key: 'value' },
    });
    created.push(`meter ${METER_EVENT_NAME} (${meter.id})`);
  }
  let overage = byKey.get(LOOKUP_KEYS.overage)?.id;
  if (!overage) {
    const product = await stripe.products.create({ name: 'Strat Coach overage tokens' });
    const price = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount_decimal: Stripe.Decimal.from(OVERAGE_CENTS_PER_TOKEN),
      recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
      lookup_key: LOOKUP_KEYS.overage,
    });
    created.push(`overage price (${price.id})`);
    overage = price.id;
  }

  const env: Record<string, string> = {
    STRIPE_PRICE_PRO: pro,
    STRIPE_PRICE_ENTERPRISE: enterprise,
    STRIPE_METER_EVENT: METER_EVENT_NAME,
    STRIPE_PRICE_OVERAGE: overage,
  };
  if (options.webhookUrl) {
    const endpoints = await stripe.webhookEndpoints.list({ limit: 100 });
    if (!endpoints.data.some((endpoint) => endpoint.url === options.webhookUrl)) {
      const endpoint = await stripe.webhookEndpoints.create({
        url: options.webhookUrl,
        enabled_events: WEBHOOK_EVENTS,
      });
      created.push(`webhook endpoint ${endpoint.url} (${endpoint.id})`);
      if (endpoint.secret) env.STRIPE_WEBHOOK_SECRET = endpoint.secret;
    }
  }
  return { env, created };
}
