// `npm run db:migrate`: applies pending migrations to the configured database and exits. It reads the database's
// variables alone (DATABASE_URL, or DATA_DIR for the embedded one): a pre-deploy step or compose's migrate service
// need not carry the server's sign-in or model settings.
import { ConfigError, loadDatabaseConfig } from '../config/env.js';
import { connectDatabase } from './connect.js';
import { describeDatabase } from './describe.js';
import { migrate } from './migrate.js';

let config;
try {
  config = loadDatabaseConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`strat-coach: ${error.message}`);
  process.exit(1);
}
const db = await connectDatabase(config);
try {
  const applied = await migrate(db, { logger: { info: console.log, warn: console.warn } });
  const database = describeDatabase(config);
  console.log(
    applied.length > 0
      ? `applied ${applied.length} migration(s) to ${database}`
      : `database is up to date: ${database}`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await db.close();
}
