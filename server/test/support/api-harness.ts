// The app as an API test sees it: a PostgreSQL schema of its own, the Clerk-shaped issuer, and traders
// who sign in with bearer tokens. Closes everything it started.
import type { User } from '../../src/db/repositories/users.js';
import { bearer, buildTestApp, type TestApp, type TestAppOptions } from './app.js';
import { postgresTestDatabase, type TestDatabase } from './database.js';
import { startTestIssuer, type TestIssuer } from './issuer.js';

export interface Trader {
  user: User;
  headers: Record<string, string>;
  /**
   * Another token for the same trader. The server reuses a verified token's user row for up to 30 s,
   * so a test that changes the row directly asks again with a new token.
   */
  fresh: () => Promise<Record<string, string>>;
}

export interface ApiHarness {
  test: TestApp;
  database: TestDatabase;
  issuer: TestIssuer;
  /** A new trader, created by a first authenticated request. */
  trader(): Promise<Trader>;
  close(): Promise<void>;
}

let counter = 0;

export async function startApiHarness(
  options: Pick<TestAppOptions, 'tweak' | 'logger'> & { env?: Record<string, string> } = {},
): Promise<ApiHarness> {
  const [issuer, database] = await Promise.all([startTestIssuer(), postgresTestDatabase()]);
  const test = await buildTestApp({
    database: database.db,
    env: { ...issuer.env, ...options.env },
    ...(options.tweak ? { tweak: options.tweak } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const mint = async (sub: string) =>
    bearer(await issuer.sessionToken({ sub, expiresIn: 900, claims: { jti: crypto.randomUUID() } }));

  return {
    test,
    database,
    issuer,
    async trader() {
      const sub = `user_t${Date.now()}x${(counter += 1)}`;
      const headers = await mint(sub);
      const me = await test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
      if (me.statusCode !== 200) throw new Error(`sign-in failed: ${me.statusCode} ${me.body}`);
      const user = await test.app.repos.users.findByClerkId(sub);
      if (!user) throw new Error('trader not created');
      return { user, headers, fresh: () => mint(sub) };
    },
    async close() {
      // A test that failed mid-stream must not keep the server open.
      test.app.server.closeAllConnections();
      await test.close();
      await Promise.all([database.drop(), issuer.close()]);
    },
  };
}
