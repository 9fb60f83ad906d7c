// What the trader can capture (every display and window, with a small thumbnail) and which one Capture
// takes without asking: the last source used while it is still there, else a display the coach is not on.
import type { CaptureSourceInfo, HostResult } from '../shared/host-api';
import { sourceForDisplay, type Size } from '../shared/capture-geometry';
import { resolvePinnedSource, type PinnedSource, type WindowSourceInfo } from '../shared/region-geometry';
import {
  CAPTURE_DENIED,
  captureFailure,
  capturableWindows,
  displayName,
  listWindows,
  type CapturePorts,
  type DisplayLike,
  type SourceLike,
} from './capture';

/** Small enough to list a dozen sources quickly; Electron fits each thumbnail inside it. */
export const THUMBNAIL_SIZE: Size = { width: 320, height: 200 };

/** Displays get ids of their own: desktopCapturer's screen ids are not tied to a display. */
export const displaySourceId = (display: { id: number }): string => `display:${display.id}`;

export type SourceTarget = { kind: 'display'; display: DisplayLike } | { kind: 'window'; id: string };

/**
 * The default source: the last one used when it can be found again exactly (a display by id; a window by
 * capture id, then by a title no other window has), else the first display the coach window is not on,
 * else the only display.
 */
export function chooseDefault(
  displays: readonly DisplayLike[],
  coachDisplayId: number | null,
  windows: readonly WindowSourceInfo[],
  lastUsed: PinnedSource | null,
): SourceTarget | null {
  if (lastUsed) {
    const found = resolvePinnedSource(lastUsed, displays, windows);
    if (found.ok && found.display) return { kind: 'display', display: found.display };
    if (found.ok && found.windowId) return { kind: 'window', id: found.windowId };
  }
  const display = displays.find((candidate) => candidate.id !== coachDisplayId) ?? displays[0];
  return display ? { kind: 'display', display } : null;
}

const isDefault = (target: SourceTarget | null, id: string) =>
  target !== null && (target.kind === 'display' ? displaySourceId(target.display) : target.id) === id;

export async function listSources(
  ports: CapturePorts,
  lastUsed: PinnedSource | null,
): Promise<HostResult<CaptureSourceInfo[]>> {
  const access = ports.screenAccess?.();
  if (access === 'denied' || access === 'restricted') return CAPTURE_DENIED;
  let sources: SourceLike[];
  try {
    sources = await ports.getSources({ types: ['screen', 'window'], thumbnailSize: THUMBNAIL_SIZE });
  } catch {
    return captureFailure('capture_failed', 'The displays and windows could not be listed.');
  }
  const screens = sources.filter((source) => source.id.startsWith('screen:'));
  // macOS hands out empty thumbnails, not an error, until Screen Recording is allowed.
  if (access !== undefined && screens.some((source) => source.thumbnail.isEmpty())) return CAPTURE_DENIED;

  const displays = ports.displays();
  const coachDisplayId = ports.coachDisplayId();
  const windows = capturableWindows(
    sources.filter((source) => source.id.startsWith('window:')),
    ports.ownWindowIds(),
  );
  const target = chooseDefault(displays, coachDisplayId, windows, lastUsed);

  const listed: CaptureSourceInfo[] = [];
  for (const display of displays) {
    // A display without its own source (several screens, no ids) could not be frozen either: not offered.
    const source = sourceForDisplay(screens, display);
    if (!source) continue;
    const id = displaySourceId(display);
    listed.push({
      id,
      kind: 'display',
      name: displayName(display, displays),
      thumbnail: source.thumbnail.toDataURL(),
      hasCoach: display.id === coachDisplayId,
      isDefault: isDefault(target, id),
    });
  }
  for (const window of windows) {
    listed.push({
      id: window.id,
      kind: 'window',
      name: window.name,
      thumbnail: window.thumbnail.toDataURL(),
      hasCoach: false,
      isDefault: isDefault(target, window.id),
    });
  }
  return { ok: true, value: listed };
}

/** The source an id names (none: the default); a display that is gone is an error, never another one. */
export async function findTarget(
  ports: CapturePorts,
  sourceId: string | undefined,
  lastUsed: PinnedSource | null,
): Promise<HostResult<SourceTarget>> {
  if (sourceId === undefined) {
    // Only a remembered window needs the window list; a failure to list it falls back to the displays.
    const windows = lastUsed?.kind === 'window' ? await listWindows(ports) : null;
    const target = chooseDefault(ports.displays(), ports.coachDisplayId(), windows?.ok ? windows.value : [], lastUsed);
    return target ? { ok: true, value: target } : captureFailure('capture_failed', 'There is no display to capture.');
  }
  if (sourceId.startsWith('display:')) {
    const display = ports.displays().find((candidate) => displaySourceId(candidate) === sourceId);
    if (display) return { ok: true, value: { kind: 'display', display } };
    return captureFailure('capture_source_missing', 'That display is no longer connected. Choose another source.');
  }
  if (sourceId.startsWith('window:')) return { ok: true, value: { kind: 'window', id: sourceId } };
  return captureFailure('invalid_request', 'Unknown capture source.');
}

/** capture.json: the last source used. Anything unreadable counts as none (the default is then chosen). */
export function parseLastSource(json: unknown): PinnedSource | null {
  if (typeof json !== 'object' || json === null) return null;
  const { schemaVersion, lastSource } = json as Record<string, unknown>;
  if (schemaVersion !== 1 || typeof lastSource !== 'object' || lastSource === null) return null;
  const source = lastSource as Record<string, unknown>;
  if (source.kind === 'display' && typeof source.displayId === 'string' && source.displayId !== '') {
    return { kind: 'display', displayId: source.displayId };
  }
  if (
    source.kind === 'window' &&
    typeof source.windowName === 'string' &&
    typeof source.sourceId === 'string' &&
    source.sourceId !== ''
  ) {
    return { kind: 'window', windowName: source.windowName, sourceId: source.sourceId };
  }
  return null;
}

export const serializeLastSource = (lastSource: PinnedSource | null) => ({ schemaVersion: 1, lastSource });
