// Rate limits count only requests that pass validation: rateLimit runs as a preHandler, after the body is
// checked, and rateLimitCheck (onRequest) refuses a user who is already at a limit before the body is
// read, admitting nothing itself. On Redis and on the embedded in-process limiter.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitKey, readRateLimitLog } from '../src/services/rate-limiter-redis.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { deleteKeys, newUser, TEST_REDIS_URL, uniqueKeyPrefix, useLimiterFixtures } from './support/rate-limit.js';

const ROUTE = '/validated';
const BODY_LIMIT_BYTES = 1024;

const fixtures = useLimiterFixtures();

const statuses = (responses: LightMyRequestResponse[]) => responses.map((response) => response.statusCode);

describe.each([{ backend: 'redis' as const }, { backend: 'memory' as const }])(
  'a limited route with a body schema, on $backend',
  ({ backend }) => {
    let test: TestApp;
    const keyPrefix = uniqueKeyPrefix();

    beforeAll(async () => {
      test = await buildTestApp({
        database: fixtures.database.db,
        env: { ...fixtures.issuer.env, ...(backend === 'redis' ? { REDIS_URL: TEST_REDIS_URL } : {}) },
        tweak: (config) => {
          config.rateLimit = { keyPrefix };
        },
        beforeReady: (app) => {
          app.post(
            ROUTE,
            {
              onRequest: [app.authenticate, app.rateLimitCheck],
              preHandler: [app.rateLimit],
              bodyLimit: BODY_LIMIT_BYTES,
              schema: {
                body: {
                  type: 'object',
                  required: ['message'],
                  properties: { message: { type: 'string', minLength: 1 } },
                  additionalProperties: false,
                },
              },
            },
            async () => ({ ok: true }),
          );
        },
      });
    });
    afterAll(async () => {
      await test.close();
      await deleteKeys(fixtures.redis, keyPrefix);
    });

    const post = (headers: { authorization: string }, payload: object | string) =>
      test.app.inject({
        method: 'POST',
        url: ROUTE,
        headers: { ...headers, 'content-type': 'application/json' },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
    const valid = (headers: { authorization: string }) => post(headers, { message: 'Is this a 2-1-2?' });
    const invalid = [{}, { message: '' }, { message: { text: 'hi' } }, '{"message": "unterminated'];
    const oversized = { message: 'x'.repeat(BODY_LIMIT_BYTES * 2) };

    it('answers invalid requests 400 without using a slot', async () => {
      const { user, headers } = await newUser(test.app, fixtures.issuer);
      const rejected: LightMyRequestResponse[] = [];
      for (let round = 0; round < 4; round += 1) {
        for (const body of invalid) rejected.push(await post(headers, body));
      }
      expect(statuses(rejected)).toEqual(Array<number>(16).fill(400));
      expect(rejected[0]?.json()).toMatchObject({ error: { code: 'invalid_request' } });
      expect(await post(headers, oversized)).toMatchObject({ statusCode: 413 });

      const admitted: LightMyRequestResponse[] = [];
      for (let request = 0; request < 11; request += 1) admitted.push(await valid(headers));
      expect(statuses(admitted)).toEqual([...Array<number>(10).fill(200), 429]);
      expect(admitted[0]?.headers['x-ratelimit-remaining']).toBe('9');
      if (backend === 'redis') {
        expect(await readRateLimitLog(fixtures.redis, rateLimitKey(keyPrefix, user.id))).toHaveLength(10);
      }
    });

    it('refuses a user already at the limit before reading the body, and the check admits nothing', async () => {
      const { headers } = await newUser(test.app, fixtures.issuer);
      for (let request = 0; request < 9; request += 1) expect((await valid(headers)).statusCode).toBe(200);
      // One slot left: the check lets an invalid request through to validation, which spends nothing.
      expect((await post(headers, {})).statusCode).toBe(400);
      const last = await valid(headers);
      expect(last.statusCode).toBe(200);
      expect(last.headers['x-ratelimit-remaining']).toBe('0');

      // Full: refused before the body is read, so neither its size nor its shape matters.
      for (const body of [oversized, {}, { message: 'one more?' }]) {
        const refused = await post(headers, body);
        expect(refused.statusCode).toBe(429);
        expect(refused.json()).toMatchObject({ error: { code: 'rate_limited', window: 'minute' } });
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(50);
        expect(refused.headers['x-ratelimit-remaining']).toBe('0');
      }
    });
  },
);
