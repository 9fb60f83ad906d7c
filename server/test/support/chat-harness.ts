// One real server for coaching tests: PostgreSQL schema, Clerk-shaped issuer, the fake Anthropic
// upstream driven by the real SDK, and the app listening on a loopback port.
import type { AddressInfo } from 'node:net';
import type { Config } from '../../src/config/env.js';
import type { User } from '../../src/db/repositories/users.js';
import { buildTestApp, bearer, type TestApp } from './app.js';
import { postChat, type ChatOptions } from './coach-client.js';
import { postgresTestDatabase, type TestDatabase } from './database.js';
import { startFakeAnthropic, type FakeAnthropic } from './fake-anthropic.js';
import { startTestIssuer, type TestIssuer } from './issuer.js';

export interface ChatHarness {
  test: TestApp;
  database: TestDatabase;
  fake: FakeAnthropic;
  issuer: TestIssuer;
  baseUrl: string;
  /**
   * A new trader with a bearer token, created by a first authenticated request. `fresh()` mints another
   * token for the same trader: the server reuses a verified token's user row for up to 30 s, so a test
   * that changes the row directly asks again with a new token.
   */
  trader(): Promise<{ user: User; headers: Record<string, string>; fresh: () => Promise<Record<string, string>> }>;
  chat(headers: Record<string, string>, body: unknown, options?: ChatOptions): ReturnType<typeof postChat>;
  /** Polls until `check` returns a value (or the deadline passes). */
  eventually<T>(check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

let counter = 0;

export async function startChatHarness(tweak?: (config: Config) => void): Promise<ChatHarness> {
  const [issuer, database, fake] = await Promise.all([startTestIssuer(), postgresTestDatabase(), startFakeAnthropic()]);
  const test = await buildTestApp({
    database: database.db,
    env: { AUTH_ISSUER: issuer.issuer, ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: fake.url },
    tweak: (config) => {
      config.anthropic.idleTimeoutMs = 1_500;
      config.ssePingIntervalMs = 100;
      tweak?.(config);
    },
  });
  await test.app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(test.app.server.address() as AddressInfo).port}`;

  return {
    test,
    database,
    fake,
    issuer,
    baseUrl,
    async trader() {
      const sub = `user_chat${Date.now()}x${(counter += 1)}`;
      const headers = bearer(await issuer.sessionToken({ sub, expiresIn: 900 }));
      await test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
      const user = await test.app.repos.users.findByClerkId(sub);
      if (!user) throw new Error('trader not created');
      const fresh = async () =>
        bearer(await issuer.sessionToken({ sub, expiresIn: 900, claims: { jti: crypto.randomUUID() } }));
      return { user, headers, fresh };
    },
    chat: (headers, body, options) => postChat(baseUrl, headers, body, options),
    async eventually(check, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error('condition not met before the deadline');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      // A test that failed mid-stream must not keep the server open.
      test.app.server.closeAllConnections();
      await test.close();
      await Promise.all([database.drop(), fake.close(), issuer.close()]);
    },
  };
}

export interface UsageRowView {
  request_id: string;
  status: string;
  error_code: string | null;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: string;
  ttft_ms: number | null;
  latency_ms: number | null;
  conversation_id: string | null;
}

export async function usageRow(harness: ChatHarness, requestId: string): Promise<UsageRowView | undefined> {
  const { rows } = await harness.database.db.query<UsageRowView>('SELECT * FROM token_usage WHERE request_id = $1', [
    requestId,
  ]);
  return rows[0];
}
