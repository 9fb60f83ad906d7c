// The bar numbers' geometry: the reader's candles (image pixels) onto the image as shown (object-fit: contain,
// the viewer's zoom and pan), one pill above each high, the newest first and only as many as fit without
// overlapping, under the low where the high is at the top, kept inside the overlay; the trigger's level; and the
// reading in words.
import type { ChartAnalysisCandle } from '@strat-coach/server/contract';
import { describe, expect, it } from 'vitest';
import {
  FIT,
  fitBarLabels,
  hasBars,
  imageBox,
  pillSize,
  placeBarLabels,
  readingText,
  toShown,
  type Box,
  type ChartReading,
} from '../src/renderer/src/chart/bar-labels';

const candle = (x: number, highPx: number, lowPx: number, type: ChartAnalysisCandle['type']): ChartAnalysisCandle => ({
  x,
  highPx,
  lowPx,
  openPx: highPx + 5,
  closePx: lowPx - 5,
  type,
  confidence: type ? 0.9 : 0,
});

/** A 1000 × 500 chart with four candles 100 px apart, the last a 2U that triggers long. */
const reading = (overrides: Partial<ChartReading> = {}): ChartReading => ({
  index: 0,
  width: 1000,
  height: 500,
  candles: [
    candle(600, 200, 300, '2D'),
    candle(700, 220, 280, '1'),
    candle(800, 180, 260, '2U'),
    candle(900, 170, 290, '3'),
  ],
  sequence: '2D-1-2U-3',
  combo: { name: '2-1-2', bars: '2D-1-2U', side: 'long', status: 'in force' },
  trigger: { candle: 1, side: 'long' },
  ...overrides,
});

describe('where the image is shown', () => {
  it('letterboxes a wide image in a tall box (object-fit: contain, centred)', () => {
    expect(imageBox({ width: 1000, height: 500 }, { left: 0, top: 0, width: 500, height: 500 })).toEqual({
      left: 0,
      top: 125,
      width: 500,
      height: 250,
    });
  });

  it('pillarboxes a tall image in a wide box, offset by the element’s place in the overlay', () => {
    expect(imageBox({ width: 400, height: 800 }, { left: 10, top: 20, width: 800, height: 400 })).toEqual({
      left: 310,
      top: 20,
      width: 200,
      height: 400,
    });
  });

  it('follows the viewer’s zoom around the element’s centre, then its pan', () => {
    const box = imageBox(
      { width: 1000, height: 500 },
      { left: 0, top: 0, width: 1000, height: 500 },
      {
        zoom: 2,
        pan: { x: 30, y: -20 },
      },
    );
    expect(box).toEqual({ left: -470, top: -270, width: 2000, height: 1000 });
    // The image's centre stays at the element's centre, moved by the pan.
    expect(toShown({ width: 1000, height: 500 }, box, 500, 250)).toEqual({ x: 530, y: 230 });
  });

  it('has nothing to show for an empty image or element', () => {
    expect(imageBox({ width: 0, height: 0 }, { left: 0, top: 0, width: 100, height: 100 }).width).toBe(0);
    expect(imageBox({ width: 10, height: 10 }, { left: 5, top: 5, width: 0, height: 100 }).width).toBe(0);
  });
});

