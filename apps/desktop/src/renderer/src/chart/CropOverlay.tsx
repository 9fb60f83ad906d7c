// The frozen screen with a crop on it: drag a region, adjust it with its handles or move it, then confirm
// with Enter, a double-click or the button; Esc cancels. The toolbar shows the region's size in the frame's
// own pixels and warns when it is too small to read the bars. Shown 1:1 with the screen in Electron's crop
// window, fitted to the window in the web version.
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import type { CropFrame, Rect } from '../shared';
import { moveBox, regionOf, resizeBox, type Box, type Edge } from './crop-box';
import { wholeImage } from './encode-chart';

/** Below this a chart's bars are too few pixels for the model (or the trader) to read. */
export const MIN_READABLE = { width: 400, height: 250 } as const;
/** A drag shorter than this (CSS px of the shown frame) is a click, not a region. */
const MIN_DRAG_PX = 8;
const HANDLES: readonly Edge[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'];

type Drag =
  | { mode: 'draw'; from: { x: number; y: number } }
  | { mode: 'move'; from: { x: number; y: number }; start: Box }
  | { mode: 'resize'; edge: Edge; start: Box };

export interface CropOverlayProps {
  frame: CropFrame;
  /** native: one frame pixel per device pixel (the crop window covers that screen); fit: scaled into the window. */
  fit: 'native' | 'fit';
  busy?: boolean;
  /** The chosen region, in the frame's pixels. */
  onConfirm: (rect: Rect) => void;
  onCancel: () => void;
}

export function CropOverlay({ frame, fit, busy = false, onConfirm, onCancel }: CropOverlayProps) {
  const image = useRef<HTMLImageElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState<Box | null>(null);
  const [drag, setDrag] = useState<Drag | null>(null);

  useEffect(() => root.current?.focus(), []);

  // The box is kept in fractions of the shown frame, so it stays on the same bars when the frame's shown size
  // changes (the window resizes, the toolbar grows a line).
  const shown = (): { left: number; top: number; width: number; height: number } => {
    const bounds = image.current?.getBoundingClientRect();
    return { left: bounds?.left ?? 0, top: bounds?.top ?? 0, width: bounds?.width || 1, height: bounds?.height || 1 };
  };
  const pointOf = (event: PointerEvent): { x: number; y: number } => {
    const { left, top, width, height } = shown();
    const clamp = (value: number): number => Math.min(Math.max(value, 0), 1);
    return { x: clamp((event.clientX - left) / width), y: clamp((event.clientY - top) / height) };
  };
  /** The smallest region, in fractions of the shown frame (a drag shorter than this is a click). */
  const minFraction = (): number => MIN_DRAG_PX / Math.max(shown().width, shown().height);
  /** The region in the frame's pixels, or null while there is none. */
  const region = box ? regionOf(box, frame, fit) : null;

  const confirm = (): void => {
    if (region && !busy) onConfirm(region);
  };

  const down = (event: PointerEvent<HTMLDivElement>): void => {
    if (busy || event.button !== 0) return;
    const point = pointOf(event);
    const handle = (event.target as HTMLElement).dataset.handle as Edge | undefined;
    event.currentTarget.setPointerCapture(event.pointerId);
    if (handle && box) setDrag({ mode: 'resize', edge: handle, start: box });
    else if (box && point.x > box.left && point.x < box.right && point.y > box.top && point.y < box.bottom) {
      setDrag({ mode: 'move', from: point, start: box });
    } else {
      setDrag({ mode: 'draw', from: point });
      setBox(null);
    }
  };

  const move = (event: PointerEvent<HTMLDivElement>): void => {
    if (!drag) return;
    const point = pointOf(event);
    const min = minFraction();
    if (drag.mode === 'draw') {
      const { from } = drag;
      if (Math.abs(point.x - from.x) < min && Math.abs(point.y - from.y) < min) return;
      setBox({
        left: Math.min(from.x, point.x),
        top: Math.min(from.y, point.y),
        right: Math.max(from.x, point.x),
        bottom: Math.max(from.y, point.y),
      });
    } else if (drag.mode === 'move') {
      setBox(moveBox(drag.start, point.x - drag.from.x, point.y - drag.from.y, { width: 1, height: 1 }));
    } else {
      setBox(resizeBox(drag.start, drag.edge, point, min));
    }
  };

  const keyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      onCancel();
    } else if (event.key === 'Enter') {
      event.preventDefault();
      confirm();
    }
  };

  const tooSmall = region !== null && (region.width < MIN_READABLE.width || region.height < MIN_READABLE.height);
  // Native: the frame's device pixels shown 1:1 on the screen the window covers.
  const nativeSize =
    fit === 'native' ? { width: frame.width / frame.scaleFactor, height: frame.height / frame.scaleFactor } : undefined;
  return (
    <div
      ref={root}
      className={`crop-overlay crop-${fit}`}
      role="dialog"
      aria-modal="true"
      aria-label="Crop the chart"
      data-testid="crop-overlay"
      tabIndex={-1}
      onKeyDown={keyDown}
    >
      <div className="crop-toolbar">
        <div className="crop-help">
          <span>
            {busy
              ? 'Preparing the chart…'
              : box
                ? 'Adjust with the handles; Enter or double-click to use it.'
                : 'Drag over the chart to crop it.'}
          </span>
          {/* One line whatever it says, so the frame below never moves while the trader drags. */}
          <span className="hint crop-size" data-testid="crop-size">
            {region
              ? `Region ${region.width} × ${region.height} px`
              : `${frame.sourceName}: ${frame.width} × ${frame.height} px`}
            {tooSmall ? (
              <strong className="crop-warning" role="status" data-testid="crop-too-small">
                {' '}
                — too small to read the bars (≥ {MIN_READABLE.width} × {MIN_READABLE.height})
              </strong>
            ) : (
              ' · Esc cancels'
            )}
          </span>
        </div>
        <button type="button" className="primary" onClick={confirm} disabled={!region || busy}>
          Use region
        </button>
        <button type="button" className="secondary" onClick={() => onConfirm(wholeImage(frame))} disabled={busy}>
          Use whole screen
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <div className="crop-stage">
        <div
          className="crop-frame"
          data-testid="crop-area"
          onPointerDown={down}
          onPointerMove={move}
          onPointerUp={() => setDrag(null)}
          onPointerCancel={() => setDrag(null)}
          onDoubleClick={confirm}
        >
          <img
            ref={image}
            src={frame.dataUrl}
            alt="The captured screen"
            draggable={false}
            {...(nativeSize ? { width: nativeSize.width, height: nativeSize.height } : {})}
          />
          {box && (
            <div
              className="crop-selection"
              data-testid="crop-selection"
              style={{
                left: `${box.left * 100}%`,
                top: `${box.top * 100}%`,
                width: `${(box.right - box.left) * 100}%`,
                height: `${(box.bottom - box.top) * 100}%`,
              }}
            >
              {HANDLES.map((edge) => (
                <span key={edge} className={`crop-handle crop-handle-${edge}`} data-handle={edge} aria-hidden="true" />
              ))}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
