// Billing's tables: the webhook events applied (billing_events), Stripe's customer and subscription on the
// user row, and the overage outbox (overage_reports). See migrations/010_billing.sql.
import type { Tier } from '../../contract/usage.js';
import type { Queryable } from '../database.js';

/** What a subscription event makes of the trader's plan. */
export interface PlanChange {
  tier: Tier;
  status: string;
  subscriptionId: string | null;
  /**
   * The quota period's anchor: the subscription's current period start (paid), the calendar month (a paid plan
   * ended); null keeps the period (a subscription that never started).
   */
  periodStart: Date | null;
  periodEnd: Date | null;
  /** Stripe's `created` of the event that says so. */
  eventAt: Date;
}

/** One queued overage report, ready to send. */
export interface OverageReport {
  id: string;
  customerId: string;
  tokens: number;
  createdAt: Date;
}

export function billingRepository(db: Queryable) {
  return {
    /** Claims an event id; false when it was applied before (a replay). Call inside the transaction that applies it. */
    async claimEvent(event: { id: string; type: string; createdAt: Date }): Promise<boolean> {
      const { rowCount } = await db.query(
        `INSERT INTO billing_events (id, type, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
        [event.id, event.type, event.createdAt],
      );
      return rowCount === 1;
    },

    async seenEvent(id: string): Promise<boolean> {
      const { rows } = await db.query(`SELECT 1 FROM billing_events WHERE id = $1`, [id]);
      return rows.length > 0;
    },

    /** Links Stripe's customer to the trader (by their token's subject); the user id, or null for none such. */
    async linkCustomer(subject: string, customerId: string): Promise<string | null> {
      const { rows } = await db.query<{ id: string }>(
        `UPDATE users SET stripe_customer_id = $2 WHERE clerk_user_id = $1 RETURNING id`,
        [subject, customerId],
      );
      return rows[0]?.id ?? null;
    },

    async userIdByCustomer(customerId: string): Promise<string | null> {
      const { rows } = await db.query<{ id: string }>(`SELECT id FROM users WHERE stripe_customer_id = $1`, [
        customerId,
      ]);
      return rows[0]?.id ?? null;
    },

    /**
     * Applies a plan unless a newer event already did (out of order: the older one changes nothing). A new
     * anchor starts a new quota period with fresh counters; turns still answering settle into the old one.
     * True when it changed the row.
     */
    async applyPlan(userId: string, plan: PlanChange): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE users
            SET tier = $2, subscription_status = $3, stripe_subscription_id = $4,
                subscription_period_end = $6, subscription_event_at = $7,
                quota_used = CASE WHEN coalesce($5, period_start) = period_start THEN quota_used ELSE 0 END,
                quota_reserved = CASE WHEN coalesce($5, period_start) = period_start THEN quota_reserved ELSE 0 END,
                quota_period_start = CASE WHEN coalesce($5, period_start) = period_start THEN quota_period_start
                                          ELSE $5 END,
                period_start = coalesce($5, period_start)
          WHERE id = $1 AND (subscription_event_at IS NULL OR subscription_event_at <= $7)`,
        [userId, plan.tier, plan.status, plan.subscriptionId, plan.periodStart, plan.periodEnd, plan.eventAt],
      );
      return rowCount === 1;
    },

    /** The subscription the trader's row names, to tell a stale subscription's deletion from the current one's. */
    async subscriptionOf(userId: string): Promise<string | null> {
      const { rows } = await db.query<{ stripe_subscription_id: string | null }>(
        `SELECT stripe_subscription_id FROM users WHERE id = $1`,
        [userId],
      );
      return rows[0]?.stripe_subscription_id ?? null;
    },

    /**
     * Queues each paid trader's overage not yet queued (this period's quota_used past the tier's quota, less
     * what earlier rows cover): one row per trader per pass, whatever the number of answers behind it. The
     * unique running total makes a concurrent pass (another instance) queue nothing twice. `onlyUserId` limits
     * it to one trader (before their period changes). Returns the rows queued.
     */
    async queueOverage(
      limits: Record<'pro' | 'enterprise', number>,
      onlyUserId: string | null = null,
    ): Promise<number> {
      const { rowCount } = await db.query(
        `WITH over AS (
           SELECT u.id, u.stripe_customer_id, u.quota_period_start,
                  u.quota_used - CASE u.tier WHEN 'pro' THEN $1::bigint ELSE $2::bigint END AS tokens
             FROM users u
            WHERE u.tier IN ('pro', 'enterprise') AND u.stripe_customer_id IS NOT NULL
              AND u.quota_period_start IS NOT NULL AND ($3::uuid IS NULL OR u.id = $3::uuid)
         ), pending AS (
           SELECT o.*, coalesce((SELECT max(r.up_to_tokens) FROM overage_reports r
                                  WHERE r.user_id = o.id AND r.period_start = o.quota_period_start), 0) AS queued
             FROM over o WHERE o.tokens > 0
         )
         INSERT INTO overage_reports (user_id, customer_id, period_start, up_to_tokens, tokens)
         SELECT id, stripe_customer_id, quota_period_start, tokens, tokens - queued FROM pending WHERE tokens > queued
         ON CONFLICT (user_id, period_start, up_to_tokens) DO NOTHING`,
        [limits.pro, limits.enterprise, onlyUserId],
      );
      return rowCount;
    },

    /** The oldest unsent reports, at most `limit`. */
    async unsentOverage(limit: number): Promise<OverageReport[]> {
      const { rows } = await db.query<{ id: string; customer_id: string; tokens: number; created_at: Date }>(
        `SELECT id, customer_id, tokens::int8 AS tokens, created_at FROM overage_reports
          WHERE sent_at IS NULL ORDER BY created_at, id LIMIT $1`,
        [limit],
      );
      return rows.map((row) => ({
        id: row.id,
        customerId: row.customer_id,
        tokens: row.tokens,
        createdAt: row.created_at,
      }));
    },

    async markOverageSent(id: string): Promise<void> {
      await db.query(`UPDATE overage_reports SET sent_at = now(), attempts = attempts + 1 WHERE id = $1`, [id]);
    },

    async markOverageFailed(id: string): Promise<void> {
      await db.query(`UPDATE overage_reports SET attempts = attempts + 1 WHERE id = $1`, [id]);
    },

    /** The overage reported (sent) for the trader's period starting `periodStart`. */
    async reportedOverage(userId: string, periodStart: Date): Promise<number> {
      const { rows } = await db.query<{ reported: number }>(
        `SELECT coalesce(sum(tokens), 0)::int8 AS reported FROM overage_reports
          WHERE user_id = $1 AND period_start = $2 AND sent_at IS NOT NULL`,
        [userId, periodStart],
      );
      return rows[0]?.reported ?? 0;
    },
  };
}

export type BillingRepository = ReturnType<typeof billingRepository>;
