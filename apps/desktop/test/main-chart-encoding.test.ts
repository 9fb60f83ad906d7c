// Charts encoded in main (pinned regions, the display under the cursor): cropped, scaled to the API's long
// edge (never up), PNG while it fits under 5 MB, else the best JPEG quality that fits.
import { describe, expect, it } from 'vitest';
import { encodeChart } from '../src/main/chart-encoding';
import { MAX_IMAGE_BYTES } from '../src/shared/capture-geometry';
import { fakeImage } from './support/main-capture';

const frame = { width: 3840, height: 2160 };

describe('encodeChart', () => {
  it('keeps a small region as it is, as PNG', () => {
    const log: string[] = [];
    const chart = encodeChart(fakeImage('frame', frame, log), { x: 10, y: 20, width: 800, height: 500 });
    expect(chart).toMatchObject({ ok: true, value: { mediaType: 'image/png', width: 800, height: 500 } });
    expect(log).toEqual(['crop 10,20 800x500', 'png']);
  });

  it('scales a large region down to a 1568 px long edge with the best resampling', () => {
    const log: string[] = [];
    const chart = encodeChart(fakeImage('frame', frame, log), { x: 0, y: 0, width: 3000, height: 1000 });
    expect(chart).toMatchObject({ ok: true, value: { width: 1568, height: 523 } });
    expect(log).toEqual(['crop 0,0 3000x1000', 'resize 1568x523 best', 'png']);
  });

  it('falls back to JPEG, at the best quality that fits, only when the PNG is over 5 MB', () => {
    const log: string[] = [];
    const image = fakeImage('frame', frame, log, {
      pngBytes: () => MAX_IMAGE_BYTES + 1,
      jpegBytes: (_size, quality) => (quality > 75 ? MAX_IMAGE_BYTES + 1 : 1_000),
    });
    const chart = encodeChart(image, { x: 0, y: 0, width: 1500, height: 900 });
    expect(chart).toMatchObject({ ok: true, value: { mediaType: 'image/jpeg', width: 1500, height: 900 } });
    expect(chart.ok && Buffer.from(chart.value.data, 'base64')).toHaveLength(1_000);
    expect(log).toEqual(['crop 0,0 1500x900', 'png', 'jpeg 92', 'jpeg 85', 'jpeg 75']);
  });

  it('says so when nothing fits', () => {
    const image = fakeImage('frame', frame, [], {
      pngBytes: () => MAX_IMAGE_BYTES + 1,
      jpegBytes: () => MAX_IMAGE_BYTES + 1,
    });
    expect(encodeChart(image, { x: 0, y: 0, width: 100, height: 100 })).toMatchObject({
      ok: false,
      error: { code: 'capture_too_large' },
    });
  });
});
