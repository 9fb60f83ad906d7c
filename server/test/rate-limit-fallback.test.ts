// Redis trouble without touching the shared Redis: a TCP proxy between the app and Redis stalls (holds
// every byte) or refuses connections. Requests are still answered at once, limited in process memory from
// what Redis last said, /api/v1/status says degraded with mode memory-fallback, and the limiter returns to
// Redis by itself once it has written what memory admitted into it. An app told to wait longer (REDIS_TIME_BOX_MS)
// waits through a short stall and decides in Redis.
import Fastify from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { monitorRedis } from '../src/plugins/redis.js';
import {
  createRedisRateLimiter,
  rateLimitKey,
  readRateLimitLog,
  timeBoxed,
} from '../src/services/rate-limiter-redis.js';
import { windowRules } from '../src/services/rate-limiter.js';
import type { TestApp } from './support/app.js';
import {
  buildLimitedApp,
  connectedClient,
  deleteKeys,
  hit,
  newUser,
  TEST_REDIS_ADDRESS,
  uniqueKeyPrefix,
  useLimiterFixtures,
} from './support/rate-limit.js';
import { eventually } from './support/eventually.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const fixtures = useLimiterFixtures();

/** Far beyond any honest answer time: failing it means the request hung. */
const HANG_BOUND_MS = 2_000;

