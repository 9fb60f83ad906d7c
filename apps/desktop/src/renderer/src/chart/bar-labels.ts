// The bar numbers drawn over a chart: the local chart reader's candles (in the image's own pixels) placed on
// the image as it is shown (object-fit: contain, and the viewer's zoom and pan), one small pill above each
// candle's high — the newest bars first, as many as fit without two pills overlapping — and the trigger bar's
// level. Plus the reading in words, for the caption and screen readers. Pure, so it is tested in Node.
import type { ChartAnalysisCandle, ChartAnalysisImage } from '@strat-coach/server/contract';

/** A chart's reading: the `chart_analysis` event's, /charts/read's, or history's (which may lack `index`). */
export type ChartReading = Omit<ChartAnalysisImage, 'index'> & { index?: number };

export type BarType = ChartAnalysisCandle['type'];

export interface Size {
  width: number;
  height: number;
}

/** A rectangle in the overlay's pixels (its top-left corner is the overlay's). */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The viewer's zoom (1 = fit) and pan (px), applied around the image element's centre. */
export interface View {
  zoom: number;
  pan: { x: number; y: number };
}

export const FIT: View = { zoom: 1, pan: { x: 0, y: 0 } };

/** What a pill's colour says: 2U up, 2D down, 1 inside, 3 outside, null not sure. */
export type BarKind = 'up' | 'down' | 'inside' | 'outside' | 'unsure';

export const BAR_KIND: Record<NonNullable<BarType> | 'null', BarKind> = {
  '2U': 'up',
  '2D': 'down',
  '1': 'inside',
  '3': 'outside',
  null: 'unsure',
};

export const kindOf = (type: BarType): BarKind => BAR_KIND[type ?? 'null'];
export const textOf = (type: BarType): string => type ?? '?';

/** Pill metrics: `small` on thumbnails, `normal` on the chart pane and in the viewer. */
export type PillSize = 'small' | 'normal';
const PILLS: Record<PillSize, { height: number; padX: number; char: number; gap: number }> = {
  small: { height: 14, padX: 3, char: 6, gap: 2 },
  normal: { height: 18, padX: 5, char: 7.5, gap: 3 },
};

export const pillSize = (text: string, size: PillSize): Size => {
  const pill = PILLS[size];
  return { width: Math.ceil(pill.padX * 2 + pill.char * text.length), height: pill.height };
};

/**
 * Where an image of `natural` size is drawn inside an element of `element` size with object-fit: contain
 * (centred), then moved by the view's zoom and pan around the element's centre; `offset` is the element's own
 * place in the overlay.
 */
export function imageBox(natural: Size, element: Box, view: View = FIT): Box {
  if (natural.width <= 0 || natural.height <= 0 || element.width <= 0 || element.height <= 0) {
    return { left: element.left, top: element.top, width: 0, height: 0 };
  }
  const scale = Math.min(element.width / natural.width, element.height / natural.height);
  const width = natural.width * scale;
  const height = natural.height * scale;
  const centreX = element.left + element.width / 2;
  const centreY = element.top + element.height / 2;
  return {
    left: centreX - (width / 2) * view.zoom + view.pan.x,
    top: centreY - (height / 2) * view.zoom + view.pan.y,
    width: width * view.zoom,
    height: height * view.zoom,
  };
}

/** A point of the image (its own pixels) where it is shown. */
export const toShown = (natural: Size, shown: Box, x: number, y: number): { x: number; y: number } => ({
  x: shown.left + (x * shown.width) / natural.width,
  y: shown.top + (y * shown.height) / natural.height,
});

export interface PlacedLabel {
  /** Index into the reading's candles. */
  candle: number;
  text: string;
  kind: BarKind;
  trigger: boolean;
  /** The pill's box in the overlay. */
  box: Box;
  /** Under the low: there was no room above the high (a candle at the top of the image). */
  below: boolean;
  /**
   * On the second row: a newer bar's pill stood where this one would go (narrow candles), so it is lifted
   * above that one, with a leader line down to its candle's high (`anchor`).
   */
  lifted: boolean;
  anchor: { x: number; y: number };
}

export interface TriggerLevel {
  side: 'long' | 'short';
  /** From the trigger candle to the image's right edge, at its high (long) or low (short). */
  x1: number;
  x2: number;
  y: number;
}

export interface BarLabelLayout {
  labels: PlacedLabel[];
  triggers: TriggerLevel[];
}

/** Pixels between a second-row pill and the first-row pill under it. */
const ROW_GAP = 2;

const overlaps = (a: Box, b: Box, margin: number): boolean =>
  a.left < b.left + b.width + margin &&
  b.left < a.left + a.width + margin &&
  a.top < b.top + b.height + margin &&
  b.top < a.top + a.height + margin;

const usable = (candle: ChartAnalysisCandle): boolean =>
  [candle.x, candle.highPx, candle.lowPx].every((value) => Number.isFinite(value));

/**
 * The pills of a reading over the image shown at `shown`, inside an overlay of `bounds` (what is visible:
 * pills are kept inside it). Newest candle first; a pill that would overlap a newer one goes on a second row
 * just above it (with a leader to its candle), and the run stops at the first pill that fits neither way
 * (narrow candles: the last N that fit), so the numbers shown are always the latest bars in order. Candles
 * scrolled out of view (zoomed in) are passed over.
 */
