// From labelled pixels to candles: which colour clusters are candles (bodies, wicks, borders), which shapes are
// not (text, volume bars, the price label), and each candle's centre, wick ends and body, in image pixels.
import { colourDirection, colourDistance, type Palette } from './colours.js';
import { findShapes, type Lines, type Shape } from './components.js';

export interface CandleShape {
  x: number;
  left: number;
  right: number;
  highPx: number;
  lowPx: number;
  bodyTopPx: number;
  bodyBottomPx: number;
  direction: 'up' | 'down' | null;
  /** A wick end touches another drawing (a line, a label): the true end may be hidden. */
  covered: boolean;
}

export interface CandleScan {
  candles: CandleShape[];
  pane: { left: number; top: number; right: number; bottom: number };
  /** Median distance between neighbouring candle centres. */
  spacing: number;
  candleLabels: number[];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0;
};

/** Candle clusters: the two with the most candle-like height, plus wick/border colours that touch them. */
function candleLabels(shapes: Shape[], width: number, palette: Palette): number[] {
  const score = new Float64Array(palette.clusters.length + 1);
  const maxWidth = Math.max(4, width * 0.05);
  // Candles stand out from the background; grids and watermarks are faint.
  const strong = palette.clusters.map((colour) => colourDistance(colour, palette.background) >= 70);
  for (const s of shapes)
    if (strong[s.label - 1] && s.right - s.left + 1 <= maxWidth && s.bottom - s.top >= 2)
      score[s.label]! += s.bottom - s.top + 1;
  const ranked = [...score.keys()]
    .filter((label) => label > 0 && score[label]! > 0)
    .sort((a, b) => score[b]! - score[a]!);
  const best = ranked[0];
  if (best === undefined) return [];
  const chosen = [best];
  const xs = shapes.filter((s) => s.label === best).map((s) => (s.left + s.right) / 2);
  const sortedXs = xs.sort((a, b) => a - b);
  const from = sortedXs[Math.floor(sortedXs.length * 0.05)] ?? 0;
  const to = sortedXs[Math.floor(sortedXs.length * 0.95)] ?? width;
  for (const label of ranked.slice(1, 6)) {
    if (score[label]! < score[best]! * 0.12) break;
    const own = shapes.filter((s) => s.label === label && s.right - s.left + 1 <= maxWidth && s.bottom - s.top >= 2);
    const middle = median(own.map((s) => (s.left + s.right) / 2));
    if (middle >= from && middle <= to) chosen.push(label);
  }
  return chosen;
}

interface Group {
  left: number;
  right: number;
  shapes: Shape[];
}

function groupByColumns(shapes: Shape[]): Group[] {
  const sorted = [...shapes].sort((a, b) => a.left - b.left);
  const groups: Group[] = [];
  for (const shape of sorted) {
    const last = groups[groups.length - 1];
    if (last && shape.left <= last.right) {
      last.right = Math.max(last.right, shape.right);
      last.shapes.push(shape);
    } else groups.push({ left: shape.left, right: shape.right, shapes: [shape] });
  }
  return groups;
}

const top = (g: Group) => Math.min(...g.shapes.map((s) => s.top));
const bottom = (g: Group) => Math.max(...g.shapes.map((s) => s.bottom));

/** Volume bars stand on one baseline: a bottom row shared by many groups. Returns that row, or null. */
function volumeBaseline(shapes: Shape[], height: number): number | null {
  const counts = new Map<number, number>();
  for (const s of shapes) counts.set(s.bottom, (counts.get(s.bottom) ?? 0) + 1);
  let row: number | null = null;
  let most = 0;
  for (const [y, n] of counts) {
    if (y < height * 0.55) continue;
    const near = n + (counts.get(y - 1) ?? 0) + (counts.get(y + 1) ?? 0);
    if (near > most) [row, most] = [y, near];
  }
  return most >= Math.max(6, shapes.length * 0.15) ? row : null;
}

/** Rows of small shapes with aligned tops and bottoms: legend and axis text, not candles. */
function isTextLine(group: Group, all: Group[]): boolean {
  const height = bottom(group) - top(group);
  if (height > 30) return false;
  const aligned = all.filter(
    (g) =>
      Math.abs(top(g) - top(group)) <= 2 &&
      Math.abs(bottom(g) - bottom(group)) <= 3 &&
      Math.abs(g.left - group.left) < height * 8,
  );
  return aligned.length >= 5;
}

