import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { DRIVERS, type TestDatabase } from '../support/database.js';

describe.each(DRIVERS)('migrations on $driver', ({ open }) => {
  let test: TestDatabase | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });

  it('applies every file in order once, then nothing', async () => {
    test = await open({ migrated: false });
    const files = await loadMigrations();
    expect(await migrate(test.db)).toEqual(files.map((file) => file.name));
    expect(await migrate(test.db)).toEqual([]);
    const { rows } = await test.db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((row) => row.version)).toEqual(files.map((file) => file.version));
    const tables = await test.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
    );
    expect(tables.rows.map((row) => row.table_name)).toEqual(
      expect.arrayContaining(['conversations', 'messages', 'rate_limit_events', 'token_usage', 'users']),
    );
    // 008 dropped billing_summary, the one materialized view (its billing job was never written).
    const views = await test.db.query('SELECT matviewname FROM pg_matviews WHERE schemaname = current_schema()');
    expect(views.rows).toEqual([]);
    // 009 and 014: a message says how its answer ended, 'stopped', 'cut_short' or 'failed', or nothing; no other word.
    const { rows: users } = await test.db.query<{ id: string }>(
      `INSERT INTO users (clerk_user_id) VALUES ('user_009') RETURNING id`,
    );
    const { rows: conversations } = await test.db.query<{ id: string }>(
      `INSERT INTO conversations (user_id, title) VALUES ($1, 'Endings') RETURNING id`,
      [users[0]!.id],
    );
    const answer = (ending: string | null) =>
      test!.db.query(
        `INSERT INTO messages (conversation_id, role, content, ending) VALUES ($1, 'assistant', 'x', $2) RETURNING ending`,
        [conversations[0]!.id, ending],
      );
    for (const ending of ['stopped', 'cut_short', 'failed', null])
      expect((await answer(ending)).rows).toEqual([{ ending }]);
    await expect(answer('done')).rejects.toThrow(/check constraint/);
  });

  it('two runners started together: one applies, the other finds nothing to do, neither fails', async () => {
    test = await open({ migrated: false });
    const results = await Promise.all([migrate(test.db), migrate(test.another())]);
    const files = await loadMigrations();
    expect(results.map((applied) => applied.length).sort()).toEqual([0, files.length]);
  });

  it('refuses to run when an applied file was edited', async () => {
    test = await open({ migrated: false });
    const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await migrate(test.db, { dir });
      const first = join(dir, '001_initial.sql');
      await writeFile(first, `${await readFile(first, 'utf8')}\n-- edited after it landed\n`);
      await expect(migrate(test.db, { dir })).rejects.toThrow(/001_initial\.sql was changed after it was applied/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rolls back every statement of a failing migration', async () => {
    test = await open({ migrated: false });
    const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await writeFile(join(dir, '900_broken.sql'), 'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n');
      await expect(migrate(test.db, { dir })).rejects.toThrow(/no_such_function/);
      const { rows } = await test.db.query(
        `SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('half_done', 'users')`,
      );
      expect(rows).toHaveLength(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('migration files', () => {
  it('are named NNN_name.sql with unique versions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    try {
      await writeFile(join(dir, '1_bad.sql'), 'SELECT 1;');
      await expect(loadMigrations(dir)).rejects.toThrow(/1_bad\.sql is not named NNN_name\.sql/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
