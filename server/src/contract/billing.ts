// Billing: Stripe Checkout to start a paid plan, the Customer Portal to change or cancel it.
import { Type, type Static } from 'typebox';

export const PaidTier = Type.Union([Type.Literal('pro'), Type.Literal('enterprise')]);
export type PaidTier = Static<typeof PaidTier>;

export const CheckoutRequest = Type.Object({ tier: PaidTier }, { additionalProperties: false });
export type CheckoutRequest = Static<typeof CheckoutRequest>;

/** A Stripe-hosted page to open in the system browser. */
export const BillingUrlResponse = Type.Object({ url: Type.String({ format: 'uri' }) }, { additionalProperties: false });
export type BillingUrlResponse = Static<typeof BillingUrlResponse>;

export const WebhookResponse = Type.Object({ received: Type.Literal(true) }, { additionalProperties: false });
export type WebhookResponse = Static<typeof WebhookResponse>;
