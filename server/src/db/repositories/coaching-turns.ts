// A coaching turn touches users (quota), conversations, messages and token_usage. Its start and its end
// are each ONE statement, so each is atomic without a transaction and costs one round trip on the path
// the trader waits on.
import type { Queryable } from '../database.js';
import type { Conversation, ImageMeta } from './conversations.js';
import type { NewUsageRecord } from './usage.js';

export interface StartTurn {
  userId: string;
  periodStart: Date;
  /** The request's estimated input, reserved in full. */
  inputTokens: number;
  /** Answer tokens wanted; fewer are granted when the limit leaves less room. */
  maxAnswerTokens: number;
  /** Fewer answer tokens than this left: nothing is reserved and nothing is stored. */
  minAnswerTokens: number;
  /** null: no cap (paid tiers continue past their quota). */
  limit: number | null;
  /** An existing conversation (already checked to be the user's), or null to start one titled `title`. */
  conversationId: string | null;
  title: string;
  question: { content: string; images: ImageMeta[]; charts: ChartBytes[] };
}

/** A chart to keep with the question: its bytes as the request carried them (base64). */
export interface ChartBytes {
  position: number;
  mediaType: string;
  label: string | null;
  base64: string;
}

export interface StartedTurn {
  conversation: Conversation;
  /** The stored question's id; null when it was already stored (a retry of an unanswered question). */
  questionId: string | null;
  /** The answer's max_tokens. */
  answerTokens: number;
  /** Input + answer tokens reserved, released when the turn ends. */
  reservedTokens: number;
}

export interface FinishTurn {
  assistantMessageId: string;
  /** The text delivered to the trader; nothing is stored when it is empty. */
  answer: string;
  usage: NewUsageRecord;
  reservedTokens: number;
  /** The question the model refused: it stays in the conversation but leaves the model's context. */
  refusedQuestionId: string | null;
}

