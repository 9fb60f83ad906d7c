// Checkout and the Customer Portal through HTTP, against the loopback fake Stripe: the exact parameters the
// server sends (mode, prices, client_reference_id, customer, return URLs) and what the trader gets back. And
// a server without billing: every billing route answers 503 billing_unconfigured, /status says so.
import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config/env.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';
import { buildTestApp } from './support/app.js';
import { deliverEvent, stripeApi } from './support/billing-harness.js';
import { PRICE_ENTERPRISE, PRICE_PRO, startFakeStripe, type FakeStripe } from './support/fake-stripe.js';
import { deleteKeys, TEST_REDIS_URL, uniqueKeyPrefix } from './support/rate-limit.js';
import { newCustomerId, stripeEvent, subscription } from './support/stripe-events.js';

const RETURN_URL = 'https://coach.example.com/billing/done';
const PRICE_OVERAGE = 'price_overage';

/** Every parameter a Checkout Session is created with, exactly: the plan's price beside the metered overage price
 * (no quantity: Stripe bills what the meter counted), the trader as reference and metadata, the return URLs. */
const checkoutParams = (price: string, subject: string, customer: string) => ({
  mode: 'subscription',
  line_items: [{ price, quantity: '1' }, { price: PRICE_OVERAGE }],
  client_reference_id: subject,
  customer,
  metadata: { strat_coach_subject: subject },
  subscription_data: { metadata: { strat_coach_subject: subject } },
  success_url: `${RETURN_URL}?checkout=success`,
  cancel_url: `${RETURN_URL}?checkout=cancelled`,
});

