// Every Claude chat model the installed SDK names: dated prices, how it thinks, the effort levels it takes,
// its cache minimum, limits and retirement. One row per model, each citing where its facts come from.
// The `satisfies` below fails the build when an SDK upgrade names a model this table does not cover.
import type { Model } from '@anthropic-ai/sdk/resources/messages';

export type Effort = 'low' | 'medium' | 'high' | 'xhigh' | 'max';
export const EFFORTS: readonly Effort[] = ['low', 'medium', 'high', 'xhigh', 'max'];

/**
 * adaptive-default: thinks adaptively with no `thinking` field (the Claude 5 models).
 * adaptive-optional: off until `thinking: { type: "adaptive" }` is sent (Opus 4.6–4.8, Sonnet 4.6).
 * budgeted: extended thinking with `{ type: "enabled", budget_tokens }` (the 4.5 models).
 * none: sends no thinking field (an operator-priced model we know nothing about).
 */
export type ThinkingMode = 'adaptive-default' | 'adaptive-optional' | 'budgeted' | 'none';

/** USD per million tokens, in force from `effectiveFrom` (UTC date) until the next row. */
export interface PriceRow {
  effectiveFrom: string;
  input: number;
  output: number;
  /** 5-minute cache write. */
  cacheWrite: number;
  cacheRead: number;
  /** Prompt-length pricing: a request whose whole input passes `aboveInputTokens` pays these instead. */
  longContext?: { aboveInputTokens: number; input: number; output: number; cacheWrite: number; cacheRead: number };
}

export interface ModelSpec {
  prices: readonly PriceRow[];
  thinking: ThinkingMode;
  /** How to turn thinking off near a free trader's quota; null where the model has no way (400). */
  thinkingOff: 'disabled' | 'between_tools' | null;
  /** Levels `output_config.effort` accepts; empty: the model takes no effort parameter. */
  efforts: readonly Effort[];
  /** The shortest prefix the API caches (shorter prompts are simply not cached). */
  minCacheableTokens: number;
  maxOutputTokens: number;
  contextWindow: number;
  /** Release date, and the announced retirement date (null: none announced). */
  released: string;
  retires: string | null;
  /** limited: invitation or verification programme only. */
  access: 'general' | 'limited';
}

export type ModelEntry = ModelSpec | { snapshotOf: SdkChatModel } | { excluded: string };

/** The model ids the SDK's `Model` union spells out (its open `string & {}` member removed). */
export type SdkChatModel = Model extends infer Each
  ? Each extends string
    ? string extends Each
      ? never
      : Each
    : never
  : never;

const ALL_EFFORTS = EFFORTS;
const UP_TO_MAX: readonly Effort[] = ['low', 'medium', 'high', 'max'];
const M = 1_000_000;
const K128 = 128_000;

