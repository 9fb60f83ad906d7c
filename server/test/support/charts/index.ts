// Candlestick charts with known bars, rendered to PNG without a browser: for the coaching eval and for the
// tests of anything that reads a chart from its pixels.
export { barsForSequence, labelsOf, mulberry32, stratLabel, MIN_MARGIN } from './bars.js';
export type { Bar, BarColor, SequenceOptions, StratLabel } from './bars.js';
export { renderChart } from './render.js';
export type { CandleGeometry, ChartSpec, RenderedChart } from './render.js';
export { THEMES, type Theme, type ThemeName } from './theme.js';
