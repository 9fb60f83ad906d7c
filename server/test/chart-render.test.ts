// The chart renderer draws what a trader would see: decoded PNGs have the size, colours, candles, wicks and
// axis they were asked for, and the generated bars carry exactly the Strat numbers requested.
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  barsForSequence,
  labelsOf,
  MIN_MARGIN,
  renderChart,
  stratLabel,
  THEMES,
  type Bar,
  type StratLabel,
} from './support/charts/index.js';

type Pixel = [number, number, number];

function decode(png: Buffer) {
  const image = PNG.sync.read(png);
  return {
    width: image.width,
    height: image.height,
    at(x: number, y: number): Pixel {
      const index = (y * image.width + x) * 4;
      return [image.data[index] ?? -1, image.data[index + 1] ?? -1, image.data[index + 2] ?? -1];
    },
  };
}

const rgbOf = (color: readonly number[]): Pixel => [color[0] ?? 0, color[1] ?? 0, color[2] ?? 0];
const dark = THEMES.dark;
const LABELS: readonly StratLabel[] = ['1', '2U', '2D', '3'];

describe('barsForSequence', () => {
  it('ends with the requested Strat numbers, for any seed', () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const sequence = Array.from(
        { length: 6 },
        (_, index) => LABELS[(seed * 5 + index * index * 3) % 4] as StratLabel,
      );
      const bars = barsForSequence(sequence, { seed, lead: 1 + (seed % 40), start: 20 + seed * 3 });
      expect(labelsOf(bars).slice(-sequence.length)).toEqual(sequence);
    }
  });

  it('breaks and holds levels by a clear margin a pixel reader can see', () => {
    const bars = barsForSequence(['1', '1', '1', '2U', '3', '1', '2D', '1', '1', '3'], { seed: 9, lead: 10 });
    for (let index = 1; index < bars.length; index += 1) {
      const prev = bars[index - 1] as Bar;
      const bar = bars[index] as Bar;
      const margin = (prev.high - prev.low) * MIN_MARGIN;
      expect(Math.abs(bar.high - prev.high)).toBeGreaterThanOrEqual(margin - 1e-9);
      expect(Math.abs(bar.low - prev.low)).toBeGreaterThanOrEqual(margin - 1e-9);
      expect(bar.low).toBeLessThanOrEqual(Math.min(bar.open, bar.close));
      expect(bar.high).toBeGreaterThanOrEqual(Math.max(bar.open, bar.close));
    }
  });

  it('is reproducible from its seed and differs between seeds', () => {
    expect(barsForSequence(['2D', '1', '2U'], { seed: 4 })).toEqual(barsForSequence(['2D', '1', '2U'], { seed: 4 }));
    expect(barsForSequence(['2D', '1', '2U'], { seed: 4 })).not.toEqual(
      barsForSequence(['2D', '1', '2U'], { seed: 5 }),
    );
  });

  it('closes each bar the colour asked for, whatever its number', () => {
    const bars = barsForSequence(['2U', '2D', '3'], { seed: 2, colors: ['down', 'up', null] });
    const [failedUp, failedDown] = bars.slice(-3) as [Bar, Bar, Bar];
    expect(failedUp.close).toBeLessThan(failedUp.open);
    expect(failedDown.close).toBeGreaterThan(failedDown.open);
  });

  it('numbers a touch of the previous high as a 1: only trading beyond counts', () => {
    const prev = { open: 10, high: 11, low: 9, close: 10.5 };
    expect(stratLabel(prev, { open: 10, high: 11, low: 9, close: 10 })).toBe('1');
    expect(stratLabel(prev, { open: 10, high: 11.01, low: 9, close: 11 })).toBe('2U');
    expect(stratLabel(prev, { open: 10, high: 11, low: 8.99, close: 9 })).toBe('2D');
    expect(stratLabel(prev, { open: 10, high: 11.01, low: 8.99, close: 9 })).toBe('3');
  });
});

