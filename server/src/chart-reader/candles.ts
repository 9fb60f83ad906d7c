// From classed pixels to candles. Candles sit on a regular grid (one bar every `spacing` pixels, fractional), so
// the grid is found first: in each column the longest vertical run of candle pixels (bridged across a moving
// average or label drawn over it), then the spacing and phase whose comb of columns meets the longest runs (the
// wick columns). Each slot of the grid is then measured on its own: wick ends from its longest run, the body
// from the rows where the candle is wider than its wick. Bodies that touch (small spacing) are still apart.
import { HALF, OTHER, UNKNOWN, WEAK, type CandleColours } from './candle-colours.js';
import { backgroundWords, fourBackground, NO_WORDS } from './colours.js';
import type { RgbImage } from './image.js';
import { scratch } from './scratch.js';

export interface CandleShape {
  x: number;
  highPx: number;
  lowPx: number;
  bodyTopPx: number;
  bodyBottomPx: number;
  direction: 'up' | 'down' | null;
  /** Rows beyond the high (above it) and the low (below it) that another drawing covers, where the wick may go
   * on unseen: 0 when the end is clear; HIDDEN_ALL when it meets the pane's edge. */
  highHidden: number;
  lowHidden: number;
  /** No candle pixel shows: another drawing (a thick moving average) covers the whole candle, which lies
   * somewhere within highPx..lowPx (the drawing's rows). */
  covered: boolean;
}

export interface CandleScan {
  candles: CandleShape[];
  pane: { left: number; top: number; right: number; bottom: number };
  /** Pixels between neighbouring candle centres. */
  spacing: number;
}

/** A wick end at the pane's edge: it may go on anywhere beyond. */
export const HIDDEN_ALL = 1e6;
const y0Edge = (y: number, pane: Layout) => y < pane.top || y >= pane.bottom;

/** Runs of candle pixels carry on across this many rows of another drawing (a moving average 2 px wide at
 * dpr 2, anti-aliased). */
const BRIDGE = 8;

const isCandle = (c: number) => c !== 0 && c < WEAK;
/** Background, or a faint candle colour (treated as background). */
const isBackground = (c: number) => c === 0 || c === WEAK;

interface Layout {
  /** Rows holding a horizontal line in a candle colour (the last-price line). */
  lineRow: Uint8Array;
  top: number;
  bottom: number;
  right: number;
  /** The lowest row in the pane on which many runs end (40 or more, +-1 row): the foot of volume bars
   * drawn over the pane, whose half-transparent shades partly read as a candle colour. -1 when none. */
  foot: number;
}

/** Classes every pixel (background 0, a candle colour 1..n, WEAK or OTHER, through the colours' table) and, in
 * the same pass, finds the price pane: above a volume pane (bars standing on one baseline), left of the
 * last-price label, and the rows where a candle-coloured horizontal line runs (thin runs across much of the
 * width). */
