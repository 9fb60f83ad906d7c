// The local Strat chart reader: a candlestick screenshot in, the candles and their Strat numbers out, from the
// pixels alone. readChart decodes and reads; readPixels reads decoded pixels (for a worker given a transferred
// buffer, and for tests that draw their own images); pixelReading words a reading for the model.
import { candleColours } from './candle-colours.js';
import { scanCandles, type CandleShape } from './candles.js';
import { learnPalette } from './colours.js';
import { decodeImage, type RgbImage } from './image.js';
import {
  comboOf,
  sequenceOf,
  shapeOf,
  stratTypeWithin,
  type Combo,
  type SeenRange,
  type Shape,
  type StratType,
} from './strat.js';

export { ChartImageError, decodeImage, imageHeader, MAX_PIXELS, type RgbImage } from './image.js';
export { pixelReading } from './reading-text.js';
export type { Combo, ComboName, ComboStatus, Shape, StratType } from './strat.js';

export interface CandleReading {
  /** Centre of the candle, in image pixels from the left edge. */
  x: number;
  /** Rows in image pixels from the top edge (a higher price has a smaller number). */
  highPx: number;
  lowPx: number;
  openPx: number;
  closePx: number;
  /** Against the candle before it; null where a take-out is within a pixel, a wick end is hidden, or there is no
   * candle before it. */
  type: StratType | null;
  /** 0 to 1: how sure the type is (0 when type is null). */
  confidence: number;
  /** Close above open (up) or below (down), from the candle's colour; null when the colour does not say. */
  direction: 'up' | 'down' | null;
  shape: Shape | null;
}

export interface ChartReading {
  width: number;
  height: number;
  /** The price pane the candles were read in (right and bottom exclusive). */
  pane: { left: number; top: number; right: number; bottom: number };
  /** Oldest first; the right-most is the live candle. */
  candles: CandleReading[];
  /** The last five numbers, oldest first, "?" where unsure: "2D-1-2U-?-1". */
  sequence: string;
  combo: Combo | null;
  /** Prices are not read from the axis: every level is in pixels and candle positions. */
  prices: null;
}

function confidenceOf(previous: CandleReading, candle: CandleReading): number {
  const margin = Math.min(Math.abs(previous.highPx - candle.highPx), Math.abs(candle.lowPx - previous.lowPx));
  return margin >= 3 ? 0.95 : margin >= 2 ? 0.7 : 0;
}

/** Where a candle's ends may be: a covered candle's high and low are each anywhere under the drawing. */
function seenRange(shape: CandleShape): SeenRange {
  if (!shape.covered) return shape;
  const rows = shape.lowPx - shape.highPx;
  return { highPx: shape.lowPx, highHidden: rows, lowPx: shape.highPx, lowHidden: rows };
}

/** Reads decoded pixels; synchronous and allocation-light, so a worker thread can run it. */
export function readPixels(image: RgbImage): ChartReading {
  const palette = learnPalette(image);
  const colours = candleColours(image, palette);
  const scan = scanCandles(image, colours);
  const candles: CandleReading[] = [];
  scan.candles.forEach((shape, index) => {
    const up = shape.direction !== 'down';
    const candle: CandleReading = {
      x: Math.round(shape.x * 10) / 10,
      highPx: shape.highPx,
      lowPx: shape.lowPx,
      openPx: up ? shape.bodyBottomPx : shape.bodyTopPx,
      closePx: up ? shape.bodyTopPx : shape.bodyBottomPx,
      type: null,
      confidence: 0,
      direction: shape.direction,
      shape: null,
    };
    candle.shape = shape.covered ? null : shapeOf(candle);
    const previous = candles[index - 1];
    const previousShape = scan.candles[index - 1];
    if (previous && previousShape) {
      candle.type = stratTypeWithin(seenRange(previousShape), seenRange(shape));
      candle.confidence = candle.type ? confidenceOf(previous, candle) : 0;
    }
    candles.push(candle);
  });
  return {
    width: image.width,
    height: image.height,
    pane: scan.pane,
    candles,
    sequence: sequenceOf(candles),
    combo: comboOf(candles),
    prices: null,
  };
}

/** Decodes a PNG or JPEG screenshot and reads it. Throws ChartImageError for an unreadable or huge image. */
export async function readChart(bytes: Buffer): Promise<ChartReading> {
  const image = await decodeImage(bytes);
  try {
    return readPixels(image);
  } finally {
    releasePixels(image.data);
  }
}

/**
 * Frees a decoded image's pixels now rather than at the next garbage collection: V8 counts array buffers toward
 * its limits, and the 6 MB of a chart's pixels left to the collector brought a full mark-compact on most
 * reads. Only a buffer of its own (never a slice of a shared pool) is detached; ArrayBuffer.prototype.transfer
 * is Node 21+ (elsewhere the collector frees it, as before).
 */
export function releasePixels(pixels: Uint8Array): void {
  const { buffer } = pixels;
  if (!(buffer instanceof ArrayBuffer) || pixels.byteOffset !== 0 || pixels.byteLength !== buffer.byteLength) return;
  try {
    (buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer }).transfer?.(0);
  } catch {
    // A buffer that cannot be detached is left to the collector.
  }
}
