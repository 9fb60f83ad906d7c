// Usage of the current billing period and the per-request history.
import { Type, type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const Tier = Type.Union([Type.Literal('free'), Type.Literal('pro'), Type.Literal('enterprise')]);
export type Tier = Static<typeof Tier>;

/**
 * Each tier's monthly quota in the trader's own tokens (null: no cap): the server's rules (config/tiers.ts) and
 * what the app says a plan gives are this one table.
 */
export const TIER_MONTHLY_TOKENS: Readonly<Record<Tier, number | null>> = {
  free: 100_000,
  pro: 2_000_000,
  enterprise: 10_000_000,
};

export const Quota = Type.Object(
  {
    /** null where the tier has no cap. */
    limit: Nullable(Type.Integer()),
    used: Type.Integer(),
    remaining: Nullable(Type.Integer()),
    percent: Nullable(Type.Number()),
  },
  { additionalProperties: false },
);
export type Quota = Static<typeof Quota>;

export const UsageCurrentResponse = Type.Object(
  {
    tier: Tier,
    period: Type.Object(
      { start: Type.String({ format: 'date-time' }), end: Type.String({ format: 'date-time' }) },
      { additionalProperties: false },
    ),
    tokens: Type.Object(
      { input: Type.Integer(), output: Type.Integer(), cacheRead: Type.Integer(), cacheWrite: Type.Integer() },
      { additionalProperties: false },
    ),
    quota: Quota,
    /** Tokens past a paid tier's quota this period, and how many of them Stripe's meter has been sent. */
    overage: Type.Object({ tokens: Type.Integer(), reportedTokens: Type.Integer() }, { additionalProperties: false }),
    requests: Type.Integer(),
    costUsd: Type.Number(),
    cache: Type.Object(
      {
        /** Share of prompt tokens served from the cache (0..1). */
        hitRate: Type.Number(),
        savingsUsd: Type.Number(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type UsageCurrentResponse = Static<typeof UsageCurrentResponse>;

export const UsageCurrentQuery = Type.Object(
  {
    /**
     * The `x-request-id` of a chat answer the client has just let go of (a Stop): the server answers once it
     * has recorded that turn, or after 5 s at most, so that one read shows it.
     */
    settled: Type.Optional(Type.String({ format: 'uuid' })),
  },
  { additionalProperties: false },
);
export type UsageCurrentQuery = Static<typeof UsageCurrentQuery>;

export const UsageHistoryQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 30 }),
    cursor: Type.Optional(Type.String({ format: 'uuid' })),
  },
  { additionalProperties: false },
);
export type UsageHistoryQuery = Static<typeof UsageHistoryQuery>;

export const UsageStatus = Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('cancelled')]);
export type UsageStatus = Static<typeof UsageStatus>;

export const UsageHistoryItem = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    createdAt: Type.String({ format: 'date-time' }),
    conversationId: Nullable(Type.String({ format: 'uuid' })),
    model: Type.String(),
    inputTokens: Type.Integer(),
    outputTokens: Type.Integer(),
    cacheReadTokens: Type.Integer(),
    cacheWriteTokens: Type.Integer(),
    costUsd: Type.Number(),
    latencyMs: Nullable(Type.Integer()),
    ttftMs: Nullable(Type.Integer()),
    status: UsageStatus,
  },
  { additionalProperties: false },
);
export type UsageHistoryItem = Static<typeof UsageHistoryItem>;

export const UsageHistoryResponse = Type.Object(
  { items: Type.Array(UsageHistoryItem), nextCursor: Nullable(Type.String()) },
  { additionalProperties: false },
);
export type UsageHistoryResponse = Static<typeof UsageHistoryResponse>;