function classifyAndLayout(
  image: RgbImage,
  colours: CandleColours,
): { classes: Uint8Array; pane: Layout; drawn: Drawn } {
  const { width, height, data } = image;
  const classes = scratch('classes', Uint8Array, width * height);
  const { table, resolve } = colours;
  const rowStart = new Int32Array(height + 1);
  let columns = scratch('columns', Uint16Array, Math.max(1024, (width * height) >> 3));
  let drawnCount = 0;
  const thin = new Uint32Array(height);
  const bottoms = new Uint32Array(height);
  // Each column's vertical run of candle pixels: where it started and its last row. A run has ended when the
  // column's next candle pixel is not on the row after; runs of 3 rows or fewer are thin (a horizontal line).
  const runStart = new Int32Array(width).fill(-1);
  const runLast = new Int32Array(width).fill(-2);
  const ended = (x: number) => {
    const [from, to] = [runStart[x]!, runLast[x]!];
    if (to - from < 3) for (let row = from; row <= to; row += 1) thin[row]! += 1;
    else bottoms[to]! += 1;
  };
  // Four background pixels at once (classes start at 0): a chart is mostly background.
  const { words, w0, w1, w2 } = backgroundWords(image, colours.backgroundBytes) ?? NO_WORDS;
  // And one pixel of exactly the background (between a drawing and the next multiple of four), when the table
  // classes the background's colour as background.
  const [b0, b1, b2] = colours.backgroundBytes;
  const backgroundBin = ((b0 >> 3) << 10) | ((b1 >> 3) << 5) | (b2 >> 3);
  const skipOne = (table[backgroundBin] === UNKNOWN ? resolve(backgroundBin) : table[backgroundBin]) === 0;
  let boxLeft = width;
  let boxRows = 0;
  for (let y = 0; y < height; y += 1) {
    const base = y * width;
    for (let x = 0; x < width;) {
      const p = base + x;
      if (words && (p & 3) === 0) {
        // As many fours of background as follow, in one tight loop.
        let q = p;
        const last = base + width - 4;
        while (q <= last && fourBackground(words, w0, w1, w2, q)) q += 4;
        if (q !== p) {
          x += q - p;
          continue;
        }
      }
      const i = p * 3;
      if (skipOne && data[i] === b0 && data[i + 1] === b1 && data[i + 2] === b2) {
        x += 1;
        continue;
      }
      const bin = ((data[i]! >> 3) << 10) | ((data[i + 1]! >> 3) << 5) | (data[i + 2]! >> 3);
      let c = table[bin]!;
      if (c === UNKNOWN) c = resolve(bin);
      classes[p] = c;
      if (isCandle(c)) {
        if (runLast[x] !== y - 1) {
          if (runStart[x]! >= 0) ended(x);
          runStart[x] = y;
        }
        runLast[x] = y;
      }
      if (isCandle(c) || c === OTHER) {
        if (drawnCount === columns.length) {
          const grown = new Uint16Array(columns.length * 2);
          grown.set(columns);
          columns = grown;
        }
        columns[drawnCount++] = x;
      }
      x += 1;
    }
    rowStart[y + 1] = drawnCount;
    // The last-price label: a candle-coloured run reaching the image's right edge, 30 px to a fifth of the width
    // long (a run across the whole image is a line, not a label).
    if (isCandle(classes[base + width - 2]!)) {
      let x = width - 2;
      while (x > 0 && isCandle(classes[base + x - 1]!)) x -= 1;
      if (width - x >= 30 && width - x <= width * 0.2) {
        boxLeft = Math.min(boxLeft, x);
        boxRows += 1;
      }
    }
  }
  for (let x = 0; x < width; x += 1) if (runStart[x]! >= 0) ended(x);
  const lineRow = new Uint8Array(height);
  const lineLength = Math.max(30, width * 0.12);
  for (let y = 0; y < height; y += 1) if (thin[y]! >= lineLength) lineRow[y] = 1;
  // Volume bars end on one row: far more run bottoms there than anywhere candles end.
  let baseline = -1;
  let most = 0;
  for (let y = Math.floor(height * 0.5); y < height; y += 1)
    if (bottoms[y]! > most) [baseline, most] = [y, bottoms[y]!];
  let bottom = height;
  if (baseline >= 0 && most >= Math.max(40, width * 0.08)) {
    const tops: number[] = [];
    for (let x = 0; x < width; x += 1) {
      if (!isCandle(classes[baseline * width + x]!)) continue;
      let y = baseline;
      while (y > 0 && isCandle(classes[(y - 1) * width + x]!)) y -= 1;
      tops.push(y);
    }
    tops.sort((a, b) => a - b);
    bottom = Math.max(0, (tops[Math.floor(tops.length * 0.03)] ?? baseline) - 2);
  }
  let foot = -1;
  for (let y = bottom - 2; y > height / 2 && foot < 0; y -= 1)
    if (bottoms[y - 1]! + bottoms[y]! + bottoms[y + 1]! >= 40) foot = y;
  return {
    classes,
    pane: { lineRow, top: 0, bottom, right: boxRows >= 6 ? boxLeft - 1 : width, foot },
    drawn: { rowStart, columns },
  };
}

/** Another drawing at (x, row): a pixel of another colour with another beside it (a line or a label). A lone
 * off-colour pixel at a wick's tip is the wick fading (JPEG), not a drawing over it. */
function drawingAt(classes: Uint8Array, width: number, base: number, x: number): boolean {
  if (base < 0 || classes[base + x] !== OTHER) return false;
  return (x > 0 && classes[base + x - 1] === OTHER) || (x + 1 < width && classes[base + x + 1] === OTHER);
}

const faintAround = (classes: Uint8Array, p: number) =>
  classes[p - 1] === WEAK && classes[p - 2] === WEAK && classes[p + 1] === WEAK && classes[p + 2] === WEAK;

interface Runs {
  start: Int32Array;
  end: Int32Array;
  /** 1 where at least FULL_SHARE of the run's pixels are at full strength. */
  full: Uint8Array;
}

/** The pixels in a candle colour or another drawing, row by row: row y's columns are columns[rowStart[y] ..
 * rowStart[y + 1]). Most of a chart is background, which the runs skip. */
interface Drawn {
  rowStart: Int32Array;
  columns: Uint16Array;
}

/** For each column, its longest vertical run of candle pixels within the pane, bridged across up to BRIDGE rows
 * of another drawing. Only drawn pixels are visited: a background row between two of a column's drawn pixels
 * ends its run. */
