// Benchmark of the coaching stream, through the server versus the same fake upstream called directly, all on loopback,
// each in its own process. A warm-up loop runs first on each side (a row of its own, not held to the targets), and a
// burst after a quiet spell last (the market's open). The repeated loads (closed loops of up to 100, bursts of up to
// 500) also run through a bare relay (relay.ts): the floor, what one more process between the trader and the model adds
// on this machine before any of the server's own work. Two loads: closed loops (N traders, each asking again as soon as
// its answer ends: 1 and 100, each twice on each side in turn and pooled; 500) and bursts (N questions arriving at
// once, from traders whose tokens are new to the server: 100, three times, pooled; 2,000 once). Prints the time the
// server adds to the first token (p50/p99) and to each chunk, why any stream failed, the server's CPU time per stream
// and per chunk (and its event loop's alone) and its peak RSS, how long its event loop waited for a CPU, the CPU of the
// database backends serving it, and how steady the machine was (machine-speed.ts); writes
// server/bench/results/stream.json.
// `npm run bench:stream`. Needs PostgreSQL and Redis (TEST_DATABASE_URL / TEST_REDIS_URL). The server runs as
// production runs it, `node` on the compiled build (built first); BENCH_STREAM_SERVER=source runs it under tsx.
// DATABASE_POOL_MAX=10 runs it with that pool.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { constants, cpus, loadavg, setPriority, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createParser } from 'eventsource-parser';
import pg from 'pg';
import { eventually } from '../test/support/eventually.js';
import { startTestIssuer } from '../test/support/issuer.js';
import { dropBenchData } from './cleanup.js';
import {
  countFromEnv,
  describeRoundTrip,
  describeSpeed,
  loopbackRoundTrip,
  machineSpeed,
  msFromEnv,
} from './machine-speed.js';
import { watchProcess, watchProcesses } from './process-stats.js';
import { buildServer } from '../test/support/compiled-server.js';
import {
  CONTAINER_PROCESS_ENV,
  freePort,
  startProcess,
  waitForHealth,
  type RunningProcess,
} from '../test/support/process.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SERVER_FROM = process.env.BENCH_STREAM_SERVER === 'source' ? 'source' : 'build';
/**
 * Each level keeps `concurrency` streams open for `durationMs`: every virtual trader starts its next
 * question as soon as the previous answer ends (closed loop), so arrivals are staggered as in real use.
 * BENCH_STREAM_LEVELS=1:8000,100:10000 overrides; BENCH_STREAM_LEVELS= (empty) runs none.
 */
const LEVELS: ReadonlyArray<{ concurrency: number; durationMs: number }> =
  process.env.BENCH_STREAM_LEVELS !== undefined
    ? process.env.BENCH_STREAM_LEVELS.split(',')
        .filter(Boolean)
        .map((level) => {
          const [concurrency, durationMs] = level.split(':').map(Number);
          return { concurrency: concurrency ?? 1, durationMs: durationMs ?? 10_000 };
        })
    : [
        { concurrency: 1, durationMs: 8_000 },
        { concurrency: 100, durationMs: 12_000 },
        { concurrency: 500, durationMs: 12_000 },
      ];
/** Bursts: N questions sent at the same moment, each from its own trader. BENCH_STREAM_BURSTS=100,2000 overrides. */
const BURSTS: readonly number[] =
  process.env.BENCH_STREAM_BURSTS !== undefined
    ? process.env.BENCH_STREAM_BURSTS.split(',').filter(Boolean).map(Number)
    : [100, 2_000];
/** How many times each closed loop of up to 100 streams runs on each side (BENCH_STREAM_LOOP_REPEATS), in turn. */
const LOOP_REPEATS = countFromEnv('BENCH_STREAM_LOOP_REPEATS', 2);
/**
 * Before the measured loads, each side runs a closed loop of up to 100 traders for this long (BENCH_STREAM_WARMUP_MS;
 * 0 runs none). A server just started opens its database connections, prepares its statements on each and compiles
 * its code under the first load. On a 2-core host, in six quick runs, the first 8 s at 100 traders of a server just
 * started added a p99 of 82-306 ms, and the 8 s loops after it 21-153 ms; in the three of them that measured its CPU,
 * the first 8 s took 0.3-1.7 s more of it than each later one. The targets are a warm server's; the warm-up is a row
 * of its own ('warm-up'), so what a new instance's first traders see stays in the table.
 */
