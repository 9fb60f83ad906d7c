// The coaching model as configured: COACH_MODEL looked up in the model table (or priced by the operator with
// COACH_PRICE_*), the effort and answer budget to ask for, and the warnings to log at start.
import { ConfigError } from './config-error.js';
import { modelExclusion, modelSpec, type Effort, type ModelSpec, type PriceRow } from './models.js';

export const COACH_EFFORTS = ['low', 'medium', 'high'] as const satisfies readonly Effort[];
export type CoachEffort = (typeof COACH_EFFORTS)[number];

export interface CoachModel {
  id: string;
  spec: ModelSpec;
  /** table: server/src/config/models.ts; environment: COACH_PRICE_*. */
  priceSource: 'table' | 'environment';
  effort: CoachEffort;
  /** max_tokens of a turn with quota to spare: thinking and the answer share it. */
  maxTokens: number;
}

export interface CoachModelEnv {
  COACH_MODEL: string;
  COACH_EFFORT: CoachEffort;
  COACH_MAX_TOKENS: number;
  COACH_PRICE_INPUT?: number | undefined;
  COACH_PRICE_OUTPUT?: number | undefined;
  COACH_PRICE_CACHE_READ?: number | undefined;
  COACH_PRICE_CACHE_WRITE?: number | undefined;
}

const PRICE_VARIABLES = [
  ['COACH_PRICE_INPUT', 'input'],
  ['COACH_PRICE_OUTPUT', 'output'],
  ['COACH_PRICE_CACHE_READ', 'cacheRead'],
  ['COACH_PRICE_CACHE_WRITE', 'cacheWrite'],
] as const;
const PRICE_NAMES = PRICE_VARIABLES.map(([name]) => name).join(', ');
const RETIREMENT_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

/** The moment the API stops serving the model (its retirement day, 00:00 UTC); null when none is announced. */
export const retirementOf = (spec: Pick<ModelSpec, 'retires'>): Date | null =>
  spec.retires ? new Date(`${spec.retires}T00:00:00Z`) : null;

/** Whether the API no longer serves the model at `now`: its retirement day has come. */
export const isRetired = (spec: Pick<ModelSpec, 'retires'>, now: Date): boolean => {
  const retirement = retirementOf(spec);
  return retirement !== null && now >= retirement;
};

/** The operator's price row, when all four variables are set; ConfigError when only some are. */
function operatorPrice(env: CoachModelEnv, now: Date): PriceRow | undefined {
  const missing = PRICE_VARIABLES.filter(([name]) => env[name] === undefined).map(([name]) => name);
  if (missing.length === PRICE_VARIABLES.length) return undefined;
  if (missing.length > 0) {
    throw new ConfigError(`${missing.join(', ')} must be set too: a price needs all of ${PRICE_NAMES}`);
  }
  const price = { effectiveFrom: now.toISOString().slice(0, 10) } as PriceRow;
  for (const [name, field] of PRICE_VARIABLES) price[field] = env[name] as number;
  return price;
}

/** What is known of a model outside the table: nothing but its operator's price. */
const unknownModel = (price: PriceRow, maxTokens: number): ModelSpec => ({
  prices: [price],
  thinking: 'none',
  thinkingOff: null,
  efforts: [],
  minCacheableTokens: 1_024,
  maxOutputTokens: maxTokens,
  contextWindow: 200_000,
  released: price.effectiveFrom,
  retires: null,
  access: 'general',
});

export function resolveCoachModel(env: CoachModelEnv, now: Date): { model: CoachModel; warnings: string[] } {
  const id = env.COACH_MODEL;
  const warnings: string[] = [];
  const excluded = modelExclusion(id);
  if (excluded) throw new ConfigError(`COACH_MODEL ${id} is not offered: ${excluded}. Choose another model.`);
  const price = operatorPrice(env, now);
  const listed = modelSpec(id);
  let spec: ModelSpec;
  if (listed) {
    spec = price ? { ...listed, prices: [price] } : listed;
    if (price) warnings.push(`COACH_MODEL ${id} is priced by ${PRICE_NAMES}, not by the model table`);
  } else if (price) {
    spec = unknownModel(price, env.COACH_MAX_TOKENS);
    warnings.push(
      `COACH_MODEL ${id} is not in the model table: priced by ${PRICE_NAMES}; no thinking or effort settings are sent`,
    );
  } else {
    throw new ConfigError(
      `COACH_MODEL ${id} has no price: it is not in server/src/config/models.ts. Set ${PRICE_NAMES} (USD per million tokens) to run it.`,
    );
  }

  const retirement = retirementOf(spec);
  if (retirement) {
    const daysLeft = Math.ceil((retirement.getTime() - now.getTime()) / DAY_MS);
    if (daysLeft <= 0) throw new ConfigError(`COACH_MODEL ${id} was retired on ${spec.retires}. Choose another model.`);
    if (daysLeft <= RETIREMENT_WARNING_DAYS) {
      warnings.push(`COACH_MODEL ${id} retires on ${spec.retires} (in ${daysLeft} days): move to a current model`);
    }
  }
  if (env.COACH_MAX_TOKENS > spec.maxOutputTokens) {
    throw new ConfigError(
      `COACH_MAX_TOKENS is invalid: ${id} writes at most ${spec.maxOutputTokens} tokens (got ${env.COACH_MAX_TOKENS})`,
    );
  }
  return {
    model: {
      id,
      spec,
      priceSource: price ? 'environment' : 'table',
      effort: env.COACH_EFFORT,
      maxTokens: env.COACH_MAX_TOKENS,
    },
    warnings,
  };
}
