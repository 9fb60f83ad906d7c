// The question's charts through the local reader, between stream_start and the model call: each chart is read
// (or its stored reading reused), the trader gets chart_analysis, the model gets each chart's pixel reading
// right after the chart, and the readings are kept with the question for history and follow-ups.
import type { FastifyBaseLogger } from 'fastify';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import type { Database } from '../db/database.js';
import { conversationsRepository, type ImageMeta } from '../db/repositories/conversations.js';
import { withIndex, type ChartAnalyzer, type ChartRead } from './chart-analysis.js';
import { buildMessages } from './coach-messages.js';
import type { PreparedTurn } from './coach-stream.js';
import type { EventSink } from './sse-writer.js';

/** Reads the question's charts and sends chart_analysis (nothing when the question has no charts of its own). */
export async function readTurnCharts(
  analyzer: Pick<ChartAnalyzer, 'read'>,
  turn: PreparedTurn,
  sink: EventSink,
): Promise<ChartRead[]> {
  if (turn.questionCharts.length === 0) return [];
  const reads = await Promise.all(
    turn.questionCharts.map((chart) => (chart.stored ? Promise.resolve(chart.stored) : analyzer.read(chart.bytes))),
  );
  await sink.send('chart_analysis', { images: reads.map((read, index) => withIndex(read.analysis, index)) });
  return reads;
}

/** The turn's messages with each of the question's charts followed by its pixel reading. */
export function messagesWithReadings(turn: PreparedTurn, reads: readonly ChartRead[]): MessageParam[] {
  if (reads.length === 0) return turn.messages;
  const charts = turn.charts.charts.map((chart, index) => ({ ...chart, reading: reads[index]?.text ?? chart.reading }));
  return buildMessages(turn.window, { holderId: turn.charts.holderId, charts });
}

/**
 * Keeps the readings in the stored question's chart metadata (history draws them; a follow-up gives the model
 * the same text). Charts whose reading was already stored are not written again. Never throws: a reading that
 * could not be kept costs history its labels, not the answer.
 */
export async function keepReadings(
  db: Database,
  turn: PreparedTurn,
  reads: readonly ChartRead[],
  log: FastifyBaseLogger,
): Promise<void> {
  const images = turn.window.at(-1)?.images ?? [];
  const fresh = turn.questionCharts.some((chart) => chart.stored === null);
  if (!turn.questionId || !fresh || reads.length !== images.length) return;
  const read = images.map((meta, index): ImageMeta => ({
    ...meta,
    analysis: reads[index]!.analysis,
    reader: { text: reads[index]!.text, target: reads[index]!.target },
  }));
  try {
    await conversationsRepository(db).setChartReadings(turn.questionId, read);
  } catch (error) {
    log.warn({ err: error }, 'could not keep the chart readings with the question');
  }
}
