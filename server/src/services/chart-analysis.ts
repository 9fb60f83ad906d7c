// Reads the trader's charts with the local chart reader (server/src/chart-reader) within a time budget: small
// screenshots on the event loop, larger ones in one reused worker thread, so that reading never holds up other
// traders' streams. A chart not read within its budget is answered `skipped: 'timeout'` and the turn goes on.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { imageHeader, MAX_PIXELS, pixelReading, readChart, type ChartReading } from '../chart-reader/index.js';
import type { ChartAnalysisImage, ChartAnalysisSkip } from '../contract/chat.js';
import type { ChartAnalysis } from '../contract/charts.js';
import type { ReadJob, ReadResult } from './chart-analysis-worker.js';

/** How long one chart may take to be read, waiting for the worker included. */
export const READ_BUDGET_MS = 1_500;
/**
 * Charts over this many pixels are read in the worker. The reader takes a few hundred ms on a 1920 × 1080 on a
 * busy core today: on the event loop that would stall every other stream, so only small images stay inline.
 */
export const WORKER_MIN_PIXELS = 500_000;
/** Candles a reading keeps (the right-most, the live bar, last). */
export const ANALYSIS_CANDLES = 12;
/** The most characters a chart's pixel reading gives the model (pixelReading's few lines stay well under it). */
export const MAX_READING_CHARS = 600;
/**
 * A bound of the tokens a chart's reading adds to the model's input, its title line included: plain ASCII at
 * one token a byte, which no tokenizer exceeds. The quota reservation counts it before the chart is read.
 */
export const READING_TOKENS = MAX_READING_CHARS + 60;

/** A chart read: what the trader sees (analysis), and what the model is given and the read-out names. */
export interface ChartRead {
  analysis: ChartAnalysis;
  /** The pixel reading for the model; null when nothing was read (the model numbers from the image). */
  text: string | null;
  /** The combo's first target, as an index into analysis.candles; null when none (or outside them). */
  target: number | null;
}

export interface ChartAnalyzer {
  /** Never throws: an unreadable, huge or slow chart is a reading with `skipped`. */
  read(bytes: Buffer): Promise<ChartRead>;
  close(): Promise<void>;
}

export interface ChartAnalyzerOptions {
  budgetMs?: number;
  workerMinPixels?: number;
}

const skipped = (width: number, height: number, reason: ChartAnalysisSkip): ChartRead => ({
  analysis: { width, height, candles: [], sequence: '', combo: null, trigger: null, skipped: reason },
  text: null,
  target: null,
});

/** The reading as the trader's window gets it: the last ANALYSIS_CANDLES candles, trigger re-indexed into them. */
export function chartRead(reading: ChartReading): ChartRead {
  if (reading.candles.length < 2) return skipped(reading.width, reading.height, 'no_candles');
  const from = Math.max(0, reading.candles.length - ANALYSIS_CANDLES);
  const candles = reading.candles.slice(from).map(({ x, highPx, lowPx, openPx, closePx, type, confidence }) => ({
    x,
    highPx,
    lowPx,
    openPx,
    closePx,
    type,
    confidence,
  }));
  const inside = (index: number | null | undefined): number | null =>
    index === null || index === undefined || index < from ? null : index - from;
  const combo = reading.combo;
  const trigger = inside(combo?.triggerCandle);
  return {
    analysis: {
      width: reading.width,
      height: reading.height,
      candles,
      sequence: reading.sequence,
      combo: combo ? { name: combo.name, bars: combo.bars, side: combo.side, status: combo.status } : null,
      trigger: combo && trigger !== null ? { candle: trigger, side: combo.side } : null,
    },
    text: pixelReading(reading).slice(0, MAX_READING_CHARS),
    target: inside(combo?.targetCandle),
  };
}

export const withIndex = (analysis: ChartAnalysis, index: number): ChartAnalysisImage => ({ index, ...analysis });

