// PostgreSQL driver over a pg Pool (20 connections per instance, or DATABASE_POOL_MAX, kept open once made).
// Parameterized statements are prepared once per connection, so PostgreSQL parses and plans a coaching turn's long
// statements once, not per request.
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { INT8_OID, parseInt8, type Database, type QueryResult, type Transaction } from './database.js';

/** Connections per instance unless DATABASE_POOL_MAX says otherwise. */
const DEFAULT_POOL_MAX = 20;

/** How many distinct statement texts are prepared; the rest run unnamed. */
const MAX_PREPARED = 500;

const isStalePlan = (error: unknown): boolean =>
  (error as { code?: unknown }).code === '0A000' && /cached plan/.test((error as Error).message);

export interface PostgresOptions {
  connectionString: string;
  /** Put the app's tables in this schema (tests isolate themselves with one schema per file). */
  schema?: string;
  /** The pool's connections (DATABASE_POOL_MAX); DEFAULT_POOL_MAX when unset. */
  max?: number;
}

const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export function createPostgresDatabase(options: PostgresOptions): Database {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new Error(`invalid schema name: ${options.schema}`);
  }
  // The URL is parsed here rather than passed as connectionString: pg lets a connection string's parameters
  // replace the pool's, so a URL carrying its own `options` (a provider's endpoint id, a search_path) silently
  // dropped the startup settings below. Its options are kept, after ours (a later -c of the same name wins).
  const { options: urlOptions, ...fromUrl } = parseIntoClientConfig(options.connectionString);
  const pool = new pg.Pool({
    ...fromUrl,
    max: options.max ?? DEFAULT_POOL_MAX,
    // How long a query may wait for one of the pool's connections (pg-pool counts the wait for a busy pool, not
    // only the connect). A burst of 2,000 questions queues thousands of statements behind 20 connections on a
    // busy event loop: at 5 s a quarter of them failed with 500 internal, waiting their turn.
    connectionTimeoutMillis: 30_000,
    // Connections are kept however long they idle. A new one's backend loads its catalog caches and prepares each
    // statement at its first use: a burst of 100 questions after 35 s without traffic, once the pool had closed its
    // connections after 30 s idle, took 11.9-13.2 ms of the database's CPU per question and added 801-922 ms to the
    // first token (p50); with the connections kept, 2.8-3.9 ms and 207-322 ms (npm run bench:stream, its `burst after
    // quiet` row, two runs each way on 2 cores). Markets have quiet spells, and open in a burst. At most
    // DATABASE_POOL_MAX per instance.
    idleTimeoutMillis: 0,
    // Kept connections are probed once idle for 10 s (TCP keep-alive): a path that drops idle connections silently
    // (a NAT, a firewall) keeps them, and a peer gone without a word is found before a statement waits on it.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types: typeParsers,
    // Prepared statements run on one plan made without their parameters. PostgreSQL otherwise re-plans a statement
    // for each set of parameters when that plan's estimate is cheaper, as it is for the turn's start statement
    // (its branches for a new or an existing conversation fold away): 100 of them at once took p50 35-56 ms
    // re-planned, 21-31 ms on one plan. The app's statements are key and index lookups, for which a plan made
    // without the values is as good. A startup parameter, so it holds from the connection's first statement
    // without a query of its own.
    options: [
      '-c plan_cache_mode=force_generic_plan',
      ...(options.schema ? [`-c search_path=${options.schema}`] : []),
      ...(urlOptions ? [urlOptions] : []),
    ].join(' '),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);

  // Each statement text gets one name for the pool's life (pg prepares it on a connection at its first use).
  // Parsing and planning the turn's start statement (a dozen CTEs) was about a third of its cost, and under
  // a burst of questions the database's CPU is what they queue for. Bounded: a text past the first
  // MAX_PREPARED runs unnamed, as every statement did before.
  const names = new Map<string, string | null>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED) {
      name = `s${names.size}`;
      names.set(text, name);
    }
    return name ?? undefined;
  };
  const run = async <Row extends object>(
    client: pg.Pool | pg.PoolClient,
    text: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>> => {
    const values = params as unknown[] | undefined;
    const name = values === undefined ? undefined : nameOf(text);
    try {
      const result = await client.query<Row>(name === undefined ? { text, values } : { name, text, values });
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (error) {
      // A migration changed the columns a prepared `SELECT *` returns (a rolling deploy migrates under running
      // instances): PostgreSQL refuses the old plan before running it. The text runs unnamed from then on.
      if (name === undefined || !isStalePlan(error)) throw error;
      names.set(text, null);
      if (client !== pool) throw error;
      const result = await client.query<Row>({ text, values });
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    }
  };

  return {
    driver: 'postgres',
    query: (text, params) => run(pool, text, params),
    async transaction(fn) {
      const client = await pool.connect();
      const tx: Transaction = {
        query: (text, params) => run(client, text, params),
        exec: async (script) => {
          await client.query(script);
        },
      };
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
