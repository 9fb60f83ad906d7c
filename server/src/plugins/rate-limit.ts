// Per-user, per-tier request limits as hooks routes opt into, after authentication and validation:
// `{ onRequest: [app.authenticate, app.rateLimitCheck], preHandler: [app.rateLimit] }`, and a small budget of
// its own for the routes that call Stripe (`app.billingRateLimit`). Sets the X-RateLimit-* headers, answers 429
// `rate_limited` when a window is full, and records each rejection off the request path.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config/env.js';
import type { User } from '../db/repositories/users.js';
import { AppError } from '../errors.js';
import { createRateLimitEventRecorder } from '../services/rate-limit-events.js';
import { withMemoryFallback } from '../services/rate-limiter-fallback.js';
import { createRedisRateLimiter, DEFAULT_KEY_PREFIX } from '../services/rate-limiter-redis.js';
import {
  closestToExhaustion,
  createMemoryRateLimiter,
  MINUTE_MS,
  windowRules,
  type LocalRateLimiter,
  type RateLimitDecision,
  type WindowRule,
} from '../services/rate-limiter.js';
import { currentUser } from './auth.js';

type RouteHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * A preHandler (after `authenticate`): admits the request against the signed-in user's tier, never by
     * IP or client headers, or answers 429. After validation, so an invalid request uses no slot.
     */
    rateLimit: RouteHook;
    /**
     * Optional, for routes with large bodies: an onRequest hook after `authenticate` that answers 429 before
     * the body is read when this server already knows the user is at a limit. It admits nothing; the
     * rateLimit preHandler still decides.
     */
    rateLimitCheck: RouteHook;
    /**
     * A preHandler (after `authenticate`) for the routes that call Stripe (Checkout, the Portal): BILLING_RULES per
     * user, whatever the tier, in a log of its own, so it takes no question from the tier's limit; or 429.
     */
    billingRateLimit: RouteHook;
  }
}

/**
 * Checkout and the Portal each call Stripe, whose rate limit is the operator's whole account (and the SDK retries a
 * refusal): one trader's loop of Upgrades (200 made 200 Checkout Sessions) could use it up and break every other
 * trader's Checkout and the overage reports. A trader clicks Upgrade or Manage plan once or twice; five a minute
 * leaves room for a retry.
 */
const BILLING_RULES: readonly WindowRule[] = [{ window: 'minute', limit: 5, durationMs: MINUTE_MS }];

/** The billing budget's log, beside the questions' (keyed by the bare user id, a UUID, so the two never meet). */
const billingBucket = (userId: string) => `billing:${userId}`;

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

function rejectionMessage(allowance: string, limit: number, decision: Extract<RateLimitDecision, { allowed: false }>) {
  const per = decision.window === 'hour' ? 'an hour' : 'a minute';
  return `Too many requests: ${allowance} ${limit} ${per}. Try again in ${seconds(decision.retryAfterMs)} s.`;
}

export const rateLimitPlugin = fp<{ config: Pick<Config, 'rateLimit' | 'redisTimeBoxMs'> }>(
  async (app: FastifyInstance, { config }) => {
    const settings = config.rateLimit ?? {};
    const clockOffsetMs = settings.clockOffsetMs ?? (() => 0);
    const memory = createMemoryRateLimiter({ now: () => performance.now() + clockOffsetMs() });
    let limiter: LocalRateLimiter = memory;
    if (app.redis && app.redisAvailability) {
      const shared = createRedisRateLimiter(app.redis, {
        keyPrefix: settings.keyPrefix ?? DEFAULT_KEY_PREFIX,
        clockOffsetMs,
        timeBoxMs: config.redisTimeBoxMs,
      });
      const fallback = withMemoryFallback(shared, memory, app.redisAvailability);
      app.redisAvailability.beforeUp(async () => {
        const users = await fallback.writeBack();
        if (users > 0) app.log.info({ users }, 'rate limits: what was admitted in memory is written into redis');
      });
      limiter = fallback;
    }

    const events = createRateLimitEventRecorder({ db: app.db, log: app.log, ...settings.events });
    // Hooks of one level close in reverse order: this flush runs before the database plugin's pool closes.
    app.addHook('onClose', () => events.close());

    const showUsage = (reply: FastifyReply, decision: RateLimitDecision) => {
      const shown = closestToExhaustion(decision.windows);
      if (!shown) return;
      void reply.headers({
        'x-ratelimit-limit': String(shown.limit),
        'x-ratelimit-remaining': String(shown.remaining),
        'x-ratelimit-reset': String(seconds(shown.resetMs)),
      });
    };

    const reject = (
      request: FastifyRequest,
      user: User,
      decision: Extract<RateLimitDecision, { allowed: false }>,
      allowance = `the ${user.tier} plan allows`,
    ): never => {
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
        rejectionMessage(allowance, limit, decision),
        { window: decision.window, retryAfterMs: decision.retryAfterMs },
        { 'retry-after': String(seconds(decision.retryAfterMs)) },
      );
    };

    app.decorate('rateLimit', async (request: FastifyRequest, reply: FastifyReply) => {
      const user = currentUser(request);
      const decision = await limiter.consume(user.id, windowRules(user.tier));
      showUsage(reply, decision);
      if (!decision.allowed) reject(request, user, decision);
    });

    app.decorate('rateLimitCheck', async (request: FastifyRequest, reply: FastifyReply) => {
      const user = currentUser(request);
      const decision = limiter.peek(user.id, windowRules(user.tier));
      if (decision.allowed) return;
      showUsage(reply, decision);
      reject(request, user, decision);
    });

    app.decorate('billingRateLimit', async (request: FastifyRequest, reply: FastifyReply) => {
      const user = currentUser(request);
      const decision = await limiter.consume(billingBucket(user.id), BILLING_RULES);
      showUsage(reply, decision);
      if (!decision.allowed) reject(request, user, decision, 'Upgrade and Manage plan allow');
    });
  },
  { name: 'rate-limit', dependencies: ['database', 'redis', 'auth'] },
);
