// The coaching server with billing on: the chat harness (PostgreSQL, Redis, the issuer, the fake Anthropic
// upstream) plus the loopback fake Stripe, a way to deliver signed webhook events, and the server's warnings.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../src/config/env.js';
import { startChatHarness, type ChatHarness } from './chat-harness.js';
import { startFakeStripe, type FakeStripe } from './fake-stripe.js';
import { signed, type StripeEventJson } from './stripe-events.js';

export interface BillingHarness extends ChatHarness {
  stripe: FakeStripe;
  /** What the server logged at warn and above, as pino wrote it. */
  warnings: Record<string, unknown>[];
  /** POSTs a body to the webhook with the given signature; `deliver` signs it properly. */
  webhook(payload: string, signature: string | null): Promise<{ statusCode: number; body: unknown }>;
  /** Delivers an event as Stripe does: its subscription is the account's state first (stripe.publish). */
  deliver(event: StripeEventJson): Promise<{ statusCode: number; body: unknown }>;
  /** Delivers an event as it was, changing nothing at Stripe: one that arrives late, after newer ones. */
  deliverLate(event: StripeEventJson): Promise<{ statusCode: number; body: unknown }>;
}

export const stripeApi = (stripe: FakeStripe) => (config: Config) => {
  if (!config.billing) throw new Error('billing is off: the fake Stripe needs its environment');
  config.billing.api = stripe.api;
  // Tests run the overage pass themselves.
  config.billing.overageIntervalMs = 3_600_000;
};

/** POSTs a body to the app's webhook with the given Stripe-Signature (none: null). */
export async function postWebhook(app: FastifyInstance, payload: string, signature: string | null) {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/billing/webhook',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...(signature === null ? {} : { 'stripe-signature': signature }),
    },
    payload,
  });
  return { statusCode: response.statusCode, body: response.json<unknown>() };
}

/** Delivers an event as Stripe would: its state changed first (`stripe`: the fake), signed now with the webhook secret. */
export function deliverEvent(app: FastifyInstance, event: StripeEventJson, stripe: FakeStripe | null) {
  stripe?.publish(event);
  const { payload, signature } = signed(event);
  return postWebhook(app, payload, signature);
}

export async function startBillingHarness(): Promise<BillingHarness> {
  const stripe = await startFakeStripe();
  const warnings: Record<string, unknown>[] = [];
  const chat = await startChatHarness(stripeApi(stripe), stripe.env, {
    level: 'warn',
    stream: { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return {
    ...chat,
    stripe,
    warnings,
    webhook: (payload, signature) => postWebhook(chat.test.app, payload, signature),
    deliver: (event) => deliverEvent(chat.test.app, event, stripe),
    deliverLate: (event) => deliverEvent(chat.test.app, event, null),
    async close() {
      await chat.close();
      await stripe.close();
    },
  };
}