describe('billing on', () => {
  let stripe: FakeStripe;
  let h: ApiHarness;
  beforeAll(async () => {
    stripe = await startFakeStripe();
    h = await startApiHarness({
      env: { ...stripe.env, BILLING_RETURN_URL: RETURN_URL, STRIPE_PRICE_OVERAGE: PRICE_OVERAGE },
      tweak: stripeApi(stripe),
    });
  });
  afterAll(async () => {
    await h.close();
    await stripe.close();
  });

  const post = (url: string, headers: Record<string, string>, payload?: unknown) =>
    h.test.app.inject({ method: 'POST', url: `/api/v1/billing/${url}`, headers, ...(payload ? { payload } : {}) });
  const lastRequest = (path: string) => stripe.requests.filter((request) => request.path === path).at(-1);

  it('checkout: a subscription-mode session for the tier price and the metered overage price, the trader named by their subject', async () => {
    const { user, headers } = await h.trader();
    const response = await post('checkout', headers, { tier: 'enterprise' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ url: expect.stringMatching(/^https:\/\/checkout\.stripe\.test\/c\/cs_test_/) });
    // The trader's Stripe customer is made first, named by their subject, and kept on their row.
    const customers = stripe.requests.filter((request) => request.path === '/v1/customers');
    expect(customers.at(-1)).toMatchObject({
      method: 'POST',
      params: { metadata: { strat_coach_subject: user.clerkUserId } },
      idempotencyKey: `strat-coach-customer-${user.id}`,
    });
    const { rows } = await h.database.db.query<{ stripe_customer_id: string }>(
      'SELECT stripe_customer_id FROM users WHERE id = $1',
      [user.id],
    );
    const customer = rows[0]!.stripe_customer_id;
    expect(customer).toMatch(/^cus_/);
    const sent = lastRequest('/v1/checkout/sessions');
    expect(sent?.method).toBe('POST');
    expect(sent?.params).toEqual(checkoutParams(PRICE_ENTERPRISE, user.clerkUserId, customer));
    expect(sent?.idempotencyKey).toEqual(expect.any(String));
  });

  it('two checkouts before either is paid (two tabs, at once): one Stripe customer for both', async () => {
    const { user, headers } = await h.trader();
    const [first, second] = await Promise.all([
      post('checkout', headers, { tier: 'pro' }),
      post('checkout', headers, { tier: 'pro' }),
    ]);
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    const sessions = stripe.requests.filter(
      (request) => request.path === '/v1/checkout/sessions' && request.params.client_reference_id === user.clerkUserId,
    );
    expect(sessions).toHaveLength(2);
    const { rows } = await h.database.db.query<{ stripe_customer_id: string }>(
      'SELECT stripe_customer_id FROM users WHERE id = $1',
      [user.id],
    );
    expect(sessions.map((session) => session.params.customer)).toEqual([
      rows[0]!.stripe_customer_id,
      rows[0]!.stripe_customer_id,
    ]);
    // A third, later: the customer on the trader's row, no new one asked for.
    const made = stripe.requests.filter((request) => request.path === '/v1/customers').length;
    expect((await post('checkout', headers, { tier: 'enterprise' })).statusCode).toBe(200);
    expect(stripe.requests.filter((request) => request.path === '/v1/customers')).toHaveLength(made);
    expect(lastRequest('/v1/checkout/sessions')?.params.customer).toBe(rows[0]!.stripe_customer_id);
  });

  it('checkout reuses the Stripe customer of a trader who had a plan; a paid trader is sent to the portal', async () => {
    const { user, headers } = await h.trader();
    const customer = newCustomerId();
    const sub = subscription({
      customer,
      price: PRICE_PRO,
      periodStart: new Date(Math.floor(Date.now() / 1000 - 3600) * 1000),
      metadata: { strat_coach_subject: user.clerkUserId },
    });
    const deliver = async (type: string, object: object, created: Date) => {
      expect((await deliverEvent(h.test.app, stripeEvent(type, object, created), stripe)).statusCode).toBe(200);
    };
    await deliver('customer.subscription.created', sub, new Date(Date.now() - 10_000));

    const paid = await post('checkout', headers, { tier: 'pro' });
    expect(paid.statusCode).toBe(409);
    expect(paid.json()).toMatchObject({ error: { code: 'already_subscribed', tier: 'pro' } });

    await deliver('customer.subscription.deleted', { ...sub, status: 'canceled' }, new Date());
    const again = await post('checkout', headers, { tier: 'pro' });
    expect(again.statusCode).toBe(200);
    expect(lastRequest('/v1/checkout/sessions')?.params).toEqual(checkoutParams(PRICE_PRO, user.clerkUserId, customer));

    const portal = await post('portal', headers);
    expect(portal.statusCode).toBe(200);
    expect(portal.json()).toEqual({ url: expect.stringMatching(/^https:\/\/billing\.stripe\.test\/p\//) });
    expect(lastRequest('/v1/billing_portal/sessions')?.params).toEqual({
      customer,
      return_url: `${RETURN_URL}?portal=done`,
    });
  });

  it('a trader who paid but still shows free (Stripe’s event not applied yet) is refused a second Checkout', async () => {
    const { user, headers } = await h.trader();
    expect((await post('checkout', headers, { tier: 'pro' })).statusCode).toBe(200);
    const customer = lastRequest('/v1/checkout/sessions')?.params.customer as string;
    const sessions = () => stripe.requests.filter((request) => request.path === '/v1/checkout/sessions').length;
    const paidFor = (status: 'incomplete' | 'active') =>
      subscription({
        customer,
        price: PRICE_PRO,
        status,
        periodStart: new Date(Math.floor(Date.now() / 1000 - 60) * 1000),
        metadata: { strat_coach_subject: user.clerkUserId },
      });

    // The first payment not made yet (the card still being charged, or declined): Checkout is open again.
    const pending = paidFor('incomplete');
    stripe.subscriptions.set(pending.id, pending);
    expect((await post('checkout', headers, { tier: 'pro' })).statusCode).toBe(200);

    // Paid: no second subscription, whatever the trader's row still says.
    const paid = paidFor('active');
    stripe.subscriptions.set(paid.id, paid);
    const before = sessions();
    const refused = await post('checkout', headers, { tier: 'enterprise' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({
      error: {
        code: 'already_subscribed',
        message:
          'Your pro plan is paid and being activated: it shows in the app within a minute. No need to pay again.',
        tier: 'pro',
      },
    });
    expect(sessions()).toBe(before);

    // Stripe's list cannot be read: no Checkout either, the trader tries again shortly.
    stripe.failNext('/v1/subscriptions', 1);
    const unreadable = await post('checkout', headers, { tier: 'pro' });
    expect(unreadable.statusCode).toBe(503);
    expect(unreadable.json()).toMatchObject({ error: { code: 'unavailable' } });
    expect(sessions()).toBe(before);
  });

  it('the portal before any checkout is 404; bad input and no token are refused before Stripe is called', async () => {
    const { headers } = await h.trader();
    const calls = stripe.requests.length;
    const portal = await post('portal', headers);
    expect(portal.statusCode).toBe(404);
    expect(portal.json()).toMatchObject({ error: { code: 'not_found' } });
    for (const body of [{ tier: 'free' }, { tier: 'gold' }, {}, { tier: 'PRO' }]) {
      const refused = await post('checkout', headers, body);
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ error: { code: 'invalid_request' } });
    }
    const anonymous = await post('checkout', {}, { tier: 'pro' });
    expect(anonymous.statusCode).toBe(401);
    expect(stripe.requests.length).toBe(calls);
  });

  it('checkout and the portal: five a minute per trader, then 429 rate_limited, Stripe not called; no question used', async () => {
    const { user, headers } = await h.trader();
    const sessions = () =>
      stripe.requests.filter(
        (request) =>
          request.path === '/v1/checkout/sessions' && request.params.client_reference_id === user.clerkUserId,
      ).length;
    const portals = () => stripe.requests.filter((request) => request.path === '/v1/billing_portal/sessions').length;
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('checkout', headers, { tier: 'pro' })));
    const codes = answers.map((answer) => answer.statusCode);
    expect(codes.filter((code) => code === 200)).toHaveLength(5);
    expect(codes.filter((code) => code === 429)).toHaveLength(15);
    expect(sessions()).toBe(5);
    const refused = answers.find((answer) => answer.statusCode === 429)!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.json()).toEqual({
      error: {
        code: 'rate_limited',
        message: expect.stringMatching(
          /^Too many requests: Upgrade and Manage plan allow 5 a minute\. Try again in \d+ s\.$/,
        ),
        window: 'minute',
        retryAfterMs: expect.any(Number),
      },
    });

    // The portal shares the budget: Stripe is not asked.
    const before = portals();
    const portal = await post('portal', headers);
    expect(portal.statusCode).toBe(429);
    expect(portal.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect(portals()).toBe(before);

    // Another trader has a budget of their own; the trader's questions have theirs, untouched.
    expect((await post('checkout', (await h.trader()).headers, { tier: 'pro' })).statusCode).toBe(200);
    const question = await h.test.app.inject({
      method: 'POST',
      url: '/api/v1/chat/stream',
      headers,
      payload: { message: 'Is this 2-1-2 live?' },
    });
    expect(question.statusCode).toBe(200);
    expect(question.headers['x-ratelimit-remaining']).toBe('9');
  });

  it('/status reports billing on and overage metered', async () => {
    const status = await h.test.app.inject({ method: 'GET', url: '/api/v1/status' });
    expect(status.json().dependencies.billing).toEqual({
      mode: 'stripe',
      ok: true,
      latencyMs: null,
      overage: 'metered',
    });
  });
});

describe('billing on, two instances and one Redis', () => {
  it('the trader’s five a minute are shared by every instance', async () => {
    const stripe = await startFakeStripe();
    const keyPrefix = uniqueKeyPrefix();
    const env = { ...stripe.env, REDIS_URL: TEST_REDIS_URL };
    const tweak = (config: Config) => {
      stripeApi(stripe)(config);
      config.rateLimit = { keyPrefix };
    };
    const h = await startApiHarness({ env, tweak });
    const other = await buildTestApp({ database: h.database.another(), env: { ...h.issuer.env, ...env }, tweak });
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const { headers } = await h.trader();
      const checkout = (app: typeof other.app): Promise<LightMyRequestResponse> =>
        app.inject({ method: 'POST', url: '/api/v1/billing/checkout', headers, payload: { tier: 'pro' } });
      const first = [await checkout(h.test.app), await checkout(other.app), await checkout(h.test.app)];
      const later = [await checkout(other.app), await checkout(h.test.app), await checkout(other.app)];
      expect([...first, ...later].map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200, 200, 429]);
      expect((await checkout(h.test.app)).json()).toMatchObject({ error: { code: 'rate_limited', window: 'minute' } });
    } finally {
      await other.close();
      await h.close();
      await stripe.close();
      await deleteKeys(redis, keyPrefix);
      redis.disconnect();
    }
  });
});

