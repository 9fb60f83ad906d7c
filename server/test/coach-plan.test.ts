// The thinking plan of a turn, for every model in the table: the settings are ones the model accepts (the
// fake upstream encodes each model's documented rules), a turn with room gets the configured budget and
// effort, and a turn near the quota thinks less instead of losing its answer.
import { describe, expect, it } from 'vitest';
import type { CoachModel } from '../src/config/coach-model.js';
import { MODEL_TABLE, modelSpec, type ModelSpec } from '../src/config/models.js';
import { planAnswer, THINKING_FLOOR_TOKENS } from '../src/services/coach-plan.js';
import { checkModelParameters } from './support/fake-anthropic-model.js';

const rows = Object.keys(MODEL_TABLE).flatMap((id): Array<[string, ModelSpec]> => {
  const spec = modelSpec(id);
  return spec && !id.match(/-\d{8}$/) ? [[id, spec]] : [];
});
const row = (id: string): ModelSpec => modelSpec(id)!;
const coach = (id: string, spec: ModelSpec, effort: CoachModel['effort'] = 'medium'): CoachModel => ({
  id,
  spec,
  priceSource: 'table',
  effort,
  maxTokens: 8_192,
});

describe('planAnswer', () => {
  it.each(rows)('%s: every plan, from full room to the last 512 tokens, is accepted by the model', (id, spec) => {
    for (const effort of ['low', 'medium', 'high'] as const) {
      for (const granted of [8_192, 6_000, 3_000, 512]) {
        const plan = planAnswer(coach(id, spec, effort), granted);
        const problem = checkModelParameters({
          model: id,
          max_tokens: plan.maxTokens,
          messages: [{ role: 'user', content: 'x' }],
          ...(plan.thinking ? { thinking: plan.thinking } : {}),
          ...(plan.effort ? { output_config: { effort: plan.effort } } : {}),
        });
        expect(problem, `${id} effort ${effort} granted ${granted}`).toBeUndefined();
      }
    }
  });

  it('a turn with room: the configured budget and effort, adaptive thinking with nothing displayed', () => {
    const sonnet = coach('claude-sonnet-5-5', row('claude-sonnet-5-5'));
    expect(planAnswer(sonnet, 8_192)).toEqual({
      maxTokens: 8_192,
      thinking: { type: 'adaptive', display: 'omitted' },
      effort: 'medium',
      reduced: false,
    });
  });

  it('near the quota: effort low first, then thinking off where the model allows it', () => {
    const sonnet = coach('claude-sonnet-5-5', row('claude-sonnet-5-5'));
    expect(planAnswer(sonnet, 6_000)).toMatchObject({ maxTokens: 6_000, effort: 'low', reduced: true });
    expect(planAnswer(sonnet, 6_000).thinking?.type).toBe('adaptive');
    expect(planAnswer(sonnet, THINKING_FLOOR_TOKENS - 1)).toMatchObject({
      thinking: { type: 'between_tools' },
      effort: 'low',
    });
    const haiku = coach('claude-haiku-5-5', row('claude-haiku-5-5'));
    expect(planAnswer(haiku, 2_000).thinking).toEqual({ type: 'disabled' });
    // Opus 5.5 cannot stop thinking: it thinks at the lowest effort instead.
    const opus = coach('claude-opus-5-5', row('claude-opus-5-5'));
    expect(planAnswer(opus, 2_000)).toMatchObject({ thinking: { type: 'adaptive' }, effort: 'low' });
  });

  it('budgeted models get a thinking budget that leaves as much again for the answer', () => {
    const haiku = coach('claude-haiku-4-5', row('claude-haiku-4-5'), 'high');
    expect(planAnswer(haiku, 8_192)).toEqual({
      maxTokens: 8_192,
      thinking: { type: 'enabled', budget_tokens: 4_096 },
      effort: undefined,
      reduced: false,
    });
    expect(planAnswer(haiku, 1_800).thinking).toEqual({ type: 'disabled' });
  });

  it('sends no thinking or effort for a model outside the table', () => {
    const unknown = coach('claude-next', { ...row('claude-sonnet-5-5'), thinking: 'none', efforts: [] });
    expect(planAnswer(unknown, 8_192)).toEqual({
      maxTokens: 8_192,
      thinking: undefined,
      effort: undefined,
      reduced: false,
    });
  });
});
