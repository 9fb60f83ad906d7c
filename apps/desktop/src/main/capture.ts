// Freezes the display under the cursor at full device resolution: the display comes from the cursor, its
// desktopCapturer source is matched by display id, and the thumbnail is asked at DIP size × scale factor.
// Pure over injected ports (Electron's screen and desktopCapturer in the app, plain objects in tests).
import type { CapturedFrame, HostError, HostResult } from '../shared/host-api';
import { captureSizeFor, sourceForDisplay, type DisplayInfo, type Size } from '../shared/capture-geometry';

export interface ThumbnailLike {
  isEmpty(): boolean;
  getSize(): Size;
  toDataURL(): string;
}

export interface ScreenSourceLike {
  id: string;
  name: string;
  display_id: string;
  thumbnail: ThumbnailLike;
}

export interface CapturePorts {
  cursorScreenPoint(): { x: number; y: number };
  displayNearestPoint(point: { x: number; y: number }): DisplayInfo;
  getSources(options: { types: ['screen']; thumbnailSize: Size }): Promise<ScreenSourceLike[]>;
  /** macOS: the Screen Recording permission ('granted', 'denied', …); undefined elsewhere. */
  screenAccess?(): string;
}

const failure = (code: string, message: string): { ok: false; error: HostError } => ({
  ok: false,
  error: { code, message, status: null },
});

const DENIED = failure(
  'capture_denied',
  'Strat Coach may not record the screen. Allow it in System Settings → Privacy & Security → Screen Recording, then try again.',
);

export async function captureDisplayUnderCursor(ports: CapturePorts): Promise<HostResult<CapturedFrame>> {
  const access = ports.screenAccess?.();
  if (access === 'denied' || access === 'restricted') return DENIED;

  const display = ports.displayNearestPoint(ports.cursorScreenPoint());
  let sources: ScreenSourceLike[];
  try {
    sources = await ports.getSources({ types: ['screen'], thumbnailSize: captureSizeFor(display) });
  } catch {
    return failure('capture_failed', 'The screen could not be captured.');
  }
  const source = sourceForDisplay(sources, display);
  if (!source) return failure('capture_failed', 'The screen under the cursor could not be found to capture it.');
  // macOS without the permission hands back empty thumbnails instead of an error.
  if (source.thumbnail.isEmpty())
    return access === undefined ? failure('capture_failed', 'The capture came back empty.') : DENIED;

  const { width, height } = source.thumbnail.getSize();
  return {
    ok: true,
    value: {
      dataUrl: source.thumbnail.toDataURL(),
      width,
      height,
      scaleFactor: display.scaleFactor,
      source: source.name,
    },
  };
}
