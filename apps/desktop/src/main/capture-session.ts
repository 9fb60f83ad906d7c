// The capture:* and crop:* handlers' logic: freeze a source, let the trader crop it in the overlay window
// (one crop at a time) and resolve with the chart and its region; recapture a pinned region, or the whole
// display under the cursor, without asking. Pure over ports: Electron's windows and capturer are injected.
import type { CapturedChart, CaptureSourceInfo, ChartRegion, CropFrame, HostResult } from '../shared/host-api';
import { parsePinnedRegions, PINNED_SCHEMA_VERSION } from '../shared/pinned-regions';
import {
  resolvePinnedSource,
  scaleRegionToFrame,
  type PinnedSource,
  type WindowSourceInfo,
} from '../shared/region-geometry';
import {
  captureFailure,
  freezeDisplay,
  freezeWindow,
  listWindows,
  type CapturePorts,
  type DisplayLike,
  type Frame,
} from './capture';
import { findTarget, listSources, type SourceTarget } from './capture-sources';
import type { CaptureShield } from './capture-shield';
import { encodeChart } from './chart-encoding';
import { readCropResult } from './crop-payload';
import { describeError, type Logger } from './log';

/** The crop window, as the session drives it. */
export interface CropOverlay {
  focus(): void;
  close(): void;
}

export interface CaptureSessionOptions {
  ports: CapturePorts;
  shield: CaptureShield;
  /** Opens the crop window over `display`; `onGone` once it is closed, crashed or its display removed. */
  openOverlay(display: DisplayLike, onGone: () => void): CropOverlay;
  lastSource(): Promise<PinnedSource | null>;
  rememberSource(source: PinnedSource): void;
  log: Logger;
}

export interface CaptureSession {
  sources(): Promise<HostResult<CaptureSourceInfo[]>>;
  chart(sourceId?: unknown): Promise<HostResult<CapturedChart>>;
  region(region: unknown): Promise<HostResult<CapturedChart>>;
  underCursor(): Promise<HostResult<CapturedChart>>;
  /** crop:frame — throws when no crop is open. */
  cropFrame(): CropFrame;
  /** crop:done — throws for a result that does not hold up (the crop stays open). */
  cropDone(payload: unknown): void;
  /** crop:cancel, and closing the crop for any other reason. */
  cropCancel(): void;
  readonly cropOpen: boolean;
}

/** The crop's `done` was refused: its message says why (it is logged, never shown to the page). */
export class CropRefusedError extends Error {
  override name = 'CropRefusedError';
}

const BUSY = captureFailure('capture_busy', 'A capture is already open: finish or close it first.');
const CANCELLED = captureFailure('capture_cancelled', 'The capture was closed without choosing a region.');
const MAX_SOURCE_ID_CHARS = 200;

interface OpenCrop {
  frame: Frame;
  display: DisplayLike;
  overlay: CropOverlay | null;
  shown: CropFrame | null;
  resolve(result: HostResult<CapturedChart>): void;
}

const regionOf = (frame: Frame, rect: ChartRegion['rect']): ChartRegion => ({
  source: frame.source,
  rect,
  sourceSize: frame.size,
  sourceName: frame.sourceName,
});

/** The chart of `rect` in a frozen frame, encoded in main. */
function chartOf(frame: HostResult<Frame>, rect: (frame: Frame) => ChartRegion['rect']): HostResult<CapturedChart> {
  if (!frame.ok) return frame;
  const region = regionOf(frame.value, rect(frame.value));
  const image = encodeChart(frame.value.image, region.rect);
  return image.ok ? { ok: true, value: { image: image.value, region } } : image;
}

