// Reports paid traders' overage to Stripe's meter through the overage_reports outbox: a pass queues what is
// new (one row per trader and period, however many answers; computed from the period's usage rows, so the last
// answers of a period that ended are caught too), then sends the unsent rows. Each row goes out under its own
// id as the idempotency key and the meter event's identifier, so a send repeated after a lost reply or a
// restart is counted once; a failed row stays unsent and the next pass tries it again.
import type { FastifyBaseLogger } from 'fastify';
import type Stripe from 'stripe';
import type { BillingRepository, PaidQuotas } from '../../db/repositories/billing.js';

export interface OverageDeps {
  billing: BillingRepository;
  stripe: Stripe;
  meterEventName: string;
  limits: PaidQuotas;
  log: FastifyBaseLogger;
  /** Rows sent in one pass. */
  batchSize?: number;
}

export interface OveragePass {
  queued: number;
  sent: number;
  failed: number;
}

const BATCH_SIZE = 100;

export async function reportOverage(deps: OverageDeps): Promise<OveragePass> {
  const queued = await deps.billing.queueOverage(deps.limits);
  const reports = await deps.billing.unsentOverage(deps.batchSize ?? BATCH_SIZE);
  let sent = 0;
  let failed = 0;
  for (const report of reports) {
    try {
      await deps.stripe.billing.meterEvents.create(
        {
          event_name: deps.meterEventName,
          identifier: report.id,
          // When the usage happened (Stripe aggregates meter events by their timestamp), not when it was queued.
          timestamp: Math.floor(report.usageAt.getTime() / 1000),
          payload: { stripe_customer_id: report.customerId, value: String(report.tokens) },
        },
        { idempotencyKey: `overage-${report.id}` },
      );
      await deps.billing.markOverageSent(report.id);
      sent += 1;
    } catch (error) {
      failed += 1;
      await deps.billing.markOverageFailed(report.id).catch(() => undefined);
      deps.log.warn({ report: report.id, err: describe(error) }, 'overage not reported yet; the next pass retries');
    }
  }
  return { queued, sent, failed };
}

/** Stripe's error type and message, never the request (it carries the key in its headers). */
const describe = (error: unknown): { type: string; message: string } =>
  error instanceof Error
    ? { type: (error as { type?: string }).type ?? error.name, message: error.message }
    : { type: 'unknown', message: String(error) };
