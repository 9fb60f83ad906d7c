// The tray's usage meter: what the trader reads (label, tooltip, a small gauge icon) from the session and
// /usage/current, read after each answer (and handed to the window too), on session changes and every few
// minutes. The figures come from the shared meterView, the same one the window's meter uses.
import type { UsageCurrentResponse } from '@strat-coach/server/contract';
import type { HostResult, SessionState } from '../shared/host-api';
import { PLAN_NAMES, meterView as quotaView } from '../shared/meter';
import { settledAfter, type AnswerEnd } from '../shared/usage-after-answer';

export type MeterLevel = 'none' | 'ok' | 'warn' | 'full';

export interface MeterView {
  /** The trader's plan, e.g. "Pro plan" (the menu's first line); null until the usage is read. */
  plan: string | null;
  /** The quota's line, e.g. "Quota 42% — ≈ 27 chart questions left". */
  label: string;
  tooltip: string;
  level: MeterLevel;
  /** 0..100 for the gauge; null when there is nothing to show. */
  percent: number | null;
  /** The quota used as the label says it ("42%"), e.g. beside the macOS menu-bar gauge; null without a cap. */
  percentText: string | null;
}

export function meterView(session: SessionState, usage: HostResult<UsageCurrentResponse> | null): MeterView {
  if (session.status !== 'signed_in') {
    const label =
      session.status === 'signing_in'
        ? 'Signing in…'
        : session.status === 'offline'
          ? 'Offline — reconnecting'
          : 'Signed out';
    return {
      plan: null,
      label,
      tooltip: `Strat Coach — ${label.toLowerCase()}`,
      level: 'none',
      percent: null,
      percentText: null,
    };
  }
  if (!usage) {
    return {
      plan: null,
      label: 'Quota …',
      tooltip: 'Strat Coach — reading your usage…',
      level: 'none',
      percent: null,
      percentText: null,
    };
  }
  if (!usage.ok) {
    return {
      plan: null,
      label: 'Usage unavailable',
      tooltip: `Strat Coach — ${usage.error.message}`,
      level: 'none',
      percent: null,
      percentText: null,
    };
  }
  const { quota, tier, period } = usage.value;
  const view = quotaView(quota, period);
  const renews = view.renews ? `\n${view.renews}` : '';
  const plan = PLAN_NAMES[tier];
  if (view.level === 'unlimited' || view.level === 'unknown') {
    const label = `Unlimited plan — ${view.detail}`;
    return {
      plan,
      label,
      tooltip: `Strat Coach — ${plan}\n${label}${renews}`,
      level: 'ok',
      percent: null,
      percentText: null,
    };
  }
  // Chart questions first, as the window says it; the tokens behind them in the tooltip.
  const label = `Quota ${view.percentText} — ${view.level === 'full' ? 'used up' : view.questions}`;
  const tokens = view.level === 'full' ? '' : `\n${view.detail}`;
  return {
    plan,
    label,
    tooltip: `Strat Coach — ${plan}\n${label}${tokens}${renews}`,
    level: view.level,
    percent: view.fill,
    percentText: view.percentText,
  };
}

const COLOURS: Record<MeterLevel, [number, number, number]> = {
  none: [0x9a, 0xa0, 0xa6],
  ok: [0x34, 0xa8, 0x53],
  warn: [0xf2, 0x99, 0x00],
  full: [0xd9, 0x30, 0x25],
};
const FRAME: [number, number, number] = [0x9a, 0xa0, 0xa6];

/**
 * A vertical gauge, `size` pixels square, as BGRA pixels (nativeImage.createFromBitmap): a frame, filled
 * from the bottom to the quota used, in the level's colour. Drawn in code so the app ships no icon files.
 */