/** A run with under this share of its pixels at full strength is a half-transparent drawing. */
const FULL_SHARE = 0.1;
function longestRuns(classes: Uint8Array, width: number, pane: Layout, drawn: Drawn): Runs {
  const best = {
    start: new Int32Array(width).fill(-1),
    end: new Int32Array(width).fill(-2),
    full: new Uint8Array(width),
  };
  const start = new Int32Array(width).fill(-1);
  const last = new Int32Array(width);
  // How many of the open run's pixels are at full strength: a run with under FULL_SHARE of them is a
  // half-transparent drawing (a JPEG's noise lifts a few of a volume bar's pixels to full strength).
  const fullCount = new Uint32Array(width);
  // The last row each column had a drawn pixel (a gap since: background, which ends a run).
  const seen = new Int32Array(width).fill(-2);
  // A legend's text in a candle colour sits in the top band, and volume bars stand on the pane's foot: any other
  // run in the column wins over them.
  const band = Math.floor(pane.bottom * 0.12);
  const weight = (from: number, to: number, strong: number) =>
    to < band || (pane.foot >= 0 && Math.abs(to - pane.foot) <= 1) || !strong ? (to - from) / 16 : to - from;
  const close = (x: number) => {
    const strong = fullCount[x]! >= Math.max(1, (last[x]! - start[x]! + 1) * FULL_SHARE) ? 1 : 0;
    if (weight(start[x]!, last[x]!, strong) > weight(best.start[x]!, best.end[x]!, best.full[x]!)) {
      best.start[x] = start[x]!;
      best.end[x] = last[x]!;
      best.full[x] = strong;
    }
    start[x] = -1;
  };
  const { rowStart, columns } = drawn;
  for (let y = pane.top; y < pane.bottom; y += 1) {
    const base = y * width;
    const line = pane.lineRow[y] === 1;
    for (let k = rowStart[y]!, end = rowStart[y + 1]!; k < end; k += 1) {
      const x = columns[k]!;
      if (x >= pane.right) continue;
      if (seen[x] !== y - 1 && start[x]! >= 0) close(x);
      seen[x] = y;
      let c = classes[base + x]!;
      // A candle-coloured price line: candle only where the candle goes on through it.
      if (line && isCandle(c)) {
        const above = y > 0 ? classes[base + x - width]! : 0;
        const below = y + 1 < pane.bottom ? classes[base + x + width]! : 0;
        if (!isCandle(above) || !isCandle(below)) c = OTHER;
      }
      // Inside a faint area (two faint pixels either side): where translucent volume bars overlap, not a candle
      // (a JPEG's faint fringe beside a wick is one pixel wide). Background, so it ends the run.
      if (isCandle(c) && x > 1 && faintAround(classes, base + x)) {
        if (start[x]! >= 0) close(x);
        seen[x] = -2;
        continue;
      }
      if (isCandle(c)) {
        if (start[x]! < 0) {
          start[x] = y;
          fullCount[x] = 0;
        }
        if (c < HALF) fullCount[x]! += 1;
        last[x] = y;
      } else if (start[x]! >= 0 && y - last[x]! > BRIDGE) close(x);
    }
  }
  for (let x = 0; x < pane.right; x += 1) if (start[x]! >= 0) close(x);
  return best;
}

/** Peaks of the run lengths: the middle of each plateau (within a pixel) standing above both of its sides,
 * which is a candle's wick column, or the middle of a body without wicks. Spread a pixel either side, so a comb
 * rounded to the other column of a 2-pixel wick still meets it. */
function peaks(lengths: Float64Array, to: number): Float64Array {
  const peak = new Float64Array(to);
  for (let x = 0; x < to;) {
    const level = lengths[x]!;
    if (level === 0) {
      x += 1;
      continue;
    }
    let end = x;
    while (end + 1 < to && Math.abs(lengths[end + 1]! - level) <= 1) end += 1;
    const lowerLeft = x === 0 || lengths[x - 1]! < level - 1;
    const lowerRight = end === to - 1 || lengths[end + 1]! < level - 1;
    if (lowerLeft && lowerRight) {
      const middle = Math.round((x + end) / 2);
      for (let k = Math.max(0, middle - 1); k <= Math.min(to - 1, middle + 1); k += 1)
        peak[k] = Math.max(peak[k]!, level);
    }
    x = end + 1;
  }
  return peak;
}

/** When the candles stand apart (background columns between them), each group of columns with candle pixels is
 * one candle, hollow ones included, and its middle is the candle's centre: a cleaner signal than the wick
 * peaks. Groups much wider than most (candles joined by a line drawn across them) are left out. A column whose
 * longest run counts under a pixel (a line's anti-aliased edge, weighted a sixteenth) parts groups. Null when
 * fewer than 85 % of the groups are one candle wide (bodies touching at small spacings), or when those hold
 * under half of the candle pixels (a few candles apart beside many joined). */
