// The answer without a model (no ANTHROPIC_API_KEY): a short, deterministic Markdown read-out of what the local
// chart reader measured on each chart — the last bars and their numbers, the sequence, the combo and its status,
// the trigger and target bars, and what to check next — and how to enable the coach.
import type { ChartAnalysisSkip } from '../contract/chat.js';
import type { ChartRead } from './chart-analysis.js';

/** The model named in stream_start and message_start when the local reader answers (the window keys on it). */
export const LOCAL_READER_MODEL = 'local-chart-reader';

/** Bars listed per chart, the live one last. */
const LISTED_BARS = 6;

export const ENABLE_COACH =
  '_This is the local chart reader: bar numbers measured from the pixels, not coaching. ' +
  'To get the coach’s answer, set `ANTHROPIC_API_KEY` on the server and restart it._';

const NEEDS_A_CHART =
  'The local chart reader answers from a chart: capture one and ask again, and it numbers the bars ' +
  '(1, 2U, 2D, 3), names the combo in progress and says what would trigger it.';

const SKIPPED: Record<ChartAnalysisSkip, string> = {
  no_candles: 'no candlesticks found in it',
  image_too_large: 'the image is too large to read',
  unreadable_image: 'the image could not be decoded',
  timeout: 'it could not be read in time',
};

/** "live" for the right-most bar, "-1" for the last closed one, and so on (the coaching prompt's words). */
const barName = (index: number, last: number): string => (index === last ? 'live' : `-${last - index}`);
const bar = (index: number, last: number): string => (index === last ? 'the live bar' : `bar ${barName(index, last)}`);

type Side = 'long' | 'short';
const end = (side: Side): string => (side === 'long' ? 'high' : 'low');

function colourOf(candle: { openPx: number; closePx: number }): string {
  if (candle.closePx < candle.openPx) return 'up';
  if (candle.closePx > candle.openPx) return 'down';
  return 'flat';
}

function barsTable(read: ChartRead): string[] {
  const { candles } = read.analysis;
  const last = candles.length - 1;
  const from = Math.max(0, candles.length - LISTED_BARS);
  const rows = candles
    .slice(from)
    .map((candle, k) => `| ${barName(from + k, last)} | ${candle.type ?? '?'} | ${colourOf(candle)} |`);
  return ['| bar | number | candle |', '| --- | --- | --- |', ...rows];
}

function comboLines(read: ChartRead): string[] {
  const { analysis, target } = read;
  const last = analysis.candles.length - 1;
  const combo = analysis.combo;
  if (!combo) return ['**Combo:** none in the last bars.'];
  const lines = [
    `**Combo:** ${combo.name} (${combo.bars}), ${combo.side === 'both' ? 'either side' : combo.side}, ${combo.status}.`,
  ];
  const trigger = analysis.trigger;
  if (trigger) {
    const which = trigger.side === 'both' ? 'high (long) or low (short)' : `${end(trigger.side)}`;
    const targetText =
      target === null
        ? ''
        : trigger.side === 'both'
          ? `; target: ${bar(target, last)}’s high (long) or low (short)`
          : `; target: ${bar(target, last)}’s ${end(trigger.side)}`;
    lines.push(`**Trigger:** ${bar(trigger.candle, last)}’s ${which}${targetText}.`);
  }
  return lines;
}

/** What would change the picture next, from the combo's status or, without one, the live bar's number. */
function nextCheck(read: ChartRead): string {
  const { analysis } = read;
  const last = analysis.candles.length - 1;
  const trigger = analysis.trigger;
  const combo = analysis.combo;
  if (combo && trigger) {
    const at = bar(trigger.candle, last);
    if (trigger.side === 'both')
      return `${at} is an inside bar waiting for its break: a move above its high triggers long, below its low short.`;
    if (combo.status === 'pending') return `a break of ${at}’s ${end(trigger.side)} would trigger it ${trigger.side}.`;
    if (combo.status === 'failed')
      return `the live bar is back through ${at}’s ${end(trigger.side)}: the setup failed unless it takes it out again.`;
    return `it holds while the live bar stays beyond ${at}’s ${end(trigger.side)}; a close back through it fails it.`;
  }
  const live = analysis.candles[last]?.type ?? null;
  if (live === '1') return 'the live bar is inside bar -1: watch for the break of its high (2U) or low (2D).';
  if (live === '2U') return 'the live bar took out bar -1’s high (2U); if it also takes out its low, it becomes a 3.';
  if (live === '2D') return 'the live bar took out bar -1’s low (2D); if it also takes out its high, it becomes a 3.';
  if (live === '3')
    return 'the live bar took out both ends of bar -1 (a 3): watch the next bar’s break of its high or low.';
  return 'the live bar’s number is unsure (its high or low is within a pixel of bar -1’s): check them on the chart.';
}

function chartSection(read: ChartRead, index: number, count: number, label: string | null): string {
  const title = `### Chart ${index + 1}${count > 1 ? ` of ${count}` : ''}${label ? ` — ${label}` : ''}`;
  const { analysis } = read;
  if (analysis.skipped || analysis.candles.length === 0)
    return `${title}\n\nNot read: ${SKIPPED[analysis.skipped ?? 'no_candles']}.`;
  return [
    title,
    '',
    `Read from the pixels: the last ${Math.min(LISTED_BARS, analysis.candles.length)} bars, oldest first.`,
    '',
    ...barsTable(read),
    '',
    `**Sequence:** ${analysis.sequence || '?'}`,
    '',
    ...comboLines(read).flatMap((line) => [line, '']),
    `**What to check next:** ${nextCheck(read)}`,
  ].join('\n');
}

/**
 * The read-out, one part per chart (each a content_delta), then the line on enabling the coach. Without charts:
 * what the local reader needs, and the same line.
 */
export function localAnswer(reads: readonly ChartRead[], labels: readonly (string | null)[]): string[] {
  if (reads.length === 0) return [`${NEEDS_A_CHART}\n\n`, ENABLE_COACH];
  return [
    ...reads.map((read, index) => `${chartSection(read, index, reads.length, labels[index] ?? null)}\n\n`),
    ENABLE_COACH,
  ];
}
