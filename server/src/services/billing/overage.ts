// Reports paid traders' overage to Stripe's meter through the overage_reports outbox: a pass queues what is
// new (one row per trader and period, however many answers; computed from the period's usage rows, so the last
// answers of a period that ended are caught too), then sends the unsent rows. Each row goes out under its own
// id as the idempotency key and the meter event's identifier, so a send repeated after a lost reply or a
// restart is counted once; a failed row stays unsent and the next pass tries it again.
//
// A pass re-sums only the traders with usage rows written since the previous one (less a margin for statements
// still committing as it read); every FULL_PASS_EVERY-th pass, and the first, sums every paid trader, for a row
// whose statement took longer than the margin to commit.
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
/** Every how many passes (one a minute: hourly) one sums every paid trader's periods. */
const FULL_PASS_EVERY = 60;
/** How far before the previous pass an incremental one looks: far longer than a settling statement runs. */
const WRITTEN_MARGIN_MS = 60_000;

/**
 * This instance's overage passes: each queues what is new, then sends the unsent rows. `fullPassEvery` is for
 * tests; production leaves it at FULL_PASS_EVERY.
 */
export function overageReporter(deps: OverageDeps & { fullPassEvery?: number }): () => Promise<OveragePass> {
  const fullPassEvery = deps.fullPassEvery ?? FULL_PASS_EVERY;
  let passes = 0;
  let writtenSince: Date | null = null;
  return async () => {
    const startedAt = await deps.billing.now();
    const full = writtenSince === null || passes % fullPassEvery === 0;
    const queued = await deps.billing.queueOverage(deps.limits, full ? null : writtenSince);
    // Moved on only once the pass has read: a failed one is repeated from the same point.
    writtenSince = new Date(startedAt.getTime() - WRITTEN_MARGIN_MS);
    passes += 1;
    return { queued, ...(await sendOverage(deps)) };
  };
}

/** Sends the unsent rows, at most batchSize of them. */
async function sendOverage(deps: OverageDeps): Promise<Omit<OveragePass, 'queued'>> {
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
  return { sent, failed };
}

/** Stripe's error type and message, never the request (it carries the key in its headers). */
const describe = (error: unknown): { type: string; message: string } =>
  error instanceof Error
    ? { type: (error as { type?: string }).type ?? error.name, message: error.message }
    : { type: 'unknown', message: String(error) };
