// The one reading of a quota that the tray (main) and the window's meter (renderer) both show: colour band,
// percent, chart questions left (a trader's unit; tokens are the detail) and when the quota renews. One
// function, so the two can never disagree at the edge.
import { TIER_MONTHLY_TOKENS, type Quota, type Tier } from '@strat-coach/server/contract';

/** The plan's name as the window's meter and the tray say it. */
export const PLAN_NAMES: Readonly<Record<Tier, string>> = {
  free: 'Free plan',
  pro: 'Pro plan',
  enterprise: 'Enterprise plan',
};

/** Amber from here; red only once the quota is really spent (nothing left). */
export const WARN_PERCENT = 80;

/**
 * What one chart question typically takes from the quota, in the trader's own tokens (see the server's
 * quotaTokensOf: the shared coaching prompt is not counted): a chart image at the size Claude reads it
 * (about 1,600), the question and the turns before it, and the answer with its thinking (about 500). An
 * estimate, so the meter says "≈"; the exact tokens are one click away.
 */
export const TOKENS_PER_CHART_QUESTION = 2_100;

export type MeterLevel = 'unknown' | 'unlimited' | 'ok' | 'warn' | 'full';

export interface MeterView {
  level: MeterLevel;
  /** Width of the bar (and the tray's gauge), 0..100; null when there is no cap or nothing loaded. */
  fill: number | null;
  /** The short reading: "42%", "No cap", "–" before usage has loaded. */
  percentText: string;
  /** The long reading: "58,000 tokens left", "1 token left", "Quota used up", "1,234 tokens used". */
  detail: string;
  /** "Renews 1 Jun 2030"; null when the period is not known. */
  renews: string | null;
  /** What is left in a trader's unit: "≈ 45 chart questions left", "Less than one chart question left". */
  questions: string;
  /** The meter's line: "≈ 45 chart questions left · renews 29 Dec". */
  summary: string;
}

// Fixed locales and UTC, so the tray, the window and the tests read the same on every machine.
const number = new Intl.NumberFormat('en-US');
const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const shortDay = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

export const formatTokenCount = (count: number): string =>
  `${number.format(Math.round(count))} ${Math.round(count) === 1 ? 'token' : 'tokens'}`;

/** Whole chart questions the remaining tokens pay for, at the typical cost. */
export const chartQuestionsLeft = (remaining: number): number =>
  Math.floor(Math.max(0, remaining) / TOKENS_PER_CHART_QUESTION);

/** "≈ 45 chart questions left", or "Less than one chart question left". */
export function chartQuestionsText(remaining: number): string {
  const questions = chartQuestionsLeft(remaining);
  if (questions === 0) return 'Less than one chart question left';
  return `≈ ${number.format(questions)} chart ${questions === 1 ? 'question' : 'questions'} left`;
}

/** What a plan gives, as Upgrade offers it: "Pro plan: 2,000,000 tokens a month, ≈ 952 chart questions." */
export function planOffer(tier: Tier): string {
  const tokens = TIER_MONTHLY_TOKENS[tier];
  if (tokens === null) return `${PLAN_NAMES[tier]}: no monthly cap.`;
  return `${PLAN_NAMES[tier]}: ${number.format(tokens)} tokens a month, ≈ ${number.format(chartQuestionsLeft(tokens))} chart questions.`;
}

export function meterView(quota: Quota | null, period?: { end: string } | null): MeterView {
  const end = period ? new Date(period.end) : null;
  const renews = end ? `Renews ${day.format(end)}` : null;
  const withRenewal = (words: string) => (end ? `${words} · renews ${shortDay.format(end)}` : words);
  if (!quota) {
    const words = 'Usage not loaded';
    return { level: 'unknown', fill: null, percentText: '–', detail: words, renews, questions: words, summary: words };
  }
  if (quota.limit === null || quota.limit <= 0) {
    return {
      level: 'unlimited',
      fill: null,
      percentText: 'No cap',
      detail: `${formatTokenCount(quota.used)} used`,
      renews,
      questions: 'No monthly cap',
      summary: 'No monthly cap',
    };
  }
  // From the counts, never the server's percent: that is rounded to 0.1, so 99,999 of 100,000 reads 100.0
  // while a token is still left. Floored for the same reason: "100%" only ever means spent.
  const remaining = Math.max(0, quota.limit - quota.used);
  const percent = Math.min(100, Math.max(0, (quota.used / quota.limit) * 100));
  const level: MeterLevel = remaining === 0 ? 'full' : percent >= WARN_PERCENT ? 'warn' : 'ok';
  const questions = level === 'full' ? 'Quota used up' : chartQuestionsText(remaining);
  return {
    level,
    fill: percent,
    percentText: `${level === 'full' ? 100 : Math.min(99, Math.floor(percent))}%`,
    detail: level === 'full' ? 'Quota used up' : `${formatTokenCount(remaining)} left`,
    renews,
    questions,
    summary: withRenewal(questions),
  };
}