function blobCentres(lengths: Float64Array, to: number): Float64Array | null {
  const blobs: { left: number; right: number; level: number }[] = [];
  for (let x = 0; x < to;) {
    if (lengths[x]! < 1) {
      x += 1;
      continue;
    }
    let end = x;
    let level = 0;
    while (end < to && lengths[end]! >= 1) level = Math.max(level, lengths[end++]!);
    blobs.push({ left: x, right: end - 1, level });
    x = end;
  }
  const strong = blobs.filter((blob) => blob.level >= 3);
  if (strong.length < 5) return null;
  const widths = strong.map((blob) => blob.right - blob.left + 1).sort((a, b) => a - b);
  const median = widths[Math.floor(widths.length / 2)]!;
  const single = widths.filter((w) => w <= median * 1.6 + 1).length;
  if (single < strong.length * 0.85) return null;
  let total = 0;
  let held = 0;
  for (let x = 0; x < to; x += 1) total += lengths[x]!;
  for (const blob of strong)
    if (blob.right - blob.left + 1 <= median * 1.6 + 1)
      for (let x = blob.left; x <= blob.right; x += 1) held += lengths[x]!;
  if (held < total * 0.5) return null;
  const peak = new Float64Array(to);
  for (const blob of strong) {
    if (blob.right - blob.left + 1 > median * 1.6 + 1) continue;
    const middle = Math.round((blob.left + blob.right) / 2);
    for (let k = Math.max(0, middle - 1); k <= Math.min(to - 1, middle + 1); k += 1) peak[k] = blob.level;
  }
  return peak;
}

/** How much more of the peaks a comb of columns round(phase + k * spacing) meets than a comb as dense would by
 * chance: a comb on every candle beats one on every other candle (half the peaks) and one three times as dense
 * (the same peaks, but three times the chance). */
function combScore(peak: Float64Array, spacing: number, phase: number, chance: number): number {
  let sum = 0;
  let n = 0;
  for (let x = phase; x < peak.length; x += spacing) {
    sum += peak[Math.round(x)] ?? 0;
    n += 1;
  }
  return sum - n * chance;
}

/** The comb's phase for a spacing, from the peaks' circular mean (cos and sin: the sums of each peak's height
 * times the cosine and sine of its angle 2 pi x / spacing): the best comb within a pixel of the mean. */
function bestPhase(peak: Float64Array, spacing: number, chance: number, cos: number, sin: number) {
  let centre = (Math.atan2(sin, cos) / (2 * Math.PI)) * spacing;
  if (centre < 0) centre += spacing;
  let phase = centre;
  let score = -Infinity;
  // The circular mean first: a spread peak scores the same a pixel either side, and the mean is its middle.
  for (const shift of [0, -0.5, 0.5, -1, 1]) {
    const p = centre + shift < 0 ? centre + shift + spacing : centre + shift;
    const s = combScore(peak, spacing, p, chance);
    if (s > score) [phase, score] = [p, s];
  }
  return { phase, score };
}

/** The grid's spacing and phase. The spacing's whole pixels come from the autocorrelation of the peaks (the
 * smallest strong lag: twice the spacing correlates as well), then a fine comb search finds the fraction; a
 * hundredth of a pixel matters when the comb runs over 150 candles. */
function findGrid(
  lengths: Float64Array,
  weighted: Float64Array,
  to: number,
): { spacing: number; phase: number; fromBlobs: boolean } | null {
  // Blob centres when the candles stand apart, however many peaks each has (a hollow candle has its wick, its
  // two sides and more where a line crosses it), not a legend's glyphs alone (weighted: a glyph's run in the
  // legend's band counts a sixteenth, too short for a blob).
  const wicks = peaks(lengths, to);
  const blobs = blobCentres(weighted, to);
  const points = (signal: Float64Array) =>
    Int32Array.from(signal.keys()).filter((x) => signal[x]! > 0 && signal[x - 1] !== signal[x]);
  if (blobs) {
    const centres = points(blobs);
    const grid = combGrid(blobs, centres, to);
    // Blobs that are runs of touching candles give a comb far sparser than the blobs: not the grid.
    const gaps = centres
      .slice(1)
      .map((x, k) => x - centres[k]!)
      .sort((a, b) => a - b);
    if (grid && grid.spacing <= 2.5 * (gaps[Math.floor(gaps.length / 2)] ?? Infinity))
      return { ...grid, fromBlobs: true };
  }
  const grid = combGrid(wicks, points(wicks), to);
  return grid && { ...grid, fromBlobs: false };
}

