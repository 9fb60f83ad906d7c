// Tiered rate limits through HTTP, on Redis (REDIS_URL) and on the embedded in-process limiter: the same
// rules, headers and 429 body on both, exact rolling windows across minute boundaries, and rejections
// recorded in rate_limit_events.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitKey, readRateLimitLog } from '../src/services/rate-limiter-redis.js';
import type { TestApp } from './support/app.js';
import {
  buildLimitedApp,
  deleteKeys,
  hit,
  limiterNow,
  newUser,
  setLimiterNow,
  testClock,
  TEST_REDIS_URL,
  uniqueKeyPrefix,
  useLimiterFixtures,
  type TestClock,
} from './support/rate-limit.js';
import { eventually } from './support/eventually.js';

const fixtures = useLimiterFixtures();

const statuses = (responses: LightMyRequestResponse[]) => responses.map((response) => response.statusCode);
const admitted = (responses: LightMyRequestResponse[]) => statuses(responses).filter((code) => code === 200).length;

describe.each([{ backend: 'redis' as const }, { backend: 'memory' as const }])(
  'rate limits on $backend',
  ({ backend }) => {
    let test: TestApp;
    let clock: TestClock;
    const keyPrefix = uniqueKeyPrefix();

    beforeAll(async () => {
      clock = testClock();
      test = await buildLimitedApp({
        database: fixtures.database.db,
        issuer: fixtures.issuer,
        keyPrefix,
        clock,
        ...(backend === 'redis' ? { redisUrl: TEST_REDIS_URL } : {}),
      });
    });
    afterAll(async () => {
      await test.close();
      await deleteKeys(fixtures.redis, keyPrefix);
    });

    const now = () => limiterNow(backend, clock, fixtures.redis);
    const moveTo = (target: number) => setLimiterNow(backend, clock, fixtures.redis, target);

    it('uses the limiter the configuration asks for', async () => {
      const status = await test.app.inject({ method: 'GET', url: '/api/v1/status' });
      expect(status.json()).toMatchObject({
        dependencies: { redis: { mode: backend === 'redis' ? 'redis' : 'memory', ok: true } },
      });
    });

    it('answers the 11th request in a minute from a free user with 429, Retry-After and the window', async () => {
      const { user, headers } = await newUser(test.app, fixtures.issuer);
      for (let request = 1; request <= 10; request += 1) {
        const response = await hit(test.app, headers);
        expect(response.statusCode).toBe(200);
        expect(response.headers['x-ratelimit-limit']).toBe('10');
        expect(response.headers['x-ratelimit-remaining']).toBe(String(10 - request));
        // The first request's slot frees a full minute later; later ones wait for that first one.
        const reset = Number(response.headers['x-ratelimit-reset']);
        expect(reset).toBeGreaterThanOrEqual(59);
        expect(reset).toBeLessThanOrEqual(60);
      }
      const rejected = await hit(test.app, headers);
      expect(rejected.statusCode).toBe(429);
      const body = rejected.json<{ error: { code: string; message: string; window: string; retryAfterMs: number } }>();
      expect(body).toEqual({
        error: {
          code: 'rate_limited',
          message: expect.stringContaining('allows 10 a minute') as unknown,
          window: 'minute',
          retryAfterMs: expect.any(Number) as unknown,
        },
      });
      expect(body.error.retryAfterMs).toBeGreaterThan(55_000);
      expect(body.error.retryAfterMs).toBeLessThanOrEqual(60_000);
      const retryAfter = String(Math.ceil(body.error.retryAfterMs / 1000));
      expect(rejected.headers['retry-after']).toBe(retryAfter);
      expect(rejected.headers['x-ratelimit-limit']).toBe('10');
      expect(rejected.headers['x-ratelimit-remaining']).toBe('0');
      expect(rejected.headers['x-ratelimit-reset']).toBe(retryAfter);

      // The rejection reaches rate_limit_events off the request path, within the flush interval.
      const rows = await eventually(async () => {
        const result = await fixtures.database.db.query(
          'SELECT tier, route, "window", "limit", request_id FROM rate_limit_events WHERE user_id = $1',
          [user.id],
        );
        return result.rows.length > 0 ? result.rows : undefined;
      });
      expect(rows).toEqual([
        { tier: 'free', route: '/limited', window: 'minute', limit: 10, request_id: rejected.headers['x-request-id'] },
      ]);
    });

    it('admits exactly 10 of 50 concurrent requests from one free user', async () => {
      const { headers } = await newUser(test.app, fixtures.issuer);
      const responses = await Promise.all(Array.from({ length: 50 }, () => hit(test.app, headers)));
      expect(admitted(responses)).toBe(10);
      expect(statuses(responses).filter((code) => code === 429)).toHaveLength(40);
      // Each admitted request saw its own slot: remaining counts down 9..0 with no repeats.
      const remaining = responses
        .filter((response) => response.statusCode === 200)
        .map((response) => Number(response.headers['x-ratelimit-remaining']))
        .sort((a, b) => a - b);
      expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('never admits more than 10 in any 60 s span across a minute boundary', async () => {
      const { user, headers } = await newUser(test.app, fixtures.issuer);
      const boundary = Math.ceil((await now()) / 60_000) * 60_000 + 60_000;
      const burst = async (count: number) => {
        const responses: LightMyRequestResponse[] = [];
        for (let request = 0; request < count; request += 1) responses.push(await hit(test.app, headers));
        return admitted(responses);
      };

      await moveTo(boundary - 500);
      const firstStart = await now();
      expect(await burst(10)).toBe(10);
      const firstEnd = await now();
      // A fixed-window limiter would admit 10 more here, 20 within one second.
      await moveTo(boundary + 500);
      expect(await burst(10)).toBe(0);
      await moveTo(firstStart + 59_900);
      expect(await burst(3)).toBe(0);
      // Once the whole first burst is a minute old, exactly 10 fit again.
      await moveTo(firstEnd + 60_050);
      expect(await burst(12)).toBe(10);

      if (backend === 'redis') {
        // The log itself: the Redis time (µs) of every admitted request.
        const admittedAt = await readRateLimitLog(fixtures.redis, rateLimitKey(keyPrefix, user.id));
        expect(admittedAt).toHaveLength(20);
        for (const start of admittedAt) {
          expect(admittedAt.filter((at) => at >= start && at < start + 60_000_000).length).toBeLessThanOrEqual(10);
        }
      }
    });

    it('enforces the hourly limit while the minute window is fresh, and a rejection consumes nothing', async () => {
      const { headers } = await newUser(test.app, fixtures.issuer);
      const start = await now();
      for (let minute = 0; minute < 5; minute += 1) {
        await moveTo(start + minute * 61_000);
        const responses = [];
        for (let request = 0; request < 10; request += 1) responses.push(await hit(test.app, headers));
        expect(admitted(responses)).toBe(10);
      }
      await moveTo(start + 5 * 61_000);
      const rejected = await hit(test.app, headers);
      expect(rejected.statusCode).toBe(429);
      expect(rejected.json()).toMatchObject({ error: { code: 'rate_limited', window: 'hour' } });
      expect(rejected.headers['x-ratelimit-limit']).toBe('50');
      expect(rejected.headers['x-ratelimit-remaining']).toBe('0');
      // The first request of the hour leaves 3600 s after it came, 305 s ago.
      const retryAfter = Number(rejected.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(3_600 - 306);
      expect(retryAfter).toBeLessThanOrEqual(3_600 - 304);
      for (let request = 0; request < 5; request += 1) expect((await hit(test.app, headers)).statusCode).toBe(429);

      // An hour after the first ten: they leave, and the rejected requests above took no minute slots.
      await moveTo(start + 3_600_000 + 1_000);
      const responses = [];
      for (let request = 0; request < 12; request += 1) responses.push(await hit(test.app, headers));
      expect(admitted(responses)).toBe(10);
    });

    it('reads the tier from the user row: pro allows 30 a minute', async () => {
      const { user, headers } = await newUser(test.app, fixtures.issuer);
      await test.app.repos.users.setPlan(user.id, { tier: 'pro' });
      const responses = await Promise.all(Array.from({ length: 35 }, () => hit(test.app, headers)));
      expect(admitted(responses)).toBe(30);
      const rejected = responses.find((response) => response.statusCode === 429);
      expect(rejected?.headers['x-ratelimit-limit']).toBe('30');
      expect(rejected?.json()).toMatchObject({ error: { message: expect.stringContaining('pro plan') as unknown } });
    });

    it('gives enterprise 60 a minute and no hourly limit', async () => {
      const { user, headers } = await newUser(test.app, fixtures.issuer);
      await test.app.repos.users.setPlan(user.id, { tier: 'enterprise' });
      const start = await now();
      // Six minutes at the full minute rate: 360 admitted, more than any hourly limit.
      for (let minute = 0; minute < 6; minute += 1) {
        await moveTo(start + minute * 61_000);
        const responses = await Promise.all(Array.from({ length: 60 }, () => hit(test.app, headers)));
        expect(admitted(responses)).toBe(60);
        expect(responses[0]?.headers['x-ratelimit-limit']).toBe('60');
      }
      const rejected = await hit(test.app, headers);
      expect(rejected.statusCode).toBe(429);
      expect(rejected.json()).toMatchObject({ error: { window: 'minute' } });
    });
  },
);
