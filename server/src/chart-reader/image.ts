// Screenshot bytes to RGB pixels. A JPEG goes to @napi-rs/image (a Rust decoder): on a 1920x1080 chart it decodes
// in about 6 ms where sharp's libvips pipeline takes 26 ms (server/src/chart-reader/README.md), and its pixels
// stay within 5 levels of libvips's. Everything else (PNG, and any JPEG this decoder declines, such as an
// arithmetic-coded one) goes through sharp. Both run in the reader's worker thread.
import { Transformer } from '@napi-rs/image';
import { imageSize } from 'image-size';
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

const tooLarge = () => new ChartImageError('image_too_large', 'The image has too many pixels.');

const isJpeg = (bytes: Buffer) => bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

/** A JPEG decoded to RGB (CMYK and greyscale ones included), or null when the decoder declines it (sharp then
 * tries). */
function decodeJpeg(bytes: Buffer): RgbImage | null {
  let size: { width?: number; height?: number };
  try {
    size = imageSize(bytes);
  } catch {
    return null;
  }
  const { width, height } = size;
  if (!width || !height) return null;
  // The pixel limit before a single row is decoded: the decoder has none of its own.
  if (width * height > MAX_PIXELS) throw tooLarge();
  try {
    // Synchronous: the reader runs in its own worker thread, and the thread pool's hop costs more than it saves.
    const data = new Transformer(bytes).rawPixelsSync();
    if (data.length !== width * height * 3) return null;
    return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch {
    return null;
  }
}

export async function decodeImage(bytes: Buffer): Promise<RgbImage> {
  if (isJpeg(bytes)) {
    const decoded = decodeJpeg(bytes);
    if (decoded) return decoded;
  }
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_PIXELS, sequentialRead: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(message)) throw tooLarge();
    throw new ChartImageError('unreadable_image', 'The image is not a PNG or JPEG that can be decoded.');
  }
}