export function createCaptureSession(options: CaptureSessionOptions): CaptureSession {
  const { ports, shield, log } = options;
  let open: OpenCrop | null = null;
  // From the first call until its crop window is up: a second call must not freeze or open another.
  let preparing = false;

  const lastSource = () =>
    options.lastSource().catch((error: unknown) => {
      log.warn('last capture source unreadable', { error: describeError(error) });
      return null;
    });

  // One freeze at a time: two at once would let one put the coach window back while the other freezes.
  let freezing: Promise<unknown> = Promise.resolve();
  const freeze = (target: SourceTarget): Promise<HostResult<Frame>> => {
    const next = freezing.then(() =>
      shield.whileFreezing(() =>
        target.kind === 'display' ? freezeDisplay(ports, target.display) : freezeWindow(ports, target.id),
      ),
    );
    freezing = next.catch(() => undefined);
    return next;
  };

  const settle = (crop: OpenCrop, result: HostResult<CapturedChart>) => {
    if (open !== crop) return;
    open = null;
    crop.resolve(result);
    crop.overlay?.close();
  };

  const cropAround = (frame: Frame, display: DisplayLike) =>
    new Promise<HostResult<CapturedChart>>((resolve) => {
      const crop: OpenCrop = { frame, display, overlay: null, shown: null, resolve };
      open = crop;
      try {
        crop.overlay = options.openOverlay(display, () => settle(crop, CANCELLED));
      } catch (error) {
        log.error('crop window could not open', { error: describeError(error) });
        settle(crop, captureFailure('capture_failed', 'The crop window could not be opened.'));
      }
    });

  return {
    async sources() {
      return listSources(ports, await lastSource());
    },

    async chart(sourceId) {
      if (open) {
        open.overlay?.focus();
        return BUSY;
      }
      if (preparing) return BUSY;
      if (sourceId !== undefined && (typeof sourceId !== 'string' || sourceId.length > MAX_SOURCE_ID_CHARS)) {
        return captureFailure('invalid_request', 'Unknown capture source.');
      }
      preparing = true;
      try {
        const target = await findTarget(ports, sourceId, await lastSource());
        if (!target.ok) return target;
        const frame = await freeze(target.value);
        if (!frame.ok) return frame;
        // A window's display cannot be told from its capture: the trader is looking where the cursor is.
        return await cropAround(frame.value, frame.value.display ?? ports.cursorDisplay());
      } finally {
        preparing = false;
      }
    },

    async region(value) {
      // While the crop window is up (always on top, and not protected on Linux) it would be in the picture.
      if (open) return BUSY;
      // The same checks as a stored region: a renderer is untrusted.
      const [region] = parsePinnedRegions({ schemaVersion: PINNED_SCHEMA_VERSION, regions: [value] }).regions;
      if (!region) return captureFailure('invalid_request', 'That pinned region is malformed.');
      let windows: WindowSourceInfo[] = [];
      if (region.source.kind === 'window') {
        const listed = await listWindows(ports);
        if (!listed.ok) return listed;
        windows = listed.value;
      }
      const found = resolvePinnedSource(region.source, ports.displays(), windows);
      if (!found.ok) return captureFailure('region_source_missing', found.message);
      const target: SourceTarget = found.display
        ? { kind: 'display', display: found.display }
        : { kind: 'window', id: found.windowId ?? '' };
      const frame = await freeze(target);
      if (!frame.ok && frame.error.code === 'capture_source_missing' && region.source.kind === 'window') {
        const name = region.source.windowName || 'an untitled window';
        const message = `The window this region was pinned on (“${name}”) has just closed. Open it or pin the region again.`;
        return captureFailure('region_source_missing', message);
      }
      return chartOf(frame, ({ size }) => scaleRegionToFrame(region.rect, region.sourceSize, size));
    },

    async underCursor() {
      if (open) return BUSY;
      const display = ports.cursorDisplay();
      const frame = await freeze({ kind: 'display', display });
      return chartOf(frame, ({ size }) => ({ x: 0, y: 0, ...size }));
    },

    cropFrame() {
      if (!open) throw new Error('no crop is open');
      const { frame, display } = open;
      open.shown ??= {
        dataUrl: frame.image.toDataURL(),
        width: frame.size.width,
        height: frame.size.height,
        scaleFactor: display.scaleFactor,
        sourceName: frame.sourceName,
      };
      return open.shown;
    },

    cropDone(payload) {
      if (!open) throw new Error('no crop is open');
      const result = readCropResult(payload, open.frame.size);
      if (!result.ok) throw new CropRefusedError(result.message);
      options.rememberSource(open.frame.source);
      settle(open, { ok: true, value: { image: result.value.image, region: regionOf(open.frame, result.value.rect) } });
    },

    cropCancel() {
      if (open) settle(open, CANCELLED);
    },

    get cropOpen() {
      return open !== null;
    },
  };
}
