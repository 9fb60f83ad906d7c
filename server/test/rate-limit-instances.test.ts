// Two server instances (two buildApp calls, each on its own port) sharing one Redis admit the global
// limit, not the limit once per instance.
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from './support/app.js';
import { postgresTestDatabase, type TestDatabase } from './support/database.js';
import { startTestIssuer, type TestIssuer } from './support/issuer.js';
import {
  buildLimitedApp,
  deleteKeys,
  inspector,
  LIMITED_ROUTE,
  newUser,
  TEST_REDIS_URL,
  uniqueKeyPrefix,
} from './support/rate-limit.js';

let issuer: TestIssuer;
let database: TestDatabase;
let redis: Redis;
const instances: TestApp[] = [];
const urls: string[] = [];
const keyPrefix = uniqueKeyPrefix();

beforeAll(async () => {
  issuer = await startTestIssuer();
  database = await postgresTestDatabase();
  redis = inspector();
  for (let instance = 0; instance < 2; instance += 1) {
    // Each instance its own pool onto the same schema, as two servers would have.
    const test = await buildLimitedApp({
      database: instance === 0 ? database.db : database.another(),
      issuer,
      keyPrefix,
      redisUrl: TEST_REDIS_URL,
    });
    await test.app.listen({ host: '127.0.0.1', port: 0 });
    instances.push(test);
    urls.push(`http://127.0.0.1:${(test.app.server.address() as AddressInfo).port}${LIMITED_ROUTE}`);
  }
});
afterAll(async () => {
  await Promise.all(instances.map((test) => test.close()));
  await deleteKeys(redis, keyPrefix);
  redis.disconnect();
  await database.drop();
  await issuer.close();
});

const post = (url: string, headers: { authorization: string }) => fetch(url, { method: 'POST', headers });

describe('two instances on one Redis', () => {
  it('admit 10 of 40 concurrent requests from a free user spread over both', async () => {
    const { headers } = await newUser(instances[0]!.app, issuer);
    const responses = await Promise.all(Array.from({ length: 40 }, (_, index) => post(urls[index % 2]!, headers)));
    expect(responses.filter((response) => response.status === 200)).toHaveLength(10);
    expect(responses.filter((response) => response.status === 429)).toHaveLength(30);
  });

  it('count each other’s requests: five on each, then both refuse the 11th', async () => {
    const { headers } = await newUser(instances[0]!.app, issuer);
    for (let request = 0; request < 10; request += 1) {
      const response = await post(urls[request % 2]!, headers);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-remaining')).toBe(String(9 - request));
    }
    for (const url of urls) {
      const response = await post(url, headers);
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    }
  });
});
