// The chart reader on images drawn in the test: bar types from wick ends, and what it must not be fooled by.
import { readFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  decodeImage,
  pixelReading,
  readChart,
  readPixels,
  releasePixels,
  type ChartReading,
} from '../src/chart-reader/index.js';
import { MAX_KEPT_BYTES, scratchBytes } from '../src/chart-reader/scratch.js';
import {
  candlesOf,
  drawChart,
  drawnChartPng,
  LIGHT,
  RED,
  TEAL,
  type DrawnChartOptions,
} from './support/drawn-chart.js';

const types = (reading: ChartReading) => reading.candles.map((candle) => candle.type);
const read = (ranges: [number, number][], options: DrawnChartOptions = {}, rising?: boolean[]) =>
  readPixels(drawChart(candlesOf(ranges, rising), options));

// A base of clear bars to start from, so the clustering has a realistic number of candles.
const BASE: [number, number][] = [
  [100, 160],
  [90, 150],
  [80, 140],
  [95, 170],
  [100, 165],
];

describe('readPixels', () => {
  it('numbers each bar strictly against the one before it, with each candle centre', () => {
    const image = drawChart(candlesOf([...BASE, [70, 150], [75, 140], [60, 175]]));
    const reading = readPixels(image);
    expect(reading.candles.map((candle) => candle.x)).toEqual(image.xs);
    expect(types(reading)).toEqual([null, '2U', '2U', '2D', '1', '2U', '1', '3']);
    expect(reading.candles[7]).toMatchObject({ highPx: 60, lowPx: 175 });
  });

  it('leaves an equal high untyped with no confidence, never a take-out', () => {
    const reading = read([...BASE, [85, 150], [85, 140], [84, 130]]);
    expect(reading.candles[6]).toMatchObject({ type: null, confidence: 0 });
    // One pixel apart is still too close to call.
    expect(reading.candles[7]).toMatchObject({ type: null, confidence: 0 });
  });

  it('reads gaps: a bar entirely above or below the one before it', () => {
    const reading = read([...BASE, [40, 70], [120, 200], [20, 60]]);
    expect(types(reading).slice(5)).toEqual(['2U', '2D', '2U']);
  });

  it('reads a run of inside bars against each previous bar, not the mother bar', () => {
    const reading = read([...BASE, [60, 200], [80, 180], [90, 170], [95, 150], [70, 145]]);
    expect(types(reading).slice(5)).toEqual(['3', '1', '1', '1', '2U']);
    expect(reading.sequence).toBe('3-1-1-1-2U');
  });

  it('reads hollow rising candles by their outline and calls them up', () => {
    const reading = read([...BASE, [70, 150], [75, 140], [60, 175]], { hollow: true }, [
      true,
      false,
      true,
      false,
      true,
      true,
      false,
      true,
    ]);
    expect(types(reading)).toEqual([null, '2U', '2U', '2D', '1', '2U', '1', '3']);
    expect(reading.candles[5]).toMatchObject({ direction: 'up', highPx: 70, lowPx: 150 });
    expect(reading.candles[6]?.direction).toBe('down');
  });

  it('ignores a moving average drawn across the candles, and a grid', () => {
    const ranges: [number, number][] = [...BASE, [70, 150], [75, 140], [60, 175]];
    const rows = ranges.map(([high, low]) => Math.round((high + low) / 2) + 3);
    const reading = read(ranges, {
      movingAverage: { rows, colour: [41, 98, 255] },
      grid: { every: 40, colour: [42, 46, 57] },
    });
    expect(types(reading)).toEqual([null, '2U', '2U', '2D', '1', '2U', '1', '3']);
    expect(reading.candles.map((candle) => [candle.highPx, candle.lowPx])).toEqual(ranges);
  });

  it('calls a take-out whose wick end is under a moving average only when every covered row agrees', () => {
    // A flat 2 px line across rows 109-110 hides candle 6's high (row 110): it may reach row 109.
    const line = { rows: Array.from({ length: 8 }, () => 109), colour: [41, 98, 255] as const };
    const reading = read([...BASE, [70, 150], [110, 145], [60, 175]], { movingAverage: line });
    // Every row it could reach is well under candle 5's high (70): an inside bar; and candle 7 outside it.
    expect(types(reading).slice(6)).toEqual(['1', '3']);
    // Against a high at row 108, the hidden end could be within a pixel of it: no number.
    const close = read([...BASE, [108, 150], [110, 140]], { movingAverage: line });
    expect(close.candles[6]).toMatchObject({ type: null, confidence: 0 });
  });

  it('tells candles apart when their bodies touch (a small bar spacing)', () => {
    const ranges: [number, number][] = [...BASE, [70, 150], [75, 140], [60, 175], [80, 150], [90, 140]];
    const image = drawChart(candlesOf(ranges), { spacing: 5, bodyWidth: 5 });
    const reading = readPixels(image);
    // Each candle found, its centre within a pixel (a 5 px slot leaves no background column between bodies).
    expect(reading.candles).toHaveLength(image.xs.length);
    reading.candles.forEach((candle, k) => expect(Math.abs(candle.x - image.xs[k]!)).toBeLessThanOrEqual(1));
    expect(types(reading)).toEqual([null, '2U', '2U', '2D', '1', '2U', '1', '3', '1', '1']);
  });

  it('reads a candle that a thick moving average covers whole, within the rows it could be', () => {
    // Candle 6 (rows 103-106) lies under a 6 px line across rows 102-107: no pixel of it shows.
    const line = { rows: Array.from({ length: 8 }, () => 102), colour: [41, 98, 255] as const, thickness: 6 };
    const image = drawChart(candlesOf([...BASE, [70, 150], [103, 106], [60, 175]]), { movingAverage: line });
    const reading = readPixels(image);
    expect(reading.candles).toHaveLength(8);
    expect(Math.abs(reading.candles[6]!.x - image.xs[6]!)).toBeLessThanOrEqual(1);
    // Wherever under the line it is, it is inside candle 5, and candle 7 takes out both of its ends.
    expect(types(reading).slice(5)).toEqual(['2U', '1', '3']);
    expect(reading.candles[6]).toMatchObject({ direction: null, shape: null });
  });

  it('reads a short candle under a legend written in a candle colour, not the legend above it', () => {
    // Candle 5 is 5 rows tall; the legend's strokes above it are 7 (rows 6-12), in the up colour.
    const reading = read([...BASE, [100, 104], [95, 140], [90, 150]], {
      legend: { rows: [6, 12], to: 130, colour: TEAL },
    });
    expect(reading.candles).toHaveLength(8);
    expect(reading.candles[5]).toMatchObject({ highPx: 100, lowPx: 104 });
    expect(types(reading).slice(5)).toEqual([null, '3', '3']);
  });

  it('follows a wick across a moving average with anti-aliased edges to its end beyond', () => {
    // Candle 6's lower wick (rows 132-150) crosses a 2 px line at rows 141-142, with faint edge rows 140 and 143
    // (the line's colour a quarter of the way from the background); the line runs above the candles before it.
    const line = {
      rows: [40, 40, 40, 40, 40, 40, 141, 141],
      colour: [41, 98, 255] as const,
      edge: [24, 42, 89] as const,
    };
    const reading = read([...BASE, [70, 140], [75, 150], [60, 175]], { movingAverage: line });
    expect(reading.candles[6]).toMatchObject({ highPx: 75, lowPx: 150 });
    expect(types(reading).slice(5)).toEqual(['2U', '2D', '3']);
  });

  it('reads short candles over half-transparent volume bars taller than they are', () => {
    const ranges: [number, number][] = [...BASE, [100, 112], [96, 116], [90, 108], [94, 120], [98, 114]];
    // Bars under four of them only: too few for a volume pane's baseline on a chart this wide, but far more
    // columns end on one low row than candles share.
    const volume = [0, 0, 0, 0, 0, 60, 0, 55, 58, 62];
    const image = drawChart(candlesOf(ranges), { width: 960, height: 260, volume, volumeAlpha: 0.55 });
    const reading = readPixels(image);
    expect(reading.candles.map((candle) => [candle.highPx, candle.lowPx])).toEqual(ranges);
    expect(types(reading)).toEqual([null, '2U', '2U', '2D', '1', null, '3', '2U', '2D', '1']);
  });

  it('reads short candles over half-transparent volume bars a JPEG speckled with full-strength pixels', () => {
    const ranges: [number, number][] = [...BASE, [100, 112], [96, 116], [90, 108], [94, 120], [98, 114]];
    // Three bars (no foot of 40 run ends), one row in twenty of each lifted to the candle's full colour.
    const volume = [0, 0, 0, 0, 0, 60, 0, 55, 0, 62];
    const image = drawChart(candlesOf(ranges), { width: 960, height: 260, volume, volumeAlpha: 0.55 });
    for (const k of [5, 7, 9])
      for (let y = 256 - volume[k]!; y < 256; y += 20)
        for (let x = image.xs[k]! - 5; x <= image.xs[k]! + 5; x += 1) image.data.set(RED, (y * 960 + x) * 3);
    const reading = readPixels(image);
    expect(reading.candles.map((candle) => [candle.highPx, candle.lowPx])).toEqual(ranges);
  });

  it('reads hollow candles over a volume pane drawn in the candles own colours', () => {
    const ranges: [number, number][] = [...BASE, [70, 150], [75, 140], [60, 175], [80, 150], [90, 140]];
    const rising = ranges.map((_, k) => k % 3 !== 1);
    const volume = ranges.map((_, k) => 40 + ((k * 7) % 25));
    const image = drawChart(candlesOf(ranges, rising), { hollow: true, height: 320, volume });
    const reading = readPixels(image);
    expect(types(reading)).toEqual([null, '2U', '2U', '2D', '1', '2U', '1', '3', '1', '1']);
    // The price pane ends above the volume bars.
    expect(reading.pane.bottom).toBeLessThan(320 - 4 - 40);
  });

  it('reads the same from pixels not 4-byte aligned in memory (no background skipped four pixels at a time)', () => {
    const image = drawChart(candlesOf([...BASE, [70, 150], [75, 140], [60, 175]]), {
      grid: { every: 40, colour: [42, 46, 57] },
    });
    const shifted = new Uint8Array(new ArrayBuffer(image.data.length + 1), 1);
    shifted.set(image.data);
    expect(readPixels({ ...image, data: shifted })).toEqual(readPixels(image));
  });

  it('reads past a pane separator in a candle colour that runs into the last-price label', () => {
    // A last-price label at the right edge (rows 100-111) and a 2 px line across the whole width (rows 200-201,
    // the colour of the candles: a light theme's separator above a volume pane, in a hollow outline's grey).
    const image = drawChart(candlesOf([...BASE, [70, 150], [75, 140], [60, 175]]), { height: 260 });
    const paint = (rows: [number, number], from: number) => {
      for (let y = rows[0]; y <= rows[1]; y += 1)
        for (let x = from; x < image.width; x += 1) image.data.set(TEAL, (y * image.width + x) * 3);
    };
    paint([100, 111], image.width - 60);
    paint([200, 201], 0);
    const reading = readPixels(image);
    expect(reading.pane.right).toBe(image.width - 61);
    expect(types(reading)).toEqual([null, '2U', '2U', '2D', '1', '2U', '1', '3']);
  });

  it('reads wicks in a grey of their own that meet the bodies across an anti-aliased row', () => {
    const reading = read([...BASE, [70, 150], [75, 140], [60, 175]], {
      background: LIGHT,
      up: [41, 98, 255],
      down: [255, 152, 0],
      wick: [93, 96, 107],
      // Every other wick on an even column (the colour statistics read every second column).
      spacing: 15,
    });
    expect(reading.candles.map((candle) => [candle.highPx, candle.lowPx])).toEqual([
      ...BASE,
      [70, 150],
      [75, 140],
      [60, 175],
    ]);
    expect(types(reading)).toEqual([null, '2U', '2U', '2D', '1', '2U', '1', '3']);
  });

  it('reads grey wicks on a light theme that are a half-way shade of the dark legend text they never touch', () => {
    // lightweight-charts at dpr 2 draws a #5d606b wick 1.5 px wide across two columns: (133, 135, 144), half-way
    // from white to the legend's #131722. Not anti-aliasing of the text (it never touches it): a wick colour.
    const ranges: [number, number][] = [...BASE, [70, 150], [75, 140], [60, 175]];
    const reading = read(ranges, {
      background: LIGHT,
      up: [41, 98, 255],
      down: [255, 152, 0],
      wick: [133, 135, 144],
      spacing: 15,
      legend: { rows: [4, 16], to: 40, colour: [19, 23, 34] },
    });
    expect(reading.candles.map((candle) => [candle.highPx, candle.lowPx])).toEqual(ranges);
    expect(types(reading)).toEqual([null, '2U', '2U', '2D', '1', '2U', '1', '3']);
  });

  it('reads 1 px grey wicks that all stand on odd columns (candles an even number of pixels apart)', () => {
    const ranges: [number, number][] = [...BASE, [70, 150], [75, 140], [60, 175]];
    const image = drawChart(candlesOf(ranges), { wick: [209, 212, 220], spacing: 16 });
    expect(image.xs.every((x) => x % 2 === 1)).toBe(true);
    const reading = readPixels(image);
    expect(reading.candles.map((candle) => [candle.highPx, candle.lowPx])).toEqual(ranges);
    expect(types(reading)).toEqual([null, '2U', '2U', '2D', '1', '2U', '1', '3']);
  });

  it('reads wide hollow rising candles, thin outlines among filled falling bodies 31 px wide', () => {
    // The outlines' vertical mass is a tenth of the filled bodies' or less: still a candle colour.
    const ranges: [number, number][] = [...BASE, [70, 150], [75, 140], [60, 175], [80, 150], [70, 160]];
    const rising = ranges.map((_, k) => k % 2 === 0);
    const reading = read(ranges, { hollow: true, spacing: 40, bodyWidth: 31, width: 520 }, rising);
    expect(reading.candles.map((candle) => [candle.highPx, candle.lowPx])).toEqual(ranges);
    expect(reading.candles.map((candle) => candle.direction)).toEqual(rising.map((up) => (up ? 'up' : 'down')));
    expect(types(reading)).toEqual([null, '2U', '2U', '2D', '1', '2U', '1', '3', '1', '3']);
  });

  it('reads a light theme', () => {
    const reading = read([...BASE, [70, 150], [75, 140], [60, 175]], {
      background: LIGHT,
      grid: { every: 40, colour: [240, 243, 250] },
    });
    expect(types(reading)).toEqual([null, '2U', '2U', '2D', '1', '2U', '1', '3']);
    expect(reading.candles[3]?.direction).toBe('down');
  });

  it('names the combo in progress with its trigger and target candles', () => {
    // 2D, 1, then a break of the 1's high: a 2-1-2 reversal; trigger the 1, target the 2D before it.
    const reading = read([...BASE, [105, 190], [110, 180], [95, 170]]);
    expect(reading.sequence).toBe('2D-1-2D-1-2U');
    expect(reading.combo).toMatchObject({
      name: '2-1-2',
      bars: '2D-1-2U',
      side: 'long',
      triggerCandle: 6,
      targetCandle: 5,
    });
  });
});

