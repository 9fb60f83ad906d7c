// Turns one period's per-model sums into what the trader sees: tokens, quota, cost, cache savings.
import { cacheSavingsUsd, type PriceLookup } from '../config/pricing.js';
import { TIER_RULES } from '../config/tiers.js';
import type { Quota, Tier, UsageCurrentResponse } from '../contract/usage.js';
import type { ModelTotals } from '../db/repositories/usage.js';
import type { BillingPeriod } from './billing-period.js';

/**
 * Quota counts the trader's own tokens once: new input (uncached, or written to the cache, less the shared
 * coaching prompt) and output. Tokens read back from the cache are not counted again.
 */
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

/** Tokens past the quota of a tier that continues past it (paid); free is blocked at its quota instead. */
export function overageOf(tier: Tier, used: number): number {
  const rules = TIER_RULES[tier];
  if (rules.blockAtQuota || rules.monthlyTokens === null) return 0;
  return Math.max(0, used - rules.monthlyTokens);
}

const roundUsd = (value: number): number => Math.round(value * 1_000_000) / 1_000_000;

export function summarizeUsage(
  tier: Tier,
  period: BillingPeriod,
  totals: readonly ModelTotals[],
  priceFor: PriceLookup,
  /** The quota counter the gate reads (users.quota_used): the rows' sum by construction, one figure for both. */
  quotaUsed: number,
  /** Overage tokens already sent to Stripe's meter this period. */
  reportedOverage = 0,
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
    quota: quotaOf(tier, quotaUsed),
    overage: { tokens: overageOf(tier, quotaUsed), reportedTokens: reportedOverage },
    requests: sum((row) => row.requests),
    costUsd: roundUsd(sum((row) => row.costUsd)),
    cache: {
      hitRate: promptTokens === 0 ? 0 : Math.round((cacheRead / promptTokens) * 10_000) / 10_000,
      savingsUsd: roundUsd(savingsUsd),
    },
  };
}

/** The shared coaching prompt's share of a call's cache write: written when nothing was read from the cache. */
export function quotaTokensOf(
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number },
  sharedPromptTokens: number,
): number {
  // Every request's first breakpoint ends the coaching prompt: any cache read includes it, so a request that
  // read nothing is the one that wrote it (for everyone), and that part is not the trader's.
  const shared =
    usage.cacheReadTokens > 0 ? 0 : Math.min(sharedPromptTokens, usage.inputTokens + usage.cacheWriteTokens);
  return usage.inputTokens + usage.cacheWriteTokens - shared + usage.outputTokens;
}
