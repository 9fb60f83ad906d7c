// A chart-like PNG drawn in the page (candles on a grid), pasted or dropped the way a trader would: the
// app must re-encode it like a capture. Runs inside the browser through page.evaluate.

export interface ChartImageOptions {
  width: number;
  height: number;
  as: 'paste' | 'drop';
}

export async function drawChartPng({ width, height, as }: ChartImageOptions): Promise<void> {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#131722';
  context.fillRect(0, 0, width, height);
  context.strokeStyle = '#2a2e39';
  for (let x = 0; x < width; x += width / 12) context.strokeRect(x, 0, 0.5, height);
  for (let y = 0; y < height; y += height / 8) context.strokeRect(0, y, width, 0.5);
  // A fixed walk, so every run draws the same chart: swings big enough to read in a thumbnail.
  let price = height * 0.55;
  const step = width / 40;
  for (let index = 0; index < 38; index += 1) {
    const open = price;
    const swing = Math.sin(index * 0.45) * height * 0.09 + Math.cos(index * 1.3) * height * 0.05;
    const close = Math.min(height * 0.85, Math.max(height * 0.15, open - swing * 0.6));
    const high = Math.min(open, close) - height * 0.04;
    const low = Math.max(open, close) + height * 0.04;
    const x = step * (index + 1);
    context.fillStyle = close < open ? '#26a69a' : '#ef5350';
    context.fillRect(x + step * 0.45, high, Math.max(1, step * 0.1), low - high);
    context.fillRect(x + step * 0.15, Math.min(open, close), step * 0.7, Math.max(2, Math.abs(close - open)));
    price = close;
  }
  const blob = await new Promise<Blob>((resolve, reject) =>
    canvas.toBlob((png) => (png ? resolve(png) : reject(new Error('toBlob failed'))), 'image/png'),
  );
  const data = new DataTransfer();
  data.items.add(new File([blob], 'chart.png', { type: 'image/png' }));
  if (as === 'paste') {
    (document.activeElement ?? document.body).dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: data, bubbles: true }),
    );
  } else {
    const target = document.querySelector('[data-testid="coach"]')!;
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }
}
