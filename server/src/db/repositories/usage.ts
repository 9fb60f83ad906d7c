// token_usage: one row per upstream call, with every token kind, cost, timing and outcome. Rows are written by
// one INSERT (insertUsage), used here and by a coaching turn's settling statement (coaching-turns.ts); each
// statement that uses it moves the quota counter on the user row (users.quota_used, which the gate reads under
// its row lock) by the row's quota_tokens, so /usage/current and the gate read the same figure.
import type { UsageStatus } from '../../contract/usage.js';
import type { Queryable } from '../database.js';

export interface NewUsageRecord {
  userId: string;
  conversationId: string | null;
  requestId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  latencyMs: number | null;
  ttftMs: number | null;
  status: UsageStatus;
  errorCode: string | null;
  billingPeriodStart: Date;
  /** What the call counted against the quota; defaults to uncached input + output. */
  quotaTokens?: number;
  /** Defaults to now(); tests seed history with explicit times. */
  createdAt?: Date;
}

export interface UsageRecord extends Omit<
  NewUsageRecord,
  'userId' | 'billingPeriodStart' | 'createdAt' | 'quotaTokens'
> {
  id: string;
  createdAt: Date;
}

/** Sums of one period for one model (pricing is per model, so savings are computed per model). */
export interface ModelTotals {
  model: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Tokens counted against the quota (see token_usage.quota_tokens). */
  quotaTokens: number;
  costUsd: number;
}

interface UsageRow {
  id: string;
  conversation_id: string | null;
  request_id: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: string;
  latency_ms: number | null;
  ttft_ms: number | null;
  status: UsageStatus;
  error_code: string | null;
  created_at: Date;
}

const toRecord = (row: UsageRow): UsageRecord => ({
  id: row.id,
  conversationId: row.conversation_id,
  requestId: row.request_id,
  model: row.model,
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  cacheReadTokens: row.cache_read_tokens,
  cacheWriteTokens: row.cache_write_tokens,
  costUsd: Number(row.cost_usd),
  latencyMs: row.latency_ms,
  ttftMs: row.ttft_ms,
  status: row.status,
  errorCode: row.error_code,
  createdAt: row.created_at,
});

/**
 * The one INSERT INTO token_usage, as the body of a CTE returning the row's id and quota_tokens. The row keeps the
 * tier the trader is on as it is recorded: a period's overage is computed from its rows. `owner` is a
 * query of at most one row naming the row's user_id, conversation_id and billing_period_start; `values` is the
 * statement's parameter holding usageValues(record).
 */
export const insertUsage = (owner: string, values: string): string =>
  `INSERT INTO token_usage (user_id, conversation_id, billing_period_start, request_id, model, input_tokens,
     output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, latency_ms, ttft_ms, status, error_code,
     quota_tokens, tier, created_at)
   SELECT o.user_id, o.conversation_id, o.billing_period_start, v.request_id, v.model, v.input_tokens,
          v.output_tokens, v.cache_read_tokens, v.cache_write_tokens, v.cost_usd, v.latency_ms, v.ttft_ms, v.status,
          v.error_code, v.quota_tokens, (SELECT tier FROM users WHERE id = o.user_id), coalesce(v.created_at, now())
     FROM (${owner}) o CROSS JOIN jsonb_populate_record(NULL::token_usage, ${values}::jsonb) v
   RETURNING id, quota_tokens`;

/** A record's own values, named by token_usage's columns: the parameter insertUsage reads. */
export const usageValues = (record: NewUsageRecord): string =>
  JSON.stringify({
    request_id: record.requestId,
    model: record.model,
    input_tokens: record.inputTokens,
    output_tokens: record.outputTokens,
    cache_read_tokens: record.cacheReadTokens,
    cache_write_tokens: record.cacheWriteTokens,
    cost_usd: record.costUsd,
    latency_ms: record.latencyMs,
    ttft_ms: record.ttftMs,
    status: record.status,
    error_code: record.errorCode,
    quota_tokens: record.quotaTokens ?? record.inputTokens + record.outputTokens,
    created_at: record.createdAt ?? null,
  });