export function meterIcon(view: Pick<MeterView, 'level' | 'percent'>, size: number): Buffer {
  const pixels = Buffer.alloc(size * size * 4);
  const unit = size / 16;
  const left = Math.round(3 * unit);
  const right = Math.round(13 * unit) - 1;
  const top = Math.round(1 * unit);
  const bottom = Math.round(15 * unit) - 1;
  const border = Math.max(1, Math.round(unit));
  const innerHeight = bottom - top + 1 - 2 * border;
  const filled = view.percent === null ? 0 : Math.round((innerHeight * view.percent) / 100);
  const paint = (x: number, y: number, [r, g, b]: [number, number, number]) => {
    const at = (y * size + x) * 4;
    pixels[at] = b;
    pixels[at + 1] = g;
    pixels[at + 2] = r;
    pixels[at + 3] = 0xff;
  };
  for (let y = top; y <= bottom; y += 1) {
    for (let x = left; x <= right; x += 1) {
      const onFrame = x < left + border || x > right - border || y < top + border || y > bottom - border;
      if (onFrame) paint(x, y, FRAME);
      else if (y > bottom - border - filled) paint(x, y, COLOURS[view.level]);
    }
  }
  return pixels;
}

export interface UsageMeter {
  /**
   * Re-reads the usage now (after an answer, a sign-in). A call during a read shares it, and one more read
   * follows it: that read may have started before the answer was recorded. `settled`: the request id of an
   * answer stopped after the model began it; the server answers once it has recorded it (usage-after-answer).
   */
  refresh: (options?: { settled?: string }) => Promise<MeterView>;
  /** For coach streams' onFinished: one read once the answer's stream is over. */
  afterAnswer: (end: AnswerEnd) => void;
  view: () => MeterView;
  stop: () => void;
}

export function createUsageMeter(options: {
  session: () => SessionState;
  /** GET /usage/current, with `?settled=` when given (usageCurrentPath). */
  fetchUsage: (settled?: string) => Promise<HostResult<UsageCurrentResponse>>;
  onView: (view: MeterView) => void;
  /** Each usage read: main hands it to the window, so one read serves the tray and the window's meter. */
  onUsage?: (usage: UsageCurrentResponse) => void;
  intervalMs?: number;
}): UsageMeter {
  let usage: HostResult<UsageCurrentResponse> | null = null;
  let current = meterView(options.session(), null);
  let inFlight: Promise<MeterView> | null = null;
  let again: Promise<MeterView> | null = null;
  // The stopped answer the queued read waits for: kept across the calls that share that read, so a plain call
  // (another answer that completed) does not drop it and leave the meter low until the next timed read.
  let againSettled: string | undefined;

  const publish = () => {
    current = meterView(options.session(), usage);
    options.onView(current);
    return current;
  };

  const fetchUsage = (settled?: string) =>
    options.fetchUsage(settled).catch((): HostResult<UsageCurrentResponse> => ({
      ok: false,
      error: { code: 'internal', message: 'Your usage could not be read.', status: null },
    }));

  const read = async (settled: string | undefined): Promise<MeterView> => {
    if (options.session().status !== 'signed_in') usage = null;
    else {
      usage = await fetchUsage(settled);
      if (usage.ok) options.onUsage?.(usage.value);
    }
    return publish();
  };

  const refresh = ({ settled }: { settled?: string } = {}): Promise<MeterView> => {
    if (!inFlight) {
      inFlight = read(settled).finally(() => {
        inFlight = null;
      });
      return inFlight;
    }
    // Several calls during one read get one more read between them, not one each.
    againSettled = settled ?? againSettled;
    again ??= inFlight
      .catch(() => current)
      .then(() => {
        const waitFor = againSettled;
        again = null;
        againSettled = undefined;
        return refresh(waitFor ? { settled: waitFor } : {});
      });
    return again;
  };

  const timer = setInterval(() => void refresh(), options.intervalMs ?? 5 * 60_000);
  timer.unref?.();

  return {
    refresh,
    afterAnswer: (end) => {
      const settled = settledAfter(end);
      void refresh(settled ? { settled } : {});
    },
    view: () => current,
    stop: () => clearInterval(timer),
  };
}
