// An RGBA raster with the few primitives a chart needs (rectangles, 1px lines, thick polylines), encoded as
// PNG by pngjs. Integer coordinates and no anti-aliasing, so the same chart gives the same bytes every time.
import { PNG } from 'pngjs';

/** Red, green, blue 0..255 and alpha 0..1 (how much of the colour covers what is below). */
export type Rgba = readonly [number, number, number, number];

/** `#rrggbb` with an optional opacity. */
export function rgb(hex: string, alpha = 1): Rgba {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`not a #rrggbb colour: ${hex}`);
  const channel = (part: string | undefined) => Number.parseInt(part ?? '0', 16);
  return [channel(match[1]), channel(match[2]), channel(match[3]), alpha];
}

export class Canvas {
  /** RGBA, row-major, fully opaque: every paint blends onto the background. */
  readonly data: Buffer;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgba,
  ) {
    this.data = Buffer.alloc(width * height * 4);
    this.fillRect(0, 0, width, height, [background[0], background[1], background[2], 1]);
  }

  private paint(x: number, y: number, color: Rgba): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const at = (y * this.width + x) * 4;
    const [r, g, b, alpha] = color;
    const keep = 1 - alpha;
    this.data[at] = Math.round(r * alpha + (this.data[at] ?? 0) * keep);
    this.data[at + 1] = Math.round(g * alpha + (this.data[at + 1] ?? 0) * keep);
    this.data[at + 2] = Math.round(b * alpha + (this.data[at + 2] ?? 0) * keep);
    this.data[at + 3] = 255;
  }

  /** The rectangle from (x, y), `width` × `height` pixels, clipped to the canvas. */
  fillRect(x: number, y: number, width: number, height: number, color: Rgba): void {
    const left = Math.max(0, Math.round(x));
    const top = Math.max(0, Math.round(y));
    const right = Math.min(this.width, Math.round(x + width));
    const bottom = Math.min(this.height, Math.round(y + height));
    for (let row = top; row < bottom; row += 1) for (let col = left; col < right; col += 1) this.paint(col, row, color);
  }

  /** A horizontal 1px line from x0 to x1 inclusive. */
  hline(x0: number, x1: number, y: number, color: Rgba): void {
    this.fillRect(Math.min(x0, x1), y, Math.abs(x1 - x0) + 1, 1, color);
  }

  /** A vertical line from y0 to y1 inclusive, `thickness` pixels wide starting at x. */
  vline(x: number, y0: number, y1: number, color: Rgba, thickness = 1): void {
    this.fillRect(x, Math.min(y0, y1), thickness, Math.abs(y1 - y0) + 1, color);
  }

  /** A horizontal dashed line, as platforms draw the last-price line. */
  dashedHline(x0: number, x1: number, y: number, color: Rgba, dash = 4, gap = 3): void {
    for (let x = x0; x <= x1; x += dash + gap) this.hline(x, Math.min(x1, x + dash - 1), y, color);
  }

  /** A straight segment `thickness` pixels thick (Bresenham, square pen). */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgba, thickness = 1): void {
    const pen = new Set<number>();
    let x = Math.round(x0);
    let y = Math.round(y0);
    const endX = Math.round(x1);
    const endY = Math.round(y1);
    const dx = Math.abs(endX - x);
    const dy = -Math.abs(endY - y);
    const stepX = x < endX ? 1 : -1;
    const stepY = y < endY ? 1 : -1;
    let error = dx + dy;
    const offset = Math.floor((thickness - 1) / 2);
    for (;;) {
      // A set, so translucent pens do not darken where the square pen overlaps itself.
      for (let oy = 0; oy < thickness; oy += 1) {
        for (let ox = 0; ox < thickness; ox += 1) {
          const px = x - offset + ox;
          const py = y - offset + oy;
          if (px >= 0 && py >= 0 && px < this.width && py < this.height) pen.add(py * this.width + px);
        }
      }
      if (x === endX && y === endY) break;
      const doubled = 2 * error;
      if (doubled >= dy) {
        error += dy;
        x += stepX;
      }
      if (doubled <= dx) {
        error += dx;
        y += stepY;
      }
    }
    for (const index of pen) this.paint(index % this.width, Math.floor(index / this.width), color);
  }

  /** The PNG file of the canvas (RGBA, 8 bits per channel). */
  toPng(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    this.data.copy(png.data);
    return PNG.sync.write(png);
  }
}
