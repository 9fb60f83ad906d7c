// Scores readings against ground truth: a truth candle is matched to the reader's candle nearest its centre
// (within a third of the bar spacing), and its type counts where the high and the low each differ from the
// previous candle's by more than 1.5 px. A missed candle or a null type on such a candle is a disagreement.
import type { ChartReading } from '../../src/chart-reader/index.js';
import type { TruthChart } from './generate.js';

export interface ChartScore {
  id: string;
  style: string;
  /** Candles whose type is clear at the pixel level (|delta high| and |delta low| > 1.5 px). */
  clear: number;
  agreed: number;
  /** Clear candles the reader did not find, or found without a type. */
  missed: number;
  wrong: number;
  /** Candles within 1.5 px of a take-out that the reader left untyped (null), as it should. */
  closeCalls: number;
  closeCallsNull: number;
  ms: number;
}

type Type = '1' | '2U' | '2D' | '3';

export function scoreChart(chart: TruthChart, reading: ChartReading, ms: number): ChartScore {
  const score: ChartScore = {
    id: chart.id,
    style: chart.spec.style,
    clear: 0,
    agreed: 0,
    missed: 0,
    wrong: 0,
    closeCalls: 0,
    closeCallsNull: 0,
    ms,
  };
  const spacing = chart.spec.barSpacing * chart.spec.dpr;
  chart.candles.forEach((candle, index) => {
    if (index === 0) return;
    const prev = chart.candles[index - 1]!;
    // Types use price order (exact); the pixel distance decides whether a pixel reader can see it.
    const bar = chart.spec.bars[index]!;
    const prevBar = chart.spec.bars[index - 1]!;
    const type: Type =
      bar.high > prevBar.high && bar.low < prevBar.low
        ? '3'
        : bar.high > prevBar.high
          ? '2U'
          : bar.low < prevBar.low
            ? '2D'
            : '1';
    const clear = Math.abs(candle.highPx - prev.highPx) > 1.5 && Math.abs(candle.lowPx - prev.lowPx) > 1.5;
    const found = reading.candles.find((c) => Math.abs(c.x - candle.x) <= spacing / 3);
    if (!clear) {
      score.closeCalls += 1;
      if (found && found.type === null) score.closeCallsNull += 1;
      return;
    }
    score.clear += 1;
    if (!found || found.type === null) score.missed += 1;
    else if (found.type === type) score.agreed += 1;
    else score.wrong += 1;
  });
  return score;
}
