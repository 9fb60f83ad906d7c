// `npm run db:migrate`: applies pending migrations to the configured database and exits.
import { loadConfig } from '../config/env.js';
import { connectDatabase } from './connect.js';
import { migrate } from './migrate.js';

const config = loadConfig();
const db = await connectDatabase(config);
try {
  const applied = await migrate(db, { logger: { info: console.log, warn: console.warn } });
  console.log(applied.length > 0 ? `applied ${applied.length} migration(s)` : 'database is up to date');
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await db.close();
}
