// Turns a region of an image (a frozen screen frame, a pasted or dropped file) into the chart we send:
// scaled so the long edge is at most 1568 px, PNG for sharp lines and text, JPEG only when the PNG would
// pass the server's limit (3.75 MiB: the model's 5 MB counts the base64).
import type { ChartImage, Rect } from '../shared';
import { chooseEncoding, fitLongEdge, MAX_IMAGE_BYTES } from '../shared';

/** JPEG qualities tried in order until the image fits (a noisy full-size frame may need the lower ones). */
const JPEG_QUALITIES = [0.92, 0.85, 0.75, 0.6];

const toBlob = (canvas: HTMLCanvasElement, type: string, quality?: number): Promise<Blob> =>
  new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error(`${type} encoding failed`))), type, quality),
  );

async function toBase64(blob: Blob): Promise<string> {
  const dataUrl = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(reader.error ?? new Error('the image could not be read'));
    reader.readAsDataURL(blob);
  });
  return dataUrl.slice(dataUrl.indexOf(',') + 1);
}

export async function encodeChart(source: CanvasImageSource, region: Rect): Promise<ChartImage> {
  const size = fitLongEdge({ width: region.width, height: region.height });
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas');
  // JPEG has no alpha: a transparent pixel would turn black, so paint the page white first.
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, size.width, size.height);
  context.imageSmoothingQuality = 'high';
  context.drawImage(source, region.x, region.y, region.width, region.height, 0, 0, size.width, size.height);

  const png = await toBlob(canvas, 'image/png');
  const mediaType = chooseEncoding(png.size);
  let encoded = png;
  if (mediaType === 'image/jpeg') {
    for (const quality of JPEG_QUALITIES) {
      encoded = await toBlob(canvas, 'image/jpeg', quality);
      if (encoded.size <= MAX_IMAGE_BYTES) break;
    }
  }
  return { mediaType, data: await toBase64(encoded), width: size.width, height: size.height };
}

/** The whole of an image, as a region. (Named fields: an ImageBitmap's size is a getter, not spreadable.) */
export const wholeImage = ({ width, height }: { width: number; height: number }): Rect => ({
  x: 0,
  y: 0,
  width,
  height,
});

/** A data: URL (a captured frame) as something a canvas can draw. */
export async function loadImage(url: string): Promise<HTMLImageElement> {
  const image = new Image();
  image.src = url;
  await image.decode();
  return image;
}

export const chartUrl = (chart: ChartImage): string => `data:${chart.mediaType};base64,${chart.data}`;
