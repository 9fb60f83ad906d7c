// Stream slot tests: the real app with a route that holds a slot for as long as the test keeps its
// "stream" open, the way chat/stream holds one for an answer.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import type { Database } from '../../src/db/database.js';
import { currentUser } from '../../src/plugins/auth.js';
import { streamSlotsKey } from '../../src/services/stream-slots.js';
import { buildTestApp, type TestApp } from './app.js';
import type { TestIssuer } from './issuer.js';
import type { TestClock } from './rate-limit.js';

export const STREAM_ROUTE = '/stream';

export interface SlotsAppOptions {
  database: Database;
  issuer: TestIssuer;
  /** Omit for the embedded default (slots counted in process). */
  redisUrl?: string;
  keyPrefix: string;
  clock?: TestClock;
  refreshMs?: number;
}

/** A stream the route holds open: refused (429) at once, or held until end(). */
export type OpenStream =
  { held: false; response: LightMyRequestResponse } | { held: true; end(): Promise<LightMyRequestResponse> };

export interface SlotsApp extends TestApp {
  open(headers: { authorization: string }): Promise<OpenStream>;
}

export async function buildSlotsApp(options: SlotsAppOptions): Promise<SlotsApp> {
  const streams = new Map<string, { held: () => void; ended: Promise<void> }>();
  const test = await buildTestApp({
    database: options.database,
    env: { ...options.issuer.env, ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}) },
    tweak: (config) => {
      config.rateLimit = {
        keyPrefix: options.keyPrefix,
        ...(options.clock ? { clockOffsetMs: options.clock.offset } : {}),
        ...(options.refreshMs ? { streamSlots: { refreshMs: options.refreshMs } } : {}),
      };
    },
    beforeReady: (app: FastifyInstance) => {
      app.post(STREAM_ROUTE, { onRequest: [app.authenticate] }, async (request) => {
        const stream = streams.get(String(request.headers['x-test-stream']));
        if (!stream) throw new Error('unknown test stream');
        const release = await app.streamSlots.acquire(currentUser(request), request.id);
        try {
          stream.held();
          await stream.ended;
        } finally {
          await release();
          // Releasing twice frees one slot, not two.
          await release();
        }
        return { ok: true };
      });
    },
  });

  return {
    ...test,
    async open(headers) {
      const name = randomUUID();
      let held = () => {};
      let end = () => {};
      const acquired = new Promise<'held'>((resolve) => (held = () => resolve('held')));
      const ended = new Promise<void>((resolve) => (end = resolve));
      streams.set(name, { held, ended });
      const response = test.app.inject({
        method: 'POST',
        url: STREAM_ROUTE,
        headers: { ...headers, 'x-test-stream': name },
      });
      const first = await Promise.race([acquired, response]);
      if (first !== 'held') return { held: false, response: first };
      return {
        held: true,
        end: () => {
          end();
          return response;
        },
      };
    },
  };
}

/** The expiry (ms on Redis' clock, offset included) of each lease Redis holds for the user. */
export async function leaseExpiries(redis: Redis, keyPrefix: string, userId: string): Promise<number[]> {
  const flat = await redis.zrange(streamSlotsKey(keyPrefix, userId), 0, -1, 'WITHSCORES');
  return flat.filter((_, index) => index % 2 === 1).map(Number);
}
