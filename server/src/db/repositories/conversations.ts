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

    /** All messages of a conversation in the order they were written. Caller checks ownership first. */
    async messages(conversationId: string): Promise<Message[]> {
      const { rows } = await db.query<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 ORDER BY seq`,
        [conversationId],
      );
      return rows.map(toMessage);
    },

    /** Every message's role and size, in order, without the text: enough to choose the history window. */
    async historyIndex(conversationId: string): Promise<HistoryEntry[]> {
      const { rows } = await db.query<HistoryEntry>(
        `SELECT id, seq, role, length(content) AS chars, jsonb_array_length(images) AS charts, refused
           FROM messages WHERE conversation_id = $1 ORDER BY seq`,
        [conversationId],
      );
      return rows.map((row) => ({
        ...row,
        seq: Number(row.seq),
        chars: Number(row.chars),
        charts: Number(row.charts),
      }));
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
