// Two compiled server instances (`node server/dist/server.js`) on one PostgreSQL schema and one Redis, as behind a
// load balancer: a trader's rate limit counts both, a free trader's quota holds under 50 concurrent questions split
// over both, and a rolling restart loses nothing — an instance stopped with SIGTERM mid-answer ends each of its
// streams with stream_complete or stream_error `unavailable`, the client asks the other instance again, and every
// call to the model has its usage row (one stopped before the model began, with the count its first event gave).
// A question refused by both its streams and the rate limit, which only Redis
// can see on an instance that knows of neither, is rate_limited (a third instance). Loopback only: the fake upstream
// and the Clerk-shaped issuer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { billingPeriodAt } from '../src/services/billing-period.js';
import { DEFAULT_KEY_PREFIX } from '../src/services/rate-limiter-redis.js';
import { streamSlotsKey } from '../src/services/stream-slots.js';
import { eventually } from './support/eventually.js';
import { postChat, type ChatResult } from './support/coach-client.js';
import {
  buildServer,
  startCompiledStack,
  TEST_REDIS_URL,
  type CompiledServer,
  type CompiledStack,
} from './support/compiled-server.js';

const FAST = { chunks: ['The 1 ', 'held.'], chunkDelayMs: 0 };
/**
 * The instances wait up to 500 ms for Redis (REDIS_TIME_BOX_MS), not 50: on a loaded machine a call past 50 ms is
 * decided in the instance's memory, and the counts these tests assert exactly would be per instance.
 */
const PATIENT = { REDIS_TIME_BOX_MS: '500' };

/** Long enough to be stopped mid-answer: 40 chunks, 50 ms apart. */
const SLOW = { chunks: Array.from({ length: 40 }, (_, index) => `w${index} `), chunkDelayMs: 50 };

let stack: CompiledStack;
let a: CompiledServer;
let b: CompiledServer;

