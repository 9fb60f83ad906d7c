// A coaching server whose database link the test can break: the app reaches PostgreSQL through a loopback TCP
// proxy (forward, stall, refuse), while the test reads the same schema directly. With the fake upstream, the
// Clerk-shaped issuer, and the app listening on a loopback port.
import type { AddressInfo } from 'node:net';
import type { Config } from '../../src/config/env.js';
import type { User } from '../../src/db/repositories/users.js';
import { createPostgresDatabase } from '../../src/db/postgres.js';
import { bearer, buildTestApp, type TestApp } from './app.js';
import { postChat, type ChatOptions } from './coach-client.js';
import { postgresTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './database.js';
import { startFakeAnthropic, type FakeAnthropic } from './fake-anthropic.js';
import { startTestIssuer, type TestIssuer } from './issuer.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export interface ProxiedChat {
  test: TestApp;
  /** The schema as the test reads it: never through the proxy. */
  database: TestDatabase;
  proxy: TcpProxy;
  fake: FakeAnthropic;
  issuer: TestIssuer;
  baseUrl: string;
  /** The app's connections carry this application_name (to terminate them from the test). */
  applicationName: string;
  trader(): Promise<{ user: User; headers: Record<string, string> }>;
  chat(headers: Record<string, string>, body: unknown, options?: ChatOptions): ReturnType<typeof postChat>;
  close(): Promise<void>;
}

let counter = 0;

export async function startProxiedChat(tweak?: (config: Config) => void): Promise<ProxiedChat> {
  const [database, fake, issuer] = await Promise.all([postgresTestDatabase(), startFakeAnthropic(), startTestIssuer()]);
  const target = new URL(TEST_DATABASE_URL);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432), scheme: 'postgres' });
  const applicationName = `strat_coach_chaos_${process.pid}_${(counter += 1)}`;
  const proxied = new URL(TEST_DATABASE_URL);
  proxied.host = `127.0.0.1:${proxy.port}`;
  proxied.searchParams.set('application_name', applicationName);
  const schema = (await database.db.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]!.schema;
  const appDb = createPostgresDatabase({ connectionString: proxied.toString(), schema, max: 10 });

  const test = await buildTestApp({
    database: appDb,
    env: { ...issuer.env, ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: fake.url },
    tweak: (config) => {
      config.anthropic.idleTimeoutMs = 3_000;
      config.ssePingIntervalMs = 100;
      config.settlement = { retryDelaysMs: [20, 50], recoverIntervalMs: 60_000 };
      tweak?.(config);
    },
  });
  await test.app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(test.app.server.address() as AddressInfo).port}`;

  return {
    test,
    database,
    proxy,
    fake,
    issuer,
    baseUrl,
    applicationName,
    async trader() {
      const sub = `user_chaos_${Date.now()}_${(counter += 1)}`;
      const headers = bearer(await issuer.sessionToken({ sub, expiresIn: 900 }));
      const me = await test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
      if (me.statusCode !== 200) throw new Error(`sign-in failed: ${me.statusCode} ${me.body}`);
      const user = await test.app.repos.users.findByClerkId(sub);
      if (!user) throw new Error('trader not created');
      return { user, headers };
    },
    chat: (headers, body, options) => postChat(baseUrl, headers, body, options),
    async close() {
      proxy.setMode('forward');
      test.app.server.closeAllConnections();
      await test.close();
      await appDb.close();
      await Promise.all([proxy.close(), fake.close(), issuer.close()]);
      await database.drop();
    },
  };
}

/** Everything the turns of one trader left behind, read directly. */
export async function ledgerOf(database: TestDatabase, userId: string) {
  const { rows } = await database.db.query<{
    quota_used: number;
    quota_reserved: number;
    reservations: number;
    usage_quota: number;
    request_ids: string[] | null;
  }>(
    `SELECT u.quota_used, u.quota_reserved,
            (SELECT count(*) FROM quota_reservations r WHERE r.user_id = u.id)::int8 AS reservations,
            (SELECT coalesce(sum(quota_tokens), 0) FROM token_usage t WHERE t.user_id = u.id)::int8 AS usage_quota,
            (SELECT array_agg(request_id ORDER BY request_id) FROM token_usage t WHERE t.user_id = u.id) AS request_ids
       FROM users u WHERE u.id = $1`,
    [userId],
  );
  const row = rows[0]!;
  return { ...row, request_ids: row.request_ids ?? [] };
}
