// Benchmark of the chart reader on the held-out split (seeds never tuned on): bar-type agreement per style on
// candles whose high and low each differ from the previous candle's by more than 1.5 px, and ms per
// 1920x1080 image (decode included), p50, p90 and p99 after a warm-up, read by the compiled reader (server/dist,
// built first) in a worker thread, as the server reads. `npm run bench:reader`; renders the
// split in Chromium the first time (server/bench/reader-data/, git-ignored); writes
// server/bench/results/reader.json.
// `npm run bench:reader -- tune` scores the tune split instead (160 charts a style; reader-tune.json): the one to
// work against while changing the reader, keeping the held-out split for the figures.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildServer } from '../test/support/compiled-server.js';
import { DATA_DIR, generate, type TruthChart } from './reader-charts/generate.js';
import type { ChartReading } from '../src/chart-reader/index.js';
import type { TimedRead } from './reader-charts/read-worker.js';
import type { Split } from './reader-charts/specs.js';
import { scoreChart, type ChartScore } from './reader-charts/score.js';

const SPLIT: Split = process.argv[2] === 'tune' ? 'tune' : 'heldout';
const PER_STYLE = Number(process.env.BENCH_READER_PER_STYLE ?? (SPLIT === 'tune' ? 160 : 40));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;

async function charts(): Promise<TruthChart[]> {
  const truth = join(DATA_DIR, SPLIT, 'truth.json');
  if (existsSync(truth)) {
    const charts = JSON.parse(await readFile(truth, 'utf8')) as TruthChart[];
    // The first PER_STYLE of each style (a larger split rendered earlier holds the same charts first).
    if (charts.length >= PER_STYLE * 6) return charts.filter((chart) => Number(chart.id.split('-').at(-1)) < PER_STYLE);
  }
  return generate(SPLIT, PER_STYLE);
}

const split = await charts();
const load = loadavg()[0] ?? 0;
// The reads run in a worker thread holding only the reader (tsx's require hook loads the worker's TypeScript), as
// the server reads in its own chart worker.
const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
const workerFile = fileURLToPath(new URL('./reader-charts/read-worker.ts', import.meta.url));
// The compiled reader, as production runs it: tsx's output read 10-20 % slower on the same charts.
await buildServer();
const readerIndex = fileURLToPath(new URL('../dist/chart-reader/index.js', import.meta.url));
const reader = new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(workerFile)});`, {
  eval: true,
  workerData: { readerIndex },
});
/** One read in the worker; fails, naming the chart, when the reader threw or the worker stopped. */
const timedRead = (file: string) =>
  new Promise<{ reading: ChartReading; ms: number }>((resolve, reject) => {
    const stopped = (code: number) => reject(new Error(`the reader's worker stopped (exit ${code}) reading ${file}`));
    reader.once('exit', stopped);
    reader.once('message', (read: TimedRead) => {
      reader.off('exit', stopped);
      if ('error' in read) reject(new Error(`${file}: ${read.error}`));
      else resolve(read);
    });
    reader.postMessage(join(DATA_DIR, SPLIT, file));
  });
// An error in the worker ends it: its 'exit' then fails the read in progress.
reader.on('error', (error) => console.error("the reader's worker failed:", error));
// Warm-up, not timed in the table: the first read in a fresh thread loads the decoders and runs the reader's code
// unoptimised (100-300 ms); V8 optimises it over the next few. The server reads in one long-lived worker, so the
// table is the steady state; the first read is reported on its own. One chart of each style and format.
const firstReadMs = (await timedRead(split[0]!.file)).ms;
const warmUp = [...new Map(split.map((chart) => [`${chart.spec.style}-${chart.spec.format}`, chart])).values()];
for (const chart of warmUp) await timedRead(chart.file);
const scores: ChartScore[] = [];
for (const chart of split) {
  const { reading, ms } = await timedRead(chart.file);
  scores.push(scoreChart(chart, reading, ms));
}
await reader.terminate();
const summarise = (rows: ChartScore[]) => {
  const sum = (key: 'clear' | 'agreed' | 'missed' | 'wrong' | 'closeCalls' | 'closeCallsNull') =>
    rows.reduce((total, row) => total + row[key], 0);
  const ms = rows.map((row) => row.ms).sort((a, b) => a - b);
  return {
    charts: rows.length,
    clearCandles: sum('clear'),
    agreementPct: Number(((100 * sum('agreed')) / Math.max(1, sum('clear'))).toFixed(1)),
    missed: sum('missed'),
    wrong: sum('wrong'),
    closeCallsLeftNullPct: Number(((100 * sum('closeCallsNull')) / Math.max(1, sum('closeCalls'))).toFixed(1)),
    p50Ms: Number(percentile(ms, 50).toFixed(1)),
    p90Ms: Number(percentile(ms, 90).toFixed(1)),
    p99Ms: Number(percentile(ms, 99).toFixed(1)),
  };
};
const styles = [...new Set(scores.map((score) => score.style))];
const table: Record<string, ReturnType<typeof summarise>> = Object.fromEntries([
  ...styles.map((style) => [style, summarise(scores.filter((score) => score.style === style))] as const),
  ['all', summarise(scores)] as const,
]);
console.table(table);
const result = {
  node: process.version,
  cpus: cpus().length,
  loadAverageAtStart: Number(load.toFixed(2)),
  loadAverageAtEnd: Number((loadavg()[0] ?? 0).toFixed(2)),
  split: SPLIT,
  perStyle: PER_STYLE,
  firstReadMs: Number(firstReadMs.toFixed(1)),
  warmUpReads: warmUp.length + 1,
  styles: table,
  charts: scores,
};
const resultsFile = join(
  dirname(fileURLToPath(import.meta.url)),
  'results',
  SPLIT === 'tune' ? 'reader-tune.json' : 'reader.json',
);
await mkdir(dirname(resultsFile), { recursive: true });
await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `first read in a fresh thread ${result.firstReadMs} ms, then ${warmUp.length} warm-up reads (not in the table); ` +
    `load average ${result.loadAverageAtStart} -> ${result.loadAverageAtEnd} on ${result.cpus} cores; written to ${resultsFile}`,
);
