// The price scale: which prices get a label (round steps, as platforms choose them) and where a price sits
// in pixels, with a margin above the highest high and below the lowest low.

export interface PriceScale {
  /** Pixel row of a price (not rounded). */
  y(price: number): number;
  /** Round prices inside the visible range, ascending: the axis labels and the horizontal grid. */
  ticks: number[];
  /** Decimals to print a tick with. */
  decimals: number;
}

/** The smallest 1, 2, 2.5 or 5 × 10^k step that gives at most about `count` labels over `span`. */
export function niceStep(span: number, count: number): number {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= raw);
  return step ?? 10 * magnitude;
}

/**
 * Maps [low, high] into the rows [top, bottom] leaving `padding` (a share of the range) free at each end,
 * as platforms do so the extremes never touch the pane's edge.
 */
export function priceScale(low: number, high: number, top: number, bottom: number, padding = 0.08): PriceScale {
  const span = Math.max(high - low, Math.abs(high) * 1e-4, 1e-6);
  const visibleLow = low - span * padding;
  const visibleHigh = high + span * padding;
  const rows = bottom - top;
  const y = (price: number) => top + ((visibleHigh - price) / (visibleHigh - visibleLow)) * rows;
  const step = niceStep(visibleHigh - visibleLow, 6);
  const ticks: number[] = [];
  for (let tick = Math.ceil(visibleLow / step) * step; tick <= visibleHigh; tick += step) {
    ticks.push(Math.round(tick / step) * step);
  }
  const decimals = Math.max(2, Math.ceil(-Math.log10(step) - 1e-9));
  return { y, ticks, decimals };
}