beforeAll(async () => {
  await buildServer();
  stack = await startCompiledStack({ defaultScript: FAST });
  // One after the other: the first applies the migrations (the second would wait on their lock).
  a = await stack.start('instance-a', PATIENT);
  b = await stack.start('instance-b', PATIENT);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const ask = (server: CompiledServer, headers: Record<string, string>, options = {}) =>
  postChat(server.url, headers, { message: 'Is this a 2-1-2 up?' }, options);
const lastEvent = (result: ChatResult) => result.events.at(-1);
const usageRows = async (userIds: string[]) =>
  Number(
    (
      await stack.database.db.query<{ count: string }>(
        'SELECT count(*) AS count FROM token_usage WHERE user_id = ANY($1)',
        [userIds],
      )
    ).rows[0]!.count,
  );

describe('two compiled instances on one PostgreSQL and one Redis', () => {
  it('each names itself in /status', async () => {
    for (const [server, id] of [
      [a, 'instance-a'],
      [b, 'instance-b'],
    ] as const) {
      expect(await (await fetch(`${server.url}/api/v1/status`)).json()).toMatchObject({
        instance: id,
        mode: 'production',
      });
    }
  });

  it('count a trader’s questions on both: five on each, then both refuse the 11th a minute', async () => {
    const trader = await stack.trader(a);
    for (let question = 0; question < 10; question += 1) {
      const answer = await ask(question % 2 === 0 ? a : b, trader.headers);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-remaining')).toBe(String(9 - question));
      expect(lastEvent(answer)?.event).toBe('stream_complete');
    }
    for (const server of [a, b]) {
      const refused = await ask(server, trader.headers);
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ error: { code: 'rate_limited' } });
    }
    expect(await usageRows([trader.id])).toBe(10);
    // a had not seen the 10th (b admitted it), so its 11th reached Redis, which granted a stream slot with the rate
    // limit's refusal: the slot was given back, and no instance counts a stream for the trader.
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await eventually(
        async () => ((await redis.zcard(streamSlotsKey(DEFAULT_KEY_PREFIX, trader.id))) === 0 ? true : undefined),
        2_000,
        'the refused question’s stream slot given back',
      );
    } finally {
      redis.disconnect();
    }
  });

  it('refuse as rate_limited a question refused by both the trader’s streams and the rate limit', async () => {
    // Each instance refuses unread what it knows alone (a full rate window, or the plan's streams all its own): the
    // question Redis refuses for both arrives at an instance that knows of neither.
    const c = await stack.start('instance-c', PATIENT);
    try {
      const trader = await stack.trader(a);
      // Two answers streaming on b, and eight more questions refused on c for their streams: the ten a minute are
      // counted, and c knows it.
      stack.fake.script(SLOW, SLOW);
      let started = 0;
      const running = [0, 1].map(() =>
        ask(b, trader.headers, {
          onEvent: (event: { event: string }) => void (event.event === 'stream_start' && started++),
        }),
      );
      await eventually(async () => (started === 2 ? true : undefined), 10_000, 'two answers streaming');
      for (let left = 7; left >= 0; left -= 1) {
        const refused = await ask(c, trader.headers);
        expect(refused.body).toMatchObject({ error: { code: 'too_many_streams' } });
        expect(refused.headers.get('x-ratelimit-remaining')).toBe(String(left));
      }
      // a has seen none of them. The trader is told the rate limit, which binds longer than the streams (and is what
      // the refusal's rate_limit_events row records).
      const both = await ask(a, trader.headers);
      expect(both.status).toBe(429);
      expect(both.body).toMatchObject({ error: { code: 'rate_limited' } });
      expect(Number(both.headers.get('retry-after'))).toBeGreaterThan(0);
      for (const answer of await Promise.all(running)) expect(lastEvent(answer)?.event).toBe('stream_complete');
    } finally {
      await c.process.stop('SIGTERM');
    }
  });

  it('hold a free trader’s quota under 50 concurrent questions split over both', async () => {
    const trader = await stack.trader(a);
    const { rows } = await stack.database.db.query<{ period_start: Date }>(
      'SELECT period_start FROM users WHERE id = $1',
      [trader.id],
    );
    // Room for about one answer's reservation: the rest must be refused, whichever instance they reach.
    await stack.database.db.query('UPDATE users SET quota_period_start = $2, quota_used = $3 WHERE id = $1', [
      trader.id,
      billingPeriodAt(rows[0]!.period_start, new Date()).start,
      100_000 - 30_000,
    ]);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, index) => ask(index % 2 === 0 ? a : b, trader.headers)),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.every((status) => [200, 402, 429].includes(status))).toBe(true);
    const completed = answers.filter((answer) => lastEvent(answer)?.event === 'stream_complete');
    expect(completed.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status === 200)).toHaveLength(completed.length);
    const after = (
      await stack.database.db.query<{ quota_used: string; quota_reserved: string }>(
        'SELECT quota_used, quota_reserved FROM users WHERE id = $1',
        [trader.id],
      )
    ).rows[0]!;
    expect(Number(after.quota_used)).toBeLessThanOrEqual(100_000);
    expect(Number(after.quota_reserved)).toBe(0);
    expect(await usageRows([trader.id])).toBe(completed.length);
  });

  it('lose nothing in a rolling restart: a stopped instance’s streams end cleanly and their retries land on the other', async () => {
    stack.fake.setDefault(SLOW);
    const leaving = await stack.start('instance-d', PATIENT);
    const traders = await Promise.all(Array.from({ length: 6 }, () => stack.trader(b)));
    // SIGTERM once every trader is reading an answer from the instance.
    let streaming = 0;
    let everyoneStreaming!: () => void;
    const allStreaming = new Promise<void>((resolve) => (everyoneStreaming = resolve));
    const first = traders.map((trader) => {
      let seen = false;
      return ask(leaving, trader.headers, {
        onEvent: (event: { event: string }) => {
          if (event.event !== 'content_delta' || seen) return;
          seen = true;
          streaming += 1;
          if (streaming === traders.length) everyoneStreaming();
        },
      });
    });
    await allStreaming;
    const stopped = leaving.process.stop('SIGTERM');
    const endings = await Promise.all(first);
    expect(await stopped).toBe(0);

    for (const ending of endings) {
      expect(ending.status).toBe(200);
      const last = lastEvent(ending);
      if (last?.event === 'stream_error') expect(last.data).toMatchObject({ code: 'unavailable', retryable: true });
      else expect(last?.event).toBe('stream_complete');
    }
    // The client asks again where it was told to retry; the stopped instance takes no more connections.
    await expect(fetch(`${leaving.url}/api/v1/health`)).rejects.toThrow();
    const retried = await Promise.all(
      endings.flatMap((ending, index) =>
        lastEvent(ending)?.event === 'stream_error' ? [ask(b, traders[index]!.headers)] : [],
      ),
    );
    // Stopped after the first text of 40 chunks: the instance handed its streams back rather than finish them.
    expect(retried.length).toBeGreaterThan(0);
    for (const retry of retried) expect(lastEvent(retry)?.event).toBe('stream_complete');
    // One usage row per call to the model: each first attempt (finished or cut by the restart) and each retry.
    expect(await usageRows(traders.map((trader) => trader.id))).toBe(endings.length + retried.length);
  });

  it('bill a rolling restart’s calls that the model had not yet begun: each is stopped once its count is read', async () => {
    // The model takes 1.5 s to begin each answer: SIGTERM arrives while every call waits for its first event.
    stack.fake.setDefault({ ...SLOW, headersDelayMs: 1_500 });
    const leaving = await stack.start('instance-e', PATIENT);
    const traders = await Promise.all(Array.from({ length: 4 }, () => stack.trader(b)));
    const before = stack.fake.requests.length;
    const first = traders.map((trader) => ask(leaving, trader.headers));
    await eventually(() => (stack.fake.requests.length === before + traders.length ? true : undefined));
    const stopped = leaving.process.stop('SIGTERM');
    const endings = await Promise.all(first);
    // Within the process's 10 s: it exits 0, not at its cap.
    expect(await stopped).toBe(0);
    for (const ending of endings) {
      expect({ status: ending.status, text: ending.text(), last: lastEvent(ending) }).toEqual({
        status: 200,
        text: '',
        last: { event: 'stream_error', data: { code: 'unavailable', message: expect.any(String), retryable: true } },
      });
    }
    // Each call's input, as its first event counted it (the coaching prompt read from the cache, or written to it).
    const { rows } = await stack.database.db.query<{ status: string; error_code: string; counted: boolean }>(
      `SELECT status, error_code, input_tokens + cache_read_tokens + cache_write_tokens > 0 AS counted
         FROM token_usage WHERE user_id = ANY($1)`,
      [traders.map((trader) => trader.id)],
    );
    expect(rows).toEqual(traders.map(() => ({ status: 'error', error_code: 'unavailable', counted: true })));
    stack.fake.setDefault(FAST);
    const retried = await Promise.all(traders.map((trader) => ask(b, trader.headers)));
    for (const retry of retried) expect(lastEvent(retry)?.event).toBe('stream_complete');
  });
});
