// The Strat from candle geometry, in the coaching prompt's words (coaching/system-prompt.md): each bar numbered
// strictly against the one before it, the sequence, the combo in progress with its trigger and target candles,
// inside bars, hammers and shooters. Pixels only: y grows downwards, so a higher high has a smaller highPx.
export type StratType = '1' | '2U' | '2D' | '3';

export interface StratCandle {
  highPx: number;
  lowPx: number;
  openPx: number;
  closePx: number;
  type: StratType | null;
}

/** Take-outs closer than this (in pixels) are not told apart: the type is null, never a guess. */
export const PIXEL_TOLERANCE = 1;

export function stratType(previous: StratCandle, candle: StratCandle): StratType | null {
  const higher = previous.highPx - candle.highPx;
  const lower = candle.lowPx - previous.lowPx;
  if (Math.abs(higher) <= PIXEL_TOLERANCE || Math.abs(lower) <= PIXEL_TOLERANCE) return null;
  if (higher > 0 && lower > 0) return '3';
  if (higher > 0) return '2U';
  if (lower > 0) return '2D';
  return '1';
}

/** A wick end seen at `px`, possibly going on unseen for `hidden` more rows (under a moving average, a line). */
export interface SeenRange {
  highPx: number;
  lowPx: number;
  highHidden: number;
  lowHidden: number;
}

/** Compares ends that may be partly hidden: a take-out only when every row the hidden end could reach says the
 * same, by more than PIXEL_TOLERANCE; otherwise null. With nothing hidden this is stratType. */
export function stratTypeWithin(previous: SeenRange, candle: SeenRange): StratType | null {
  // Rows the highs could be at (a higher high is a smaller row), and the lows.
  const higher = side(
    previous.highPx - previous.highHidden,
    previous.highPx,
    candle.highPx - candle.highHidden,
    candle.highPx,
  );
  const lower = side(
    candle.lowPx,
    candle.lowPx + candle.lowHidden,
    previous.lowPx,
    previous.lowPx + previous.lowHidden,
  );
  if (higher === null || lower === null) return null;
  if (higher && lower) return '3';
  if (higher) return '2U';
  if (lower) return '2D';
  return '1';
}

/** True when every value in [aMin, aMax] exceeds every value in [bMin, bMax] by more than the tolerance, false
 * when every one is below by more than it, null otherwise. */
function side(aMin: number, aMax: number, bMin: number, bMax: number): boolean | null {
  if (aMin - bMax > PIXEL_TOLERANCE) return true;
  if (bMin - aMax > PIXEL_TOLERANCE) return false;
  return null;
}

export type ComboName = '2-1-2' | '3-1-2' | '1-2-2 RevStrat' | '2-2' | '3-2-2';
export type ComboStatus = 'pending' | 'in force' | 'failed';

export interface Combo {
  name: ComboName;
  /** The bars that make it, oldest first ("2D-1-2U"). */
  bars: string;
  /** long, short, or both while a pending 1 can break either way. */
  side: 'long' | 'short' | 'both';
  status: ComboStatus;
  /** Index (in the reading's candles) of the bar whose high or low is the trigger. */
  triggerCandle: number;
  /** Index of the bar whose high or low is the first target (magnitude), when the pattern names one. */
  targetCandle: number | null;
}

/** A triggered setup holds while the live bar closes beyond the trigger; back through it, it failed. */
function status(trigger: StratCandle, live: StratCandle, side: 'long' | 'short'): ComboStatus {
  return side === 'long'
    ? live.closePx < trigger.highPx
      ? 'in force'
      : 'failed'
    : live.closePx > trigger.lowPx
      ? 'in force'
      : 'failed';
}

