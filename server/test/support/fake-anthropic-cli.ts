// Runs the fake Anthropic upstream with a canned Strat coaching answer, so the whole app runs locally without
// an API key: `npx tsx server/test/support/fake-anthropic-cli.ts --port 4010`.
import { rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startFakeAnthropic } from './fake-anthropic.js';

const CANNED_ANSWER = `### Bars

| Bar | Higher high? | Lower low? | Label |
| --- | --- | --- | --- |
| -3 | no | yes | 2D |
| -2 | no | yes | 2D |
| -1 (last closed) | no | no | 1 |
| live (provisional) | yes | no | 2U |

Sequence: **2D-2D-1**, live 2U (provisional). I can't read the timeframe from the capture — which chart is this?

### Setup

A **2-1-2 reversal up** (2D-1-2U): **in force** while price holds above the 1's high.

### Trigger, stop, target

| Side | Trigger | Stop | Target (magnitude) | Exhaustion |
| --- | --- | --- | --- | --- |
| Long | the 1's high | the 1's low | the 2D's high before the 1 | early in the candle: room left |
| Short (if the 2U fails) | the 1's low | the 1's high | the prior pivot low | already near the low: little room |

### Timeframe continuity

Unknown from one chart: check the higher timeframes for this chart's timeframe (for a 60m chart: D, W, M).

### What would make me pass

The daily red, or price falling back below the 1's high (the setup failing).

_Education, not financial advice. This is the fake upstream for local runs: the answer is canned._
`;

/** Word-sized pieces, whitespace kept, so the app sees a token-by-token stream. */
const chunk = (text: string): string[] => text.match(/\S+\s*/g) ?? [text];

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    host: { type: 'string', default: '127.0.0.1' },
    'chunk-delay': { type: 'string', default: '25' },
    'first-chunk-delay': { type: 'string', default: '300' },
    /** How long the model "thinks" before writing (Claude 5 models think by default). */
    'thinking-delay': { type: 'string', default: '1500' },
    /** Cut the canned answer to this many chunks (benchmarks want many short answers). */
    'max-chunks': { type: 'string' },
    /** Write the first request's JSON body to this file (a benchmark then sends the same request directly). */
    'dump-first-request': { type: 'string' },
    /** Keep the bodies of only the first N requests (a benchmark sends thousands). */
    'keep-bodies': { type: 'string' },
  },
});

/** A whole number of at least `min` (a port, a delay, a count), or the run stops here saying which flag was wrong. */
function whole(flag: string, value: string, min = 0): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < min) {
    console.error(`--${flag} must be a whole number of at least ${min}, not "${value}"`);
    process.exit(2);
  }
  return number;
}
const optional = (flag: 'max-chunks' | 'keep-bodies', min: number) => {
  const value = values[flag];
  return value === undefined ? undefined : whole(flag, value, min);
};
const keptBodies = optional('keep-bodies', 0);

const fake = await startFakeAnthropic({
  port: whole('port', values.port),
  host: values.host,
  ...(keptBodies !== undefined ? { keptBodies } : {}),
  defaultScript: {
    chunks: chunk(CANNED_ANSWER).slice(0, optional('max-chunks', 1)),
    chunkDelayMs: whole('chunk-delay', values['chunk-delay']),
    firstChunkDelayMs: whole('first-chunk-delay', values['first-chunk-delay']),
    thinking: { delayMs: whole('thinking-delay', values['thinking-delay']) },
  },
});
const dumpTo = values['dump-first-request'];
if (dumpTo) {
  void fake
    .waitForRequest(0, 24 * 60 * 60 * 1000)
    // Renamed into place once written, so a reader never sees half of it.
    .then(async (request) => {
      await writeFile(`${dumpTo}.part`, JSON.stringify(request.body));
      await rename(`${dumpTo}.part`, dumpTo);
    })
    .catch(() => undefined);
}
console.log(`Fake Anthropic upstream listening on ${fake.url}`);
console.log(`Run the server with: ANTHROPIC_BASE_URL=${fake.url} ANTHROPIC_API_KEY=fake npm run start:server`);

const stop = (): void => {
  fake.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
