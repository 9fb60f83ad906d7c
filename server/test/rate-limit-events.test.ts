// Rejections reach rate_limit_events off the request path: in batches, bounded, flushed when the app
// closes, and a database that fails costs a log line, never the request.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usersRepository } from '../src/db/repositories/users.js';
import { createRateLimitEventRecorder, type RateLimitEvent } from '../src/services/rate-limit-events.js';
import { postgresTestDatabase, type TestDatabase } from './support/database.js';
import { startTestIssuer, type TestIssuer } from './support/issuer.js';
import { eventually } from './support/eventually.js';
import { buildLimitedApp, hit, newUser } from './support/rate-limit.js';

let issuer: TestIssuer;
let database: TestDatabase;

beforeAll(async () => {
  issuer = await startTestIssuer();
  database = await postgresTestDatabase();
});
afterAll(async () => {
  await database.drop();
  await issuer.close();
});

/** A real (pino) logger whose lines the test can read. */
function collectingLogger() {
  const lines: { level: number; msg: string; lost?: number; dropped?: number }[] = [];
  const log = Fastify({
    logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } },
  }).log;
  return { lines, log };
}

const countFor = async (db: TestDatabase['db'], userId: string) =>
  Number(
    (
      await db.query<{ count: string }>('SELECT count(*)::text AS count FROM rate_limit_events WHERE user_id = $1', [
        userId,
      ])
    ).rows[0]?.count ?? 0,
  );

const eventFor = (userId: string, requestId: string): RateLimitEvent => ({
  userId,
  tier: 'free',
  route: '/limited',
  window: 'minute',
  limit: 10,
  requestId,
  at: new Date(),
});

let sequence = 0;
const newUserIn = (target: TestDatabase) =>
  usersRepository(target.db).findOrCreate(`user_rle${Date.now()}x${(sequence += 1)}`, null);
const newUserRow = async () => (await newUserIn(database)).id;

describe('the rate limit event recorder', () => {
  it('writes a full batch at once, without waiting for the timer', async () => {
    const { log } = collectingLogger();
    const user = await newUserRow();
    const recorder = createRateLimitEventRecorder({
      db: database.db,
      log,
      flushIntervalMs: 600_000,
      batchSize: 25,
      sameEventEveryMs: 0,
    });
    for (let index = 0; index < 25; index += 1) recorder.record(eventFor(user, `req-${index}`));
    expect(await eventually(async () => ((await countFor(database.db, user)) === 25 ? true : undefined))).toBe(true);
    await recorder.close();
  });

  it('keeps a bounded buffer and says how many events it dropped', async () => {
    const { lines, log } = collectingLogger();
    const user = await newUserRow();
    const recorder = createRateLimitEventRecorder({
      db: database.db,
      log,
      flushIntervalMs: 600_000,
      batchSize: 100,
      maxBuffered: 5,
      sameEventEveryMs: 0,
    });
    for (let index = 0; index < 8; index += 1) recorder.record(eventFor(user, `req-${index}`));
    await recorder.close();
    expect(await countFor(database.db, user)).toBe(5);
    expect(lines).toEqual([expect.objectContaining({ level: 40, dropped: 3 })]);
  });

  it('writes one row per trader, route and window a minute, however often a client asks once refused', async () => {
    const { log } = collectingLogger();
    const [flooder, other] = [await newUserRow(), await newUserRow()];
    const recorder = createRateLimitEventRecorder({ db: database.db, log, flushIntervalMs: 600_000 });
    const at = Date.now();
    const event = (userId: string, offsetMs: number, window: RateLimitEvent['window'] = 'minute') => ({
      ...eventFor(userId, `req-${offsetMs}`),
      window,
      at: new Date(at + offsetMs),
    });
    for (let index = 0; index < 1_000; index += 1) recorder.record(event(flooder, index * 10));
    recorder.record(event(flooder, 500, 'hour'));
    recorder.record(event(other, 500));
    recorder.record(event(flooder, 61_000));
    await recorder.close();
    expect(await countFor(database.db, flooder)).toBe(3);
    expect(await countFor(database.db, other)).toBe(1);
  });

  it('logs a failed write and carries on; record() never throws', async () => {
    const broken = await postgresTestDatabase();
    await broken.db.query('DROP TABLE rate_limit_events');
    const { lines, log } = collectingLogger();
    const user = (await newUserIn(broken)).id;
    const recorder = createRateLimitEventRecorder({
      db: broken.db,
      log,
      flushIntervalMs: 600_000,
      sameEventEveryMs: 0,
    });
    for (let index = 0; index < 3; index += 1) recorder.record(eventFor(user, `req-${index}`));
    await expect(recorder.flush()).resolves.toBeUndefined();
    await recorder.close();
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: 'could not record rate limit events', lost: 3 })]);
    await broken.drop();
  });
});

describe('rejections through HTTP', () => {
  it('are written when the app closes, even before the flush interval', async () => {
    const test = await buildLimitedApp({ database: database.db, issuer, events: { flushIntervalMs: 600_000 } });
    const { user, headers } = await newUser(test.app, issuer);
    for (let request = 0; request < 13; request += 1) await hit(test.app, headers);
    expect(await countFor(database.db, user.id)).toBe(0);
    await test.close();
    // Three refusals in the same minute window: one row.
    expect(await countFor(database.db, user.id)).toBe(1);
  });

  it('are answered 429 as usual when the table cannot be written', async () => {
    const broken = await postgresTestDatabase();
    await broken.db.query('DROP TABLE rate_limit_events');
    const test = await buildLimitedApp({ database: broken.db, issuer, events: { flushIntervalMs: 10 } });
    const { headers } = await newUser(test.app, issuer);
    const statuses = [];
    // Writes fail every 10 ms meanwhile; every request is still answered, the same way.
    for (let request = 0; request < 15; request += 1) statuses.push((await hit(test.app, headers)).statusCode);
    expect(statuses).toEqual([...Array<number>(10).fill(200), ...Array<number>(5).fill(429)]);
    await test.close();
    await broken.drop();
  });
});
