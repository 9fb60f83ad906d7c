// The usage meter's colour bands and words. (Renderer modules are imported through the workspace name:
// the renderer's files belong to tsconfig.web.json, not to this folder's project.)
import type { Quota } from '@strat-coach/server/contract';
import { describe, expect, it } from 'vitest';
import { meterView } from '../src/renderer/src/lib/meter';

const quota = (used: number, limit = 100_000): Quota => ({
  limit,
  used,
  remaining: Math.max(0, limit - used),
  percent: Math.round((used / limit) * 1000) / 10,
});

describe('the usage meter', () => {
  it('is green below 80 %, amber from 80 %, red from 100 %', () => {
    expect(meterView(quota(0)).level).toBe('ok');
    expect(meterView(quota(79_900)).level).toBe('ok');
    expect(meterView(quota(80_000)).level).toBe('warn');
    expect(meterView(quota(99_999)).level).toBe('warn');
    expect(meterView(quota(100_000)).level).toBe('full');
    expect(meterView(quota(120_000)).level).toBe('full');
  });

  it('reads as percent used and tokens left, and never overfills the bar', () => {
    expect(meterView(quota(12_000))).toEqual({ level: 'ok', fill: 12, label: '12%', detail: '88,000 tokens left' });
    expect(meterView(quota(99_950))).toMatchObject({ label: '99%', detail: '50 tokens left' });
    expect(meterView(quota(100_500))).toEqual({ level: 'full', fill: 100, label: '100%', detail: 'Quota used up' });
  });

  it('has no bar for a tier without a cap, and says so before usage has loaded', () => {
    expect(meterView({ limit: null, used: 1_234_567, remaining: null, percent: null })).toEqual({
      level: 'unlimited',
      fill: null,
      label: 'No cap',
      detail: '1,234,567 tokens used',
    });
    expect(meterView(null)).toMatchObject({ level: 'unknown', fill: null });
  });
});
