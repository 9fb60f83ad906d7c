// The wide window's chart beside the thread, large enough to read the bars: the chart in the question box,
// else the last one this window sent (a conversation opened from history has its charts in the thread). The
// local chart reader's bar numbers are drawn over it when it has read the chart, and said in the caption.
import { useRef } from 'react';
import { BarLabels } from '../chart/BarLabels';
import { readingText } from '../chart/bar-labels';
import { chartUrl } from '../chart/encode-chart';
import { useBarNumbersStore } from '../state/bar-numbers-store';
import { useChartStore } from '../state/chart-store';

export function ChartPane() {
  // Each selector returns an object the store holds, so the pane re-renders only when a chart changes.
  const pending = useChartStore((state) => state.charts[0] ?? null);
  const sent = useChartStore((state) => state.sent.findLast((each) => each.image !== null) ?? null);
  const numbersShown = useBarNumbersStore((state) => state.shown);
  const image = useRef<HTMLImageElement>(null);
  const chart = pending ?? sent;
  if (!chart?.image) return null;
  const caption = `${chart.label ?? 'Chart'} · ${pending ? 'in the question box' : 'last sent'}`;
  const words = numbersShown ? readingText(chart.reading) : null;
  return (
    <aside className="chart-pane" aria-label="Chart" data-testid="chart-pane">
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
