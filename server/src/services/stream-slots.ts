// How many answers a trader may have streaming at once, across server instances: a lease per stream in a
// Redis sorted set per user (score: when the lease lapses, on Redis' clock), refreshed while the stream
// lives, so the leases of an instance that crashed lapse by themselves. Without Redis, or while it is
// away, the instance counts the streams it holds itself, and writes them into Redis once it answers again.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { TIER_RULES } from '../config/tiers.js';
import type { Tier } from '../contract/usage.js';
import { AppError } from '../errors.js';
import { REDIS_TIME_BOX_MS, redisScript, runScript, timeBoxed } from './rate-limiter-redis.js';
import type { SharedLimiterAvailability } from './rate-limiter.js';

/**
 * KEYS[1] the user's leases. ARGV[1] clock offset (ms), ARGV[2] the limit, ARGV[3] lease length (ms),
 * ARGV[4] the new lease, ARGV[5..] leases this instance took while Redis was away (they count first).
 * Adds the new lease and returns 1 when fewer than the limit are live; else returns 0.
 */
const ACQUIRE = redisScript(`
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000) + tonumber(ARGV[1])
local expires = now + tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for index = 5, #ARGV do redis.call('ZADD', KEYS[1], expires, ARGV[index]) end
local granted = 0
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], expires, ARGV[4])
  granted = 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return granted
`);

/**
 * KEYS[1] the user's leases. ARGV[1] clock offset (ms), ARGV[2] lease length (ms), ARGV[3..] leases that
 * live on. A plain ZADD: it also brings back leases an empty restart lost.
 */
