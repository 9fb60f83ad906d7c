// The shared limiter: one Lua script decides every window of a request in one atomic round trip, on
// Redis' own clock, so limits hold across server instances and under concurrency.
// Not rate-limiter-flexible: it cannot decide two exact rolling windows atomically in one call.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  decide,
  type RateLimitDecision,
  type RateLimiter,
  type RedisLog,
  type UnwrittenAdmissions,
  type WindowCount,
  type WindowRule,
} from './rate-limiter.js';

/**
 * One string per user: the Redis TIME (µs) of each request admitted within the longest window, as 8-byte
 * big-endian doubles, oldest first. A sliding log as exact as a sorted set, at a third of the script's
 * cost (three commands instead of eight) and an eighth of the memory. Every window is a binary search
 * for its first admission, so the windows can never disagree; a rejected request writes nothing at all.
 *
 * KEYS[1] the user's log. ARGV[1] a clock offset in ms: 0 in production, tests move time with it.
 * ARGV[2..] limit, window length (ms) for each window, longest first.
 * Returns { admitted (1|0), then count, µs until a slot frees, for each window, then Redis' now (µs) and the
 * log }: the log is the server's floor should Redis go away (one bulk string, so the reply stays small).
 */
export const SLIDING_LOG_SCRIPT = `
local unpack_time, pack_time = struct.unpack, struct.pack
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2]) + tonumber(ARGV[1]) * 1000
local log = redis.call('GET', KEYS[1]) or ''
local size = #log / 8
local function at(index)
  return (unpack_time('>d', log, index * 8 + 1))
end
local function first_after(since, low)
  local high = size
  while low < high do
    local mid = math.floor((low + high) / 2)
    if at(mid) > since then high = mid else low = mid + 1 end
  end
  return low
end
local result = { 1 }
local keep, from = size, 0
for i = 1, (#ARGV - 1) / 2 do
  local limit = tonumber(ARGV[2 * i])
  local length = tonumber(ARGV[2 * i + 1]) * 1000
  -- A shorter window starts no earlier than a longer one: search on from there.
  local first = first_after(now - length, from)
  if i == 1 then keep = first end
  from = first
  local count = size - first
  local free = length
  if count > 0 then
    -- A full window frees a slot when the admission that keeps it at its limit leaves.
    local pivot = first
    if count >= limit then
      pivot = first + count - limit
      result[1] = 0
    end
    free = at(pivot) + length - now
  end
  result[2 * i] = count
  result[2 * i + 1] = free
end
if result[1] == 1 then
  -- Should Redis' clock step back, the log stays sorted (the entry then leaves a little late: strict).
  local admitted_at = now
  if size > 0 then admitted_at = math.max(now, at(size - 1)) end
  log = string.sub(log, keep * 8 + 1) .. pack_time('>d', admitted_at)
  redis.call('SET', KEYS[1], log, 'PX', ARGV[3])
end
result[#result + 1] = now
result[#result + 1] = log
return result
`;

/**
 * Writes back what a server decided while Redis was away, when Redis is reachable again: the admissions
 * it made itself, and the floor (what this log held at Redis' last answer), which an empty restart lost.
 * The floor's entries are Redis' own times, so one that is still in the log is not added twice.
 *
 * KEYS[1] the user's log. ARGV[1] the clock offset (ms). ARGV[2] the longest window (ms). ARGV[3] the floor
 * (µs on Redis' clock) and ARGV[4] the server's own admissions as ages (µs), each packed as the log is.
 * Returns { Redis' now (µs), the merged log }.
 */
export const WRITE_BACK_SCRIPT = `
local unpack_time, pack_time = struct.unpack, struct.pack
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2]) + tonumber(ARGV[1]) * 1000
local since = now - tonumber(ARGV[2]) * 1000
local times, logged = {}, {}
local function add(time)
  if time > since then times[#times + 1] = time end
end
local log = redis.call('GET', KEYS[1]) or ''
for offset = 1, #log, 8 do
  local time = unpack_time('>d', log, offset)
  logged[time] = true
  add(time)
end
for offset = 1, #ARGV[3], 8 do
  local time = unpack_time('>d', ARGV[3], offset)
  if not logged[time] then add(time) end
end
for offset = 1, #ARGV[4], 8 do add(now - unpack_time('>d', ARGV[4], offset)) end
table.sort(times)
local packed = {}
for index, time in ipairs(times) do packed[index] = pack_time('>d', time) end
local merged = table.concat(packed)
if #merged > 0 then redis.call('SET', KEYS[1], merged, 'PX', ARGV[2]) end
return { now, merged }
`;

export interface RedisScript {
  source: string;
  sha: string;
}

export const redisScript = (source: string): RedisScript => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});

const SCRIPTS = { slidingLog: redisScript(SLIDING_LOG_SCRIPT), writeBack: redisScript(WRITE_BACK_SCRIPT) };

export const DEFAULT_KEY_PREFIX = 'strat-coach:rate-limit:';

export const rateLimitKey = (keyPrefix: string, userId: string) => `${keyPrefix}${userId}`;

export interface RedisRateLimiterOptions {
  keyPrefix?: string;
  /** Tests only: moves the script's clock (Redis TIME) by this many ms. Production leaves it unset. */
  clockOffsetMs?: () => number;
  /** How long a decision waits for Redis (the REDIS_TIME_BOX_MS setting; 50 ms when absent). */
  timeBoxMs?: number;
}

export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

