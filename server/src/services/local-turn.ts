// A turn answered by the local chart reader alone (no ANTHROPIC_API_KEY): message_start names the reader, the
// read-out streams in parts, and the turn is stored like any other — question and answer in the conversation —
// with no usage row and nothing counted against the quota (stream_complete: zero usage, cost 0).
import type { ChartRead } from './chart-analysis.js';
import type { CoachDeps, PreparedTurn } from './coach-stream.js';
import { LOCAL_READER_MODEL, localAnswer } from './local-answer.js';
import type { EventSink } from './sse-writer.js';
import { quotaOf } from './usage-summary.js';

export async function streamLocalAnswer(
  deps: Pick<CoachDeps, 'settle'>,
  turn: PreparedTurn,
  sink: EventSink,
  reads: readonly ChartRead[],
  startedAt: number,
): Promise<void> {
  await sink.send('message_start', { model: LOCAL_READER_MODEL });
  const parts = localAnswer(
    reads,
    turn.charts.charts.map((chart) => chart.label),
  );
  const ttftMs = Math.round(performance.now() - startedAt);
  for (const text of parts) await sink.send('content_delta', { text });
  // Kept whole even if the trader left: it is the same read-out they would get again.
  const settlement = await deps.settle({
    assistantMessageId: turn.assistantMessageId,
    answer: parts.join(''),
    usage: null,
    refusedQuestionId: null,
    replaced: turn.replaced,
  });
  const used = (settlement.kind === 'settled' ? settlement.quotaUsed : null) ?? turn.usedBefore;
  await sink.send('stream_complete', {
    usage: { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
    costUsd: 0,
    latencyMs: Math.round(performance.now() - startedAt),
    ttftMs,
    stopReason: 'end_turn',
    quota: quotaOf(turn.user.tier, used),
  });
}