function combGrid(peak: Float64Array, points: Int32Array, to: number): { spacing: number; phase: number } | null {
  const longest = Math.min(160, Math.floor(to / 3));
  if (longest < 3) return null;
  const correlation = new Float64Array(longest + 2);
  for (let lag = 2; lag <= longest + 1; lag += 1) {
    let sum = 0;
    for (let x = 0; x + lag < to; x += 1) {
      const a = peak[x]!;
      if (a !== 0) sum += a * peak[x + lag]!;
    }
    correlation[lag] = sum;
  }
  let top = 0;
  for (let lag = 3; lag <= longest; lag += 1) top = Math.max(top, correlation[lag]!);
  if (top <= 0) return null;
  // Candidate whole-pixel spacings: the correlation's strong local maxima. A fine comb search on each finds its
  // fraction; the comb that meets the most peaks beyond chance wins (twice the spacing meets half of them).
  const candidates: number[] = [];
  for (let lag = 3; lag <= longest; lag += 1)
    if (
      correlation[lag]! >= top * 0.45 &&
      correlation[lag]! >= correlation[lag - 1]! &&
      correlation[lag]! >= correlation[lag + 1]!
    )
      candidates.push(lag);
  const chance = peak.reduce((sum, value) => sum + value, 0) / Math.max(1, to);
  let best = { spacing: 0, phase: 0, score: -Infinity };
  const cosines = new Float64Array(points.length);
  const sines = new Float64Array(points.length);
  const turnCos = new Float64Array(points.length);
  const turnSin = new Float64Array(points.length);
  const weights = new Float64Array(points.length);
  for (const lag of candidates.slice(0, 4)) {
    const step = lag < 12 ? 0.005 : 0.01;
    // The correlation's peak between whole lags (a parabola through three): the fraction to search around.
    const [a, b, c] = [correlation[lag - 1]!, correlation[lag]!, correlation[lag + 1]!];
    const centre = lag + (a - c === 0 ? 0 : (0.5 * (a - c)) / (a - 2 * b + c));
    // Spacings from centre + 0.8 down to centre - 0.8, evenly in frequency (2 pi / spacing): each peak's angle
    // then turns by a fixed amount per step, a rotation instead of a cosine and a sine per peak and step.
    const [wide, narrow] = [centre + 0.8, Math.max(3, centre - 0.8)];
    const steps = Math.ceil((wide - narrow) / step);
    const [from, by] = [(2 * Math.PI) / wide, ((2 * Math.PI) / narrow - (2 * Math.PI) / wide) / steps];
    for (let k = 0; k < points.length; k += 1) {
      const x = points[k]!;
      cosines[k] = Math.cos(x * from);
      sines[k] = Math.sin(x * from);
      turnCos[k] = Math.cos(x * by);
      turnSin[k] = Math.sin(x * by);
      weights[k] = peak[x]!;
    }
    const sums = new Float64Array(2 * (steps + 1));
    const strength = new Float64Array(steps + 1);
    for (let j = 0; j <= steps; j += 1) {
      let cos = 0;
      let sin = 0;
      for (let k = 0; k < points.length; k += 1) {
        const c = cosines[k]!;
        const s = sines[k]!;
        cos += weights[k]! * c;
        sin += weights[k]! * s;
        cosines[k] = c * turnCos[k]! - s * turnSin[k]!;
        sines[k] = s * turnCos[k]! + c * turnSin[k]!;
      }
      sums[2 * j] = cos;
      sums[2 * j + 1] = sin;
      strength[j] = cos * cos + sin * sin;
    }
    // The peaks line up best (their angles agree most) at a few spacings: the comb is scored near the strongest
    // three of those local maxima only, across each one's top (within 80 % of it, and 4 steps either side: the
    // comb's own best is that close on the tune split; the top is wide when there are few candles).
    const maxima: number[] = [];
    for (let j = 0; j <= steps; j += 1)
      if ((j === 0 || strength[j]! >= strength[j - 1]!) && (j === steps || strength[j]! > strength[j + 1]!))
        maxima.push(j);
    maxima.sort((p, q) => strength[q]! - strength[p]!);
    for (const top of maxima.slice(0, 3)) {
      let [left, right] = [Math.max(0, top - 4), Math.min(steps, top + 4)];
      while (left > 0 && strength[left - 1]! >= strength[top]! * 0.8) left -= 1;
      while (right < steps && strength[right + 1]! >= strength[top]! * 0.8) right += 1;
      for (let j = left; j <= right; j += 1) {
        const spacing = (2 * Math.PI) / (from + j * by);
        const { phase, score } = bestPhase(peak, spacing, chance, sums[2 * j]!, sums[2 * j + 1]!);
        if (score > best.score) best = { spacing, phase, score };
      }
    }
  }
  if (best.score <= 0) return null;
  return { spacing: best.spacing, phase: best.phase };
}

