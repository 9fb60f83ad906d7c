// What a request cost: its token counts priced by the model's row in force on the request's date. The rows
// live in models.ts; an operator-priced COACH_MODEL (COACH_PRICE_*) is priced by its own row.
import type { CoachModel } from './coach-model.js';
import { modelSpec, priceRowAt, type PriceRow } from './models.js';

export type { PriceRow } from './models.js';

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** The price of `model` on a date, or undefined for a model we cannot price. */
export type PriceLookup = (model: string, at: Date) => PriceRow | undefined;

/** Prices from the table, with the configured coach model (and its dated snapshots) priced as configured. */
export function priceLookup(coach: Pick<CoachModel, 'id' | 'spec'>): PriceLookup {
  return (model, at) => {
    if (model === coach.id || model.replace(/-\d{8}$/, '') === coach.id) return priceRowAt(coach.spec, at);
    const spec = modelSpec(model);
    return spec ? priceRowAt(spec, at) : undefined;
  };
}

const PER_MILLION = 1_000_000;

/** The rates a request pays: prompt-length pricing applies when its whole input passes the threshold. */
function ratesFor(price: PriceRow, tokens: TokenCounts): Omit<PriceRow, 'effectiveFrom' | 'longContext'> {
  const prompt = tokens.inputTokens + tokens.cacheReadTokens + tokens.cacheWriteTokens;
  return price.longContext && prompt > price.longContext.aboveInputTokens ? price.longContext : price;
}

/** Cost in USD, rounded to 6 decimals (the precision of token_usage.cost_usd). */
export function costUsd(price: PriceRow, tokens: TokenCounts): number {
  const rates = ratesFor(price, tokens);
  const micro =
    tokens.inputTokens * rates.input +
    tokens.cacheWriteTokens * rates.cacheWrite +
    tokens.cacheReadTokens * rates.cacheRead +
    tokens.outputTokens * rates.output;
  return Math.round(micro) / PER_MILLION;
}

/** What cache reads saved against paying full input price for the same tokens. */
export function cacheSavingsUsd(price: PriceRow, cacheReadTokens: number): number {
  return Math.round(cacheReadTokens * (price.input - price.cacheRead)) / PER_MILLION;
}
