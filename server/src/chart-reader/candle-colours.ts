// Which colours are candles, and a class for every pixel. Candle colours are the clusters with the most
// vertical mass (bodies are tall runs in every column they cover), the ones that share that mass's columns,
// and wick or border colours (thin, touching a body at one end and the background at the other). Each pixel is
// then background (0), a candle colour (1..n: the colour, or its anti-aliased blend with the background at
// least half-way to it), or another drawing (OTHER: a moving average, text, a label over the candles).
import {
  backgroundWords,
  bin15,
  fourBackground,
  NO_WORDS,
  colourDirection,
  colourDistance,
  type Colour,
  type Palette,
} from './colours.js';
import type { RgbImage } from './image.js';
import { scratch } from './scratch.js';

export const OTHER = 255;
/** A table entry not yet worked out. */
export const UNKNOWN = 254;
/** Added to a candle colour's class for a pixel of it at half to three-quarter strength: an anti-aliased edge, or a
 * half-transparent drawing in it (volume bars) that a candle's full-strength pixels are not. */
export const HALF = 16;
/** A candle colour a quarter to half strength: anti-aliasing, or a translucent drawing in it (volume bars). */
export const WEAK = 253;

export interface CandleColours {
  /** The candle colours; class k + 1 is colours[k]. */
  colours: Colour[];
  /** Up, down or null (a grey wick or border) for each class 1..n (index 0 unused). */
  directions: ('up' | 'down' | null)[];
  /** 15-bit colour to class: 0 background, 1..n a candle colour (HALF + 1..n at half strength), WEAK a faint one,
   * OTHER anything else; UNKNOWN until resolved. */
  table: Uint8Array;
  /** Classes a 15-bit colour (and fills its table entry). */
  resolve: (bin: number) => number;
  /** The background's exact colour, as bytes. */
  backgroundBytes: readonly [number, number, number];
}

/** Projection of `colour` on the line from the background to `candle`: how far along (alpha) and how far off. */
function blendOf(colour: Colour, background: Colour, candle: Colour): { alpha: number; off: number } {
  const dr = candle.r - background.r;
  const dg = candle.g - background.g;
  const db = candle.b - background.b;
  const length2 = dr * dr + dg * dg + db * db || 1;
  const alpha =
    ((colour.r - background.r) * dr + (colour.g - background.g) * dg + (colour.b - background.b) * db) / length2;
  const off = Math.hypot(
    colour.r - background.r - alpha * dr,
    colour.g - background.g - alpha * dg,
    colour.b - background.b - alpha * db,
  );
  return { alpha, off };
}

const MIN_RUN = 5;
const MAX_LABELS = 16;
/** Columns of the image, for where a colour's mass lies: wide enough that an up-leg and the down-leg after it
 * share one. */
const BINS = 8;

/** Per cluster label: vertical mass (pixels in vertical runs of MIN_RUN or more), vertical contacts with other
 * labels, horizontal run lengths, and where its vertical mass lies (BINS across the width). Every second
 * column is enough for this. */
