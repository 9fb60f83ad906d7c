// The bar numbers over a chart image: an overlay (absolutely placed over the image's container, the image's
// offset parent) with one pill above each of the latest candles' highs (a second row, with a leader line, where
// candles are narrow) and the trigger bar's level dashed to the right edge. Decorative for screen readers: the reading is said in words beside the
// image (readingText). Drawn only while the trader has the bar numbers on.
import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { useBarNumbersStore } from '../state/bar-numbers-store';
import {
  FIT,
  hasBars,
  imageBox,
  fitBarLabels,
  type Box,
  type ChartReading,
  type PillSize,
  type Size,
  type View,
} from './bar-labels';
import './bar-labels.css';

interface Measured {
  bounds: Size;
  /** The image element's layout box in the overlay (before the viewer's zoom and pan). */
  element: Box;
}

const same = (a: Measured | null, b: Measured): boolean =>
  a !== null &&
  a.bounds.width === b.bounds.width &&
  a.bounds.height === b.bounds.height &&
  a.element.left === b.element.left &&
  a.element.top === b.element.top &&
  a.element.width === b.element.width &&
  a.element.height === b.element.height;

function measure(overlay: HTMLElement, image: HTMLImageElement): Measured {
  const bounds = { width: overlay.clientWidth, height: overlay.clientHeight };
  if (image.offsetParent !== null && image.offsetParent === overlay.offsetParent) {
    // Offsets ignore CSS transforms: the viewer's zoom and pan are applied by imageBox.
    return {
      bounds,
      element: {
        // The content box: inside the image's own border, where object-fit draws it.
        left: image.offsetLeft + image.clientLeft - overlay.offsetLeft,
        top: image.offsetTop + image.clientTop - overlay.offsetTop,
        width: image.clientWidth,
        height: image.clientHeight,
      },
    };
  }
  const outer = overlay.getBoundingClientRect();
  const inner = image.getBoundingClientRect();
  return {
    bounds,
    element: { left: inner.left - outer.left, top: inner.top - outer.top, width: inner.width, height: inner.height },
  };
}

export function BarLabels({
  reading,
  image,
  view = FIT,
  size = 'normal',
}: {
  reading: ChartReading | null | undefined;
  image: RefObject<HTMLImageElement | null>;
  view?: View;
  size?: PillSize;
}) {
  const shown = useBarNumbersStore((state) => state.shown);
  const overlay = useRef<HTMLDivElement>(null);
  const [measured, setMeasured] = useState<Measured | null>(null);
  const drawn = shown && hasBars(reading);

  useLayoutEffect(() => {
    const element = overlay.current;
    const img = image.current;
    if (!drawn || !element || !img) return;
    const update = (): void => {
      const next = measure(element, img);
      setMeasured((previous) => (same(previous, next) ? previous : next));
    };
    update();
    const observer = new ResizeObserver(update);
    observer.observe(element);
    observer.observe(img);
    img.addEventListener('load', update);
    return () => {
      observer.disconnect();
      img.removeEventListener('load', update);
    };
  }, [drawn, image]);

  if (!drawn) return null;
  const { layout, drawnSize } = measured
    ? fitBarLabels(
        reading,
        imageBox({ width: reading.width, height: reading.height }, measured.element, view),
        measured.bounds,
        size,
      )
    : { layout: { labels: [], triggers: [] }, drawnSize: size };
  const { labels, triggers } = layout;
  return (
    <div ref={overlay} className={`bar-labels bar-labels-${drawnSize}`} aria-hidden="true" data-testid="bar-labels">
      {measured && (triggers.length > 0 || labels.some((label) => label.lifted)) && (
        <svg className="bar-lines" width={measured.bounds.width} height={measured.bounds.height}>
          {triggers.map((level) => (
            <line
              key={level.side}
              className={`bar-trigger-level bar-trigger-${level.side}`}
              data-testid="trigger-level"
              x1={level.x1}
              x2={level.x2}
              y1={level.y}
              y2={level.y}
            />
          ))}
          {labels
            .filter((label) => label.lifted)
            .map((label) => (
              <line
                key={label.candle}
                className={`bar-leader bar-leader-${label.kind}`}
                x1={label.anchor.x}
                x2={label.anchor.x}
                y1={label.box.top + label.box.height}
                y2={label.anchor.y}
              />
            ))}
        </svg>
      )}
      {labels.map((label) => (
        <span
          key={label.candle}
          className={`bar-label bar-${label.kind}${label.trigger ? ' bar-trigger' : ''}`}
          data-testid="bar-label"
          data-candle={label.candle}
          data-trigger={label.trigger || undefined}
          style={{ left: label.box.left, top: label.box.top, width: label.box.width, height: label.box.height }}
        >
          {label.text}
        </span>
      ))}
    </div>
  );
}
