// Real databases for tests: a fresh schema on the machine's PostgreSQL per call (dropped afterwards), or
// an in-memory PGlite. Repository and migration tests run against both.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { createPgliteDatabase } from '../../src/db/pglite.js';
import { createPostgresDatabase } from '../../src/db/postgres.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  db: Database;
  /** Another connection pool onto the same schema (for races between "instances"). */
  another(): Database;
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function postgresTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  const pools: Database[] = [];
  const open = () => {
    const db = createPostgresDatabase({ connectionString: TEST_DATABASE_URL, schema, max: 5 });
    pools.push(db);
    return db;
  };
  const db = open();
  if (options.migrated !== false) await migrate(db);
  return {
    db,
    another: open,
    async drop() {
      await Promise.all(pools.map((pool) => pool.close()));
      await adminQuery(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

export async function pgliteTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const db = await createPgliteDatabase();
  if (options.migrated !== false) await migrate(db);
  return {
    db,
    // PGlite is one in-process connection: a second "instance" shares it.
    another: () => db,
    drop: () => db.close(),
  };
}

export const DRIVERS = [
  { driver: 'postgres', open: postgresTestDatabase },
  { driver: 'pglite', open: pgliteTestDatabase },
] as const;
