// Model prices in USD per million tokens, with the date each price took effect. Cost of a request is
// priced by the row in force when the request was made. Sources: Anthropic's model pages.
export interface ModelPrice {
  model: string;
  /** ISO date (UTC) from which this row applies. */
  effectiveFrom: string;
  input: number;
  /** 5-minute cache write: 1.25x input. */
  cacheWrite: number;
  /** Cache read: 0.1x input. */
  cacheRead: number;
  output: number;
}

export const MODEL_PRICES: readonly ModelPrice[] = [
  { model: 'claude-sonnet-5-5', effectiveFrom: '2026-09-01', input: 2, cacheWrite: 2.5, cacheRead: 0.2, output: 10 },
  { model: 'claude-sonnet-5', effectiveFrom: '2026-06-30', input: 2, cacheWrite: 2.5, cacheRead: 0.2, output: 10 },
  { model: 'claude-sonnet-4-5', effectiveFrom: '2025-09-29', input: 3, cacheWrite: 3.75, cacheRead: 0.3, output: 15 },
  { model: 'claude-opus-5-5', effectiveFrom: '2026-09-01', input: 4, cacheWrite: 5, cacheRead: 0.4, output: 20 },
  { model: 'claude-haiku-4-5', effectiveFrom: '2025-10-01', input: 1, cacheWrite: 1.25, cacheRead: 0.1, output: 5 },
];

/** Dated snapshots (`claude-sonnet-4-5-20250929`) are priced as their alias. */
const aliasOf = (model: string): string => model.replace(/-\d{8}$/, '');

/** The price row in force for `model` at `at`, or undefined when the model is not in the table. */
export function priceFor(model: string, at: Date = new Date()): ModelPrice | undefined {
  const alias = aliasOf(model);
  const day = at.toISOString().slice(0, 10);
  return (
    MODEL_PRICES.filter((row) => row.model === alias)
      .sort((a, b) => b.effectiveFrom.localeCompare(a.effectiveFrom))
      .find((row) => row.effectiveFrom <= day) ??
    // A request dated before the first known row still has a price: the oldest one we know.
    MODEL_PRICES.filter((row) => row.model === alias).sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom))[0]
  );
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

const PER_MILLION = 1_000_000;

/** Cost in USD, rounded to 6 decimals (the precision of token_usage.cost_usd). */
export function costUsd(price: ModelPrice, tokens: TokenCounts): number {
  const micro =
    tokens.inputTokens * price.input +
    tokens.cacheWriteTokens * price.cacheWrite +
    tokens.cacheReadTokens * price.cacheRead +
    tokens.outputTokens * price.output;
  return Math.round(micro) / PER_MILLION;
}

/** What cache reads saved against paying full input price for the same tokens. */
export function cacheSavingsUsd(price: ModelPrice, cacheReadTokens: number): number {
  return Math.round(cacheReadTokens * (price.input - price.cacheRead)) / PER_MILLION;
}
