// The frozen screen, filling the window: the trader drags a rectangle over the chart and it is cropped on
// release (or takes the whole frame). Esc cancels (handled with the other keys in App).
import { useRef, useState, type PointerEvent } from 'react';
import type { CapturedFrame, Rect } from '../shared';
import { useChartStore } from '../state/chart-store';

interface Point {
  x: number;
  y: number;
}

/** A drag shorter than this (CSS px) is a click, not a crop. */
const MIN_DRAG_PX = 8;

const clamp = (value: number, max: number): number => Math.min(Math.max(value, 0), max);

const normalized = (start: Point, end: Point): Rect => ({
  x: Math.min(start.x, end.x),
  y: Math.min(start.y, end.y),
  width: Math.abs(end.x - start.x),
  height: Math.abs(end.y - start.y),
});

export function CropOverlay({ frame }: { frame: CapturedFrame }) {
  const image = useRef<HTMLImageElement>(null);
  const [drag, setDrag] = useState<{ start: Point; end: Point } | null>(null);
  const busy = useChartStore((state) => state.busy);
  const { cropFrame, takeWholeFrame, cancelCrop } = useChartStore.getState();

  const pointOf = (event: PointerEvent): Point | null => {
    const box = image.current?.getBoundingClientRect();
    if (!box) return null;
    return { x: clamp(event.clientX - box.left, box.width), y: clamp(event.clientY - box.top, box.height) };
  };

  const down = (event: PointerEvent<HTMLDivElement>): void => {
    const point = pointOf(event);
    if (!point || busy) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    setDrag({ start: point, end: point });
  };

  const move = (event: PointerEvent<HTMLDivElement>): void => {
    const point = pointOf(event);
    if (drag && point) setDrag({ start: drag.start, end: point });
  };

  const up = (): void => {
    const box = image.current?.getBoundingClientRect();
    if (!drag || !box) return;
    const selection = normalized(drag.start, drag.end);
    if (selection.width < MIN_DRAG_PX || selection.height < MIN_DRAG_PX) return setDrag(null);
    void cropFrame(selection, { width: box.width, height: box.height });
  };

  const selection = drag ? normalized(drag.start, drag.end) : null;
  return (
    <div
      className="crop-overlay"
      role="dialog"
      aria-modal="true"
      aria-label="Crop the chart"
      data-testid="crop-overlay"
    >
      <div className="crop-toolbar">
        <span>
          {busy ? 'Preparing the chart…' : 'Drag over the chart to crop it.'}{' '}
          <span className="hint">
            {frame.width} × {frame.height} px · Esc cancels
          </span>
        </span>
        <button type="button" className="secondary" onClick={() => void takeWholeFrame()} disabled={busy}>
          Use whole screen
        </button>
        <button type="button" className="secondary" onClick={cancelCrop}>
          Cancel
        </button>
      </div>
      <div className="crop-stage">
        <div
          className="crop-frame"
          data-testid="crop-area"
          onPointerDown={down}
          onPointerMove={move}
          onPointerUp={up}
          onPointerCancel={() => setDrag(null)}
        >
          <img ref={image} src={frame.dataUrl} alt="The captured screen" draggable={false} />
          {selection && (
            <div
              className="crop-selection"
              data-testid="crop-selection"
              style={{ left: selection.x, top: selection.y, width: selection.width, height: selection.height }}
            />
          )}
        </div>
      </div>
    </div>
  );
}
