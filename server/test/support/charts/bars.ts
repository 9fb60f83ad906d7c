// OHLC bars whose Strat numbers are known: a seeded generator that builds each bar against the previous one
// with clear margins, so a chart rendered from them has a right answer a person or a pixel reader can check.

export type StratLabel = '1' | '2U' | '2D' | '3';
/** Close above the open (green) or below it (red), independent of the Strat number. */
export type BarColor = 'up' | 'down';

export interface Bar {
  open: number;
  high: number;
  low: number;
  close: number;
  /** Shares traded; drawn by the volume pane. */
  volume?: number;
}

export interface SequenceOptions {
  /** Same seed, same bars. Default 1. */
  seed?: number;
  /** Price around which the chart starts. Default 100. */
  start?: number;
  /** Random bars before the requested sequence (a chart shows history before the setup); at least 1. Default 6. */
  lead?: number;
  /** Per requested bar, forces the close above or below the open (e.g. a 2U that closes red); null: random. */
  colors?: ReadonlyArray<BarColor | null | undefined>;
}

const LABELS: readonly StratLabel[] = ['1', '2U', '2D', '3'];
/** Every break and every hold clears the previous bar's extreme by at least this share of its range. */
export const MIN_MARGIN = 0.1;

/** A small, fast, seeded PRNG (mulberry32): reproducible across runs and machines. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The Strat number of `bar` against `prev`: a level counts as taken out only when traded strictly beyond. */
export function stratLabel(prev: Bar, bar: Bar): StratLabel {
  const higherHigh = bar.high > prev.high;
  const lowerLow = bar.low < prev.low;
  if (higherHigh && lowerLow) return '3';
  if (higherHigh) return '2U';
  if (lowerLow) return '2D';
  return '1';
}

/** The number of every bar after the first, each against the bar before it (length: bars.length - 1). */
export function labelsOf(bars: readonly Bar[]): StratLabel[] {
  return bars.slice(1).map((bar, index) => stratLabel(bars[index] as Bar, bar));
}

/** Prices in cents, as quoted. */
const roundTick = (price: number): number => Math.round(price * 100) / 100;

/** True when every side of `bar` clears or holds `prev`'s extremes by at least MIN_MARGIN of its range. */
function hasClearMargins(prev: Bar, bar: Bar): boolean {
  const margin = (prev.high - prev.low) * MIN_MARGIN - 1e-9;
  return Math.abs(bar.high - prev.high) >= margin && Math.abs(bar.low - prev.low) >= margin;
}

interface Extremes {
  high: number;
  low: number;
}

/** High and low for `label` against `prev`; `typical` pulls ranges back towards a normal size after 1s and 3s. */
function extremesFor(label: StratLabel, prev: Bar, typical: number, random: () => number): Extremes {
  const range = prev.high - prev.low;
  const between = (min: number, max: number) => min + (max - min) * random();
  const target = typical * between(0.7, 1.3);
  const breakBy = () => range * between(0.15, 0.5);
  const holdBy = () => range * between(0.15, 0.35);
  switch (label) {
    case '1':
      return { high: prev.high - holdBy(), low: prev.low + holdBy() };
    case '3':
      return { high: prev.high + range * between(0.15, 0.35), low: prev.low - range * between(0.15, 0.35) };
    case '2U': {
      const floor = prev.low + holdBy();
      const high = Math.max(prev.high + breakBy(), floor + target * 0.8);
      return { high, low: Math.max(floor, high - target) };
    }
    case '2D': {
      const ceiling = prev.high - holdBy();
      const low = Math.min(prev.low - breakBy(), ceiling - target * 0.8);
      return { high: Math.min(ceiling, low + target), low };
    }
  }
}