// Sources, read 2026-11-29 (docs as of October 2026 unless a row says otherwise):
// [P] platform.claude.com/docs/en/about-claude/pricing       [T] …/build-with-claude/thinking
// [E] …/build-with-claude/effort                              [C] …/build-with-claude/prompt-caching
// [D] …/about-claude/model-deprecations                       [M] …/models/<id>/overview
// [R] …/release-notes/overview                                [S] @anthropic-ai/sdk internal/data/deprecated-models
export const MODEL_TABLE = {
  // [R] + "What's new in Fable 5.2": $8/$40, always adaptive, effort default high, 1M/128K. Cache prices are the
  // documented multipliers (write 1.25x, read 0.1x); the effort list and cache minimum were not yet published,
  // so only low/medium/high are sent and 512 (as Fable 5.1) is assumed.
  'claude-fable-5-2': {
    prices: [{ effectiveFrom: '2026-11-09', input: 8, output: 40, cacheWrite: 10, cacheRead: 0.8 }],
    thinking: 'adaptive-default',
    thinkingOff: null,
    efforts: ['low', 'medium', 'high'],
    minCacheableTokens: 512,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-11-09',
    retires: null,
    access: 'general',
  },
  // As Fable 5.2 [R]; access through the Cyber Verification Program only.
  'claude-mythos-5-2': {
    prices: [{ effectiveFrom: '2026-11-09', input: 8, output: 40, cacheWrite: 10, cacheRead: 0.8 }],
    thinking: 'adaptive-default',
    thinkingOff: null,
    efforts: ['low', 'medium', 'high'],
    minCacheableTokens: 512,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-11-09',
    retires: null,
    access: 'limited',
  },
  // [M][P][T][E][C]: priced by prompt length (≤100K / >100K), `disabled` allowed at effort ≤ high.
  'claude-haiku-5-5': {
    prices: [
      {
        effectiveFrom: '2026-10-07',
        input: 0.1,
        output: 0.5,
        cacheWrite: 0.125,
        cacheRead: 0.01,
        longContext: { aboveInputTokens: 100_000, input: 0.5, output: 2.5, cacheWrite: 0.625, cacheRead: 0.05 },
      },
    ],
    thinking: 'adaptive-default',
    thinkingOff: 'disabled',
    efforts: ALL_EFFORTS,
    minCacheableTokens: 512,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-10-07',
    retires: null,
    access: 'general',
  },
  // [M][P]: `disabled` is a 400; `between_tools` turns off up-front thinking at effort ≤ high. Cache read
  // $0.20 at launch, $0.10 on the October pricing page (the 2026-10-07 date is from third-party release notes).
  'claude-sonnet-5-5': {
    prices: [
      { effectiveFrom: '2026-09-28', input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 },
      { effectiveFrom: '2026-10-07', input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.1 },
    ],
    thinking: 'adaptive-default',
    thinkingOff: 'between_tools',
    efforts: ALL_EFFORTS,
    minCacheableTokens: 512,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-09-28',
    retires: null,
    access: 'general',
  },
  // [M][P]: thinking cannot be turned off.
  'claude-fable-5-1': {
    prices: [{ effectiveFrom: '2026-09-01', input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 }],
    thinking: 'adaptive-default',
    thinkingOff: null,
    efforts: ALL_EFFORTS,
    minCacheableTokens: 512,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-09-01',
    retires: null,
    access: 'general',
  },
  // [M][P]: effort default medium; `disabled` and `between_tools` are both 400s.
  'claude-opus-5-5': {
    prices: [{ effectiveFrom: '2026-09-22', input: 4, output: 20, cacheWrite: 5, cacheRead: 0.2 }],
    thinking: 'adaptive-default',
    thinkingOff: null,
    efforts: ALL_EFFORTS,
    minCacheableTokens: 512,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-09-22',
    retires: null,
    access: 'general',
  },
  // [M]: as Fable 5.1; invitation only (Project Glasswing).
  'claude-mythos-5-1': {
    prices: [{ effectiveFrom: '2026-09-01', input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 }],
    thinking: 'adaptive-default',
    thinkingOff: null,
    efforts: ALL_EFFORTS,
    minCacheableTokens: 512,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-09-01',
    retires: null,
    access: 'limited',
  },
  // [P][R]: the launch price became the standard one (the planned rise to $3/$15 was cancelled); cache minimum 1,024 [C].
  'claude-sonnet-5': {
    prices: [{ effectiveFrom: '2026-06-30', input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 }],
    thinking: 'adaptive-default',
    thinkingOff: 'disabled',
    efforts: ALL_EFFORTS,
    minCacheableTokens: 1_024,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-06-30',
    retires: null,
    access: 'general',
  },
  // [P][D]
  'claude-fable-5': {
    prices: [{ effectiveFrom: '2026-06-09', input: 10, output: 50, cacheWrite: 12.5, cacheRead: 1 }],
    thinking: 'adaptive-default',
    thinkingOff: null,
    efforts: ALL_EFFORTS,
    minCacheableTokens: 512,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-06-09',
    retires: null,
    access: 'general',
  },
  // [P][D]: as Fable 5; limited availability.
  'claude-mythos-5': {
    prices: [{ effectiveFrom: '2026-06-09', input: 10, output: 50, cacheWrite: 12.5, cacheRead: 1 }],
    thinking: 'adaptive-default',
    thinkingOff: null,
    efforts: ALL_EFFORTS,
    minCacheableTokens: 512,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-06-09',
    retires: null,
    access: 'limited',
  },
  // [M]
  'claude-opus-5': {
    prices: [{ effectiveFrom: '2026-07-24', input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 }],
    thinking: 'adaptive-default',
    thinkingOff: 'disabled',
    efforts: ALL_EFFORTS,
    minCacheableTokens: 512,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-07-24',
    retires: null,
    access: 'general',
  },
  // [M][T]: thinking off until `{ type: "adaptive" }`; cache minimum 1,024 [C].
  'claude-opus-4-8': {
    prices: [{ effectiveFrom: '2026-05-28', input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 }],
    thinking: 'adaptive-optional',
    thinkingOff: 'disabled',
    efforts: ALL_EFFORTS,
    minCacheableTokens: 1_024,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-05-28',
    retires: null,
    access: 'general',
  },
  // [D][T]: cache minimum 2,048 [C].
  'claude-opus-4-7': {
    prices: [{ effectiveFrom: '2026-04-16', input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 }],
    thinking: 'adaptive-optional',
    thinkingOff: 'disabled',
    efforts: ALL_EFFORTS,
    minCacheableTokens: 2_048,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-04-16',
    retires: null,
    access: 'general',
  },
  // [D][S]: deprecated 2026-06-09 and retired 2026-06-30; Anthropic never published its price.
  'claude-mythos-preview': { excluded: 'retired on 2026-06-30 (research preview; no published price)' },
  // [T][D]: no xhigh; `enabled` is deprecated (the SDK warns), so adaptive is sent; cache minimum 4,096 [C].
  'claude-opus-4-6': {
    prices: [{ effectiveFrom: '2026-02-05', input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 }],
    thinking: 'adaptive-optional',
    thinkingOff: 'disabled',
    efforts: UP_TO_MAX,
    minCacheableTokens: 4_096,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-02-05',
    retires: null,
    access: 'general',
  },
  // [P][T]: $3/$15, no xhigh.
  'claude-sonnet-4-6': {
    prices: [{ effectiveFrom: '2026-02-17', input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 }],
    thinking: 'adaptive-optional',
    thinkingOff: 'disabled',
    efforts: UP_TO_MAX,
    minCacheableTokens: 1_024,
    maxOutputTokens: K128,
    contextWindow: M,
    released: '2026-02-17',
    retires: null,
    access: 'general',
  },
  // [D][T]: extended thinking with a budget, no effort parameter, 200K context; cache minimum 4,096 [C].
  'claude-haiku-4-5': {
    prices: [{ effectiveFrom: '2025-10-15', input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 }],
    thinking: 'budgeted',
    thinkingOff: 'disabled',
    efforts: [],
    minCacheableTokens: 4_096,
    maxOutputTokens: 64_000,
    contextWindow: 200_000,
    released: '2025-10-15',
    retires: null,
    access: 'general',
  },
  'claude-haiku-4-5-20251001': { snapshotOf: 'claude-haiku-4-5' },
  // [M][E][S]: effort low/medium/high only; retires 2027-01-22 (the SDK's deprecation list).
  'claude-opus-4-5': {
    prices: [{ effectiveFrom: '2025-11-24', input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 }],
    thinking: 'budgeted',
    thinkingOff: 'disabled',
    efforts: ['low', 'medium', 'high'],
    minCacheableTokens: 4_096,
    maxOutputTokens: 64_000,
    contextWindow: 200_000,
    released: '2025-11-24',
    retires: '2027-01-22',
    access: 'general',
  },
  'claude-opus-4-5-20251101': { snapshotOf: 'claude-opus-4-5' },
  // [D][S]: deprecated 2026-09-30, retires 2026-11-30 (replacement: Sonnet 5.5).
  'claude-sonnet-4-5': {
    prices: [{ effectiveFrom: '2025-09-29', input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 }],
    thinking: 'budgeted',
    thinkingOff: 'disabled',
    efforts: [],
    minCacheableTokens: 1_024,
    maxOutputTokens: 64_000,
    contextWindow: 200_000,
    released: '2025-09-29',
    retires: '2026-11-30',
    access: 'general',
  },
  'claude-sonnet-4-5-20250929': { snapshotOf: 'claude-sonnet-4-5' },
} as const satisfies Record<SdkChatModel, ModelEntry>;

