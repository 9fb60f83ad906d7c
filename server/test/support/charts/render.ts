// Renders known bars as a PNG screenshot that looks like a trading platform's chart (candles or a line, price
// axis, grid, volume, last-price line, title, watermark) and returns where each candle landed in pixels.
import type { Bar } from './bars.js';
import { Canvas, type Rgba } from './canvas.js';
import { drawText, measureText } from './font.js';
import { priceScale, type PriceScale } from './scale.js';
import { faded, THEMES, type Theme, type ThemeName } from './theme.js';

export interface ChartSpec {
  bars: readonly Bar[];
  /** Default 1200 × 700. */
  width?: number;
  height?: number;
  /** Default 'dark'. */
  theme?: ThemeName;
  /** Drawn top-left, as a platform's legend (e.g. "SPY · 60m"). */
  title?: string;
  /** Right-side axis with price labels and ticks. False: no number anywhere on the chart. Default true. */
  priceAxis?: boolean;
  /** Default true. */
  grid?: boolean;
  /** 'hollow': up candles are outlines, down candles filled. Default 'filled'. */
  candleStyle?: 'filled' | 'hollow';
  /** 'line': the closes joined by a line, which hides highs and lows. Default 'candles'. */
  kind?: 'candles' | 'line';
  /** A separate pane of volume bars at the bottom. */
  volumePane?: boolean;
  /** A dashed line at the last close (with its price on the axis when the axis shows). */
  lastPriceLine?: boolean;
  /** Big faint text across the middle, as platforms show the symbol. */
  watermark?: string;
}

/** Where a bar was drawn: first column of its wick and rows of its prices (y grows downwards). */
export interface CandleGeometry {
  x: number;
  highPx: number;
  lowPx: number;
  openPx: number;
  closePx: number;
  /** First column of the body and its width; the wick spans columns x .. x + wickWidth - 1. */
  bodyLeft: number;
  bodyWidth: number;
  wickWidth: number;
}

export interface RenderedChart {
  png: Buffer;
  width: number;
  height: number;
  candles: CandleGeometry[];
  /** The price pane (candles and grid), right edge exclusive. */
  pane: { left: number; top: number; right: number; bottom: number };
  /** The strip on the right reserved for the price axis; empty (background only) when it is hidden. */
  axisStrip: { left: number; right: number; visible: boolean };
}

const AXIS_WIDTH = 92;
const AXIS_SCALE = 2;
const TITLE_SCALE = 3;
/** Empty bar slots right of the last bar, where the next candle will print. */
const RIGHT_OFFSET = 4;
const TITLE_ROOM = 52;

interface Layout {
  width: number;
  height: number;
  pane: RenderedChart['pane'];
  volume: { top: number; bottom: number } | null;
  axisLeft: number;
  spacing: number;
}

function layoutFor(spec: ChartSpec, width: number, height: number): Layout {
  const axisLeft = width - AXIS_WIDTH;
  const volumeHeight = spec.volumePane ? Math.round(height * 0.18) : 0;
  const paneBottom = height - volumeHeight - (spec.volumePane ? 1 : 0);
  return {
    width,
    height,
    pane: { left: 0, top: 0, right: axisLeft, bottom: paneBottom },
    volume: spec.volumePane ? { top: paneBottom + 1, bottom: height } : null,
    axisLeft,
    spacing: axisLeft / (spec.bars.length + RIGHT_OFFSET),
  };
}

function geometryFor(bars: readonly Bar[], layout: Layout, scale: PriceScale): CandleGeometry[] {
  const wickWidth = layout.spacing >= 18 ? 2 : 1;
  let bodyWidth = Math.max(1, Math.round(layout.spacing * 0.66));
  // The body straddles the wick evenly: odd around a 1px wick, even around a 2px one.
  if (bodyWidth % 2 !== wickWidth % 2) bodyWidth -= 1;
  bodyWidth = Math.max(wickWidth, bodyWidth);
  return bars.map((bar, index) => {
    const x = Math.round(layout.pane.left + layout.spacing * (index + 0.5));
    return {
      x,
      highPx: Math.round(scale.y(bar.high)),
      lowPx: Math.round(scale.y(bar.low)),
      openPx: Math.round(scale.y(bar.open)),
      closePx: Math.round(scale.y(bar.close)),
      bodyLeft: x - (bodyWidth - wickWidth) / 2,
      bodyWidth,
      wickWidth,
    };
  });
}

