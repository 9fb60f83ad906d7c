// Rate limit tests: an app with a test-only limited route, its own Redis key prefix and a clock the test
// can move, users minted through the test issuer.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { User } from '../../src/db/repositories/users.js';
import { createRedisClient } from '../../src/plugins/redis.js';
import type { RateLimitSettings } from '../../src/config/env.js';
import { buildTestApp, bearer, type TestApp } from './app.js';
import { postgresTestDatabase, type TestDatabase } from './database.js';
import { startTestIssuer, type TestIssuer } from './issuer.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const testRedis = new URL(TEST_REDIS_URL);
/** Where TEST_REDIS_URL points, for a TCP proxy in front of it. */
export const TEST_REDIS_ADDRESS = { host: testRedis.hostname, port: Number(testRedis.port || 6379) };

export const LIMITED_ROUTE = '/limited';

export const uniqueKeyPrefix = () => `test:rate-limit:${randomBytes(6).toString('hex')}:`;

/** A clock offset the test moves; the limiters add it to their own clocks. */
export interface TestClock {
  offsetMs: number;
  readonly offset: () => number;
}

export const testClock = (): TestClock => {
  const clock = {
    offsetMs: 0,
    offset: () => clock.offsetMs,
  };
  return clock;
};

export interface LimitedAppOptions {
  database: Database;
  issuer: TestIssuer;
  /** Omit for the embedded default (the in-process limiter). */
  redisUrl?: string;
  keyPrefix?: string;
  clock?: TestClock;
  events?: RateLimitSettings['events'];
  /** More environment variables, read as the server reads them (REDIS_TIME_BOX_MS, say). */
  env?: Record<string, string>;
}

/**
 * The real app with `POST /limited` behind authenticate + rateLimitCheck, then rateLimit after validation:
 * the way chat/stream uses them.
 */
export function buildLimitedApp(options: LimitedAppOptions): Promise<TestApp> {
  return buildTestApp({
    database: options.database,
    env: { ...options.issuer.env, ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}), ...options.env },
    tweak: (config) => {
      config.rateLimit = {
        keyPrefix: options.keyPrefix ?? uniqueKeyPrefix(),
        ...(options.clock ? { clockOffsetMs: options.clock.offset } : {}),
        ...(options.events ? { events: options.events } : {}),
      };
    },
    beforeReady: (app) => {
      app.post(
        LIMITED_ROUTE,
        { onRequest: [app.authenticate, app.rateLimitCheck], preHandler: [app.rateLimit] },
        async () => ({ ok: true }),
      );
    },
  });
}

let sequence = 0;

/** A fresh user (free tier) and the headers that sign in as them. */
export async function newUser(
  app: FastifyInstance,
  issuer: TestIssuer,
): Promise<{ user: User; headers: { authorization: string } }> {
  const subject = `user_rl${Date.now()}x${(sequence += 1)}${randomBytes(3).toString('hex')}`;
  const user = await app.repos.users.findOrCreate(subject, null);
  return { user, headers: bearer(await issuer.sessionToken({ sub: subject, expiresIn: 600 })) };
}

export const hit = (app: FastifyInstance, headers: { authorization: string }) =>
  app.inject({ method: 'POST', url: LIMITED_ROUTE, headers });

/** A plain client for looking at (and cleaning up) what the limiter wrote. */
export const inspector = () => new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });

export interface LimiterFixtures {
  issuer: TestIssuer;
  database: TestDatabase;
  /** The inspector, not the app's own client. */
  redis: Redis;
}

/**
 * One issuer, database and inspector for a whole test file, ready before the hooks and tests registered after
 * it and closed after them. Call it at module top level: it registers the file's beforeAll and afterAll.
 */
export function useLimiterFixtures(): LimiterFixtures {
  const fixtures = {} as LimiterFixtures;
  beforeAll(async () => {
    fixtures.issuer = await startTestIssuer();
    fixtures.database = await postgresTestDatabase();
    fixtures.redis = inspector();
  });
  afterAll(async () => {
    fixtures.redis.disconnect();
    await fixtures.database.drop();
    await fixtures.issuer.close();
  });
  return fixtures;
}

/** A client configured as the server's (50 ms commands, no offline queue), once it is connected. */
export async function connectedClient(url = TEST_REDIS_URL): Promise<Redis> {
  const redis = createRedisClient(url);
  if (redis.status !== 'ready') await once(redis, 'ready');
  return redis;
}

export async function deleteKeys(redis: Redis, keyPrefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** The clock the limiter reads, as the test sets it: Redis TIME, or the process's monotonic clock. */
export async function limiterNow(backend: 'redis' | 'memory', clock: TestClock, redis: Redis): Promise<number> {
  if (backend === 'memory') return performance.now() + clock.offsetMs;
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Number(micros) / 1000 + clock.offsetMs;
}

/** Moves the clock so the limiter's "now" is `target` (ms on the limiter's clock). */
export async function setLimiterNow(
  backend: 'redis' | 'memory',
  clock: TestClock,
  redis: Redis,
  target: number,
): Promise<void> {
  clock.offsetMs += target - (await limiterNow(backend, clock, redis));
}