describe('readChart on a lightweight-charts screenshot', () => {
  // A 760 x 420 crop of a chart rendered by the reader benchmark's generator (server/bench/reader-charts): hollow
  // rising candles with near-black wicks and outlines on white, and a grey moving average whose pixels read as
  // a blend of the teal. Each hollow body's two sides and its wick are three peaks a third of the spacing apart.
  const TRUTH = {
    // Candle centres from the renderer, and each candle's type where both of its ends are more than 1.5 px from
    // the previous candle's (null: a close call, or the first candle).
    xs: [
      42.4, 59.5, 76.6, 93.7, 110.8, 127.9, 145, 162.1, 179.2, 196.3, 213.4, 230.5, 247.6, 264.7, 281.8, 298.9, 316,
      333.1, 350.2, 367.3, 384.4, 401.5, 418.6, 435.8, 452.8, 469.9, 487.1, 504.1, 521.3, 538.3, 555.4, 572.6, 589.6,
      606.8, 623.8, 640.9, 658.1, 675.1, 692.3, 709.3, 726.4, 743.6,
    ],
    types: [
      null,
      '2U',
      '1',
      '3',
      '3',
      '1',
      '1',
      null,
      '2D',
      '2U',
      null,
      '2U',
      '3',
      '1',
      '2D',
      '1',
      null,
      '3',
      '2D',
      null,
      '2U',
      '2U',
      '2D',
      '1',
      '2D',
      '2U',
      '1',
      '3',
      null,
      '3',
      '3',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      '2U',
      '2D',
      '1',
    ],
  };

  it('finds every candle at the bar spacing, and no clear type contradicts the renderer', async () => {
    const reading = await readChart(await readFile(new URL('./fixtures/lwc-hollow-dark-wicks.png', import.meta.url)));
    expect(reading.candles).toHaveLength(TRUTH.xs.length);
    reading.candles.forEach((candle, k) => expect(Math.abs(candle.x - TRUTH.xs[k]!)).toBeLessThanOrEqual(1.5));
    const clear = TRUTH.types.flatMap((type, k) => (type ? [[type, reading.candles[k]!.type] as const] : []));
    expect(clear.filter(([truth, read]) => read !== null && read !== truth)).toEqual([]);
    expect(clear.filter(([truth, read]) => read === truth).length).toBeGreaterThanOrEqual(clear.length - 2);
  });
});