/** Open near the previous close (bars open where the last one ended), close per colour, body never empty. */
function bodyFor(extremes: Extremes, prevClose: number, color: BarColor, random: () => number): Bar {
  const { high, low } = extremes;
  const range = high - low;
  let open = Math.min(high - range * 0.05, Math.max(low + range * 0.05, prevClose + range * (random() - 0.5) * 0.2));
  if (color === 'up' && high - open < range * 0.2) open = high - range * (0.3 + 0.4 * random());
  if (color === 'down' && open - low < range * 0.2) open = low + range * (0.3 + 0.4 * random());
  const room = color === 'up' ? high - open : open - low;
  const move = room * (0.35 + 0.6 * random());
  return { open, high, low, close: color === 'up' ? open + move : open - move };
}

function defaultColor(label: StratLabel, random: () => number): BarColor {
  // Most 2s close in their direction; a few fail, as on real charts.
  const upChance = label === '2U' ? 0.75 : label === '2D' ? 0.25 : 0.5;
  return random() < upChance ? 'up' : 'down';
}

/** A random number for a history bar, leaning back towards `start` so the chart stays a readable height. */
function randomLeadLabel(prev: Bar, start: number, typical: number, random: () => number): StratLabel {
  const lean = Math.max(-0.3, Math.min(0.3, (prev.close - start) / (8 * typical)));
  const roll = random();
  return roll < 0.38 - lean ? '2U' : roll < 0.76 ? '2D' : roll < 0.9 ? '1' : '3';
}

function rounded(bar: Bar): Bar {
  const high = roundTick(bar.high);
  const low = roundTick(bar.low);
  const clamp = (price: number) => Math.min(high, Math.max(low, roundTick(price)));
  return { ...bar, open: clamp(bar.open), high, low, close: clamp(bar.close) };
}

function nextBar(prev: Bar, label: StratLabel, color: BarColor | null, typical: number, random: () => number): Bar {
  // Rounding to the tick can eat a thin margin: draw again until the number and the margins hold.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const extremes = extremesFor(label, prev, typical, random);
    const body = bodyFor(extremes, prev.close, color ?? defaultColor(label, random), random);
    const bar = rounded(body);
    const wantedColor = color === null || (color === 'up' ? bar.close > bar.open : bar.close < bar.open);
    if (stratLabel(prev, bar) === label && hasClearMargins(prev, bar) && wantedColor) {
      const volume = Math.round(typical * 1e5 * (0.6 + random()) * ((bar.high - bar.low) / typical + 0.5));
      return { ...bar, volume };
    }
  }
  throw new Error(`could not build a ${label} bar after ${prev.low}-${prev.high}: the range is below the tick`);
}

/**
 * Bars ending in `labels`: after `lead` random bars, each requested bar has exactly its label against the
 * bar before it, with every break and hold clear by at least MIN_MARGIN of the previous range.
 */
export function barsForSequence(labels: readonly StratLabel[], options: SequenceOptions = {}): Bar[] {
  for (const label of labels) if (!LABELS.includes(label)) throw new Error(`unknown Strat label: ${String(label)}`);
  const random = mulberry32(options.seed ?? 1);
  const start = options.start ?? 100;
  const typical = start * 0.008;
  // The first requested bar needs a bar before it, so there is at least one.
  const lead = Math.max(1, options.lead ?? 6);
  const firstHigh = start + typical / 2;
  const firstOpen = start - typical * 0.2;
  const first = { open: firstOpen, high: firstHigh, low: firstHigh - typical, close: firstOpen + typical * 0.4 };
  const bars: Bar[] = [{ ...rounded(first), volume: Math.round(typical * 1e5) }];
  for (let index = 1; index < lead; index += 1) {
    const prev = bars[index - 1] as Bar;
    bars.push(nextBar(prev, randomLeadLabel(prev, start, typical, random), null, typical, random));
  }
  labels.forEach((label, index) => {
    const prev = bars[bars.length - 1] as Bar;
    bars.push(nextBar(prev, label, options.colors?.[index] ?? null, typical, random));
  });
  return bars;
}
