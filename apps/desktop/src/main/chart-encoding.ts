// A region of a frozen frame encoded in main as the chart to send (pinned regions, the display under the
// cursor): cropped, scaled to the API's long edge, PNG for sharp lines and text, JPEG only when PNG is too big.
import type { ChartImage, HostResult } from '../shared/host-api';
import { chooseEncoding, fitLongEdge, MAX_IMAGE_BYTES, type Rect } from '../shared/capture-geometry';
import { captureFailure, type ImageLike } from './capture';

/** Tried in order until one fits: charts stay readable down to 60. */
export const JPEG_QUALITIES = [92, 85, 75, 60] as const;

export function encodeChart(frame: ImageLike, rect: Rect): HostResult<ChartImage> {
  const cropped = frame.crop(rect);
  const size = fitLongEdge({ width: rect.width, height: rect.height });
  // Resampling at the same size would only soften the chart.
  const image =
    size.width === rect.width && size.height === rect.height ? cropped : cropped.resize({ ...size, quality: 'best' });

  const png = image.toPNG();
  if (chooseEncoding(png.length) === 'image/png') {
    return { ok: true, value: { mediaType: 'image/png', data: png.toString('base64'), ...size } };
  }
  for (const quality of JPEG_QUALITIES) {
    const jpeg = image.toJPEG(quality);
    if (jpeg.length <= MAX_IMAGE_BYTES) {
      return { ok: true, value: { mediaType: 'image/jpeg', data: jpeg.toString('base64'), ...size } };
    }
  }
  return captureFailure(
    'capture_too_large',
    'The chart is too large to send, even compressed. Capture a smaller region.',
  );
}
