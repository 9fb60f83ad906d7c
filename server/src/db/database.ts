// The one small query interface that hides the driver. Repositories take a Queryable and never know
// whether PostgreSQL (pg) or embedded PGlite answers.
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Queryable {
  query<Row extends object = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>>;
}

export interface Transaction extends Queryable {
  /** Runs a script of several statements (migrations). No parameters. */
  exec(script: string): Promise<void>;
}

export type DatabaseDriver = 'postgres' | 'pglite';

export interface Database extends Queryable {
  readonly driver: DatabaseDriver;
  /** Runs fn on one connection inside BEGIN/COMMIT; rolls back when fn throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Both drivers return the same JavaScript types: int8 (counts, sums) as number — our token sums stay far
 * below 2^53 — numeric (money) as a decimal string, timestamptz as Date, jsonb parsed.
 */
export const INT8_OID = 20;
export const parseInt8 = (value: string): number => Number.parseInt(value, 10);
