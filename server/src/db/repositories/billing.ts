// Billing's tables: the webhook events applied (billing_events), Stripe's customer and subscription on the
// user row, and the overage outbox (overage_reports). See migrations/010_billing.sql, 011_quota_periods.sql and
// 012_usage_recorded_at.sql.
import type { Tier } from '../../contract/usage.js';
import type { Queryable } from '../database.js';

/** What a subscription event makes of the trader's plan. */
export interface PlanChange {
  tier: Tier;
  status: string;
  subscriptionId: string | null;
  /** The quota period's anchor: the subscription's billing cycle anchor (paid), the calendar month's (free). */
  periodStart: Date;
  periodEnd: Date | null;
  /** Stripe's `created` of the event that says so. */
  eventAt: Date;
}

/** One queued overage report, ready to send. */
export interface OverageReport {
  id: string;
  customerId: string;
  tokens: number;
  /** When the last usage it reports happened (when it was queued, for rows from before migration 011). */
  usageAt: Date;
}

/** Each paid tier's quota: a period's overage is its rows' quota tokens past it. */
export type PaidQuotas = Record<'pro' | 'enterprise', number>;

/** Stripe retries a delivery for 3 days and keeps events for 30: an older event id need not be remembered. */
export const BILLING_EVENT_RETENTION_DAYS = 30;

/**
 * A period's overage is looked for while its start is this recent: the current monthly period and the one
 * before, whose last answers can settle after the next one began.
 */