function drawGrid(canvas: Canvas, layout: Layout, scale: PriceScale, theme: Theme, barCount: number): void {
  const { pane } = layout;
  for (const tick of scale.ticks) canvas.hline(pane.left, pane.right - 1, Math.round(scale.y(tick)), theme.grid);
  // Vertical lines every few bars, as time gridlines fall at round times.
  const every = Math.max(1, Math.round(barCount / 8));
  for (let index = every; index < barCount + RIGHT_OFFSET; index += every) {
    const x = Math.round(pane.left + layout.spacing * (index + 0.5));
    canvas.vline(x, pane.top, pane.bottom - 1, theme.grid);
    if (layout.volume) canvas.vline(x, layout.volume.top, layout.volume.bottom - 1, theme.grid);
  }
}

function drawCandles(canvas: Canvas, bars: readonly Bar[], candles: CandleGeometry[], spec: ChartSpec, theme: Theme) {
  candles.forEach((candle, index) => {
    const bar = bars[index] as Bar;
    const up = bar.close >= bar.open;
    const color = up ? theme.up : theme.down;
    const bodyTop = Math.min(candle.openPx, candle.closePx);
    const bodyBottom = Math.max(candle.openPx, candle.closePx);
    const wickLeft = candle.x;
    const bodyLeft = candle.bodyLeft;
    if (spec.candleStyle === 'hollow' && up) {
      // A hollow body shows the background through it, so the wick stops at its edges.
      canvas.vline(wickLeft, candle.highPx, bodyTop, color, candle.wickWidth);
      canvas.vline(wickLeft, bodyBottom, candle.lowPx, color, candle.wickWidth);
      canvas.hline(bodyLeft, bodyLeft + candle.bodyWidth - 1, bodyTop, color);
      canvas.hline(bodyLeft, bodyLeft + candle.bodyWidth - 1, bodyBottom, color);
      canvas.vline(bodyLeft, bodyTop, bodyBottom, color);
      canvas.vline(bodyLeft + candle.bodyWidth - 1, bodyTop, bodyBottom, color);
      return;
    }
    canvas.vline(wickLeft, candle.highPx, candle.lowPx, color, candle.wickWidth);
    canvas.fillRect(bodyLeft, bodyTop, candle.bodyWidth, bodyBottom - bodyTop + 1, color);
  });
}

function drawLine(canvas: Canvas, candles: CandleGeometry[], theme: Theme): void {
  for (let index = 1; index < candles.length; index += 1) {
    const from = candles[index - 1] as CandleGeometry;
    const to = candles[index] as CandleGeometry;
    canvas.line(from.x, from.closePx, to.x, to.closePx, theme.line, 2);
  }
}

function drawVolume(canvas: Canvas, bars: readonly Bar[], candles: CandleGeometry[], layout: Layout, theme: Theme) {
  if (!layout.volume) return;
  const { top, bottom } = layout.volume;
  canvas.hline(0, layout.axisLeft - 1, top - 1, theme.border);
  // Bars without a volume get one from their range: wide bars trade more.
  const volumes = bars.map((bar) => bar.volume ?? (bar.high - bar.low) * 1e6);
  const most = Math.max(...volumes, 1);
  candles.forEach((candle, index) => {
    const bar = bars[index] as Bar;
    const barHeight = Math.max(1, Math.round(((volumes[index] ?? 0) / most) * (bottom - top) * 0.85));
    const color = faded(bar.close >= bar.open ? theme.up : theme.down, 0.5);
    canvas.fillRect(candle.bodyLeft, bottom - barHeight, candle.bodyWidth, barHeight, color);
  });
}

const formatPrice = (price: number, decimals: number) => price.toFixed(decimals);