export function usageRepository(db: Queryable) {
  return {
    /** Tokens counted against the quota in the period starting `periodStart`: the one figure gate and meter show. */
    async quotaUsed(userId: string, periodStart: Date): Promise<number> {
      return (await this.quotaState(userId, periodStart)).used;
    },

    /** The quota counters of the period starting `periodStart`: used, and held by turns still running. */
    async quotaState(userId: string, periodStart: Date): Promise<{ used: number; reserved: number }> {
      const { rows } = await db.query<{ used: number; reserved: number }>(
        `SELECT CASE WHEN quota_period_start = $2 THEN quota_used ELSE 0 END AS used,
                CASE WHEN quota_period_start = $2 THEN quota_reserved ELSE 0 END AS reserved
           FROM users WHERE id = $1`,
        [userId, periodStart],
      );
      return rows[0] ?? { used: 0, reserved: 0 };
    },

    /** A usage row recorded outside a coaching turn (imports, seeding); the quota counter follows it. */
    async insert(record: NewUsageRecord): Promise<string> {
      const { rows } = await db.query<{ id: string }>(
        `WITH inserted AS (
           ${insertUsage('SELECT $1::uuid AS user_id, $2::uuid AS conversation_id, $3::timestamptz AS billing_period_start', '$4')}
         ), counted AS (
           -- A row of the counter's period adds to it; a row of a later period starts the counter anew.
           UPDATE users u
              SET quota_used = CASE WHEN u.quota_period_start = $3 THEN u.quota_used + i.quota_tokens
                                    ELSE i.quota_tokens END,
                  quota_reserved = CASE WHEN u.quota_period_start = $3 THEN u.quota_reserved ELSE 0 END,
                  quota_period_start = $3
             FROM inserted i
            WHERE u.id = $1 AND (u.quota_period_start IS NULL OR u.quota_period_start <= $3)
         )
         SELECT id FROM inserted`,
        [record.userId, record.conversationId, record.billingPeriodStart, usageValues(record)],
      );
      return (rows[0] as { id: string }).id;
    },

    /** Whole-period sums per model, computed in SQL over every row of the period. */
    async periodTotals(userId: string, periodStart: Date): Promise<ModelTotals[]> {
      const { rows } = await db.query<ModelTotals & { costUsd: string }>(
        `SELECT model,
                count(*)::int8                           AS "requests",
                coalesce(sum(input_tokens), 0)::int8       AS "inputTokens",
                coalesce(sum(output_tokens), 0)::int8      AS "outputTokens",
                coalesce(sum(cache_read_tokens), 0)::int8  AS "cacheReadTokens",
                coalesce(sum(cache_write_tokens), 0)::int8 AS "cacheWriteTokens",
                coalesce(sum(coalesce(quota_tokens, input_tokens + output_tokens)), 0)::int8 AS "quotaTokens",
                coalesce(sum(cost_usd), 0)::text           AS "costUsd"
           FROM token_usage
          WHERE user_id = $1 AND billing_period_start = $2
          GROUP BY model
          ORDER BY model`,
        [userId, periodStart],
      );
      return rows.map((row) => ({ ...row, costUsd: Number(row.costUsd) }));
    },

    /**
     * Newest first. `before` is the id of the last row of the previous page; paging by (created_at, id)
     * read from that row keeps the order exact even for rows created in the same microsecond.
     * Returns undefined when `before` is not one of this user's rows.
     */
    async history(
      userId: string,
      page: { limit: number; before?: string },
    ): Promise<{ items: UsageRecord[]; nextCursor: string | null } | undefined> {
      const { rows } = await db.query<UsageRow>(
        `SELECT u.* FROM token_usage u
          WHERE u.user_id = $1
            AND ($3::uuid IS NULL OR (u.created_at, u.id) <
                 (SELECT a.created_at, a.id FROM token_usage a WHERE a.id = $3::uuid AND a.user_id = $1))
          ORDER BY u.created_at DESC, u.id DESC
          LIMIT $2`,
        [userId, page.limit + 1, page.before ?? null],
      );
      // An empty page may mean a cursor that is not this user's (the row comparison with NULL is false).
      if (page.before && rows.length === 0) {
        const { rows: anchor } = await db.query('SELECT 1 FROM token_usage WHERE id = $1 AND user_id = $2', [
          page.before,
          userId,
        ]);
        if (anchor.length === 0) return undefined;
      }
      const items = rows.slice(0, page.limit).map(toRecord);
      const nextCursor = rows.length > page.limit ? (items.at(-1)?.id ?? null) : null;
      return { items, nextCursor };
    },
  };
}

export type UsageRepository = ReturnType<typeof usageRepository>;