export function coachingTurnsRepository(db: Queryable) {
  return {
    /** Tokens counted against the quota in the period so far (for the quota_exceeded answer). */
    async quotaUsed(userId: string, periodStart: Date): Promise<number> {
      const { rows } = await db.query<{ used: number }>(
        `SELECT CASE WHEN quota_period_start = $2 THEN quota_used ELSE 0 END AS used FROM users WHERE id = $1`,
        [userId, periodStart],
      );
      return rows[0]?.used ?? 0;
    },

    /**
     * Reserves quota (input plus as many answer tokens as the limit leaves, counters reset lazily when the
     * stored period is an older one) and, only if that succeeded, stores the question — in a new
     * conversation when none is given. The row lock serializes concurrent reservations and a waiting one
     * reads the counters its predecessor committed, so a limit is never overshot. The question's charts are
     * kept with it. Undefined: quota spent.
     */
    async start(turn: StartTurn): Promise<StartedTurn | undefined> {
      const { rows } = await db.query<{
        answer: number;
        id: string;
        title: string;
        created_at: Date;
        updated_at: Date;
        question_id: string | null;
      }>(
        `WITH current AS (
           SELECT id,
                  CASE WHEN quota_period_start = $2 THEN quota_used ELSE 0 END AS used,
                  CASE WHEN quota_period_start = $2 THEN quota_reserved ELSE 0 END AS reserved
             FROM users WHERE id = $1
              FOR UPDATE
         ), granted AS (
           SELECT id, used, reserved,
                  CASE WHEN $6::bigint IS NULL THEN $4::bigint
                       ELSE least($4::bigint, $6::bigint - used - reserved - $3::bigint) END AS answer
             FROM current
         ), reserved AS (
           UPDATE users u
              SET quota_used = g.used,
                  quota_reserved = g.reserved + $3::bigint + g.answer,
                  quota_period_start = $2
             FROM granted g
            WHERE u.id = g.id AND g.answer >= $5::bigint
          RETURNING g.answer
         ), created AS (
           INSERT INTO conversations (user_id, title)
           SELECT $1, $8 FROM reserved WHERE $7::uuid IS NULL
           RETURNING id, title, created_at, updated_at
         ), touched AS (
           UPDATE conversations SET updated_at = now()
            WHERE id = $7::uuid AND EXISTS (SELECT 1 FROM reserved)
           RETURNING id, title, created_at, updated_at
         ), conversation AS (
           SELECT * FROM created UNION ALL SELECT * FROM touched
         ), question AS (
           -- A retry of the conversation's last, unanswered question (same words, same charts) is not stored
           -- twice; a refused one, or one sent again with other charts, is a new question.
           INSERT INTO messages (conversation_id, role, content, images)
           SELECT c.id, 'user', $9, $10::jsonb FROM conversation c
            WHERE NOT EXISTS (
              SELECT 1 FROM (
                SELECT role, content, images, refused FROM messages
                 WHERE conversation_id = c.id ORDER BY seq DESC LIMIT 1
              ) last
              WHERE last.role = 'user' AND last.content = $9 AND last.images = $10::jsonb AND NOT last.refused
            )
           RETURNING id
         ), charts AS (
           INSERT INTO message_charts (message_id, position, user_id, media_type, label, data)
           SELECT q.id, (c->>'position')::smallint, $1, c->>'mediaType', c->>'label', decode(c->>'base64', 'base64')
             FROM question q CROSS JOIN jsonb_array_elements($11::jsonb) c
         )
         SELECT r.answer::int8 AS answer, c.id, c.title, c.created_at, c.updated_at,
                (SELECT id FROM question) AS question_id
           FROM reserved r CROSS JOIN conversation c`,
        [
          turn.userId,
          turn.periodStart,
          turn.inputTokens,
          turn.maxAnswerTokens,
          turn.minAnswerTokens,
          turn.limit,
          turn.conversationId,
          turn.title,
          turn.question.content,
          JSON.stringify(turn.question.images),
          JSON.stringify(turn.question.charts),
        ],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        conversation: { id: row.id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at },
        questionId: row.question_id,
        answerTokens: row.answer,
        reservedTokens: turn.inputTokens + row.answer,
      };
    },

    /**
     * Stores the delivered answer, the usage row, and settles the quota: releases the reservation and adds
     * what the call counts against the quota (usage.quotaTokens; uncached input + output without it).
     * Returns the period's used tokens, or null when the period rolled over while the turn ran (its counters
     * are gone; the usage row still records the spend).
     */
    async finish(turn: FinishTurn): Promise<number | null> {
      const usage = turn.usage;
      const { rows } = await db.query<{ quota_used: number | null }>(
        `WITH answer AS (
           INSERT INTO messages (id, conversation_id, role, content)
           SELECT $1, $2, 'assistant', $3 WHERE $3 <> ''
         ), touched AS (
           UPDATE conversations SET updated_at = now() WHERE id = $2 AND $3 <> ''
         ), refused AS (
           UPDATE messages SET refused = true WHERE id = $18::uuid AND conversation_id = $2
         ), recorded AS (
           INSERT INTO token_usage (user_id, conversation_id, request_id, model, input_tokens, output_tokens,
             cache_read_tokens, cache_write_tokens, cost_usd, latency_ms, ttft_ms, status, error_code,
             billing_period_start, quota_tokens)
           VALUES ($4, $2, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $19)
         ), settled AS (
           UPDATE users
              SET quota_reserved = greatest(0, quota_reserved - $17::bigint),
                  quota_used = quota_used + $19::bigint
            WHERE id = $4 AND quota_period_start = $16
           RETURNING quota_used
         )
         SELECT (SELECT quota_used FROM settled) AS quota_used`,
        [
          turn.assistantMessageId,
          usage.conversationId,
          turn.answer,
          usage.userId,
          usage.requestId,
          usage.model,
          usage.inputTokens,
          usage.outputTokens,
          usage.cacheReadTokens,
          usage.cacheWriteTokens,
          usage.costUsd,
          usage.latencyMs,
          usage.ttftMs,
          usage.status,
          usage.errorCode,
          usage.billingPeriodStart,
          turn.reservedTokens,
          turn.refusedQuestionId,
          usage.quotaTokens ?? usage.inputTokens + usage.outputTokens,
        ],
      );
      return rows[0]?.quota_used ?? null;
    },
  };
}
