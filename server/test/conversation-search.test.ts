// Searching a trader's history on the embedded database (PGlite): migration 007's index and search functions,
// and what a trader finds with the words they type. conversations-routes.test.ts runs the same searches through
// the API on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationsRepository, type ConversationsRepository } from '../src/db/repositories/conversations.js';
import { usersRepository } from '../src/db/repositories/users.js';
import { pgliteTestDatabase, type TestDatabase } from './support/database.js';
import { SEARCHES, seedSearchHistory } from './support/search-cases.js';

let test: TestDatabase;
let conversations: ConversationsRepository;
let ids: Record<string, string>;
let userId: string;

beforeAll(async () => {
  test = await pgliteTestDatabase();
  conversations = conversationsRepository(test.db);
  userId = (await usersRepository(test.db).findOrCreate('user_search_pglite', null)).id;
  ids = await seedSearchHistory(conversations, userId);
});
afterAll(async () => {
  await test.drop();
});

const keyOf = (id: string) => Object.entries(ids).find(([, value]) => value === id)?.[0] ?? id;

describe('conversation search on PGlite', () => {
  it.each(SEARCHES)('"$q" finds $finds', async ({ q, finds }) => {
    const page = await conversations.search(userId, q, { limit: 30 });
    expect(page?.items.map((item) => keyOf(item.id))).toEqual(finds);
  });

  it('message text is searched through the full-text index', async () => {
    const { rows } = await test.db.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'messages_search'`,
    );
    expect(rows[0]?.indexdef).toMatch(/USING gin \(.*conversation_search_document\(content\)\)/);
    await test.db.query('SET enable_seqscan = off');
    try {
      const plan = await test.db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT id FROM messages WHERE conversation_search_document(content) @@ conversation_search_query('hammer')`,
      );
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('messages_search');
    } finally {
      await test.db.query('RESET enable_seqscan');
    }
  });

  it('a text hit carries a snippet around the words; a title hit none', async () => {
    const page = await conversations.search(userId, '2-1-2', { limit: 30 });
    const byKey = Object.fromEntries(page!.items.map((item) => [keyOf(item.id), item.snippet]));
    expect(byKey.labelled).toBeNull();
    expect(byKey.spy212).toContain('2-1-2 triggers above the inside bar');
    const hammer = await conversations.search(userId, 'hammer', { limit: 30 });
    const snippet = hammer!.items[0]!.snippet!;
    expect(snippet).toContain('hammers');
    expect(snippet.length).toBeLessThan(150);
  });
});
