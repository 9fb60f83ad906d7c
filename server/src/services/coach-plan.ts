// How much the model may think and write on one turn. `max_tokens` caps thinking and text together, so a
// turn with quota to spare gets the configured budget and effort; a free trader near the quota gets the room
// that is left with less thinking (lower effort, then thinking off where the model allows it), so the room
// goes to the answer instead of being eaten by thinking.
import type { ThinkingConfigParam } from '@anthropic-ai/sdk/resources/messages';
import type { CoachModel } from '../config/coach-model.js';
import type { Effort } from '../config/models.js';

/** Fewer answer tokens than this left: the quota is spent (a shorter answer would be of no use). */
export const MIN_ANSWER_TOKENS = 512;
/** Below this much room, thinking is turned off where the model allows it. */
export const THINKING_FLOOR_TOKENS = 4_096;
/** Extended thinking's smallest budget (the API refuses less). */
export const MIN_THINKING_BUDGET = 1_024;
/** Budgeted models (the 4.5 line): thinking budget per effort, capped to leave room for the answer. */
const BUDGET_BY_EFFORT: Record<Effort, number> = {
  low: 1_024,
  medium: 2_048,
  high: 4_096,
  xhigh: 6_144,
  max: 8_192,
};

export interface AnswerPlan {
  maxTokens: number;
  /** The `thinking` field to send; undefined sends none (the model's default). */
  thinking: ThinkingConfigParam | undefined;
  /** `output_config.effort`; undefined sends none. */
  effort: Effort | undefined;
  /** true when the turn got less than the configured budget and thinks less for it. */
  reduced: boolean;
}

// Thinking is never shown to the trader, so it is not streamed back ("omitted" still ends with a signature).
const ADAPTIVE: ThinkingConfigParam = { type: 'adaptive', display: 'omitted' };

/** The plan for a turn granted `grantedTokens` of answer room (at most the configured budget). */
export function planAnswer(coach: CoachModel, grantedTokens: number): AnswerPlan {
  const { spec } = coach;
  const maxTokens = Math.min(grantedTokens, coach.maxTokens);
  const reduced = maxTokens < coach.maxTokens;
  const wanted: Effort = reduced ? 'low' : coach.effort;
  const effort = spec.efforts.includes(wanted) ? wanted : undefined;
  const thinkingOff = reduced && maxTokens < THINKING_FLOOR_TOKENS && spec.thinkingOff !== null;

  switch (spec.thinking) {
    case 'adaptive-default':
    case 'adaptive-optional':
      if (thinkingOff) return { maxTokens, thinking: { type: spec.thinkingOff ?? 'disabled' }, effort, reduced };
      return { maxTokens, thinking: ADAPTIVE, effort, reduced };
    case 'budgeted': {
      // The budget must stay below max_tokens and leave at least as much again for the answer.
      const budget = Math.min(BUDGET_BY_EFFORT[wanted], Math.floor(maxTokens / 2));
      if (thinkingOff || budget < MIN_THINKING_BUDGET) {
        return { maxTokens, thinking: { type: 'disabled' }, effort, reduced };
      }
      return { maxTokens, thinking: { type: 'enabled', budget_tokens: budget }, effort, reduced };
    }
    case 'none':
      return { maxTokens, thinking: undefined, effort: undefined, reduced };
  }
}
