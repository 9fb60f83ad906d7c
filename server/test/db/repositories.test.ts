import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { conversationsRepository, HISTORY_ANCHOR_EVERY } from '../../src/db/repositories/conversations.js';
import { refreshTokensRepository } from '../../src/db/repositories/refresh-tokens.js';
import { usageRepository, type NewUsageRecord } from '../../src/db/repositories/usage.js';
import { usersRepository, type User } from '../../src/db/repositories/users.js';
import { createPostgresDatabase } from '../../src/db/postgres.js';
import type { Database } from '../../src/db/database.js';
import { DRIVERS, postgresTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/database.js';

let sequence = 0;
const uniqueSubject = () => `user_repo_${Date.now()}_${(sequence += 1)}`;

const usageRow = (userId: string, overrides: Partial<NewUsageRecord> = {}): NewUsageRecord => ({
  userId,
  conversationId: null,
  requestId: `req-${(sequence += 1)}`,
  model: 'claude-sonnet-5-5',
  inputTokens: 100,
  outputTokens: 50,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0.0007,
  latencyMs: 900,
  ttftMs: 300,
  status: 'ok',
  errorCode: null,
  billingPeriodStart: new Date('2026-11-01T00:00:00Z'),
  ...overrides,
});

/** `count` messages (user, assistant, …) numbered from `from`, in one statement. */
async function seedMessages(test: TestDatabase, conversationId: string, count: number, from = 0): Promise<void> {
  await test.db.query(
    `INSERT INTO messages (conversation_id, role, content)
     SELECT $1, CASE WHEN n % 2 = 0 THEN 'user' ELSE 'assistant' END, 'message ' || n
       FROM generate_series($2::int, $2::int + $3::int - 1) AS n ORDER BY n`,
    [conversationId, from, count],
  );
}

describe.each(DRIVERS)('repositories on $driver', ({ open }) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await open();
  });
  afterAll(async () => {
    await test.drop();
  });

  describe('users', () => {
    it('twenty concurrent first sightings of one subject create exactly one user', async () => {
      const users = usersRepository(test.db);
      const subject = uniqueSubject();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          usersRepository(index % 2 === 0 ? test.db : test.another()).signIn(subject, null),
        ),
      );
      expect(new Set(results.map((user) => user.id)).size).toBe(1);
      const { rows } = await test.db.query('SELECT id FROM users WHERE clerk_user_id = $1', [subject]);
      expect(rows).toHaveLength(1);
      expect((await users.findByClerkId(subject))?.tier).toBe('free');
    });

    it('signs in with one statement: the user, their activity recorded at most once a minute, created on first sight', async () => {
      const users = usersRepository(test.db);
      const subject = uniqueSubject();
      const created = await users.signIn(subject, 'trader@example.com');
      expect(created).toMatchObject({ clerkUserId: subject, email: 'trader@example.com', tier: 'free' });

      await test.db.query(`UPDATE users SET last_active_at = now() - interval '30 seconds' WHERE id = $1`, [
        created.id,
      ]);
      const recent = (await users.findByClerkId(subject))!;
      const again = await users.signIn(subject, null);
      expect(again.id).toBe(created.id);
      expect(again.lastActiveAt).toEqual(recent.lastActiveAt);
      expect((await users.findByClerkId(subject))!.lastActiveAt).toEqual(recent.lastActiveAt);

      await test.db.query(`UPDATE users SET last_active_at = now() - interval '2 minutes' WHERE id = $1`, [created.id]);
      const stale = (await users.findByClerkId(subject))!;
      const touched = await users.signIn(subject, null);
      expect(touched.lastActiveAt.getTime()).toBeGreaterThan(stale.lastActiveAt.getTime() + 60_000);
      expect((await users.findByClerkId(subject))!.lastActiveAt).toEqual(touched.lastActiveAt);
      expect(touched.email).toBe('trader@example.com');
    });

    it('signs in many subjects in one statement: each known user once, touched only when stale, unknown ones absent', async () => {
      const users = usersRepository(test.db);
      const [fresh, stale] = [
        await users.findOrCreate(uniqueSubject(), null),
        await users.findOrCreate(uniqueSubject(), null),
      ];
      await test.db.query(`UPDATE users SET last_active_at = now() - interval '2 minutes' WHERE id = $1`, [stale.id]);
      const before = (await users.findByClerkId(stale.clerkUserId))!;
      const unknown = uniqueSubject();

      const known = await users.signInMany([fresh.clerkUserId, unknown, stale.clerkUserId, fresh.clerkUserId]);
      expect([...known.keys()].sort()).toEqual([fresh.clerkUserId, stale.clerkUserId].sort());
      expect(known.get(fresh.clerkUserId)).toEqual(fresh);
      expect(known.get(stale.clerkUserId)!.id).toBe(stale.id);
      expect(known.get(stale.clerkUserId)!.lastActiveAt.getTime()).toBeGreaterThan(
        before.lastActiveAt.getTime() + 60_000,
      );
      expect((await users.findByClerkId(stale.clerkUserId))!.lastActiveAt).toEqual(
        known.get(stale.clerkUserId)!.lastActiveAt,
      );
      expect(await users.findByClerkId(unknown)).toBeUndefined();
      expect((await users.signInMany([])).size).toBe(0);
    });
  });

  describe('token usage', () => {
    it('sums a whole period per model in SQL, leaving other periods and users out', async () => {
      const users = usersRepository(test.db);
      const usage = usageRepository(test.db);
      const user = await users.findOrCreate(uniqueSubject(), null);
      const other = await users.findOrCreate(uniqueSubject(), null);
      const november = new Date('2026-11-01T00:00:00Z');
      const october = new Date('2026-10-01T00:00:00Z');
      // More rows than any page size: the sum must cover them all.
      for (let index = 0; index < 120; index += 1) {
        await usage.insert(usageRow(user.id, { billingPeriodStart: november, cacheReadTokens: 10, costUsd: 0.000123 }));
      }
      await usage.insert(
        usageRow(user.id, { model: 'claude-haiku-4-5', billingPeriodStart: november, inputTokens: 7 }),
      );
      await usage.insert(usageRow(user.id, { billingPeriodStart: october, inputTokens: 99_999 }));
      await usage.insert(usageRow(other.id, { billingPeriodStart: november, inputTokens: 55_555 }));

      const totals = await usage.periodTotals(user.id, november);
      expect(totals).toEqual([
        {
          model: 'claude-haiku-4-5',
          requests: 1,
          inputTokens: 7,
          outputTokens: 50,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          quotaTokens: 57,
          costUsd: 0.0007,
        },
        {
          model: 'claude-sonnet-5-5',
          requests: 120,
          inputTokens: 12_000,
          outputTokens: 6_000,
          cacheReadTokens: 1_200,
          cacheWriteTokens: 0,
          quotaTokens: 18_000,
          costUsd: 0.01476,
        },
      ]);
    });

    it('sums what each call counted against the quota, and uncached input + output for rows without it', async () => {
      const users = usersRepository(test.db);
      const usage = usageRepository(test.db);
      const user = await users.findOrCreate(uniqueSubject(), null);
      const november = new Date('2026-11-01T00:00:00Z');
      await usage.insert(usageRow(user.id, { billingPeriodStart: november, cacheWriteTokens: 900, quotaTokens: 950 }));
      await usage.insert(usageRow(user.id, { billingPeriodStart: november }));
      const [totals] = await usage.periodTotals(user.id, november);
      expect(totals).toMatchObject({ requests: 2, quotaTokens: 950 + 150 });
    });

    it('pages history newest first with a cursor, and rejects a cursor that is not the user’s', async () => {
      const users = usersRepository(test.db);
      const usage = usageRepository(test.db);
      const user = await users.findOrCreate(uniqueSubject(), null);
      const other = await users.findOrCreate(uniqueSubject(), null);
      const base = Date.parse('2026-11-10T12:00:00Z');
      const ids: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        ids.push(await usage.insert(usageRow(user.id, { createdAt: new Date(base + index * 1000) })));
      }
      const foreign = await usage.insert(usageRow(other.id));

      const first = await usage.history(user.id, { limit: 2 });
      expect(first?.items.map((item) => item.id)).toEqual([ids[4], ids[3]]);
      const second = await usage.history(user.id, { limit: 2, before: first!.nextCursor! });
      expect(second?.items.map((item) => item.id)).toEqual([ids[2], ids[1]]);
      const last = await usage.history(user.id, { limit: 2, before: second!.nextCursor! });
      expect(last).toEqual({ items: [expect.objectContaining({ id: ids[0], costUsd: 0.0007 })], nextCursor: null });
      expect(await usage.history(user.id, { limit: 2, before: foreign })).toBeUndefined();
    });
  });

  describe('conversations', () => {
    it('are readable by their owner only, messages in the order written', async () => {
      const users = usersRepository(test.db);
      const conversations = conversationsRepository(test.db);
      const owner = await users.findOrCreate(uniqueSubject(), null);
      const stranger = await users.findOrCreate(uniqueSubject(), null);
      const conversation = await conversations.create(owner.id, 'Is this 2-1-2 valid?');
      const image = { mediaType: 'image/png', bytes: 12_345, width: 800, height: 600 };
      await test.db.transaction(async (tx) => {
        const repo = conversationsRepository(tx);
        await repo.addMessage(conversation.id, { role: 'user', content: 'first', images: [image] });
        await repo.addMessage(conversation.id, { role: 'assistant', content: 'second' });
        await repo.addMessage(conversation.id, { role: 'user', content: 'third' });
      });
      expect(await conversations.findForUser(conversation.id, stranger.id)).toBeUndefined();
      expect((await conversations.findForUser(conversation.id, owner.id))?.title).toBe('Is this 2-1-2 valid?');
      const messages = (await conversations.messagePage(conversation.id, { limit: 10 }))!.items;
      expect(messages.map((message) => [message.role, message.content])).toEqual([
        ['user', 'first'],
        ['assistant', 'second'],
        ['user', 'third'],
      ]);
      expect(messages[0]?.images).toEqual([image]);
    });

    it('page messages newest page first, each page in written order, by keyset on their order', async () => {
      const conversations = conversationsRepository(test.db);
      const owner = await usersRepository(test.db).findOrCreate(uniqueSubject(), null);
      const conversation = await conversations.create(owner.id, 'long');
      const other = await conversations.create(owner.id, 'other');
      const foreign = await conversations.addMessage(other.id, { role: 'user', content: 'elsewhere' });
      await seedMessages(test, conversation.id, 7);

      const newest = await conversations.messagePage(conversation.id, { limit: 3 });
      expect(newest?.items.map((message) => message.content)).toEqual(['message 4', 'message 5', 'message 6']);
      const middle = await conversations.messagePage(conversation.id, { limit: 3, before: newest!.nextCursor! });
      expect(middle?.items.map((message) => message.content)).toEqual(['message 1', 'message 2', 'message 3']);
      const first = await conversations.messagePage(conversation.id, { limit: 3, before: middle!.nextCursor! });
      expect(first).toEqual({ items: [expect.objectContaining({ content: 'message 0' })], nextCursor: null });
      // The first message is a cursor with nothing before it; another conversation's message is no cursor.
      expect(await conversations.messagePage(conversation.id, { limit: 3, before: first!.items[0]!.id })).toEqual({
        items: [],
        nextCursor: null,
      });
      expect(await conversations.messagePage(conversation.id, { limit: 3, before: foreign.id })).toBeUndefined();
    });

    it('index a long conversation’s history from an anchor: a bounded read that only grows between anchors', async () => {
      const conversations = conversationsRepository(test.db);
      const owner = await usersRepository(test.db).findOrCreate(uniqueSubject(), null);
      const conversation = await conversations.create(owner.id, 'long');
      const every = HISTORY_ANCHOR_EVERY;
      await seedMessages(test, conversation.id, every - 1);
      // Shorter than one anchor interval: everything, from the first message.
      const short = await conversations.historyIndex(conversation.id);
      expect(short).toHaveLength(every - 1);
      expect(short[0]).toMatchObject({ role: 'user', chars: 'message 0'.length, charts: 0, refused: false });

      await seedMessages(test, conversation.id, 2 * every + 30, every - 1);
      // 3·every + 29 messages: the anchor is message 2·every, the last multiple at least `every` before the end.
      const long = await conversations.historyIndex(conversation.id);
      expect(long).toHaveLength(every + 29);
      const first = (await conversations.messagePage(conversation.id, { limit: every + 29 }))!.items[0]!;
      expect(long[0]!.id).toBe(first.id);
      expect(first.content).toBe(`message ${2 * every}`);

      // The next messages only extend the index, until the end is twice `every` past the anchor.
      await seedMessages(test, conversation.id, every - 30, 3 * every + 29);
      const grown = await conversations.historyIndex(conversation.id);
      expect(grown).toHaveLength(2 * every - 1);
      expect(grown.slice(0, long.length)).toEqual(long);
      await seedMessages(test, conversation.id, 1, 4 * every - 1);
      const moved = await conversations.historyIndex(conversation.id);
      expect(moved).toHaveLength(every);
      expect(moved[0]).toEqual(grown[every]);
    });

    it('find the last question whose charts are the conversation’s, past refused ones', async () => {
      const conversations = conversationsRepository(test.db);
      const owner = await usersRepository(test.db).findOrCreate(uniqueSubject(), null);
      const conversation = await conversations.create(owner.id, 'charts');
      expect(await conversations.lastChartHolder(conversation.id)).toBeNull();
      const image = { mediaType: 'image/png', bytes: 10, width: 1, height: 1 };
      const holder = await conversations.addMessage(conversation.id, { role: 'user', content: 'a', images: [image] });
      await seedMessages(test, conversation.id, 300);
      const refused = await conversations.addMessage(conversation.id, { role: 'user', content: 'b', images: [image] });
      await test.db.query('UPDATE messages SET refused = true WHERE id = $1', [refused.id]);
      expect((await conversations.lastChartHolder(conversation.id))?.id).toBe(holder.id);
    });

    it('list most recently active first, paged', async () => {
      const users = usersRepository(test.db);
      const conversations = conversationsRepository(test.db);
      const owner = await users.findOrCreate(uniqueSubject(), null);
      const created = [];
      // Distinct times: PGlite's clock can give two statements the same millisecond. The updated_at
      // trigger would overwrite a back-dated value, so it is off while the rows are back-dated (this
      // file's own schema; the tests in it run one at a time).
      await test.db.query('ALTER TABLE conversations DISABLE TRIGGER conversations_updated_at');
      try {
        for (const [index, title] of ['a', 'b', 'c'].entries()) {
          const conversation = await conversations.create(owner.id, title);
          await test.db.query(`UPDATE conversations SET updated_at = now() - make_interval(mins => $2) WHERE id = $1`, [
            conversation.id,
            3 - index,
          ]);
          created.push(conversation);
        }
      } finally {
        await test.db.query('ALTER TABLE conversations ENABLE TRIGGER conversations_updated_at');
      }
      await conversations.addMessage(created[0]!.id, { role: 'user', content: 'bump' });
      const first = await conversations.listForUser(owner.id, { limit: 2 });
      expect(first?.items.map((item) => item.title)).toEqual(['a', 'c']);
      const rest = await conversations.listForUser(owner.id, { limit: 2, before: first!.nextCursor! });
      expect(rest).toEqual({ items: [expect.objectContaining({ title: 'b' })], nextCursor: null });
    });
  });

  describe('refresh tokens', () => {
    it('are spent once; replaying a spent one revokes its family', async () => {
      const tokens = refreshTokensRepository(test.db);
      const grant = { familyId: crypto.randomUUID(), subject: 'user_local', clientId: 'desktop', scope: 'profile' };
      const expires = new Date(Date.now() + 60_000);
      await tokens.store('first-token', grant, expires);
      expect(await tokens.consume('first-token')).toEqual(grant);
      await tokens.store('second-token', grant, expires);
      expect(await tokens.consume('first-token')).toBeUndefined();
      expect(await tokens.consume('second-token')).toBeUndefined();
    });

    it('expire', async () => {
      const tokens = refreshTokensRepository(test.db);
      const grant = { familyId: crypto.randomUUID(), subject: 'user_local', clientId: 'desktop', scope: '' };
      await tokens.store('old-token', grant, new Date(Date.now() - 1_000));
      expect(await tokens.consume('old-token')).toBeUndefined();
    });
  });
});

