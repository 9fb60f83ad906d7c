// Benchmark of the coaching stream: N concurrent streams (1, 100, 500) through the server versus the
// same fake upstream called directly, all on loopback, each in its own process. Prints the time the
// server adds to the first token (p50/p99) and to each chunk, writes server/bench/results/stream.json.
// `npx tsx server/bench/stream.ts`. Needs PostgreSQL and Redis (TEST_DATABASE_URL / TEST_REDIS_URL).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createParser } from 'eventsource-parser';
import pg from 'pg';
import { startTestIssuer } from '../test/support/issuer.js';
import { dropBenchData } from './cleanup.js';
import { freePort, startProcess, waitForHealth } from '../test/support/process.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/**
 * Each level keeps `concurrency` streams open for `durationMs`: every virtual trader starts its next
 * question as soon as the previous answer ends (closed loop), so arrivals are staggered as in real use.
 * BENCH_STREAM_LEVELS=1:8000,100:10000 overrides.
 */
const LEVELS: ReadonlyArray<{ concurrency: number; durationMs: number }> = process.env.BENCH_STREAM_LEVELS
  ? process.env.BENCH_STREAM_LEVELS.split(',').map((level) => {
      const [concurrency, durationMs] = level.split(':').map(Number);
      return { concurrency: concurrency ?? 1, durationMs: durationMs ?? 10_000 };
    })
  : [
      { concurrency: 1, durationMs: 8_000 },
      { concurrency: 100, durationMs: 12_000 },
      { concurrency: 500, durationMs: 12_000 },
    ];
const FIRST_CHUNK_DELAY_MS = 50;
/** About what the Messages API does for Sonnet: a text delta every 20-50 ms. */
const CHUNK_DELAY_MS = 25;
const CHUNKS = 40;

interface StreamSample {
  ok: boolean;
  ttftMs: number;
  /** Mean gap between consecutive text chunks. */
  chunkGapMs: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
};
const round = (value: number) => Math.round(value * 100) / 100;

