// Benchmark of the chart reader on the held-out split (seeds never tuned on): bar-type agreement per style on
// candles whose high and low each differ from the previous candle's by more than 1.5 px, and ms per
// 1920x1080 image (decode included) after a warm-up, read by the compiled reader (server/dist, built first) in a
// worker thread, as the server reads: each chart three times, p50, p90 and p99 over every read and each chart's
// fastest read, with the machine's steadiness timed on the same thread before and after (machine-speed.ts). `npm run bench:reader`; renders the
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
import type { ReadJob, SpeedAnswer } from './reader-charts/read-worker.js';
import { countFromEnv, describeSpeed } from './machine-speed.js';
import type { Split } from './reader-charts/specs.js';
import { scoreChart, type ChartScore } from './reader-charts/score.js';

const SPLIT: Split = process.argv[2] === 'tune' ? 'tune' : 'heldout';
const PER_STYLE = Number(process.env.BENCH_READER_PER_STYLE ?? (SPLIT === 'tune' ? 160 : 40));
/** Reads of each chart (BENCH_READER_PASSES): 3 by default, 1 for the tune split, whose accuracy is what counts. */
const PASSES = countFromEnv('BENCH_READER_PASSES', SPLIT === 'tune' ? 1 : 3);
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
/** One job in the worker; fails, naming it, when the reader threw or the worker stopped. */
const ask = <Answer extends object>(job: ReadJob, what: string) =>
  new Promise<Answer>((resolve, reject) => {
    const stopped = (code: number) => reject(new Error(`the reader's worker stopped (exit ${code}) on ${what}`));
    reader.once('exit', stopped);
    reader.once('message', (answer: Answer | { error: string }) => {
      reader.off('exit', stopped);
      if ('error' in answer) reject(new Error(`${what}: ${answer.error}`));
      else resolve(answer);
    });
    reader.postMessage(job);
  });
const timedRead = (file: string) => ask<{ reading: ChartReading; ms: number }>(join(DATA_DIR, SPLIT, file), file);
/** The machine's steadiness on the worker's thread (machine-speed.ts): 100 rounds, about 1.5 s. */
const speedNow = async () => (await ask<SpeedAnswer>({ machineSpeedRounds: 100 }, 'the machine speed rounds')).speed;
// An error in the worker ends it: its 'exit' then fails the read in progress.
reader.on('error', (error) => console.error("the reader's worker failed:", error));
// Warm-up, not timed in the table: the first read in a fresh thread loads the decoders and runs the reader's code
// unoptimised (100-300 ms); V8 optimises it over the next few. The server reads in one long-lived worker, so the
// table is the steady state; the first read is reported on its own. One chart of each style and format.
const firstReadMs = (await timedRead(split[0]!.file)).ms;
const warmUp = [...new Map(split.map((chart) => [`${chart.spec.style}-${chart.spec.format}`, chart])).values()];
for (const chart of warmUp) await timedRead(chart.file);
const speedBefore = await speedNow();
// Every chart is read PASSES times, a pass over the whole split at a time. The readings are the same each time
// (checked); the times are not, on a shared machine: the table gives percentiles over every read, and over each
// chart's fastest read (its cost with the core to itself).
const scores: ChartScore[] = [];
const readsMs: number[][] = split.map(() => []);
/** Each chart's first reading, whole (candles, pane, sequence, combo), to check the later passes against. */
const firstReadings: string[] = [];
for (let pass = 0; pass < PASSES; pass += 1) {
  for (const [index, chart] of split.entries()) {
    const { reading, ms } = await timedRead(chart.file);
    readsMs[index]!.push(ms);
    if (pass === 0) {
      scores.push(scoreChart(chart, reading, ms));
      firstReadings.push(JSON.stringify(reading));
    } else if (JSON.stringify(reading) !== firstReadings[index])
      throw new Error(`${chart.id}: read differently in pass ${pass + 1}`);
  }
}
const speedAfter = await speedNow();
await reader.terminate();
const fixed = (ms: number) => Number(ms.toFixed(1));
const summarise = (indexes: number[]) => {
  const rows = indexes.map((index) => scores[index]!);
  const sum = (key: 'clear' | 'agreed' | 'missed' | 'wrong' | 'closeCalls' | 'closeCallsNull') =>
    rows.reduce((total, row) => total + row[key], 0);
  const all = indexes.flatMap((index) => readsMs[index]!).sort((a, b) => a - b);
  const best = indexes.map((index) => Math.min(...readsMs[index]!)).sort((a, b) => a - b);
  return {
    charts: rows.length,
    clearCandles: sum('clear'),
    agreementPct: Number(((100 * sum('agreed')) / Math.max(1, sum('clear'))).toFixed(1)),
    missed: sum('missed'),
    wrong: sum('wrong'),
    closeCallsLeftNullPct: Number(((100 * sum('closeCallsNull')) / Math.max(1, sum('closeCalls'))).toFixed(1)),
    p50Ms: fixed(percentile(all, 50)),
    p90Ms: fixed(percentile(all, 90)),
    p99Ms: fixed(percentile(all, 99)),
    bestP50Ms: fixed(percentile(best, 50)),
    bestMaxMs: fixed(best.at(-1) ?? Number.NaN),
  };
};
const styles = [...new Set(scores.map((score) => score.style))];
const indexesOf = (style?: string) =>
  scores.flatMap((score, index) => (style === undefined || score.style === style ? [index] : []));
const table: Record<string, ReturnType<typeof summarise>> = Object.fromEntries([
  ...styles.map((style) => [style, summarise(indexesOf(style))] as const),
  ['all', summarise(indexesOf())] as const,
]);
console.table(table);
const over50 = readsMs.flat().filter((ms) => ms >= 50).length;
const result = {
  node: process.version,
  cpus: cpus().length,
  loadAverageAtStart: Number(load.toFixed(2)),
  loadAverageAtEnd: Number((loadavg()[0] ?? 0).toFixed(2)),
  split: SPLIT,
  perStyle: PER_STYLE,
  passes: PASSES,
  firstReadMs: Number(firstReadMs.toFixed(1)),
  warmUpReads: warmUp.length + 1,
  machineSpeed: { before: speedBefore, after: speedAfter },
  readsOver50Ms: over50,
  styles: table,
  charts: scores.map((score, index) => ({ ...score, ms: undefined, readsMs: readsMs[index]!.map(fixed) })),
};
const resultsFile = join(
  dirname(fileURLToPath(import.meta.url)),
  'results',
  SPLIT === 'tune' ? 'reader-tune.json' : 'reader.json',
);
await mkdir(dirname(resultsFile), { recursive: true });
await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `${PASSES} reads of each chart (p50/p90/p99 over all ${readsMs.flat().length}; best: each chart's fastest read); ` +
    `${over50} reads took 50 ms or more. First read in a fresh thread ${result.firstReadMs} ms, then ` +
    `${warmUp.length} warm-up reads (not in the table); load average ${result.loadAverageAtStart} -> ` +
    `${result.loadAverageAtEnd} on ${result.cpus} cores.\n` +
    `The machine on the reader's thread, before: ${describeSpeed(speedBefore)}; after: ${describeSpeed(speedAfter)}.\n` +
    `Written to ${resultsFile}`,
);
