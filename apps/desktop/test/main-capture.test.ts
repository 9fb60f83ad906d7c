// Freezing in main: a display through its own desktopCapturer source (matched by id, whatever the order of
// sources) at full device resolution on HiDPI screens; a window at a 3840 px long edge, never one of the
// app's own; macOS permission refusals.
import { describe, expect, it } from 'vitest';
import type { DisplayLike } from '../src/main/capture';
import { capturableWindows, displayName, freezeDisplay, freezeWindow } from '../src/main/capture';
import { coachWindowSource, fakeDesktop, laptop, monitor, tradingView } from './support/main-capture';

const monitorAt = (scaleFactor: number): DisplayLike => ({ ...monitor, scaleFactor });

describe('freezeDisplay', () => {
  it.each([
    [1, 1920, 1080],
    [1.25, 2400, 1350],
    [1.5, 2880, 1620],
    [2, 3840, 2160],
  ])('freezes a monitor at %sx as a %ix%i frame', async (scaleFactor, width, height) => {
    const display = monitorAt(scaleFactor);
    const { ports, requests } = fakeDesktop({ displays: [laptop, display] });

    const frame = await freezeDisplay(ports, display);

    expect(requests).toEqual([{ types: ['screen'], thumbnailSize: { width, height } }]);
    expect(frame).toMatchObject({
      ok: true,
      value: {
        size: { width, height },
        source: { kind: 'display', displayId: '202' },
        sourceName: 'Display 2 — DELL U2720Q',
        display,
      },
    });
    // Its own source, not the first one listed.
    expect(frame.ok && frame.value.image.toDataURL()).toBe('data:image/png;base64,screen:0:0');
  });

  it('refuses to guess among several screens that carry no display id', async () => {
    const { ports } = fakeDesktop({ displays: [laptop, monitor] });
    const withoutIds = {
      ...ports,
      getSources: async (options: Parameters<typeof ports.getSources>[0]) =>
        (await ports.getSources(options)).map((source) => ({ ...source, display_id: '' })),
    };
    expect(await freezeDisplay(withoutIds, laptop)).toMatchObject({ ok: false, error: { code: 'capture_failed' } });
  });

  it('says how to allow Screen Recording on macOS, without asking for sources when it is denied', async () => {
    const { ports, requests } = fakeDesktop({ displays: [laptop], screenAccess: 'denied' });
    expect(await freezeDisplay(ports, laptop)).toMatchObject({
      ok: false,
      error: { code: 'capture_denied', message: expect.stringContaining('Screen Recording'), status: null },
    });
    expect(requests).toEqual([]);
  });

  it('treats the empty thumbnails macOS hands out before consent as a refusal', async () => {
    const { ports } = fakeDesktop({ displays: [laptop], screenAccess: 'not-determined', emptyThumbnails: true });
    expect(await freezeDisplay(ports, laptop)).toMatchObject({ ok: false, error: { code: 'capture_denied' } });
  });

  it('reports a capturer failure plainly', async () => {
    const { ports } = fakeDesktop({ displays: [laptop], failSources: true });
    expect(await freezeDisplay(ports, laptop)).toMatchObject({ ok: false, error: { code: 'capture_failed' } });
  });
});

describe('freezeWindow', () => {
  it('freezes the window by its capture id at a 3840 px long edge, in its own aspect, titled as it is', async () => {
    const { ports, requests } = fakeDesktop({ displays: [laptop], windows: [coachWindowSource, tradingView] });

    const frame = await freezeWindow(ports, tradingView.id);

    expect(requests).toEqual([{ types: ['window'], thumbnailSize: { width: 3840, height: 3840 } }]);
    expect(frame).toMatchObject({
      ok: true,
      value: {
        size: { width: 3840, height: 2560 },
        source: { kind: 'window', windowName: 'TradingView — SPY', sourceId: 'window:4242:0' },
        sourceName: 'TradingView — SPY',
        display: null,
      },
    });
  });

  it('never freezes one of the app’s own windows, and says when the window has closed', async () => {
    const { ports, desktop } = fakeDesktop({
      displays: [laptop],
      windows: [coachWindowSource, tradingView],
      // getMediaSourceId says :0 where desktopCapturer lists this process's window as :1.
      ownIds: ['window:77:0'],
    });
    expect(await freezeWindow(ports, coachWindowSource.id)).toMatchObject({
      ok: false,
      error: { code: 'capture_source_missing' },
    });
    desktop.windows = [];
    expect(await freezeWindow(ports, tradingView.id)).toMatchObject({
      ok: false,
      error: { code: 'capture_source_missing', message: expect.stringContaining('no longer open') },
    });
  });
});

describe('names and lists', () => {
  it('numbers displays in the order the OS lists them, with the monitor’s name when known', () => {
    expect(displayName(monitor, [laptop, monitor])).toBe('Display 2 — DELL U2720Q');
    expect(displayName({ ...laptop, label: '' }, [laptop, monitor])).toBe('Display 1');
  });

  it('offers titled windows only, none of the app’s own', () => {
    const untitled = { ...tradingView, id: 'window:9:0', name: '  ' };
    const sources = [coachWindowSource, tradingView, untitled].map((window) => ({ id: window.id, name: window.name }));
    expect(capturableWindows(sources, ['window:77:0']).map((source) => source.name)).toEqual(['TradingView — SPY']);
  });
});
