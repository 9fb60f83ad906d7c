// The chart's colours, learned from its pixels: the background (the most common colour) and clusters of the
// other colours, then every pixel labelled with its cluster through a 32K-entry table of 15-bit colours.
import type { RgbImage } from './image.js';

export interface Colour {
  r: number;
  g: number;
  b: number;
}

export interface Palette {
  background: Colour;
  /** The background's exact colour (the commonest in a sample), as bytes. */
  backgroundBytes: [number, number, number];
  /** Clusters of non-background colours, most common first; label k + 1 is clusters[k]. */
  clusters: Colour[];
}

/** Colours closer than this to the background are background: faint grids and watermarks. */
const MIN_CONTRAST = 45;
const CLUSTER_RADIUS = 42;
const MAX_CLUSTERS = 14;

const distance = (a: Colour, b: Colour) => Math.hypot(a.r - b.r, a.g - b.g, a.b - b.b);
export const bin15 = (r: number, g: number, b: number) => ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
export const binColour = (bin: number): Colour => ({
  r: ((bin >> 10) << 3) + 4,
  g: (((bin >> 5) & 31) << 3) + 4,
  b: ((bin & 31) << 3) + 4,
});

/** Counts of 15-bit colours over a sample of the pixels (every 3rd pixel of every 2nd row). */
function sampleHistogram(image: RgbImage): Uint32Array {
  const counts = new Uint32Array(32768);
  const { width, height, data } = image;
  for (let y = 0; y < height; y += 2)
    for (let x = y % 3, i = (y * width + x) * 3; x < width; x += 3, i += 9)
      counts[bin15(data[i] as number, data[i + 1] as number, data[i + 2] as number)]! += 1;
  return counts;
}

export function learnPalette(image: RgbImage): Palette {
  const counts = sampleHistogram(image);
  let backgroundBin = 0;
  for (let bin = 1; bin < counts.length; bin += 1) if (counts[bin]! > counts[backgroundBin]!) backgroundBin = bin;
  const background = binColour(backgroundBin);
  const total = counts.reduce((sum, count) => sum + count, 0);
  const bins = [];
  for (let bin = 0; bin < counts.length; bin += 1)
    if (counts[bin]! > 0 && distance(binColour(bin), background) >= MIN_CONTRAST) bins.push(bin);
  bins.sort((a, b) => counts[b]! - counts[a]!);
  // Greedy clustering from the most common colour: anti-aliased and JPEG-smeared shades join the nearest.
  const sums: { r: number; g: number; b: number; n: number; seed: Colour }[] = [];
  for (const bin of bins) {
    const colour = binColour(bin);
    const n = counts[bin]!;
    const home = sums.find((cluster) => distance(cluster.seed, colour) < CLUSTER_RADIUS);
    if (home) {
      home.r += colour.r * n;
      home.g += colour.g * n;
      home.b += colour.b * n;
      home.n += n;
    } else if (sums.length < MAX_CLUSTERS && n >= Math.max(3, total * 0.00003))
      sums.push({ r: colour.r * n, g: colour.g * n, b: colour.b * n, n, seed: colour });
  }
  const clusters = sums
    .sort((a, b) => b.n - a.n)
    .map((cluster) => ({ r: cluster.r / cluster.n, g: cluster.g / cluster.n, b: cluster.b / cluster.n }));
  return { background, backgroundBytes: backgroundBytes(image), clusters };
}

/** The commonest exact colour among a sample of pixels (the background), as its three bytes. */
function backgroundBytes(image: RgbImage): [number, number, number] {
  const { data } = image;
  const counts = new Map<number, number>();
  const pixels = image.width * image.height;
  const step = Math.max(1, Math.floor(pixels / 4096));
  let best = 0;
  let most = 0;
  for (let p = 0; p < pixels; p += step) {
    const rgb = (data[p * 3]! << 16) | (data[p * 3 + 1]! << 8) | data[p * 3 + 2]!;
    const n = (counts.get(rgb) ?? 0) + 1;
    counts.set(rgb, n);
    if (n > most) [best, most] = [rgb, n];
  }
  return [best >> 16, (best >> 8) & 255, best & 255];
}

export const NO_WORDS = { words: null, w0: 0, w1: 0, w2: 0 };

/** Whether pixels p to p + 3 (p a multiple of 4) are all the background: their three words equal w0, w1, w2. A
 * plain function of numbers, which V8 inlines into the passes' loops (a closure over the words was not). */
export function fourBackground(words: Uint32Array, w0: number, w1: number, w2: number, p: number): boolean {
  const w = (p >> 2) * 3;
  return words[w] === w0 && words[w + 1] === w1 && words[w + 2] === w2;
}

/** Four pixels are twelve bytes, three 32-bit words: pixels p to p + 3 (p a multiple of 4) are all the background
 * when words[3p / 4 ..] equal w0, w1 and w2 (fourBackground). Null when the pixels are not 4-byte aligned in
 * memory. Whole-image passes skip most of a chart so. */
export function backgroundWords(
  image: RgbImage,
  bytes: readonly [number, number, number],
): { words: Uint32Array; w0: number; w1: number; w2: number } | null {
  const { data } = image;
  if (data.byteOffset % 4 !== 0) return null;
  const pattern = new Uint32Array(new Uint8Array(12).map((_, k) => bytes[k % 3]!).buffer);
  return {
    words: new Uint32Array(data.buffer, data.byteOffset, data.length >> 2),
    w0: pattern[0]!,
    w1: pattern[1]!,
    w2: pattern[2]!,
  };
}
/** Up or down from the colour alone: green/blue/teal rise, red/orange/magenta fall (null when grey). */
export function colourDirection(colour: Colour): 'up' | 'down' | null {
  const max = Math.max(colour.r, colour.g, colour.b);
  const min = Math.min(colour.r, colour.g, colour.b);
  if (max - min < 40) return null;
  let hue: number;
  if (max === colour.r) hue = (((colour.g - colour.b) / (max - min)) * 60 + 360) % 360;
  else if (max === colour.g) hue = ((colour.b - colour.r) / (max - min)) * 60 + 120;
  else hue = ((colour.r - colour.g) / (max - min)) * 60 + 240;
  return hue >= 75 && hue < 260 ? 'up' : 'down';
}

export { distance as colourDistance };
