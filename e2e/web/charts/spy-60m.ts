// The e2e chart (spy-60m.png): a TradingView-like dark 60-minute SPY chart with 50 candles, drawn by
// draw-chart.ts from these bars. The last five read 2D-2D-2D-1-2U: a 2-1-2 bullish reversal in force (the
// live 2U took out the inside bar's high and closed above it). Specs import the geometry to check where the bar
// numbers land.
export const CHART = { width: 800, height: 450 } as const;

/** The price pane: candles live between these, the price scale right of `right`, the time axis below `bottom`. */
export const PANE = { left: 0, right: 736, top: 36, bottom: 412 } as const;
export const PRICE = { low: 498, high: 516 } as const;
export const BAR_SPACING = 14;
export const BODY_WIDTH = 9;

export interface Bar {
  open: number;
  high: number;
  low: number;
  close: number;
}

/** The sessions before: a slide from 509 to 502 with small bounces. */
const EARLIER: Bar[] = Array.from({ length: 22 }, (_, index) => {
  const mid = 509 - index * 0.32 + Math.sin(index * 0.9) * 1.1;
  const up = index % 3 !== 1;
  const body = 0.5 + ((index * 7) % 5) * 0.15;
  const open = up ? mid - body / 2 : mid + body / 2;
  const close = up ? mid + body / 2 : mid - body / 2;
  return {
    open,
    high: mid + body / 2 + 0.3 + (index % 2) * 0.2,
    low: mid - body / 2 - 0.35 - (index % 3) * 0.15,
    close,
  };
});

/** Oldest first. */
export const BARS: Bar[] = [
  ...EARLIER,
  { open: 502.1, high: 503.4, low: 500.9, close: 503.0 },
  { open: 503.0, high: 504.6, low: 502.2, close: 504.1 },
  { open: 504.1, high: 504.4, low: 502.6, close: 503.1 },
  { open: 503.1, high: 505.8, low: 502.9, close: 505.4 },
  { open: 505.4, high: 507.1, low: 504.6, close: 506.8 },
  { open: 506.8, high: 506.9, low: 505.2, close: 505.6 },
  { open: 505.6, high: 508.3, low: 505.4, close: 508.0 },
  { open: 508.0, high: 509.9, low: 507.2, close: 509.5 },
  { open: 509.5, high: 509.7, low: 508.0, close: 508.4 },
  { open: 508.4, high: 511.2, low: 507.6, close: 510.8 },
  { open: 510.8, high: 512.6, low: 509.9, close: 512.1 },
  { open: 512.1, high: 513.8, low: 511.0, close: 513.2 },
  { open: 513.2, high: 513.4, low: 511.6, close: 512.0 },
  { open: 512.0, high: 514.6, low: 510.8, close: 511.3 },
  { open: 511.3, high: 512.4, low: 509.6, close: 510.1 },
  { open: 510.1, high: 511.0, low: 508.4, close: 508.9 },
  { open: 508.9, high: 510.2, low: 508.6, close: 509.8 },
  { open: 509.8, high: 510.0, low: 507.1, close: 507.5 },
  { open: 507.5, high: 508.9, low: 506.0, close: 508.4 },
  { open: 508.4, high: 509.3, low: 506.9, close: 507.2 },
  { open: 507.2, high: 507.8, low: 505.1, close: 505.6 },
  { open: 505.6, high: 506.9, low: 504.4, close: 506.3 },
  { open: 506.3, high: 506.6, low: 503.2, close: 503.7 },
  { open: 503.7, high: 505.4, low: 502.5, close: 504.9 },
  { open: 504.9, high: 505.0, low: 501.4, close: 501.9 },
  { open: 501.9, high: 504.2, low: 500.2, close: 502.4 },
  { open: 502.4, high: 503.6, low: 501.0, close: 503.3 },
  { open: 503.3, high: 506.1, low: 502.6, close: 505.7 },
];

const scaleY = (price: number): number =>
  PANE.top + ((PRICE.high - price) / (PRICE.high - PRICE.low)) * (PANE.bottom - PANE.top);

/**
 * Each bar in image pixels, on whole pixels as a chart library draws them (y grows down): the wick is the
 * column `left` (1 px), the body `BODY_WIDTH` px wide around it; `x` is the centre (left + 0.5).
 */
export const barPixels = BARS.map((bar, index) => {
  const left = PANE.right - BAR_SPACING * (BARS.length - index) + 4;
  return {
    left,
    x: left + 0.5,
    open: Math.round(scaleY(bar.open)),
    high: Math.round(scaleY(bar.high)),
    low: Math.round(scaleY(bar.low)),
    close: Math.round(scaleY(bar.close)),
  };
});

export const priceToY = scaleY;
