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

export const usageRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.addHook('onRequest', app.authenticate);
  const priceFor = priceLookup(config.anthropic.coach);

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
      if (request.query.settled) await app.turns.whenSettled(user.id, request.query.settled, SETTLED_WAIT_MS);
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
