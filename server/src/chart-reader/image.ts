// Screenshot bytes to RGB pixels. An ordinary colour JPEG goes to @napi-rs/image (a Rust decoder): on a 1920x1080
// chart it decodes in about 4 ms where sharp's libvips pipeline takes about 30 (server/src/chart-reader/README.md),
// its pixels within 5 levels of libvips's. Everything else goes through sharp: PNG, greyscale and CMYK JPEGs
// (sharp converts CMYK with colour management), a JPEG without its end marker (sharp refuses a truncated file,
// where the Rust decoder fills the missing rows with grey), and any JPEG the Rust decoder declines. A large chart
// is read in the reader's worker thread, a small one on the caller's (services/chart-analysis.ts).
import { Transformer } from '@napi-rs/image';
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

/**
 * Width, height, channels and format from the image's header as libvips parses it (the markers walked as a JPEG
 * decoder walks them; image-size's walker can be pointed at a frame header inside a comment segment). Null when
 * the header cannot be read.
 */
export async function imageHeader(
  bytes: Buffer,
): Promise<{ width: number; height: number; channels: number; format: string } | null> {
  try {
    const { width, height, channels, format } = await sharp(bytes).metadata();
    return width && height && channels && format ? { width, height, channels, format } : null;
  } catch {
    return null;
  }
}

const EOI = Buffer.from([0xff, 0xd9]);
/** A JPEG's end-of-image marker among its last bytes (after it, some writers leave padding or a trailer). */
const ends = (bytes: Buffer) => bytes.lastIndexOf(EOI) >= bytes.length - 64;

/** An RGB JPEG decoded by @napi-rs/image, or null for one it is not given or declines (sharp then decodes it). */
async function decodeJpeg(bytes: Buffer): Promise<RgbImage | null> {
  const header = await imageHeader(bytes);
  if (!header || header.format !== 'jpeg' || header.channels !== 3 || !ends(bytes)) return null;
  const { width, height } = header;
  // The pixel limit before a single row is decoded (sharp's path has its own).
  if (width * height > MAX_PIXELS) throw tooLarge();
  try {
    // Synchronous: in the worker the thread pool's hop costs more than it saves.
    const data = new Transformer(bytes).rawPixelsSync();
    if (data.length !== width * height * 3) return null;
    return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch {
    return null;
  }
}

export async function decodeImage(bytes: Buffer): Promise<RgbImage> {
  // A JPEG starts FF D8 FF.
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    const decoded = await decodeJpeg(bytes);
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