/** The combo that the last bars form, the right-most bar taken as the live one. */
export function comboOf(candles: readonly StratCandle[]): Combo | null {
  const n = candles.length;
  const t = (k: number) => (k >= 0 && k < n ? candles[k]!.type : null);
  const last = n - 1;
  const [a, b, c] = [t(last - 2), t(last - 1), t(last)];
  const is2 = (type: StratType | null) => type === '2U' || type === '2D';
  const sideOf = (type: StratType | null): 'long' | 'short' => (type === '2U' ? 'long' : 'short');
  const bars = (...types: (StratType | null)[]) => types.map((type) => type ?? '?').join('-');
  const live = candles[last];
  if (!live) return null;
  if ((is2(a) || a === '3') && b === '1' && is2(c))
    return {
      name: a === '3' ? '3-1-2' : '2-1-2',
      bars: bars(a, b, c),
      side: sideOf(c),
      status: status(candles[last - 1]!, live, sideOf(c)),
      triggerCandle: last - 1,
      targetCandle: a === '3' || a !== c ? last - 2 : null,
    };
  if (a === '1' && is2(b) && is2(c) && b !== c)
    return {
      name: '1-2-2 RevStrat',
      bars: bars(a, b, c),
      side: sideOf(c),
      status: status(candles[last - 1]!, live, sideOf(c)),
      triggerCandle: last - 1,
      targetCandle: last - 2,
    };
  if (a === '3' && is2(b) && is2(c) && b !== c)
    return {
      name: '3-2-2',
      bars: bars(a, b, c),
      side: sideOf(c),
      status: status(candles[last - 1]!, live, sideOf(c)),
      triggerCandle: last - 1,
      targetCandle: last - 2,
    };
  if (is2(b) && is2(c) && b !== c)
    return {
      name: '2-2',
      bars: bars(b, c),
      side: sideOf(c),
      status: status(candles[last - 1]!, live, sideOf(c)),
      triggerCandle: last - 1,
      targetCandle: last - 2 >= 0 ? last - 2 : null,
    };
  // The last closed bar is a 1: a 2-1-2 or 3-1-2 waiting for either break of it.
  if ((is2(a) || a === '3') && b === '1' && c === '1')
    return {
      name: a === '3' ? '3-1-2' : '2-1-2',
      bars: bars(a, b),
      side: 'both',
      status: 'pending',
      triggerCandle: last - 1,
      targetCandle: last - 2,
    };
  if ((is2(b) || b === '3') && c === '1')
    return {
      name: b === '3' ? '3-1-2' : '2-1-2',
      bars: bars(b, c),
      side: 'both',
      status: 'pending',
      triggerCandle: last,
      targetCandle: last - 1,
    };
  if (b === '1' && is2(c))
    return {
      name: '1-2-2 RevStrat',
      bars: bars(b, c),
      side: c === '2D' ? 'long' : 'short',
      status: 'pending',
      triggerCandle: last,
      targetCandle: last - 1,
    };
  return null;
}

export type Shape = 'hammer' | 'shooter';

/** Hammer: lower wick at least twice the body, body in the top third, little upper wick. Shooter: the mirror. */
export function shapeOf(candle: StratCandle): Shape | null {
  const range = candle.lowPx - candle.highPx;
  if (range < 6) return null;
  const bodyTop = Math.min(candle.openPx, candle.closePx);
  const bodyBottom = Math.max(candle.openPx, candle.closePx);
  const body = Math.max(1, bodyBottom - bodyTop);
  const upper = bodyTop - candle.highPx;
  const lower = candle.lowPx - bodyBottom;
  if (lower >= 2 * body && bodyBottom <= candle.highPx + range / 3 && upper <= range * 0.1) return 'hammer';
  if (upper >= 2 * body && bodyTop >= candle.lowPx - range / 3 && lower <= range * 0.1) return 'shooter';
  return null;
}

export function sequenceOf(candles: readonly StratCandle[], count = 5): string {
  return candles
    .slice(1)
    .slice(-count)
    .map((candle) => candle.type ?? '?')
    .join('-');
}
