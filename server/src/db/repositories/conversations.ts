// conversations and their messages. Every read is scoped to the owner: another user's id reads as absent.
import type { Queryable } from '../database.js';

export interface Conversation {
  id: string;
  title: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ImageMeta {
  mediaType: string;
  bytes: number;
  width: number | null;
  height: number | null;
  label?: string | null;
}

export interface Message {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  images: ImageMeta[];
  createdAt: Date;
  /** A question the model refused: kept for the trader, left out of what the model sees. */
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

interface MessageRow {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  images: ImageMeta[];
  created_at: Date;
  refused: boolean;
}

const MESSAGE_COLUMNS = 'id, role, content, images, created_at, refused';

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

    /** The last question that sent charts and was not refused: its charts are the conversation's. */
    async lastChartHolder(conversationId: string): Promise<string | null> {
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM messages
          WHERE conversation_id = $1 AND jsonb_array_length(images) > 0 AND NOT refused
          ORDER BY seq DESC LIMIT 1`,
        [conversationId],
      );
      return rows[0]?.id ?? null;
    },

    /** The messages from `fromSeq` on, in order (the history window). */
    async messagesFrom(conversationId: string, fromSeq: number): Promise<Message[]> {
      const { rows } = await db.query<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq >= $2 ORDER BY seq`,
        [conversationId, fromSeq],
      );
      return rows.map(toMessage);
    },
  };
}

export type ConversationsRepository = ReturnType<typeof conversationsRepository>;
