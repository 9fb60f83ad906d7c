// Connected shapes of one colour label: vertical runs per column, joined with the overlapping runs of the same
// label in the column to the left (union-find). Long horizontal and vertical runs are lines (grid, price line,
// separators): they are taken out first and reported, so a line crossing a candle does not weld it to others.
export interface Shape {
  label: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  pixels: number;
}

export interface Lines {
  /** Rows holding a horizontal line at least half the image wide (separators, grid, price line). */
  rows: number[];
  /** Columns holding a vertical line at least 60 % of the image high (price scale edge, grid). */
  columns: number[];
}

/** Erases (sets to 0) every run of one label longer than `length`, horizontally; returns the rows that had one. */
export function eraseLines(labels: Uint8Array, width: number, height: number): Lines {
  const horizontal = Math.max(120, Math.round(width * 0.2));
  const wide = Math.round(width * 0.5);
  const rows: number[] = [];
  const lineLabels = new Uint8Array(256);
  for (let y = 0; y < height; y += 1) {
    const base = y * width;
    let widest = 0;
    lineLabels.fill(0);
    for (let x = 0; x < width;) {
      const label = labels[base + x]!;
      let end = x + 1;
      while (end < width && labels[base + end] === label) end += 1;
      if (label !== 0 && end - x >= horizontal) {
        lineLabels[label] = 1;
        widest = Math.max(widest, end - x);
      }
      x = end;
    }
    if (widest >= wide) rows.push(y);
    // The line goes on between the candles drawn over it: erase its colour wherever it is one pixel thin here.
    if (widest > 0)
      for (let x = 0; x < width; x += 1) {
        const label = labels[base + x]!;
        if (!lineLabels[label]) continue;
        const above = y > 0 ? labels[base + x - width] : 0;
        const below = y < height - 1 ? labels[base + x + width] : 0;
        if (above !== label || below !== label) labels[base + x] = 0;
      }
    eraseDashes(labels, base, width);
  }
  const vertical = Math.round(height * 0.6);
  const columns: number[] = [];
  const thin = new Uint32Array(256);
  for (let x = 0; x < width; x += 1) {
    // A vertical grid line is broken by the candles drawn over it: count its one-pixel-wide pixels.
    thin.fill(0);
    for (let p = x; p < labels.length; p += width) {
      const label = labels[p]!;
      if (label !== 0 && (x === 0 || labels[p - 1] !== label) && (x === width - 1 || labels[p + 1] !== label))
        thin[label]! += 1;
    }
    let line = 0;
    for (let label = 1; label < 256; label += 1) if (thin[label]! >= vertical) line = label;
    if (line === 0) continue;
    columns.push(x);
    for (let p = x; p < labels.length; p += width)
      if (labels[p] === line && (x === 0 || labels[p - 1] !== line) && (x === width - 1 || labels[p + 1] !== line))
        labels[p] = 0;
  }
  return { rows, columns };
}

/** A dashed line (the last-price line): 15 or more short runs of one label along a row, the gaps between them
 * short or filled by candles crossing the line. Only the short runs are erased. */
function eraseDashes(labels: Uint8Array, base: number, width: number): void {
  const runs = new Map<number, number[]>();
  for (let x = 0; x < width;) {
    const label = labels[base + x]!;
    let end = x + 1;
    while (end < width && labels[base + end] === label) end += 1;
    if (label !== 0) {
      const list = runs.get(label) ?? [];
      list.push(x, end);
      runs.set(label, list);
    }
    x = end;
  }
  for (const list of runs.values()) {
    if (list.length < 30) continue;
    let first = 0;
    let short = 0;
    for (let k = 0; k <= list.length; k += 2) {
      const joined = k < list.length && (k === first || list[k]! - list[k - 1]! <= 32);
      if (joined) {
        if (list[k + 1]! - list[k]! <= 16) short += 1;
        continue;
      }
      if (short >= 15)
        for (let j = first; j < k; j += 2)
          if (list[j + 1]! - list[j]! <= 16) labels.fill(0, base + list[j]!, base + list[j + 1]!);
      first = k;
      short = k < list.length && list[k + 1]! - list[k]! <= 16 ? 1 : 0;
    }
  }
}

export interface Region {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Shapes of the labels `wanted` marks, inside the region (right and bottom exclusive). */
export function findShapes(labels: Uint8Array, width: number, region: Region, wanted: Uint8Array): Shape[] {
  const runTop: number[] = [];
  const runBottom: number[] = [];
  const runLabel: number[] = [];
  const runColumn: number[] = [];
  const parent: number[] = [];
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!;
      a = parent[a]!;
    }
    return a;
  };
  let previousStart = 0;
  let previousEnd = 0;
  for (let x = region.left; x < region.right; x += 1) {
    const start = runTop.length;
    for (let y = region.top; y < region.bottom;) {
      const label = labels[y * width + x]!;
      if (!wanted[label]) {
        y += 1;
        continue;
      }
      let end = y + 1;
      while (end < region.bottom && labels[end * width + x] === label) end += 1;
      const id = runTop.length;
      runTop.push(y);
      runBottom.push(end - 1);
      runLabel.push(label);
      runColumn.push(x);
      parent.push(id);
      // Join the runs of the same label in the previous column that overlap this one.
      for (let k = previousStart; k < previousEnd; k += 1) {
        if (runBottom[k]! < y) continue;
        if (runTop[k]! > end - 1) break;
        if (runLabel[k] !== label) continue;
        const a = find(k);
        const b = find(id);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
      y = end;
    }
    previousStart = start;
    previousEnd = runTop.length;
  }
  const shapes = new Map<number, Shape>();
  for (let id = 0; id < runTop.length; id += 1) {
    const root = find(id);
    const shape = shapes.get(root);
    const column = runColumn[id]!;
    if (!shape)
      shapes.set(root, {
        label: runLabel[id]!,
        left: column,
        right: column,
        top: runTop[id]!,
        bottom: runBottom[id]!,
        pixels: runBottom[id]! - runTop[id]! + 1,
      });
    else {
      shape.right = Math.max(shape.right, column);
      shape.top = Math.min(shape.top, runTop[id]!);
      shape.bottom = Math.max(shape.bottom, runBottom[id]!);
      shape.pixels += runBottom[id]! - runTop[id]! + 1;
    }
  }
  return [...shapes.values()];
}
