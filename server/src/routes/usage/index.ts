// GET /usage/current (this billing period, summed in SQL) and GET /usage/history (newest records).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/env.js';
import { priceLookup } from '../../config/pricing.js';
import { ErrorBody } from '../../contract/errors.js';
import { UsageCurrentResponse, UsageHistoryQuery, UsageHistoryResponse } from '../../contract/usage.js';
import { AppError } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { billingPeriodAt } from '../../services/billing-period.js';
import { summarizeUsage } from '../../services/usage-summary.js';

export const usageRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  app.addHook('onRequest', app.authenticate);
  const priceFor = priceLookup(config.anthropic.coach);

  app.get(
    '/usage/current',
    { schema: { response: { 200: UsageCurrentResponse, 401: ErrorBody } } },
    async (request) => {
      const user = currentUser(request);
      const period = billingPeriodAt(user.periodStart, new Date());
      const [totals, quotaUsed] = await Promise.all([
        app.repos.usage.periodTotals(user.id, period.start),
        app.repos.usage.quotaUsed(user.id, period.start),
      ]);
      return summarizeUsage(user.tier, period, totals, priceFor, quotaUsed);
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
