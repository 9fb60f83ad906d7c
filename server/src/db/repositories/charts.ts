// message_charts: the chart images a question carried, kept for follow-ups and history thumbnails. They are
// written with the question (coaching-turns.ts); here they are read back, always scoped to their owner, and
// swept after the retention period.
import type { ImageMediaType } from '../../contract/chat.js';
import type { Queryable } from '../database.js';

export interface StoredChart {
  position: number;
  mediaType: ImageMediaType;
  label: string | null;
  data: Buffer;
}

interface ChartRow {
  position: number;
  media_type: ImageMediaType;
  label: string | null;
  data: Uint8Array;
}

// pg returns bytea as a Buffer, PGlite as a Uint8Array: one type for callers.
const toChart = (row: ChartRow): StoredChart => ({
  position: Number(row.position),
  mediaType: row.media_type,
  label: row.label,
  data: Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength),
});

export function chartsRepository(db: Queryable) {
  return {
    /** The charts of one message, in the order they were sent. Caller checks ownership first. */
    async forMessage(messageId: string): Promise<StoredChart[]> {
      const { rows } = await db.query<ChartRow>(
        `SELECT position, media_type, label, data FROM message_charts WHERE message_id = $1 ORDER BY position`,
        [messageId],
      );
      return rows.map(toChart);
    },

    /** Chart `position` of a message in a conversation, when all three belong to `userId`. */
    async findForUser(
      userId: string,
      conversationId: string,
      messageId: string,
      position: number,
    ): Promise<StoredChart | undefined> {
      const { rows } = await db.query<ChartRow>(
        `SELECT c.position, c.media_type, c.label, c.data
           FROM message_charts c
           JOIN messages m ON m.id = c.message_id
           JOIN conversations v ON v.id = m.conversation_id
          WHERE c.message_id = $3 AND c.position = $4 AND m.conversation_id = $2
            AND v.user_id = $1 AND c.user_id = $1`,
        [userId, conversationId, messageId, position],
      );
      return rows[0] && toChart(rows[0]);
    },

    /** Deletes the charts of questions older than `days`; returns how many went. */
    async deleteOlderThan(days: number): Promise<number> {
      const { rowCount } = await db.query(
        `DELETE FROM message_charts WHERE created_at < now() - make_interval(days => $1::int)`,
        [days],
      );
      return rowCount;
    },
  };
}

export type ChartsRepository = ReturnType<typeof chartsRepository>;