export function scanCandles(image: RgbImage, colours: CandleColours): CandleScan {
  const { width, height } = image;
  const { classes, pane, drawn } = classifyAndLayout(image, colours);
  const runs = longestRuns(classes, width, pane, drawn);
  const lengths = new Float64Array(width);
  // For a slot's column, a run in the legend's band or ending on the pane's foot counts a sixteenth (as in
  // longestRuns): the slot's column is a candle's, not a glyph's of the legend above it or a volume bar's below.
  const band = Math.floor(pane.bottom * 0.12);
  const weighted = new Float64Array(width);
  for (let x = 0; x < pane.right; x += 1) {
    lengths[x] = Math.max(0, runs.end[x]! - runs.start[x]! + 1);
    const end = runs.end[x]!;
    weighted[x] =
      end < band || (pane.foot >= 0 && Math.abs(end - pane.foot) <= 1) || !runs.full[x]
        ? lengths[x]! / 16
        : lengths[x]!;
  }
  const grid = findGrid(lengths, weighted, pane.right);
  const empty = { candles: [], pane: { left: 0, top: 0, right: pane.right, bottom: pane.bottom }, spacing: 0 };
  if (!grid) return empty;
  const slotsOf = (spacing: number, phase: number) => {
    const half = Math.max(0, Math.floor((spacing - 1) / 2));
    const slots: (CandleShape | null)[] = [];
    for (let centre = phase; centre < pane.right; centre += spacing) {
      const c = Math.round(centre);
      const from = Math.max(0, c - half);
      const to = Math.min(pane.right - 1, c + half);
      let column = -1;
      for (let x = from; x <= to; x += 1)
        if (
          weighted[x]! > 0 &&
          (column < 0 ||
            weighted[x]! > weighted[column]! ||
            (weighted[x] === weighted[column] && Math.abs(x - c) < Math.abs(column - c)))
        )
          column = x;
      slots.push(column < 0 ? null : measure(classes, width, colours, runs, column, from, to, pane));
    }
    return slots;
  };
  // Slots one or two apart that read the same high and low: the same candle seen twice, so the comb is a
  // fraction of the grid (a hollow candle's sides and wick make three peaks a third of the spacing apart).
  const repeats = (slots: (CandleShape | null)[]) => {
    let pairs = 0;
    let same = 0;
    for (let k = 1; k < slots.length; k += 1)
      for (const a of [slots[k - 1], slots[k - 2]]) {
        const b = slots[k];
        if (!a || !b) continue;
        pairs += 1;
        if (Math.abs(a.highPx - b.highPx) <= 1 && Math.abs(a.lowPx - b.lowPx) <= 1) same += 1;
      }
    return pairs ? same / pairs : 0;
  };
  // How far the candles measured sit from the grid's teeth, in pixels: small when each slot holds its candle.
  const offTeeth = (slots: (CandleShape | null)[], spacing: number, phase: number) => {
    let [off, n] = [0, 0];
    slots.forEach((slot, k) => {
      if (!slot || slot.covered) return;
      off += Math.abs(slot.x - phase - k * spacing);
      n += 1;
    });
    return off / Math.max(1, n);
  };
  // The grid through the candles a coarse grid found (m times the comb's spacing carries m times its error): a
  // least-squares line through the slots' centres, slot k at phase + k * spacing.
  const fitted = (coarse: (CandleShape | null)[], spacing: number, phase: number) => {
    let [n, sk, sx, skk, skx] = [0, 0, 0, 0, 0];
    coarse.forEach((slot, k) => {
      if (!slot || slot.covered) return;
      n += 1;
      sk += k;
      sx += slot.x;
      skk += k * k;
      skx += k * slot.x;
    });
    const slope = n >= 3 ? (n * skx - sk * sx) / (n * skk - sk * sk) : spacing;
    if (!(Math.abs(slope - spacing) < spacing * 0.05)) return { slots: coarse, spacing, phase, off: Infinity };
    const intercept = (sx - slope * sk) / n;
    const start = intercept - Math.floor(intercept / slope) * slope;
    const slots = slotsOf(slope, start);
    return { slots, spacing: slope, phase: start, off: offTeeth(slots, slope, start) };
  };
  let slots = slotsOf(grid.spacing, grid.phase);
  let { spacing, phase } = grid;
  // (Blob centres are one per candle already.)
  const original = grid.fromBlobs ? 0 : repeats(slots);
  if (original > 0.1) {
    // Combs m times as sparse that read far fewer repeats, each on the wicks (the longest runs) of its m phases.
    const sparser = [2, 3].flatMap((m) => {
      let start = grid.phase;
      let most = -1;
      for (let j = 0; j < m; j += 1) {
        let sum = 0;
        for (let x = grid.phase + j * grid.spacing; x < pane.right; x += m * grid.spacing)
          sum += lengths[Math.round(x)]!;
        if (sum > most) [start, most] = [grid.phase + j * grid.spacing, sum];
      }
      const coarse = slotsOf(m * grid.spacing, start);
      return repeats(coarse) < original * 0.6 ? [fitted(coarse, m * grid.spacing, start)] : [];
    });
    // The one whose candles sit closest to its teeth, in pixels: in spacings, a comb three times as sparse
    // looked three times as good for the same misses, and took over a dark chart whose candles the comb's own
    // teeth held within a pixel (a few neighbours of equal high and low are repeats by chance).
    let best = { slots, spacing, phase, off: sparser.length ? fitted(slots, spacing, phase).off : 0 };
    for (const candidate of sparser) if (candidate.off < best.off) best = candidate;
    ({ slots, spacing, phase } = best);
  }
  // A slot holding only text in the top band (a legend) is empty; the time axis's text in the bottom band can
  // only join the chain at its ends.
  const legend = (c: CandleShape) => c.lowPx < height * 0.1 && c.lowPx - c.highPx < height * 0.03;
  for (let k = 0; k < slots.length; k += 1) if (slots[k] && legend(slots[k]!)) slots[k] = null;
  // An empty slot between candles with another drawing over its middle is a candle covered by it.
  for (let k = 1; k + 1 < slots.length; k += 1) {
    if (slots[k]) continue;
    const before = slots[k - 1];
    const after = slots[k + 1] ?? slots[k + 2];
    if (!before || !after) continue;
    slots[k] = coveredCandle(classes, width, Math.round(phase + k * spacing), before, after, pane);
  }
  // The candles are the longest unbroken chain of filled slots (axis text or a legend beyond a gap is not).
  let bestFrom = 0;
  let bestLength = 0;
  for (let k = 0; k < slots.length;) {
    if (!slots[k]) {
      k += 1;
      continue;
    }
    let end = k;
    while (end < slots.length && slots[end]) end += 1;
    if (end - k > bestLength) [bestFrom, bestLength] = [k, end - k];
    k = end;
  }
  let candles = slots.slice(bestFrom, bestFrom + bestLength) as CandleShape[];
  const inAxis = (c: CandleShape) => c.highPx > height * 0.92;
  while (candles.length && inAxis(candles[0]!)) candles = candles.slice(1);
  while (candles.length && inAxis(candles[candles.length - 1]!)) candles = candles.slice(0, -1);
  const top = candles.length ? Math.max(0, Math.min(...candles.map((c) => c.highPx)) - 1) : 0;
  return {
    candles,
    pane: { left: 0, top, right: pane.right, bottom: pane.bottom },
    spacing,
  };
}

