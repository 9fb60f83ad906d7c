// The bench's reader thread (server/bench/reader.ts): reads the files it is sent, one at a time, with the compiled
// reader, and answers each with the reading and the ms it took, decode included. It holds nothing but the reader,
// as the server's own chart worker does: in the bench's main thread the truth data and Playwright's code were in
// the same heap, and their garbage collection landed in the timings (up to 7 ms a read more).
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { ChartReading, readChart as ReadChart } from '../../src/chart-reader/index.js';
import { machineSpeed, type MachineSpeed } from '../machine-speed.js';

/** The compiled reader (server/dist), as the server runs it: the bench builds it first and names its index. */
const reader = import(pathToFileURL((workerData as { readerIndex: string }).readerIndex).href) as Promise<{
  readChart: typeof ReadChart;
}>;

export type TimedRead = { file: string; reading: ChartReading; ms: number } | { file: string; error: string };
/** What the worker is sent: a file to read, or how many rounds of the machine's speed to time on its thread. */
export type ReadJob = string | { machineSpeedRounds: number };
export type SpeedAnswer = { speed: MachineSpeed };

const port = parentPort;
if (!port) throw new Error('read-worker runs as a worker thread');

port.on('message', (job: ReadJob) => {
  if (typeof job !== 'string') {
    port.postMessage({ speed: machineSpeed(job.machineSpeedRounds) } satisfies SpeedAnswer);
    return;
  }
  const file = job;
  void (async () => {
    try {
      const { readChart } = await reader;
      const bytes = await readFile(file);
      const started = performance.now();
      const reading = await readChart(bytes);
      port.postMessage({ file, reading, ms: performance.now() - started } satisfies TimedRead);
    } catch (error) {
      port.postMessage({ file, error: error instanceof Error ? error.message : String(error) } satisfies TimedRead);
    }
  })();
});
