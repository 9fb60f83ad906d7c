// A chart at full size, over the window: zoom (buttons, wheel, + and -), pan (drag or the arrow keys), Fit; Esc
// or Close shuts it and focus goes back to the image that opened it (the native modal <dialog> keeps focus in).
// With the local chart reader's reading, the bar numbers are drawn over the candles (following the zoom and
// pan), the reading is said in words under the chart, and "Bar numbers" switches them off everywhere.
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent, type WheelEvent } from 'react';
import { BarLabels } from '../chart/BarLabels';
import { hasBars, readingText, type ChartReading } from '../chart/bar-labels';
import { useBarNumbersStore } from '../state/bar-numbers-store';
import { BarNumbersToggle } from './BarNumbersToggle';
import './thread.css';

export interface ViewedChart {
  src: string;
  /** "SPY 60m", or "Chart 1" without a label. */
  title: string;
  /** The local chart reader's reading of it, when there is one. */
  reading?: ChartReading | null | undefined;
}

const MIN_ZOOM = 1;
const MAX_ZOOM = 8;
const PAN_STEP = 40;
const clampZoom = (zoom: number): number => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));

export function ChartViewer({ chart, onClose }: { chart: ViewedChart; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState({ x: 0, y: 0 });
  const drag = useRef<{ x: number; y: number; panX: number; panY: number } | null>(null);
  const image = useRef<HTMLImageElement>(null);
  const numbersShown = useBarNumbersStore((state) => state.shown);
  const read = hasBars(chart.reading);
  const words = numbersShown ? readingText(chart.reading) : null;

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  // The dialog closes first: while it is modal, the page behind it cannot take focus back.
  const close = (): void => {
    dialog.current?.close();
    onClose();
  };
  const zoomTo = (next: number): void => {
    const zoomed = clampZoom(next);
    setZoom(zoomed);
    if (zoomed === MIN_ZOOM) setPan({ x: 0, y: 0 });
  };
  const keyDown = (event: KeyboardEvent): void => {
    // The window's Esc stops a streaming answer: here it only closes the viewer.
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
      return;
    }
    if (event.key === '+' || event.key === '=') zoomTo(zoom * 1.5);
    else if (event.key === '-') zoomTo(zoom / 1.5);
    else if (event.key === '0') zoomTo(1);
    else if (zoom > 1 && event.key.startsWith('Arrow')) {
      const dx = event.key === 'ArrowLeft' ? PAN_STEP : event.key === 'ArrowRight' ? -PAN_STEP : 0;
      const dy = event.key === 'ArrowUp' ? PAN_STEP : event.key === 'ArrowDown' ? -PAN_STEP : 0;
      setPan((at) => ({ x: at.x + dx, y: at.y + dy }));
    } else return;
    event.preventDefault();
  };
  const wheel = (event: WheelEvent): void => zoomTo(zoom * (event.deltaY < 0 ? 1.25 : 0.8));
  const pointerDown = (event: PointerEvent<HTMLDivElement>): void => {
    if (zoom === 1) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { x: event.clientX, y: event.clientY, panX: pan.x, panY: pan.y };
  };
  const pointerMove = (event: PointerEvent<HTMLDivElement>): void => {
    const start = drag.current;
    if (!start) return;
    setPan({ x: start.panX + event.clientX - start.x, y: start.panY + event.clientY - start.y });
  };

  return (
    <dialog
      ref={dialog}
      className="chart-viewer"
      aria-label={`${chart.title}, full size`}
      onKeyDown={keyDown}
      onCancel={(event) => {
        event.preventDefault();
        close();
      }}
    >
      <div className="viewer-bar">
        <h2 className="viewer-title">{chart.title}</h2>
        <span className="viewer-zoom" aria-live="polite" data-testid="viewer-zoom">
          {Math.round(zoom * 100)}%
        </span>
        <button type="button" className="secondary" onClick={() => zoomTo(zoom / 1.5)} disabled={zoom <= MIN_ZOOM}>
          Zoom out
        </button>
        <button type="button" className="secondary" onClick={() => zoomTo(zoom * 1.5)} disabled={zoom >= MAX_ZOOM}>
          Zoom in
        </button>
        <button type="button" className="secondary" onClick={() => zoomTo(1)} disabled={zoom === 1}>
          Fit
        </button>
        {read && <BarNumbersToggle />}
        <button type="button" className="primary" onClick={close} autoFocus>
          Close
        </button>
      </div>
      <div
        className={zoom > 1 ? 'viewer-stage pannable' : 'viewer-stage'}
        data-testid="viewer-stage"
        onWheel={wheel}
        onPointerDown={pointerDown}
        onPointerMove={pointerMove}
        onPointerUp={() => (drag.current = null)}
        onPointerCancel={() => (drag.current = null)}
      >
        <img
          ref={image}
          src={chart.src}
          alt={chart.title}
          draggable={false}
          data-testid="viewer-image"
          style={{ transform: `translate(${pan.x}px, ${pan.y}px) scale(${zoom})` }}
        />
        <BarLabels reading={chart.reading} image={image} view={{ zoom, pan }} />
      </div>
      {words && (
        <p className="viewer-reading" data-testid="viewer-reading">
          {words}
        </p>
      )}
      <p className="viewer-hint">Drag or use the arrow keys to pan · + / − to zoom · Esc closes</p>
    </dialog>
  );
}
