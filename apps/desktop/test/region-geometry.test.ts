// Region geometry: a selection on the crop overlay as device pixels of its display (never clipping a bar,
// at every common scale factor, on displays left of or above the main one), drawn back, rescaled after a
// resolution change, and a pinned region's display or window found again without guessing.
import { describe, expect, it } from 'vitest';
import type { DisplayInfo } from '../src/shared/capture-geometry';
import {
  devicePixelsToOverlay,
  overlayToDevicePixels,
  resolvePinnedSource,
  scaleRegionToFrame,
} from '../src/shared/region-geometry';

const displayAt = (scaleFactor: number, x = 0, y = 0): DisplayInfo => ({
  id: 7,
  bounds: { x, y, width: 1920, height: 1080 },
  scaleFactor,
});

describe('overlayToDevicePixels', () => {
  it.each([1, 1.25, 1.5, 2])('maps a selection to device pixels at %sx', (scale) => {
    const rect = overlayToDevicePixels({ x: 100, y: 40, width: 400, height: 200 }, displayAt(scale));
    expect(rect).toEqual({ x: 100 * scale, y: 40 * scale, width: 400 * scale, height: 200 * scale });
  });

  it('rounds outward so a partly covered device pixel is kept', () => {
    // At 1.5x, 10.5 CSS px is 15.75 device px: the left edge floors to 15, the right (40.5 → 60.75) ceils to 61.
    expect(overlayToDevicePixels({ x: 10.5, y: 10.5, width: 30, height: 30 }, displayAt(1.5))).toEqual({
      x: 15,
      y: 15,
      width: 46,
      height: 46,
    });
    // At 1.5x, a region 97 px wide drawn back as CSS px sums to 98.00000000000001 device px on the way
    // home: floating-point noise must not grow it by a pixel nobody chose.
    const drawn = devicePixelsToOverlay({ x: 1, y: 4, width: 97, height: 97 }, displayAt(1.5));
    expect(overlayToDevicePixels(drawn, displayAt(1.5))).toEqual({ x: 1, y: 4, width: 97, height: 97 });
  });

  it('is the same on a secondary display at a negative origin: the rect is relative to the display', () => {
    const selection = { x: 300, y: 200, width: 640, height: 360 };
    for (const scale of [1, 1.25, 1.5, 2]) {
      const primary = overlayToDevicePixels(selection, displayAt(scale));
      expect(overlayToDevicePixels(selection, displayAt(scale, -1920, -400))).toEqual(primary);
      expect(overlayToDevicePixels(selection, displayAt(scale, 2560, 0))).toEqual(primary);
    }
  });

  it('accepts a drag up and to the left', () => {
    expect(overlayToDevicePixels({ x: 500, y: 300, width: -200, height: -100 }, displayAt(2))).toEqual({
      x: 600,
      y: 400,
      width: 400,
      height: 200,
    });
  });

  it('clamps to the display and keeps at least one pixel', () => {
    const display = displayAt(1.5);
    expect(overlayToDevicePixels({ x: 1800, y: 1000, width: 400, height: 400 }, display)).toEqual({
      x: 2700,
      y: 1500,
      width: 180,
      height: 120,
    });
    expect(overlayToDevicePixels({ x: -50, y: -50, width: 100, height: 100 }, display)).toEqual({
      x: 0,
      y: 0,
      width: 75,
      height: 75,
    });
    expect(overlayToDevicePixels({ x: 100, y: 100, width: 0, height: 0 }, display)).toEqual({
      x: 150,
      y: 150,
      width: 1,
      height: 1,
    });
    expect(overlayToDevicePixels({ x: 5000, y: 5000, width: 10, height: 10 }, display)).toEqual({
      x: 2879,
      y: 1619,
      width: 1,
      height: 1,
    });
  });
});

describe('devicePixelsToOverlay', () => {
  it.each([1, 1.25, 1.5, 2])('draws a saved region where it was drawn at %sx, and maps back exactly', (scale) => {
    const display = displayAt(scale, -1920, -300);
    const saved = { x: 151, y: 77, width: 603, height: 333 };
    const drawn = devicePixelsToOverlay(saved, display);
    expect(drawn.x).toBeCloseTo(151 / scale, 5);
    expect(drawn.width).toBeCloseTo(603 / scale, 5);
    expect(overlayToDevicePixels(drawn, display)).toEqual(saved);
  });
});

