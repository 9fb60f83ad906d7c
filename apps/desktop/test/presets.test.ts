// Quick-question presets: the defaults a Strat trader starts with, an edited list checked before it is
// kept (with messages that point at the problem), and stored lists read back or reset with a notice.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PRESETS,
  MAX_PRESETS,
  parsePresets,
  PRESETS_RESET_NOTICE,
  serializePresets,
  updatePresets,
  type Preset,
} from '../src/shared/presets';

const preset = (id: string, title: string, question = `${title}?`): Preset => ({ id, title, question });

describe('DEFAULT_PRESETS', () => {
  it('offers the four quick questions, each a full question, and passes its own checks', () => {
    expect(DEFAULT_PRESETS.map((entry) => entry.title)).toEqual([
      'Number the last bars',
      "Where's the trigger and the stop?",
      'Is timeframe continuity with me?',
      'Targets and exhaustion?',
    ]);
    expect(DEFAULT_PRESETS[0]?.question).toContain('Number the last 4–5 closed bars and the live bar');
    for (const entry of DEFAULT_PRESETS) expect(entry.question.length).toBeGreaterThan(60);
    expect(updatePresets(DEFAULT_PRESETS)).toEqual({ ok: true, presets: [...DEFAULT_PRESETS] });
  });
});

describe('updatePresets', () => {
  it('keeps a good list, trimmed', () => {
    expect(updatePresets([preset('a', '  Inside bar? ', '  Is the live bar a 1?\n')])).toEqual({
      ok: true,
      presets: [preset('a', 'Inside bar?', 'Is the live bar a 1?')],
    });
    expect(updatePresets([])).toEqual({ ok: true, presets: [] });
  });

  it('refuses more than eight', () => {
    const nine = Array.from({ length: MAX_PRESETS + 1 }, (_, index) => preset(`p${index}`, `Question ${index}`));
    expect(updatePresets(nine)).toEqual({
      ok: false,
      code: 'too_many_presets',
      message: 'You can keep up to 8 quick questions. Remove one to add another.',
    });
    expect(updatePresets(nine.slice(0, MAX_PRESETS))).toMatchObject({ ok: true });
  });

  it('refuses a missing, overlong or multi-line title, and says which preset', () => {
    expect(updatePresets([preset('a', 'Fine'), preset('b', '   ')])).toEqual({
      ok: false,
      code: 'invalid_title',
      message: 'Quick question 2 needs a title.',
      index: 1,
    });
    expect(updatePresets([preset('a', 't'.repeat(41))])).toMatchObject({
      ok: false,
      code: 'invalid_title',
      message: expect.stringContaining('at most 40 characters'),
      index: 0,
    });
    expect(updatePresets([preset('a', '📈'.repeat(40))])).toMatchObject({ ok: true });
    expect(updatePresets([preset('a', 'Two\nlines')])).toMatchObject({ ok: false, code: 'invalid_title' });
  });

  it('refuses two presets with the same title, whatever the case', () => {
    expect(updatePresets([preset('a', 'Targets?'), preset('b', 'targets? ')])).toEqual({
      ok: false,
      code: 'duplicate_title',
      message: 'Two quick questions are called “targets?”. Give each its own title.',
      index: 1,
    });
  });

  it('refuses an empty or overlong question', () => {
    expect(updatePresets([preset('a', 'Blank', ' \n ')])).toEqual({
      ok: false,
      code: 'invalid_question',
      message: '“Blank” needs a question to ask.',
      index: 0,
    });
    expect(updatePresets([preset('a', 'Long', 'q'.repeat(2000))])).toMatchObject({ ok: true });
    expect(updatePresets([preset('a', 'Long', 'q'.repeat(2001))])).toMatchObject({
      ok: false,
      code: 'invalid_question',
      message: expect.stringContaining('at most 2000 characters'),
    });
  });

  it('refuses a preset without an id, or two with the same id', () => {
    expect(updatePresets([preset('', 'No id')])).toMatchObject({ ok: false, code: 'invalid_id', index: 0 });
    expect(updatePresets([preset('a', 'One'), preset('a', 'Two')])).toMatchObject({
      ok: false,
      code: 'invalid_id',
      index: 1,
    });
  });
});

describe('parsePresets and serializePresets', () => {
  it('reads back what it wrote, through JSON', () => {
    const presets = [preset('a', 'Inside bar?'), preset('b', 'Broadening formation?')];
    const stored: unknown = JSON.parse(JSON.stringify(serializePresets(presets)));
    expect(stored).toMatchObject({ schemaVersion: 1 });
    expect(parsePresets(stored)).toEqual({ presets, notice: null });
    expect(parsePresets(serializePresets([]))).toEqual({ presets: [], notice: null });
  });

  it('falls back to the defaults, with a notice, when the stored list cannot be used', () => {
    const broken: unknown[] = [
      undefined,
      'presets',
      [],
      { presets: [] },
      { schemaVersion: 1, presets: 'all of them' },
      { schemaVersion: 1, presets: [null] },
      { schemaVersion: 1, presets: [{ id: 'a', title: 42, question: 'Why?' }] },
      { schemaVersion: 1, presets: [preset('a', 'Same'), preset('b', 'same')] },
    ];
    for (const json of broken)
      expect(parsePresets(json)).toEqual({ presets: DEFAULT_PRESETS, notice: PRESETS_RESET_NOTICE });
  });

  it('says when a newer version saved the list', () => {
    const parsed = parsePresets({ schemaVersion: 2, presets: [] });
    expect(parsed.presets).toEqual(DEFAULT_PRESETS);
    expect(parsed.notice).toContain('newer version');
  });

  it('hands out copies, so editing them never changes the defaults', () => {
    const { presets } = parsePresets(undefined);
    presets[0]!.title = 'Changed';
    expect(DEFAULT_PRESETS[0]?.title).toBe('Number the last bars');
  });
});
