// Per-user request limits over exact rolling windows (a sliding log): the rules per tier, the decision
// both limiters return, and the in-process limiter (which, beside Redis, also keeps what Redis last said).
import { TIER_RULES } from '../config/tiers.js';
import type { Tier } from '../contract/usage.js';

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

/** A limiter that can also answer from what this process knows, at once and recording nothing. */
export interface LocalRateLimiter extends RateLimiter {
  /** What consume() would decide now; a lower bound where Redis decides, since others may have admitted more. */
  peek(userId: string, rules: readonly WindowRule[]): RateLimitDecision;
}

/** A user's log as Redis answered it: its admissions (µs on Redis' clock), oldest first, and that clock's now. */
export interface RedisLog {
  timesUs: number[];
  nowUs: number;
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

/** Counts each window at `at` over admission times (ms, oldest first), as the Redis script does. */
export function countWindows(times: readonly number[], rules: readonly WindowRule[], at: number): WindowCount[] {
  return rules.map((rule): WindowCount => {
    let first = 0;
    while (first < times.length && (times[first] ?? 0) <= at - rule.durationMs) first += 1;
    const count = times.length - first;
    // Full: the slot frees when the request that keeps the window at its limit leaves.
    const pivot = count >= rule.limit ? first + count - rule.limit : first;
    const oldest = times[pivot];
    return { count, freeInMs: oldest === undefined ? rule.durationMs : oldest + rule.durationMs - at };
  });
}

/** What the in-process limiter should write into Redis for a user: see MemoryRateLimiter.writeBack(). */
export interface UnwrittenAdmissions {
  /** The longest window: older admissions no longer count. */
  keepMs: number;
  /** The floor's admissions still inside it, on Redis' clock (µs): Redis may have lost them. */
  floorUs: number[];
  /** Admissions made in this process, as their ages (ms): Redis never saw them. */
  ownAgesMs: number[];
}

export interface MemoryRateLimiter extends LocalRateLimiter {
  /** This limiter's clock (ms). */
  now(): number;
  /**
   * Takes Redis' answer about a user, asked at `askedAt` on this limiter's clock, as the floor this process
   * decides from should Redis go away.
   */
  remember(userId: string, rules: readonly WindowRule[], log: RedisLog, askedAt: number): void;
  /** Users with admissions made here and not yet in Redis; with floors, also those with a floor still counting. */
  unwritten(withFloors: boolean): string[];
  hasUnwritten(userId: string): boolean;
  /**
   * Hands the user's unwritten admissions (and floor) to write(), whose answer, Redis' log with them in it,
   * becomes the floor. They keep counting here until then, and stay unwritten if write() fails.
   */
  writeBack(userId: string, write: (admissions: UnwrittenAdmissions) => Promise<RedisLog>): Promise<void>;
}

/** Where the shared limiter is reachable: Redis' availability as the redis plugin tracks it. */
export interface SharedLimiterAvailability {
  readonly up: boolean;
  reportFailure(error: unknown): void;
}

export interface MemoryRateLimiterOptions {
  /** Milliseconds on a monotonic clock; tests move it. */
  now?: () => number;
}

/** Forget users idle for longer than this, checked at most this often, so memory stays bounded. */
const SWEEP_INTERVAL_MS = MINUTE_MS;

/**
 * Redis' now fell between askedAt and receivedAt on this clock. Mapped from receivedAt, the admissions look
 * younger than they are (strict: for decisions); from askedAt, older (lenient: for peek, which must never
 * refuse what Redis would admit).
 */
interface Floor extends RedisLog {
  askedAt: number;
  receivedAt: number;
}

type Bound = 'strict' | 'lenient';

const floorTimes = (floor: Floor | null, bound: Bound): number[] => {
  if (!floor) return [];
  const at = bound === 'strict' ? floor.receivedAt : floor.askedAt;
  return floor.timesUs.map((time) => at - (floor.nowUs - time) / 1000);
};

interface UserLog {
  /** The longest window the user was checked against: older admissions are dropped. */
  keepMs: number;
  /** Redis' last answer, and this process' clock when it was asked and when it came. */
  floor: Floor | null;
  /** Admissions decided here (ms on this process' clock), oldest first; beside Redis, not yet in its log. */
  own: number[];
  /** The write into Redis under way, if any. */
  writing: Promise<void> | null;
  /** The own admissions it carries: they count here until Redis has them. */
  written: number[];
}

/**
 * The same sliding log in process memory: the embedded default, and the fallback while Redis is away.
 * Beside Redis it keeps each user's floor, so an outage does not hand out a fresh allowance.
 * consume() runs synchronously to its end, so concurrent requests cannot both take the last slot.
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): MemoryRateLimiter {
  const now = options.now ?? (() => performance.now());
  const logs = new Map<string, UserLog>();
  let lastSweep = now();

  /** Every admission that counts at `at`, oldest first. */
  const admissions = (log: UserLog, at: number, bound: Bound = 'strict'): number[] => {
    const since = at - log.keepMs;
    log.own = log.own.filter((time) => time > since);
    if (!log.floor && log.written.length === 0) return log.own;
    return [...floorTimes(log.floor, bound), ...log.written, ...log.own]
      .filter((time) => time > since)
      .sort((a, b) => a - b);
  };