describe('scaleRegionToFrame', () => {
  it('keeps a region as is when the frame has the size it was recorded at', () => {
    const rect = { x: 100, y: 50, width: 300, height: 200 };
    expect(scaleRegionToFrame(rect, { width: 2880, height: 1620 }, { width: 2880, height: 1620 })).toEqual(rect);
  });

  it('scales proportionally when the display’s resolution changed', () => {
    // Pinned at 2x (3840x2160), the display now at 1x.
    expect(
      scaleRegionToFrame(
        { x: 400, y: 200, width: 800, height: 600 },
        { width: 3840, height: 2160 },
        {
          width: 1920,
          height: 1080,
        },
      ),
    ).toEqual({ x: 200, y: 100, width: 400, height: 300 });
    // 1x to 1.25x, rounding outward.
    expect(
      scaleRegionToFrame(
        { x: 101, y: 0, width: 99, height: 10 },
        { width: 1920, height: 1080 },
        {
          width: 2400,
          height: 1350,
        },
      ),
    ).toEqual({ x: 126, y: 0, width: 124, height: 13 });
  });

  it('clamps a region that no longer fits the frame', () => {
    expect(
      scaleRegionToFrame(
        { x: 1800, y: 900, width: 300, height: 300 },
        { width: 1920, height: 1080 },
        {
          width: 1920,
          height: 1080,
        },
      ),
    ).toEqual({ x: 1800, y: 900, width: 120, height: 180 });
  });
});

describe('resolvePinnedSource', () => {
  const displays = [displayAt(1), { ...displayAt(2, -1920, 0), id: 9 }];
  const windows = [
    { id: 'window:11:0', name: 'SPY - TradingView' },
    { id: 'window:12:0', name: 'Chrome' },
    { id: 'window:13:0', name: 'Chrome' },
  ];

  it('finds the display by id', () => {
    expect(resolvePinnedSource({ kind: 'display', displayId: '9' }, displays, windows)).toEqual({
      ok: true,
      display: displays[1],
    });
  });

  it('says so when the display is gone, and never falls back to another one', () => {
    expect(resolvePinnedSource({ kind: 'display', displayId: '2' }, displays, windows)).toEqual({
      ok: false,
      code: 'display_missing',
      message:
        'The display this region was pinned on (Display 2) is not connected. Reconnect it or pin the region again.',
    });
    expect(resolvePinnedSource({ kind: 'display', displayId: '2' }, [displayAt(1)], [])).toMatchObject({ ok: false });
  });

  it('finds a window by its source id first, then by its exact name', () => {
    expect(
      resolvePinnedSource({ kind: 'window', windowName: 'renamed since', sourceId: 'window:12:0' }, displays, windows),
    ).toEqual({ ok: true, windowId: 'window:12:0' });
    // The id changed after a restart: the name still tells.
    expect(
      resolvePinnedSource(
        { kind: 'window', windowName: 'SPY - TradingView', sourceId: 'window:4:0' },
        displays,
        windows,
      ),
    ).toEqual({ ok: true, windowId: 'window:11:0' });
  });

  it('refuses a name several windows share rather than guess', () => {
    const result = resolvePinnedSource({ kind: 'window', windowName: 'Chrome', sourceId: 'window:99:0' }, [], windows);
    expect(result).toMatchObject({ ok: false, code: 'window_missing' });
    expect(result.ok ? '' : result.message).toContain('Several windows are called “Chrome”');
  });

  it('says so when the window is closed', () => {
    const result = resolvePinnedSource(
      { kind: 'window', windowName: 'ES - Sierra', sourceId: 'window:5:0' },
      [],
      windows,
    );
    expect(result).toEqual({
      ok: false,
      code: 'window_missing',
      message: 'The window this region was pinned on (“ES - Sierra”) is not open. Open it or pin the region again.',
    });
    // An untitled window is not matched by its empty name.
    expect(
      resolvePinnedSource({ kind: 'window', windowName: '', sourceId: 'gone' }, [], [{ id: 'w', name: '' }]),
    ).toMatchObject({ ok: false, code: 'window_missing' });
  });
});