/** A candle hidden under another drawing at column c, between two candles seen: the drawing's rows in that
 * column (and either side of it) near the neighbours' range. Null when nothing is drawn there. */
function coveredCandle(
  classes: Uint8Array,
  width: number,
  c: number,
  before: CandleShape,
  after: CandleShape,
  pane: Layout,
): CandleShape | null {
  const high = Math.min(before.highPx, after.highPx);
  const low = Math.max(before.lowPx, after.lowPx);
  const margin = Math.max(4, low - high);
  let top = -1;
  let bottom = -1;
  for (let y = Math.max(pane.top, high - margin); y < Math.min(pane.bottom, low + margin + 1); y += 1)
    for (let x = Math.max(0, c - 1); x <= Math.min(width - 1, c + 1); x += 1)
      if (classes[y * width + x] === OTHER) {
        if (top < 0) top = y;
        bottom = y;
      }
  if (top < 0) return null;
  return {
    x: c,
    highPx: top,
    lowPx: bottom,
    bodyTopPx: top,
    bodyBottomPx: bottom,
    direction: null,
    highHidden: 0,
    lowHidden: 0,
    covered: true,
  };
}

/** From the end of a slot's longest run, the candle's pixels further up (step -1) or down (+1), connected within
 * the slot's columns: a hollow body's outline leads from the upper wick to the lower one. Rows of another
 * drawing (a moving average) are crossed when the candle goes on beyond them. Returns the last candle row, and
 * whether another drawing touches it there (the true end may be hidden). */
function follow(
  classes: Uint8Array,
  width: number,
  from: number,
  to: number,
  column: number,
  row: number,
  step: 1 | -1,
  pane: Layout,
): { row: number; hidden: number } {
  const count = to - from + 1;
  let active = new Uint8Array(count);
  let next = new Uint8Array(count);
  const expand = (set: Uint8Array, y: number) => {
    const base = y * width;
    for (let k = 0; k < count; k += 1) {
      if (!set[k]) continue;
      for (let j = k - 1; j >= 0 && !set[j] && isCandle(classes[base + from + j]!); j -= 1) set[j] = 1;
      for (let j = k + 1; j < count && !set[j] && isCandle(classes[base + from + j]!); j += 1) set[j] = 1;
    }
  };
  active[column - from] = 1;
  expand(active, row);
  let last = row;
  let crossing = 0;
  for (let y = row + step; y >= pane.top && y < pane.bottom; y += step) {
    const base = y * width;
    next.fill(0);
    let any = false;
    let other = false;
    let faint = false;
    for (let k = 0; k < count; k += 1) {
      if (!(active[k] || (k > 0 && active[k - 1]) || (k + 1 < count && active[k + 1]))) continue;
      const c = classes[base + from + k]!;
      if (isCandle(c) && !(pane.lineRow[y] === 1 && crossing === 0 && !active[k])) {
        next[k] = 1;
        any = true;
      } else if (c === OTHER && active[k]) other = true;
      else if (c === WEAK && active[k]) faint = true;
    }
    // A faint row is the anti-aliased edge of a drawing being crossed (already, or on the next row), not the
    // background.
    if (!any && !other && faint && crossing < BRIDGE) {
      const beyond = y + step;
      if (crossing > 0) other = true;
      else if (beyond >= pane.top && beyond < pane.bottom)
        for (let k = 0; k < count && !other; k += 1)
          if (active[k] && classes[beyond * width + from + k] === OTHER) other = true;
    }
    if (any) {
      expand(next, y);
      [active, next] = [next, active];
      last = y;
      crossing = 0;
      continue;
    }
    // Across another drawing's rows, in the same columns, when the candle continues beyond it.
    if (other && crossing < BRIDGE) {
      crossing += 1;
      continue;
    }
    break;
  }
  const beyond = last + step;
  if (beyond < pane.top || beyond >= pane.bottom) return { row: last, hidden: HIDDEN_ALL };
  let covered = pane.lineRow[beyond] === 1;
  for (let k = 0; k < count && !covered; k += 1)
    if (active[k] && drawingAt(classes, width, beyond * width, from + k)) covered = true;
  if (!covered) return { row: last, hidden: 0 };
  // How far the drawing goes on over the candle's columns: the wick may end anywhere under it.
  let hidden = 0;
  for (let y = beyond; y >= pane.top && y < pane.bottom && hidden < 3 * BRIDGE; y += step) {
    let over = pane.lineRow[y] === 1;
    for (let k = 0; k < count && !over; k += 1) if (active[k] && classes[y * width + from + k] === OTHER) over = true;
    if (!over) break;
    hidden += 1;
  }
  return { row: last, hidden: y0Edge(beyond + step * hidden, pane) ? HIDDEN_ALL : hidden };
}