describe('the PostgreSQL driver', () => {
  /**
   * A stale trader (last active two minutes ago), and `signIn` run while another transaction, begun with
   * `statement` ($1: the trader's id), is still open.
   */
  async function signInWhileHeld(statement: string, signIn: (trader: User, test: TestDatabase) => Promise<void>) {
    const test = await postgresTestDatabase();
    try {
      const trader = await usersRepository(test.db).findOrCreate(uniqueSubject(), null);
      await test.db.query(`UPDATE users SET last_active_at = now() - interval '2 minutes' WHERE id = $1`, [trader.id]);
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let begun = () => {};
      const isBegun = new Promise<void>((resolve) => (begun = resolve));
      const holder = test.db.transaction(async (tx) => {
        await tx.query(statement, [trader.id]);
        begun();
        await held;
      });
      await isBegun;
      try {
        await signIn((await usersRepository(test.db).findByClerkId(trader.clerkUserId))!, test);
      } finally {
        release();
        await holder;
      }
    } finally {
      await test.drop();
    }
  }

  it('records the activity of a trader whose row another transaction only references (a conversation being made)', async () => {
    // Its foreign key takes a key-share lock on the trader's row until it commits.
    await signInWhileHeld(`INSERT INTO conversations (user_id, title) VALUES ($1, 'open')`, async (before, test) => {
      const signedIn = await usersRepository(test.another()).signIn(before.clerkUserId, null);
      expect(signedIn.lastActiveAt.getTime()).toBeGreaterThan(before.lastActiveAt.getTime() + 60_000);
    });
  });

  it('signs in a trader whose row another transaction holds (a question being reserved) without waiting for it', async () => {
    await signInWhileHeld('SELECT id FROM users WHERE id = $1 FOR UPDATE', async (trader, test) => {
      // Before, the sign-in's touch waited for the lock: for as long as the other statement ran.
      const signedIn = await Promise.race([
        usersRepository(test.another()).signIn(trader.clerkUserId, null),
        new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 2_000)),
      ]);
      expect(signedIn).toMatchObject({ id: trader.id, tier: 'free' });
    });
  });

  it('runs every connection on one generic plan, in its own schema', async () => {
    const test = await postgresTestDatabase({ migrated: false });
    try {
      // Five connections at once: each is a fresh one, set from its first statement.
      const settings = await Promise.all(
        Array.from({ length: 5 }, () =>
          test.db.query<{ plan: string; path: string }>(
            `SELECT current_setting('plan_cache_mode') AS plan, current_setting('search_path') AS path, pg_sleep(0.05)`,
          ),
        ),
      );
      for (const { rows } of settings) {
        expect(rows[0]).toMatchObject({ plan: 'force_generic_plan', path: expect.stringMatching(/^t_[0-9a-f]+$/) });
      }
    } finally {
      await test.drop();
    }
  });

  it('keeps its settings when the URL carries options of its own, and keeps those too', async () => {
    // Providers put startup options in the URL (an endpoint id, a search_path): pg lets them replace the pool's.
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('options', '-c application_name=from-the-url -c statement_timeout=12345');
    const db = createPostgresDatabase({ connectionString: url.toString() });
    try {
      const { rows } = await db.query<{ plan: string; name: string; timeout: string }>(
        `SELECT current_setting('plan_cache_mode') AS plan, current_setting('application_name') AS name,
                current_setting('statement_timeout') AS timeout`,
      );
      expect(rows[0]).toEqual({ plan: 'force_generic_plan', name: 'from-the-url', timeout: '12345ms' });
    } finally {
      await db.close();
    }
  });

  /** The database backends that ran `statements` statements at once, each 50 ms long. */
  const backendsServing = async (db: Database, statements: number) =>
    new Set(
      await Promise.all(
        Array.from({ length: statements }, () =>
          db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)').then(({ rows }) => rows[0]?.pid),
        ),
      ),
    );

  it('opens at most DATABASE_POOL_MAX connections, however many statements wait', async () => {
    const db = createPostgresDatabase({ connectionString: TEST_DATABASE_URL, max: 2 });
    try {
      expect((await backendsServing(db, 6)).size).toBe(2);
    } finally {
      await db.close();
    }
  });

  it('keeps its connections through a quiet spell, so the questions after it meet warm ones', async () => {
    // The pool's idle timers are setTimeout's: the quiet passes on a fake clock, the statements on real sockets.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const db = createPostgresDatabase({ connectionString: TEST_DATABASE_URL, max: 3 });
    try {
      const before = await backendsServing(db, 3);
      expect(before.size).toBe(3);
      // Past the 30 s after which the pool used to close an idle connection (a new one's backend prepares each
      // statement again, and a burst after a quiet minute waited for it).
      await vi.advanceTimersByTimeAsync(31_000);
      expect(await backendsServing(db, 3)).toEqual(before);
    } finally {
      vi.useRealTimers();
      await db.close();
    }
  });

  it('prepares its statements, and a table changed under a prepared `SELECT *` (a rolling migration) still reads', async () => {
    const test = await postgresTestDatabase({ migrated: false });
    try {
      // Statements one after another reuse the pool's idle connection: the later reads meet the prepared one.
      const db = test.another();
      await db.query('CREATE TABLE bars (id int PRIMARY KEY, pattern text)');
      await db.query(`INSERT INTO bars VALUES (1, '2-1-2')`);
      const read = () => db.query<Record<string, unknown>>('SELECT * FROM bars WHERE id = $1', [1]);
      expect((await read()).rows).toEqual([{ id: 1, pattern: '2-1-2' }]);
      await db.query(`ALTER TABLE bars ADD COLUMN timeframe text NOT NULL DEFAULT '60m'`);
      for (let attempt = 0; attempt < 6; attempt += 1) {
        expect((await read()).rows).toEqual([{ id: 1, pattern: '2-1-2', timeframe: '60m' }]);
      }
    } finally {
      await test.drop();
    }
  });
});
