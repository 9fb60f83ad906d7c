// A crop selection as the trader adjusts it, in any unit of the shown frame (the overlay uses fractions of it):
// moved whole (kept inside the frame) or resized by one of its eight handles (dragging past the opposite edge
// flips it, never below a minimum size), and finally the frame's own pixels it covers. Pure, tested in Node.
import { cropToImagePixels, overlayToDevicePixels, type CropFrame, type DisplayInfo, type Rect } from '../shared';

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** A handle: a corner or the middle of an edge, by compass point. */
export type Edge = 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w' | 'nw';

export function moveBox(box: Box, dx: number, dy: number, bounds: { width: number; height: number }): Box {
  const width = box.right - box.left;
  const height = box.bottom - box.top;
  const left = Math.min(Math.max(box.left + dx, 0), Math.max(0, bounds.width - width));
  const top = Math.min(Math.max(box.top + dy, 0), Math.max(0, bounds.height - height));
  return { left, top, right: left + width, bottom: top + height };
}

/** The box with the handle's edges moved to `point` (already clamped to the frame). */
export function resizeBox(box: Box, edge: Edge, point: { x: number; y: number }, minSize: number): Box {
  let { left, top, right, bottom } = box;
  if (edge.includes('w')) left = point.x;
  if (edge.includes('e')) right = point.x;
  if (edge.includes('n')) top = point.y;
  if (edge.includes('s')) bottom = point.y;
  const normal = {
    left: Math.min(left, right),
    right: Math.max(left, right),
    top: Math.min(top, bottom),
    bottom: Math.max(top, bottom),
  };
  // Too thin to be a region: keep the edge the trader is not dragging and give the box its minimum.
  if (normal.right - normal.left < minSize) {
    if (edge.includes('w')) normal.left = normal.right - minSize;
    else normal.right = normal.left + minSize;
  }
  if (normal.bottom - normal.top < minSize) {
    if (edge.includes('n')) normal.top = normal.bottom - minSize;
    else normal.bottom = normal.top + minSize;
  }
  return normal;
}

export const toRect = (box: Box): Rect => ({
  x: box.left,
  y: box.top,
  width: box.right - box.left,
  height: box.bottom - box.top,
});

/**
 * The box (fractions of the shown frame) in the frame's own pixels. Native: the frame is the covered display
 * at its scale factor, so the box is CSS pixels of that display and maps as its device pixels do (rounded
 * outward, the display's origin left out); fitted: the frame is scaled into the window.
 */
export function regionOf(box: Box, frame: CropFrame, fit: 'native' | 'fit'): Rect {
  if (fit === 'fit') return cropToImagePixels(toRect(box), { width: 1, height: 1 }, frame);
  const css = { width: frame.width / frame.scaleFactor, height: frame.height / frame.scaleFactor };
  const display: DisplayInfo = { id: 0, bounds: { x: 0, y: 0, ...css }, scaleFactor: frame.scaleFactor };
  const scaled = {
    left: box.left * css.width,
    top: box.top * css.height,
    right: box.right * css.width,
    bottom: box.bottom * css.height,
  };
  return overlayToDevicePixels(toRect(scaled), display);
}
