// GET /usage/current (this billing period, summed in SQL; `?settled=` waits for a stopped answer's record) and GET /usage/history (newest records).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/env.js';
import { priceLookup } from '../../config/pricing.js';
import { ErrorBody } from '../../contract/errors.js';
import {
  UsageCurrentQuery,
  UsageCurrentResponse,
  UsageHistoryQuery,
  UsageHistoryResponse,
} from '../../contract/usage.js';
import { AppError } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { billingPeriodAt } from '../../services/billing-period.js';
import { COUNT_WAIT_MS } from '../../services/coach-stream.js';
import { summarizeUsage } from '../../services/usage-summary.js';

/**
 * The longest a usage read waits for a stopped answer's turn to be recorded: a call stopped before the model's first
 * event is read for its count first (COUNT_WAIT_MS), then the turn's statement is retried for about 3 s.
 */
const SETTLED_WAIT_MS = COUNT_WAIT_MS + 5_000;

/**
 * Settled-waits one trader may have open at once on this instance. Each looks at the database every 250 ms for up to
 * SETTLED_WAIT_MS (about 40 queries), so without a cap one trader's parallel reads could keep the pool busy. The
 * desktop app's meter has one read open at a time (a read in flight is shared, one more queued) and the web page
 * reads once per stopped answer, so two leave room for both. A read past them answers at once with the usage as it
 * stands, not 429: the meter shows "Usage unavailable" for anything but a usage answer, and a later read shows the
 * stopped answer.
 */
const MAX_SETTLED_WAITS = 2;

export const usageRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.addHook('onRequest', app.authenticate);
  const priceFor = priceLookup(config.anthropic.coach);
  const settledWaits = new Map<string, number>();
  const waitForSettled = async (userId: string, requestId: string): Promise<void> => {
    const open = settledWaits.get(userId) ?? 0;
    if (open >= MAX_SETTLED_WAITS) return;
    settledWaits.set(userId, open + 1);
    try {
      await app.turns.whenSettled(userId, requestId, SETTLED_WAIT_MS);
    } finally {
      const left = (settledWaits.get(userId) ?? 1) - 1;
      if (left > 0) settledWaits.set(userId, left);
      else settledWaits.delete(userId);
    }
  };

  app.get(
    '/usage/current',
    {
      schema: {
        querystring: UsageCurrentQuery,
        response: { 200: UsageCurrentResponse, 400: ErrorBody, 401: ErrorBody },
      },
    },
    async (request) => {
      const user = currentUser(request);
      // After a Stop: the answer's turn is recorded once the server sees the hang-up, which can be after the
      // client let go. Waiting here for it (bounded) spares the client a guessed pause or repeated reads.
      if (request.query.settled) await waitForSettled(user.id, request.query.settled);
      const period = billingPeriodAt(user.periodStart, new Date());
      const [totals, quotaUsed, reportedOverage] = await Promise.all([
        app.repos.usage.periodTotals(user.id, period.start),
        app.repos.usage.quotaUsed(user.id, period.start),
        app.repos.billing.reportedOverage(user.id, period.start),
      ]);
      return summarizeUsage(user.tier, period, totals, priceFor, quotaUsed, reportedOverage);
    },
  );

  app.get(
    '/usage/history',
    { schema: { querystring: UsageHistoryQuery, response: { 200: UsageHistoryResponse, 400: ErrorBody } } },
    async (request) => {
      const user = currentUser(request);
      const page = await app.repos.usage.history(user.id, {
        limit: request.query.limit,
        ...(request.query.cursor ? { before: request.query.cursor } : {}),
      });
      if (!page) throw new AppError('invalid_request', 'cursor does not match any of your usage records');
      return {
        items: page.items.map((item) => ({
          id: item.id,
          createdAt: item.createdAt.toISOString(),
          conversationId: item.conversationId,
          model: item.model,
          inputTokens: item.inputTokens,
          outputTokens: item.outputTokens,
          cacheReadTokens: item.cacheReadTokens,
          cacheWriteTokens: item.cacheWriteTokens,
          costUsd: item.costUsd,
          latencyMs: item.latencyMs,
          ttftMs: item.ttftMs,
          status: item.status,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );
};
