// Freezes a display or a window at full resolution through desktopCapturer: a display's source is matched
// by display id and asked at DIP size × scale factor; a window's at a long edge of 3840 px (Electron keeps
// its aspect). Pure over injected ports (Electron's screen and desktopCapturer in the app, fakes in tests).
import type { HostError, HostResult } from '../shared/host-api';
import { captureSizeFor, sourceForDisplay, type DisplayInfo, type Rect, type Size } from '../shared/capture-geometry';
import type { PinnedSource } from '../shared/region-geometry';

/** What capture uses of a NativeImage (a desktopCapturer thumbnail). */
export interface ImageLike {
  isEmpty(): boolean;
  getSize(): Size;
  toDataURL(): string;
  crop(rect: Rect): ImageLike;
  resize(options: { width: number; height: number; quality: 'best' }): ImageLike;
  toPNG(): Buffer;
  toJPEG(quality: number): Buffer;
}

/** What desktopCapturer reports of a source. */
export interface SourceLike {
  id: string;
  name: string;
  /** The display's id for a screen; empty for windows or where the platform does not know it. */
  display_id: string;
  thumbnail: ImageLike;
}

/** A display as Electron's screen module reports it; `label` is the monitor's name where known. */
export interface DisplayLike extends DisplayInfo {
  label?: string;
}

export interface CapturePorts {
  displays(): DisplayLike[];
  cursorDisplay(): DisplayLike;
  /** The display the coach window is on (screen.getDisplayMatching of its bounds), or null without one. */
  coachDisplayId(): number | null;
  getSources(options: { types: ('screen' | 'window')[]; thumbnailSize: Size }): Promise<SourceLike[]>;
  /** Media source ids (getMediaSourceId) of the app's own windows: never offered for capture. */
  ownWindowIds(): string[];
  /** macOS: the Screen Recording permission ('granted', 'denied', …); undefined elsewhere. */
  screenAccess?(): string;
}

/** A frozen source: the frame at device pixels, what it shows, and where to pin a region of it. */
export interface Frame {
  image: ImageLike;
  size: Size;
  source: PinnedSource;
  sourceName: string;
  /** The display, when the source is one (a window's display cannot be told from its capture). */
  display: DisplayLike | null;
}

/** Big enough for a window on a 4K screen; Electron fits the thumbnail inside it, keeping the aspect. */
export const WINDOW_FRAME_SIZE: Size = { width: 3840, height: 3840 };

export const captureFailure = (code: string, message: string): { ok: false; error: HostError } => ({
  ok: false,
  error: { code, message, status: null },
});

export const CAPTURE_DENIED = captureFailure(
  'capture_denied',
  'Strat Coach may not record the screen. Allow it in System Settings → Privacy & Security → Screen Recording, then try again.',
);

/** "Display 2 — DELL U2720Q": numbered in the order the OS lists displays, as its settings do. */
export function displayName(display: DisplayLike, displays: readonly DisplayInfo[]): string {
  const index = displays.findIndex((candidate) => candidate.id === display.id);
  const number = `Display ${index >= 0 ? index + 1 : display.id}`;
  return display.label ? `${number} — ${display.label}` : number;
}

const denied = (ports: CapturePorts) => {
  const access = ports.screenAccess?.();
  return access === 'denied' || access === 'restricted';
};

// The XX of "window:XX:YY": YY says whether the window is this process's, so ids differ there for one window.
const windowHandle = (id: string) => id.split(':').slice(0, 2).join(':');

/** The windows a trader may capture: titled (an untitled one cannot be told apart), none of the app's own. */
export function capturableWindows<Source extends { id: string; name: string }>(
  sources: readonly Source[],
  ownIds: string[],
): Source[] {
  const own = new Set(ownIds.map(windowHandle));
  return sources.filter((source) => source.name.trim() !== '' && !own.has(windowHandle(source.id)));
}

/** The frame of a thumbnail, or why there is none (macOS without the permission hands back empty ones). */
function frameOf(ports: CapturePorts, source: SourceLike, rest: Omit<Frame, 'image' | 'size'>): HostResult<Frame> {
  if (source.thumbnail.isEmpty()) {
    return ports.screenAccess?.() === undefined
      ? captureFailure('capture_failed', 'The capture came back empty.')
      : CAPTURE_DENIED;
  }
  return { ok: true, value: { image: source.thumbnail, size: source.thumbnail.getSize(), ...rest } };
}

export async function freezeDisplay(ports: CapturePorts, display: DisplayLike): Promise<HostResult<Frame>> {
  if (denied(ports)) return CAPTURE_DENIED;
  let sources: SourceLike[];
  try {
    sources = await ports.getSources({ types: ['screen'], thumbnailSize: captureSizeFor(display) });
  } catch {
    return captureFailure('capture_failed', 'The screen could not be captured.');
  }
  const source = sourceForDisplay(sources, display);
  if (!source) return captureFailure('capture_failed', 'That display could not be found to capture it.');
  return frameOf(ports, source, {
    source: { kind: 'display', displayId: String(display.id) },
    sourceName: displayName(display, ports.displays()),
    display,
  });
}

/** The window with this capture id, frozen; `capture_source_missing` when it has closed. */
export async function freezeWindow(ports: CapturePorts, sourceId: string): Promise<HostResult<Frame>> {
  if (denied(ports)) return CAPTURE_DENIED;
  let sources: SourceLike[];
  try {
    sources = await ports.getSources({ types: ['window'], thumbnailSize: WINDOW_FRAME_SIZE });
  } catch {
    return captureFailure('capture_failed', 'The window could not be captured.');
  }
  const source = capturableWindows(sources, ports.ownWindowIds()).find((candidate) => candidate.id === sourceId);
  if (!source) return captureFailure('capture_source_missing', 'That window is no longer open. Choose another source.');
  return frameOf(ports, source, {
    source: { kind: 'window', windowName: source.name, sourceId: source.id },
    sourceName: source.name,
    display: null,
  });
}

/** The windows open now, without thumbnails (cheap): to find a pinned or remembered window again. */
export async function listWindows(ports: CapturePorts): Promise<HostResult<{ id: string; name: string }[]>> {
  if (denied(ports)) return CAPTURE_DENIED;
  try {
    const sources = await ports.getSources({ types: ['window'], thumbnailSize: { width: 0, height: 0 } });
    return { ok: true, value: capturableWindows(sources, ports.ownWindowIds()).map(({ id, name }) => ({ id, name })) };
  } catch {
    return captureFailure('capture_failed', 'The open windows could not be listed.');
  }
}
