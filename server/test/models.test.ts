// The model table: every chat model the installed SDK names has a row or a documented exclusion; start-up
// refuses a model it cannot price (naming the variables that would price it), warns before a retirement,
// and prices by the row in force on the request's date.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import { MODEL_TABLE, modelExclusion, modelSpec, priceRowAt } from '../src/config/models.js';
import { costUsd, priceLookup } from '../src/config/pricing.js';
import { modelsTableMarkdown, tableCells } from './support/models-doc.js';

/** The literal members of the SDK's `Model` union, read from its published declarations. */
function sdkModels(): string[] {
  const sdkRoot = dirname(createRequire(import.meta.url).resolve('@anthropic-ai/sdk'));
  const declarations = readFileSync(join(sdkRoot, 'resources/messages/messages.d.ts'), 'utf8');
  const union = /export type Model = ([^;]+);/.exec(declarations)?.[1] ?? '';
  return [...union.matchAll(/'([^']+)'/g)].map((match) => match[1] as string);
}

const base = { DATA_DIR: '/tmp/sc-models' };
const now = new Date('2026-11-29T12:00:00Z');

describe('the model table', () => {
  it('covers every chat model the installed SDK names, with a row or a documented exclusion', () => {
    const models = sdkModels();
    expect(models.length).toBeGreaterThan(15);
    for (const model of models) {
      const covered = modelSpec(model) !== undefined || (modelExclusion(model) ?? '').length > 10;
      expect(covered, `${model} has no row and no exclusion`).toBe(true);
    }
    expect(Object.keys(MODEL_TABLE).sort()).toEqual([...models].sort());
  });

  it('prices every row with the documented cache multipliers or a cited exception, and sane limits', () => {
    for (const [model, entry] of Object.entries(MODEL_TABLE)) {
      if (!('prices' in entry)) continue;
      for (const row of entry.prices) {
        expect(row.cacheWrite, model).toBeCloseTo(row.input * 1.25, 6);
        expect(row.cacheRead, model).toBeLessThanOrEqual(row.input * 0.1 + 1e-9);
        expect(row.output, model).toBeGreaterThan(row.input);
      }
      expect(entry.maxOutputTokens, model).toBeGreaterThanOrEqual(8_192);
      expect([512, 1_024, 2_048, 4_096], model).toContain(entry.minCacheableTokens);
    }
  });

  it('prices a request by the row in force on its date, and dated snapshots as their alias', () => {
    const sonnet = modelSpec('claude-sonnet-5-5')!;
    expect(priceRowAt(sonnet, new Date('2026-10-01T00:00:00Z')).cacheRead).toBe(0.2);
    expect(priceRowAt(sonnet, new Date('2026-11-01T00:00:00Z')).cacheRead).toBe(0.1);
    expect(modelSpec('claude-sonnet-5-5-20260928')).toBe(sonnet);
    expect(modelSpec('claude-haiku-4-5-20251001')).toBe(modelSpec('claude-haiku-4-5'));
  });

  it("is the table the README shows under 'Models and thinking'", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Models and thinking'), readme.indexOf('### The coaching eval'));
    const shown = tableCells(section);
    expect(shown.length).toBeGreaterThan(15);
    expect(shown).toEqual(tableCells(modelsTableMarkdown(new Date())));
  });

  it('prices Haiku 5.5 by prompt length: past 100K input tokens every rate rises', () => {
    const row = priceRowAt(modelSpec('claude-haiku-5-5')!, now);
    const tokens = { inputTokens: 90_000, outputTokens: 1_000, cacheReadTokens: 0, cacheWriteTokens: 0 };
    expect(costUsd(row, tokens)).toBeCloseTo(0.0095, 6);
    expect(costUsd(row, { ...tokens, cacheReadTokens: 20_000 })).toBeCloseTo(0.0485, 6);
  });
});