export function placeBarLabels(
  reading: ChartReading,
  shown: Box,
  bounds: Size,
  size: PillSize = 'normal',
): BarLabelLayout {
  const none: BarLabelLayout = { labels: [], triggers: [] };
  if (reading.skipped || reading.candles.length === 0 || shown.width <= 0 || shown.height <= 0) return none;
  const natural = { width: reading.width, height: reading.height };
  if (natural.width <= 0 || natural.height <= 0) return none;
  const gap = PILLS[size].gap;
  const triggerCandle = reading.trigger?.candle ?? -1;
  const labels: PlacedLabel[] = [];
  // Every candle's wick ends where shown: a pill may cross a neighbour's wick, never hide the end of one (the
  // highs and lows the numbers are read from).
  const ends = reading.candles.flatMap((candle, index) =>
    usable(candle)
      ? [
          { candle: index, ...toShown(natural, shown, candle.x, candle.highPx) },
          { candle: index, ...toShown(natural, shown, candle.x, candle.lowPx) },
        ]
      : [],
  );
  const endsUnder = (box: Box, own: number) =>
    ends.filter(
      (end) =>
        end.candle !== own &&
        end.x >= box.left - 1 &&
        end.x <= box.left + box.width + 1 &&
        end.y >= box.top - 1 &&
        end.y <= box.top + box.height + 1,
    );
  const blocked = (box: Box, own: number): boolean =>
    endsUnder(box, own).length > 0 || labels.some((placed) => overlaps(placed.box, box, 1));

  for (let index = reading.candles.length - 1; index >= 0; index -= 1) {
    const candle = reading.candles[index]!;
    if (!usable(candle)) continue;
    const high = toShown(natural, shown, candle.x, candle.highPx);
    const low = toShown(natural, shown, candle.x, candle.lowPx);
    if (high.x < 0 || high.x > bounds.width) continue;
    const text = textOf(candle.type);
    const pill = pillSize(text, size);
    const above = high.y - gap - pill.height;
    const below = above < 0;
    const top = below ? Math.min(low.y + gap, bounds.height - pill.height) : above;
    if (top < 0 || top > bounds.height - pill.height) continue;
    const left = Math.min(Math.max(0, high.x - pill.width / 2), bounds.width - pill.width);
    let box: Box = { left, top, width: pill.width, height: pill.height };
    let lifted = false;
    if (blocked(box, index)) {
      // A second row: above the pills (on the first row) and the wick ends in the way, still over its own candle,
      // as long as the leader down to its candle clears those pills (else they would read as one stack).
      const inTheWay = labels.filter((placed) => overlaps(placed.box, box, 1));
      const clear = inTheWay.every(
        (placed) => !placed.lifted && Math.abs(placed.anchor.x - high.x) > placed.box.width / 2 + 1,
      );
      if (below || !clear) break;
      const liftedTop =
        Math.min(
          ...inTheWay.map((placed) => placed.box.top - ROW_GAP),
          ...endsUnder(box, index).map((end) => end.y - gap),
        ) - pill.height;
      box = { ...box, top: liftedTop };
      if (liftedTop < 0 || blocked(box, index)) break;
      lifted = true;
    }
    labels.push({
      candle: index,
      text,
      kind: kindOf(candle.type),
      trigger: index === triggerCandle,
      box,
      below,
      lifted,
      anchor: { x: high.x, y: high.y - gap },
    });
  }
  labels.reverse();

  const triggers: TriggerLevel[] = [];
  const trigger = reading.trigger;
  const candle = trigger ? reading.candles[trigger.candle] : undefined;
  if (trigger && candle && usable(candle)) {
    const sides: Array<'long' | 'short'> = trigger.side === 'both' ? ['long', 'short'] : [trigger.side];
    const right = Math.min(shown.left + shown.width, bounds.width);
    for (const side of sides) {
      const at = toShown(natural, shown, candle.x, side === 'long' ? candle.highPx : candle.lowPx);
      if (at.x < right && at.y >= 0 && at.y <= bounds.height) triggers.push({ side, x1: at.x, x2: right, y: at.y });
    }
  }
  return { labels, triggers };
}

/** As many of the latest bars as a trader reads a setup from: fewer than this with normal pills tries small ones. */
const ENOUGH_LABELS = 4;

/**
 * The pills at `size`; where candles are too narrow for that to number the last few bars, small pills instead
 * when they number more of them.
 */
export function fitBarLabels(
  reading: ChartReading,
  shown: Box,
  bounds: Size,
  size: PillSize,
): { layout: BarLabelLayout; drawnSize: PillSize } {
  const layout = placeBarLabels(reading, shown, bounds, size);
  if (size === 'small' || layout.labels.length >= Math.min(reading.candles.length, ENOUGH_LABELS)) {
    return { layout, drawnSize: size };
  }
  const small = placeBarLabels(reading, shown, bounds, 'small');
  return small.labels.length > layout.labels.length
    ? { layout: small, drawnSize: 'small' }
    : { layout, drawnSize: size };
}

const SIDE_WORDS: Record<'long' | 'short' | 'both', string> = { long: 'long', short: 'short', both: 'either way' };

/**
 * The reading in words, for the caption and screen readers: "Reader: 2D-1-2U · 2-1-2 long, pending".
 * null when there is nothing to say (the chart was skipped, or no candles were found).
 */
export function readingText(reading: ChartReading | null | undefined): string | null {
  if (!reading || reading.skipped || reading.candles.length === 0 || reading.sequence.trim() === '') return null;
  const combo = reading.combo
    ? ` · ${reading.combo.name} ${SIDE_WORDS[reading.combo.side]}, ${reading.combo.status}`
    : '';
  return `Reader: ${reading.sequence}${combo}`;
}

/** A reading worth drawing: candles found, not skipped. */
export const hasBars = (reading: ChartReading | null | undefined): reading is ChartReading =>
  !!reading && !reading.skipped && reading.candles.length > 0 && reading.width > 0 && reading.height > 0;
