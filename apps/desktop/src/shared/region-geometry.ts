// Geometry of a chart region on one display: a selection on the crop overlay (CSS px = the display's DIPs)
// as device pixels of the frozen frame and back, a saved region applied after the resolution changed, and
// finding a pinned region's display or window again without ever silently picking another one.
import { captureSizeFor, type DisplayInfo, type Rect, type Size } from './capture-geometry';

export type PinnedSource =
  { kind: 'display'; displayId: string } | { kind: 'window'; windowName: string; sourceId: string };

/** A window as desktopCapturer lists it. */
export interface WindowSourceInfo {
  id: string;
  name: string;
}

export type ResolvedSource =
  | { ok: true; display?: DisplayInfo; windowId?: string }
  | { ok: false; code: 'display_missing' | 'window_missing'; message: string };

const clamp = (value: number, min: number, max: number) => Math.min(Math.max(value, min), max);

// 1.25 × 0.2 is 0.25000000000000006 in floating point: snap such noise away so that rounding outward
// does not grow a region by a pixel that nobody chose.
const snap = (value: number) => Math.round(value * 1e6) / 1e6;

/**
 * The rectangle of `rect` scaled by (sx, sy) and rounded outward (floor the left/top, ceil the right/bottom)
 * so the chosen bars are never clipped, clamped to `bounds` and at least one pixel wide and high.
 * A negative width or height (a drag up or to the left) counts from the other corner.
 */
function scaleOutward(rect: Rect, sx: number, sy: number, bounds: Size): Rect {
  const left = Math.min(rect.x, rect.x + rect.width);
  const top = Math.min(rect.y, rect.y + rect.height);
  const right = Math.max(rect.x, rect.x + rect.width);
  const bottom = Math.max(rect.y, rect.y + rect.height);
  const x0 = clamp(Math.floor(snap(left * sx)), 0, bounds.width - 1);
  const y0 = clamp(Math.floor(snap(top * sy)), 0, bounds.height - 1);
  const x1 = clamp(Math.ceil(snap(right * sx)), x0 + 1, bounds.width);
  const y1 = clamp(Math.ceil(snap(bottom * sy)), y0 + 1, bounds.height);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * A selection drawn on the overlay (CSS px, the overlay's top-left is the display's) as device pixels
 * relative to the display's top-left. The display's origin on the virtual screen plays no part.
 */
export function overlayToDevicePixels(selection: Rect, display: DisplayInfo): Rect {
  return scaleOutward(selection, display.scaleFactor, display.scaleFactor, captureSizeFor(display));
}

/** A region in the display's device pixels as CSS px of the overlay, to draw a saved region back on it. */
export function devicePixelsToOverlay(rect: Rect, display: DisplayInfo): Rect {
  // Unrounded: CSS places fractional pixels, and mapping back lands on the same device pixels.
  const scale = display.scaleFactor;
  return { x: rect.x / scale, y: rect.y / scale, width: rect.width / scale, height: rect.height / scale };
}

/**
 * A region saved on a frame of `recordedSize` applied to a frame of another size (the display's resolution
 * or scale changed since): the same part of the screen, proportionally, clamped to the new frame.
 */
export function scaleRegionToFrame(rect: Rect, recordedSize: Size, frame: Size): Rect {
  const sx = recordedSize.width > 0 ? frame.width / recordedSize.width : 1;
  const sy = recordedSize.height > 0 ? frame.height / recordedSize.height : 1;
  return scaleOutward(rect, sx, sy, frame);
}

/**
 * The display or window a pinned region was drawn on, as it is now. A window's capture id changes between
 * runs on some systems, so its exact name is the second key; a name that several windows share is refused
 * rather than guessed, as is a missing display: the wrong chart would be worse than no chart.
 */
export function resolvePinnedSource(
  source: PinnedSource,
  displays: readonly DisplayInfo[],
  windows: readonly WindowSourceInfo[],
): ResolvedSource {
  if (source.kind === 'display') {
    const display = displays.find((candidate) => String(candidate.id) === source.displayId);
    if (display) return { ok: true, display };
    return {
      ok: false,
      code: 'display_missing',
      message: `The display this region was pinned on (Display ${source.displayId}) is not connected. Reconnect it or pin the region again.`,
    };
  }

  const byId = windows.find((candidate) => candidate.id === source.sourceId);
  if (byId) return { ok: true, windowId: byId.id };
  // An empty title says nothing about which window it was.
  const byName = source.windowName === '' ? [] : windows.filter((candidate) => candidate.name === source.windowName);
  const [only] = byName;
  if (byName.length === 1 && only) return { ok: true, windowId: only.id };
  const name = source.windowName === '' ? 'an untitled window' : `“${source.windowName}”`;
  return {
    ok: false,
    code: 'window_missing',
    message:
      byName.length > 1
        ? `Several windows are called ${name}, so Strat Coach cannot tell which one this region was pinned on. Close the others or pin the region again.`
        : `The window this region was pinned on (${name}) is not open. Open it or pin the region again.`,
  };
}
