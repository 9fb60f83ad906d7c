// The charts of the next question, higher timeframe first: each with its thumbnail, timeframe and symbol,
// remove and pin; the conversation's charts ("same chart") when no new ones are attached; and the ways to add
// one — Capture (the last screen or window used), Screen or window… (a picker), Image…, Recapture pinned.
import { MAX_IMAGES } from '@strat-coach/server/contract';
import { useRef, useState, type ChangeEvent } from 'react';
import { BarLabels } from '../chart/BarLabels';
import { readingText } from '../chart/bar-labels';
import { chartUrl } from '../chart/encode-chart';
import { joinLabel, splitLabel, TIMEFRAME_CHOICES, type LabelParts } from '../lib/chart-labels';
import { useBarNumbersStore } from '../state/bar-numbers-store';
import { useChartStore, type PendingChart, type SentChart } from '../state/chart-store';
import { usePinnedStore } from '../state/pinned-store';
import { ChartViewer } from './ChartViewer';
import { focusQuestion } from './focus-question';
import './thread.css';

/** The symbol of the question's other labelled charts, if one has one. */
function symbolBeside(id: string): string {
  for (const other of useChartStore.getState().charts) {
    if (other.id === id || !other.label) continue;
    const { symbol } = splitLabel(other.label);
    if (symbol) return symbol;
  }
  return '';
}

function ChartCard({ chart, index }: { chart: PendingChart; index: number }) {
  const { relabel, remove } = useChartStore.getState();
  const pin = usePinnedStore((state) => state.pin);
  // A new chart starts with the symbol the others have: the timeframes differ, the ticker seldom does.
  const [parts, setParts] = useState<LabelParts>(() =>
    chart.label ? splitLabel(chart.label) : { ...splitLabel(null), symbol: symbolBeside(chart.id) },
  );
  const [problem, setProblem] = useState<string | null>(null);
  const [pinned, setPinned] = useState(false);
  const [enlarged, setEnlarged] = useState(false);
  const enlarge = useRef<HTMLButtonElement>(null);
  const image = useRef<HTMLImageElement>(null);
  const name = `chart ${index + 1}`;
  const words = useBarNumbersStore((state) => (state.shown ? readingText(chart.reading) : null));

  const change = (next: LabelParts): void => {
    setParts(next);
    setProblem(relabel(chart.id, joinLabel(next)));
    setPinned(false);
  };
  const pinIt = async (): Promise<void> => {
    const refused = await pin(chart.id);
    setProblem(refused);
    setPinned(refused === null);
  };

  return (
    <figure
      className="chart-card"
      data-testid="chart-thumbnail"
      data-label={chart.label ?? ''}
      data-width={chart.image.width}
      data-height={chart.image.height}
    >
      <div className="thumb">
        <button
          ref={enlarge}
          type="button"
          className="thumb-enlarge"
          aria-label={`Enlarge ${name}`}
          onClick={() => setEnlarged(true)}
        >
          <img
            ref={image}
            src={chartUrl(chart.image)}
            alt={`Chart ${chart.label ?? 'without a label'}, ${chart.image.width} × ${chart.image.height}`}
          />
        </button>
        <BarLabels reading={chart.reading} image={image} size="small" />
        <button
          type="button"
          className="thumb-remove"
          aria-label={`Remove ${name}`}
          onClick={() => {
            remove(chart.id);
            focusQuestion();
          }}
        >
          ×
        </button>
      </div>
      {enlarged && (
        <ChartViewer
          chart={{ src: chartUrl(chart.image), title: chart.label ?? `Chart ${index + 1}`, reading: chart.reading }}
          onClose={() => {
            setEnlarged(false);
            enlarge.current?.focus();
          }}
        />
      )}
      <figcaption className="chart-label">
        <select
          aria-label={`Timeframe of ${name}`}
          value={parts.timeframe}
          onChange={(event) => change({ ...parts, timeframe: event.target.value as LabelParts['timeframe'] })}
        >
          <option value="">TF</option>
          {TIMEFRAME_CHOICES.map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.text}
            </option>
          ))}
        </select>
        <input
          aria-label={`Symbol of ${name}`}
          placeholder="Symbol"
          value={parts.symbol}
          maxLength={40}
          onChange={(event) => change({ ...parts, symbol: event.target.value })}
        />
        {chart.region && (
          <button
            type="button"
            className="icon-button pin-button"
            aria-label={`Pin ${name}'s region`}
            aria-pressed={pinned}
            title="Pin this region: recapture it with one click"
            onClick={() => void pinIt()}
          >
            {pinned ? 'Pinned' : 'Pin'}
          </button>
        )}
      </figcaption>
      {words && (
        <p className="chart-reading" data-testid="chart-reading">
          {words}
        </p>
      )}
      {problem && (
        <p className="chart-problem" role="alert">
          {problem}
        </p>
      )}
    </figure>
  );
}

