// The history a coaching turn reads, on a real database: bounded however long the conversation is (a turn of
// a 5,000-message conversation reads a couple of hundred small rows, not 5,000), and still stable from one
// turn to the next — the window's start moves only when the window must jump or the history's anchor moves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { conversationsRepository, HISTORY_ANCHOR_EVERY } from '../src/db/repositories/conversations.js';
import { usersRepository } from '../src/db/repositories/users.js';
import { loadTurnContext } from '../src/services/coach-context.js';
import { estimateCharsTokens, HISTORY_MAX_MESSAGES, HISTORY_TOKEN_BUDGET } from '../src/services/coach-history.js';
import { buildMessages, type ContextMessage } from '../src/services/coach-messages.js';
import { postgresTestDatabase, type TestDatabase } from './support/database.js';

let test: TestDatabase;
beforeAll(async () => {
  test = await postgresTestDatabase();
});
afterAll(async () => {
  await test.drop();
});

/** The real database, counting the rows its answers carry back to the server. */
function countingRows(db: Database): { db: Database; rows: () => number; reset: () => void } {
  let rows = 0;
  return {
    db: {
      driver: db.driver,
      transaction: (fn) => db.transaction(fn),
      close: () => db.close(),
      async query<Row extends object>(text: string, params?: readonly unknown[]) {
        const result = await db.query<Row>(text, params);
        rows += result.rows.length;
        return result;
      },
    },
    rows: () => rows,
    reset: () => {
      rows = 0;
    },
  };
}

const LENGTH = 5_000;
/** Message n's length: varied, so both the token budget and the message count make the window jump. */
const charsOf = (n: number): number => 40 + ((n * 397) % 1_400);

async function longConversation(): Promise<string> {
  const user = await usersRepository(test.db).findOrCreate(`user_ctx_${Date.now()}`, null);
  const conversation = await conversationsRepository(test.db).create(user.id, 'A long one');
  await test.db.query(
    `INSERT INTO messages (conversation_id, role, content)
     SELECT $1, CASE WHEN n % 2 = 0 THEN 'user' ELSE 'assistant' END, repeat('x', 40 + (n * 397) % 1400)
       FROM generate_series(0, $2::int - 1) AS n ORDER BY n`,
    [conversation.id, LENGTH],
  );
  return conversation.id;
}

/** The window's own measure of its size (characters, as the history index has them). */
const tokensOf = (messages: readonly ContextMessage[]): number =>
  messages.reduce((sum, message) => sum + estimateCharsTokens(message.content.length), 0);

describe('a coaching turn of a 5,000-message conversation', () => {
  it('reads a bounded number of rows, and its window keeps its start between jumps and anchor moves', async () => {
    const conversationId = await longConversation();
    const counted = countingRows(test.db);
    const conversations = conversationsRepository(test.db);
    const anchorOf = (stored: number) => Math.floor(Math.max(stored - HISTORY_ANCHOR_EVERY, 0) / HISTORY_ANCHOR_EVERY);

    let stored = LENGTH;
    let previous: { window: ContextMessage[]; answer: ContextMessage; anchor: number } | null = null;
    let moves = 0;
    let anchorMoves = 0;
    for (let turn = 0; turn < 120; turn += 1) {
      const question = 'q'.repeat(charsOf(stored));
      counted.reset();
      const context = await loadTurnContext(counted.db, conversationId, { content: question, images: [] });
      // The index from the anchor (under twice the anchor interval), the window's messages, the chart lookup.
      expect(counted.rows()).toBeLessThan(2 * HISTORY_ANCHOR_EVERY + HISTORY_MAX_MESSAGES + 2);

      const { window } = context;
      expect(window[0]!.role).toBe('user');
      expect(window.length).toBeLessThanOrEqual(HISTORY_MAX_MESSAGES);
      expect(tokensOf(window)).toBeLessThanOrEqual(HISTORY_TOKEN_BUDGET);
      const anchor = anchorOf(stored);
      if (previous) {
        if (window[0]!.id !== previous.window[0]!.id) {
          moves += 1;
          // The start moved: keeping it would have taken the window past its budget, or the anchor moved.
          const kept = [...previous.window, previous.answer, window.at(-1)!];
          const overBudget = kept.length > HISTORY_MAX_MESSAGES || tokensOf(kept) > HISTORY_TOKEN_BUDGET;
          expect(overBudget || anchor !== previous.anchor, `turn ${turn}`).toBe(true);
        }
        if (anchor !== previous.anchor) anchorMoves += 1;
      }
      // The turn is stored as the stream would store it: the question, then the answer.
      const asked = await conversations.addMessage(conversationId, { role: 'user', content: question });
      const answered = await conversations.addMessage(conversationId, {
        role: 'assistant',
        content: 'a'.repeat(charsOf(stored + 1)),
      });
      previous = {
        window: [...window.slice(0, -1), { ...window.at(-1)!, id: asked.id }],
        answer: { id: answered.id, role: 'assistant', content: answered.content, images: [] },
        anchor,
      };
      stored += 2;
    }
    // 240 messages: the anchor moved twice; the start moved on a minority of the turns.
    expect(anchorMoves).toBe(2);
    expect(moves).toBeGreaterThan(5);
    expect(moves).toBeLessThan(60);
  });
});

describe('the input estimate, an upper bound of a token per byte', () => {
  it('counts the chart labels every earlier charted question repeats in its note', async () => {
    const user = await usersRepository(test.db).findOrCreate(`user_labels_${Date.now()}`, null);
    const conversations = conversationsRepository(test.db);
    const conversation = await conversations.create(user.id, 'Labelled');
    // Labels that take four bytes a character, forty characters each, on four charts a question.
    const label = '𝕏'.repeat(40);
    for (let turn = 0; turn < 5; turn += 1) {
      await conversations.addMessage(conversation.id, {
        role: 'user',
        content: `Question ${turn}`,
        images: Array.from({ length: 4 }, () => ({ mediaType: 'image/png', bytes: 10, width: 10, height: 10, label })),
      });
      await conversations.addMessage(conversation.id, { role: 'assistant', content: `Answer ${turn}` });
    }
    const context = await loadTurnContext(test.db, conversation.id, { content: 'And now?', images: [] });
    const sent = buildMessages(context.window, context.charts).flatMap((message) =>
      (message.content as Array<{ type: string; text?: string }>).map((block) => block.text ?? ''),
    );
    const bytes = sent.reduce((sum, text) => sum + Buffer.byteLength(text, 'utf8'), 0);
    expect(sent.join('\n')).toContain(label);
    expect(context.estimatedTokens).toBeGreaterThanOrEqual(bytes);
  });
});
