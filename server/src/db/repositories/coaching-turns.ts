// A coaching turn touches users (quota), quota_reservations, conversations, messages and token_usage. Its
// start and its end are each ONE statement, so each is atomic without a transaction and costs one round trip
// on the path the trader waits on. The end is idempotent: it settles the turn by deleting its reservation
// row, and does nothing when that row is already gone — so it can be retried after a lost reply, replayed
// from the outbox, or raced by the sweeper, and the turn is still counted exactly once.
import type { MessageEnding } from '../../contract/conversations.js';
import type { Queryable } from '../database.js';
import type { Conversation, ImageMeta } from './conversations.js';
import { insertUsage, usageValues, type NewUsageRecord } from './usage.js';

export interface StartTurn {
  /** Our id for the turn: the answer's message id, and the reservation's key. */
  turnId: string;
  requestId: string;
  model: string;
  userId: string;
  periodStart: Date;
  /** The request's estimated input (an upper bound), reserved in full. */
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
  /**
   * The conversation's last question, which this one replaces (Regenerate, Edit & resend, Retry), already checked
   * to be that. It and what follows it stay until the turn settles (FinishTurn.replaced): they leave then if the
   * new answer has words (or was refused), and otherwise the new question leaves instead. Turns still answering
   * it store no answer.
   */
  replaces?: string | null;
}

/** A chart to keep with the question: its decoded bytes (sent to the database as binary, not as text). */
export interface ChartBytes {
  position: number;
  mediaType: string;
  label: string | null;
  bytes: Buffer;
}

/**
 * The question's charts as ONE bytea parameter and each chart's place in it. The driver builds a statement in a
 * buffer that grows by half again each time it is full: four parameters of 3.75 MB made it allocate about
 * 31 MB for 15 MB of charts, where one parameter of 15 MB is allocated once. Charts decoded into one allocation
 * (checkImages does) are passed as they lie, without a copy.
 */
function oneParameter(charts: readonly ChartBytes[]): {
  data: Buffer | null;
  places: { offset: number; length: number }[];
} {
  const first = charts[0]?.bytes;
  if (!first) return { data: null, places: [] };
  const places: { offset: number; length: number }[] = [];
  let end = first.byteOffset;
  for (const { bytes } of charts) {
    places.push({ offset: bytes.byteOffset - first.byteOffset, length: bytes.length });
    if (bytes.buffer !== first.buffer || bytes.byteOffset !== end) {
      // Not one run of memory: copied into one.
      let offset = 0;
      return {
        data: Buffer.concat(charts.map((chart) => chart.bytes)),
        places: charts.map((chart) => ({
          offset: (offset += chart.bytes.length) - chart.bytes.length,
          length: chart.bytes.length,
        })),
      };
    }
    end += bytes.length;
  }
  return { data: Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset), places };
}

export interface StartedTurn {
  conversation: Conversation;
  /** The stored question's id; null when it was already stored (a retry of an unanswered question). */
  questionId: string | null;
  /** The answer's max_tokens. */
  answerTokens: number;
  /** Input + answer tokens reserved, released when the turn ends. */
  reservedTokens: number;
  /** Tokens the period had used before this turn (for the quota shown should the settling be delayed). */
  usedBefore: number;
}

export interface FinishTurn {
  /** The turn's id (StartTurn.turnId): its answer is stored under it. */
  assistantMessageId: string;
  /** The text delivered to the trader; nothing is stored when it is empty. */
  answer: string;
  /** null: the upstream was never called (the trader left first): the reservation is released, nothing billed. */
  usage: NewUsageRecord | null;
  /** The question the model refused: it stays in the conversation but leaves the model's context. */
  refusedQuestionId: string | null;
  /** How the stored answer ended short of whole; absent or null: it is whole (or nothing is stored). */
  ending?: MessageEnding | null;
  /**
   * The turn replaced an earlier question (StartTurn.replaces): `questionId`, by this turn's own question `by`.
   * With an answer of words (or a refusal), the replaced question and what follows it leave, and a question
   * without charts of its own takes over theirs (unless it was refused); without (stopped or failed before any
   * words), this turn's question leaves instead and the earlier turn stays, its answer with it: a Regenerate stopped
   * while the coach was still thinking lost the answer it was to replace, for good.
   */
  replaced?: { questionId: string; by: string } | null;
}

export interface FinishedTurn {
  /** false: the turn had already been settled (by an earlier attempt whose reply was lost, or the sweeper). */
  settled: boolean;
  /** The period's used tokens after this turn; null when unknown (already settled, or the period rolled over). */
  quotaUsed: number | null;
}

