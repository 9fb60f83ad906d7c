// The compiled server (`npm run build:server`, then plain `node server/dist/server.js`, no tsx or loader) serves
// the API as the dev server does, in the production mode: PostgreSQL, Redis, the Clerk-shaped issuer, the fake
// upstream. What a client sees: health and status, errors with stable codes, a question streamed and accounted
// for, usage and history.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_VERSION } from '../src/config/version.js';
import { postChat } from './support/coach-client.js';
import { buildServer, startCompiledStack, type CompiledServer, type CompiledStack } from './support/compiled-server.js';
import { postgresTestDatabase, TEST_DATABASE_URL } from './support/database.js';
import { startProcess } from './support/process.js';

let stack: CompiledStack;
let server: CompiledServer;

beforeAll(async () => {
  await buildServer();
  stack = await startCompiledStack();
  server = await stack.start('compiled-1');
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}/api/v1${path}`, { headers });

describe('the compiled server', () => {
  it('runs as plain node on the build output', async () => {
    const cmdline = (await readFile(`/proc/${server.process.child.pid}/cmdline`, 'utf8')).split('\0');
    expect(cmdline.slice(0, 2)).toEqual(['node', 'server/dist/server.js']);
    expect(cmdline.join(' ')).not.toMatch(/tsx|--import|--loader/);
    expect(server.process.output()).toMatch(/mode: production — instance compiled-1, database postgres/);
  });

  it('serves health, and status naming the instance, version, model and each dependency', async () => {
    const health = await get('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', version: SERVER_VERSION });
    expect(await (await get('/status')).json()).toEqual({
      status: 'ok',
      version: SERVER_VERSION,
      instance: 'compiled-1',
      mode: 'production',
      dependencies: {
        database: { mode: 'postgres', ok: true, latencyMs: expect.any(Number) },
        redis: { mode: 'redis', ok: true, latencyMs: expect.any(Number) },
        upstream: { mode: 'anthropic', ok: true, latencyMs: null, model: 'claude-sonnet-5-5', priceSource: 'table' },
        auth: { mode: 'clerk', ok: true, latencyMs: expect.any(Number) },
        billing: { mode: 'unconfigured', ok: true, latencyMs: null, overage: 'off', message: expect.any(String) },
      },
    });
  });

  it('answers errors in the contract shape with stable codes and no stack', async () => {
    const missing = await get('/usage/current');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: { code: 'token_missing', message: expect.any(String) } });
    const unknown = await get('/nowhere');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const trader = await stack.trader(server);
    const empty = await postChat(server.url, trader.headers, { message: '' });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ error: { code: 'invalid_request' } });
    expect(JSON.stringify(empty.body)).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('streams a question to stream_complete, then shows it in usage and history', async () => {
    const trader = await stack.trader(server);
    const answer = await postChat(server.url, trader.headers, { message: 'Is this a 2-1-2 up?' });
    expect(answer.status).toBe(200);
    const names = answer.events.map((event) => event.event);
    expect(names[0]).toBe('stream_start');
    expect(names.at(-1)).toBe('stream_complete');
    expect(names).toContain('content_delta');
    expect(answer.text().length).toBeGreaterThan(0);
    const complete = answer.events.at(-1)!.data as { usage: { outputTokens: number }; quota: { used: number } };

    const usage = (await (await get('/usage/current', trader.headers)).json()) as {
      tier: string;
      requests: number;
      quota: { used: number; limit: number };
    };
    expect(usage).toMatchObject({ tier: 'free', requests: 1, quota: { limit: 100_000, used: complete.quota.used } });
    const conversations = (await (await get('/conversations', trader.headers)).json()) as { items: { id: string }[] };
    expect(conversations.items).toHaveLength(1);
    const messages = (await (
      await get(`/conversations/${conversations.items[0]!.id}/messages`, trader.headers)
    ).json()) as {
      items: { role: string; content: string }[];
    };
    expect(messages.items.map((message) => [message.role, message.content])).toEqual([
      ['user', 'Is this a 2-1-2 up?'],
      ['assistant', answer.text()],
    ]);
  });

  it('stops cleanly on SIGTERM', async () => {
    const other = await stack.start('compiled-2');
    expect(await other.process.stop('SIGTERM')).toBe(0);
    expect(other.process.output()).toMatch(/stopped: in-flight requests finished/);
  });

  it('migrates with DATABASE_URL alone, as the compose stack runs it: no sign-in or model settings needed', async () => {
    const fresh = await postgresTestDatabase({ migrated: false });
    try {
      const { schema } = (await fresh.db.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]!;
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      // The image's HOST, which the server itself refuses without AUTH_ISSUER; and nothing else.
      const migrate = (env: Record<string, string>) =>
        startProcess('node', ['server/dist/db/migrate-cli.js'], { HOST: '0.0.0.0', ...env });
      const first = migrate({ DATABASE_URL: url.toString() });
      expect(await first.exit()).toBe(0);
      expect(first.output()).toMatch(/applied \d+ migration\(s\)/);
      const { rows } = await fresh.db.query<{ count: number }>('SELECT count(*)::int8 AS count FROM schema_migrations');
      expect(rows[0]!.count).toBeGreaterThan(10);
      const again = migrate({ DATABASE_URL: url.toString() });
      expect(await again.exit()).toBe(0);
      expect(again.output()).toMatch(/database is up to date/);

      const malformed = migrate({ DATABASE_URL: 'mysql://somewhere/strat' });
      expect(await malformed.exit()).toBe(1);
      expect(malformed.output()).toMatch(/^strat-coach: DATABASE_URL is invalid/);
      expect(malformed.output()).not.toMatch(/\n\s+at /);
    } finally {
      await fresh.drop();
    }
  });
});
