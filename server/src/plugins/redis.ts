// Redis for shared rate limits (REDIS_URL). Without it the server runs its in-process limiter. The client
// never queues commands while disconnected and gives up fast, so a Redis outage cannot hang a request.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import type { Config } from '../config/env.js';
import type { DependencyStatus } from './auth.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** null in the embedded default (no REDIS_URL). */
    redis: Redis | null;
    redisStatus(): Promise<DependencyStatus>;
  }
}

export const REDIS_COMMAND_TIMEOUT_MS = 50;

export const redisPlugin = fp<{ config: Pick<Config, 'redisUrl'> }>(
  async (app: FastifyInstance, { config }) => {
    const redis = config.redisUrl
      ? new Redis(config.redisUrl, {
          connectTimeout: 500,
          commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          // Keep trying to come back, at most every 2 s, for as long as the server runs.
          retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
        })
      : null;
    if (redis) {
      let healthy = true;
      redis.on('error', (error: Error) => {
        if (healthy) app.log.warn({ err: { message: error.message } }, 'redis unavailable');
        healthy = false;
      });
      redis.on('ready', () => {
        if (!healthy) app.log.info('redis is back');
        healthy = true;
      });
      app.addHook('onClose', async () => {
        redis.disconnect();
      });
    }
    app.decorate('redis', redis);
    app.decorate('redisStatus', async (): Promise<DependencyStatus> => {
      if (!redis) return { mode: 'memory', ok: true, latencyMs: null };
      const started = performance.now();
      try {
        await redis.ping();
        return { mode: 'redis', ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
      } catch {
        return { mode: 'redis', ok: false, latencyMs: null, message: 'redis is unreachable' };
      }
    });
  },
  { name: 'redis' },
);