/** Reads one SSE answer; `textEvent` is the event that carries answer text on this path. */
async function timeStream(url: string, init: RequestInit, textEvent: string): Promise<StreamSample> {
  const started = performance.now();
  const arrivals: number[] = [];
  let ended = false;
  try {
    const response = await fetch(url, init);
    if (!response.ok || !response.body) return { ok: false, ttftMs: 0, chunkGapMs: 0 };
    const parser = createParser({
      onEvent: (event) => {
        if (event.event === textEvent) arrivals.push(performance.now());
        if (event.event === 'message_stop' || event.event === 'stream_complete') ended = true;
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body as AsyncIterable<Uint8Array>)
      parser.feed(decoder.decode(chunk, { stream: true }));
  } catch {
    return { ok: false, ttftMs: 0, chunkGapMs: 0 };
  }
  const first = arrivals[0] ?? started;
  const last = arrivals.at(-1) ?? first;
  return {
    ok: ended && arrivals.length > 0,
    ttftMs: first - started,
    chunkGapMs: arrivals.length > 1 ? (last - first) / (arrivals.length - 1) : 0,
  };
}

async function main() {
  const issuer = await startTestIssuer();
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dataDir = await mkdtemp(join(tmpdir(), 'strat-coach-bench-'));
  const [fakePort, serverPort] = [await freePort(), await freePort()];
  const fakeUrl = `http://127.0.0.1:${fakePort}`;
  const serverUrl = `http://127.0.0.1:${serverPort}`;
  const fake = startProcess(
    'npx',
    [
      'tsx',
      'server/test/support/fake-anthropic-cli.ts',
      '--port',
      String(fakePort),
      '--chunk-delay',
      String(CHUNK_DELAY_MS),
      '--first-chunk-delay',
      String(FIRST_CHUNK_DELAY_MS),
      '--max-chunks',
      String(CHUNKS),
      // The server's share of the time to first token is what is measured: no simulated thinking.
      '--thinking-delay',
      '0',
    ],
    {},
  );
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const server = startProcess('node', [...nodeArgs, '--import', 'tsx', 'server/src/server.ts'], {
    PORT: String(serverPort),
    DATA_DIR: dataDir,
    DATABASE_URL: `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    REDIS_URL,
    ...issuer.env,
    ANTHROPIC_API_KEY: 'sk-ant-bench',
    ANTHROPIC_BASE_URL: fakeUrl,
    LOG_LEVEL: 'warn',
  });
  try {
    await fake.waitFor(/listening on/);
    await waitForHealth(serverUrl).catch((error: unknown) => {
      console.error(server.output());
      throw error;
    });

    const total = Math.max(...LEVELS.map((level) => level.concurrency));
    console.log(`preparing ${total} traders…`);
    const tokens: string[] = [];
    for (let index = 0; index < total; index += 1) {
      const token = await issuer.sessionToken({ sub: `user_bench${index}x${schema}`, expiresIn: 3_600 });
      tokens.push(token);
    }
    // Create every trader first, so the measured streams are not first requests, on the enterprise
    // tier: one trader asks about once every two seconds, inside its 60 a minute.
    for (let index = 0; index < tokens.length; index += 50) {
      await Promise.all(
        tokens
          .slice(index, index + 50)
          .map((token) =>
            fetch(`${serverUrl}/api/v1/usage/current`, { headers: { authorization: `Bearer ${token}` } }).then((r) =>
              r.arrayBuffer(),
            ),
          ),
      );
    }
    await admin.query(`UPDATE ${schema}.users SET tier = 'enterprise'`);

    const upstreamBody = JSON.stringify({
      model: 'claude-sonnet-5-5',
      max_tokens: 1024,
      stream: true,
      messages: [{ role: 'user', content: 'Is this a 2-1-2 up?' }],
    });
    const direct = () =>
      timeStream(
        `${fakeUrl}/v1/messages`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': 'bench', 'anthropic-version': '2023-06-01' },
          body: upstreamBody,
        },
        'content_block_delta',
      );
    const through = (trader: number) => {
      const token = tokens[trader] as string;
      return timeStream(
        `${serverUrl}/api/v1/chat/stream`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ message: 'Is this a 2-1-2 up?' }),
        },
        'content_delta',
      );
    };

    /** `concurrency` loops, each asking again as soon as its answer ends, until the time is up. */
    const closedLoop = async (
      concurrency: number,
      durationMs: number,
      ask: (trader: number) => Promise<StreamSample>,
    ) => {
      const samples: StreamSample[] = [];
      const until = performance.now() + durationMs;
      await Promise.all(
        Array.from({ length: concurrency }, async (_, trader) => {
          // Staggered starts: the first wave does not arrive in one millisecond.
          await new Promise((resolve) => setTimeout(resolve, (trader / concurrency) * 1_000));
          while (performance.now() < until) samples.push(await ask(trader));
        }),
      );
      return samples;
    };

    const rows = [];
    for (const level of LEVELS) {
      const directSamples = await closedLoop(level.concurrency, level.durationMs, direct);
      const serverSamples = await closedLoop(level.concurrency, level.durationMs, through);
      const ok = (samples: StreamSample[]) => samples.filter((sample) => sample.ok);
      const stat = (samples: StreamSample[], pick: (sample: StreamSample) => number, p: number) =>
        percentile(ok(samples).map(pick), p);
      rows.push({
        concurrency: level.concurrency,
        streams: serverSamples.length,
        errors: serverSamples.length - ok(serverSamples).length,
        directErrors: directSamples.length - ok(directSamples).length,
        directTtftP50Ms: round(stat(directSamples, (s) => s.ttftMs, 50)),
        serverTtftP50Ms: round(stat(serverSamples, (s) => s.ttftMs, 50)),
        addedTtftP50Ms: round(stat(serverSamples, (s) => s.ttftMs, 50) - stat(directSamples, (s) => s.ttftMs, 50)),
        addedTtftP99Ms: round(stat(serverSamples, (s) => s.ttftMs, 99) - stat(directSamples, (s) => s.ttftMs, 99)),
        addedChunkDelayP50Ms: round(
          stat(serverSamples, (s) => s.chunkGapMs, 50) - stat(directSamples, (s) => s.chunkGapMs, 50),
        ),
      });
    }

    console.table(rows);
    const result = {
      node: process.version,
      upstream: { firstChunkDelayMs: FIRST_CHUNK_DELAY_MS, chunkDelayMs: CHUNK_DELAY_MS, chunks: CHUNKS },
      targets: { addedTtftP50MsAt100: 5, addedTtftP99MsAt100: 25, errorsAt500: 0 },
      rows,
    };
    const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'stream.json');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${file}`);
  } finally {
    await Promise.all([server.stop('SIGTERM'), fake.stop('SIGTERM')]);
    await dropBenchData(admin, schema, REDIS_URL);
    await admin.end();
    await issuer.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
