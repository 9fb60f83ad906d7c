// What caching the conversation saves: a ten-turn conversation about one chart (the chart sent once, on the
// first question) through the real server in embedded mode and the fake upstream's prompt cache. Prints per
// turn the prompt split into uncached input, cache reads and cache writes, the tokens counted against the
// trader's quota and the cost, beside what the same prompt would count and cost with only the system prompt
// cached (the wave-1 scheme, where every turn re-billed the history). Token counts are the fake's estimates
// (about 4 characters a token, images by their pixels), so the run is deterministic. Writes
// server/bench/results/conversation-cache.json. `npx tsx server/bench/conversation-cache.ts`.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signIn } from '../eval/client.js';
import { modelSpec, priceRowAt } from '../src/config/models.js';
import { costUsd } from '../src/config/pricing.js';
import { postChat } from '../test/support/coach-client.js';
import { estimateTokens } from '../test/support/fake-anthropic-usage.js';
import { pngOfSize } from '../test/support/png.js';
import { startTestServer } from '../test/support/testing.js';

const TURNS = 10;
const ANSWER = 'The 1 held, so the 2-1-2 waits for a break of its high. '.repeat(12);
const QUESTIONS = [
  'Number the last bars.',
  'Where is the trigger?',
  'And the stop?',
  'First target?',
  'Is it exhausted?',
  'What if it fails?',
  'Which timeframes should I check?',
  'What would make you pass?',
  'And the short side?',
  'Sum it up.',
];

interface TurnRow {
  turn: number;
  promptTokens: number;
  uncachedInput: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  quotaCounted: number;
  costUsd: number;
  systemOnlyQuota: number;
  systemOnlyCostUsd: number;
}

const server = await startTestServer({ fakeUpstream: true, env: { LOG_LEVEL: 'silent' } });
const rows: TurnRow[] = [];
try {
  const token = await signIn(server.url);
  server.fake!.setDefault({ chunks: [ANSWER], thinking: false });
  const price = priceRowAt(modelSpec(server.config.anthropic.coach.id)!, new Date());
  const chart = pngOfSize(1_400, 800).toString('base64');
  let conversationId: unknown;
  let systemTokens = 0;
  let quotaUsed = 0;
  for (let turn = 0; turn < TURNS; turn += 1) {
    const result = await postChat(
      server.url,
      { authorization: `Bearer ${token}` },
      {
        message: QUESTIONS[turn],
        ...(turn === 0 ? { images: [{ mediaType: 'image/png', data: chart, label: 'SPY 60m' }] } : {}),
        ...(conversationId ? { conversationId } : {}),
      },
    );
    const complete = result.events.find((event) => event.event === 'stream_complete')?.data;
    if (!complete) throw new Error(`turn ${turn + 1} failed: ${JSON.stringify(result.events.at(-1) ?? result.body)}`);
    conversationId = result.events[0]?.data.conversationId;
    const usage = complete.usage as Record<string, number>;
    const inputTokens = usage.inputTokens ?? 0;
    const outputTokens = usage.outputTokens ?? 0;
    const cacheReadInputTokens = usage.cacheReadInputTokens ?? 0;
    const cacheCreationInputTokens = usage.cacheCreationInputTokens ?? 0;
    const prompt = inputTokens + cacheReadInputTokens + cacheCreationInputTokens;
    // What a system-only scheme caches: the system prompt, as the fake counts it.
    const system = server.fake!.requests.at(-1)!.body.system as Array<{ text: string }>;
    systemTokens = system.reduce((sum, block) => sum + estimateTokens(block.text), 0);
    const systemOnlyInput = prompt - systemTokens;
    const turnQuotaStart = quotaUsed;
    quotaUsed = (complete.quota as { used: number }).used;
    rows.push({
      turn: turn + 1,
      promptTokens: prompt,
      uncachedInput: inputTokens,
      cacheRead: cacheReadInputTokens,
      cacheWrite: cacheCreationInputTokens,
      output: outputTokens,
      // What the server counted against the quota for this turn (its own figure, from stream_complete).
      quotaCounted: quotaUsed - turnQuotaStart,
      costUsd: Number(complete.costUsd),
      systemOnlyQuota: systemOnlyInput + outputTokens,
      systemOnlyCostUsd: costUsd(price, {
        inputTokens: systemOnlyInput,
        outputTokens,
        cacheReadTokens: turn === 0 ? 0 : systemTokens,
        cacheWriteTokens: turn === 0 ? systemTokens : 0,
      }),
    });
  }
} finally {
  await server.close();
}

const total = (pick: (row: TurnRow) => number) => rows.reduce((sum, row) => sum + pick(row), 0);
console.table(rows);
const summary = {
  turns: TURNS,
  quotaCounted: total((row) => row.quotaCounted),
  systemOnlyQuota: total((row) => row.systemOnlyQuota),
  costUsd: Math.round(total((row) => row.costUsd) * 1e6) / 1e6,
  systemOnlyCostUsd: Math.round(total((row) => row.systemOnlyCostUsd) * 1e6) / 1e6,
};
console.log(
  `${TURNS} turns: ${summary.quotaCounted} tokens counted against the quota (system prompt cached alone: ${summary.systemOnlyQuota}); ` +
    `cost $${summary.costUsd.toFixed(4)} (system prompt cached alone: $${summary.systemOnlyCostUsd.toFixed(4)})`,
);
const resultsFile = join(dirname(fileURLToPath(import.meta.url)), 'results', 'conversation-cache.json');
await mkdir(dirname(resultsFile), { recursive: true });
await writeFile(resultsFile, `${JSON.stringify({ measuredAt: new Date().toISOString(), rows, summary }, null, 2)}\n`);
console.log(`Wrote ${resultsFile}`);
