// The wide window's charts beside the thread, large enough to read the bars: those in the question box, else the
// last ones this window sent (a conversation opened from history has its charts in the thread). One at a time, the
// higher timeframe first; with several, a row of their labels switches between them. The local chart reader's bar
// numbers are drawn over the chart when it has read it, and said in the caption.
import { useRef, useState } from 'react';
import { BarLabels } from '../chart/BarLabels';
import { readingText } from '../chart/bar-labels';
import { chartUrl } from '../chart/encode-chart';
import { useBarNumbersStore } from '../state/bar-numbers-store';
import { useChartStore } from '../state/chart-store';

export function ChartPane() {
  // Each selector returns an array the store holds, so the pane re-renders only when the charts change.
  const pending = useChartStore((state) => state.charts);
  const sent = useChartStore((state) => state.sent);
  const numbersShown = useBarNumbersStore((state) => state.shown);
  const image = useRef<HTMLImageElement>(null);
  // By id, so relabelling or adding a chart does not move the pane off the one the trader is reading.
  const [chosenId, setChosenId] = useState<string | null>(null);
  const inBox = pending.length > 0;
  const charts = inBox ? pending : sent.filter((each) => each.image !== null);
  const chart = charts.find((each) => each.id === chosenId) ?? charts[0];
  if (!chart?.image) return null;
  const name = (each: { label: string | null }, index: number) => each.label ?? `Chart ${index + 1}`;
  const caption = `${chart.label ?? 'Chart'} · ${inBox ? 'in the question box' : 'last sent'}`;
  const words = numbersShown ? readingText(chart.reading) : null;
  return (
    <aside className="chart-pane" aria-label="Chart" data-testid="chart-pane">
      {charts.length > 1 && (
        <div className="chart-pane-choices" role="group" aria-label="Charts">
          {charts.map((each, index) => (
            <button
              key={each.id}
              type="button"
              className="chart-pane-choice"
              aria-pressed={each.id === chart.id}
              onClick={() => setChosenId(each.id)}
            >
              {name(each, index)}
            </button>
          ))}
        </div>
      )}
      <figure>
        <div className="chart-frame">
          <img ref={image} src={chartUrl(chart.image)} alt={chart.label ? `Chart ${chart.label}` : 'The chart'} />
          <BarLabels reading={chart.reading} image={image} />
        </div>
        <figcaption>
          {caption}
          {words && (
            <span className="chart-pane-reading" data-testid="chart-pane-reading">
              {words}
            </span>
          )}
        </figcaption>
      </figure>
    </aside>
  );
}
