// A crop selection as the trader adjusts it, in any unit of the shown frame (the overlay uses fractions of it):
// moved whole (kept inside the frame) or resized by one of its eight handles (dragging past the opposite edge
// flips it, never below a minimum size). Pure, so it is tested in Node.

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
