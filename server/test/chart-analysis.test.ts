// The chart-reading service around the local reader: a reading cut to the window's last 12 candles with its
// trigger re-indexed, the worker thread giving the same reading as the event loop, the codes of charts that are
// not read, and the no-key answer's Markdown.
import { imageSize } from 'image-size';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { readChart, type CandleReading, type ChartReading } from '../src/chart-reader/index.js';
import { chartRead, createChartAnalyzer, type ChartRead } from '../src/services/chart-analysis.js';
import { localAnswer } from '../src/services/local-answer.js';
import { drawnChartPng } from './support/drawn-chart.js';
import { withFakeFrameHeader } from './support/jpeg.js';
import { pngOfSize } from './support/png.js';

const candle = (k: number, type: CandleReading['type']): CandleReading => ({
  x: 20 + 16 * k,
  highPx: 100,
  lowPx: 160,
  openPx: 150,
  closePx: 110,
  type,
  confidence: type ? 0.95 : 0,
  direction: 'up',
  shape: null,
});

const reading = (count: number, combo: ChartReading['combo']): ChartReading => ({
  width: 480,
  height: 240,
  pane: { left: 0, top: 0, right: 480, bottom: 240 },
  candles: Array.from({ length: count }, (_, k) => candle(k, k === 0 ? null : '2U')),
  sequence: '2U-2U-2U-2U-2U',
  combo,
  prices: null,
});

describe('chartRead', () => {
  it('keeps the last 12 candles and re-indexes the trigger and target into them', () => {
    const read = chartRead(
      reading(15, {
        name: '2-1-2',
        bars: '2D-1-2U',
        side: 'long',
        status: 'in force',
        triggerCandle: 13,
        targetCandle: 12,
      }),
    );
    expect(read.analysis.candles).toHaveLength(12);
    expect(read.analysis.candles[0]!.x).toBe(20 + 16 * 3);
    expect(Object.keys(read.analysis.candles[0]!).sort()).toEqual(
      ['closePx', 'confidence', 'highPx', 'lowPx', 'openPx', 'type', 'x'].sort(),
    );
    expect(read.analysis.trigger).toEqual({ candle: 10, side: 'long' });
    expect(read.analysis.combo).toEqual({ name: '2-1-2', bars: '2D-1-2U', side: 'long', status: 'in force' });
    expect(read.target).toBe(9);
    expect(read.text).toContain('Pixel reading');
  });

  it('gives no trigger when its candle is left of the last 12', () => {
    const read = chartRead(
      reading(15, { name: '2-2', bars: '2D-2U', side: 'long', status: 'pending', triggerCandle: 2, targetCandle: 1 }),
    );
    expect(read.analysis.trigger).toBeNull();
    expect(read.analysis.combo?.name).toBe('2-2');
    expect(read.target).toBeNull();
  });

  it('calls fewer than two candles no_candles, with nothing for the model', () => {
    expect(chartRead(reading(1, null))).toEqual({
      analysis: {
        width: 480,
        height: 240,
        candles: [],
        sequence: '',
        combo: null,
        trigger: null,
        skipped: 'no_candles',
      },
      text: null,
      target: null,
    });
  });
});

describe('createChartAnalyzer', () => {
  const analyzer = createChartAnalyzer({ workerMinPixels: 0, budgetMs: 60_000 });
  afterAll(async () => {
    await analyzer.close();
  });

  it('reads a chart in the worker thread exactly as on the event loop', async () => {
    const png = await drawnChartPng();
    expect(await analyzer.read(png)).toEqual(chartRead(await readChart(png)));
    // The worker is reused for the next chart, a JPEG this time (@napi-rs/image, loaded in the worker).
    const jpeg = await sharp(png).jpeg({ quality: 90 }).toBuffer();
    expect(await analyzer.read(jpeg)).toEqual(chartRead(await readChart(jpeg)));
  });

  it('answers a code, never an error, for what it cannot read', async () => {
    expect((await analyzer.read(Buffer.from('not an image'))).analysis.skipped).toBe('unreadable_image');
    const huge = await analyzer.read(pngOfSize(8_000, 4_400));
    expect(huge.analysis).toMatchObject({ width: 8_000, height: 4_400, candles: [], skipped: 'image_too_large' });
  });

  it('sizes a JPEG by its real frame, not by a frame header hidden in a comment', async () => {
    const real = await sharp({ create: { width: 8_000, height: 4_400, channels: 3, background: '#131722' } })
      .jpeg()
      .toBuffer();
    const crafted = withFakeFrameHeader(real, 16, 16);
    // The trick works on image-size's walker (what the reader sized JPEGs by): it finds the fake 16 x 16 frame.
    expect(imageSize(crafted)).toMatchObject({ width: 16, height: 16 });
    const read = await analyzer.read(crafted);
    expect(read.analysis).toMatchObject({ width: 8_000, height: 4_400, candles: [], skipped: 'image_too_large' });
    await expect(readChart(crafted)).rejects.toMatchObject({ code: 'image_too_large' });
  });

  it('refuses a truncated JPEG rather than read the rows it lacks', async () => {
    const jpeg = await sharp(await drawnChartPng())
      .jpeg({ quality: 90 })
      .toBuffer();
    const cut = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    await expect(readChart(cut)).rejects.toMatchObject({ code: 'unreadable_image' });
    expect((await analyzer.read(cut)).analysis.skipped).toBe('unreadable_image');
  });

  it('answers timeout when the budget runs out before the worker could read it', async () => {
    const hurried = createChartAnalyzer({ workerMinPixels: 0, budgetMs: 0 });
    try {
      const read = await hurried.read(pngOfSize(640, 480));
      expect(read).toEqual({
        analysis: {
          width: 640,
          height: 480,
          candles: [],
          sequence: '',
          combo: null,
          trigger: null,
          skipped: 'timeout',
        },
        text: null,
        target: null,
      });
    } finally {
      await hurried.close();
    }
  });
});