export function scanCandles(
  labels: Uint8Array,
  width: number,
  height: number,
  palette: Palette,
  lines: Lines,
): CandleScan {
  const wantedAll = new Uint8Array(256).fill(1);
  wantedAll[0] = 0;
  const everything = findShapes(labels, width, { left: 0, top: 0, right: width, bottom: height }, wantedAll);
  const chosen = candleLabels(everything, width, palette);
  const isCandle = new Uint8Array(256);
  for (const label of chosen) isCandle[label] = 1;
  const maxWidth = Math.max(4, width * 0.05);
  let shapes = everything.filter((s) => isCandle[s.label] && s.right - s.left + 1 <= maxWidth * 1.6);
  // A separate volume pane, or volume bars in candle colours: bars on one baseline, and all below their pane's top.
  const baseline = volumeBaseline(shapes, height);
  let paneBottom = height;
  if (baseline !== null) {
    const volumeTop = Math.min(...shapes.filter((s) => Math.abs(s.bottom - baseline) <= 1).map((s) => s.top));
    const separator = lines.rows.filter((y) => y < volumeTop && y > volumeTop - height * 0.08).pop();
    paneBottom = separator ?? volumeTop - 1;
    shapes = shapes.filter((s) => s.bottom < paneBottom && Math.abs(s.bottom - baseline) > 1);
  }
  let groups = groupByColumns(shapes);
  groups = groups.filter((g) => !isTextLine(g, groups));
  // The price scale's edge: the right-most long vertical line with no candle-like run of groups beyond it.
  const bodyWidth = median(groups.map((g) => g.right - g.left + 1));
  let paneRight = width;
  for (const x of [...lines.columns].reverse()) {
    if (x < width * 0.5) break;
    const beyond = groups.filter((g) => g.left > x && g.right - g.left + 1 <= bodyWidth * 1.5);
    if (beyond.length <= 1) paneRight = x;
    else break;
  }
  groups = groups.filter(
    (g) => g.right < paneRight && g.left > 0 && g.right - g.left + 1 <= Math.max(bodyWidth * 2.2, 3),
  );
  const centres = groups.map((g) => (g.left + g.right) / 2);
  const spacing = median(centres.slice(1).map((x, k) => x - centres[k]!));
  groups = groups.filter((g, k) => {
    const gapLeft = k > 0 ? centres[k]! - centres[k - 1]! : Infinity;
    const gapRight = k < centres.length - 1 ? centres[k + 1]! - centres[k]! : Infinity;
    return Math.min(gapLeft, gapRight) <= spacing * 4;
  });
  const directions = new Map(chosen.map((label) => [label, colourDirection(palette.clusters[label - 1]!)]));
  const candles = groups.map((g) => measure(g, labels, width, isCandle, directions));
  const paneTop = candles.length ? Math.max(0, Math.min(...candles.map((c) => c.highPx)) - 1) : 0;
  return {
    candles,
    pane: { left: 0, top: paneTop, right: paneRight, bottom: paneBottom },
    spacing: median(candles.slice(1).map((c, k) => c.x - candles[k]!.x)),
    candleLabels: chosen,
  };
}

/** One candle's wick ends and body, from the span of candle pixels on each row. */
function measure(
  g: Group,
  labels: Uint8Array,
  width: number,
  isCandle: Uint8Array,
  directions: Map<number, 'up' | 'down' | null>,
): CandleShape {
  const highPx = top(g);
  const lowPx = bottom(g);
  const spans: number[] = [];
  const votes = new Map<number, number>();
  let widest = 0;
  for (let y = highPx; y <= lowPx; y += 1) {
    let first = -1;
    let last = -1;
    for (let x = g.left; x <= g.right; x += 1) {
      const label = labels[y * width + x]!;
      if (!isCandle[label]) continue;
      if (first < 0) first = x;
      last = x;
    }
    const span = first < 0 ? 0 : last - first + 1;
    spans.push(span);
    widest = Math.max(widest, span);
  }
  const bodyRows = spans.map((span, k) => (span >= Math.max(1, widest * 0.6) ? k : -1)).filter((k) => k >= 0);
  const bodyTop = highPx + (bodyRows[0] ?? 0);
  const bodyBottom = highPx + (bodyRows[bodyRows.length - 1] ?? lowPx - highPx);
  for (let y = bodyTop; y <= bodyBottom; y += 1)
    for (let x = g.left; x <= g.right; x += 1) {
      const label = labels[y * width + x]!;
      if (isCandle[label]) votes.set(label, (votes.get(label) ?? 0) + 1);
    }
  // A hollow body (background inside its border) is a rising candle on every platform that draws them.
  const centre = Math.round((bodyTop + bodyBottom) / 2) * width + Math.round((g.left + g.right) / 2);
  const hollow = bodyBottom - bodyTop >= 3 && g.right - g.left >= 2 && !isCandle[labels[centre]!];
  let bodyLabel = 0;
  for (const [label, n] of votes) if (bodyLabel === 0 || n > (votes.get(bodyLabel) ?? 0)) bodyLabel = label;
  const direction = hollow ? 'up' : (directions.get(bodyLabel) ?? null);
  const x = (g.left + g.right) / 2;
  const touches = (y: number) => {
    if (y < 0 || y * width >= labels.length) return false;
    for (let col = Math.floor(x) - 1; col <= Math.ceil(x) + 1; col += 1) {
      const label = labels[y * width + col]!;
      if (label !== 0 && !isCandle[label]) return true;
    }
    return false;
  };
  return {
    x,
    left: g.left,
    right: g.right,
    highPx,
    lowPx,
    bodyTopPx: bodyTop,
    bodyBottomPx: bodyBottom,
    direction,
    covered: touches(highPx - 1) || touches(lowPx + 1),
  };
}
