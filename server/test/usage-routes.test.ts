// GET /usage/current and /usage/history through HTTP: whole-period sums across a period boundary,
// paging, and limits on the query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonths } from '../src/services/billing-period.js';
import { usageRepository, type NewUsageRecord } from '../src/db/repositories/usage.js';
import { settleElsewhere, unsettledTurn } from './support/reservations.js';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';
import { usageRecord } from './support/usage-records.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h.close();
});

const record = (userId: string, overrides: Partial<NewUsageRecord>): NewUsageRecord =>
  usageRecord(userId, { requestId: 'req', ...overrides });

describe('GET /api/v1/usage/current', () => {
  it('sums every record of the current period and none of the previous one', async () => {
    const { user, fresh } = await h.trader();
    // A free trader's period is the calendar month (UTC).
    const today = new Date();
    const anchor = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
    expect(user.periodStart).toEqual(anchor);
    const previous = addMonths(anchor, -1);
    const usage = usageRepository(h.database.db);
    // Just before the boundary: last period. Just after: this one.
    await usage.insert(
      record(user.id, {
        billingPeriodStart: previous,
        createdAt: new Date(anchor.getTime() - 1000),
        inputTokens: 5_000,
        outputTokens: 5_000,
        costUsd: 1,
      }),
    );
    for (let index = 0; index < 40; index += 1) {
      await usage.insert(
        record(user.id, {
          billingPeriodStart: anchor,
          createdAt: new Date(anchor.getTime() + 1000 + index),
          inputTokens: 100,
          outputTokens: 200,
          cacheReadTokens: 1_000,
          cacheWriteTokens: index === 0 ? 1_500 : 0,
          costUsd: 0.0011,
          status: index === 39 ? 'cancelled' : 'ok',
        }),
      );
    }

    const response = await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers: await fresh() });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      tier: 'free',
      period: { start: anchor.toISOString(), end: addMonths(anchor, 1).toISOString() },
      tokens: { input: 4_000, output: 8_000, cacheRead: 40_000, cacheWrite: 1_500 },
      quota: { limit: 100_000, used: 12_000, remaining: 88_000, percent: 12 },
      overage: { tokens: 0, reportedTokens: 0 },
      requests: 40,
      costUsd: 0.044,
      // 40,000 of 45,500 prompt tokens came from the cache; each saved (2.00 - 0.10) USD per million (the
      // Sonnet 5.5 cache-read price in force since 2026-10-07).
      cache: { hitRate: 0.8791, savingsUsd: 0.076 },
    });
  });

  it('shows no cap for enterprise', async () => {
    const { user, headers, fresh } = await h.trader();
    await h.test.app.repos.users.setPlan(user.id, { tier: 'enterprise' });
    // Within the identity cache's 30 s the old row answers; a new token sees the change.
    expect((await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers })).json().tier).toBe(
      'free',
    );
    const body = (
      await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/current', headers: await fresh() })
    ).json();
    expect(body.tier).toBe('enterprise');
    expect(body.quota).toEqual({ limit: 10_000_000, used: 0, remaining: 10_000_000, percent: 0 });
  });
});

describe('GET /api/v1/usage/current?settled=', () => {
  it('waits for at most two of a trader’s answers at once; a third read answers at once', async () => {
    const { user, headers } = await h.trader();
    // Answers reserved and not settled yet (still streaming): a read naming one waits until it is recorded.
    const reserve = () => unsettledTurn(h.database.db, user.id);
    const settle = (requestId: string) => settleElsewhere(h.database.db, requestId);
    const read = (requestId: string) => {
      const answer = { done: false };
      const response = h.test.app
        .inject({ method: 'GET', url: `/api/v1/usage/current?settled=${requestId}`, headers })
        .finally(() => {
          answer.done = true;
        });
      return Object.assign(answer, { response });
    };

    const pending = [await reserve(), await reserve(), await reserve()];
    const waiting = [read(pending[0]!), read(pending[1]!)];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = performance.now();
    const third = await read(pending[2]!).response;
    expect(third.statusCode).toBe(200);
    expect(third.json().tier).toBe('free');
    // Loose: at once, not after a settled wait's 10 s.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(waiting.map((wait) => wait.done)).toEqual([false, false]);

    await Promise.all(pending.slice(0, 2).map(settle));
    expect((await Promise.all(waiting.map((wait) => wait.response))).map((response) => response.statusCode)).toEqual([
      200, 200,
    ]);
    // Those two answered: the next read waits again.
    const next = read(pending[2]!);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(next.done).toBe(false);
    await settle(pending[2]!);
    expect((await next.response).statusCode).toBe(200);
  });
});

describe('GET /api/v1/usage/history', () => {
  it('pages the newest records first', async () => {
    const { user, headers } = await h.trader();
    const usage = usageRepository(h.database.db);
    for (let index = 0; index < 3; index += 1) {
      await usage.insert(
        record(user.id, {
          requestId: `r${index}`,
          createdAt: new Date(Date.now() - (3 - index) * 1000),
          inputTokens: index,
        }),
      );
    }
    const first = (await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/history?limit=2', headers })).json();
    expect(first.items.map((item: { inputTokens: number }) => item.inputTokens)).toEqual([2, 1]);
    expect(first.items[0]).toEqual({
      id: expect.any(String),
      createdAt: expect.any(String),
      conversationId: null,
      model: 'claude-sonnet-5-5',
      inputTokens: 2,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0,
      latencyMs: 1000,
      ttftMs: 200,
      status: 'ok',
    });
    const rest = (
      await h.test.app.inject({
        method: 'GET',
        url: `/api/v1/usage/history?limit=2&cursor=${first.nextCursor}`,
        headers,
      })
    ).json();
    expect(rest).toEqual({ items: [expect.objectContaining({ inputTokens: 0 })], nextCursor: null });
  });

  it.each(['0', '101', '-1', 'ten'])('limit=%s is 400 invalid_request', async (limit) => {
    const { headers } = await h.trader();
    const response = await h.test.app.inject({ method: 'GET', url: `/api/v1/usage/history?limit=${limit}`, headers });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: { code: 'invalid_request', message: expect.stringContaining('limit') } });
  });

  it('a cursor that is not a uuid, or not the user’s, is 400', async () => {
    const { headers } = await h.trader();
    const notUuid = await h.test.app.inject({ method: 'GET', url: '/api/v1/usage/history?cursor=abc', headers });
    expect(notUuid.statusCode).toBe(400);
    const foreign = await h.test.app.inject({
      method: 'GET',
      url: `/api/v1/usage/history?cursor=${crypto.randomUUID()}`,
      headers,
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error.code).toBe('invalid_request');
  });
});
