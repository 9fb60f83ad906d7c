// Screenshot bytes to RGB pixels. sharp (libvips) decodes PNG and JPEG: on a 1920x1080 chart it was the
// fastest of the decoders measured (server/src/chart-reader/README.md), and it runs in a worker thread.
import sharp from 'sharp';

/** Three bytes per pixel, rows top to bottom. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The largest screenshot read: 8K by 8K. Bigger images are refused before decoding. */
export const MAX_PIXELS = 7680 * 4320;

export class ChartImageError extends Error {
  constructor(
    readonly code: 'unreadable_image' | 'image_too_large',
    message: string,
  ) {
    super(message);
  }
}

sharp.concurrency(1);
sharp.cache(false);

export async function decodeImage(bytes: Buffer): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_PIXELS, sequentialRead: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(message)) throw new ChartImageError('image_too_large', 'The image has too many pixels.');
    throw new ChartImageError('unreadable_image', 'The image is not a PNG or JPEG that can be decoded.');
  }
}
