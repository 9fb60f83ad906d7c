// Picks the driver from the configuration: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR.
import { join } from 'node:path';
import type { Config } from '../config/env.js';
import type { Database } from './database.js';
import { createPgliteDatabase } from './pglite.js';
import { createPostgresDatabase } from './postgres.js';

export async function connectDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  if (config.databaseUrl) return createPostgresDatabase({ connectionString: config.databaseUrl });
  return createPgliteDatabase({ dataDir: join(config.dataDir, 'pglite') });
}
