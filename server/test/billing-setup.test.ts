// npm run billing:setup's work against the loopback fake Stripe: the first run creates the plans, the meter,
// the metered price and the webhook endpoint; the second finds them all by lookup key and creates nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripe } from '../src/services/billing/stripe-client.js';
import { LOOKUP_KEYS, METER_EVENT_NAME, setUpBilling, WEBHOOK_EVENTS } from '../src/services/billing/setup.js';
import { FAKE_STRIPE_KEY, startFakeStripe, type FakeStripe } from './support/fake-stripe.js';

let stripe: FakeStripe;
beforeAll(async () => {
  stripe = await startFakeStripe();
});
afterAll(async () => {
  await stripe.close();
});

describe('billing setup', () => {
  it('creates what is missing, prints the variables, and creates nothing the second time', async () => {
    const client = await createStripe({ secretKey: FAKE_STRIPE_KEY, api: stripe.api });
    const webhookUrl = 'https://coach.example.com/api/v1/billing/webhook';
    const first = await setUpBilling(client, { webhookUrl });
    expect(first.created).toHaveLength(5);
    expect(first.env).toEqual({
      STRIPE_PRICE_PRO: expect.stringMatching(/^price_/),
      STRIPE_PRICE_ENTERPRISE: expect.stringMatching(/^price_/),
      STRIPE_METER_EVENT: METER_EVENT_NAME,
      STRIPE_PRICE_OVERAGE: expect.stringMatching(/^price_/),
      STRIPE_WEBHOOK_SECRET: expect.stringMatching(/^whsec_/),
    });
    const prices = stripe.account.prices;
    expect(prices.map((price) => price.lookup_key)).toEqual([
      LOOKUP_KEYS.pro,
      LOOKUP_KEYS.enterprise,
      LOOKUP_KEYS.overage,
    ]);
    expect(prices[0]).toMatchObject({ currency: 'usd', unit_amount: '2900', recurring: { interval: 'month' } });
    expect(prices[2]).toMatchObject({
      recurring: { interval: 'month', usage_type: 'metered', meter: expect.stringMatching(/^mtr_/) },
    });
    expect(stripe.account.meters).toEqual([
      expect.objectContaining({
        event_name: METER_EVENT_NAME,
        default_aggregation: { formula: 'sum' },
        customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
        value_settings: { event_payload_key: 'value' },
      }),
    ]);
    expect(stripe.account.webhookEndpoints).toEqual([
      expect.objectContaining({ url: webhookUrl, enabled_events: WEBHOOK_EVENTS }),
    ]);

    const second = await setUpBilling(client, { webhookUrl });
    expect(second.created).toEqual([]);
    // The webhook secret is shown once, when the endpoint is created.
    const again: Record<string, string> = { ...first.env };
    delete again.STRIPE_WEBHOOK_SECRET;
    expect(second.env).toEqual(again);
    expect(stripe.account.prices).toHaveLength(3);
    expect(stripe.account.products).toHaveLength(3);
  });
});