describe('COACH_MODEL at start', () => {
  it('refuses a model it cannot price, naming the variables that would price it', () => {
    expect(() => loadConfig({ ...base, COACH_MODEL: 'claude-sonnet-9' }, now)).toThrow(
      /COACH_MODEL claude-sonnet-9 has no price.*COACH_PRICE_INPUT, COACH_PRICE_OUTPUT, COACH_PRICE_CACHE_READ, COACH_PRICE_CACHE_WRITE/,
    );
    expect(() => loadConfig({ ...base, COACH_MODEL: 'claude-sonnet-9', COACH_PRICE_INPUT: '3' }, now)).toThrow(
      /COACH_PRICE_OUTPUT, COACH_PRICE_CACHE_READ, COACH_PRICE_CACHE_WRITE must be set too/,
    );
    expect(() => loadConfig({ ...base, COACH_MODEL: 'claude-mythos-preview' }, now)).toThrow(/not offered: retired/);
  });

  it('starts an unknown model priced by the operator, with a warning, and prices it by those variables', () => {
    const config = loadConfig(
      {
        ...base,
        COACH_MODEL: 'claude-sonnet-9',
        COACH_PRICE_INPUT: '3',
        COACH_PRICE_OUTPUT: '15',
        COACH_PRICE_CACHE_READ: '0.3',
        COACH_PRICE_CACHE_WRITE: '3.75',
      },
      now,
    );
    expect(config.anthropic.coach).toMatchObject({ id: 'claude-sonnet-9', priceSource: 'environment' });
    expect(config.warnings).toEqual([expect.stringMatching(/claude-sonnet-9 is not in the model table/)]);
    const price = priceLookup(config.anthropic.coach)('claude-sonnet-9', now);
    expect(price).toMatchObject({ input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 });
  });

  it('starts Sonnet 4.6 ($3/$15), which wave 1 refused for want of a price', () => {
    const config = loadConfig({ ...base, COACH_MODEL: 'claude-sonnet-4-6' }, now);
    expect(config.anthropic.coach).toMatchObject({ priceSource: 'table', effort: 'medium', maxTokens: 8_192 });
    expect(priceLookup(config.anthropic.coach)('claude-sonnet-4-6', now)).toMatchObject({ input: 3, output: 15 });
    expect(config.warnings).toEqual([]);
  });

  it('warns in the 30 days before a retirement, and refuses a retired model', () => {
    expect(loadConfig({ ...base, COACH_MODEL: 'claude-sonnet-4-5' }, now).warnings).toEqual([
      expect.stringMatching(/claude-sonnet-4-5 retires on 2026-11-30 \(in 1 days\)/),
    ]);
    expect(loadConfig({ ...base, COACH_MODEL: 'claude-opus-4-5' }, now).warnings).toEqual([]);
    expect(() => loadConfig({ ...base, COACH_MODEL: 'claude-sonnet-4-5' }, new Date('2026-12-01T00:00:00Z'))).toThrow(
      /was retired on 2026-11-30/,
    );
  });

  it('reads COACH_EFFORT and COACH_MAX_TOKENS, naming them when they are bad', () => {
    const config = loadConfig({ ...base, COACH_EFFORT: 'high', COACH_MAX_TOKENS: '16000' }, now);
    expect(config.anthropic.coach).toMatchObject({ effort: 'high', maxTokens: 16_000 });
    expect(() => loadConfig({ ...base, COACH_EFFORT: 'max' }, now)).toThrow(/^COACH_EFFORT is invalid/);
    expect(() => loadConfig({ ...base, COACH_MAX_TOKENS: '512' }, now)).toThrow(/^COACH_MAX_TOKENS is invalid/);
    expect(() => loadConfig({ ...base, COACH_MODEL: 'claude-haiku-4-5', COACH_MAX_TOKENS: '100000' }, now)).toThrow(
      /COACH_MAX_TOKENS is invalid: claude-haiku-4-5 writes at most 64000/,
    );
  });
});