function clusterStats(
  image: RgbImage,
  backgroundBytes: readonly [number, number, number],
  labelOf: Uint8Array,
  nearest: (bin: number) => number,
) {
  const { width, height, data } = image;
  // Every second column, the even ones in one block of 16 and the odd ones in the next: candles an even number of
  // pixels apart share a parity, and 1 px wicks all on odd columns would never be seen.
  const columns = Math.floor(width / 2);
  const xOf = (c: number) => 2 * c + ((c >> 3) & 1);
  const mass = new Float64Array(MAX_LABELS);
  const contacts = new Float64Array(MAX_LABELS * MAX_LABELS);
  const where = new Float64Array(MAX_LABELS * BINS);
  const runs = new Float64Array(MAX_LABELS);
  const runPixels = new Float64Array(MAX_LABELS);
  const bottoms = scratch('bottoms', Uint32Array, MAX_LABELS * height);
  const bottomMass = scratch('bottomMass', Float64Array, MAX_LABELS * height);
  const longest = new Float64Array(MAX_LABELS);
  const runLabel = new Uint8Array(columns);
  const runLength = new Uint32Array(columns);
  // The last row each sampled column was looked at: rows skipped since were background (see below).
  const seen = new Int32Array(columns).fill(-1);
  /** Column c's run of `open` has ended on row `last`, with `label` below it. */
  const ended = (c: number, open: number, last: number, label: number) => {
    const length = runLength[c]!;
    if (open !== 0 && length >= MIN_RUN) {
      mass[open]! += length;
      longest[open] = Math.max(longest[open]!, length);
      bottoms[open * height + last]! += 1;
      bottomMass[open * height + last]! += length;
      where[open * BINS + Math.floor((2 * c * BINS) / width)]! += length;
    }
    contacts[open * MAX_LABELS + label]! += 1;
    contacts[label * MAX_LABELS + open]! += 1;
  };
  // Four background pixels are three 32-bit words, compared at once and skipped (a chart is mostly background):
  // a column's run of another colour ends at the first background row skipped, found when the column is next
  // looked at, or at the end.
  const { words, w0, w1, w2 } = backgroundWords(image, backgroundBytes) ?? NO_WORDS;
  // A single pixel of exactly the background is skipped the same way (where the four-pixel test cannot run: every
  // other sampled column is not at a multiple of four), when its colour's label is the background's.
  const [b0, b1, b2] = backgroundBytes;
  const backgroundBin = bin15(b0, b1, b2);
  const skipOne = (labelOf[backgroundBin] === UNKNOWN ? nearest(backgroundBin) : labelOf[backgroundBin]) === 0;
  for (let y = 0; y < height; y += 1) {
    let previous = -1;
    const base = y * width;
    for (let c = 0, x = 0; c < columns;) {
      // Each 8 sampled columns from c = 8j lie in pixels 16j to 16j + 15: when those are all background, the 8 are
      // skipped at once, and the blocks after them in the same tight loop.
      if (skipOne && words && (c & 7) === 0) {
        let block = base + 2 * c;
        const first = block;
        const last = base + width - 16;
        while (
          (block & 3) === 0 &&
          block <= last &&
          fourBackground(words, w0, w1, w2, block) &&
          fourBackground(words, w0, w1, w2, block + 4) &&
          fourBackground(words, w0, w1, w2, block + 8) &&
          fourBackground(words, w0, w1, w2, block + 12)
        )
          block += 16;
        if (block !== first) {
          previous = 0;
          c += (block - first) >> 1;
          x = xOf(c);
          continue;
        }
      }
      const p = base + x;
      // The four pixels hold this sampled column and the next (x + 2, or x + 3 / x + 1 where the parity turns).
      if (words && (p & 3) === 0 && x + 4 <= width && fourBackground(words, w0, w1, w2, p)) {
        previous = 0;
        c += 2;
        x = xOf(c);
        continue;
      }
      const i = p * 3;
      if (skipOne && data[i] === b0 && data[i + 1] === b1 && data[i + 2] === b2) {
        previous = 0;
        c += 1;
        x = xOf(c);
        continue;
      }
      const bin = bin15(data[i]!, data[i + 1]!, data[i + 2]!);
      let label = labelOf[bin]!;
      if (label === UNKNOWN) label = nearest(bin);
      // Horizontal runs along this row of sampled columns (twice the true length, consistently).
      if (label !== previous && label !== 0) {
        runs[label]! += 1;
      }
      if (label !== 0) runPixels[label]! += 1;
      previous = label;
      if (seen[c]! < y - 1 && runLabel[c] !== 0) {
        ended(c, runLabel[c]!, seen[c]!, 0);
        runLabel[c] = 0;
      }
      seen[c] = y;
      const open = runLabel[c]!;
      if (label === open) runLength[c]! += 1;
      else {
        ended(c, open, y - 1, label);
        runLabel[c] = label;
        runLength[c] = 1;
      }
      c += 1;
      x = xOf(c);
    }
  }
  for (let c = 0; c < columns; c += 1)
    if (seen[c]! < height - 1 && runLabel[c] !== 0) ended(c, runLabel[c]!, seen[c]!, 0);
  // Volume bars stand on one baseline: the row in the lower half where most runs end, when far more do than
  // candles ever share. Runs ending there are volume, whatever their colour (a volume pane is often drawn in
  // the candles' own colours), and leave each colour's mass.
  let volumeRow = -1;
  let volumeRuns = 0;
  for (let y = Math.floor(height / 2); y + 1 < height; y += 1) {
    let at = 0;
    for (let label = 1; label < MAX_LABELS; label += 1)
      at += bottoms[label * height + y - 1]! + bottoms[label * height + y]! + bottoms[label * height + y + 1]!;
    if (at > volumeRuns) [volumeRow, volumeRuns] = [y, at];
  }
  if (volumeRuns < Math.max(20, columns * 0.08)) volumeRow = -1;
  // What is left, by colour: its mass, and the share of its runs ending on its commonest bottom row (+-1), which
  // is high for volume bars in a colour of their own (cut by grid lines, they end on a few rows).
  const baseline = new Float64Array(MAX_LABELS);
  for (let label = 1; label < MAX_LABELS; label += 1) {
    let total = 0;
    let most = 0;
    const at = (y: number) => (Math.abs(y - volumeRow) <= 1 ? 0 : bottoms[label * height + y]!);
    for (let y = 1; y + 1 < height; y += 1) {
      total += at(y);
      most = Math.max(most, at(y) + at(y - 1) + at(y + 1));
      if (Math.abs(y - volumeRow) <= 1) mass[label]! -= bottomMass[label * height + y]!;
    }
    baseline[label] = total ? most / total : 0;
  }
  return {
    mass,
    contacts,
    where,
    baseline,
    /** The longest vertical run, as a share of the height: grid lines and a scale's border run most of it. */
    tall: longest.map((n) => n / height),
    meanRun: runPixels.map((n, label) => (runs[label] ? (2 * n) / runs[label] : 0)),
  };
}

