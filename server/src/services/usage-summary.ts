// Turns one period's per-model sums into what the trader sees: tokens, quota, cost, cache savings.
import { cacheSavingsUsd, type PriceLookup } from '../config/pricing.js';
import { TIER_RULES, type Tier } from '../config/tiers.js';
import type { Quota, UsageCurrentResponse } from '../contract/usage.js';
import type { ModelTotals } from '../db/repositories/usage.js';
import type { BillingPeriod } from './billing-period.js';

/** Quota counts the user's own tokens (uncached input + output); cached prompt tokens do not count. */
export function quotaOf(tier: Tier, used: number): Quota {
  const limit = TIER_RULES[tier].monthlyTokens;
  if (limit === null) return { limit: null, used, remaining: null, percent: null };
  return {
    limit,
    used,
    remaining: Math.max(0, limit - used),
    percent: Math.round((used / limit) * 1000) / 10,
  };
}

const roundUsd = (value: number): number => Math.round(value * 1_000_000) / 1_000_000;

export function summarizeUsage(
  tier: Tier,
  period: BillingPeriod,
  totals: readonly ModelTotals[],
  priceFor: PriceLookup,
): UsageCurrentResponse {
  const sum = (pick: (row: ModelTotals) => number) => totals.reduce((total, row) => total + pick(row), 0);
  const input = sum((row) => row.inputTokens);
  const output = sum((row) => row.outputTokens);
  const cacheRead = sum((row) => row.cacheReadTokens);
  const cacheWrite = sum((row) => row.cacheWriteTokens);
  const promptTokens = input + cacheRead + cacheWrite;
  const savingsUsd = sum((row) => {
    const price = priceFor(row.model, period.start);
    return price ? cacheSavingsUsd(price, row.cacheReadTokens) : 0;
  });
  return {
    tier,
    period: { start: period.start.toISOString(), end: period.end.toISOString() },
    tokens: { input, output, cacheRead, cacheWrite },
    quota: quotaOf(tier, input + output),
    requests: sum((row) => row.requests),
    costUsd: roundUsd(sum((row) => row.costUsd)),
    cache: {
      hitRate: promptTokens === 0 ? 0 : Math.round((cacheRead / promptTokens) * 10_000) / 10_000,
      savingsUsd: roundUsd(savingsUsd),
    },
  };
}
