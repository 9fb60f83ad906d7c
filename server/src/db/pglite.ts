// Embedded PostgreSQL (PGlite, WebAssembly) for the zero-configuration default: data in DATA_DIR, the
// same SQL and migrations as production. One in-process connection; PGlite serializes queries itself.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { INT8_OID, parseInt8, type Database, type QueryResult, type Transaction } from './database.js';

export interface PgliteOptions {
  /** Directory for the database files; undefined keeps it in memory (tests). */
  dataDir?: string;
}

export async function createPgliteDatabase(options: PgliteOptions = {}): Promise<Database> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    parsers: { [INT8_OID]: parseInt8 },
  });

  const toResult = <Row>(result: { rows: Row[]; affectedRows?: number }): QueryResult<Row> => ({
    rows: result.rows,
    rowCount: result.rows.length > 0 ? result.rows.length : (result.affectedRows ?? 0),
  });

  return {
    driver: 'pglite',
    query: async <Row extends object>(text: string, params?: readonly unknown[]) =>
      toResult(await db.query<Row>(text, params as unknown[] | undefined)),
    transaction: (fn) =>
      db.transaction(async (inner) => {
        const tx: Transaction = {
          query: async <Row extends object>(text: string, params?: readonly unknown[]) =>
            toResult(await inner.query<Row>(text, params as unknown[] | undefined)),
          exec: async (script) => {
            await inner.exec(script);
          },
        };
        return fn(tx);
      }),
    close: () => db.close(),
  };
}