const WARMUP_MS = msFromEnv('BENCH_STREAM_WARMUP_MS', 5_000);
/**
 * The market's open: after the other loads, a burst of 100 sent through the server once it has had no question for
 * this long (BENCH_STREAM_QUIET_MS; 0 runs none), longer than the 30 s its cached identities last and than any idle
 * timeout it has had (its database connections were closed after 30 s idle, and a burst then waited for new ones to
 * warm). Its row is 'burst after quiet', beside the same burst sent directly just before the quiet.
 */
const QUIET_MS = msFromEnv('BENCH_STREAM_QUIET_MS', 35_000);
/** How many times each burst of up to 500 runs (BENCH_STREAM_BURST_REPEATS); its row pools them. */
const BURST_REPEATS = countFromEnv('BENCH_STREAM_BURST_REPEATS', 3);
/**
 * The server's PostgreSQL pool: DATABASE_POOL_MAX in the bench's environment is passed on (the server's default
 * otherwise), to compare pool sizes on this machine.
 */
const POOL_MAX = process.env.DATABASE_POOL_MAX;
/**
 * BENCH_STREAM_GENERATOR_NICE=N (1-19): the bench's own traders and its fake model run at that niceness, the server and
 * the relay at 0, as PostgreSQL and Redis are. On two shared cores the server otherwise queues for a CPU behind its
 * own load generator, which production's traders and model do not share with it. A change of method, not the default:
 * the run prints it, and stream.json records it (`generatorNice`); compare its figures only with runs made the same way.
 */
const GENERATOR_NICE = (() => {
  const value = process.env.BENCH_STREAM_GENERATOR_NICE;
  if (value === undefined || value === '') return 0;
  const nice = Number(value);
  if (!Number.isInteger(nice) || nice < 1 || nice > 19)
    throw new Error(`BENCH_STREAM_GENERATOR_NICE must be a whole number from 1 to 19, not ${value}`);
  return nice;
})();
/** The server's connections to PostgreSQL go by this name (application_name), for their CPU. */
const SERVER_APPLICATION = 'strat-coach-bench-server';
const cpuModel = cpus()[0]?.model.trim() ?? 'unknown CPU';
const FIRST_CHUNK_DELAY_MS = 50;
/** About what the Messages API does for Sonnet: a text delta every 20-50 ms. */
const CHUNK_DELAY_MS = 25;
const CHUNKS = 40;

interface StreamSample {
  ok: boolean;
  /** Why a stream failed: `http 429 rate_limited`, `stream_error upstream_timeout`, `fetch ECONNRESET`, … */
  failure?: string;
  ttftMs: number;
  /** Mean gap between consecutive text chunks. */
  chunkGapMs: number;
  /** The server's steps before the stream opened, from its Server-Timing header (ms by name); none elsewhere. */
  steps?: Record<string, number>;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
};
const round = (value: number) => Math.round(value * 100) / 100;

const failed = (failure: string): StreamSample => ({ ok: false, failure, ttftMs: 0, chunkGapMs: 0 });

/** The stable code of an error body (`{ error: { code } }`) or a stream_error's data, if it has one. */
const codeOf = (json: string): string => {
  try {
    const parsed = JSON.parse(json) as { code?: unknown; error?: { code?: unknown } };
    const code = parsed.error?.code ?? parsed.code;
    return typeof code === 'string' ? code : 'unknown';
  } catch {
    return 'unparsable';
  }
};

/** How a path's answer shows: which events carry answer text, and which one ends it whole. */
interface AnswerEvents {
  isText(event: string, data: string): boolean;
  end: string;
}
const DIRECT_EVENTS: AnswerEvents = {
  // Thinking deltas are content_block_delta too: only text counts as the first token.
  isText: (event, data) => event === 'content_block_delta' && data.includes('"text_delta"'),
  end: 'message_stop',
};
const SERVER_EVENTS: AnswerEvents = { isText: (event) => event === 'content_delta', end: 'stream_complete' };

