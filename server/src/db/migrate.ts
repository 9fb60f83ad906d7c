// Applies migrations/NNN_name.sql in order, in one transaction, serialized across instances with an
// advisory lock, and refuses to run when a file that was already applied has changed.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/** First key of the advisory lock; the second is the schema, so isolated schemas don't wait on each other. */
const LOCK_CLASS = 0x5354_4d47; // "STMG"

export interface MigrationFile {
  version: string;
  name: string;
  checksum: string;
  sql: string;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export interface MigrationLogger {
  info(message: string): void;
  warn(message: string): void;
}

const FILE_PATTERN = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const file of names) {
    const match = FILE_PATTERN.exec(file);
    if (!match) throw new MigrationError(`migration file ${file} is not named NNN_name.sql`);
    const sql = await readFile(`${dir}/${file}`, 'utf8');
    const version = match[1] as string;
    if (files.some((other) => other.version === version)) {
      throw new MigrationError(`two migration files share version ${version}`);
    }
    files.push({ version, name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files;
}

interface AppliedRow {
  version: string;
  name: string;
  checksum: string;
}

export interface MigrateOptions {
  dir?: string;
  logger?: MigrationLogger;
}

/** Returns the names of the files this call applied (empty when the database was up to date). */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<string[]> {
  const files = await loadMigrations(options.dir);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [LOCK_CLASS]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    text PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows: applied } = await tx.query<AppliedRow>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    for (const row of applied) {
      const file = files.find((candidate) => candidate.version === row.version);
      if (!file) {
        options.logger?.warn(`migration ${row.name} is applied but this build does not have it (newer schema)`);
      } else if (file.checksum !== row.checksum) {
        throw new MigrationError(
          `migration ${row.name} was changed after it was applied (checksum differs); ` +
            'never edit an applied migration: add a new one',
        );
      }
    }
    const appliedVersions = new Set(applied.map((row) => row.version));
    const pending = files.filter((file) => !appliedVersions.has(file.version));
    for (const file of pending) {
      await tx.exec(file.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        file.version,
        file.name,
        file.checksum,
      ]);
      options.logger?.info(`applied migration ${file.name}`);
    }
    return pending.map((file) => file.name);
  });
}
