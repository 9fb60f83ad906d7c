// A plan change reaches every instance at once: two app instances on one PostgreSQL schema (a pool each) and one
// Redis, as behind a load balancer. The webhook lands on one; the other, which holds the trader's identity in its
// cache, answers with the new plan on the trader's next request, well within the cache's 30 s. With Redis
// unreachable the instance that applied the change still drops its own cache and Stripe still gets its 200.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, buildTestApp, type TestApp } from './support/app.js';
import { deliverEvent, stripeApi } from './support/billing-harness.js';
import { postgresTestDatabase, type TestDatabase } from './support/database.js';
import { eventually } from './support/eventually.js';
import { PRICE_PRO, startFakeStripe, type FakeStripe } from './support/fake-stripe.js';
import { startTestIssuer, type TestIssuer } from './support/issuer.js';
import { startPrivateRedis } from './support/private-redis.js';
import { freePort } from './support/process.js';
import { deleteKeys, TEST_REDIS_URL, uniqueKeyPrefix } from './support/rate-limit.js';
import { newCustomerId, stripeEvent, subscription } from './support/stripe-events.js';
import { Redis } from 'ioredis';

let stripe: FakeStripe;
let database: TestDatabase;
let issuer: TestIssuer;
const keyPrefix = uniqueKeyPrefix();
const servers: TestApp[] = [];

const startServer = async (redisUrl: string, db = database.another()): Promise<TestApp> => {
  const server = await buildTestApp({
    database: db,
    env: { ...issuer.env, ...stripe.env, REDIS_URL: redisUrl },
    tweak: (config) => {
      stripeApi(stripe)(config);
      config.rateLimit = { keyPrefix };
    },
  });
  servers.push(server);
  return server;
};

beforeAll(async () => {
  [stripe, database, issuer] = await Promise.all([startFakeStripe(), postgresTestDatabase(), startTestIssuer()]);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  const redis = new Redis(TEST_REDIS_URL);
  await deleteKeys(redis, keyPrefix);
  redis.disconnect();
  await database.drop();
  await Promise.all([stripe.close(), issuer.close()]);
});

const tierOn = async (server: TestApp, headers: Record<string, string>): Promise<string> => {
  const response = await server.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers });
  expect(response.statusCode).toBe(200);
  return response.json<{ tier: string }>().tier;
};

/** A trader signed in (one token, reused as the app does) and the event that makes them pro. */
async function trader() {
  const sub = `user_inst${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  const headers = bearer(await issuer.sessionToken({ sub, expiresIn: 900 }));
  const upgrade = stripeEvent(
    'customer.subscription.created',
    subscription({
      customer: newCustomerId(),
      price: PRICE_PRO,
      periodStart: new Date(Math.floor(Date.now() / 1000 - 3600) * 1000),
      metadata: { strat_coach_subject: sub },
    }),
  );
  return { sub, headers, upgrade };
}

describe('a plan change across instances', () => {
  it('applied on one instance, is what the other answers with next, at once', async () => {
    const [a, b] = [await startServer(TEST_REDIS_URL), await startServer(TEST_REDIS_URL)];
    const { headers, upgrade } = await trader();
    // Both hold the trader's identity (free) in their cache.
    expect(await tierOn(a, headers)).toBe('free');
    expect(await tierOn(b, headers)).toBe('free');

    const delivered = Date.now();
    expect((await deliverEvent(a.app, upgrade, stripe)).statusCode).toBe(200);
    expect(await tierOn(a, headers)).toBe('pro');
    // The forget travels through Redis: within a second, where the cache alone would take 30.
    await eventually(async () => ((await tierOn(b, headers)) === 'pro' ? true : undefined), 1_000, 'pro on b');
    expect(Date.now() - delivered).toBeLessThan(1_000);
  });

  it('after losing Redis (messages may have been missed), an instance drops every cached identity', async () => {
    const redis = await startPrivateRedis();
    try {
      const d = await startServer(redis.url);
      const { sub, headers } = await trader();
      expect(await tierOn(d, headers)).toBe('free');
      // A change this instance is never told of, as if its message had been published while Redis was away.
      await database.db.query(`UPDATE users SET tier = 'pro' WHERE clerk_user_id = $1`, [sub]);
      expect(await tierOn(d, headers)).toBe('free');
      await redis.crash();
      await redis.restart();
      await eventually(async () => ((await tierOn(d, headers)) === 'pro' ? true : undefined), 10_000, 'pro on d');
    } finally {
      await redis.close();
    }
  });

  it('with Redis unreachable, the instance that applied it still answers with the new plan', async () => {
    const c = await startServer(`redis://127.0.0.1:${await freePort()}`);
    const { headers, upgrade } = await trader();
    expect(await tierOn(c, headers)).toBe('free');
    expect((await deliverEvent(c.app, upgrade, stripe)).statusCode).toBe(200);
    expect(await tierOn(c, headers)).toBe('pro');
  });
});
