// Answers streaming at once per trader, by tier: a route calls `app.streamSlots.acquire(user, request.id)`
// before its stream starts (429 too_many_streams when the plan's slots are taken) and the function it gets
// back however the stream ends; `refuseIfFullHere` refuses without Redis when this instance alone holds them all.
// Shared across instances through Redis, per instance without it.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config/env.js';
import { DEFAULT_KEY_PREFIX } from '../services/rate-limiter-redis.js';
import { createStreamSlots, type StreamSlots } from '../services/stream-slots.js';

declare module 'fastify' {
  interface FastifyInstance {
    streamSlots: Pick<StreamSlots, 'acquire' | 'refuseIfFullHere'>;
  }
}

export const streamSlotsPlugin = fp<{
  config: Pick<Config, 'rateLimit' | 'anthropic' | 'sseWriteTimeoutMs' | 'redisTimeBoxMs'>;
}>(
  async (app: FastifyInstance, { config }) => {
    const settings = config.rateLimit ?? {};
    const slots = createStreamSlots({
      redis: app.redis,
      availability: app.redisAvailability,
      keyPrefix: settings.keyPrefix ?? DEFAULT_KEY_PREFIX,
      ...(settings.clockOffsetMs ? { clockOffsetMs: settings.clockOffsetMs } : {}),
      // No stream outlives its deadline plus a slow reader's last write: a slot held longer leaked.
      maxHoldMs: config.anthropic.streamTimeoutMs + config.sseWriteTimeoutMs + 60_000,
      timeBoxMs: config.redisTimeBoxMs,
      ...settings.streamSlots,
      log: app.log,
    });
    app.redisAvailability?.beforeUp(() => slots.sync());
    app.addHook('onClose', () => slots.close());
    app.decorate('streamSlots', {
      acquire: (user, requestId) => slots.acquire(user, requestId),
      refuseIfFullHere: (user, requestId) => slots.refuseIfFullHere(user, requestId),
    });
  },
  { name: 'stream-slots', dependencies: ['redis'] },
);
