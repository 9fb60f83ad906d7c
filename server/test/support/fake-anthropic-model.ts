// What the fake's "model" does with a request, per the provider's docs for each model (the facts come from
// server/src/config/models.ts): which thinking and effort settings it refuses with a 400, whether it thinks
// before answering (the Claude 5 models do by default), and how `max_tokens` — which caps thinking AND text —
// cuts an answer short, and that a model is refused from its retirement day. Unknown models are taken as they come.
import type { MessageCreateParamsBase, RefusalStopDetails, StopReason } from '@anthropic-ai/sdk/resources/messages';
import { isRetired } from '../../src/config/coach-model.js';
import { modelSpec, type Effort, type ModelSpec } from '../../src/config/models.js';
import { estimateTokens } from './fake-anthropic-usage.js';
import type { FakeScript } from './fake-anthropic-protocol.js';

/** How many tokens the model thinks at each effort, when a script does not say. */
const THINKING_TOKENS: Record<Effort, number> = { low: 150, medium: 450, high: 900, xhigh: 1_400, max: 2_000 };
const DEFAULT_THINKING = ['Numbering each bar against the one before it. ', 'The last closed bar stayed inside.'];
const MAX_BREAKPOINTS = 4;

/**
 * The API's message for a model it no longer serves (404 not_found_error): "Requests to models past the retirement
 * date will fail" (the model deprecations page). Undefined while the model is served.
 */
export function retiredModel(model: string, now: Date = new Date()): string | undefined {
  const spec = modelSpec(model);
  return spec && isRetired(spec, now) ? `model: ${model}` : undefined;
}

/** The API's message for a parameter this model refuses, or undefined when the request is acceptable. */
export function checkModelParameters(body: MessageCreateParamsBase): string | undefined {
  const breakpoints = JSON.stringify([body.system ?? [], body.messages]).split('"cache_control":').length - 1;
  if (breakpoints > MAX_BREAKPOINTS) {
    return `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints}.`;
  }
  const spec = modelSpec(body.model);
  if (!spec) return undefined;
  const thinking = body.thinking;
  const effort = body.output_config?.effort ?? undefined;
  if (effort && !spec.efforts.includes(effort)) {
    return spec.efforts.length === 0
      ? `output_config.effort: this model does not support the effort parameter`
      : `output_config.effort: "${effort}" is not supported by ${body.model} (use ${spec.efforts.join(', ')})`;
  }
  if (!thinking) return undefined;
  switch (thinking.type) {
    case 'enabled':
      if (spec.thinking !== 'budgeted') return `thinking.type.enabled is not supported for this model; use adaptive`;
      if (thinking.budget_tokens < 1_024) return 'thinking.budget_tokens: must be at least 1024';
      if (thinking.budget_tokens >= body.max_tokens)
        return '`max_tokens` must be greater than `thinking.budget_tokens`';
      return undefined;
    case 'adaptive':
      return spec.thinking === 'budgeted' ? 'thinking.type.adaptive is not supported for this model' : undefined;
    case 'disabled':
    case 'between_tools':
      if (spec.thinking === 'budgeted' || spec.thinking === 'adaptive-optional') return undefined;
      return spec.thinkingOff === thinking.type
        ? effortAtMostHigh(effort, thinking.type)
        : `thinking.type.${thinking.type} is not supported for this model`;
  }
}

const effortAtMostHigh = (effort: Effort | undefined, type: string): string | undefined =>
  effort === 'xhigh' || effort === 'max' ? `thinking.type.${type} requires effort high or lower` : undefined;

/** The thinking block the model writes before its answer, or null when it answers straight away. */
export interface ThinkingPlan {
  redacted: boolean;
  /** thinking_delta texts; empty when the request asked for display "omitted". */
  chunks: string[];
  tokens: number;
}

export interface AnswerPlan {
  thinking: ThinkingPlan | null;
  /** The text deltas, cut where `max_tokens` ran out. */
  chunks: string[];
  outputTokens: number;
  stopReason: StopReason;
  stopDetails: RefusalStopDetails | null;
}

function thinks(spec: ModelSpec | undefined, body: MessageCreateParamsBase): boolean {
  const type = body.thinking?.type;
  if (type === 'adaptive' || type === 'enabled') return true;
  if (type === 'disabled' || type === 'between_tools') return false;
  return spec?.thinking === 'adaptive-default';
}

function thinkingPlan(body: MessageCreateParamsBase, script: FakeScript): ThinkingPlan | null {
  const spec = modelSpec(body.model);
  if (script.thinking === false || !thinks(spec, body)) return null;
  const scripted = script.thinking ?? {};
  const chunks = scripted.chunks ?? DEFAULT_THINKING;
  // Claude 5 models default to display "omitted": the block arrives with its signature but no text.
  const display = body.thinking && 'display' in body.thinking ? body.thinking.display : undefined;
  const omitted = (display ?? (spec?.thinking === 'adaptive-default' ? 'omitted' : 'summarized')) === 'omitted';
  const effort = body.output_config?.effort ?? 'high';
  const budget = body.thinking?.type === 'enabled' ? body.thinking.budget_tokens : Infinity;
  return {
    redacted: scripted.redacted === true,
    chunks: omitted || scripted.redacted ? [] : [...chunks],
    tokens: Math.min(budget, scripted.tokens ?? THINKING_TOKENS[effort]),
  };
}

/** Keeps the text chunks that fit `room` tokens (the last one cut mid-way), as the model stops mid-sentence. */
function fit(chunks: readonly string[], room: number): { chunks: string[]; cut: boolean } {
  const kept: string[] = [];
  let left = room * 4; // the fake's tokenizer: four characters a token
  for (const chunk of chunks) {
    if (left <= 0) return { chunks: kept, cut: true };
    if (chunk.length > left) return { chunks: [...kept, chunk.slice(0, left)], cut: true };
    kept.push(chunk);
    left -= chunk.length;
  }
  return { chunks: kept, cut: false };
}

export function planAnswer(body: MessageCreateParamsBase, script: FakeScript, answer: readonly string[]): AnswerPlan {
  const thinking = thinkingPlan(body, script);
  const thinkingTokens = Math.min(thinking?.tokens ?? 0, body.max_tokens);
  if (thinking) thinking.tokens = thinkingTokens;
  const refusal = script.refusal;
  const written = refusal ? answer.slice(0, refusal.afterChunks) : answer;
  const { chunks, cut } = script.unlimited
    ? { chunks: [...written], cut: false }
    : fit(written, body.max_tokens - thinkingTokens);
  const textTokens = chunks.length === 0 ? 0 : Math.max(1, estimateTokens(chunks.join('')));
  const stopDetails: RefusalStopDetails | null =
    refusal && !cut
      ? { type: 'refusal', category: refusal.category ?? null, explanation: refusal.explanation ?? null }
      : null;
  return {
    thinking,
    chunks,
    outputTokens: thinkingTokens + textTokens,
    stopReason: cut ? 'max_tokens' : stopDetails ? 'refusal' : (script.stopReason ?? 'end_turn'),
    stopDetails,
  };
}
