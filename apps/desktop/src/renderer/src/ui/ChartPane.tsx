// The wide window's chart beside the thread, large enough to read the bars: the chart in the question box,
// else the last one this window sent (a conversation opened from history has its charts in the thread).
import { chartUrl } from '../chart/encode-chart';
import { useChartStore } from '../state/chart-store';

export function ChartPane() {
  // Each selector returns an object the store holds, so the pane re-renders only when a chart changes.
  const pending = useChartStore((state) => state.charts[0] ?? null);
  const sent = useChartStore((state) => state.sent.findLast((each) => each.image !== null) ?? null);
  const chart = pending ?? sent;
  if (!chart?.image) return null;
  const caption = `${chart.label ?? 'Chart'} · ${pending ? 'in the question box' : 'last sent'}`;
  return (
    <aside className="chart-pane" aria-label="Chart" data-testid="chart-pane">
      <figure>
        <img src={chartUrl(chart.image)} alt={chart.label ? `Chart ${chart.label}` : 'The chart'} />
        <figcaption>{caption}</figcaption>
      </figure>
    </aside>
  );
}
