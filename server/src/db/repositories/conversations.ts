// conversations and their messages. Every read and write is scoped to the owner: another user's id reads as
// absent.
import type { ChartAnalysis } from '../../contract/charts.js';
import type { MessageEnding } from '../../contract/conversations.js';
import type { Queryable } from '../database.js';

export interface Conversation {
  id: string;
  title: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A conversation found by a search; `snippet`: words around the newest message that matched, if one did. */
export interface ConversationHit extends Conversation {
  snippet: string | null;
}

/** ts_headline's options: one fragment of plain text (the client marks the words itself). */
const SNIPPET_OPTIONS = 'MaxWords=18, MinWords=8, MaxFragments=1, StartSel="", StopSel=""';

export interface ImageMeta {
  mediaType: string;
  bytes: number;
  width: number | null;
  height: number | null;
  label?: string | null;
  /** The local chart reader's reading, shown on the chart in history (the API's ImageMeta.analysis). */
  analysis?: ChartAnalysis | null;
  /**
   * Not in the API: what the model was given of that reading (text) and the combo's target candle (an index into
   * analysis.candles), kept so that a follow-up sends the model the very same blocks (its cached prefix).
   */
  reader?: { text: string | null; target: number | null };
}

export interface Message {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  images: ImageMeta[];
  createdAt: Date;
  /** A question the model refused: kept for the trader, left out of what the model sees. */
  refused: boolean;
  /** An answer that is not whole (stopped, or cut short at its length limit); null for a whole one. */
  ending: MessageEnding | null;
}

/** The conversation's last question, as a replacement (Regenerate, Edit & resend) finds it. */
export interface ReplacedQuestion {
  id: string;
  seq: number;
  images: ImageMeta[];
  refused: boolean;
}

/** How far apart the history index's anchors are (see historyIndex); well above the window's 20 messages. */
export const HISTORY_ANCHOR_EVERY = 100;

/** One message as the history window sees it: its size, not its text. */
export interface HistoryEntry {
  id: string;
  seq: number;
  role: 'user' | 'assistant';
  chars: number;
  charts: number;
  refused: boolean;
}

interface ConversationRow {
  id: string;
  title: string;
  created_at: Date;
  updated_at: Date;
}

interface HitRow extends ConversationRow {
  snippet: string | null;
}

interface MessageRow {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  images: ImageMeta[];
  created_at: Date;
  refused: boolean;
  ending: MessageEnding | null;
}

const MESSAGE_COLUMNS = 'id, role, content, images, created_at, refused, ending';

const toConversation = (row: ConversationRow): Conversation => ({
  id: row.id,
  title: row.title,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toMessage = (row: MessageRow): Message => ({
  id: row.id,
  role: row.role,
  content: row.content,
  images: row.images,
  createdAt: row.created_at,
  refused: row.refused,
  ending: row.ending,
});

export function conversationsRepository(db: Queryable) {
  /** The conversation when it exists AND belongs to userId; undefined otherwise (no existence leak). */
  const findForUser = async (id: string, userId: string): Promise<Conversation | undefined> => {
    const { rows } = await db.query<ConversationRow>(
      'SELECT id, title, created_at, updated_at FROM conversations WHERE id = $1 AND user_id = $2',
      [id, userId],
    );
    return rows[0] && toConversation(rows[0]);
  };

  const hasMessage = async (conversationId: string, id: string): Promise<boolean> => {
    const { rows } = await db.query('SELECT 1 FROM messages WHERE id = $1 AND conversation_id = $2', [
      id,
      conversationId,
    ]);
    return rows.length > 0;
  };

  return {
    findForUser,

    async create(userId: string, title: string): Promise<Conversation> {
      const { rows } = await db.query<ConversationRow>(
        `INSERT INTO conversations (user_id, title) VALUES ($1, $2) RETURNING id, title, created_at, updated_at`,
        [userId, title],
      );
      return toConversation(rows[0] as ConversationRow);
    },

    /** Most recently active first; `before` is the id of the previous page's last conversation. */
    async listForUser(
      userId: string,
      page: { limit: number; before?: string },
    ): Promise<{ items: Conversation[]; nextCursor: string | null } | undefined> {
      const { rows } = await db.query<ConversationRow>(
        `SELECT c.id, c.title, c.created_at, c.updated_at FROM conversations c
          WHERE c.user_id = $1
            AND ($3::uuid IS NULL OR (c.updated_at, c.id) <
                 (SELECT a.updated_at, a.id FROM conversations a WHERE a.id = $3::uuid AND a.user_id = $1))
          ORDER BY c.updated_at DESC, c.id DESC
          LIMIT $2`,
        [userId, page.limit + 1, page.before ?? null],
      );
      if (page.before && rows.length === 0 && !(await findForUser(page.before, userId))) return undefined;
      const items = rows.slice(0, page.limit).map(toConversation);
      return { items, nextCursor: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
    },

    /**
     * The user's conversations whose title or any message matches `words` (conversation_search_query, migration
     * 007), most recently active first, paged as listForUser. Message text is matched through the full-text
     * index; the snippet is cut only for the page's rows.
     */
    async search(
      userId: string,
      words: string,
      page: { limit: number; before?: string },
    ): Promise<{ items: ConversationHit[]; nextCursor: string | null } | undefined> {
      const { rows } = await db.query<HitRow>(
        `WITH search AS (
           SELECT conversation_search_query($2) AS query
         ), text_hits AS (
           SELECT DISTINCT ON (m.conversation_id) m.conversation_id, m.content
             FROM messages m
             JOIN conversations c ON c.id = m.conversation_id
            CROSS JOIN search s
            WHERE c.user_id = $1 AND conversation_search_document(m.content) @@ s.query
            ORDER BY m.conversation_id, m.seq DESC
         ), page AS (
           SELECT c.id, c.title, c.created_at, c.updated_at, h.content
             FROM conversations c
            CROSS JOIN search s
             LEFT JOIN text_hits h ON h.conversation_id = c.id
            WHERE c.user_id = $1
              AND (h.conversation_id IS NOT NULL OR conversation_search_document(c.title) @@ s.query)
              AND ($4::uuid IS NULL OR (c.updated_at, c.id) <
                   (SELECT a.updated_at, a.id FROM conversations a WHERE a.id = $4::uuid AND a.user_id = $1))
            ORDER BY c.updated_at DESC, c.id DESC
            LIMIT $3
         )
         -- The snippet is read from the text as written, so the words are also looked for as the trader typed
         -- them ("2-1-2" as the parser reads it there).
         SELECT p.id, p.title, p.created_at, p.updated_at,
                ts_headline('english', p.content, s.query || websearch_to_tsquery('english', $2), $5) AS snippet
           FROM page p CROSS JOIN search s
          ORDER BY p.updated_at DESC, p.id DESC`,
        [userId, words, page.limit + 1, page.before ?? null, SNIPPET_OPTIONS],
      );
      if (page.before && rows.length === 0 && !(await findForUser(page.before, userId))) return undefined;
      const items = rows.slice(0, page.limit).map((row) => ({
        ...toConversation(row),
        snippet: row.snippet === null ? null : row.snippet.replace(/\s+/g, ' ').trim(),
      }));
      return { items, nextCursor: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
    },

    /** Renames the user's conversation; undefined when it is not theirs. Its place in the history stays. */
    async rename(id: string, userId: string, title: string): Promise<Conversation | undefined> {
      const { rows } = await db.query<ConversationRow>(
        `UPDATE conversations SET title = $3 WHERE id = $1 AND user_id = $2
         RETURNING id, title, created_at, updated_at`,
        [id, userId, title],
      );
      return rows[0] && toConversation(rows[0]);
    },

    /**
     * Deletes the user's conversation with its messages and their charts (the foreign keys cascade); false when
     * it is not theirs. Usage rows stay for billing, their conversation cleared. A turn still streaming keeps its
     * reservation, cleared of the conversation too, so it settles as usual: billed, its answer not stored.
     *
     * The reservations are cleared first, before the conversation's row is locked (the DELETE's one-time filter
     * waits for them): a turn settling at that moment holds its reservation, then takes the conversation's row;
     * taken in the other order, the two statements could deadlock.
     */
    async remove(id: string, userId: string): Promise<boolean> {
      const { rows } = await db.query(
        `WITH released AS (
           UPDATE quota_reservations SET conversation_id = NULL
            WHERE conversation_id = $1 AND user_id = $2
           RETURNING turn_id
         )
         DELETE FROM conversations
          WHERE id = $1 AND user_id = $2 AND (SELECT count(*) FROM released) >= 0
         RETURNING id`,
        [id, userId],
      );
      return rows.length > 0;
    },

    async addMessage(
      conversationId: string,
      message: { id?: string; role: 'user' | 'assistant'; content: string; images?: ImageMeta[] },
    ): Promise<Message> {
      const { rows } = await db.query<MessageRow>(
        `WITH inserted AS (
           INSERT INTO messages (id, conversation_id, role, content, images)
           VALUES (coalesce($5::uuid, gen_random_uuid()), $1, $2, $3, $4::jsonb)
           RETURNING ${MESSAGE_COLUMNS}
         ), touched AS (
           UPDATE conversations SET updated_at = now() WHERE id = $1
         )
         SELECT * FROM inserted`,
        [conversationId, message.role, message.content, JSON.stringify(message.images ?? []), message.id ?? null],
      );
      return toMessage(rows[0] as MessageRow);
    },

    /**
     * A page of messages, returned oldest first: the newest `limit` of them, or with `before` (a message id)
     * the `limit` written just before it. Keyset on `seq`, so a page costs the same at any depth. Undefined
     * when `before` is not one of this conversation's messages. Caller checks ownership first.
     */
    async messagePage(
      conversationId: string,
      page: { limit: number; before?: string },
    ): Promise<{ items: Message[]; nextCursor: string | null } | undefined> {
      const { rows } = await db.query<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m
          WHERE m.conversation_id = $1
            AND ($3::uuid IS NULL OR m.seq <
                 (SELECT b.seq FROM messages b WHERE b.id = $3::uuid AND b.conversation_id = $1))
          ORDER BY m.seq DESC
          LIMIT $2`,
        [conversationId, page.limit + 1, page.before ?? null],
      );
      if (page.before && rows.length === 0 && !(await hasMessage(conversationId, page.before))) return undefined;
      const items = rows.slice(0, page.limit).reverse().map(toMessage);
      return { items, nextCursor: rows.length > page.limit ? (items[0]?.id ?? null) : null };
    },

    /**
     * Role and size of the conversation's latest messages, in order, without their text: what the history
     * window is chosen from. Read from an anchor, not from the first message, so a long conversation costs
     * the same as a short one: the anchor is the message at the largest multiple of HISTORY_ANCHOR_EVERY
     * (counted from the conversation's start) that is at least that many messages before the end. It moves
     * once every HISTORY_ANCHOR_EVERY messages, and between moves the rows read only grow at the end, so a
     * window replayed over them keeps its start. At least HISTORY_ANCHOR_EVERY rows, fewer than twice that.
     */
    async historyIndex(conversationId: string): Promise<HistoryEntry[]> {
      // Positions are counted in the database (the index on (conversation_id, seq) is walked, no row leaves
      // it): seq is global, so a message's place in its conversation is not stored anywhere.
      const { rows } = await db.query<HistoryEntry>(
        `WITH anchor AS (
           SELECT seq FROM messages WHERE conversation_id = $1 ORDER BY seq
           OFFSET (SELECT greatest(count(*) - $2, 0) / $2 * $2 FROM messages WHERE conversation_id = $1)
           LIMIT 1
         )
         SELECT id, seq, role, length(content) AS chars, jsonb_array_length(images) AS charts, refused
           FROM messages WHERE conversation_id = $1 AND seq >= (SELECT seq FROM anchor) ORDER BY seq`,
        [conversationId, HISTORY_ANCHOR_EVERY],
      );
      return rows.map((row) => ({
        ...row,
        seq: Number(row.seq),
        chars: Number(row.chars),
        charts: Number(row.charts),
      }));
    },

    /**
     * The question `id` of the conversation, if it is its last question ('last' false: a later one exists);
     * undefined when the conversation has no such message, or it is not a question.
     */
    async question(
      conversationId: string,
      id: string,
    ): Promise<{ question: ReplacedQuestion; last: boolean } | undefined> {
      const { rows } = await db.query<{
        id: string;
        seq: string;
        images: ImageMeta[];
        refused: boolean;
        last: boolean;
      }>(
        `SELECT q.id, q.seq, q.images, q.refused,
                NOT EXISTS (SELECT 1 FROM messages l
                             WHERE l.conversation_id = $1 AND l.role = 'user' AND l.seq > q.seq) AS last
           FROM messages q WHERE q.id = $2 AND q.conversation_id = $1 AND q.role = 'user'`,
        [conversationId, id],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        question: { id: row.id, seq: Number(row.seq), images: row.images, refused: row.refused },
        last: row.last,
      };
    },

    /** The last question that sent charts and was not refused: its charts are the conversation's. */
    async lastChartHolder(conversationId: string): Promise<{ id: string; images: ImageMeta[] } | null> {
      const { rows } = await db.query<{ id: string; images: ImageMeta[] }>(
        `SELECT id, images FROM messages
          WHERE conversation_id = $1 AND jsonb_array_length(images) > 0 AND NOT refused
          ORDER BY seq DESC LIMIT 1`,
        [conversationId],
      );
      return rows[0] ?? null;
    },

    /**
     * Stores the local reader's readings in a question's chart metadata (read once the stream has begun, after
     * the question was stored); `images` is the question's whole list, in order. False when the question is gone
     * or holds other charts (it was replaced meanwhile).
     */
    async setChartReadings(messageId: string, images: readonly ImageMeta[]): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE messages SET images = $2::jsonb
          WHERE id = $1 AND role = 'user' AND jsonb_array_length(images) = $3`,
        [messageId, JSON.stringify(images), images.length],
      );
      return rowCount > 0;
    },

    /** The messages from `fromSeq` on (up to `beforeSeq`, excluded, when given), in order (the history window). */
    async messagesFrom(conversationId: string, fromSeq: number, beforeSeq: number | null = null): Promise<Message[]> {
      const { rows } = await db.query<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages
          WHERE conversation_id = $1 AND seq >= $2 AND ($3::bigint IS NULL OR seq < $3::bigint) ORDER BY seq`,
        [conversationId, fromSeq, beforeSeq],
      );
      return rows.map(toMessage);
    },
  };
}

export type ConversationsRepository = ReturnType<typeof conversationsRepository>;
