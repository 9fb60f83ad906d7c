// crop:done's payload comes from a renderer, so main checks it: an allowed image type, base64 of at most
// 5 MB (3.75 MiB of image), whole-pixel sizes up to 1568, and a region of whole pixels inside the frame. Only those fields are kept.
import { describe, expect, it } from 'vitest';
import { readCropResult } from '../src/main/crop-payload';

const frame = { width: 3840, height: 2160 };
const image = { mediaType: 'image/png', data: 'iVBORw0KGgoAAAANSUhEUg==', width: 1568, height: 882 };
const rect = { x: 0, y: 0, width: 3840, height: 2160 };

describe('readCropResult', () => {
  it('accepts a chart and a region inside the frame, keeping nothing else', () => {
    for (const mediaType of ['image/png', 'image/jpeg', 'image/webp']) {
      const payload = { image: { ...image, mediaType, label: 'x' }, rect: { ...rect, extra: true }, steal: 'me' };
      expect(readCropResult(payload, frame)).toEqual({ ok: true, value: { image: { ...image, mediaType }, rect } });
    }
  });

  it.each([
    ['no payload', null, /missing/],
    ['no image', { rect }, /chart is missing/],
    ['another type', { image: { ...image, mediaType: 'image/svg+xml' }, rect }, /PNG, JPEG or WebP/],
    ['a data: URL', { image: { ...image, data: 'data:image/png;base64,iVBO' }, rect }, /base64/],
    ['broken base64', { image: { ...image, data: 'iVBORw0KGgo' }, rect }, /base64/],
    ['over 3.75 MiB', { image: { ...image, data: 'A'.repeat(5_242_884) }, rect }, /3\.75 MiB/],
    ['a zero width', { image: { ...image, width: 0 }, rect }, /whole pixels/],
    ['a fractional height', { image: { ...image, height: 10.5 }, rect }, /whole pixels/],
    ['more than the API reads', { image: { ...image, width: 1569 }, rect }, /1568/],
    ['no region', { image }, /region is missing/],
    ['a region left of the frame', { image, rect: { ...rect, x: -1, width: 10 } }, /starts outside/],
    ['a region past the right edge', { image, rect: { x: 3000, y: 0, width: 841, height: 10 } }, /does not fit/],
    ['a region past the bottom', { image, rect: { x: 0, y: 2000, width: 10, height: 161 } }, /does not fit/],
    ['an empty region', { image, rect: { x: 0, y: 0, width: 0, height: 10 } }, /does not fit/],
    ['a string for a number', { image, rect: { ...rect, width: '3840' } }, /does not fit/],
  ])('refuses %s', (_case, payload, message) => {
    const result = readCropResult(payload, frame);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(message);
  });
});
