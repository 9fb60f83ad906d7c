// Per-user request limits over exact rolling windows (a sliding log): the rules per tier, the decision
// both limiters return, the in-process limiter, and the Redis-with-memory-fallback combination.
import { TIER_RULES, type Tier } from '../config/tiers.js';

export type WindowName = 'minute' | 'hour';

export interface WindowRule {
  window: WindowName;
  limit: number;
  durationMs: number;
}

/** One window as the limiter saw it, before this request was admitted (or not). */
export interface WindowCount {
  /** Requests admitted inside the window. */
  count: number;
  /**
   * Time until the window frees a slot: for a full window, until enough old requests leave for one more
   * to fit; otherwise until the oldest request in it leaves (the whole window if this is the first).
   */
  freeInMs: number;
}

export interface WindowUsage {
  window: WindowName;
  limit: number;
  remaining: number;
  resetMs: number;
}

export type RateLimitDecision =
  | { allowed: true; windows: WindowUsage[] }
  | { allowed: false; window: WindowName; retryAfterMs: number; windows: WindowUsage[] };

export interface RateLimiter {
  /** Admits the request (and records it in every window) only when every window has room. */
  consume(userId: string, rules: readonly WindowRule[]): Promise<RateLimitDecision>;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

export function windowRules(tier: Tier): WindowRule[] {
  const rules = TIER_RULES[tier];
  const windows: WindowRule[] = [{ window: 'minute', limit: rules.requestsPerMinute, durationMs: MINUTE_MS }];
  if (rules.requestsPerHour !== null) {
    windows.push({ window: 'hour', limit: rules.requestsPerHour, durationMs: HOUR_MS });
  }
  return windows;
}

/** Turns the counts both limiters measure into the decision; the rules live here once. */
export function decide(
  rules: readonly WindowRule[],
  counts: readonly WindowCount[],
  admitted: boolean,
): RateLimitDecision {
  const windows: WindowUsage[] = rules.map((rule, index) => {
    const { count, freeInMs } = counts[index] ?? { count: 0, freeInMs: 0 };
    const remaining = admitted ? rule.limit - count - 1 : Math.max(0, rule.limit - count);
    return { window: rule.window, limit: rule.limit, remaining, resetMs: freeInMs };
  });
  if (admitted) return { allowed: true, windows };
  // The request fits again only when every full window has freed a slot: the latest of them decides.
  let blocking: WindowUsage | undefined;
  for (const usage of windows) {
    if (usage.remaining === 0 && (!blocking || usage.resetMs > blocking.resetMs)) blocking = usage;
  }
  if (!blocking) throw new Error('a rejected request has no full window');
  return { allowed: false, window: blocking.window, retryAfterMs: Math.max(1, Math.ceil(blocking.resetMs)), windows };
}

/** The window closest to exhaustion: fewest requests left, then the longest wait for a slot. */
export function closestToExhaustion(windows: readonly WindowUsage[]): WindowUsage | undefined {
  let closest: WindowUsage | undefined;
  for (const usage of windows) {
    if (
      !closest ||
      usage.remaining < closest.remaining ||
      (usage.remaining === closest.remaining && usage.resetMs > closest.resetMs)
    ) {
      closest = usage;
    }
  }
  return closest;
}

export interface MemoryRateLimiterOptions {
  /** Milliseconds on a monotonic clock; tests move it. */
  now?: () => number;
}

/** Forget users idle for longer than this, checked at most this often, so memory stays bounded. */
const SWEEP_INTERVAL_MS = MINUTE_MS;

/**
 * The same sliding log in process memory: the embedded default, and the fallback while Redis is away.
 * consume() runs synchronously to its end, so concurrent requests cannot both take the last slot.
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const now = options.now ?? (() => performance.now());
  /** Admission times per user, oldest first, kept for the longest window the user was checked against. */
  const logs = new Map<string, { times: number[]; keepMs: number }>();
  let lastSweep = now();

  const sweep = (at: number) => {
    if (at - lastSweep < SWEEP_INTERVAL_MS) return;
    lastSweep = at;
    for (const [userId, log] of logs) {
      const newest = log.times.at(-1);
      if (newest === undefined || newest <= at - log.keepMs) logs.delete(userId);
    }
  };

  return {
    async consume(userId, rules) {
      const at = now();
      sweep(at);
      const keepMs = Math.max(...rules.map((rule) => rule.durationMs));
      const log = logs.get(userId) ?? { times: [], keepMs };
      log.keepMs = keepMs;
      let expired = 0;
      while (expired < log.times.length && (log.times[expired] ?? 0) <= at - keepMs) expired += 1;
      if (expired > 0) log.times.splice(0, expired);

      const counts = rules.map((rule): WindowCount => {
        let first = 0;
        while (first < log.times.length && (log.times[first] ?? 0) <= at - rule.durationMs) first += 1;
        const count = log.times.length - first;
        // Full: the slot frees when the request that keeps the window at its limit leaves.
        const pivot = count >= rule.limit ? first + count - rule.limit : first;
        const oldest = log.times[pivot];
        return { count, freeInMs: oldest === undefined ? rule.durationMs : oldest + rule.durationMs - at };
      });
      const admitted = rules.every((rule, index) => (counts[index]?.count ?? 0) < rule.limit);
      if (admitted) {
        log.times.push(at);
        logs.set(userId, log);
      }
      return decide(rules, counts, admitted);
    },
  };
}

/** Where the shared limiter is reachable: Redis' availability as the redis plugin tracks it. */
export interface SharedLimiterAvailability {
  readonly up: boolean;
  reportFailure(error: unknown): void;
}

/**
 * Redis while it answers, process memory (same rules, per instance) while it does not. A failed or
 * timed-out call falls through to memory at once, so no request waits longer than one time-boxed call.
 */
export function withMemoryFallback(
  shared: RateLimiter,
  memory: RateLimiter,
  availability: SharedLimiterAvailability,
): RateLimiter {
  return {
    async consume(userId, rules) {
      if (!availability.up) return memory.consume(userId, rules);
      try {
        return await shared.consume(userId, rules);
      } catch (error) {
        availability.reportFailure(error);
        return memory.consume(userId, rules);
      }
    },
  };
}