/** Reads one SSE answer. */
async function timeStream(url: string, init: RequestInit, answer: AnswerEvents): Promise<StreamSample> {
  const started = performance.now();
  const arrivals: number[] = [];
  let ended = false;
  const seen: { streamError: string | null } = { streamError: null };
  let timing: string | null;
  try {
    const response = await fetch(url, init);
    if (!response.ok || !response.body) return failed(`http ${response.status} ${codeOf(await response.text())}`);
    timing = response.headers.get('server-timing');
    const parser = createParser({
      onEvent: (event) => {
        if (answer.isText(event.event ?? '', event.data)) arrivals.push(performance.now());
        if (event.event === answer.end) ended = true;
        if (event.event === 'stream_error' || event.event === 'error') seen.streamError = codeOf(event.data);
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body as AsyncIterable<Uint8Array>)
      parser.feed(decoder.decode(chunk, { stream: true }));
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return failed(`fetch ${cause?.code ?? (error as Error).message}`);
  }
  if (seen.streamError !== null) return failed(`stream_error ${seen.streamError}`);
  if (!ended || arrivals.length === 0) return failed(ended ? 'no text' : 'cut off');
  const first = arrivals[0] ?? started;
  const last = arrivals.at(-1) ?? first;
  return {
    ok: true,
    ttftMs: first - started,
    chunkGapMs: arrivals.length > 1 ? (last - first) / (arrivals.length - 1) : 0,
    ...(timing ? { steps: stepsOf(timing) } : {}),
  };
}

/** `auth;dur=1.2, read;dur=0.3` → { auth: 1.2, read: 0.3 }. */
const stepsOf = (header: string): Record<string, number> =>
  Object.fromEntries(
    header.split(',').map((metric) => {
      const [name = '', ...params] = metric.trim().split(';');
      const dur = params.find((param) => param.startsWith('dur='));
      return [name, dur ? Number(dur.slice(4)) : Number.NaN];
    }),
  );

/** The closed loop: `concurrency` traders, each asking again as soon as its answer ends, until the time is up. */
async function closedLoop(
  concurrency: number,
  durationMs: number,
  ask: (trader: number) => Promise<StreamSample>,
): Promise<StreamSample[]> {
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
}

/** A burst: `size` questions, one per trader, sent at the same moment. */
const burst = (size: number, ask: (trader: number) => Promise<StreamSample>): Promise<StreamSample[]> =>
  Promise.all(Array.from({ length: size }, (_, trader) => ask(trader)));

/** One row of the table: the server's figures beside the direct ones, and what the server spent on them. */
function compare(
  load: string,
  streams: number,
  directSamples: StreamSample[],
  serverSamples: StreamSample[],
  server: Spent,
  relay: { samples: StreamSample[]; spent: Spent } = { samples: [], spent: nothingSpent() },
) {
  const relaySamples = relay.samples;
  const ok = (samples: StreamSample[]) => samples.filter((sample) => sample.ok);
  const stat = (samples: StreamSample[], pick: (sample: StreamSample) => number, p: number) =>
    percentile(ok(samples).map(pick), p);
  const failures: Record<string, number> = {};
  for (const sample of serverSamples)
    if (sample.failure) failures[sample.failure] = (failures[sample.failure] ?? 0) + 1;
  const completed = ok(serverSamples).length;
  return {
    load,
    streams,
    done: serverSamples.length,
    errors: serverSamples.length - completed,
    directErrors: directSamples.length - ok(directSamples).length,
    directTtftP50Ms: round(stat(directSamples, (s) => s.ttftMs, 50)),
    serverTtftP50Ms: round(stat(serverSamples, (s) => s.ttftMs, 50)),
    addedTtftP50Ms: round(stat(serverSamples, (s) => s.ttftMs, 50) - stat(directSamples, (s) => s.ttftMs, 50)),
    addedTtftP99Ms: round(stat(serverSamples, (s) => s.ttftMs, 99) - stat(directSamples, (s) => s.ttftMs, 99)),
    // The floor: what the bare relay added in the same run (NaN where it did not run).
    relayAddedP50Ms: round(stat(relaySamples, (s) => s.ttftMs, 50) - stat(directSamples, (s) => s.ttftMs, 50)),
    relayAddedP99Ms: round(stat(relaySamples, (s) => s.ttftMs, 99) - stat(directSamples, (s) => s.ttftMs, 99)),
    relayErrors: relaySamples.length - ok(relaySamples).length,
    relayLoopCpuMsPerStream:
      ok(relaySamples).length > 0 ? round(relay.spent.loopCpuMs / ok(relaySamples).length) : Number.NaN,
    addedChunkDelayP50Ms: round(
      stat(serverSamples, (s) => s.chunkGapMs, 50) - stat(directSamples, (s) => s.chunkGapMs, 50),
    ),
    cpuMsPerStream: completed > 0 ? round(server.cpuMs / completed) : Number.NaN,
    cpuMsPerChunk: completed > 0 ? round(server.cpuMs / (completed * CHUNKS)) : Number.NaN,
    // The event loop's share (the main thread's): the CPU a request queues behind.
    loopCpuMsPerStream: completed > 0 ? round(server.loopCpuMs / completed) : Number.NaN,
    peakRssMb: server.peakRssMb,
    // The server's event loop, ready to run but without a CPU: the host's share of its latency.
    waitedForCpuMsPerStream: completed > 0 ? round(server.waitedForCpuMs / completed) : Number.NaN,
    // The PostgreSQL backends serving the server's pool, on the same cores: the database's share of the work.
    databaseCpuMsPerStream: completed > 0 ? round(server.databaseCpuMs / completed) : Number.NaN,
    failures,
    stepsP50Ms: stepsP50(ok(serverSamples)),
  };
}

/** The p50 of each of the server's steps before the stream (its Server-Timing), in ms. */
function stepsP50(samples: StreamSample[]): Record<string, number> {
  const names = new Set(samples.flatMap((sample) => Object.keys(sample.steps ?? {})));
  return Object.fromEntries(
    [...names].map((name) => [
      name,
      round(
        percentile(
          samples.map((sample) => sample.steps?.[name] ?? 0),
          50,
        ),
      ),
    ]),
  );
}
const describeSteps = (steps: Record<string, number>): string =>
  Object.entries(steps)
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');

/** What the server spent on a load (process-stats.ts). */
interface Spent {
  cpuMs: number;
  loopCpuMs: number;
  peakRssMb: number;
  waitedForCpuMs: number;
  /** The server's database backends (0 for the relay, which has none). */
  databaseCpuMs: number;
}
const nothingSpent = (): Spent => ({ cpuMs: 0, loopCpuMs: 0, peakRssMb: 0, waitedForCpuMs: 0, databaseCpuMs: 0 });
const addSpent = (total: Spent, more: Spent) => {
  total.cpuMs += more.cpuMs;
  total.loopCpuMs += more.loopCpuMs;
  total.peakRssMb = Math.max(total.peakRssMb, more.peakRssMb);
  total.waitedForCpuMs += more.waitedForCpuMs;
  total.databaseCpuMs += more.databaseCpuMs;
};

/**
 * Linux's autogroup (sched_autogroup_enabled, on in Debian's kernels) shares the CPU between sessions first and only
 * then between the tasks of a session by their niceness. Every process this bench starts is its own session
 * (startProcess detaches), as is every PostgreSQL backend: a task's niceness alone then leaves their shares as they
 * were (setPriority and nice(1) did nothing measurable here). With it on, the niceness is given to the sessions
 * (/proc/PID/autogroup): this run's own, in a session of its own, and the fake model's.
 */
const AUTOGROUP = (() => {
  try {
    return readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1';
  } catch {
    return false;
  }
})();
const OWN_SESSION = 'BENCH_STREAM_OWN_SESSION';

/** Whether this process leads its own session (field 6 of /proc/self/stat is the session's id). */
const leadsOwnSession = (): boolean => {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[3]) === process.pid;
  } catch {
    return false;
  }
};

