// Answers streaming at once per trader: 2 for free, 4 for pro, 8 for enterprise; the next gets 429
// too_many_streams with Retry-After. Shared by instances through Redis (leases that lapse when their
// instance stops refreshing them), counted in process without Redis or while it is away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_MS } from '../src/services/stream-slots.js';
import {
  deleteKeys,
  newUser,
  testClock,
  TEST_REDIS_ADDRESS,
  TEST_REDIS_URL,
  uniqueKeyPrefix,
  useLimiterFixtures,
} from './support/rate-limit.js';
import { eventually } from './support/eventually.js';
import { buildSlotsApp, leaseExpiries, type OpenStream, type SlotsApp } from './support/stream-slots.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const fixtures = useLimiterFixtures();

type Held = Extract<OpenStream, { held: true }>;

function expectHeld(stream: OpenStream): Held {
  if (!stream.held)
    throw new Error(`expected a held stream, got ${stream.response.statusCode} ${stream.response.body}`);
  return stream;
}

function expectRefused(stream: OpenStream, limit: number): void {
  if (stream.held) throw new Error('expected 429 too_many_streams, but the stream was admitted');
  expect(stream.response.statusCode).toBe(429);
  expect(stream.response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(stream.response.json()).toEqual({
    error: {
      code: 'too_many_streams',
      message: expect.stringContaining(`allows ${limit} streaming at the same time`) as unknown,
      limit,
    },
  });
}

const endAll = (streams: Held[]) => Promise.all(streams.map((stream) => stream.end()));

describe.each([{ backend: 'redis' as const }, { backend: 'memory' as const }])(
  'stream slots on $backend',
  ({ backend }) => {
    let slots: SlotsApp;
    const keyPrefix = uniqueKeyPrefix();
    beforeAll(async () => {
      slots = await buildSlotsApp({
        database: fixtures.database.db,
        issuer: fixtures.issuer,
        keyPrefix,
        ...(backend === 'redis' ? { redisUrl: TEST_REDIS_URL } : {}),
      });
    });
    afterAll(async () => {
      await slots.close();
      await deleteKeys(fixtures.redis, keyPrefix);
    });

    it('lets a free trader stream two answers at once, refuses the third, and reuses an ended one’s slot', async () => {
      const { headers } = await newUser(slots.app, fixtures.issuer);
      const first = expectHeld(await slots.open(headers));
      const second = expectHeld(await slots.open(headers));
      expectRefused(await slots.open(headers), 2);

      expect((await first.end()).statusCode).toBe(200);
      const third = expectHeld(await slots.open(headers));
      // The ended stream released its slot twice; only one came free.
      expectRefused(await slots.open(headers), 2);
      await endAll([second, third]);
    });

    it('gives pro four and enterprise eight, and counts each trader apart', async () => {
      for (const [tier, limit] of [
        ['pro', 4],
        ['enterprise', 8],
      ] as const) {
        const { user, headers } = await newUser(slots.app, fixtures.issuer);
        await slots.app.repos.users.setPlan(user.id, { tier });
        const held: Held[] = [];
        for (let stream = 0; stream < limit; stream += 1) held.push(expectHeld(await slots.open(headers)));
        expectRefused(await slots.open(headers), limit);
        const other = await newUser(slots.app, fixtures.issuer);
        await endAll([expectHeld(await slots.open(other.headers))]);
        await endAll(held);
      }
    });

    it('admits two of six concurrent streams from one free trader', async () => {
      const { headers } = await newUser(slots.app, fixtures.issuer);
      const opened = await Promise.all(Array.from({ length: 6 }, () => slots.open(headers)));
      const held = opened.filter((stream): stream is Held => stream.held);
      expect(held).toHaveLength(2);
      for (const stream of opened.filter((candidate) => !candidate.held)) expectRefused(stream, 2);
      await endAll(held);
    });
  },
);

describe('stream slots across instances on one Redis', () => {
  const keyPrefix = uniqueKeyPrefix();
  const clock = testClock();
  let proxy: TcpProxy;
  /** a reaches Redis through the proxy (so the test can cut it off), b directly. */
  let a: SlotsApp;
  let b: SlotsApp;

  beforeAll(async () => {
    proxy = await startTcpProxy(TEST_REDIS_ADDRESS);
    const shared = { issuer: fixtures.issuer, keyPrefix, clock, refreshMs: 20 };
    a = await buildSlotsApp({ ...shared, database: fixtures.database.db, redisUrl: proxy.url });
    b = await buildSlotsApp({ ...shared, database: fixtures.database.another(), redisUrl: TEST_REDIS_URL });
  });
  afterAll(async () => {
    proxy.setMode('forward');
    await a.close();
    await b.close();
    await proxy.close();
    await deleteKeys(fixtures.redis, keyPrefix);
  });

  const redisNow = async () => {
    const [seconds, micros] = await fixtures.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) + clock.offsetMs;
  };
  const redisMode = async (app: SlotsApp) => {
    const response = await app.app.inject({ method: 'GET', url: '/api/v1/status' });
    return response.json<{ dependencies: { redis: { mode: string } } }>().dependencies.redis.mode;
  };

  it('share the count: one stream on each, then both refuse a third', async () => {
    const { headers } = await newUser(a.app, fixtures.issuer);
    const onA = expectHeld(await a.open(headers));
    const onB = expectHeld(await b.open(headers));
    expectRefused(await a.open(headers), 2);
    expectRefused(await b.open(headers), 2);
    await onA.end();
    const again = expectHeld(await b.open(headers));
    await endAll([onB, again]);
  });

  it('keep a live stream’s lease alive, and a stopped instance’s leases lapse', async () => {
    const { user, headers } = await newUser(a.app, fixtures.issuer);
    const held = [expectHeld(await a.open(headers)), expectHeld(await a.open(headers))];

    // Past the first lease's life, in two steps: each time, a's refresh carries the leases on.
    for (let step = 0; step < 2; step += 1) {
      clock.offsetMs += (DEFAULT_LEASE_MS * 2) / 3;
      const now = await redisNow();
      await eventually(async () => {
        const expiries = await leaseExpiries(fixtures.redis, keyPrefix, user.id);
        // Refreshed: a lease from now on, where the one taken at the start would have half a lease left at most.
        return expiries.length === 2 && expiries.every((expiry) => expiry > now + DEFAULT_LEASE_MS / 2)
          ? true
          : undefined;
      });
      expectRefused(await b.open(headers), 2);
    }

    // a can no longer reach Redis, as if it had crashed: its leases run out and b's trader streams again.
    proxy.setMode('refuse');
    const lastExpiry = Math.max(...(await leaseExpiries(fixtures.redis, keyPrefix, user.id)));
    clock.offsetMs += lastExpiry - (await redisNow()) + 1_000;
    const afterLapse = [expectHeld(await b.open(headers)), expectHeld(await b.open(headers))];
    await endAll(afterLapse);

    proxy.setMode('forward');
    await eventually(async () => ((await redisMode(a)) === 'redis' ? true : undefined));
    await endAll(held);
  });

  it('count in memory while Redis is away, and write those streams into Redis when it is back', async () => {
    const { headers } = await newUser(a.app, fixtures.issuer);
    const onRedis = expectHeld(await a.open(headers));

    proxy.setMode('refuse');
    const inMemory = expectHeld(await a.open(headers));
    // The stream a holds on Redis counts too.
    expectRefused(await a.open(headers), 2);

    proxy.setMode('forward');
    await eventually(async () => ((await redisMode(a)) === 'redis' ? true : undefined));
    expectRefused(await b.open(headers), 2);
    await inMemory.end();
    const onB = expectHeld(await b.open(headers));
    await endAll([onRedis, onB]);
  });
});
