// Checks the trader's chart images: decoded size, real type by magic bytes (never the declared field),
// and dimensions — which also give the image's token cost for the quota estimate.
import { imageSize } from 'image-size';
import { imageHeader } from '../chart-reader/index.js';
import { MAX_IMAGE_BYTES, MAX_IMAGE_SIDE_PX, type ChatImage, type ImageMediaType } from '../contract/chat.js';
import type { ImageMeta } from '../db/repositories/conversations.js';
import { AppError } from '../errors.js';

const DETECTED_TYPES: Record<string, ImageMediaType> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };

/** The API downscales images whose long edge passes 1568 px; tokens ≈ width × height / 750. */
export const MAX_LONG_EDGE_PX = 1568;

export function imageTokens(width: number, height: number): number {
  const scale = Math.min(1, MAX_LONG_EDGE_PX / Math.max(width, height));
  return Math.ceil((Math.round(width * scale) * Math.round(height * scale)) / 750);
}

export interface CheckedImage {
  mediaType: ImageMediaType;
  /** Base64, as the request carried it (and as the model gets it). */
  data: string;
  /** The decoded bytes, as the database keeps them (sent as binary: no second base64 copy in memory). */
  bytes: Buffer;
  label: string | null;
  meta: ImageMeta;
  tokens: number;
}

/** Base64 characters decoded to read an image's header when only checking it (PNG and WebP: the first bytes). */
const HEADER_BASE64_CHARS = 64 * 1024;

/** Checks and decodes the images, all into one allocation (the database gets them as one parameter). */
export async function checkImages(images: readonly ChatImage[]): Promise<CheckedImage[]> {
  const data = images.map((image, index) => checkedBase64(image, index));
  const all = Buffer.allocUnsafe(data.reduce((sum, base64) => sum + decodedLength(base64), 0));
  let offset = 0;
  const decoded = images.map((image, index) => {
    const written = all.write(data[index] as string, offset, 'base64');
    const bytes = all.subarray(offset, offset + written);
    offset += written;
    return bytes;
  });
  return Promise.all(
    images.map(async (image, index) => {
      const bytes = decoded[index] as Buffer;
      return { ...(await inspect(image, index, bytes.length, bytes)), bytes };
    }),
  );
}

/** Bytes that padded base64 decodes to. */
const decodedLength = (data: string): number =>
  (data.length / 4) * 3 - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);

/**
 * The same checks without keeping the decoded images: run before the rate limit counts the request (a refused
 * chart is a validation error), reading only each image's header where that tells its type and size.
 */
export async function validateImages(images: readonly ChatImage[]): Promise<void> {
  for (const [index, image] of images.entries()) {
    const data = checkedBase64(image, index);
    const length = decodedLength(data);
    try {
      await inspect(image, index, length, Buffer.from(data.slice(0, HEADER_BASE64_CHARS), 'base64'));
    } catch (error) {
      // A JPEG may keep its size past the first bytes (after its EXIF block): then the whole image decides.
      if (data.length <= HEADER_BASE64_CHARS || (error as AppError).code === 'payload_too_large') throw error;
      await inspect(image, index, length, Buffer.from(data, 'base64'));
    }
  }
}

/** Unpadded base64 decodes in Node but not in the database that keeps the chart: refused here, as a 400. */
function checkedBase64(image: ChatImage, index: number): string {
  // Checked here rather than by the schema's pattern: a regular expression that counts groups of four overflows
  // the regex engine's stack on a 7 MB string.
  if (image.data.length % 4 !== 0) {
    throw new AppError(
      'invalid_request',
      `images[${index}].data is not padded base64 (its length is no multiple of 4)`,
      {
        field: `images[${index}].data`,
      },
    );
  }
  return image.data;
}

/** Size, real type (by magic bytes, never the declared field) and dimensions, from `bytes` (whole, or a header). */
async function inspect(
  image: ChatImage,
  index: number,
  length: number,
  bytes: Buffer,
): Promise<Omit<CheckedImage, 'bytes'>> {
  const field = `images[${index}]`;
  if (length > MAX_IMAGE_BYTES) {
    throw new AppError('payload_too_large', `${field} is ${length} bytes; the limit is ${MAX_IMAGE_BYTES}`, {
      field,
    });
  }
  let detected: ReturnType<typeof imageSize> | undefined;
  try {
    detected = imageSize(bytes);
  } catch {
    detected = undefined;
  }
  const actualType = detected?.type ? DETECTED_TYPES[detected.type] : undefined;
  const notAnImage = () => new AppError('invalid_request', `${field} is not a PNG, JPEG or WebP image`, { field });
  if (!detected || !actualType || !detected.width || !detected.height) throw notAnImage();
  const declared: string = image.mediaType;
  if (actualType !== declared) {
    throw new AppError('invalid_request', `${field} is declared ${declared} but its bytes are ${actualType}`, {
      field,
    });
  }
  let { width, height } = detected;
  if (actualType === 'image/jpeg') {
    // image-size's JPEG walker, missing a marker after a segment, shifts a byte and reads on: a frame header hidden
    // in a comment then gives a small size to a large image (and a small token estimate). The size is libvips's,
    // read as a decoder walks the markers.
    const header = await imageHeader(bytes);
    if (header?.format !== 'jpeg') throw notAnImage();
    ({ width, height } = header);
  }
  if (width > MAX_IMAGE_SIDE_PX || height > MAX_IMAGE_SIDE_PX) {
    // The model would refuse it, and every later question of the conversation with it.
    throw new AppError(
      'invalid_request',
      `${field} is ${width}×${height} px; the limit is ${MAX_IMAGE_SIDE_PX} px on each side`,
      { field },
    );
  }
  return {
    mediaType: actualType,
    data: image.data,
    label: image.label?.trim() || null,
    meta: {
      mediaType: actualType,
      bytes: length,
      width,
      height,
      ...(image.label ? { label: image.label.trim() } : {}),
    },
    tokens: imageTokens(width, height),
  };
}
