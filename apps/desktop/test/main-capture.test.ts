// Capture in main: the display under the cursor, its own desktopCapturer source (matched by id, whatever
// the order of sources), asked at full device resolution on HiDPI screens; macOS permission refusals.
import { describe, expect, it } from 'vitest';
import { displayAt, type DisplayInfo, type Size } from '../src/shared/capture-geometry';
import { captureDisplayUnderCursor, type CapturePorts, type ScreenSourceLike } from '../src/main/capture';

// A 1.25x laptop panel, and a monitor to its right, a bit higher, at another factor.
const laptop: DisplayInfo = { id: 101, bounds: { x: 0, y: 0, width: 1536, height: 864 }, scaleFactor: 1.25 };
const monitorAt = (scaleFactor: number): DisplayInfo => ({
  id: 202,
  bounds: { x: 1536, y: -300, width: 1920, height: 1080 },
  scaleFactor,
});

/** desktopCapturer as Electron behaves: thumbnails at the requested size, sources in its own order. */
function ports(displays: DisplayInfo[], cursor: { x: number; y: number }, extra: Partial<CapturePorts> = {}) {
  const requests: Size[] = [];
  const source = (display: DisplayInfo, index: number, size: Size): ScreenSourceLike => ({
    id: `screen:${index}:0`,
    name: `Screen ${index + 1}`,
    display_id: String(display.id),
    thumbnail: {
      isEmpty: () => false,
      getSize: () => size,
      toDataURL: () => `data:image/png;base64,${display.id}`,
    },
  });
  const capture: CapturePorts = {
    cursorScreenPoint: () => cursor,
    displayNearestPoint: (point) => displayAt(displays, point)!,
    getSources: async ({ thumbnailSize }) => {
      requests.push(thumbnailSize);
      return [...displays].reverse().map((display, index) => source(display, index, thumbnailSize));
    },
    ...extra,
  };
  return { capture, requests };
}

describe('captureDisplayUnderCursor', () => {
  it.each([
    [1, 1920, 1080],
    [1.25, 2400, 1350],
    [1.5, 2880, 1620],
    [2, 3840, 2160],
  ])('freezes the monitor under the cursor at %sx as a %ix%i frame', async (scaleFactor, width, height) => {
    const { capture, requests } = ports([laptop, monitorAt(scaleFactor)], { x: 2000, y: -100 });

    const frame = await captureDisplayUnderCursor(capture);

    expect(requests).toEqual([{ width, height }]);
    expect(frame).toEqual({
      ok: true,
      value: { dataUrl: 'data:image/png;base64,202', width, height, scaleFactor, source: expect.any(String) },
    });
  });

  it('takes the laptop panel when the cursor is there, at its own scale factor', async () => {
    const { capture, requests } = ports([laptop, monitorAt(2)], { x: 100, y: 700 });
    expect(await captureDisplayUnderCursor(capture)).toMatchObject({
      ok: true,
      value: { dataUrl: 'data:image/png;base64,101', scaleFactor: 1.25, width: 1920, height: 1080 },
    });
    expect(requests).toEqual([{ width: 1920, height: 1080 }]);
  });

  it('refuses to guess among several screens that carry no display id', async () => {
    const { capture } = ports([laptop, monitorAt(2)], { x: 100, y: 100 });
    const withoutIds: CapturePorts = {
      ...capture,
      getSources: async (options) => (await capture.getSources(options)).map((s) => ({ ...s, display_id: '' })),
    };
    expect(await captureDisplayUnderCursor(withoutIds)).toMatchObject({ ok: false, error: { code: 'capture_failed' } });
  });

  it('says how to allow Screen Recording on macOS, without asking for sources when it is denied', async () => {
    const { capture, requests } = ports([laptop], { x: 10, y: 10 }, { screenAccess: () => 'denied' });
    expect(await captureDisplayUnderCursor(capture)).toMatchObject({
      ok: false,
      error: { code: 'capture_denied', message: expect.stringContaining('Screen Recording'), status: null },
    });
    expect(requests).toEqual([]);
  });

  it('treats the empty thumbnails macOS hands out before consent as a refusal', async () => {
    const { capture } = ports([laptop], { x: 10, y: 10 }, { screenAccess: () => 'not-determined' });
    const empty: CapturePorts = {
      ...capture,
      getSources: async (options) =>
        (await capture.getSources(options)).map((s) => ({ ...s, thumbnail: { ...s.thumbnail, isEmpty: () => true } })),
    };
    expect(await captureDisplayUnderCursor(empty)).toMatchObject({ ok: false, error: { code: 'capture_denied' } });
  });
});