describe('localAnswer', () => {
  const read: ChartRead = {
    analysis: {
      width: 480,
      height: 240,
      candles: [
        { x: 25, highPx: 100, lowPx: 160, openPx: 150, closePx: 110, type: null, confidence: 0 },
        { x: 41, highPx: 105, lowPx: 190, openPx: 110, closePx: 180, type: '2D', confidence: 0.95 },
        { x: 57, highPx: 110, lowPx: 180, openPx: 120, closePx: 170, type: '1', confidence: 0.95 },
        { x: 73, highPx: 95, lowPx: 170, openPx: 160, closePx: 100, type: '2U', confidence: 0.95 },
      ],
      sequence: '2D-1-2U',
      combo: { name: '2-1-2', bars: '2D-1-2U', side: 'long', status: 'in force' },
      trigger: { candle: 2, side: 'long' },
    },
    text: 'Pixel reading: …',
    target: 1,
  };

  it('reads out the bars, the sequence, the combo, its trigger and target, and what to check next', () => {
    expect(localAnswer([read], ['SPY 60m']).join('')).toBe(
      [
        '### Chart 1 — SPY 60m',
        '',
        'Read from the pixels: the last 4 bars, oldest first.',
        '',
        '| bar | number | candle |',
        '| --- | --- | --- |',
        '| -3 | ? | up |',
        '| -2 | 2D | down |',
        '| -1 | 1 | down |',
        '| live | 2U | up |',
        '',
        '**Sequence:** 2D-1-2U',
        '',
        '**Combo:** 2-1-2 (2D-1-2U), long, in force.',
        '',
        '**Trigger:** bar -1’s high; target: bar -2’s high.',
        '',
        '**What to check next:** it holds while the live bar stays beyond bar -1’s high; a close back through it fails it.',
        '',
        '_This is the local chart reader: bar numbers measured from the pixels, not coaching. To get the coach’s answer, set `ANTHROPIC_API_KEY` on the server and restart it._',
      ].join('\n'),
    );
  });

  it('says why a chart was not read, and what a pending inside bar waits for', () => {
    const pending: ChartRead = {
      ...read,
      analysis: {
        ...read.analysis,
        combo: { name: '2-1-2', bars: '2D-1', side: 'both', status: 'pending' },
        trigger: { candle: 3, side: 'both' },
      },
      target: 2,
    };
    const skipped: ChartRead = {
      analysis: { width: 1, height: 1, candles: [], sequence: '', combo: null, trigger: null, skipped: 'timeout' },
      text: null,
      target: null,
    };
    const text = localAnswer([pending, skipped], [null, 'ES 5m']).join('');
    expect(text).toContain('### Chart 1 of 2\n');
    expect(text).toContain(
      '**What to check next:** the live bar is an inside bar waiting for its break: a move above its high triggers long, below its low short.',
    );
    expect(text).toContain('### Chart 2 of 2 — ES 5m\n\nNot read: it could not be read in time.');
  });

  it('without a chart, says the reader needs one', () => {
    const [first, last] = localAnswer([], []);
    expect(first).toMatch(/capture one and ask again/);
    expect(last).toContain('ANTHROPIC_API_KEY');
  });
});