describe('the pills', () => {
  const full = { left: 0, top: 0, width: 1000, height: 500 };
  const bounds = { width: 1000, height: 500 };

  it('puts one pill above each high, centred on the candle, oldest first, coloured by type', () => {
    const { labels } = placeBarLabels(reading(), full, bounds);
    expect(labels.map((label) => [label.text, label.kind])).toEqual([
      ['2D', 'down'],
      ['1', 'inside'],
      ['2U', 'up'],
      ['3', 'outside'],
    ]);
    for (const label of labels) {
      const source = reading().candles[label.candle]!;
      expect(label.box.left + label.box.width / 2).toBeCloseTo(source.x, 5);
      // Its bottom edge a few pixels above the high.
      expect(label.box.top + label.box.height).toBeLessThan(source.highPx);
      expect(label.box.top + label.box.height).toBeGreaterThan(source.highPx - 6);
      expect(label.below).toBe(false);
    }
  });

  it('scales image pixels to the shown size', () => {
    const shown = imageBox({ width: 1000, height: 500 }, { left: 0, top: 0, width: 500, height: 500 });
    const { labels } = placeBarLabels(reading(), shown, { width: 500, height: 500 });
    const last = labels.at(-1)!;
    expect(last.box.left + last.box.width / 2).toBeCloseTo(450, 5);
    expect(last.box.top + last.box.height).toBeLessThan(125 + 170 / 2);
  });

  it('says "?" for a bar the reader was not sure of', () => {
    const unsure = reading({ candles: [candle(600, 200, 300, '2D'), candle(700, 220, 280, null)], trigger: null });
    expect(placeBarLabels(unsure, full, bounds).labels.map((label) => [label.text, label.kind])).toEqual([
      ['2D', 'down'],
      ['?', 'unsure'],
    ]);
  });

  const apart = (a: Box, b: Box): boolean =>
    a.left + a.width <= b.left || b.left + b.width <= a.left || a.top + a.height <= b.top || b.top + b.height <= a.top;

  it('puts a pill that would overlap a newer one on a second row above it, over its own candle', () => {
    // Candles 14 px apart at one height: a normal pill (25 px) is wider than that.
    const candles = Array.from({ length: 5 }, (_, index) => candle(800 + index * 14, 200, 260, '2D'));
    const { labels } = placeBarLabels(reading({ candles, trigger: null }), full, bounds);
    expect(labels.map((label) => label.lifted)).toEqual([false, true, false, true, false]);
    for (const label of labels) {
      // Still centred on its own candle; a lifted one has its leader down to the high.
      expect(label.box.left + label.box.width / 2).toBeCloseTo(candles[label.candle]!.x, 5);
      expect(label.anchor).toEqual({ x: candles[label.candle]!.x, y: 197 });
    }
    const [, second] = labels;
    expect(second!.box.top + second!.box.height).toBeLessThanOrEqual(labels[0]!.box.top);
  });

  it('never hides a neighbour’s wick end: the pill goes above it, with a leader, or the run stops', () => {
    // The older candle's high (794, 215) is where the newest one's pill would go (above its high at y 230).
    const older = [candle(760, 240, 300, '2D'), candle(794, 215, 300, '3'), candle(800, 230, 290, '1')];
    const { labels } = placeBarLabels(reading({ candles: older, trigger: null }), full, bounds);
    const inside = labels.find((label) => label.text === '1')!;
    expect(inside.lifted).toBe(true);
    expect(inside.box.top + inside.box.height).toBeLessThanOrEqual(215 - 3);
    expect(inside.anchor).toEqual({ x: 800, y: 227 });
    // The 3's own pill would stand where the lifted one is: the run stops before it.
    expect(labels.map((label) => label.text)).toEqual(['1']);

    // The newer candle's high (806, 210) is where the older one's pill would go, under the newer one's pill.
    const newer = [candle(800, 230, 300, '1'), candle(806, 210, 290, '2U')];
    expect(placeBarLabels(reading({ candles: newer, trigger: null }), full, bounds).labels.map((l) => l.text)).toEqual([
      '2U',
    ]);
  });

  it('does not stack a pill over a newer one its leader would cross (a thumbnail’s candles a few px apart)', () => {
    const candles = [candle(800, 240, 260, '1'), candle(804, 230, 250, '2U')];
    const { labels } = placeBarLabels(reading({ candles, trigger: null }), full, bounds, 'small');
    expect(labels.map((label) => label.text)).toEqual(['2U']);
  });

  it('shows only the newest bars that fit when candles are narrow, never two overlapping pills', () => {
    // Forty candles 6 px apart at the same height: even two rows of pills cannot number them all.
    const candles = Array.from({ length: 40 }, (_, index) => candle(700 + index * 6, 200, 260, '2U'));
    const narrow = reading({ candles, trigger: null, sequence: '2U' });
    const { labels } = placeBarLabels(narrow, full, bounds);
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.length).toBeLessThan(40);
    // The last ones, in a row.
    expect(labels.map((label) => label.candle)).toEqual(
      Array.from({ length: labels.length }, (_, index) => 40 - labels.length + index),
    );
    for (const [index, label] of labels.entries()) {
      for (const other of labels.slice(index + 1)) expect(apart(label.box, other.box)).toBe(true);
    }
  });

  it('lets pills of close candles stand at different heights when they do not overlap', () => {
    const candles = [candle(500, 100, 150, '2U'), candle(510, 300, 350, '2D')];
    const { labels } = placeBarLabels(reading({ candles, trigger: null }), full, bounds);
    expect(labels).toHaveLength(2);
  });

  it('puts the pill under the low when the high is at the top of the picture', () => {
    const candles = [candle(500, 100, 200, '2D'), candle(600, 4, 120, '3')];
    const { labels } = placeBarLabels(reading({ candles, trigger: null }), full, bounds);
    const top = labels.at(-1)!;
    expect(top.below).toBe(true);
    expect(top.box.top).toBeGreaterThan(120);
  });

  it('keeps a pill at the image’s edge inside the overlay', () => {
    const candles = [candle(2, 200, 300, '2D'), candle(998, 220, 280, '1')];
    const { labels } = placeBarLabels(reading({ candles, trigger: null }), full, bounds);
    expect(labels[0]!.box.left).toBe(0);
    expect(labels[1]!.box.left + labels[1]!.box.width).toBe(1000);
  });

  it('passes over candles zoomed out of view, and still numbers the ones in it', () => {
    const shown = imageBox({ width: 1000, height: 500 }, full, { zoom: 4, pan: { x: 0, y: 0 } });
    // At 4× around the centre, x 600 → 900 px, 700 → 1300 px (out of the 1000 px overlay).
    const { labels } = placeBarLabels(reading({ trigger: null }), shown, bounds);
    expect(labels.map((label) => label.text)).toEqual(['2D']);
  });

  it('marks the trigger bar and draws its level from the candle to the image’s right edge', () => {
    const { labels, triggers } = placeBarLabels(reading(), full, bounds);
    expect(labels.filter((label) => label.trigger).map((label) => label.text)).toEqual(['1']);
    expect(triggers).toEqual([{ side: 'long', x1: 700, x2: 1000, y: 220 }]);
  });

  it('draws both levels of a trigger that goes either way', () => {
    const { triggers } = placeBarLabels(reading({ trigger: { candle: 1, side: 'both' } }), full, bounds);
    expect(triggers.map((level) => [level.side, level.y])).toEqual([
      ['long', 220],
      ['short', 280],
    ]);
  });

  it('draws nothing for a skipped chart or one without candles', () => {
    expect(placeBarLabels(reading({ skipped: 'no_candles', candles: [] }), full, bounds)).toEqual({
      labels: [],
      triggers: [],
    });
    expect(placeBarLabels(reading({ skipped: 'timeout' }), full, bounds).labels).toEqual([]);
    expect(hasBars(reading({ skipped: 'image_too_large', candles: [] }))).toBe(false);
    expect(hasBars(reading())).toBe(true);
    expect(hasBars(null)).toBe(false);
  });

  it('switches to small pills where normal ones would number too few of the latest bars', () => {
    // Candles 12 px apart at one height: a normal pill (25 px) hides the next candle's leader, so one is
    // numbered; small ones (18 px) take two rows and number all six.
    const candles = Array.from({ length: 6 }, (_, index) => candle(800 + index * 12, 200, 260, '2U'));
    const narrow = reading({ candles, trigger: null });
    expect(placeBarLabels(narrow, full, bounds, 'normal').labels).toHaveLength(1);
    const fitted = fitBarLabels(narrow, full, bounds, 'normal');
    expect(fitted.drawnSize).toBe('small');
    expect(fitted.layout.labels).toHaveLength(6);
    // Wide candles keep the normal pills.
    expect(fitBarLabels(reading(), full, bounds, 'normal').drawnSize).toBe('normal');
  });

  it('sizes a pill by its text, smaller on thumbnails', () => {
    expect(pillSize('2U', 'normal').width).toBeGreaterThan(pillSize('1', 'normal').width);
    expect(pillSize('2U', 'small').height).toBeLessThan(pillSize('2U', 'normal').height);
  });

  it('uses the fit view by default', () => {
    expect(imageBox({ width: 10, height: 10 }, { left: 0, top: 0, width: 10, height: 10 }, FIT)).toEqual(
      imageBox({ width: 10, height: 10 }, { left: 0, top: 0, width: 10, height: 10 }),
    );
  });
});

describe('the reading in words', () => {
  it('says the sequence and the combo in progress', () => {
    expect(readingText(reading())).toBe('Reader: 2D-1-2U-3 · 2-1-2 long, in force');
    expect(readingText(reading({ combo: { name: '2-1-2', bars: '2D-1', side: 'both', status: 'pending' } }))).toBe(
      'Reader: 2D-1-2U-3 · 2-1-2 either way, pending',
    );
    expect(readingText(reading({ combo: null }))).toBe('Reader: 2D-1-2U-3');
  });

  it('says nothing for a chart it could not read', () => {
    expect(readingText(reading({ skipped: 'no_candles', candles: [], sequence: '' }))).toBeNull();
    expect(readingText(undefined)).toBeNull();
  });
});
