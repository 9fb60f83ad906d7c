// The question's charts as data: labels edited as timeframe + symbol, the strip in Strat order (higher
// timeframe first), four at most, a refused label kept out, a recaptured pinned region replacing its earlier
// capture; and the crop box adjusted by its handles.
import { afterEach, describe, expect, it } from 'vitest';
import { moveBox, regionOf, resizeBox } from '../src/renderer/src/chart/crop-box';
import { joinLabel, splitLabel } from '../src/renderer/src/lib/chart-labels';
import { TOO_MANY, useChartStore } from '../src/renderer/src/state/chart-store';
import { resetAllStores } from '../src/renderer/src/state/reset';
import type { CapturedChart } from '../src/shared/host-api';

const captured = (data: string, width = 800): CapturedChart => ({
  image: { mediaType: 'image/png', data, width, height: 500 },
  region: null,
});
const charts = () => useChartStore.getState();
const labels = () => charts().charts.map((chart) => chart.label);

afterEach(() => resetAllStores());

describe('chart labels in the composer', () => {
  it.each([
    ['SPY 60m', { timeframe: '60', symbol: 'SPY' }],
    ['ES D', { timeframe: 'D', symbol: 'ES' }],
    ['4h', { timeframe: '4h', symbol: '' }],
    ['AAPL M', { timeframe: 'M', symbol: 'AAPL' }],
    ['ES 2h', { timeframe: '', symbol: 'ES 2h' }],
    [null, { timeframe: '', symbol: '' }],
  ] as const)('%s splits into timeframe and symbol, and joins back', (label, parts) => {
    expect(splitLabel(label)).toEqual(parts);
    expect(joinLabel(parts)).toBe(label ?? '');
  });
});

describe('the chart store', () => {
  it('keeps the charts higher timeframe first as they are labelled', () => {
    charts().add(captured('a'));
    charts().add(captured('b'));
    charts().add(captured('c'));
    const [first, second, third] = charts().charts;
    expect(charts().relabel(first!.id, 'SPY 5m')).toBeNull();
    expect(charts().relabel(second!.id, 'SPY D')).toBeNull();
    expect(labels()).toEqual(['SPY D', 'SPY 5m', null]);
    expect(charts().relabel(third!.id, 'SPY 60')).toBeNull();
    expect(labels()).toEqual(['SPY D', 'SPY 60', 'SPY 5m']);
  });

  it('takes four charts at most, and says so', () => {
    for (const data of ['a', 'b', 'c', 'd']) expect(charts().add(captured(data))).toBe(true);
    expect(charts().add(captured('e'))).toBe(false);
    expect(charts().charts).toHaveLength(4);
    expect(charts().error).toBe(TOO_MANY);
  });

  it('refuses a label the server would refuse, keeping the chart as it was', () => {
    charts().add(captured('a'));
    const [chart] = charts().charts;
    expect(charts().relabel(chart!.id, 'x'.repeat(41))).toMatch(/at most 40 characters/);
    expect(charts().relabel(chart!.id, 'SPY\u000760')).toMatch(/control characters/);
    expect(labels()).toEqual([null]);
  });

  it('a recaptured region replaces its namesake even when the question is full', () => {
    for (const label of ['M', 'W', 'D', '60m']) charts().add(captured(`old-${label}`), label);
    expect(charts().hasRoomFor('D')).toBe(true);
    expect(charts().hasRoomFor('5m')).toBe(false);
    expect(charts().add(captured('new-D'), 'D')).toBe(true);
    expect(charts().charts.map((chart) => chart.image.data)).toEqual(['old-M', 'old-W', 'new-D', 'old-60m']);
  });

  it('a recaptured pinned region replaces its earlier capture instead of adding a copy', () => {
    charts().add(captured('old'), 'ES 5m');
    charts().add(captured('other'), 'ES D');
    charts().add(captured('new'), 'ES 5m');
    expect(charts().charts.map((chart) => [chart.label, chart.image.data])).toEqual([
      ['ES D', 'other'],
      ['ES 5m', 'new'],
    ]);
  });
});

describe('the crop box', () => {
  const box = { left: 10, top: 10, right: 50, bottom: 40 };

  it('moves whole and stays inside the frame', () => {
    expect(moveBox(box, 100, 100, { width: 100, height: 100 })).toEqual({ left: 60, top: 70, right: 100, bottom: 100 });
    expect(moveBox(box, -30, 5, { width: 100, height: 100 })).toEqual({ left: 0, top: 15, right: 40, bottom: 45 });
  });

  it('resizes by a handle, flips past the opposite edge, and never goes below the minimum', () => {
    expect(resizeBox(box, 'se', { x: 80, y: 90 }, 8)).toEqual({ left: 10, top: 10, right: 80, bottom: 90 });
    expect(resizeBox(box, 'w', { x: 70, y: 0 }, 8)).toEqual({ left: 50, top: 10, right: 70, bottom: 40 });
    expect(resizeBox(box, 'n', { x: 0, y: 38 }, 8)).toEqual({ left: 10, top: 32, right: 50, bottom: 40 });
  });
});

describe('the crop region in the frame’s pixels', () => {
  const frameOf = (scaleFactor: number) => ({
    dataUrl: 'data:,',
    width: Math.round(1920 * scaleFactor),
    height: Math.round(1080 * scaleFactor),
    scaleFactor,
    sourceName: 'Display 2',
  });

  it.each([1, 1.25, 1.5, 2])(
    'in the crop window at %sx: the same part of the screen, rounded outward',
    (scaleFactor) => {
      const frame = frameOf(scaleFactor);
      // A quarter of the screen, from (25 %, 25 %): CSS 480 × 270 at (480, 270).
      const region = regionOf({ left: 0.25, top: 0.25, right: 0.5, bottom: 0.5 }, frame, 'native');
      expect(region.x).toBe(Math.floor(480 * scaleFactor));
      expect(region.y).toBe(Math.floor(270 * scaleFactor));
      expect(region.x + region.width).toBe(Math.ceil(960 * scaleFactor));
      expect(region.y + region.height).toBe(Math.ceil(540 * scaleFactor));
    },
  );

  it('fitted into the window, the same fractions of the frame', () => {
    expect(regionOf({ left: 0.25, top: 0.25, right: 0.75, bottom: 0.75 }, frameOf(1), 'fit')).toEqual({
      x: 480,
      y: 270,
      width: 960,
      height: 540,
    });
  });
});
