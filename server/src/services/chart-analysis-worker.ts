// The chart reader's worker thread (chart-analysis.ts): reads one screenshot at a time, decoding included, so a
// large chart never holds the event loop. Answers each job with the reading or the reader's error code.
import { parentPort } from 'node:worker_threads';
import { ChartImageError, readChart, type ChartReading } from '../chart-reader/index.js';

export interface ReadJob {
  id: number;
  /** The image's bytes, transferred (a copy the main thread no longer holds). */
  bytes: ArrayBuffer;
}

export type ReadResult =
  { id: number; reading: ChartReading } | { id: number; error: 'unreadable_image' | 'image_too_large' };

const port = parentPort;
if (!port) throw new Error('chart-analysis-worker runs as a worker thread');

port.on('message', (job: ReadJob) => {
  readChart(Buffer.from(job.bytes)).then(
    (reading) => port.postMessage({ id: job.id, reading } satisfies ReadResult),
    (error: unknown) =>
      port.postMessage({
        id: job.id,
        error: error instanceof ChartImageError ? error.code : 'unreadable_image',
      } satisfies ReadResult),
  );
});
