// Picks the driver from the configuration: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR,
// which is then the owner's alone.
import { join } from 'node:path';
import type { Config } from '../config/env.js';
import { restrictToOwner } from './data-dir.js';
import type { Database } from './database.js';
import { createPgliteDatabase } from './pglite.js';
import { createPostgresDatabase } from './postgres.js';

export async function connectDatabase(
  config: Pick<Config, 'databaseUrl' | 'databasePoolMax' | 'dataDir'>,
): Promise<Database> {
  if (config.databaseUrl) {
    return createPostgresDatabase({ connectionString: config.databaseUrl, max: config.databasePoolMax });
  }
  await restrictToOwner(config.dataDir);
  const database = await createPgliteDatabase({ dataDir: join(config.dataDir, 'pglite') });
  // Again once PGlite has unpacked a first database: it keeps the archive's 0666.
  await restrictToOwner(config.dataDir);
  return database;
}
