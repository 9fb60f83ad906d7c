// Runs the fake Anthropic upstream with a canned Strat coaching answer, so the whole app runs locally without
// an API key: `npx tsx server/test/support/fake-anthropic-cli.ts --port 4010`.
import { parseArgs } from 'node:util';
import { startFakeAnthropic } from './fake-anthropic.js';

const CANNED_ANSWER = `## What I see

- **Timeframe:** I can't read it from the capture — tell me which chart this is (daily? 60m?).
- **Last three candles:** a **2D**, then a **1** (inside bar), then the current candle pushing above the 1's high — that reads as a **2-1-2 reversal up** in progress.

## The trigger

The trigger is a break of the **inside bar's high**. Until price trades through it, there is no trade — only a setup.

## If it triggers

| | Where |
|---|---|
| Entry | one tick through the 1's high |
| Stop | below the 1's low (the other side of the trigger bar) |
| First target | the high of the 2D before the 1 |

## Check before you act

1. **Timeframe continuity:** is price above the monthly, weekly and daily opens (full TFC up)? Against TFC, pass.
2. **Higher-timeframe 3:** if the daily is an outside bar, respect both of its ends as magnitude levels.
3. **Size** so a stop-out costs no more than your fixed risk per trade.

*Education, not financial advice. This is the fake upstream for local runs: the answer is canned.*
`;

/** Word-sized pieces, whitespace kept, so the app sees a token-by-token stream. */
const chunk = (text: string): string[] => text.match(/\S+\s*/g) ?? [text];

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    host: { type: 'string', default: '127.0.0.1' },
    'chunk-delay': { type: 'string', default: '25' },
    'first-chunk-delay': { type: 'string', default: '300' },
    /** Cut the canned answer to this many chunks (benchmarks want many short answers). */
    'max-chunks': { type: 'string' },
  },
});

const fake = await startFakeAnthropic({
  port: Number(values.port),
  host: values.host,
  minCacheableTokens: 1_024,
  defaultScript: {
    chunks: chunk(CANNED_ANSWER).slice(0, values['max-chunks'] ? Number(values['max-chunks']) : undefined),
    chunkDelayMs: Number(values['chunk-delay']),
    firstChunkDelayMs: Number(values['first-chunk-delay']),
  },
});
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