const isSpec = (entry: ModelEntry | undefined): entry is ModelSpec => entry !== undefined && 'prices' in entry;

/**
 * The spec of a model id: a row, a listed snapshot, or an unlisted dated snapshot of a row
 * (`claude-sonnet-5-5-20260928` is priced as `claude-sonnet-5-5`). Undefined for excluded and unknown ids.
 */
export function modelSpec(model: string): ModelSpec | undefined {
  const table: Readonly<Record<string, ModelEntry>> = MODEL_TABLE;
  const entry = table[model] ?? table[model.replace(/-\d{8}$/, '')];
  if (entry && 'snapshotOf' in entry) return modelSpec(entry.snapshotOf);
  return isSpec(entry) ? entry : undefined;
}

/** Why a listed model is not offered, or undefined. */
export function modelExclusion(model: string): string | undefined {
  const entry: ModelEntry | undefined = (MODEL_TABLE as Readonly<Record<string, ModelEntry>>)[model];
  return entry && 'excluded' in entry ? entry.excluded : undefined;
}

/** The price row in force for `spec` on `at` (the oldest row for a date before every row). */
export function priceRowAt(spec: Pick<ModelSpec, 'prices'>, at: Date): PriceRow {
  const day = at.toISOString().slice(0, 10);
  const rows = [...spec.prices].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
  return rows.filter((row) => row.effectiveFrom <= day).at(-1) ?? (rows[0] as PriceRow);
}
