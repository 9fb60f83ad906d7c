// A reading in a few lines of plain text for the model: the bar list it should number from, in the coaching
// prompt's words (bar -1 is the last closed bar, the live bar is provisional), with what the reader is unsure of.
import type { ChartReading } from './index.js';

const barName = (index: number, last: number) => (index === last ? 'live' : `-${last - index}`);

export function pixelReading(reading: ChartReading, count = 6): string {
  const { candles, combo } = reading;
  if (candles.length < 2)
    return 'Pixel reading: no candlesticks found in this image; number the bars from the picture.';
  const last = candles.length - 1;
  const from = Math.max(1, candles.length - count);
  const bars = candles
    .slice(from)
    .map((candle, k) => {
      const index = from + k;
      const colour = candle.direction ? ` ${candle.direction === 'up' ? 'green' : 'red'}` : '';
      const shape = candle.shape ? ` ${candle.shape}` : '';
      return `${barName(index, last)} ${candle.type ?? '?'}${colour}${shape}`;
    })
    .join(', ');
  const lines = [
    `Pixel reading (measured from the image's pixels, not prices): ${candles.length} candles.`,
    `Bars, oldest first: ${bars} (live = the right-most, provisional; ? = within a pixel or a wick end hidden).`,
    `Sequence: ${reading.sequence}.`,
  ];
  if (combo) {
    const side = combo.side === 'both' ? 'either side' : combo.side;
    const target = combo.targetCandle === null ? '' : `; target bar ${barName(combo.targetCandle, last)}`;
    lines.push(
      `Combo: ${combo.name} (${combo.bars}), ${side}, ${combo.status}; trigger bar ${barName(combo.triggerCandle, last)}${target}.`,
    );
  } else lines.push('Combo: none in the last bars.');
  return lines.join('\n');
}