/**
 * A new worker over the worker module: the built .js as it is; its .ts source (tsx, vitest) through tsx's
 * require hook, as Node 20 does not apply an --import loader to a worker's entry module.
 */
function spawnWorker(): Worker {
  const source = import.meta.url.endsWith('.ts');
  const url = new URL(`./chart-analysis-worker${source ? '.ts' : '.js'}`, import.meta.url);
  if (!source) return new Worker(url);
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const path = fileURLToPath(url);
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(path)});`, {
    eval: true,
    execArgv: [],
  });
}

interface Job {
  id: number;
  bytes: Buffer;
  deadline: number;
  done: (result: ReadResult | 'timeout') => void;
}

/** One worker, reused, reading one chart at a time; jobs whose budget ran out while queued are never run. */
function workerQueue() {
  let worker: Worker | null = null;
  let running: Job | null = null;
  const queue: Job[] = [];
  let nextId = 0;

  const start = (): Worker => {
    const created = spawnWorker();
    created.unref();
    created.on('message', (result: ReadResult) => {
      if (running?.id === result.id) running.done(result);
      running = null;
      pump();
    });
    created.on('error', () => {
      // A crashed reader answers its job as unreadable; the next job starts a new worker.
      running?.done({ id: running.id, error: 'unreadable_image' });
      running = null;
      worker = null;
      pump();
    });
    return created;
  };

  const pump = (): void => {
    if (running) return;
    let job = queue.shift();
    while (job && job.deadline <= performance.now()) {
      job.done('timeout');
      job = queue.shift();
    }
    if (!job) return;
    running = job;
    worker ??= start();
    // A copy the worker owns: the request's bytes share one allocation with its other charts.
    const copy = new Uint8Array(job.bytes);
    worker.postMessage({ id: job.id, bytes: copy.buffer } satisfies ReadJob, [copy.buffer]);
  };

  return {
    read(bytes: Buffer, budgetMs: number): Promise<ReadResult | 'timeout'> {
      return new Promise((resolve) => {
        const job: Job = { id: (nextId += 1), bytes, deadline: performance.now() + budgetMs, done: resolve };
        queue.push(job);
        pump();
      });
    },
    async close(): Promise<void> {
      for (const job of queue.splice(0)) job.done('timeout');
      const closing = worker;
      worker = null;
      if (closing) await closing.terminate();
    },
  };
}

export function createChartAnalyzer(options: ChartAnalyzerOptions = {}): ChartAnalyzer {
  const budgetMs = options.budgetMs ?? READ_BUDGET_MS;
  const workerMinPixels = options.workerMinPixels ?? WORKER_MIN_PIXELS;
  const worker = workerQueue();

  const withinBudget = async (reading: Promise<ReadResult | 'timeout'>): Promise<ReadResult | 'timeout'> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), budgetMs);
    });
    try {
      return await Promise.race([reading, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async read(bytes) {
      // The size the decoders will see (libvips's header parse), which decides where the chart is read.
      const size = await imageHeader(bytes);
      if (!size) return skipped(0, 0, 'unreadable_image');
      // Declined from its header, before any decoding: the reader's own limit.
      if (size.width * size.height > MAX_PIXELS) return skipped(size.width, size.height, 'image_too_large');
      const inline = size.width * size.height <= workerMinPixels;
      const result = await withinBudget(
        inline
          ? readChart(bytes).then(
              (reading): ReadResult => ({ id: 0, reading }),
              (error: { code?: unknown }): ReadResult => ({
                id: 0,
                error: error.code === 'image_too_large' ? 'image_too_large' : 'unreadable_image',
              }),
            )
          : worker.read(bytes, budgetMs),
      );
      if (result === 'timeout') return skipped(size.width, size.height, 'timeout');
      if ('error' in result) return skipped(size.width, size.height, result.error);
      return chartRead(result.reading);
    },
    close: () => worker.close(),
  };
}