async function answered<T>(request: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${HANG_BOUND_MS} ms: the request hung`)),
      HANG_BOUND_MS,
    );
  });
  try {
    return await Promise.race([request, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Requests admitted in the user's shared (Redis) log. */
const logged = async (userId: string, keyPrefix: string) =>
  (await readRateLimitLog(fixtures.redis, rateLimitKey(keyPrefix, userId))).length;

const redisStatus = async (test: TestApp) => {
  const response = await test.app.inject({ method: 'GET', url: '/api/v1/status' });
  return response.json<{ status: string; dependencies: { redis: { mode: string; ok: boolean } } }>();
};

const backOnRedis = (test: TestApp) =>
  eventually(async () => {
    const status = await redisStatus(test);
    return status.dependencies.redis.mode === 'redis' && status.dependencies.redis.ok ? status : undefined;
  });

describe.each([{ trouble: 'stall' as const }, { trouble: 'refuse' as const }])(
  'when Redis connections $trouble mid-test',
  ({ trouble }) => {
    let proxy: TcpProxy;
    let test: TestApp;
    const keyPrefix = uniqueKeyPrefix();
    beforeAll(async () => {
      proxy = await startTcpProxy(TEST_REDIS_ADDRESS);
      test = await buildLimitedApp({
        database: fixtures.database.db,
        issuer: fixtures.issuer,
        keyPrefix,
        redisUrl: proxy.url,
      });
    });
    afterAll(async () => {
      await test.close();
      await proxy.close();
      await deleteKeys(fixtures.redis, keyPrefix);
    });

    it('answers at once, limits in memory from what Redis said, reports degraded, and returns to Redis', async () => {
      const { user, headers } = await newUser(test.app, fixtures.issuer);
      for (let request = 0; request < 3; request += 1) expect((await hit(test.app, headers)).statusCode).toBe(200);
      // On a busy machine a call can pass its 50 ms and be decided in memory: written back once Redis answers.
      await eventually(async () => ((await logged(user.id, keyPrefix)) === 3 ? true : undefined));

      proxy.setMode(trouble);
      const first = await answered(hit(test.app, headers));
      expect(first.statusCode).toBe(200);
      // Memory starts from the three Redis saw, not from a fresh window.
      expect(first.headers['x-ratelimit-remaining']).toBe('6');

      const status = await answered(redisStatus(test));
      expect(status).toMatchObject({
        status: 'degraded',
        dependencies: { redis: { mode: 'memory-fallback', ok: false } },
      });

      const rest = [];
      for (let request = 0; request < 10; request += 1) rest.push(await answered(hit(test.app, headers)));
      expect(rest.map((response) => response.statusCode)).toEqual([...Array<number>(6).fill(200), 429, 429, 429, 429]);
      expect(rest[6]?.json()).toMatchObject({ error: { code: 'rate_limited', window: 'minute' } });
      expect(await logged(user.id, keyPrefix)).toBe(3);

      proxy.setMode('forward');
      expect(await backOnRedis(test)).toMatchObject({ status: 'ok' });
      // Shared again, with the seven memory admitted written back. A stalled call may still arrive late and
      // count once more, which errs on the strict side.
      expect(await logged(user.id, keyPrefix)).toBeGreaterThanOrEqual(10);
      const after = [];
      for (let request = 0; request < 5; request += 1) after.push(await hit(test.app, headers));
      expect(after.map((response) => response.statusCode)).toEqual(Array<number>(5).fill(429));
    });
  },
);

describe('when Redis is unreachable from the start', () => {
  let proxy: TcpProxy;
  let test: TestApp;
  const keyPrefix = uniqueKeyPrefix();
  beforeAll(async () => {
    proxy = await startTcpProxy(TEST_REDIS_ADDRESS);
    proxy.setMode('refuse');
    test = await buildLimitedApp({
      database: fixtures.database.db,
      issuer: fixtures.issuer,
      keyPrefix,
      redisUrl: proxy.url,
    });
  });
  afterAll(async () => {
    await test.close();
    await proxy.close();
    await deleteKeys(fixtures.redis, keyPrefix);
  });

  it('starts limiting in memory and moves to Redis once it is reachable', async () => {
    expect(await redisStatus(test)).toMatchObject({ dependencies: { redis: { mode: 'memory-fallback' } } });
    const { user, headers } = await newUser(test.app, fixtures.issuer);
    const responses = [];
    for (let request = 0; request < 11; request += 1) responses.push(await answered(hit(test.app, headers)));
    expect(responses.map((response) => response.statusCode)).toEqual([...Array<number>(10).fill(200), 429]);

    proxy.setMode('forward');
    await backOnRedis(test);
    const other = await newUser(test.app, fixtures.issuer);
    expect((await hit(test.app, other.headers)).statusCode).toBe(200);
    expect(await logged(other.user.id, keyPrefix)).toBe(1);
    // What memory admitted went into Redis before Redis decided again: the window is still full.
    expect(await logged(user.id, keyPrefix)).toBe(10);
    expect((await hit(test.app, headers)).statusCode).toBe(429);
  });
});

describe('the Redis monitor', () => {
  let proxy: TcpProxy;
  let client: Redis;
  afterEach(async () => {
    client.disconnect();
    await proxy.close();
  });

  it('logs once per transition, however many calls fail meanwhile', async () => {
    proxy = await startTcpProxy(TEST_REDIS_ADDRESS);
    client = await connectedClient(proxy.url);
    const lines: { level: number; msg: string }[] = [];
    const logger = Fastify({
      logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } },
    }).log;
    const availability = monitorRedis(client, logger, 20);
    await availability.settled(HANG_BOUND_MS);
    expect(availability.up).toBe(true);

    for (const trouble of ['stall', 'refuse'] as const) {
      proxy.setMode(trouble);
      for (let call = 0; call < 5; call += 1) {
        await timeBoxed(client.ping()).catch((error: unknown) => availability.reportFailure(error));
      }
      expect(availability.up).toBe(false);
      proxy.setMode('forward');
      await eventually(async () => (availability.up ? true : undefined));
    }
    availability.close();
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, 'redis unavailable: rate limits fall back to process memory (per instance)'],
      [30, 'redis is back: rate limits are shared again'],
      [40, 'redis unavailable: rate limits fall back to process memory (per instance)'],
      [30, 'redis is back: rate limits are shared again'],
    ]);
  });

  it('time-boxes a call Redis does not answer, but not one whose reply waited on a busy event loop', async () => {
    // Straight to Redis: the reply arrives while this process is busy for longer than the time box.
    const direct = await connectedClient();
    const busy = timeBoxed(direct.ping());
    const until = performance.now() + 120;
    while (performance.now() < until) {
      // a CPU-bound stretch, as under load
    }
    await expect(busy).resolves.toBe('PONG');
    direct.disconnect();

    proxy = await startTcpProxy(TEST_REDIS_ADDRESS);
    client = await connectedClient(proxy.url);
    proxy.setMode('stall');
    await expect(answered(timeBoxed(client.ping()))).rejects.toThrow('redis did not answer within 50 ms');
  });

  it('lets a limiter wait longer for Redis when told to (timeBoxMs), and decide in Redis', async () => {
    proxy = await startTcpProxy(TEST_REDIS_ADDRESS);
    client = await connectedClient(proxy.url);
    const keyPrefix = uniqueKeyPrefix();
    const rules = windowRules('free');
    proxy.setMode('stall');
    const hurried = createRedisRateLimiter(client, { keyPrefix });
    await expect(answered(hurried.consume('u-hurried', rules))).rejects.toThrow('redis did not answer within 50 ms');

    const patient = createRedisRateLimiter(client, { keyPrefix, timeBoxMs: 1_500 });
    const decision = patient.consume('u-patient', rules);
    await new Promise((resolve) => setTimeout(resolve, 150));
    proxy.setMode('forward');
    await expect(answered(decision)).resolves.toMatchObject({ allowed: true });
    expect(await logged('u-patient', keyPrefix)).toBe(1);
    await deleteKeys(fixtures.redis, keyPrefix);
  });
});

describe('an app told how long to wait for Redis', () => {
  it('waits as long as REDIS_TIME_BOX_MS says: a question asked through a 150 ms stall is decided in Redis', async () => {
    const proxy = await startTcpProxy(TEST_REDIS_ADDRESS);
    const keyPrefix = uniqueKeyPrefix();
    const patient = await buildLimitedApp({
      database: fixtures.database.db,
      issuer: fixtures.issuer,
      keyPrefix,
      redisUrl: proxy.url,
      env: { REDIS_TIME_BOX_MS: '500' },
    });
    try {
      const { user, headers } = await newUser(patient.app, fixtures.issuer);
      proxy.setMode('stall');
      let answeredBeforeRedis = false;
      let redisBack = false;
      const asked = hit(patient.app, headers).then((response) => {
        answeredBeforeRedis = !redisBack;
        return response;
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      redisBack = true;
      proxy.setMode('forward');
      expect((await answered(asked)).statusCode).toBe(200);
      // With the default 50 ms it would have been answered from memory during the stall, and Redis marked away.
      expect(answeredBeforeRedis).toBe(false);
      expect(await logged(user.id, keyPrefix)).toBe(1);
      expect((await redisStatus(patient)).dependencies.redis).toMatchObject({ mode: 'redis', ok: true });
    } finally {
      await patient.close();
      await proxy.close();
      await deleteKeys(fixtures.redis, keyPrefix);
    }
  });
});