  const sweep = (at: number) => {
    if (at - lastSweep < SWEEP_INTERVAL_MS) return;
    lastSweep = at;
    for (const [userId, log] of logs) {
      if (!log.writing && admissions(log, at).length === 0) logs.delete(userId);
    }
  };

  const userLog = (userId: string, rules: readonly WindowRule[]): UserLog => {
    const keepMs = Math.max(...rules.map((rule) => rule.durationMs));
    const log = logs.get(userId) ?? { keepMs, floor: null, own: [], writing: null, written: [] };
    log.keepMs = keepMs;
    return log;
  };

  const evaluate = (userId: string, rules: readonly WindowRule[], at: number, bound?: Bound) => {
    const log = userLog(userId, rules);
    const counts = countWindows(admissions(log, at, bound), rules, at);
    const admitted = rules.every((rule, index) => (counts[index]?.count ?? 0) < rule.limit);
    return { log, counts, admitted };
  };

  return {
    async consume(userId, rules) {
      const at = now();
      sweep(at);
      const { log, counts, admitted } = evaluate(userId, rules, at);
      if (admitted) {
        log.own.push(at);
        logs.set(userId, log);
      }
      return decide(rules, counts, admitted);
    },

    now,

    peek(userId, rules) {
      const { counts, admitted } = evaluate(userId, rules, now(), 'lenient');
      return decide(rules, counts, admitted);
    },

    remember(userId, rules, answer, askedAt) {
      const at = now();
      sweep(at);
      const log = userLog(userId, rules);
      log.floor = { ...answer, askedAt, receivedAt: at };
      logs.set(userId, log);
    },

    unwritten(withFloors) {
      const at = now();
      const users: string[] = [];
      for (const [userId, log] of logs) {
        const since = at - log.keepMs;
        const floor = withFloors ? floorTimes(log.floor, 'strict') : [];
        if (log.own.some((time) => time > since) || floor.some((time) => time > since)) {
          users.push(userId);
        }
      }
      return users;
    },

    hasUnwritten(userId) {
      const log = logs.get(userId);
      return log !== undefined && (log.own.length > 0 || log.writing !== null);
    },

    async writeBack(userId, write) {
      const log = logs.get(userId);
      if (!log) return;
      // One write at a time per user: a second caller waits for it, then writes what came meanwhile.
      while (log.writing) await log.writing.catch(() => undefined);
      const at = now();
      const since = at - log.keepMs;
      const mapped = floorTimes(log.floor, 'strict');
      const floorUs = (log.floor?.timesUs ?? []).filter((_, index) => (mapped[index] ?? 0) > since);
      log.own = log.own.filter((time) => time > since);
      if (log.own.length === 0 && floorUs.length === 0) return;

      log.written = log.own;
      log.own = [];
      const ownAgesMs = log.written.map((time) => at - time);
      const done = (async () => {
        try {
          const answer = await write({ keepMs: log.keepMs, floorUs, ownAgesMs });
          log.floor = { ...answer, askedAt: at, receivedAt: now() };
        } catch (error) {
          log.own = [...log.written, ...log.own];
          throw error;
        } finally {
          log.written = [];
          log.writing = null;
        }
      })();
      log.writing = done;
      await done;
    },
  };
}
