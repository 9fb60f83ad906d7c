// `npm run -s chart:read -- FILE.png [FILE.png ...]`: one JSON line per file, { file, candles, ms }, where ms is
// the reader's own time for that file, decoding included. An unreadable file prints { file, error }.
import { readFile } from 'node:fs/promises';
import { ChartImageError, readChart } from './index.js';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npm run -s chart:read -- FILE.png [FILE.png ...]');
  process.exitCode = 2;
}
for (const file of files) {
  try {
    const bytes = await readFile(file);
    const started = performance.now();
    const reading = await readChart(bytes);
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const { candles, sequence, combo, pane } = reading;
    console.log(JSON.stringify({ file, candles, sequence, combo, pane, ms }));
  } catch (error) {
    const code = error instanceof ChartImageError ? error.code : 'unreadable_file';
    console.log(JSON.stringify({ file, error: code }));
    process.exitCode = 1;
  }
}