/**
 * A niced run under autogroup runs again as a session of its own, so its niceness is not its caller's session's.
 * The run ends with its caller (its IPC channel closes) and passes on how it ended.
 */
async function inOwnSession(): Promise<number | null> {
  if (GENERATOR_NICE === 0 || !AUTOGROUP || leadsOwnSession()) return null;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [OWN_SESSION]: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0))),
  );
}

/**
 * Gives the session of `pid` (this process's by default) the generator's niceness, where autogroup is on. Without
 * CAP_SYS_ADMIN the kernel takes one such write every 100 ms, system-wide (EAGAIN before): the next is tried then.
 */
const niceSession = async (pid: number | 'self' = 'self'): Promise<void> => {
  if (GENERATOR_NICE === 0 || !AUTOGROUP) return;
  for (let attempt = 0; ; attempt += 1) {
    try {
      writeFileSync(`/proc/${pid}/autogroup`, String(GENERATOR_NICE));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || attempt === 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 110));
    }
  }
};

/** `node args` at niceness 0 when the generator runs niced (nice(1) execs node: the pid stays the process's). */
const atNormalPriority = (args: string[]): [string, string[]] =>
  GENERATOR_NICE > 0 ? ['nice', ['-n', String(-GENERATOR_NICE), 'node', ...args]] : ['node', args];