/** How long one Redis call may take before the limiter decides in memory instead. */
export const REDIS_TIME_BOX_MS = 50;

/**
 * Rejects when the call has not settled within `ms`. A busy event loop runs a late timer before it reads
 * the replies that arrived meanwhile, so the verdict waits one turn of the loop (setImmediate runs after
 * the poll phase): only a Redis that did not answer times out, never a server that was briefly busy.
 */
export function timeBoxed<T>(call: Promise<T>, ms: number = REDIS_TIME_BOX_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (settled) return;
        settled = true;
        reject(new RedisUnavailableError(`redis did not answer within ${ms} ms`));
      });
    }, ms);
    call.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** The admission times (µs on Redis' clock) in a log as the scripts store it, oldest first. */
function unpackLog(log: Buffer | null): number[] {
  const times: number[] = [];
  for (let offset = 0; log && offset + 8 <= log.length; offset += 8) times.push(log.readDoubleBE(offset));
  return times;
}

function packLog(times: readonly number[]): Buffer {
  const log = Buffer.alloc(times.length * 8);
  times.forEach((time, index) => log.writeDoubleBE(time, index * 8));
  return log;
}

/** The admission times in a user's log, oldest first: for tests and operators. */
export async function readRateLimitLog(redis: Redis, key: string): Promise<number[]> {
  return unpackLog(await redis.getBuffer(key));
}

const isLogReply = (reply: unknown, numbers: number): reply is [...number[], Buffer] =>
  Array.isArray(reply) &&
  reply.length === numbers + 1 &&
  reply.slice(0, numbers).every((n) => typeof n === 'number') &&
  Buffer.isBuffer(reply[numbers]);

function parseReply(reply: unknown, windows: number): { admitted: boolean; counts: WindowCount[]; log: RedisLog } {
  if (!isLogReply(reply, 2 + windows * 2)) throw new Error('unexpected reply from the rate limit script');
  const numbers = reply.slice(0, -1) as number[];
  const counts: WindowCount[] = [];
  for (let index = 0; index < windows; index += 1) {
    counts.push({ count: numbers[1 + index * 2] ?? 0, freeInMs: (numbers[2 + index * 2] ?? 0) / 1000 });
  }
  const log = { timesUs: unpackLog(reply[reply.length - 1] as Buffer), nowUs: numbers[1 + windows * 2] ?? 0 };
  return { admitted: numbers[0] === 1, counts, log };
}

/**
 * Runs a script on one key (the first argument), bulk replies as Buffers. Not connected: fails at once
 * rather than after a timeout (the client queues nothing offline anyway).
 */
export async function runScript(redis: Redis, script: RedisScript, args: (string | number | Buffer)[]) {
  if (redis.status !== 'ready') throw new RedisUnavailableError(`redis is ${redis.status}`);
  try {
    return await redis.callBuffer('EVALSHA', [script.sha, 1, ...args]);
  } catch (error) {
    // First call on a Redis that has not seen the script (or was restarted): EVAL also caches it.
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
      return redis.callBuffer('EVAL', [script.source, 1, ...args]);
    }
    throw error;
  }
}

/** Redis' side of the limiter: a decision with the log it leaves, and the write-back after an outage. */
export interface RedisRateLimiter extends RateLimiter {
  consumeWithLog(userId: string, rules: readonly WindowRule[]): Promise<{ decision: RateLimitDecision; log: RedisLog }>;
  writeBack(userId: string, admissions: UnwrittenAdmissions, timeBoxMs?: number): Promise<RedisLog>;
}

export function createRedisRateLimiter(redis: Redis, options: RedisRateLimiterOptions = {}): RedisRateLimiter {
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const clockOffsetMs = options.clockOffsetMs ?? (() => 0);
  const timeBoxMs = options.timeBoxMs ?? REDIS_TIME_BOX_MS;

  const run = (script: RedisScript, args: (string | number | Buffer)[]) => runScript(redis, script, args);

  const consumeWithLog = async (userId: string, rules: readonly WindowRule[]) => {
    const longestFirst = [...rules].sort((a, b) => b.durationMs - a.durationMs);
    const args: (string | number)[] = [rateLimitKey(keyPrefix, userId), Math.round(clockOffsetMs())];
    for (const rule of longestFirst) args.push(rule.limit, rule.durationMs);
    const { admitted, counts, log } = parseReply(
      await timeBoxed(run(SCRIPTS.slidingLog, args), timeBoxMs),
      rules.length,
    );
    // Back to the caller's order of windows, as the in-process limiter returns them.
    const countsInOrder = rules.map((rule) => counts[longestFirst.indexOf(rule)] ?? { count: 0, freeInMs: 0 });
    return { decision: decide(rules, countsInOrder, admitted), log };
  };

  return {
    consumeWithLog,
    async consume(userId, rules) {
      return (await consumeWithLog(userId, rules)).decision;
    },
    async writeBack(userId, admissions, writeBackMs = timeBoxMs) {
      const args = [
        rateLimitKey(keyPrefix, userId),
        Math.round(clockOffsetMs()),
        admissions.keepMs,
        packLog(admissions.floorUs),
        packLog(admissions.ownAgesMs.map((ageMs) => ageMs * 1000)),
      ];
      const reply = await timeBoxed(run(SCRIPTS.writeBack, args), writeBackMs);
      if (!isLogReply(reply, 1)) throw new Error('unexpected reply from the rate limit write-back script');
      return { timesUs: unpackLog(reply[1] as Buffer), nowUs: reply[0] as number };
    },
  };
}