describe('renderChart', () => {
  const bars = barsForSequence(['2D', '1', '2U'], { seed: 3, lead: 30, start: 452, colors: [null, null, 'up'] });

  it('renders a PNG of the requested size on the theme background', () => {
    const chart = renderChart({ bars, width: 900, height: 500, theme: 'light' });
    const image = decode(chart.png);
    expect([image.width, image.height]).toEqual([900, 500]);
    expect(image.at(2, 498)).toEqual(rgbOf(THEMES.light.background));
    expect(decode(renderChart({ bars }).png).at(1, 698)).toEqual(rgbOf(dark.background));
  });

  it('fills an up candle body with the up colour where the geometry says, with its wick above the body', () => {
    const chart = renderChart({ bars, title: 'SPY 60m' });
    const image = decode(chart.png);
    const live = chart.candles[chart.candles.length - 1]!;
    const bodyTop = Math.min(live.openPx, live.closePx);
    const bodyBottom = Math.max(live.openPx, live.closePx);
    expect(image.at(live.bodyLeft + 1, Math.round((bodyTop + bodyBottom) / 2))).toEqual(rgbOf(dark.up));
    expect(live.highPx).toBeLessThan(bodyTop);
    expect(image.at(live.x, live.highPx)).toEqual(rgbOf(dark.up));
    // Beside the wick, above the body: background, so the wick is a thin line, not a bar.
    expect(image.at(live.bodyLeft, Math.round((live.highPx + bodyTop) / 2))).not.toEqual(rgbOf(dark.up));
    expect(live.bodyWidth).toBeGreaterThan(live.wickWidth);
  });

  it('draws higher prices higher up: the live 2U tops the 1 it broke', () => {
    const chart = renderChart({ bars });
    const [inside, live] = chart.candles.slice(-2);
    expect(live!.highPx).toBeLessThan(inside!.highPx);
    expect(live!.lowPx).toBeLessThan(inside!.lowPx);
  });

  it('leaves the axis strip empty when the price axis is hidden, and draws labels in it otherwise', () => {
    const strip = (priceAxis: boolean) => {
      const chart = renderChart({ bars, priceAxis, lastPriceLine: true, volumePane: true, title: 'SPY 60m' });
      const image = decode(chart.png);
      let painted = 0;
      for (let y = 0; y < image.height; y += 1)
        for (let x = chart.axisStrip.left; x < chart.axisStrip.right; x += 1)
          if (image.at(x, y).join() !== rgbOf(dark.background).join()) painted += 1;
      return painted;
    };
    expect(strip(false)).toBe(0);
    expect(strip(true)).toBeGreaterThan(500);
  });

  it('is deterministic: the same spec gives the same bytes', () => {
    const spec = { bars, title: 'SPY · 60m', watermark: 'SPY', volumePane: true, lastPriceLine: true } as const;
    expect(renderChart(spec).png.equals(renderChart(spec).png)).toBe(true);
  });

  it('draws hollow up candles as outlines and a line chart without candle bodies', () => {
    const hollow = renderChart({ bars, candleStyle: 'hollow' });
    const live = hollow.candles[hollow.candles.length - 1]!;
    const middle = Math.round((live.openPx + live.closePx) / 2);
    const image = decode(hollow.png);
    expect(image.at(live.bodyLeft, middle)).toEqual(rgbOf(dark.up));
    expect(image.at(live.bodyLeft + 2, middle)).not.toEqual(rgbOf(dark.up));

    const line = renderChart({ bars, kind: 'line' });
    const lineImage = decode(line.png);
    const last = line.candles[line.candles.length - 1]!;
    expect(lineImage.at(last.x, last.closePx)).toEqual(rgbOf(dark.line));
    const candleColours = [rgbOf(dark.up).join(), rgbOf(dark.down).join()];
    let candlePixels = 0;
    for (let y = 0; y < lineImage.height; y += 1)
      for (let x = 0; x < lineImage.width; x += 1)
        if (candleColours.includes(lineImage.at(x, y).join())) candlePixels += 1;
    expect(candlePixels).toBe(0);
  });
});