/** One slot: its longest run gives the wick ends; rows wider than the wick are the body. */
function measure(
  classes: Uint8Array,
  width: number,
  colours: CandleColours,
  runs: Runs,
  column: number,
  from: number,
  to: number,
  pane: Layout,
): CandleShape {
  const up = follow(classes, width, from, to, column, runs.start[column]!, -1, pane);
  const down = follow(classes, width, from, to, column, runs.end[column]!, 1, pane);
  const highPx = up.row;
  const lowPx = down.row;
  const spans = new Int32Array(lowPx - highPx + 1);
  const lefts = new Int32Array(spans.length);
  let widest = 0;
  for (let y = highPx; y <= lowPx; y += 1) {
    const base = y * width;
    let left = column;
    let right = column;
    while (left > from && isCandle(classes[base + left - 1]!)) left -= 1;
    while (right < to && isCandle(classes[base + right + 1]!)) right += 1;
    // A hollow body's row: its border's far side, across the background inside it.
    for (let x = to; x > right + 1; x -= 1)
      if (isCandle(classes[base + x]!)) {
        right = x;
        break;
      }
    for (let x = from; x < left - 1; x += 1)
      if (isCandle(classes[base + x]!)) {
        left = x;
        break;
      }
    spans[y - highPx] = right - left + 1;
    lefts[y - highPx] = left;
    widest = Math.max(widest, right - left + 1);
  }
  let bodyTop = -1;
  let bodyBottom = -1;
  const threshold = Math.max(2, widest * 0.6);
  for (let k = 0; k < spans.length; k += 1)
    if (spans[k]! >= threshold || widest < 2) {
      if (bodyTop < 0) bodyTop = highPx + k;
      bodyBottom = highPx + k;
    }
  if (bodyTop < 0) [bodyTop, bodyBottom] = [highPx, lowPx];
  // Direction: the body's commonest candle colour; background inside the outline is a hollow (rising) candle.
  const votes = new Uint32Array(colours.colours.length + 1);
  let inside = 0;
  let insideBackground = 0;
  let left = width;
  let right = 0;
  for (let y = bodyTop; y <= bodyBottom; y += 1) {
    const k = y - highPx;
    if (spans[k]! < threshold && widest >= 2) continue;
    left = Math.min(left, lefts[k]!);
    right = Math.max(right, lefts[k]! + spans[k]! - 1);
    for (let x = lefts[k]!; x < lefts[k]! + spans[k]!; x += 1) {
      const c = classes[y * width + x]!;
      if (isCandle(c)) votes[c % HALF]! += 1;
    }
  }
  const middle = Math.round((left + right) / 2);
  for (let y = bodyTop + 2; y <= bodyBottom - 2; y += 1) {
    inside += 1;
    if (isBackground(classes[y * width + middle]!)) insideBackground += 1;
  }
  let body = 0;
  for (let c = 1; c < votes.length; c += 1) if (votes[c]! > (votes[body] ?? 0)) body = c;
  const hollow = right - left >= 2 && inside >= 2 && insideBackground >= inside * 0.6;
  return {
    x: left <= right ? (left + right) / 2 : column,
    highPx,
    lowPx,
    bodyTopPx: bodyTop,
    bodyBottomPx: bodyBottom,
    direction: hollow ? 'up' : (colours.directions[body] ?? null),
    highHidden: up.hidden,
    lowHidden: down.hidden,
    covered: false,
  };
}
