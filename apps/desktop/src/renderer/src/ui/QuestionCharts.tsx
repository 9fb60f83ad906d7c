// A question's charts in the thread, as images with their labels: those this window sent from their data,
// history's from the server (through the host). The local chart reader's bar numbers are drawn over each (the
// question's chart_analysis, or history's stored reading) and said in words under it. A click opens the chart
// full size; closing the viewer gives focus back to the image's button.
import type { ImageMeta } from '@strat-coach/server/contract';
import { useEffect, useRef, useState } from 'react';
import { BarLabels } from '../chart/BarLabels';
import { readingText, type ChartReading } from '../chart/bar-labels';
import type { QuestionChart } from '../lib/live-answer';
import { useBarNumbersStore } from '../state/bar-numbers-store';
import { storedKey, useChartStore } from '../state/chart-store';
import { ChartViewer, type ViewedChart } from './ChartViewer';
import './thread.css';

interface Shown {
  src: string | null;
  title: string;
  missing: boolean;
  reading: ChartReading | null;
}

function ChartButton({ shown }: { shown: Shown }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const image = useRef<HTMLImageElement>(null);
  const words = useBarNumbersStore((state) => (state.shown ? readingText(shown.reading) : null));
  const close = (): void => {
    setOpen(false);
    button.current?.focus();
  };
  if (shown.missing) return <span className="chip">{shown.title}: no longer kept</span>;
  const viewed: ViewedChart | null = shown.src ? { src: shown.src, title: shown.title, reading: shown.reading } : null;
  return (
    <figure className="turn-chart">
      <button
        ref={button}
        type="button"
        className="turn-chart-open"
        disabled={!viewed}
        onClick={() => setOpen(true)}
        aria-label={`Enlarge ${shown.title}`}
      >
        {shown.src ? (
          <img ref={image} src={shown.src} alt="" />
        ) : (
          <span className="turn-chart-loading">Loading chart…</span>
        )}
        {shown.src && <BarLabels reading={shown.reading} image={image} size="small" />}
      </button>
      <figcaption>
        {shown.title}
        {words && (
          <span className="turn-chart-reading" data-testid="turn-chart-reading">
            {words}
          </span>
        )}
      </figcaption>
      {open && viewed && <ChartViewer chart={viewed} onClose={close} />}
    </figure>
  );
}

const titleOf = (label: string | null | undefined, index: number): string => label ?? `Chart ${index + 1}`;

export function QuestionCharts({
  images,
  charts,
  conversationId,
  messageId,
}: {
  images: ImageMeta[];
  /** The charts' data, when this window sent them. */
  charts?: QuestionChart[] | undefined;
  conversationId: string | null;
  /** The stored question's id; null for one this window holds (its charts are here). */
  messageId: string | null;
}) {
  const stored = useChartStore((state) => state.stored);
  const loadStored = useChartStore((state) => state.loadStored);
  const fromServer = !charts?.length && conversationId !== null && messageId !== null;
  useEffect(() => {
    if (!fromServer || !conversationId || !messageId) return;
    images.forEach((_image, n) => void loadStored(conversationId, messageId, n));
  }, [fromServer, conversationId, messageId, images, loadStored]);

  const shown: Shown[] = charts?.length
    ? charts.map((chart, index) => ({
        src: `data:${chart.mediaType};base64,${chart.data}`,
        title: titleOf(chart.label, index),
        missing: false,
        reading: chart.analysis ?? images[index]?.analysis ?? null,
      }))
    : images.map((image, n) => {
        const url = messageId ? stored[storedKey(messageId, n)] : undefined;
        return {
          src: url ?? null,
          title: titleOf(image.label, n),
          missing: url === null || !fromServer,
          reading: image.analysis ?? null,
        };
      });
  if (shown.length === 0) return null;
  return (
    <div className="turn-charts" data-testid="turn-charts">
      {shown.map((chart, index) => (
        <ChartButton key={index} shown={chart} />
      ))}
    </div>
  );
}
