// Which database a configuration names, for the start line and the migration runner's last line: PGlite's DATA_DIR,
// or PostgreSQL's database, host and port. Never the user or password, and never the URL itself.
import type { Config } from '../config/env.js';

export function describeDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): string {
  if (!config.databaseUrl) return `pglite (${config.dataDir})`;
  // DATABASE_URL was checked at start (postgres:// or postgresql://); a socket's host may come as ?host=.
  const url = new URL(config.databaseUrl);
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  const where = `${host}:${url.port || url.searchParams.get('port') || '5432'}`;
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return `postgres (${database ? `${database} on ${where}` : where})`;
}
