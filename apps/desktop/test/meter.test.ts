// The one quota reading (src/shared/meter.ts) and the two places that show it: the tray's line (main) and
// the window's meter (renderer) must say the same at every edge, 99,999 of 100,000 above all.
import type { Quota, UsageCurrentResponse } from '@strat-coach/server/contract';
import { describe, expect, it } from 'vitest';
import { meterView as trayView } from '../src/main/usage-meter';
import {
  chartQuestionsLeft,
  formatTokenCount,
  meterView,
  planOffer,
  TOKENS_PER_CHART_QUESTION,
} from '../src/shared/meter';

/** As the server sends it: percent rounded to 0.1, so 99,999 of 100,000 arrives as 100. */
const quota = (used: number, limit = 100_000): Quota => ({
  limit,
  used,
  remaining: Math.max(0, limit - used),
  percent: Math.round((used / limit) * 1000) / 10,
});
const period = { start: '2030-05-01T00:00:00.000Z', end: '2030-06-01T00:00:00.000Z' };
const signedIn = { status: 'signed_in', subject: 'user_1', expiresAt: 0 } as const;
const usage = (q: Quota): { ok: true; value: UsageCurrentResponse } => ({
  ok: true,
  value: {
    tier: 'free',
    period,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    quota: q,
    overage: { tokens: 0, reportedTokens: 0 },
    requests: 1,
    costUsd: 0,
    cache: { hitRate: 0, savingsUsd: 0 },
  },
});

describe('meterView', () => {
  it('is green below 80 %, amber from 80 % while a token is left, red only when spent', () => {
    expect(meterView(quota(0)).level).toBe('ok');
    expect(meterView(quota(79_999)).level).toBe('ok');
    expect(meterView(quota(80_000)).level).toBe('warn');
    expect(meterView(quota(99_999)).level).toBe('warn');
    expect(meterView(quota(100_000)).level).toBe('full');
    expect(meterView(quota(120_000)).level).toBe('full');
  });

  it('floors the percent: 100% only ever means used up, on any plan size', () => {
    expect(meterView(quota(99_999))).toMatchObject({ percentText: '99%', detail: '1 token left' });
    expect(meterView(quota(9_999_999, 10_000_000))).toMatchObject({ level: 'warn', percentText: '99%' });
    expect(meterView(quota(100_500))).toEqual({
      level: 'full',
      fill: 100,
      percentText: '100%',
      detail: 'Quota used up',
      renews: null,
      questions: 'Quota used up',
      summary: 'Quota used up',
    });
  });

  it('reads as percent used, chart questions and tokens left, and when the quota renews', () => {
    expect(meterView(quota(12_000), period)).toEqual({
      level: 'ok',
      fill: 12,
      percentText: '12%',
      detail: '88,000 tokens left',
      renews: 'Renews 1 Jun 2030',
      questions: '≈ 41 chart questions left',
      summary: '≈ 41 chart questions left · renews 1 Jun',
    });
    expect(meterView(quota(99_950))).toMatchObject({ percentText: '99%', detail: '50 tokens left' });
  });

  it('has no bar for a plan without a cap, and says so before usage has loaded', () => {
    expect(meterView({ limit: null, used: 1, remaining: null, percent: null })).toMatchObject({
      level: 'unlimited',
      fill: null,
      percentText: 'No cap',
      detail: '1 token used',
    });
    expect(meterView(null)).toMatchObject({ level: 'unknown', fill: null, percentText: '–' });
  });

  it('counts chart questions at the typical cost, whole ones only, and says when less than one is left', () => {
    expect(TOKENS_PER_CHART_QUESTION).toBe(2_100);
    const renewing = { start: '2026-11-29T00:00:00.000Z', end: '2026-12-29T00:00:00.000Z' };
    expect(meterView(quota(100_000 - 94_861), renewing).summary).toBe('≈ 45 chart questions left · renews 29 Dec');
    expect(meterView(quota(100_000 - 4_200)).questions).toBe('≈ 2 chart questions left');
    expect(meterView(quota(100_000 - 4_199)).questions).toBe('≈ 1 chart question left');
    expect(meterView(quota(100_000 - 2_100)).questions).toBe('≈ 1 chart question left');
    expect(meterView(quota(100_000 - 2_099)).questions).toBe('Less than one chart question left');
    expect(meterView(quota(0, 10_000_000)).questions).toBe('≈ 4,761 chart questions left');
    expect([0, 2_099, 2_100, 4_200].map(chartQuestionsLeft)).toEqual([0, 0, 1, 2]);
    expect(meterView({ limit: null, used: 5, remaining: null, percent: null }).summary).toBe('No monthly cap');
  });

  it('counts tokens in the singular only for one', () => {
    expect([0, 1, 2, 1_000].map(formatTokenCount)).toEqual(['0 tokens', '1 token', '2 tokens', '1,000 tokens']);
  });
});

describe('the tray and the window', () => {
  it('at 99,999 of 100,000 both show amber, 99%, 1 token left', () => {
    const window = meterView(quota(99_999), period);
    const tray = trayView(signedIn, usage(quota(99_999)));
    expect(window).toMatchObject({ level: 'warn', percentText: '99%', detail: '1 token left' });
    expect(tray).toMatchObject({
      level: 'warn',
      percentText: '99%',
      label: 'Quota 99% — Less than one chart question left',
    });
    expect(tray.tooltip).toContain('1 token left');
    expect(tray.percent).toBe(window.fill);
  });

  it('agree on every figure across the whole range', () => {
    for (let used = 0; used <= 101_000; used += 997) {
      const window = meterView(quota(used), period);
      const tray = trayView(signedIn, usage(quota(used)));
      expect(tray).toMatchObject({
        level: window.level,
        percent: window.fill,
        percentText: window.percentText,
        label: `Quota ${window.percentText} — ${window.level === 'full' ? 'used up' : window.questions}`,
      });
    }
  });
});

describe('planOffer', () => {
  it('says what a plan gives in the meter’s own units: its monthly tokens and the chart questions they pay for', () => {
    expect(planOffer('pro')).toBe('Pro plan: 2,000,000 tokens a month, ≈ 952 chart questions.');
    expect(planOffer('enterprise')).toBe('Enterprise plan: 10,000,000 tokens a month, ≈ 4,761 chart questions.');
    // A Pro trader's fresh meter says the same number.
    expect(meterView(quota(0, 2_000_000)).questions).toBe('≈ 952 chart questions left');
  });
});
