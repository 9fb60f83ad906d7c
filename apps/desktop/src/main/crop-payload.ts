// The crop window's answer (`crop:done`), checked in main: a renderer is untrusted, so the chart must be an
// image of an allowed type, base64, within the API's size, and the region inside the frame it was cut from.
import { IMAGE_MEDIA_TYPES, type ImageMediaType } from '@strat-coach/server/contract';
import type { ChartImage } from '../shared/host-api';
import { MAX_IMAGE_BYTES, MAX_LONG_EDGE_PX, type Rect, type Size } from '../shared/capture-geometry';

export interface CropResult {
  image: ChartImage;
  rect: Rect;
}

const isMediaType = (value: unknown): value is ImageMediaType =>
  (IMAGE_MEDIA_TYPES as readonly unknown[]).includes(value);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// Four characters carry three bytes.
const MAX_BASE64_CHARS = Math.ceil(MAX_IMAGE_BYTES / 3) * 4;

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

function readImage(value: unknown): ChartImage | string {
  if (!isObject(value)) return 'The chart is missing.';
  const { mediaType, data, width, height } = value;
  if (!isMediaType(mediaType)) return 'The chart must be PNG, JPEG or WebP.';
  if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data)) return 'The chart is not base64.';
  if (data.length > MAX_BASE64_CHARS) return 'The chart is larger than 3.75 MiB.';
  if (!isCount(width, 1, MAX_LONG_EDGE_PX) || !isCount(height, 1, MAX_LONG_EDGE_PX)) {
    return `The chart's width and height must be whole pixels from 1 to ${MAX_LONG_EDGE_PX}.`;
  }
  return { mediaType, data, width, height };
}

function readRect(value: unknown, frame: Size): Rect | string {
  if (!isObject(value)) return 'The region is missing.';
  const { x, y, width, height } = value;
  if (!isCount(x, 0, frame.width - 1) || !isCount(y, 0, frame.height - 1))
    return 'The region starts outside the frame.';
  if (!isCount(width, 1, frame.width - x) || !isCount(height, 1, frame.height - y)) {
    return 'The region does not fit inside the frame.';
  }
  return { x, y, width, height };
}

/** The result rebuilt from the checked fields only (nothing else the page sent is kept), or why it was refused. */
export function readCropResult(
  payload: unknown,
  frame: Size,
): { ok: true; value: CropResult } | { ok: false; message: string } {
  if (!isObject(payload)) return { ok: false, message: 'The crop result is missing.' };
  const image = readImage(payload.image);
  if (typeof image === 'string') return { ok: false, message: image };
  const rect = readRect(payload.rect, frame);
  if (typeof rect === 'string') return { ok: false, message: rect };
  return { ok: true, value: { image, rect } };
}