export function candleColours(image: RgbImage, palette: Palette): CandleColours {
  const all = [palette.background, ...palette.clusters].slice(0, MAX_LABELS);
  // Filled on first use: a chart has a few thousand of the 32K colours.
  const labelOf = new Uint8Array(32768).fill(UNKNOWN);
  const nearest = (bin: number) => {
    const r = ((bin >> 10) << 3) + 4;
    const g = (((bin >> 5) & 31) << 3) + 4;
    const b = ((bin & 31) << 3) + 4;
    let best = 0;
    let bestDistance = Infinity;
    for (let label = 0; label < all.length; label += 1) {
      const c = all[label]!;
      const d = (r - c.r) ** 2 + (g - c.g) ** 2 + (b - c.b) ** 2;
      if (d < bestDistance) [best, bestDistance] = [label, d];
    }
    labelOf[bin] = best;
    return best;
  };
  const stats = clusterStats(image, palette.backgroundBytes, labelOf, nearest);
  const labels = all.map((_, label) => label).slice(1);
  /** Whether at least a tenth of a colour's vertical contacts with other colours (not the background) are with
   * `other`. */
  const touching = (label: number, other: number) => {
    let total = 0;
    for (let k = 1; k < MAX_LABELS; k += 1) if (k !== label) total += stats.contacts[label * MAX_LABELS + k]!;
    return stats.contacts[label * MAX_LABELS + other]! >= total * 0.1;
  };
  // Anti-aliased shades of a stronger colour, and translucent drawings in it (volume bars), are not candles.
  const blendOfAnother = (label: number, others: readonly number[] = labels) =>
    others.some((other) => {
      if (other === label || colourDistance(all[other]!, palette.background) < 60) return false;
      const { alpha, off } = blendOf(all[label]!, palette.background, all[other]!);
      if (alpha <= 0.1 || alpha >= 0.92 || off >= 22) return false;
      // Under 40 % of the way to another colour, it is translucent (volume bars drawn in the candles' colours),
      // however common. From 40 to 55 %, only if it touches that colour (its anti-aliased edge) or runs most of
      // the height (a grid line): lightweight-charts draws a grey wick 1.5 px wide over two columns, half-way from
      // white to the legend's dark text, which it never touches. Nearer, a shade of a rarer colour is a colour of
      // its own (a grey wick is not a shade of grey text), unless it stands on a baseline like volume bars: under
      // 70 % of the way with 30 % of its runs ending on one row; beyond, 40 % (purple falling candles, 80 % of
      // the way to a magenta moving average, whose lows often end on a few rows).
      return (
        alpha < 0.4 ||
        (alpha < 0.55 && (stats.tall[label]! >= 0.5 || touching(label, other))) ||
        stats.mass[other]! >= stats.mass[label]! ||
        stats.baseline[label]! >= (alpha < 0.7 ? 0.3 : 0.4)
      );
    });
  const strong = (label: number) => colourDistance(all[label]!, palette.background) >= 60;
  const ranked = labels
    .filter(
      (label) =>
        strong(label) &&
        !blendOfAnother(label) &&
        !(stats.tall[label]! >= 0.6 && stats.meanRun[label]! <= 4) &&
        // Mostly bars on one baseline: volume, even in a colour no candle has (hollow candles' own outline).
        stats.baseline[label]! < 0.75,
    )
    .sort((a, b) => stats.mass[b]! - stats.mass[a]!);
  const best = ranked[0];
  const chosen: number[] = [];
  if (best !== undefined && stats.mass[best]! > 0) {
    chosen.push(best);
    // Bodies of the other direction (or a hollow outline) share the best colour's columns.
    const spread = (label: number) => {
      let total = 0;
      let shared = 0;
      for (let bin = 0; bin < BINS; bin += 1) {
        total += stats.where[label * BINS + bin]!;
        if (stats.where[best * BINS + bin]! > 0) shared += stats.where[label * BINS + bin]!;
      }
      return total ? shared / total : 0;
    };
    for (const label of ranked.slice(1)) {
      // A hollow outline 1 px wide has a twentieth of the mass of filled bodies 20 px wide: from 5 to 10 % of the
      // best's mass, a colour needs tall runs (a quarter of the best's tallest), as an outline's sides are.
      if (stats.mass[label]! < stats.mass[best]! * 0.05) break;
      if (stats.mass[label]! < stats.mass[best]! * 0.1 && stats.tall[label]! < stats.tall[best]! * 0.25) continue;
      if (stats.meanRun[label]! > 40) continue;
      // A moving average's steep stretches are short vertical runs: a body colour's tallest run is tall.
      if (stats.tall[label]! < stats.tall[best]! * 0.15) continue;
      if (spread(label) < 0.3) continue;
      // With a rising and a falling colour found, a third grey (an outline in a colour of its own) touches them or
      // their anti-aliased shades somewhere; a legend's or an axis's text never does.
      if (
        chosen.length === 2 &&
        colourDirection(all[label]!) === null &&
        new Set(chosen.map((k) => colourDirection(all[k]!))).size === 2 &&
        !labels.some(
          (k) =>
            (chosen.includes(k) || (k !== label && blendOfAnother(k, chosen))) &&
            stats.contacts[label * MAX_LABELS + k]! > 0,
        )
      )
        continue;
      chosen.push(label);
      if (chosen.length === 3) break;
    }
    // Wicks (or borders) in a colour of their own: thin, in the bodies' columns, touching the bodies about as
    // often as anything else (text and lines touch bodies rarely).
    const bodies = [...chosen];
    // The bodies' own anti-aliased shades sit between a wick and its body: touching one is touching the body.
    const edges = labels.filter((label) => !bodies.includes(label) && blendOfAnother(label, bodies));
    for (const label of labels) {
      if (chosen.includes(label) || !strong(label) || blendOfAnother(label)) continue;
      let withBodies = 0;
      let withOthers = 0;
      for (let other = 0; other < all.length; other += 1) {
        const n = stats.contacts[label * MAX_LABELS + other]!;
        if (bodies.includes(other) || edges.includes(other)) withBodies += n;
        else if (other !== label) withOthers += n;
      }
      if (withBodies >= 12 && withBodies >= withOthers * 0.35 && stats.meanRun[label]! <= 6 && spread(label) >= 0.8)
        chosen.push(label);
    }
  }
  const colours = chosen.map((label) => all[label]!);
  const table = new Uint8Array(32768).fill(UNKNOWN);
  const background = palette.background;
  const axes = colours.map((c) => {
    const d = [c.r - background.r, c.g - background.g, c.b - background.b] as const;
    return { d, length2: d[0] * d[0] + d[1] * d[1] + d[2] * d[2] || 1 };
  });
  const resolve = (bin: number): number => {
    const r = ((bin >> 10) << 3) + 4 - background.r;
    const g = (((bin >> 5) & 31) << 3) + 4 - background.g;
    const b = ((bin & 31) << 3) + 4 - background.b;
    let cls = r * r + g * g + b * b < 40 * 40 ? 0 : OTHER;
    let bestOff = Infinity;
    for (let k = 0; k < axes.length; k += 1) {
      const { d, length2 } = axes[k]!;
      const alpha = (r * d[0] + g * d[1] + b * d[2]) / length2;
      if (alpha > 1.5 || alpha <= 0.12) continue;
      const off = Math.hypot(r - alpha * d[0], g - alpha * d[1], b - alpha * d[2]);
      // Wide near the full colour: a JPEG's chroma subsampling greys a thin wick (0,230,118 comes out 100,170,140).
      if (off > 34 + 56 * Math.min(1, alpha)) continue;
      if (alpha < 0.5) {
        if (bestOff === Infinity) cls = alpha >= 0.25 ? WEAK : 0;
      } else if (off < bestOff) [cls, bestOff] = [alpha >= 0.75 ? k + 1 : k + 1 + HALF, off];
    }
    table[bin] = cls;
    return cls;
  };
  return {
    colours,
    directions: [null, ...colours.map(colourDirection)],
    table,
    resolve,
    backgroundBytes: palette.backgroundBytes,
  };
}