describe('Stripe unreachable', () => {
  it('checkout answers 503 unavailable, with nothing of Stripe in the answer', async () => {
    const gone = await startFakeStripe();
    await gone.close();
    const h = await startApiHarness({ env: gone.env, tweak: stripeApi(gone) });
    try {
      const { headers } = await h.trader();
      const response = await h.test.app.inject({
        method: 'POST',
        url: '/api/v1/billing/checkout',
        headers,
        payload: { tier: 'pro' },
      });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).toEqual({
        error: { code: 'unavailable', message: 'Billing cannot be reached right now. Try again shortly.' },
      });
    } finally {
      await h.close();
    }
  });
});

describe('billing off', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('every billing route answers 503 billing_unconfigured and /status says so', async () => {
    const { headers } = await h.trader();
    for (const [url, extra] of [
      ['checkout', { headers, payload: { tier: 'pro' } }],
      ['portal', { headers }],
      ['webhook', { headers: { 'stripe-signature': 't=1,v1=x', 'content-type': 'application/json' }, payload: '{}' }],
    ] as const) {
      const response = await h.test.app.inject({ method: 'POST', url: `/api/v1/billing/${url}`, ...extra });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ error: { code: 'billing_unconfigured' } });
    }
    const status = await h.test.app.inject({ method: 'GET', url: '/api/v1/status' });
    expect(status.json().dependencies.billing).toMatchObject({ mode: 'unconfigured', ok: true, overage: 'off' });
    expect(status.json().status).toBe('ok');
  });
});