describe('readChart on whole charts from the reader benchmark generator (tune split), with their ground truth', () => {
  // Each fixture is a file from server/bench/reader-charts as rendered, with `<name>.truth.json`: the renderer's
  // candle centres, the bar spacing, and each candle's type where both of its ends are more than 1.5 px from the
  // previous candle's (null: a close call, or the first candle).
  const FIXTURES = [
    {
      // Hollow rising candles 35 px apart with grey outlines on a dark theme, a 4 px moving average crossing the
      // gaps between them, a legend and a logo. Each candle is several peaks of the column signal (wick, two
      // sides, the line's crossings): only the groups of columns standing apart give the bar spacing, and the
      // line's anti-aliased edge must not join them. Read as 105 candles, a third of the spacing, before.
      file: 'lwc-hollow-grey-outline-ma.png',
      clearMissed: 6,
    },
    {
      // A JPEG with purple falling candles (#ab47bc) and a magenta moving average (#e040fb): the purple is 80 % of
      // the way from the background to the magenta, and many falling candles end on a few rows. It is a body
      // colour, not a shade of the line standing on a baseline (volume bars). Read as 27 candles before.
      file: 'lwc-scheme-purple-near-magenta-ma.jpg',
      clearMissed: 8,
    },
    {
      // Hollow candles 13 px apart on a dark theme, a grey 2 px moving average, and a legend in light grey text
      // with as much vertical mass as the outlines. The text is not a third body colour (its shade, the line,
      // would join the candles): read as 126 candles, a third of the spacing, before.
      file: 'lwc-hollow-grey-ma-text.png',
      clearMissed: 2,
    },
  ];

  it.each(FIXTURES)(
    '$file: each candle once, at its centre, and at most one clear type contradicted',
    async (fixture) => {
      const url = new URL(`./fixtures/${fixture.file}`, import.meta.url);
      const truth = JSON.parse(await readFile(new URL(url.href.replace(/\.\w+$/, '.truth.json')), 'utf8')) as {
        xs: number[];
        types: (string | null)[];
      };
      const reading = await readChart(await readFile(url));
      expect(reading.candles).toHaveLength(truth.xs.length);
      reading.candles.forEach((candle, k) => expect(Math.abs(candle.x - truth.xs[k]!)).toBeLessThanOrEqual(3));
      const clear = truth.types.flatMap((type, k) => (type ? [[type, reading.candles[k]!.type] as const] : []));
      expect(clear.filter(([expected, read]) => read !== null && read !== expected).length).toBeLessThanOrEqual(1);
      expect(clear.filter(([expected, read]) => read === expected).length).toBeGreaterThanOrEqual(
        clear.length - fixture.clearMissed,
      );
    },
  );
});

