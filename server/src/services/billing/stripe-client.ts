// The one Stripe client: the official SDK with our key, a short timeout and its own retries (each POST under
// one idempotency key). Tests point it at the loopback fake with host, port and protocol.
import Stripe from 'stripe';
import type { BillingConfig } from '../../config/env.js';

export function createStripe(config: Pick<BillingConfig, 'secretKey' | 'api'>): Stripe {
  return new Stripe(config.secretKey, {
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
