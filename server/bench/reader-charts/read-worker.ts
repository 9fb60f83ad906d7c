// The bench's reader thread (server/bench/reader.ts): reads the files it is sent, one at a time, and answers each
// with the reading and the ms it took, decode included. It holds nothing but the reader, as the server's own
// chart worker does: in the bench's main thread the truth data and Playwright's code were in the same heap, and
// their garbage collection landed in the timings (up to 7 ms a read more).
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { readChart, type ChartReading } from '../../src/chart-reader/index.js';

export type TimedRead = { file: string; reading: ChartReading; ms: number } | { file: string; error: string };

const port = parentPort;
if (!port) throw new Error('read-worker runs as a worker thread');

port.on('message', (file: string) => {
  void (async () => {
    try {
      const bytes = await readFile(file);
      const started = performance.now();
      const reading = await readChart(bytes);
      port.postMessage({ file, reading, ms: performance.now() - started } satisfies TimedRead);
    } catch (error) {
      port.postMessage({ file, error: error instanceof Error ? error.message : String(error) } satisfies TimedRead);
    }
  })();
});