/** A reservation whose turn never settled. */
export interface StaleReservation {
  turnId: string;
  userId: string;
  conversationId: string | null;
  requestId: string;
  model: string;
  periodStart: Date;
  inputTokens: number;
  tokens: number;
  createdAt: Date;
}

/**
 * Text as PostgreSQL stores it: without NUL, which a text column refuses (22021). A NUL the model wrote failed the
 * whole settlement, its usage row with it, for good: the turn went to the outbox, then to failed/, and the sweeper
 * billed its full reservation a quarter of an hour later with the answer lost. A trader's question with one failed to
 * be stored at all. Nothing else is lost: a NUL shows as nothing.
 */
const storable = (text: string): string => (text.includes('\u0000') ? text.replaceAll('\u0000', '') : text);

/**
 * An answer as it is stored: none when it is whitespace alone (a stop or failure after a blank line or two). The
 * Messages API refuses a text block without words, and a stored answer is sent again with every later turn.
 */
const storableAnswer = (text: string): string => (/\S/.test(text) ? storable(text) : '');

export function coachingTurnsRepository(db: Queryable) {
  return {
    /**
     * Reserves quota (input plus as many answer tokens as the limit leaves, counters reset lazily when the
     * stored period is an older one) and, only if that succeeded, stores the question — in a new
     * conversation when none is given. The row lock serializes concurrent reservations and a waiting one
     * reads the counters its predecessor committed, so a limit is never overshot. The question's charts are
     * kept with it. A replacement (turn.replaces) removes the replaced turn in the same statement, so a
     * question refused for quota leaves it as it was. Undefined: quota spent, or the conversation named was
     * deleted meanwhile (nothing is reserved or stored either way).
     */
    async start(turn: StartTurn): Promise<StartedTurn | undefined> {
      const charts = oneParameter(turn.question.charts);
      const { rows } = await db.query<{
        answer: number;
        used: number;
        id: string;
        title: string;
        created_at: Date;
        updated_at: Date;
        question_id: string | null;
      }>(
        `WITH current AS (
           -- A period never moves back: an instance whose clock lags at the boundary counts in the newer one.
           SELECT id,
                  CASE WHEN quota_period_start >= $2 THEN quota_used ELSE 0 END AS used,
                  CASE WHEN quota_period_start >= $2 THEN quota_reserved ELSE 0 END AS reserved,
                  greatest(quota_period_start, $2) AS period
             FROM users WHERE id = $1
              FOR UPDATE
         ), granted AS (
           SELECT id, used, reserved, period,
                  CASE WHEN $6::bigint IS NULL THEN $4::bigint
                       ELSE least($4::bigint, $6::bigint - used - reserved - $3::bigint) END AS answer
             FROM current
         ), enough AS (
           SELECT 1 FROM granted WHERE answer >= $5::bigint
         ), created AS (
           INSERT INTO conversations (user_id, title)
           SELECT $1, $8 FROM enough WHERE $7::uuid IS NULL
           RETURNING id, title, created_at, updated_at
         ), replaced AS (
           SELECT id, seq, images, refused, created_at FROM messages
            WHERE id = $16::uuid AND conversation_id = $7::uuid AND role = 'user' AND EXISTS (SELECT 1 FROM enough)
         ), detached AS (
           -- Turns still answering the replaced question store no answer when they settle (billed as usual).
           -- Taken before the conversation's row, in the order a settling turn takes them (see remove).
           UPDATE quota_reservations q SET conversation_id = NULL
             FROM replaced r
            WHERE q.conversation_id = $7::uuid AND q.created_at >= r.created_at
           RETURNING q.turn_id
         ), touched AS (
           UPDATE conversations SET updated_at = now()
            WHERE id = $7::uuid AND EXISTS (SELECT 1 FROM enough) AND (SELECT count(*) FROM detached) >= 0
           RETURNING id, title, created_at, updated_at
         ), conversation AS (
           SELECT * FROM created UNION ALL SELECT * FROM touched
         ), reserved AS (
           -- Only with the conversation: one deleted (from another window) after the question was read is not
           -- touched, and then nothing is reserved. Reserved without it, the tokens were held with no reservation
           -- row to give them back, until the month ended.
           UPDATE users u
              SET quota_used = g.used,
                  quota_reserved = g.reserved + $3::bigint + g.answer,
                  quota_period_start = g.period
             FROM granted g
            WHERE u.id = g.id AND g.answer >= $5::bigint AND EXISTS (SELECT 1 FROM conversation)
          RETURNING g.answer, g.used, g.period
         ), question AS (
           -- A retry of the conversation's last, unanswered question (same words, same charts) is not stored
           -- twice; a refused one, or one sent again with other charts, is a new question. A replacement
           -- without charts has the replaced question's.
           INSERT INTO messages (conversation_id, role, content, images)
           SELECT c.id, 'user', $9,
                  CASE WHEN $10::jsonb = '[]'::jsonb
                       THEN coalesce((SELECT images FROM replaced WHERE NOT refused), '[]'::jsonb)
                       ELSE $10::jsonb END
             FROM conversation c
            WHERE $16::uuid IS NOT NULL OR NOT EXISTS (
              SELECT 1 FROM (
                SELECT role, content, images, refused FROM messages
                 WHERE conversation_id = c.id ORDER BY seq DESC LIMIT 1
              ) last
              WHERE last.role = 'user' AND last.content = $9 AND NOT last.refused
                -- The same charts: their metadata as sent, the local reader's readings kept since left aside.
                AND (SELECT coalesce(jsonb_agg(image - 'analysis' - 'reader' ORDER BY n), '[]'::jsonb)
                       FROM jsonb_array_elements(last.images) WITH ORDINALITY AS i(image, n)) = $10::jsonb
            )
           RETURNING id
         ), charts AS (
           INSERT INTO message_charts (message_id, position, user_id, media_type, label, data)
           SELECT q.id, (c->>'position')::smallint, $1, c->>'mediaType', c->>'label',
                  substring($15::bytea FROM (c->>'offset')::int + 1 FOR (c->>'length')::int)
             FROM question q CROSS JOIN jsonb_array_elements($11::jsonb) c
         ), held AS (
           INSERT INTO quota_reservations (turn_id, user_id, conversation_id, request_id, model, period_start,
                                           input_tokens, tokens)
           SELECT $12::uuid, $1, c.id, $13, $14, r.period, $3::bigint, $3::bigint + r.answer
             FROM reserved r CROSS JOIN conversation c
         )
         SELECT r.answer::int8 AS answer, r.used::int8 AS used, c.id, c.title, c.created_at, c.updated_at,
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
          storable(turn.title),
          storable(turn.question.content),
          JSON.stringify(turn.question.images),
          JSON.stringify(
            turn.question.charts.map(({ bytes: _bytes, ...meta }, index) => ({ ...meta, ...charts.places[index] })),
          ),
          turn.turnId,
          turn.requestId,
          turn.model,
          charts.data,
          turn.replaces ?? null,
        ],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        conversation: { id: row.id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at },
        questionId: row.question_id,
        answerTokens: row.answer,
        reservedTokens: turn.inputTokens + row.answer,
        usedBefore: row.used,
      };
    },

    /**
     * Settles the turn, once: releases its reservation and, only if this statement is the one that released
     * it, stores the delivered answer and the usage row and adds what the call counts against the quota
     * (usage.quotaTokens; uncached input + output without it).
     */
    async finish(turn: FinishTurn): Promise<FinishedTurn> {
      const { rows } = await db.query<{ settled: boolean; quota_used: number | null }>(
        `WITH released AS (
           DELETE FROM quota_reservations WHERE turn_id = $1 RETURNING user_id, conversation_id, period_start, tokens
         ), answer AS (
           INSERT INTO messages (id, conversation_id, role, content, ending)
           SELECT $1, r.conversation_id, 'assistant', $2, $5 FROM released r
            WHERE $2 <> '' AND r.conversation_id IS NOT NULL
         ), touched AS (
           UPDATE conversations SET updated_at = now()
            WHERE id = (SELECT conversation_id FROM released) AND $2 <> ''
         ), refused AS (
           UPDATE messages SET refused = true
            WHERE id = $3::uuid AND conversation_id = (SELECT conversation_id FROM released)
         ), replaced AS (
           SELECT m.id, m.seq, m.refused, (SELECT seq FROM messages WHERE id = $7::uuid) AS by_seq
             FROM messages m
            WHERE m.id = $6::uuid AND m.conversation_id = (SELECT conversation_id FROM released)
         ), taken_over AS (
           -- Answered (or refused): the new question, sent without charts, takes over the replaced one's.
           UPDATE message_charts c SET message_id = $7::uuid
             FROM replaced r
            WHERE ($2 <> '' OR $3::uuid IS NOT NULL) AND c.message_id = r.id AND NOT r.refused
              AND NOT EXISTS (SELECT 1 FROM message_charts WHERE message_id = $7::uuid)
         ), superseded AS (
           -- Answered (or refused): the replaced question and what follows it, up to the new question, leave.
           DELETE FROM messages m USING replaced r
            WHERE ($2 <> '' OR $3::uuid IS NOT NULL)
              AND m.conversation_id = (SELECT conversation_id FROM released) AND m.seq >= r.seq AND m.seq < r.by_seq
         ), withdrawn AS (
           -- Not a word (stopped or failed first): the new question leaves, and the earlier turn stays as it was.
           DELETE FROM messages m USING replaced r WHERE $2 = '' AND $3::uuid IS NULL AND m.id = $7::uuid
         ), recorded AS (
           ${insertUsage(
             `SELECT user_id, conversation_id, period_start AS billing_period_start
                FROM released WHERE $4::jsonb IS NOT NULL`,
             '$4',
           )}
         ), settled AS (
           UPDATE users u
              SET quota_reserved = greatest(0, u.quota_reserved - r.tokens),
                  quota_used = u.quota_used + coalesce((SELECT quota_tokens FROM recorded), 0)
             FROM released r
            WHERE u.id = r.user_id AND u.quota_period_start = r.period_start
           RETURNING u.quota_used
         )
         SELECT EXISTS (SELECT 1 FROM released) AS settled, (SELECT quota_used FROM settled) AS quota_used`,
        [
          turn.assistantMessageId,
          storableAnswer(turn.answer),
          turn.refusedQuestionId,
          turn.usage ? usageValues(turn.usage) : null,
          turn.ending ?? null,
          turn.replaced?.questionId ?? null,
          turn.replaced?.by ?? null,
        ],
      );
      const row = rows[0];
      return { settled: row?.settled ?? false, quotaUsed: row?.quota_used ?? null };
    },

    /**
     * Puts what a turn really used in place of the sweeper's bill for it. A turn waiting in one instance's outbox
     * (its database away longer than the sweeper's threshold) is settled meanwhile by another instance's sweeper,
     * which bills its whole reservation (`unsettled`); replayed later, it found its reservation gone and its real
     * usage was dropped: the trader paid the input estimate and the answer's whole budget. The sweeper's row takes
     * the real figures (and a new recorded_at, so the overage pass sums it again), and the period's counter moves by
     * the difference when it still counts that period. The answer itself is not stored: the conversation has moved
     * on. True when there was such a row.
     */
    async correctSwept(usage: NewUsageRecord): Promise<boolean> {
      const { rows } = await db.query<{ corrected: boolean }>(
        `WITH swept AS (
           SELECT id, quota_tokens FROM token_usage
            WHERE request_id = $1 AND user_id = $2 AND error_code = 'unsettled'
            LIMIT 1 FOR UPDATE
         ), corrected AS (
           UPDATE token_usage t
              SET input_tokens = v.input_tokens, output_tokens = v.output_tokens,
                  cache_read_tokens = v.cache_read_tokens, cache_write_tokens = v.cache_write_tokens,
                  cost_usd = v.cost_usd, latency_ms = v.latency_ms, ttft_ms = v.ttft_ms, status = v.status,
                  error_code = v.error_code, quota_tokens = v.quota_tokens, recorded_at = now()
             FROM swept s, jsonb_populate_record(NULL::token_usage, $3::jsonb) v
            WHERE t.id = s.id
           RETURNING t.user_id, t.billing_period_start, s.quota_tokens AS billed, t.quota_tokens AS used
         ), counted AS (
           UPDATE users u SET quota_used = greatest(0, u.quota_used - c.billed + c.used)
             FROM corrected c
            WHERE u.id = c.user_id AND u.quota_period_start = c.billing_period_start
         )
         SELECT EXISTS (SELECT 1 FROM corrected) AS corrected`,
        [usage.requestId, usage.userId, usageValues(usage)],
      );
      return rows[0]?.corrected ?? false;
    },

    /** The turn a request of the user's started and that is not settled yet; null when there is none. */
    async unsettled(userId: string, requestId: string): Promise<string | null> {
      const { rows } = await db.query<{ turn_id: string }>(
        'SELECT turn_id FROM quota_reservations WHERE user_id = $1 AND request_id = $2',
        [userId, requestId],
      );
      return rows[0]?.turn_id ?? null;
    },

    /** Reservations older than `olderThanMs` (their turns never settled), oldest first. */
    async stale(olderThanMs: number, limit: number): Promise<StaleReservation[]> {
      const { rows } = await db.query<{
        turn_id: string;
        user_id: string;
        conversation_id: string | null;
        request_id: string;
        model: string;
        period_start: Date;
        input_tokens: number;
        tokens: number;
        created_at: Date;
      }>(
        `SELECT * FROM quota_reservations
          WHERE created_at < now() - make_interval(secs => $1::float8 / 1000)
          ORDER BY created_at LIMIT $2`,
        [olderThanMs, limit],
      );
      return rows.map((row) => ({
        turnId: row.turn_id,
        userId: row.user_id,
        conversationId: row.conversation_id,
        requestId: row.request_id,
        model: row.model,
        periodStart: row.period_start,
        inputTokens: Number(row.input_tokens),
        tokens: Number(row.tokens),
        createdAt: row.created_at,
      }));
    },
  };
}
