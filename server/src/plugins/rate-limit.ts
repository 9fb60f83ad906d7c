// Per-user, per-tier request limits as a hook routes opt into, after authentication:
// `{ onRequest: [app.authenticate, app.rateLimit] }`. Sets the X-RateLimit-* headers, answers 429
// `rate_limited` when a window is full, and records each rejection off the request path.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config/env.js';
import { AppError } from '../errors.js';
import { createRateLimitEventRecorder } from '../services/rate-limit-events.js';
import {
  closestToExhaustion,
  createMemoryRateLimiter,
  withMemoryFallback,
  windowRules,
  type RateLimitDecision,
  type RateLimiter,
} from '../services/rate-limiter.js';
import { createRedisRateLimiter, DEFAULT_KEY_PREFIX } from '../services/rate-limiter-redis.js';
import { currentUser } from './auth.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Place after `authenticate`: limits the signed-in user by tier (never by IP or client headers). */
    rateLimit: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

function rejectionMessage(tier: string, limit: number, decision: Extract<RateLimitDecision, { allowed: false }>) {
  const per = decision.window === 'hour' ? 'an hour' : 'a minute';
  return `Too many requests: the ${tier} plan allows ${limit} ${per}. Try again in ${seconds(decision.retryAfterMs)} s.`;
}

export const rateLimitPlugin = fp<{ config: Pick<Config, 'rateLimit'> }>(
  async (app: FastifyInstance, { config }) => {
    const settings = config.rateLimit ?? {};
    const clockOffsetMs = settings.clockOffsetMs ?? (() => 0);
    const memory = createMemoryRateLimiter({ now: () => performance.now() + clockOffsetMs() });
    const limiter: RateLimiter =
      app.redis && app.redisAvailability
        ? withMemoryFallback(
            createRedisRateLimiter(app.redis, {
              keyPrefix: settings.keyPrefix ?? DEFAULT_KEY_PREFIX,
              clockOffsetMs,
            }),
            memory,
            app.redisAvailability,
          )
        : memory;

    const events = createRateLimitEventRecorder({ db: app.db, log: app.log, ...settings.events });
    // Hooks of one level close in reverse order: this flush runs before the database plugin's pool closes.
    app.addHook('onClose', () => events.close());

    app.decorate('rateLimit', async (request: FastifyRequest, reply: FastifyReply) => {
      const user = currentUser(request);
      const decision = await limiter.consume(user.id, windowRules(user.tier));
      const shown = closestToExhaustion(decision.windows);
      if (shown) {
        void reply.headers({
          'x-ratelimit-limit': String(shown.limit),
          'x-ratelimit-remaining': String(shown.remaining),
          'x-ratelimit-reset': String(seconds(shown.resetMs)),
        });
      }
      if (decision.allowed) return;

      const limit = decision.windows.find((window) => window.window === decision.window)?.limit ?? 0;
      events.record({
        userId: user.id,
        tier: user.tier,
        route: request.routeOptions.url ?? request.url.split('?')[0] ?? '',
        window: decision.window,
        limit,
        requestId: request.id,
        at: new Date(),
      });
      throw new AppError(
        'rate_limited',
        rejectionMessage(user.tier, limit, decision),
        { window: decision.window, retryAfterMs: decision.retryAfterMs },
        { 'retry-after': String(seconds(decision.retryAfterMs)) },
      );
    });
  },
  { name: 'rate-limit', dependencies: ['database', 'redis', 'auth'] },
);
