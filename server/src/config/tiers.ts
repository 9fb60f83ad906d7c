// What each subscription tier may do: request rates and the monthly token quota.
export const TIERS = ['free', 'pro', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

export interface TierRules {
  requestsPerMinute: number;
  /** null: no hourly limit. */
  requestsPerHour: number | null;
  /** Monthly quota in the user's own tokens, each counted once when new (see usage-summary.ts); null: no cap. */
  monthlyTokens: number | null;
  /** Free is blocked at its quota; paid tiers continue and the overage is recorded. */
  blockAtQuota: boolean;
}

export const TIER_RULES: Readonly<Record<Tier, TierRules>> = {
  free: { requestsPerMinute: 10, requestsPerHour: 50, monthlyTokens: 100_000, blockAtQuota: true },
  pro: { requestsPerMinute: 30, requestsPerHour: 300, monthlyTokens: 2_000_000, blockAtQuota: false },
  enterprise: { requestsPerMinute: 60, requestsPerHour: null, monthlyTokens: 10_000_000, blockAtQuota: false },
};
