// A Redis blip on a Redis of the test's own: paused with CLIENT PAUSE, or crashed and restarted empty. A
// free trader still gets 10 requests a minute across it: the memory fallback starts from what Redis last
// said, and what it admits (with what an empty Redis lost) is written back before Redis decides again.
import type { LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitKey, readRateLimitLog } from '../src/services/rate-limiter-redis.js';
import type { TestApp } from './support/app.js';
import { postgresTestDatabase, type TestDatabase } from './support/database.js';
import { startTestIssuer, type TestIssuer } from './support/issuer.js';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis.js';
import { eventually } from './support/eventually.js';
import { buildLimitedApp, hit, newUser, testClock, uniqueKeyPrefix } from './support/rate-limit.js';

/** Long enough that the requests meant for the pause are all sent within it, many times over. */
const PAUSE_MS = 3_000;

let issuer: TestIssuer;
let database: TestDatabase;
let redisServer: PrivateRedis;
let inspector: Redis;
let test: TestApp;
const clock = testClock();
const keyPrefix = uniqueKeyPrefix();

beforeAll(async () => {
  issuer = await startTestIssuer();
  database = await postgresTestDatabase();
  redisServer = await startPrivateRedis();
  test = await buildLimitedApp({ database: database.db, issuer, keyPrefix, clock, redisUrl: redisServer.url });
});
afterAll(async () => {
  await test.close();
  await redisServer.close();
  await database.drop();
  await issuer.close();
});

const statuses = (responses: LightMyRequestResponse[]) => responses.map((response) => response.statusCode);

async function burst(headers: { authorization: string }, count: number): Promise<LightMyRequestResponse[]> {
  const responses: LightMyRequestResponse[] = [];
  for (let request = 0; request < count; request += 1) responses.push(await hit(test.app, headers));
  return responses;
}

const redisMode = async () => {
  const response = await test.app.inject({ method: 'GET', url: '/api/v1/status' });
  return response.json<{ dependencies: { redis: { mode: string } } }>().dependencies.redis.mode;
};

const backOnRedis = () => eventually(async () => ((await redisMode()) === 'redis' ? true : undefined));

/** Admissions in the user's Redis log. */
const logged = async (userId: string) => {
  inspector ??= redisServer.client();
  return (await readRateLimitLog(inspector, rateLimitKey(keyPrefix, userId))).length;
};

describe('a Redis blip', () => {
  it('paused: 10 a minute across it, and a user Redis never saw starts from zero', async () => {
    const { headers } = await newUser(test.app, issuer);
    expect(statuses(await burst(headers, 3))).toEqual([200, 200, 200]);

    await redisServer.pause(PAUSE_MS);
    const during = await burst(headers, 10);
    // The first call waits out its 50 ms and falls back; memory counts the three Redis admitted.
    expect(during[0]?.headers['x-ratelimit-remaining']).toBe('6');
    expect(statuses(during)).toEqual([...Array<number>(7).fill(200), 429, 429, 429]);
    expect(during[7]?.json()).toMatchObject({ error: { code: 'rate_limited', window: 'minute' } });
    expect(Number(during[7]?.headers['retry-after'])).toBeGreaterThan(50);

    const stranger = await newUser(test.app, issuer);
    expect(statuses(await burst(stranger.headers, 11))).toEqual([...Array<number>(10).fill(200), 429]);

    await backOnRedis();
    // The paused call ran late in Redis and counted too (strict); memory's seven were written back.
    expect(statuses(await burst(headers, 5))).toEqual(Array<number>(5).fill(429));
    expect(statuses(await burst(stranger.headers, 2))).toEqual([429, 429]);
  });

  it('restarted empty: what Redis had and what memory admitted come back, with their times', async () => {
    const { user, headers } = await newUser(test.app, issuer);
    expect(statuses(await burst(headers, 4))).toEqual([200, 200, 200, 200]);

    await redisServer.crash();
    expect(statuses(await burst(headers, 3))).toEqual([200, 200, 200]);
    await redisServer.restart();
    await backOnRedis();
    expect(await logged(user.id)).toBe(7);
    expect(statuses(await burst(headers, 5))).toEqual([200, 200, 200, 429, 429]);

    // The written-back admissions kept their times: a minute on, the minute window is free again.
    clock.offsetMs += 61_000;
    expect(statuses(await burst(headers, 11))).toEqual([...Array<number>(10).fill(200), 429]);
  });
});