describe('readChart and pixelReading', () => {
  it('decodes a PNG screenshot and words the reading for the model', async () => {
    const image = drawChart(candlesOf([...BASE, [105, 190], [110, 180], [95, 170]]));
    const png = new PNG({ width: image.width, height: image.height });
    for (let p = 0; p < image.width * image.height; p += 1) {
      png.data.set(image.data.subarray(p * 3, p * 3 + 3), p * 4);
      png.data[p * 4 + 3] = 255;
    }
    const reading = await readChart(PNG.sync.write(png));
    expect(types(reading)).toEqual(types(readPixels(image)));
    const text = pixelReading(reading);
    expect(text).toContain('Sequence: 2D-1-2D-1-2U.');
    expect(text).toContain('Combo: 2-1-2 (2D-1-2U), long');
    expect(text).toContain('trigger bar -1; target bar -2');
  });

  it('reads a JPEG as it reads the PNG, a CMYK one included', async () => {
    const png = await drawnChartPng();
    const expected = types(await readChart(png));
    expect(expected.slice(-3)).toEqual(['2D', '1', '2U']);
    expect(types(await readChart(await sharp(png).jpeg({ quality: 90 }).toBuffer()))).toEqual(expected);
    // A CMYK JPEG (as print and some capture tools save them) goes to sharp, which converts it with colour
    // management, and is read all the same.
    const cmyk = await sharp(png).toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    expect(types(await readChart(cmyk))).toEqual(expected);
  });

  it('reads a chart the same whatever it read before (its working arrays are kept from one read to the next)', async () => {
    const small = await drawnChartPng();
    const first = await readChart(small);
    // A larger chart of another scheme, with a grid, a moving average and volume: it fills more of the kept arrays.
    const large = drawChart(candlesOf([...BASE, [70, 200], [60, 210], [65, 190], [80, 185]]), {
      width: 1400,
      height: 900,
      background: LIGHT,
      grid: { every: 40, colour: [220, 220, 220] },
      movingAverage: { rows: [130, 125, 120, 125, 130, 135, 140, 138, 134], colour: [250, 160, 0] },
      volume: [40, 60, 30, 50, 70, 45, 35, 55, 65],
    });
    expect(readPixels(large).candles.length).toBe(9);
    const again = await readChart(small);
    expect(again).toEqual(first);
    // The decoded pixels are freed after each read; the caller's bytes are not touched.
    expect(await readChart(small)).toEqual(first);
  });

  it('frees the decoders’ pixels once read, never a slice of a buffer that holds other data', async () => {
    const png = await drawnChartPng();
    for (const bytes of [png, await sharp(png).jpeg({ quality: 90 }).toBuffer()]) {
      const image = await decodeImage(bytes);
      expect(image.data.byteLength).toBe(image.width * image.height * 3);
      releasePixels(image.data);
      expect(image.data.byteLength).toBe(0);
      expect(bytes.byteLength).toBeGreaterThan(0);
    }
    const shared = new Uint8Array(24).fill(7);
    releasePixels(shared.subarray(12));
    expect(shared.byteLength).toBe(24);
    expect(shared[20]).toBe(7);
  });

  it('keeps at most 12 MB of working arrays between reads, whatever the image', () => {
    const before = types(read([...BASE, [105, 190]]));
    // 500 x 16,000: each working array is smaller than a 4K chart's pixel classes, but together they pass 12 MB.
    const tall = BASE.map(([high, low]) => [high * 50, low * 50] as [number, number]);
    const image = drawChart(candlesOf(tall), { width: 500, height: 16_000, spacing: 40, bodyWidth: 21 });
    expect(types(readPixels(image))).toEqual(types(read(BASE)));
    expect(scratchBytes()).toBeLessThanOrEqual(MAX_KEPT_BYTES);
    expect(types(read([...BASE, [105, 190]]))).toEqual(before);
  });

  it('refuses a JPEG whose header declares more than 8K by 8K pixels, before decoding it', async () => {
    const jpeg = await sharp(await drawnChartPng())
      .jpeg()
      .toBuffer();
    // The frame header (SOF0: FF C0, length, precision, then height and width) rewritten to 8,000 x 4,400.
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(4_400, sof + 5);
    jpeg.writeUInt16BE(8_000, sof + 7);
    await expect(readChart(jpeg)).rejects.toMatchObject({ code: 'image_too_large' });
  });

  it('refuses bytes that are not an image with a stable code', async () => {
    await expect(readChart(Buffer.from('not an image'))).rejects.toMatchObject({ code: 'unreadable_image' });
  });
});
