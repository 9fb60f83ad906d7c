// What each subscription tier may do: request rates, answers streaming at once and the monthly token quota.
import { TIER_MONTHLY_TOKENS, type Tier } from '../contract/usage.js';

export interface TierRules {
  requestsPerMinute: number;
  /** null: no hourly limit. */
  requestsPerHour: number | null;
  /** Answers that may stream at once, across every server instance. */
  concurrentStreams: number;
  /** Monthly quota in the user's own tokens, each counted once when new (see usage-summary.ts); null: no cap. */
  monthlyTokens: number | null;
  /** Free is blocked at its quota; paid tiers continue and the overage is recorded. */
  blockAtQuota: boolean;
}

export const TIER_RULES: Readonly<Record<Tier, TierRules>> = {
  free: {
    requestsPerMinute: 10,
    requestsPerHour: 50,
    concurrentStreams: 2,
    monthlyTokens: TIER_MONTHLY_TOKENS.free,
    blockAtQuota: true,
  },
  pro: {
    requestsPerMinute: 30,
    requestsPerHour: 300,
    concurrentStreams: 4,
    monthlyTokens: TIER_MONTHLY_TOKENS.pro,
    blockAtQuota: false,
  },
  enterprise: {
    requestsPerMinute: 60,
    requestsPerHour: null,
    concurrentStreams: 8,
    monthlyTokens: TIER_MONTHLY_TOKENS.enterprise,
    blockAtQuota: false,
  },
};
