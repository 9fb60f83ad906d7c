// POST /billing/checkout (a Stripe Checkout page for a paid plan), POST /billing/portal (the Customer Portal),
// POST /billing/webhook (Stripe's events, its signature the only auth), GET /billing/return (where both pages
// send the trader back). Billing off: 503 billing_unconfigured. Checkout and the Portal call Stripe, so each trader
// has a few a minute of them (app.billingRateLimit), then 429 rate_limited.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type Stripe from 'stripe';
import { BillingUrlResponse, CheckoutRequest, WebhookResponse } from '../../contract/billing.js';
import { ErrorBody } from '../../contract/errors.js';
import { AppError } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import type { Billing } from '../../plugins/billing.js';
import { liveSubscription, planOf } from '../../services/billing/plan.js';
import { isStripeError, WEBHOOK_TOLERANCE_S } from '../../services/billing/stripe-client.js';
import { SUBJECT_METADATA_KEY } from '../../services/billing/webhook.js';

const RETURN_PATH = '/api/v1/billing/return';

const RETURN_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Strat Coach</title>
<body style="font-family:system-ui;margin:4rem auto;max-width:32rem"><h1>Back to Strat Coach</h1>
<p>Your plan is updated in the app within a few seconds. You can close this tab.</p></body></html>`;

const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 503: ErrorBody };

/** Stripe failed or could not be reached: the trader may try again; what Stripe said goes to the log only. */
function stripeUnavailable(request: FastifyRequest, error: unknown): AppError {
  if (isStripeError(error)) {
    request.log.warn({ stripeError: { type: error.type, code: error.code, message: error.message } }, 'stripe failed');
  } else {
    request.log.warn({ err: error }, 'stripe failed');
  }
  return new AppError(
    'unavailable',
    'Billing cannot be reached right now. Try again shortly.',
    {},
    { 'retry-after': '5' },
  );
}

export const billingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const billing = (): Billing => {
    if (!app.billing) {
      throw new AppError(
        'billing_unconfigured',
        'Billing is not set up on this server (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_PRICE_PRO, STRIPE_PRICE_ENTERPRISE).',
      );
    }
    return app.billing;
  };
  const requireBilling = async (): Promise<void> => {
    billing();
  };
  const returnUrl = (request: FastifyRequest): string =>
    billing().config.returnUrl ?? `${request.protocol}://${request.host}${RETURN_PATH}`;
  const withQuery = (url: string, query: string): string => `${url}${url.includes('?') ? '&' : '?'}${query}`;

  app.post(
    '/billing/checkout',
    {
      onRequest: [requireBilling, app.authenticate],
      // After validation: a request refused as invalid calls no Stripe and uses none of the trader's budget.
      preHandler: app.billingRateLimit,
      schema: { body: CheckoutRequest, response: { 200: BillingUrlResponse, ...errors } },
    },
    async (request) => {
      const user = currentUser(request);
      const { config, stripe } = billing();
      if (user.tier !== 'free') {
        throw new AppError(
          'already_subscribed',
          `You are on the ${user.tier} plan: change or cancel it in Manage plan.`,
          { tier: user.tier },
        );
      }
      const back = returnUrl(request);
      const subject = { [SUBJECT_METADATA_KEY]: user.clerkUserId };
      // One Stripe customer per trader, made before their first Checkout and kept: two Checkouts started before
      // either is paid (two tabs) put both subscriptions on it, where the plan follows the live one, rather than on
      // two customers. The same key for the same trader: a concurrent request is given the same customer.
      let customer = user.stripeCustomerId;
      if (!customer) {
        let created: Stripe.Customer;
        try {
          created = await stripe.customers.create(
            { ...(user.email ? { email: user.email } : {}), metadata: subject },
            { idempotencyKey: `strat-coach-customer-${user.id}` },
          );
        } catch (error) {
          throw stripeUnavailable(request, error);
        }
        customer = (await app.repos.billing.ensureCustomer(user.id, created.id)) ?? created.id;
        await app.forgetUser(user.id);
      }
      // The tier above is the one the last applied event set: a trader who has paid still shows free until
      // Stripe's event arrives (late, or retried after a 503). Stripe's own list says whether they paid, so a
      // second Checkout cannot start a second subscription billed beside the first.
      let live: Stripe.Subscription | null;
      try {
        live = liveSubscription(
          (await stripe.subscriptions.list({ customer, status: 'all', limit: 100 })).data,
          config.prices,
        );
      } catch (error) {
        throw stripeUnavailable(request, error);
      }
      if (live) {
        const tier = planOf(live, config.prices, new Date()).tier;
        throw new AppError(
          'already_subscribed',
          `Your ${tier} plan is paid and being activated: it shows in the app within a minute. No need to pay again.`,
          { tier },
        );
      }
      const params: Stripe.Checkout.SessionCreateParams = {
        mode: 'subscription',
        line_items: [
          { price: config.prices[request.body.tier], quantity: 1 },
          // The metered overage price: usage past the quota is billed on the same subscription.
          ...(config.prices.overage ? [{ price: config.prices.overage }] : []),
        ],
        client_reference_id: user.clerkUserId,
        customer,
        metadata: subject,
        subscription_data: { metadata: subject },
        success_url: withQuery(back, 'checkout=success'),
        cancel_url: withQuery(back, 'checkout=cancelled'),
      };
      try {
        const session = await stripe.checkout.sessions.create(params);
        if (!session.url) throw new Error('checkout session without a url');
        return { url: session.url };
      } catch (error) {
        throw stripeUnavailable(request, error);
      }
    },
  );

  app.post(
    '/billing/portal',
    {
      onRequest: [requireBilling, app.authenticate],
      preHandler: app.billingRateLimit,
      schema: { response: { 200: BillingUrlResponse, ...errors } },
    },
    async (request) => {
      const user = currentUser(request);
      const { stripe } = billing();
      if (!user.stripeCustomerId) {
        throw new AppError('not_found', 'No plan to manage yet: upgrade first.');
      }
      try {
        const session = await stripe.billingPortal.sessions.create({
          customer: user.stripeCustomerId,
          return_url: withQuery(returnUrl(request), 'portal=done'),
        });
        return { url: session.url };
      } catch (error) {
        throw stripeUnavailable(request, error);
      }
    },
  );

  app.get('/billing/return', async (_request, reply) => reply.type('text/html; charset=utf-8').send(RETURN_PAGE));

  await app.register(async (webhook) => {
    // The signature is over the exact bytes Stripe sent: keep them unparsed.
    webhook.removeAllContentTypeParsers();
    webhook.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    webhook.post(
      '/billing/webhook',
      { onRequest: requireBilling, schema: { response: { 200: WebhookResponse, 400: ErrorBody, 503: ErrorBody } } },
      async (request) => {
        const { config, stripe } = billing();
        const signature = request.headers['stripe-signature'];
        if (typeof signature !== 'string' || !Buffer.isBuffer(request.body)) {
          throw new AppError('invalid_request', 'A Stripe event needs its body and a Stripe-Signature header.', {
            field: 'stripe-signature',
          });
        }
        let event: Stripe.Event;
        try {
          event = stripe.webhooks.constructEvent(request.body, signature, config.webhookSecret, WEBHOOK_TOLERANCE_S);
        } catch {
          throw new AppError('invalid_request', 'The Stripe-Signature does not verify (or is too old).', {
            field: 'stripe-signature',
          });
        }
        let outcome;
        try {
          outcome = await billing().apply(event);
        } catch (error) {
          // Stripe answers 503 with a retry; it delivers the event again later (nothing was claimed).
          if (isStripeError(error)) throw stripeUnavailable(request, error);
          throw error;
        }
        request.log.info({ event: event.id, type: event.type, outcome }, 'billing event');
        return { received: true as const };
      },
    );
  });
};