const OVERAGE_LOOKBACK_DAYS = 62;

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

    /**
     * Links Stripe's customer to the trader (by their token's subject) unless the trader has one already, which is
     * kept: an event must not move a trader to another customer (and the plan with it). The user id and the customer
     * they are linked to (not `customerId`: refused), or null for no such user.
     */
    async linkCustomer(subject: string, customerId: string): Promise<{ userId: string; customerId: string } | null> {
      const { rows } = await db.query<{ id: string; stripe_customer_id: string }>(
        `UPDATE users SET stripe_customer_id = coalesce(stripe_customer_id, $2) WHERE clerk_user_id = $1
         RETURNING id, stripe_customer_id`,
        [subject, customerId],
      );
      const [row] = rows;
      return row ? { userId: row.id, customerId: row.stripe_customer_id } : null;
    },

    /**
     * The trader's Stripe customer: the one already linked if there is one (a concurrent checkout's), else
     * `customerId`, linked now. Null for no such user.
     */
    async ensureCustomer(userId: string, customerId: string): Promise<string | null> {
      const { rows } = await db.query<{ stripe_customer_id: string }>(
        `UPDATE users SET stripe_customer_id = coalesce(stripe_customer_id, $2) WHERE id = $1
         RETURNING stripe_customer_id`,
        [userId, customerId],
      );
      return rows[0]?.stripe_customer_id ?? null;
    },

    async userIdByCustomer(customerId: string): Promise<string | null> {
      const { rows } = await db.query<{ id: string }>(`SELECT id FROM users WHERE stripe_customer_id = $1`, [
        customerId,
      ]);
      return rows[0]?.id ?? null;
    },

    /**
     * Applies a plan unless a newer event already did (out of order: the older one changes nothing). The counters
     * move to `quotaPeriodStart`, the quota period that contains now under the new anchor: when that is the period
     * they count (a renewal the gate already rolled into, a status change) they are kept; when it is another (an
     * upgrade, a renewal, the end of a plan) they are counted again from that period's usage rows and the
     * reservations of turns still answering in it. Set to zero instead, a trader back on the free plan within the
     * month it had spent (an upgrade, then a cancelled trial) got the month's quota once more. Under the same anchor
     * the period never moves back (an instance whose clock lags at the boundary computes the older one). True when
     * it changed the row.
     */
    async applyPlan(userId: string, plan: PlanChange, quotaPeriodStart: Date): Promise<boolean> {
      const period = `CASE WHEN u.period_start = $5 THEN greatest(u.quota_period_start, $8) ELSE $8 END`;
      const { rowCount } = await db.query(
        `UPDATE users u
            SET tier = $2, subscription_status = $3, stripe_subscription_id = $4, period_start = $5,
                subscription_period_end = $6, subscription_event_at = $7,
                quota_used = CASE WHEN u.quota_period_start = ${period} THEN u.quota_used ELSE (
                  SELECT coalesce(sum(coalesce(t.quota_tokens, t.input_tokens + t.output_tokens)), 0)
                    FROM token_usage t WHERE t.user_id = u.id AND t.billing_period_start = ${period}) END,
                quota_reserved = CASE WHEN u.quota_period_start = ${period} THEN u.quota_reserved ELSE (
                  SELECT coalesce(sum(q.tokens), 0)
                    FROM quota_reservations q WHERE q.user_id = u.id AND q.period_start = ${period}) END,
                quota_period_start = ${period}
          WHERE u.id = $1 AND (u.subscription_event_at IS NULL OR u.subscription_event_at <= $7)`,
        [
          userId,
          plan.tier,
          plan.status,
          plan.subscriptionId,
          plan.periodStart,
          plan.periodEnd,
          plan.eventAt,
          quotaPeriodStart,
        ],
      );
      return rowCount === 1;
    },

    /** Forgets events older than BILLING_EVENT_RETENTION_DAYS; returns how many. */
    async pruneEvents(): Promise<number> {
      const { rowCount } = await db.query(
        `DELETE FROM billing_events WHERE created_at < now() - make_interval(days => $1)`,
        [BILLING_EVENT_RETENTION_DAYS],
      );
      return rowCount;
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
     * Queues the overage no row covers yet, per trader and period, from the period's own usage rows: the quota
     * tokens of every row keyed to the period, past the quota of the paid tier its rows were recorded under (the
     * larger, after an upgrade within the period; a period with only free rows has none). So the last answers of
     * a period are reported even when they settle after the counter moved on. One row per trader and period per
     * pass, whatever the number of answers behind it; a concurrent pass (another instance) that read the same
     * running total queues nothing (the rows' unique start). With `writtenSince`, only the traders with a usage
     * row written (recorded_at) since then are summed. Returns the rows queued.
     */
    async queueOverage(quotas: PaidQuotas, writtenSince: Date | null = null): Promise<number> {
      const { rowCount } = await db.query(
        `WITH traders AS (
           SELECT u.id FROM users u
            WHERE u.stripe_customer_id IS NOT NULL
              AND ($4::timestamptz IS NULL
                   OR u.id IN (SELECT w.user_id FROM token_usage w WHERE w.recorded_at >= $4::timestamptz))
         ), periods AS (
           -- Trader by trader, through the (user_id, billing_period_start) index: an incremental pass reads only
           -- its traders' rows, not the table.
           SELECT tr.id AS user_id, p.period_start, p.usage_at, p.used, p.quota
             FROM traders tr CROSS JOIN LATERAL (
               SELECT t.billing_period_start AS period_start, max(t.created_at) AS usage_at,
                      sum(coalesce(t.quota_tokens, t.input_tokens + t.output_tokens)) AS used,
                      max(CASE t.tier WHEN 'pro' THEN $1::bigint WHEN 'enterprise' THEN $2::bigint END) AS quota
                 FROM token_usage t
                WHERE t.user_id = tr.id AND t.billing_period_start > now() - make_interval(days => $3)
                GROUP BY t.billing_period_start
             ) p
         ), pending AS (
           SELECT p.user_id, p.period_start, p.usage_at, p.used - p.quota AS tokens,
                  coalesce((SELECT max(r.up_to_tokens) FROM overage_reports r
                             WHERE r.user_id = p.user_id AND r.period_start = p.period_start), 0) AS queued
             FROM periods p
            WHERE p.used > p.quota
         )
         INSERT INTO overage_reports (user_id, customer_id, period_start, up_to_tokens, tokens, usage_at)
         SELECT p.user_id, u.stripe_customer_id, p.period_start, p.tokens, p.tokens - p.queued, p.usage_at
           FROM pending p JOIN users u ON u.id = p.user_id
          WHERE p.tokens > p.queued
         ON CONFLICT DO NOTHING`,
        [quotas.pro, quotas.enterprise, OVERAGE_LOOKBACK_DAYS, writtenSince],
      );
      return rowCount;
    },

    /** The database's clock: the one every instance's rows are stamped by. */
    async now(): Promise<Date> {
      const { rows } = await db.query<{ now: Date }>('SELECT now() AS now', []);
      const [row] = rows;
      if (!row) throw new Error('SELECT now() returned no row');
      return row.now;
    },

    /**
     * Unsent reports, at most `limit`: the least tried first, then the oldest, so a row Stripe keeps refusing (a
     * customer deleted in the Dashboard) goes behind the others instead of holding back every trader's report.
     */
    async unsentOverage(limit: number): Promise<OverageReport[]> {
      const { rows } = await db.query<{ id: string; customer_id: string; tokens: number; usage_at: Date }>(
        `SELECT id, customer_id, tokens::int8 AS tokens, coalesce(usage_at, created_at) AS usage_at
           FROM overage_reports
          WHERE sent_at IS NULL ORDER BY attempts, created_at, id LIMIT $1`,
        [limit],
      );
      return rows.map((row) => ({
        id: row.id,
        customerId: row.customer_id,
        tokens: row.tokens,
        usageAt: row.usage_at,
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
