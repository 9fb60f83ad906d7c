// What the server says about itself: its mode, by the same rule as GET /api/v1/status, and which database it (or
// the migration runner) uses, without the credentials in DATABASE_URL.
import { describe, expect, it } from 'vitest';
import { serverMode } from '../src/config/server-mode.js';
import { describeDatabase } from '../src/db/describe.js';

describe('serverMode', () => {
  it.each([
    [{ database: true, limiter: true, auth: true }, 'embedded'],
    [{ database: false, limiter: false, auth: false }, 'production'],
    // DATABASE_URL with AUTH_LOCAL_ISSUER=1: PostgreSQL, but the limiter and the issuer in-process.
    [{ database: false, limiter: true, auth: true }, 'mixed'],
    [{ database: false, limiter: false, auth: true }, 'mixed'],
    [{ database: true, limiter: true, auth: false }, 'mixed'],
  ])('%o is %s', (inProcess, mode) => {
    expect(serverMode(inProcess)).toBe(mode);
  });
});

describe('describeDatabase', () => {
  it('names the embedded database by its data directory', () => {
    expect(describeDatabase({ databaseUrl: undefined, dataDir: '/home/you/.strat-coach/data' })).toBe(
      'pglite (/home/you/.strat-coach/data)',
    );
  });

  it('names PostgreSQL by database, host and port, never by user or password', () => {
    const described = describeDatabase({
      databaseUrl: 'postgres://strat:s3cret@db.internal:6543/coach?sslmode=require',
      dataDir: '/unused',
    });
    expect(described).toBe('postgres (coach on db.internal:6543)');
    expect(described).not.toMatch(/strat|s3cret/);
  });

  it('names a socket directory given as ?host=', () => {
    expect(describeDatabase({ databaseUrl: 'postgres:///strat?host=/var/run/postgresql', dataDir: '/unused' })).toBe(
      'postgres (strat on /var/run/postgresql:5432)',
    );
  });

  it('fills in the default port', () => {
    expect(describeDatabase({ databaseUrl: 'postgres://u:p@postgres/strat', dataDir: '/unused' })).toBe(
      'postgres (strat on postgres:5432)',
    );
  });
});
