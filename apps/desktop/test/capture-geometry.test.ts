// Capture geometry: HiDPI frame sizes, the right display and source among several, crops drawn on a
// scaled preview mapped to the frame's device pixels, and the encoded size limits.
import { describe, expect, it } from 'vitest';
import {
  captureSizeFor,
  chooseEncoding,
  cropToImagePixels,
  displayAt,
  fitLongEdge,
  sourceForDisplay,
  toDisplayPixels,
  type DisplayInfo,
} from '../src/shared/capture-geometry';

// Two displays side by side: a 1.5x laptop panel on the left, a 2x monitor to its right, a bit higher.
const laptop: DisplayInfo = { id: 1, bounds: { x: 0, y: 0, width: 1280, height: 800 }, scaleFactor: 1.5 };
const monitor: DisplayInfo = { id: 2, bounds: { x: 1280, y: -200, width: 1920, height: 1080 }, scaleFactor: 2 };

describe('captureSizeFor', () => {
  it.each([
    [1, 1920, 1080],
    [1.25, 2400, 1350],
    [1.5, 2880, 1620],
    [2, 3840, 2160],
  ])('a 1920x1080 DIP display at %sx is captured at %ix%i device pixels', (scaleFactor, width, height) => {
    const display = { id: 9, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, scaleFactor };
    expect(captureSizeFor(display)).toEqual({ width, height });
  });
});

describe('displayAt and sourceForDisplay', () => {
  it('finds the display under the cursor across offsets, and the nearest when between them', () => {
    expect(displayAt([laptop, monitor], { x: 100, y: 100 })?.id).toBe(1);
    expect(displayAt([laptop, monitor], { x: 2000, y: -150 })?.id).toBe(2);
    expect(displayAt([laptop, monitor], { x: 1279, y: 799 })?.id).toBe(1);
    // Above the laptop, beside the monitor's top: nearest is the monitor.
    expect(displayAt([laptop, monitor], { x: 1290, y: -100 })?.id).toBe(2);
  });

  it('matches the capture source by display id, not by order', () => {
    const sources = [
      { id: 'screen:2:0', display_id: '2' },
      { id: 'screen:1:0', display_id: '1' },
    ];
    expect(sourceForDisplay(sources, laptop)?.id).toBe('screen:1:0');
    expect(sourceForDisplay(sources, monitor)?.id).toBe('screen:2:0');
    expect(sourceForDisplay([{ id: 'screen:0:0', display_id: '' }], laptop)?.id).toBe('screen:0:0');
    expect(
      sourceForDisplay(
        [
          { id: 'a', display_id: '' },
          { id: 'b', display_id: '' },
        ],
        laptop,
      ),
    ).toBeUndefined();
  });

  it('maps a virtual-screen point to the display’s device pixels', () => {
    expect(toDisplayPixels({ x: 1380, y: -100 }, monitor)).toEqual({ x: 200, y: 200 });
    expect(toDisplayPixels({ x: 100, y: 100 }, laptop)).toEqual({ x: 150, y: 150 });
  });
});

describe('cropToImagePixels', () => {
  it.each([1, 1.25, 1.5, 2])('maps a crop on a half-size preview of a %sx frame to frame pixels', (scale) => {
    const image = { width: Math.round(1920 * scale), height: Math.round(1080 * scale) };
    const preview = { width: 960, height: 540 };
    const crop = cropToImagePixels({ x: 100, y: 50, width: 200, height: 100 }, preview, image);
    const ratio = image.width / preview.width;
    expect(crop).toEqual({
      x: Math.floor(100 * ratio),
      y: Math.floor(50 * ratio),
      width: Math.ceil(300 * ratio) - Math.floor(100 * ratio),
      height: Math.ceil(150 * ratio) - Math.floor(50 * ratio),
    });
  });

  it('accepts a rectangle dragged up and left, and clamps to the frame', () => {
    const image = { width: 1000, height: 500 };
    expect(cropToImagePixels({ x: 300, y: 200, width: -100, height: -50 }, image, image)).toEqual({
      x: 200,
      y: 150,
      width: 100,
      height: 50,
    });
    expect(cropToImagePixels({ x: 900, y: 400, width: 500, height: 500 }, image, image)).toEqual({
      x: 900,
      y: 400,
      width: 100,
      height: 100,
    });
    expect(cropToImagePixels({ x: 10, y: 10, width: 0, height: 0 }, image, image)).toMatchObject({
      width: 1,
      height: 1,
    });
  });
});

describe('fitLongEdge and chooseEncoding', () => {
  it('scales the long edge down to 1568 px, keeps the ratio, never upscales', () => {
    expect(fitLongEdge({ width: 3840, height: 2160 })).toEqual({ width: 1568, height: 882 });
    expect(fitLongEdge({ width: 1000, height: 3000 })).toEqual({ width: 523, height: 1568 });
    expect(fitLongEdge({ width: 800, height: 600 })).toEqual({ width: 800, height: 600 });
  });

  it('keeps PNG unless it passes 3.75 MiB, whose base64 is the model’s 5 MB', () => {
    expect(chooseEncoding(3_932_160)).toBe('image/png');
    expect(chooseEncoding(3_932_161)).toBe('image/jpeg');
  });
});
