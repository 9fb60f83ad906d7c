// The usage meter's reading of a quota: how full the bar is, its colour band, and the words beside it.
import type { Quota } from '@strat-coach/server/contract';
import { formatTokens } from './format';

/** The bar turns amber here, and red when the quota is spent. */
export const WARN_PERCENT = 80;
export const FULL_PERCENT = 100;

export type MeterLevel = 'unknown' | 'unlimited' | 'ok' | 'warn' | 'full';

export interface MeterView {
  level: MeterLevel;
  /** Width of the bar, 0..100; null when there is no cap to measure against. */
  fill: number | null;
  /** The short reading: "42%". */
  label: string;
  /** The long reading: "58,000 tokens left". */
  detail: string;
}

export function meterView(quota: Quota | null): MeterView {
  if (!quota) return { level: 'unknown', fill: null, label: '–', detail: 'Usage not loaded' };
  if (quota.limit === null || quota.limit <= 0) {
    return { level: 'unlimited', fill: null, label: 'No cap', detail: `${formatTokens(quota.used)} tokens used` };
  }
  // From the counts, not the server's percent: that is rounded to 0.1, so 99,999 of 100,000 reads 100.0
  // while a token is still left.
  const percent = (quota.used / quota.limit) * 100;
  const level: MeterLevel = percent >= FULL_PERCENT ? 'full' : percent >= WARN_PERCENT ? 'warn' : 'ok';
  const remaining = Math.max(0, quota.limit - quota.used);
  return {
    level,
    fill: Math.min(100, Math.max(0, percent)),
    label: `${Math.floor(percent)}%`,
    detail: level === 'full' ? 'Quota used up' : `${formatTokens(remaining)} tokens left`,
  };
}