function SameCharts({ charts }: { charts: SentChart[] }) {
  return (
    <div className="same-charts" data-testid="same-chart">
      {charts.map((chart) =>
        chart.image ? (
          <figure key={chart.id} className="thumb thumb-sent">
            <img
              src={chartUrl(chart.image)}
              alt={`The conversation's chart ${chart.label ?? ''}, already with the coach`}
            />
            <figcaption>{chart.label ?? 'Same chart'}</figcaption>
          </figure>
        ) : (
          // Charts of a conversation opened from History: the images stay on the server; the labels say which.
          <span key={chart.id} className="chip">
            {chart.label ?? 'Chart'}
          </span>
        ),
      )}
      <span className="hint">
        Same chart{charts.length === 1 ? '' : 's'}: follow-ups use {charts.length === 1 ? 'it' : 'them'}
      </span>
    </div>
  );
}

export function ChartStrip() {
  const { charts, sent, busy, error } = useChartStore();
  const { capture, chooseSource, acceptFile, setError } = useChartStore.getState();
  const pinnedCount = usePinnedStore((state) => state.regions.length);
  const recapturing = usePinnedStore((state) => state.busy);
  const pinnedNotice = usePinnedStore((state) => state.notice);
  const { recapture, dismissNotice } = usePinnedStore.getState();
  const picker = useRef<HTMLInputElement>(null);
  const full = charts.length >= MAX_IMAGES;
  const picked = (event: ChangeEvent<HTMLInputElement>): void => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file) void acceptFile(file);
  };
  const working = busy || recapturing;

  return (
    <div className="chart-strip">
      {charts.length > 0 && (
        <div className="chart-cards" aria-label="Charts for this question">
          {charts.map((chart, index) => (
            <ChartCard key={chart.id} chart={chart} index={index} />
          ))}
        </div>
      )}
      {charts.length === 0 && sent.length > 0 && <SameCharts charts={sent} />}
      <div className="chart-actions">
        <button type="button" className="secondary" onClick={() => void capture()} disabled={working || full}>
          {busy ? 'Preparing…' : charts.length > 0 ? 'Add chart' : sent.length > 0 ? 'New capture' : 'Capture'}
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => void chooseSource()}
          disabled={working || full}
          title="Choose a screen or a window to capture"
        >
          Screen or window…
        </button>
        <button type="button" className="secondary" onClick={() => picker.current?.click()} disabled={working || full}>
          Image…
        </button>
        {pinnedCount > 0 && (
          <button type="button" className="secondary" onClick={() => void recapture()} disabled={working}>
            {recapturing ? 'Recapturing…' : `Recapture pinned (${pinnedCount})`}
          </button>
        )}
        <input ref={picker} type="file" accept="image/*" hidden onChange={picked} data-testid="chart-file" />
        {charts.length === 0 && sent.length === 0 && <span className="hint">or paste / drop a chart</span>}
      </div>
      {(error ?? pinnedNotice) && (
        <p className="chart-error" role="alert" data-testid="chart-error">
          {error ?? pinnedNotice}
          <button
            type="button"
            className="icon-button"
            aria-label="Dismiss"
            onClick={() => (error ? setError(null) : dismissNotice())}
          >
            ×
          </button>
        </p>
      )}
    </div>
  );
}