async function main() {
  const exitCode = await inOwnSession();
  if (exitCode !== null) process.exit(exitCode);
  // Run again in a session of its own (inOwnSession): it ends when the run it was started by does.
  if (process.env[OWN_SESSION] === '1') {
    process.once('disconnect', () => process.exit(1));
    // The channel alone does not keep the run alive.
    process.channel?.unref();
  }
  // This process's main thread (the traders) and what it starts from now on (the fake model) run niced.
  if (GENERATOR_NICE > 0) setPriority(GENERATOR_NICE);
  await niceSession();
  if (SERVER_FROM === 'build') await buildServer();
  const issuer = await startTestIssuer();
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dataDir = await mkdtemp(join(tmpdir(), 'strat-coach-bench-'));
  const [fakePort, serverPort, relayPort] = [await freePort(), await freePort(), await freePort()];
  const fakeUrl = `http://127.0.0.1:${fakePort}`;
  const serverUrl = `http://127.0.0.1:${serverPort}`;
  const relayUrl = `http://127.0.0.1:${relayPort}`;
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
      // The server's own request to the model (its coaching prompt, 14 KB), sent again on the direct path, so
      // the fake does the same work for both and only the server's share differs.
      '--dump-first-request',
      join(dataDir, 'upstream-request.json'),
      // Only that one body is kept: thousands of 14 KB prompts held for the whole run slowed the fake, for both paths.
      '--keep-bodies',
      '1',
    ],
    {},
  );
  // Through tsx's loader, not compiled as the server is: the loader costs at start only, not per request.
  const relay = startProcess(
    ...atNormalPriority([
      '--import',
      'tsx',
      'server/bench/relay.ts',
      '--port',
      String(relayPort),
      '--upstream',
      fakeUrl,
    ]),
    {},
  );
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const entry = SERVER_FROM === 'build' ? ['server/dist/server.js'] : ['--import', 'tsx', 'server/src/server.ts'];
  const serverProcess = startProcess(...atNormalPriority([...nodeArgs, ...entry]), {
    // As the container runs it (the allocator's arenas).
    ...CONTAINER_PROCESS_ENV,
    PORT: String(serverPort),
    DATA_DIR: dataDir,
    // Named, so the bench can find the database's backends that serve it (their CPU is the database's share).
    DATABASE_URL: `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}&application_name=${SERVER_APPLICATION}`,
    REDIS_URL,
    ...issuer.env,
    ANTHROPIC_API_KEY: 'sk-ant-bench',
    ANTHROPIC_BASE_URL: fakeUrl,
    LOG_LEVEL: 'warn',
    ...(POOL_MAX ? { DATABASE_POOL_MAX: POOL_MAX } : {}),
  });
  try {
    // Its own session (startProcess detaches), niced as this one is.
    if (fake.child.pid !== undefined) await niceSession(fake.child.pid);
    await fake.waitFor(/listening on/);
    await relay.waitFor(/relay listening on/);
    await waitForHealth(serverUrl).catch((error: unknown) => {
      console.error(serverProcess.output());
      throw error;
    });

    const total = Math.max(...LEVELS.map((level) => level.concurrency), ...BURSTS);
    console.log(`preparing ${total} traders…`);
    const mint = (index: number, round: string) =>
      issuer.sessionToken({ sub: `user_bench${index}x${schema}`, expiresIn: 3_600, claims: { jti: round } });
    // Create every trader first, so the measured streams are not first requests, on the enterprise tier: one
    // trader asks about once every two seconds, inside its 60 a minute.
    for (let index = 0; index < total; index += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, total - index) }, async (_, offset) => {
          const token = await mint(index + offset, 'signup');
          const response = await fetch(`${serverUrl}/api/v1/usage/current`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await response.arrayBuffer();
        }),
      );
    }
    await admin.query(`UPDATE ${schema}.users SET tier = 'enterprise'`);
    // New tokens: the server keeps a verified token's user (and so its tier) for 30 s. Reusing the sign-up
    // tokens ran the first half-minute of streams on the free tier, whose 10 a minute refused some of them.
    const tokens = await Promise.all(Array.from({ length: total }, (_, index) => mint(index, 'bench')));

    // One question through the server (not measured), whose request to the model the direct path then sends.
    const first = await timeStream(
      `${serverUrl}/api/v1/chat/stream`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0] as string}` },
        body: JSON.stringify({ message: 'Is this a 2-1-2 up?' }),
      },
      SERVER_EVENTS,
    );
    if (!first.ok) throw new Error(`the first question through the server failed: ${first.failure ?? 'unknown'}`);
    const upstreamBody = await eventually(
      async () => {
        try {
          const text = await readFile(join(dataDir, 'upstream-request.json'), 'utf8');
          JSON.parse(text);
          return text;
        } catch {
          return undefined;
        }
      },
      10_000,
      "the server's request to the model",
    );
    /** The server's request to the model, sent to the model (the fake) at `baseUrl`: directly, or via the relay. */
    const askModelAt = (baseUrl: string) => () =>
      timeStream(
        `${baseUrl}/v1/messages`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': 'bench', 'anthropic-version': '2023-06-01' },
          body: upstreamBody,
        },
        DIRECT_EVENTS,
      );
    const direct = askModelAt(fakeUrl);
    const relayed = askModelAt(relayUrl);
    const throughWith = (held: readonly string[]) => (trader: number) =>
      timeStream(
        `${serverUrl}/api/v1/chat/stream`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${held[trader] as string}` },
          body: JSON.stringify({ message: 'Is this a 2-1-2 up?' }),
        },
        SERVER_EVENTS,
      );
    const through = throughWith(tokens);
    /** The PostgreSQL backends of the server's pool. */
    const serverBackends = async () =>
      (
        await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
          SERVER_APPLICATION,
        ])
      ).rows.map((row) => row.pid);
    /** What `watched` (the server, or the relay) spent while `load` ran, and the server's database with it. */
    const measured = async (watched: RunningProcess, load: () => Promise<StreamSample[]>) => {
      const watch = watchProcess(watched.child.pid as number);
      const database = watched === serverProcess ? watchProcesses(serverBackends) : null;
      const samples = await load();
      return { samples, spent: { ...(await watch.stop()), databaseCpuMs: (await database?.stop()) ?? 0 } };
    };

    // How steady the machine is (machine-speed.ts), timed on this process while nothing else of the bench runs.
    const speedBefore = machineSpeed();
    const roundTripBefore = await loopbackRoundTrip();
    const rows: (ReturnType<typeof compare> & {
      bursts?: number;
      eachAddedP50Ms?: number[];
      eachWaitedForCpuMs?: number[];
      eachStepsP50Ms?: Record<string, number>[];
    })[] = [];
    if (WARMUP_MS > 0) {
      // Each side warmed in turn, as the loads then run; the server's warm-up is measured against the direct one.
      const concurrency = Math.max(1, Math.min(100, total));
      const directWarm = await closedLoop(concurrency, WARMUP_MS, direct);
      const relayWarm = await measured(relay, () => closedLoop(concurrency, WARMUP_MS, relayed));
      const serverWarm = await measured(serverProcess, () => closedLoop(concurrency, WARMUP_MS, through));
      rows.push(compare('warm-up', concurrency, directWarm, serverWarm.samples, serverWarm.spent, relayWarm));
    }
    for (const level of LEVELS) {
      // The host's speed changes over seconds to minutes (machine-speed.ts): closed loops of up to 100 run direct,
      // through, direct, through, and the row pools them, so both sides see the same mix of fast and slow spells.
      const repeats = level.concurrency <= 100 ? LOOP_REPEATS : 1;
      const directSamples: StreamSample[] = [];
      const viaRelay = { samples: [] as StreamSample[], spent: nothingSpent() };
      const serverSamples: StreamSample[] = [];
      const spent = nothingSpent();
      for (let repeat = 0; repeat < repeats; repeat += 1) {
        directSamples.push(...(await closedLoop(level.concurrency, level.durationMs, direct)));
        if (level.concurrency <= 100) {
          const relayedLoop = await measured(relay, () => closedLoop(level.concurrency, level.durationMs, relayed));
          viaRelay.samples.push(...relayedLoop.samples);
          addSpent(viaRelay.spent, relayedLoop.spent);
        }
        const { samples, spent: server } = await measured(serverProcess, () =>
          closedLoop(level.concurrency, level.durationMs, through),
        );
        serverSamples.push(...samples);
        addSpent(spent, server);
      }
      rows.push(compare('closed loop', level.concurrency, directSamples, serverSamples, spent, viaRelay));
    }
    for (const size of BURSTS) {
      // One burst is one sample of each percentile: bursts up to 500 run BURST_REPEATS times, direct and through
      // the server in turn, and the row pools their samples (each burst's own added p50 is kept in the JSON).
      const repeats = size <= 500 ? BURST_REPEATS : 1;
      const directSamples: StreamSample[] = [];
      const viaRelay = { samples: [] as StreamSample[], spent: nothingSpent() };
      const serverSamples: StreamSample[] = [];
      const spent = nothingSpent();
      const eachAddedP50Ms: number[] = [];
      const eachWaitedForCpuMs: number[] = [];
      const eachStepsP50Ms: Record<string, number>[] = [];
      for (let repeat = 0; repeat < repeats; repeat += 1) {
        // Every burst's traders hold tokens the server has not seen, as at the market's open (a Clerk session token
        // lasts a minute, the server keeps a verified one 30 s): each question is signed in. With the closed loops'
        // tokens, the first burst of a run signed its traders in (their identities had expired) and the next two did
        // not, and the pooled row mixed the two.
        const fresh = await Promise.all(Array.from({ length: size }, (_, index) => mint(index, `burst${repeat}`)));
        // A pause between loads, so a burst does not land on the previous load's tail.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const direct1 = await burst(size, direct);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        if (size <= 500) {
          const relayedBurst = await measured(relay, () => burst(size, relayed));
          viaRelay.samples.push(...relayedBurst.samples);
          addSpent(viaRelay.spent, relayedBurst.spent);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
        const { samples, spent: server } = await measured(serverProcess, () => burst(size, throughWith(fresh)));
        const one = compare('burst', size, direct1, samples, server);
        eachAddedP50Ms.push(one.addedTtftP50Ms);
        eachStepsP50Ms.push(one.stepsP50Ms);
        eachWaitedForCpuMs.push(round(server.waitedForCpuMs));
        directSamples.push(...direct1);
        serverSamples.push(...samples);
        addSpent(spent, server);
      }
      rows.push({
        ...compare('burst', size, directSamples, serverSamples, spent, viaRelay),
        bursts: repeats,
        eachAddedP50Ms,
        eachWaitedForCpuMs,
        eachStepsP50Ms,
      });
    }
    if (QUIET_MS > 0) {
      const size = Math.max(1, Math.min(100, total));
      const fresh = await Promise.all(Array.from({ length: size }, (_, index) => mint(index, 'quiet')));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const directQuiet = await burst(size, direct);
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      const { samples, spent } = await measured(serverProcess, () => burst(size, throughWith(fresh)));
      rows.push(compare('burst after quiet', size, directQuiet, samples, spent));
    }

    const speedAfter = machineSpeed();
    const roundTripAfter = await loopbackRoundTrip();
    console.table(
      rows.map(
        ({
          failures: _failures,
          eachAddedP50Ms: _each,
          eachWaitedForCpuMs: _waited,
          eachStepsP50Ms: _steps,
          stepsP50Ms: _stepsP50,
          ...row
        }) => row,
      ),
    );
    for (const row of rows) {
      // Its Server-Timing: where the server's share of the first token went before the stream opened.
      console.log(
        `${row.load} ${row.streams}, the server's steps before the stream, p50 (ms): ${describeSteps(row.stepsP50Ms)}`,
      );
      for (const [index, steps] of (row.eachStepsP50Ms ?? []).entries()) {
        console.log(`  burst ${index + 1}: ${describeSteps(steps)}`);
      }
    }
    for (const row of rows) {
      if (row.eachAddedP50Ms && row.eachAddedP50Ms.length > 1) {
        console.log(
          `burst ${row.streams}, each burst's added p50 (ms): ${row.eachAddedP50Ms.join(', ')}; ` +
            `the server's wait for a CPU in each (ms): ${(row.eachWaitedForCpuMs ?? []).join(', ')}`,
        );
      }
    }
    console.log(
      `The machine (${cpus().length} × ${cpuModel}), before the loads: ${describeSpeed(speedBefore)}; ` +
        `${describeRoundTrip(roundTripBefore)}; after: ${describeSpeed(speedAfter)}; ${describeRoundTrip(roundTripAfter)}.`,
    );
    if (POOL_MAX) console.log(`The server ran with DATABASE_POOL_MAX=${POOL_MAX}.`);
    if (GENERATOR_NICE > 0) {
      console.log(
        `The traders and the fake model ran at niceness ${GENERATOR_NICE}` +
          `${AUTOGROUP ? ', each in a session of its own (autogroup)' : ''}, the server and the relay at 0 ` +
          '(BENCH_STREAM_GENERATOR_NICE): not the default method.',
      );
    }
    for (const row of rows) {
      if (row.errors > 0) console.log(`${row.load} ${row.streams}: failures`, row.failures);
    }
    // What the server logged about them (pino, level error): the first few distinct messages.
    const logged = new Set(
      serverProcess
        .output()
        .split('\n')
        .filter((line) => line.includes('"level":50'))
        .map((line) => line.replace(/"(time|pid|reqId|hostname)":[^,]*,/g, '').slice(0, 400)),
    );
    if (logged.size > 0) console.log('server errors:', [...logged].slice(0, 5));
    const result = {
      node: process.version,
      server: SERVER_FROM,
      databasePoolMax: POOL_MAX ?? 'default',
      generatorNice: GENERATOR_NICE,
      // The closed loop before the loads, not held to the targets (its row is 'warm-up'); 0 when none ran.
      warmupMs: WARMUP_MS,
      // The quiet before the last burst (its row is 'burst after quiet'); 0 when none ran.
      quietMs: QUIET_MS,
      // Where on, niceness applies between sessions only as each session's (see AUTOGROUP).
      autogroup: AUTOGROUP,
      machine: {
        cpus: cpus().length,
        // Machines of one kind differ (an Intel Xeon, an AMD EPYC): a figure is read beside its CPU.
        cpu: cpuModel,
        loadAverage: loadavg().map(round),
        speed: { before: speedBefore, after: speedAfter },
        loopbackRoundTrip: { before: roundTripBefore, after: roundTripAfter },
      },
      upstream: { firstChunkDelayMs: FIRST_CHUNK_DELAY_MS, chunkDelayMs: CHUNK_DELAY_MS, chunks: CHUNKS },
      targets: {
        closedLoop100: { addedTtftP50Ms: 5, addedTtftP99Ms: 25 },
        burst100: { addedTtftP50Ms: 50, addedTtftP99Ms: 100 },
        burst2000: { errors: 0 },
      },
      rows,
    };
    const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'stream.json');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${file}`);
  } finally {
    await Promise.all([serverProcess.stop('SIGTERM'), fake.stop('SIGTERM'), relay.stop('SIGTERM')]);
    await dropBenchData(admin, schema, REDIS_URL);
    await admin.end();
    await issuer.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
