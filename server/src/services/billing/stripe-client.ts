// The one Stripe client: the official SDK with our key, a short timeout and its own retries (each POST under
// one idempotency key). Tests point it at the loopback fake with host, port and protocol.
import type Stripe from 'stripe';
import type { BillingConfig } from '../../config/env.js';

/** Loaded only where billing is on: the SDK is large, and a server without billing never needs it. */
export async function createStripe(config: Pick<BillingConfig, 'secretKey' | 'api'>): Promise<Stripe> {
  const { default: StripeSdk } = await import('stripe');
  return new StripeSdk(config.secretKey, {
    maxNetworkRetries: 2,
    timeout: 10_000,
    appInfo: { name: 'strat-coach' },
    ...(config.api ? { host: config.api.host, port: config.api.port, protocol: config.api.protocol } : {}),
  });
}

/** Webhook signatures older than this are refused (Stripe's default tolerance). */
export const WEBHOOK_TOLERANCE_S = 300;

/** The id of an expandable field: Stripe sends either the id or the object. */
export const idOf = (field: string | { id: string } | null | undefined): string | null =>
  field === null || field === undefined ? null : typeof field === 'string' ? field : field.id;

/** An error from Stripe's API or the SDK's connection to it (its `type`, e.g. StripeConnectionError). */
export const isStripeError = (error: unknown): error is Error & { type: string; code?: string } => {
  const type = (error as { type?: unknown } | null)?.type;
  return error instanceof Error && typeof type === 'string' && type.startsWith('Stripe');
};
