// Benchmark of one rate limit decision on Redis (the Lua sliding log) beside a bare PING from the same
// process, at 1, 10 and 100 concurrent callers. `npx tsx server/bench/limiter.ts`; writes
// server/bench/results/limiter.json. Needs Redis at BENCH_REDIS_URL (default redis://127.0.0.1:6379).
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../src/plugins/redis.js';
import { createRedisRateLimiter } from '../src/services/rate-limiter-redis.js';
import { windowRules } from '../src/services/rate-limiter.js';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONCURRENCY = [1, 10, 100] as const;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3_000);
const WARMUP_MS = 500;
/** Distinct users, so most decisions admit and write, as in production (free tier: 10 a minute). */
const USERS = 200_000;

export interface Measurement {
  operation: 'ping' | 'decision';
  concurrency: number;
  operations: number;
  /** Calls that failed (for a decision: Redis missed its 50 ms time box). */
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LimiterBenchResult {
  redisUrl: string;
  node: string;
  durationMs: number;
  measurements: Measurement[];
  /** Decision p50 / PING p50 at each concurrency; the target is at most 1.5. */
  p50Ratio: Record<string, number>;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;

/** `concurrency` callers each run `operation` back to back for the duration; every latency is kept. */
async function measure(
  operation: Measurement['operation'],
  concurrency: number,
  call: () => Promise<unknown>,
): Promise<Measurement> {
  let errors = 0;
  const run = async (durationMs: number, latencies: number[] | null) => {
    const until = performance.now() + durationMs;
    const caller = async () => {
      while (performance.now() < until) {
        const started = performance.now();
        await call().catch(() => {
          if (latencies) errors += 1;
        });
        latencies?.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, caller));
  };
  await run(WARMUP_MS, null);
  const latencies: number[] = [];
  const started = performance.now();
  await run(DURATION_MS, latencies);
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    operation,
    concurrency,
    operations: latencies.length,
    errors,
    perSecond: Math.round((latencies.length / elapsedMs) * 1000),
    p50Ms: Number(percentile(latencies, 50).toFixed(3)),
    p99Ms: Number(percentile(latencies, 99).toFixed(3)),
  };
}

async function deleteKeys(redis: Redis, keyPrefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1_000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

export async function runLimiterBench(): Promise<LimiterBenchResult> {
  // The server's own client settings, except a command timeout that would turn a slow run into errors.
  const redis = createRedisClient(REDIS_URL);
  redis.options.commandTimeout = 5_000;
  if (redis.status !== 'ready') await once(redis, 'ready');
  const keyPrefix = `bench:rate-limit:${randomBytes(6).toString('hex')}:`;
  const limiter = createRedisRateLimiter(redis, { keyPrefix });
  const rules = windowRules('free');
  let user = 0;
  const decide = () => limiter.consume(`user-${(user = (user + 1) % USERS)}`, rules);

  const measurements: Measurement[] = [];
  const p50Ratio: Record<string, number> = {};
  try {
    for (const concurrency of CONCURRENCY) {
      const ping = await measure('ping', concurrency, () => redis.ping());
      const decision = await measure('decision', concurrency, decide);
      measurements.push(ping, decision);
      p50Ratio[String(concurrency)] = Number((decision.p50Ms / ping.p50Ms).toFixed(2));
    }
  } finally {
    await deleteKeys(redis, keyPrefix);
    redis.disconnect();
  }
  return { redisUrl: REDIS_URL, node: process.version, durationMs: DURATION_MS, measurements, p50Ratio };
}

function printTable(result: LimiterBenchResult): void {
  const rows = result.measurements.map((m) => ({
    operation: m.operation,
    callers: m.concurrency,
    'ops/s': m.perSecond,
    'p50 ms': m.p50Ms,
    'p99 ms': m.p99Ms,
    errors: m.errors,
    'p50 vs PING': m.operation === 'decision' ? `${result.p50Ratio[String(m.concurrency)]}x` : '',
  }));
  console.table(rows);
}

const resultsFile = join(dirname(fileURLToPath(import.meta.url)), 'results', 'limiter.json');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runLimiterBench();
  printTable(result);
  await mkdir(dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written to ${resultsFile}`);
}
