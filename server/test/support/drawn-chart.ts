// Candlestick charts drawn straight into RGB pixels, for the chart reader's unit tests: crisp candles at known
// rows, with the things a reader must see past (a moving average, a grid, hollow bodies, a light theme).
import sharp from 'sharp';
import type { RgbImage } from '../../src/chart-reader/index.js';

export type Rgb = readonly [number, number, number];

export interface DrawnCandle {
  high: number;
  low: number;
  open: number;
  close: number;
}

export interface DrawnChartOptions {
  width?: number;
  height?: number;
  background?: Rgb;
  up?: Rgb;
  down?: Rgb;
  /** Rising candles drawn as an outline. */
  hollow?: boolean;
  spacing?: number;
  bodyWidth?: number;
  /** Horizontal grid lines every this many rows. */
  grid?: { every: number; colour: Rgb } | null;
  /** A line through these rows, one per candle, drawn over the candles (2 px unless given), with an anti-aliased
   * edge row above and below it in `edge` when given. */
  movingAverage?: { rows: number[]; colour: Rgb; thickness?: number; edge?: Rgb } | null;
  /** Wicks in a colour of their own, meeting the body across a row of the body's colour blended 60 % with the
   * background (anti-aliasing). */
  wick?: Rgb;
  /** A volume pane along the bottom: a bar this many rows tall under each candle, in the candle's colour (blended
   * with the background at volumeAlpha, 1 unless given: translucent bars overlaid on the price pane). */
  volume?: number[] | null;
  volumeAlpha?: number;
  /** A legend's text in the top band, as glyph strokes (2 px wide, every 5 px) across these rows, from the left
   * edge to column `to`. */
  legend?: { rows: readonly [number, number]; to: number; colour: Rgb } | null;
}

export const DARK: Rgb = [19, 23, 34];
export const LIGHT: Rgb = [255, 255, 255];
export const TEAL: Rgb = [38, 166, 154];
export const RED: Rgb = [239, 83, 80];

export function drawChart(
  candles: readonly DrawnCandle[],
  options: DrawnChartOptions = {},
): RgbImage & { xs: number[] } {
  const width = options.width ?? 480;
  const height = options.height ?? 240;
  const spacing = options.spacing ?? 16;
  const bodyWidth = options.bodyWidth ?? 11;
  const data = new Uint8Array(width * height * 3);
  const set = (x: number, y: number, colour: Rgb) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    data.set(colour, (y * width + x) * 3);
  };
  const background = options.background ?? DARK;
  for (let p = 0; p < width * height; p += 1) data.set(background, p * 3);
  if (options.grid)
    for (let y = options.grid.every; y < height; y += options.grid.every)
      for (let x = 0; x < width; x += 1) set(x, y, options.grid.colour);
  const xs = candles.map((_, index) => 20 + index * spacing + Math.floor(bodyWidth / 2));
  candles.forEach((candle, index) => {
    const x = xs[index]!;
    const up = candle.close <= candle.open;
    const colour = up ? (options.up ?? TEAL) : (options.down ?? RED);
    const bodyTop = Math.min(candle.open, candle.close);
    const bodyBottom = Math.max(candle.open, candle.close);
    const edge = colour.map((v, k) => Math.round(background[k]! + 0.6 * (v - background[k]!))) as unknown as Rgb;
    for (let y = candle.high; y <= candle.low; y += 1)
      if (y < bodyTop || y > bodyBottom)
        set(x, y, !options.wick ? colour : y === bodyTop - 1 || y === bodyBottom + 1 ? edge : options.wick);
    const left = x - Math.floor(bodyWidth / 2);
    for (let y = bodyTop; y <= bodyBottom; y += 1)
      for (let k = 0; k < bodyWidth; k += 1) {
        const edge = y === bodyTop || y === bodyBottom || k === 0 || k === bodyWidth - 1;
        if (!options.hollow || !up || edge) set(left + k, y, colour);
      }
    const bar = options.volume?.[index] ?? 0;
    const alpha = options.volumeAlpha ?? 1;
    const shade = colour.map((v, k) => Math.round(background[k]! + alpha * (v - background[k]!))) as unknown as Rgb;
    for (let y = height - 4 - bar; y < height - 4; y += 1)
      for (let k = 0; k < bodyWidth; k += 1) set(left + k, y, shade);
  });
  if (options.legend) {
    const { rows, to, colour } = options.legend;
    for (let x = 4; x + 1 < to; x += 5)
      for (let y = rows[0]; y <= rows[1]; y += 1) [x, x + 1].forEach((column) => set(column, y, colour));
  }
  if (options.movingAverage) {
    const { rows, colour, thickness = 2, edge } = options.movingAverage;
    for (let k = 1; k < rows.length; k += 1) {
      const [x0, x1, y0, y1] = [xs[k - 1]!, xs[k]!, rows[k - 1]!, rows[k]!];
      for (let x = x0; x <= x1; x += 1) {
        const y = Math.round(y0 + ((y1 - y0) * (x - x0)) / (x1 - x0));
        for (let t = 0; t < thickness; t += 1) set(x, y + t, colour);
        if (edge) [y - 1, y + thickness].forEach((row) => set(x, row, edge));
      }
    }
  }
  return { width, height, data, xs };
}

/** Candles from [high, low] rows with a body in the middle half, alternating colours unless given. */
export function candlesOf(ranges: readonly (readonly [number, number])[], rising?: readonly boolean[]): DrawnCandle[] {
  return ranges.map(([high, low], index) => {
    const quarter = Math.max(1, Math.round((low - high) / 4));
    const up = rising ? rising[index]! : index % 2 === 0;
    return up
      ? { high, low, open: low - quarter, close: high + quarter }
      : { high, low, open: high + quarter, close: low - quarter };
  });
}

/** Five clear bars, then a 2D, an inside bar and a break of its high: a 2-1-2 long, trigger the 1. */
export const TWO_ONE_TWO: readonly (readonly [number, number])[] = [
  [100, 160],
  [90, 150],
  [80, 140],
  [95, 170],
  [100, 165],
  [105, 190],
  [110, 180],
  [95, 170],
];

/** A drawn chart as PNG bytes (as a screenshot arrives), scaled up `scale` times without smoothing. */
export async function drawnChartPng(
  ranges: readonly (readonly [number, number])[] = TWO_ONE_TWO,
  scale = 1,
): Promise<Buffer> {
  const image = drawChart(candlesOf(ranges));
  const raw = sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } });
  const scaled = scale === 1 ? raw : raw.resize(image.width * scale, image.height * scale, { kernel: 'nearest' });
  return scaled.png().toBuffer();
}
