// The two limiters against the definition of an exact rolling window: over a long random sequence of
// request times, the in-process limiter admits exactly what a brute-force count over every window
// allows, and the Redis script (moved in time with its test-only clock offset) decides identically.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, windowRules, type RateLimitDecision } from '../src/services/rate-limiter.js';
import { createRedisRateLimiter } from '../src/services/rate-limiter-redis.js';
import { connectedClient, deleteKeys, uniqueKeyPrefix } from './support/rate-limit.js';

const RULES = windowRules('free');

/** Deterministic pseudo-random numbers (mulberry32), so a failure replays. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Request times (ms): mostly bursts and short gaps, now and then a long pause, so both windows fill and
 * drain. No time lands within EDGE_MARGIN_MS of the instant an earlier request leaves a window, where the
 * milliseconds Redis' clock runs on between the test's TIME and the script (more on a loaded machine) could
 * honestly decide differently from the exact reference.
 */
const EDGE_MARGIN_MS = 250;

function requestTimes(count: number, seed: number): number[] {
  const next = random(seed);
  const times: number[] = [];
  let at = 1_000_000;
  while (times.length < count) {
    const roll = next();
    at += roll < 0.5 ? next() * 300 : roll < 0.9 ? next() * 12_000 : next() * 900_000;
    at = Math.round(at);
    const nearEdge = times.some((earlier) =>
      RULES.some((rule) => Math.abs(earlier + rule.durationMs - at) < EDGE_MARGIN_MS),
    );
    if (!nearEdge) times.push(at);
  }
  return times;
}

type Outcome = 'admitted' | 'minute' | 'hour' | 'both';

/** The definition: admitted when, counting only admitted requests, every window (t - length, t] has room. */
function reference(times: number[]): Outcome[] {
  const admittedAt: number[] = [];
  return times.map((at) => {
    const full = RULES.filter(
      (rule) => admittedAt.filter((earlier) => earlier > at - rule.durationMs).length >= rule.limit,
    );
    if (full.length === 0) {
      admittedAt.push(at);
      return 'admitted';
    }
    return full.length === 2 ? 'both' : (full[0]?.window ?? 'both');
  });
}

/** What a decision says, in the reference's terms (with both windows full it names the later one). */
const outcome = (decision: RateLimitDecision, expected: Outcome): Outcome =>
  decision.allowed ? 'admitted' : expected === 'both' ? 'both' : decision.window;

function maxInAnySpan(admittedAt: number[], spanMs: number): number {
  return Math.max(0, ...admittedAt.map((start) => admittedAt.filter((t) => t >= start && t < start + spanMs).length));
}

const TIMES = requestTimes(600, 20_261_104);
const EXPECTED = reference(TIMES);

describe('exact rolling windows', () => {
  it('the reference sequence exercises both windows', () => {
    const admittedAt = TIMES.filter((_, index) => EXPECTED[index] === 'admitted');
    expect(admittedAt.length).toBeGreaterThan(100);
    expect(admittedAt.length).toBeLessThan(TIMES.length - 100);
    expect(maxInAnySpan(admittedAt, 60_000)).toBe(10);
    expect(maxInAnySpan(admittedAt, 3_600_000)).toBe(50);
    // Some requests meet a full hour while their minute has room, others a full minute only.
    expect(EXPECTED.filter((expected) => expected === 'hour').length).toBeGreaterThan(10);
    expect(EXPECTED.filter((expected) => expected === 'minute').length).toBeGreaterThan(10);
  });

  it('the in-process limiter decides exactly as the definition', async () => {
    let now = 0;
    const limiter = createMemoryRateLimiter({ now: () => now });
    const decisions: RateLimitDecision[] = [];
    for (const at of TIMES) {
      now = at;
      decisions.push(await limiter.consume('user', RULES));
    }
    expect(decisions.map((decision, index) => outcome(decision, EXPECTED[index] ?? 'both'))).toEqual(EXPECTED);
  });

  describe('the Redis script', () => {
    let redis: Redis;
    const keyPrefix = uniqueKeyPrefix();
    beforeAll(async () => {
      redis = await connectedClient();
    });
    afterAll(async () => {
      await deleteKeys(redis, keyPrefix);
      redis.disconnect();
    });

    /** Redis' clock, in ms. */
    const redisNow = async (): Promise<number> => {
      const [seconds, micros] = await redis.time();
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    };

    it('decides exactly as the in-process limiter, window by window', async () => {
      let offsetMs = 0;
      const shared = createRedisRateLimiter(redis, { keyPrefix, clockOffsetMs: () => offsetMs });
      let now = 0;
      let mostRanOn = 0;
      const memory = createMemoryRateLimiter({ now: () => now });
      for (const [index, at] of TIMES.entries()) {
        const before = await redisNow();
        offsetMs = at - before;
        now = at;
        const fromRedis = await shared.consume('user', RULES);
        // How far Redis' clock ran on between the TIME above and the script. A reset is measured from now (which
        // ran on by up to ranOn) to an earlier request's stored time (which had run on by up to its own ranOn).
        const ranOn = (await redisNow()) - before;
        mostRanOn = Math.max(mostRanOn, ranOn);
        const fromMemory = await memory.consume('user', RULES);
        const context = `request ${index} at ${at}`;
        const expected = EXPECTED[index] ?? 'both';
        expect({ context, outcome: outcome(fromRedis, expected) }).toEqual({ context, outcome: expected });
        expect(fromRedis.allowed).toBe(fromMemory.allowed);
        expect(fromRedis.windows.map((usage) => usage.remaining)).toEqual(
          fromMemory.windows.map((usage) => usage.remaining),
        );
        // Give or take 2 ms: the test reads TIME in whole ms, and the script keeps times in whole ms.
        for (const [window, usage] of fromRedis.windows.entries()) {
          const exact = fromMemory.windows[window]?.resetMs ?? 0;
          expect(exact - usage.resetMs).toBeGreaterThanOrEqual(-mostRanOn - 2);
          expect(exact - usage.resetMs).toBeLessThanOrEqual(ranOn + 2);
        }
      }
    });
  });
});