const REFRESH = redisScript(`
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000) + tonumber(ARGV[1])
for index = 3, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[index]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

export const DEFAULT_LEASE_MS = 30_000;
/** A stream's end cannot be foreseen: the client is told to wait a little and ask again. */
export const STREAM_RETRY_AFTER_S = 5;
/** Leases taken in memory during one round of writing are written in the next; rarely more than one. */
const SYNC_ROUNDS = 3;
/** A sync waits on no request, so it may take longer than a decision's 50 ms. */
const SYNC_TIME_BOX_MS = 1_000;

/** Releases the slot; calling it again does nothing. Never rejects. */
export type ReleaseSlot = () => Promise<void>;

export interface StreamSlots {
  /** Takes a slot for one stream, or throws AppError too_many_streams (429, Retry-After). */
  acquire(user: { id: string; tier: Tier }, requestId: string): Promise<ReleaseSlot>;
  /**
   * Throws too_many_streams when the trader's streams on this instance alone fill their plan, without asking Redis:
   * so refused, a question's body need not be read. Anything else is acquire's to decide, with every instance's.
   */
  refuseIfFullHere(user: { id: string; tier: Tier }, requestId: string): void;
  /** Writes this instance's leases into Redis (a refresh; after an outage, also those taken in memory). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface StreamSlotsOptions {
  /** null: the embedded default, slots counted in this process. */
  redis: Redis | null;
  availability: SharedLimiterAvailability | null;
  keyPrefix: string;
  clockOffsetMs?: () => number;
  leaseMs?: number;
  /** How often live leases are refreshed; a third of the lease by default. */
  refreshMs?: number;
  /**
   * No stream lives longer than this (the stream deadline, a slow reader's last write, a margin): a lease held
   * longer was never released (a bug), and is released rather than lock its trader out until a restart.
   */
  maxHoldMs?: number;
  /** How long a call to Redis may take before the slot is decided in memory (REDIS_TIME_BOX_MS). */
  timeBoxMs?: number;
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>;
}

export const streamSlotsKey = (keyPrefix: string, userId: string) => `${keyPrefix}streams:${userId}`;

export function tooManyStreams(tier: Tier, limit: number): AppError {
  return new AppError(
    'too_many_streams',
    `Too many answers at once: the ${tier} plan allows ${limit} streaming at the same time. Let one finish, then ask again.`,
    { limit },
    { 'retry-after': String(STREAM_RETRY_AFTER_S) },
  );
}

interface Lease {
  userId: string;
  key: string;
  /** memory: taken while Redis was away, not written into it yet. */
  state: 'memory' | 'redis';
  /** performance.now() when it was taken. */
  since: number;
}

export function createStreamSlots(options: StreamSlotsOptions): StreamSlots {
  const { redis, availability, log } = options;
  const clockOffsetMs = options.clockOffsetMs ?? (() => 0);
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const timeBoxMs = options.timeBoxMs ?? REDIS_TIME_BOX_MS;
  const leases = new Map<string, Lease>();
  const byUser = new Map<string, Set<string>>();
  /** Leases to delete from Redis: released while it was away, or refused after a call that may still land. */
  const stale = new Map<string, string>();

  const hold = (leaseId: string, lease: Lease) => {
    leases.set(leaseId, lease);
    const mine = byUser.get(lease.userId) ?? new Set<string>();
    mine.add(leaseId);
    byUser.set(lease.userId, mine);
  };
  const drop = (leaseId: string): Lease | undefined => {
    const lease = leases.get(leaseId);
    if (!lease) return undefined;
    leases.delete(leaseId);
    const mine = byUser.get(lease.userId);
    mine?.delete(leaseId);
    if (mine?.size === 0) byUser.delete(lease.userId);
    return lease;
  };
  const maxHoldMs = options.maxHoldMs ?? Number.POSITIVE_INFINITY;
  const held = (userId: string) => {
    const now = performance.now();
    for (const leaseId of byUser.get(userId) ?? []) {
      const lease = leases.get(leaseId);
      if (lease && now - lease.since > maxHoldMs) {
        log.warn({ userId, leaseId }, 'a stream slot was held past any stream’s life: released');
        void releaser(leaseId)();
      }
    }
    return [...(byUser.get(userId) ?? [])];
  };

  const releaser =
    (leaseId: string): ReleaseSlot =>
    async () => {
      const lease = drop(leaseId);
      if (!lease || !redis) return;
      if (availability?.up) {
        try {
          await timeBoxed(redis.zrem(lease.key, leaseId), timeBoxMs);
          return;
        } catch (error) {
          availability.reportFailure(error);
        }
      }
      stale.set(leaseId, lease.key);
    };

  /** Asks Redis; true or false is its answer, undefined means it did not give one. */
  const acquireShared = async (userId: string, key: string, leaseId: string, limit: number) => {
    if (!redis || !availability?.up) return undefined;
    const unwritten = held(userId).filter((id) => leases.get(id)?.state === 'memory');
    try {
      const args = [key, Math.round(clockOffsetMs()), limit, leaseMs, leaseId, ...unwritten];
      const granted = (await timeBoxed(runScript(redis, ACQUIRE, args), timeBoxMs)) === 1;
      for (const id of unwritten) {
        const written = leases.get(id);
        if (written) written.state = 'redis';
      }
      return granted;
    } catch (error) {
      availability.reportFailure(error);
      // The call may still land: should memory refuse too, the lease is deleted once Redis answers.
      stale.set(leaseId, key);
      return undefined;
    }
  };

  const writeLeases = async () => {
    if (!redis) return;
    const removals = [...stale];
    const written: string[] = [];
    const byKey = new Map<string, string[]>();
    const now = performance.now();
    for (const [leaseId, lease] of leases) {
      if (now - lease.since > maxHoldMs) {
        log.warn({ userId: lease.userId, leaseId }, 'a stream slot was held past any stream’s life: released');
        void releaser(leaseId)();
        continue;
      }
      byKey.set(lease.key, [...(byKey.get(lease.key) ?? []), leaseId]);
      written.push(leaseId);
    }
    const offset = Math.round(clockOffsetMs());
    await timeBoxed(
      Promise.all([
        ...removals.map(([leaseId, key]) => redis.zrem(key, leaseId)),
        ...[...byKey].map(([key, ids]) => runScript(redis, REFRESH, [key, offset, leaseMs, ...ids])),
      ]),
      SYNC_TIME_BOX_MS,
    );
    for (const [leaseId] of removals) stale.delete(leaseId);
    for (const leaseId of written) {
      const lease = leases.get(leaseId);
      if (lease) lease.state = 'redis';
    }
  };

  const refreshTimer =
    redis && availability
      ? setInterval(
          () => {
            if (!availability.up) return;
            writeLeases().catch((error: unknown) => availability.reportFailure(error));
          },
          options.refreshMs ?? leaseMs / 3,
        )
      : null;
  refreshTimer?.unref();

  return {
    async acquire(user, requestId) {
      const limit = TIER_RULES[user.tier].concurrentStreams;
      const leaseId = randomUUID();
      const key = streamSlotsKey(options.keyPrefix, user.id);
      let state: Lease['state'] = 'redis';
      let granted = await acquireShared(user.id, key, leaseId, limit);
      if (granted === undefined) {
        // Counted and held with no await between, so concurrent requests cannot both take the last slot.
        granted = held(user.id).length < limit;
        state = 'memory';
      }
      if (!granted) {
        log.info({ requestId, userId: user.id, limit }, 'too many streams');
        throw tooManyStreams(user.tier, limit);
      }
      stale.delete(leaseId);
      hold(leaseId, { userId: user.id, key, state, since: performance.now() });
      return releaser(leaseId);
    },

    refuseIfFullHere(user, requestId) {
      const limit = TIER_RULES[user.tier].concurrentStreams;
      if (held(user.id).length < limit) return;
      log.info({ requestId, userId: user.id, limit }, 'too many streams on this instance');
      throw tooManyStreams(user.tier, limit);
    },

    async sync() {
      for (let round = 0; round < SYNC_ROUNDS; round += 1) {
        await writeLeases();
        const unwritten = [...leases.values()].some((lease) => lease.state === 'memory');
        if (!unwritten && stale.size === 0) return;
      }
      throw new Error('streams kept starting while their leases were written into redis');
    },

    async close() {
      if (refreshTimer) clearInterval(refreshTimer);
      // Streams end before the app closes; any lease left would otherwise block its user until it lapses.
      await Promise.all([...leases.keys()].map((leaseId) => releaser(leaseId)()));
    },
  };
}
