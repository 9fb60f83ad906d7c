// Stripe objects and webhook events as Stripe sends them, signed with the SDK's own test-header helper.
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { FAKE_STRIPE_KEY, FAKE_WEBHOOK_SECRET } from './fake-stripe.js';

const sdk = new Stripe(FAKE_STRIPE_KEY);
const unix = (at: Date): number => Math.floor(at.getTime() / 1000);
const newId = (prefix: string): string => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 24)}`;

export interface SubscriptionOptions {
  id?: string;
  customer: string;
  price: string;
  status?: Stripe.Subscription.Status;
  periodStart: Date;
  periodEnd?: Date;
  metadata?: Record<string, string>;
  /** When the subscription was created (default: its period start). */
  created?: Date;
  /** What Stripe counts renewals from: the first period's start (default: this period's start). */
  billingCycleAnchor?: Date;
}

export function subscription(options: SubscriptionOptions): Stripe.Subscription {
  const end = options.periodEnd ?? new Date(options.periodStart.getTime() + 30 * 24 * 3600 * 1000);
  return {
    id: options.id ?? newId('sub'),
    object: 'subscription',
    customer: options.customer,
    status: options.status ?? 'active',
    created: unix(options.created ?? options.periodStart),
    billing_cycle_anchor: unix(options.billingCycleAnchor ?? options.periodStart),
    metadata: options.metadata ?? {},
    items: {
      object: 'list',
      has_more: false,
      url: '/v1/subscription_items',
      data: [
        {
          id: newId('si'),
          object: 'subscription_item',
          price: { id: options.price, object: 'price' },
          current_period_start: unix(options.periodStart),
          current_period_end: unix(end),
        },
      ],
    },
  } as unknown as Stripe.Subscription;
}

export function checkoutCompleted(options: { subject: string; customer: string; subscription: string }): object {
  return {
    id: newId('cs_test'),
    object: 'checkout.session',
    mode: 'subscription',
    status: 'complete',
    client_reference_id: options.subject,
    customer: options.customer,
    subscription: options.subscription,
  };
}

export interface StripeEventJson {
  id: string;
  object: 'event';
  type: string;
  created: number;
  data: { object: object };
}

export function stripeEvent(type: string, object: object, created: Date = new Date()): StripeEventJson {
  return { id: newId('evt'), object: 'event', type, created: unix(created), data: { object } };
}

/** The body and its Stripe-Signature header, as Stripe would send them (`timestamp` to sign one from the past). */
export function signed(
  event: StripeEventJson,
  options: { secret?: string; timestamp?: Date } = {},
): { payload: string; signature: string } {
  const payload = JSON.stringify(event);
  const signature = sdk.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? FAKE_WEBHOOK_SECRET,
    ...(options.timestamp ? { timestamp: unix(options.timestamp) } : {}),
  });
  return { payload, signature };
}

export const newCustomerId = (): string => newId('cus');