function drawAxis(canvas: Canvas, layout: Layout, scale: PriceScale, theme: Theme, reserved: number[]): void {
  const { axisLeft, pane } = layout;
  canvas.vline(axisLeft, 0, layout.height - 1, theme.border);
  const textHeight = measureText('0', AXIS_SCALE).height;
  for (const tick of scale.ticks) {
    const y = Math.round(scale.y(tick));
    // Labels too near the top, the bottom or the last-price box would be cut or hidden.
    if (y - textHeight / 2 < pane.top + 2 || y + textHeight / 2 > pane.bottom - 2) continue;
    if (reserved.some((row) => Math.abs(row - y) < textHeight + 20)) continue;
    canvas.hline(axisLeft + 1, axisLeft + 5, y, theme.border);
    drawText(canvas, formatPrice(tick, scale.decimals), axisLeft + 10, y - textHeight / 2, AXIS_SCALE, theme.axisText);
  }
}

function drawLastPrice(
  canvas: Canvas,
  bars: readonly Bar[],
  layout: Layout,
  scale: PriceScale,
  theme: Theme,
  axis: boolean,
) {
  const last = bars[bars.length - 1];
  if (!last) return;
  const color: Rgba = last.close >= last.open ? theme.up : theme.down;
  const y = Math.round(scale.y(last.close));
  canvas.dashedHline(layout.pane.left, layout.axisLeft - 1, y, color);
  if (!axis) return;
  const textHeight = measureText('0', AXIS_SCALE).height;
  canvas.fillRect(layout.axisLeft + 1, y - textHeight / 2 - 4, AXIS_WIDTH - 1, textHeight + 8, color);
  const label = formatPrice(last.close, scale.decimals);
  drawText(canvas, label, layout.axisLeft + 10, y - textHeight / 2, AXIS_SCALE, theme.labelText);
}

function drawWatermark(canvas: Canvas, text: string, layout: Layout, theme: Theme): void {
  const { pane } = layout;
  const fit = Math.floor((pane.right - pane.left) * 0.8) / Math.max(1, measureText(text, 1).width);
  const size = Math.max(2, Math.min(16, Math.floor(fit)));
  const box = measureText(text, size);
  const x = Math.round(pane.left + (pane.right - pane.left - box.width) / 2);
  const y = Math.round(pane.top + (pane.bottom - pane.top - box.height) / 2);
  drawText(canvas, text, x, y, size, faded(theme.text, 0.07));
}

/** Draws the chart; the same spec always gives the same PNG bytes. */
export function renderChart(spec: ChartSpec): RenderedChart {
  const width = spec.width ?? 1200;
  const height = spec.height ?? 700;
  const theme = THEMES[spec.theme ?? 'dark'];
  const axis = spec.priceAxis ?? true;
  const layout = layoutFor(spec, width, height);
  const lows = spec.bars.map((bar) => (spec.kind === 'line' ? bar.close : bar.low));
  const highs = spec.bars.map((bar) => (spec.kind === 'line' ? bar.close : bar.high));
  const top = layout.pane.top + (spec.title ? TITLE_ROOM : 16);
  const scale = priceScale(Math.min(...lows), Math.max(...highs), top, layout.pane.bottom - 16);
  const candles = geometryFor(spec.bars, layout, scale);

  const canvas = new Canvas(width, height, theme.background);
  if (spec.watermark) drawWatermark(canvas, spec.watermark, layout, theme);
  if (spec.grid ?? true) drawGrid(canvas, layout, scale, theme, spec.bars.length);
  if (spec.volumePane) drawVolume(canvas, spec.bars, candles, layout, theme);
  if (spec.kind === 'line') drawLine(canvas, candles, theme);
  else drawCandles(canvas, spec.bars, candles, spec, theme);
  const last = spec.bars[spec.bars.length - 1];
  if (spec.lastPriceLine) drawLastPrice(canvas, spec.bars, layout, scale, theme, axis);
  if (axis) drawAxis(canvas, layout, scale, theme, spec.lastPriceLine && last ? [Math.round(scale.y(last.close))] : []);
  if (spec.title) drawText(canvas, spec.title, 14, 14, TITLE_SCALE, theme.text);

  return {
    png: canvas.toPng(),
    width,
    height,
    candles,
    pane: layout.pane,
    axisStrip: { left: layout.axisLeft, right: width, visible: axis },
  };
}
