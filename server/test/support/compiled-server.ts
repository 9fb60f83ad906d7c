// The server as production runs it: `npm run build:server`, then `node server/dist/server.js` processes on
// loopback ports, in the production mode (a PostgreSQL schema of the test's own, Redis, the Clerk-shaped issuer)
// with the fake upstream. Any number of instances share the one database and Redis, as behind a load balancer.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { DEFAULT_KEY_PREFIX, rateLimitKey } from '../../src/services/rate-limiter-redis.js';
import { postgresTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './database.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeAnthropicOptions } from './fake-anthropic.js';
import { startTestIssuer, type TestIssuer } from './issuer.js';
import { freePort, REPO_ROOT, startProcess, waitForHealth, type RunningProcess } from './process.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Written after a build: a source newer than it means server/dist is stale. */
const BUILT_STAMP = 'server/dist/.built';

/**
 * Compiles the server into server/dist, as `npm run build:server` does for a deploy — unless no source changed
 * since the last build. Test files run in parallel: one builds (under a lock) while the others wait, then find the
 * build fresh, so a running instance never has its files rewritten under it.
 */
export async function buildServer(): Promise<void> {
  const script = `[ -f ${BUILT_STAMP} ] && [ -z "$(find server/src server/tsconfig.build.json tsconfig.base.json -newer ${BUILT_STAMP} -print -quit)" ] || { npm run --silent build:server && touch ${BUILT_STAMP}; }`;
  await promisify(execFile)('flock', [join(tmpdir(), 'strat-coach-server-build.lock'), 'sh', '-c', script], {
    cwd: REPO_ROOT,
  });
}

export interface CompiledServer {
  url: string;
  process: RunningProcess;
}

export interface CompiledStack {
  database: TestDatabase;
  issuer: TestIssuer;
  fake: FakeAnthropic;
  /** Starts `node server/dist/server.js` as instance `instanceId`; resolves once it answers its health check. */
  start(instanceId: string, env?: Record<string, string>): Promise<CompiledServer>;
  /** A trader signed up through `server`: its user id and bearer headers. */
  trader(server: CompiledServer): Promise<{ id: string; headers: Record<string, string> }>;
  /** Stops every instance still running, and removes the schema, the traders' rate-limit logs and DATA_DIRs. */
  close(): Promise<void>;
}

let traders = 0;

export async function startCompiledStack(fakeOptions: FakeAnthropicOptions = {}): Promise<CompiledStack> {
  const [database, issuer, fake] = await Promise.all([
    postgresTestDatabase(),
    startTestIssuer(),
    startFakeAnthropic(fakeOptions),
  ]);
  const { schema } = (await database.db.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]!;
  const databaseUrl = new URL(TEST_DATABASE_URL);
  databaseUrl.searchParams.set('options', `-c search_path=${schema}`);
  const running: RunningProcess[] = [];
  const dataDirs: string[] = [];
  const userIds: string[] = [];

  return {
    database,
    issuer,
    fake,
    async start(instanceId, env = {}) {
      const dataDir = await mkdtemp(join(tmpdir(), 'strat-coach-compiled-'));
      dataDirs.push(dataDir);
      const port = await freePort();
      const server = startProcess('node', ['server/dist/server.js'], {
        PORT: String(port),
        DATA_DIR: dataDir,
        INSTANCE_ID: instanceId,
        DATABASE_URL: databaseUrl.toString(),
        REDIS_URL: TEST_REDIS_URL,
        ...issuer.env,
        ANTHROPIC_API_KEY: 'sk-ant-compiled-test',
        ANTHROPIC_BASE_URL: fake.url,
        LOG_LEVEL: 'info',
        ...env,
      });
      running.push(server);
      const url = `http://127.0.0.1:${port}`;
      await waitForHealth(url).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${server.output()}`);
      });
      return { url, process: server };
    },
    async trader(server) {
      const sub = `user_compiled${Date.now()}x${(traders += 1)}`;
      const headers = { authorization: `Bearer ${await issuer.sessionToken({ sub, expiresIn: 900 })}` };
      const response = await fetch(`${server.url}/api/v1/usage/current`, { headers });
      if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
      const { rows } = await database.db.query<{ id: string }>('SELECT id FROM users WHERE clerk_user_id = $1', [sub]);
      const id = rows[0]!.id;
      userIds.push(id);
      return { id, headers };
    },
    async close() {
      await Promise.all(running.map((server) => server.stop('SIGKILL')));
      const redis = new Redis(TEST_REDIS_URL);
      if (userIds.length > 0) await redis.del(...userIds.map((id) => rateLimitKey(DEFAULT_KEY_PREFIX, id)));
      redis.disconnect();
      await Promise.all([
        database.drop(),
        issuer.close(),
        fake.close(),
        ...dataDirs.map((dir) => rm(dir, { recursive: true, force: true })),
      ]);
    },
  };
}
