// Pure geometry of screen capture: which display and capture source to use, how big a frame must be on
// HiDPI screens, how a crop drawn on a scaled-down preview maps to the frame's device pixels, and how
// big the encoded chart may be. Used by main (capture) and the renderer (crop, encode).

import { MAX_IMAGE_BYTES as CONTRACT_MAX_IMAGE_BYTES } from '@strat-coach/server/contract';

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What Electron's screen module reports of a display (DIP bounds, and device pixels per DIP). */
export interface DisplayInfo {
  id: number;
  bounds: Rect;
  scaleFactor: number;
}

/** What desktopCapturer reports of a screen source. */
export interface CaptureSource {
  id: string;
  /** The display's id as a string; empty for windows or on platforms that do not know it. */
  display_id: string;
}

/** The API downscales images whose long edge passes 1568 px, so there is no point sending more. */
export const MAX_LONG_EDGE_PX = 1568;
/** What the server takes (the Messages API's 5 MB counts the base64 text: 3.75 MiB of image). */
export const MAX_IMAGE_BYTES: number = CONTRACT_MAX_IMAGE_BYTES;

/** The display that contains the point (DIP), or the nearest one when the point is between displays. */
export function displayAt(displays: readonly DisplayInfo[], point: { x: number; y: number }): DisplayInfo | undefined {
  const distance = (display: DisplayInfo) => {
    const { x, y, width, height } = display.bounds;
    const dx = Math.max(x - point.x, 0, point.x - (x + width - 1));
    const dy = Math.max(y - point.y, 0, point.y - (y + height - 1));
    return dx * dx + dy * dy;
  };
  return [...displays].sort((a, b) => distance(a) - distance(b))[0];
}

/** A full-resolution frame of the display: its DIP size times its scale factor, in device pixels. */
export function captureSizeFor(display: DisplayInfo): Size {
  return {
    width: Math.round(display.bounds.width * display.scaleFactor),
    height: Math.round(display.bounds.height * display.scaleFactor),
  };
}

/**
 * The capture source of a display, matched by id. With several screens the order of sources is not the
 * order of displays, so the id is the only safe key; a single screen without ids is unambiguous.
 */
export function sourceForDisplay<Source extends CaptureSource>(
  sources: readonly Source[],
  display: DisplayInfo,
): Source | undefined {
  const byId = sources.find((source) => source.display_id === String(display.id));
  if (byId) return byId;
  return sources.length === 1 ? sources[0] : undefined;
}

/** A point in virtual-screen DIP coordinates, relative to a display's top-left corner, in device pixels. */
export function toDisplayPixels(point: { x: number; y: number }, display: DisplayInfo): { x: number; y: number } {
  return {
    x: Math.round((point.x - display.bounds.x) * display.scaleFactor),
    y: Math.round((point.y - display.bounds.y) * display.scaleFactor),
  };
}

const clamp = (value: number, min: number, max: number) => Math.min(Math.max(value, min), max);

/**
 * A crop drawn on a preview of the frame (in CSS pixels of the preview, which may be shown scaled down,
 * and dragged in any direction) as a rectangle of the frame's own pixels, clamped to the frame and at
 * least one pixel wide and high.
 */
export function cropToImagePixels(selection: Rect, preview: Size, image: Size): Rect {
  const sx = image.width / preview.width;
  const sy = image.height / preview.height;
  const left = Math.min(selection.x, selection.x + selection.width);
  const top = Math.min(selection.y, selection.y + selection.height);
  const right = Math.max(selection.x, selection.x + selection.width);
  const bottom = Math.max(selection.y, selection.y + selection.height);
  const x0 = clamp(Math.floor(left * sx), 0, image.width - 1);
  const y0 = clamp(Math.floor(top * sy), 0, image.height - 1);
  const x1 = clamp(Math.ceil(right * sx), x0 + 1, image.width);
  const y1 = clamp(Math.ceil(bottom * sy), y0 + 1, image.height);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The size to encode at: the long edge at most `maxLongEdge`, the aspect ratio kept, never upscaled. */
export function fitLongEdge(size: Size, maxLongEdge: number = MAX_LONG_EDGE_PX): Size {
  const scale = Math.min(1, maxLongEdge / Math.max(size.width, size.height));
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  };
}

/** PNG keeps chart lines and text sharp; JPEG only when the PNG would not fit under the size limit. */
export function chooseEncoding(pngBytes: number, limit: number = MAX_IMAGE_BYTES): 'image/png' | 'image/jpeg' {
  return pngBytes <= limit ? 'image/png' : 'image/jpeg';
}
