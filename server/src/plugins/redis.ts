// Redis for shared rate limits (REDIS_URL), and whether it is usable right now. The client never queues
// commands while disconnected and every call is time-boxed to 50 ms, so a Redis outage cannot hang a
// request; while it is away the limiters work from process memory, and a probe notices when it is back
// (what memory decided meanwhile is written into Redis before Redis decides again).
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import type { Config } from '../config/env.js';
import type { RedisStatus } from '../contract/health.js';
import type { SharedLimiterAvailability } from '../services/rate-limiter.js';
import { REDIS_TIME_BOX_MS, timeBoxed } from '../services/rate-limiter-redis.js';

export interface RedisAvailability extends SharedLimiterAvailability {
  /** Resolves once the first connection attempt has succeeded or failed (or after timeoutMs). */
  settled(timeoutMs: number): Promise<void>;
  /**
   * Runs `sync` each time Redis answers again, before the limiters use it: Redis counts only once it holds
   * what they decided in memory. Should it reject, Redis stays unused and the next probe tries again.
   */
  beforeUp(sync: () => Promise<void>): void;
  close(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** null in the embedded default (no REDIS_URL). */
    redis: Redis | null;
    /** null in the embedded default; otherwise whether the limiter should use Redis right now. */
    redisAvailability: RedisAvailability | null;
    redisStatus(): Promise<RedisStatus>;
  }
}

/**
 * The client's own timeout is only a backstop that keeps nothing pending for long: callers time-box
 * their calls with timeBoxed() (REDIS_TIME_BOX_MS, 50 ms by default), which unlike commandTimeout does not misfire
 * when the event loop was busy while the reply arrived.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;
const PROBE_INTERVAL_MS = 250;
const STARTUP_WAIT_MS = 2_000;

export function createRedisClient(url: string): Redis {
  return new Redis(url, {
    connectTimeout: 500,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // Keep trying to come back, at most every 2 s, for as long as the server runs.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
}

/**
 * Tracks whether Redis answers: down on a connection error or a failed command, up again only when a
 * PING gets through (a stalled connection stays "ready" to ioredis while nothing comes back). Logs once
 * per transition.
 */
export function monitorRedis(
  redis: Redis,
  log: Pick<FastifyBaseLogger, 'warn' | 'info'>,
  probeIntervalMs = PROBE_INTERVAL_MS,
  /** How long a probe's PING may take (REDIS_TIME_BOX_MS). */
  timeBoxMs = REDIS_TIME_BOX_MS,
): RedisAvailability {
  let state: 'starting' | 'up' | 'down' = 'starting';
  let closed = false;
  let probing = false;
  let probeTimer: NodeJS.Timeout | null = null;
  /** Counts every failure reported, also while down, so a sync that raced one is not trusted. */
  let failures = 0;
  const settledListeners = new Set<() => void>();
  const syncs: (() => Promise<void>)[] = [];

  const settle = () => {
    for (const listener of settledListeners) listener();
    settledListeners.clear();
  };
  const stopProbing = () => {
    if (probeTimer) clearInterval(probeTimer);
    probeTimer = null;
  };
  const markUp = () => {
    if (closed || state === 'up') return;
    if (state === 'down') log.info('redis is back: rate limits are shared again');
    state = 'up';
    stopProbing();
    settle();
  };
  const markDown = (reason: string) => {
    failures += 1;
    if (closed || state === 'down') return;
    log.warn({ reason }, 'redis unavailable: rate limits fall back to process memory (per instance)');
    state = 'down';
    startProbing();
    settle();
  };
  const probe = async () => {
    if (closed || probing || redis.status !== 'ready') return;
    probing = true;
    try {
      await timeBoxed(redis.ping(), timeBoxMs);
      if (state !== 'up' && syncs.length > 0) {
        const failuresBefore = failures;
        for (const sync of syncs) await sync();
        if (failures !== failuresBefore) return;
      }
      markUp();
    } catch (error) {
      markDown(error instanceof Error ? error.message : String(error));
    } finally {
      probing = false;
    }
  };
  function startProbing() {
    if (probeTimer || closed) return;
    probeTimer = setInterval(() => void probe(), probeIntervalMs);
    probeTimer.unref();
  }

  redis.on('ready', () => void probe());
  redis.on('error', (error: Error) => markDown(error.message));
  redis.on('close', () => markDown('connection closed'));
  startProbing();

  return {
    get up() {
      return state === 'up';
    },
    reportFailure(error: unknown) {
      markDown(error instanceof Error ? error.message : String(error));
    },
    beforeUp(sync) {
      syncs.push(sync);
    },
    settled(timeoutMs) {
      if (state !== 'starting') return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        settledListeners.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    close() {
      closed = true;
      stopProbing();
      settle();
    },
  };
}

const FALLBACK_STATUS: RedisStatus = {
  mode: 'memory-fallback',
  ok: false,
  latencyMs: null,
  message: 'redis is unreachable: rate limits are enforced in process memory, per instance',
};

export const redisPlugin = fp<{ config: Pick<Config, 'redisUrl' | 'redisTimeBoxMs'> }>(
  async (app: FastifyInstance, { config }) => {
    const redis = config.redisUrl ? createRedisClient(config.redisUrl) : null;
    const availability = redis ? monitorRedis(redis, app.log, PROBE_INTERVAL_MS, config.redisTimeBoxMs) : null;
    if (redis && availability) {
      app.addHook('onClose', async () => {
        availability.close();
        redis.disconnect();
      });
      // Start on Redis when it is there; a server whose Redis is down still starts, limiting in memory.
      await availability.settled(STARTUP_WAIT_MS);
    }
    app.decorate('redis', redis);
    app.decorate('redisAvailability', availability);
    app.decorate('redisStatus', async (): Promise<RedisStatus> => {
      if (!redis || !availability) return { mode: 'memory', ok: true, latencyMs: null };
      if (!availability.up) return FALLBACK_STATUS;
      const started = performance.now();
      try {
        await timeBoxed(redis.ping(), config.redisTimeBoxMs);
        return { mode: 'redis', ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
      } catch (error) {
        availability.reportFailure(error);
        return FALLBACK_STATUS;
      }
    });
  },
  { name: 'redis' },
);
