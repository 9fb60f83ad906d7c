// The capture session over a fake desktop and a fake crop window: capture.chart freezes the source, opens the
// overlay on its display and resolves with what the trader cropped (or capture_cancelled however the crop
// goes away); one crop at a time; pinned regions and the display under the cursor are recaptured in main.
import { describe, expect, it, vi } from 'vitest';
import { createCaptureSession, CropRefusedError } from '../src/main/capture-session';
import type { DisplayLike } from '../src/main/capture';
import { silentLogger } from '../src/main/log';
import type { PinnedRegion } from '../src/shared/pinned-regions';
import type { PinnedSource } from '../src/shared/region-geometry';
import { fakeDesktop, laptop, monitor, tradingView, type FakeDesktop } from './support/main-capture';

const PNG = { mediaType: 'image/png', data: 'iVBORw0KGgoAAAANSUhEUg==', width: 600, height: 400 } as const;

function harness(setup: Partial<FakeDesktop> & { displays: DisplayLike[] }, lastUsed: PinnedSource | null = null) {
  const fake = fakeDesktop(setup);
  const timeline: string[] = [];
  const overlays: { display: DisplayLike; focused: number; closed: boolean; goAway(): void }[] = [];
  const remembered: PinnedSource[] = [];
  const session = createCaptureSession({
    ports: fake.ports,
    shield: {
      whileFreezing: async (freeze) => {
        timeline.push('coach aside');
        try {
          return await freeze();
        } finally {
          timeline.push('coach back');
        }
      },
    },
    openOverlay: (display, onGone) => {
      timeline.push(`overlay on ${display.id}`);
      // Like Electron's 'closed': whoever closes the window, onGone follows.
      const overlay = { display, focused: 0, closed: false, goAway: onGone };
      overlays.push(overlay);
      return {
        focus: () => void (overlay.focused += 1),
        close: () => {
          overlay.closed = true;
          onGone();
        },
      };
    },
    lastSource: async () => lastUsed,
    rememberSource: (source) => void remembered.push(source),
    log: silentLogger,
  });
  const overlayOpens = () => vi.waitFor(() => expect(overlays.length).toBeGreaterThan(0));
  return { ...fake, session, timeline, overlays, remembered, overlayOpens };
}

const twoDisplays = { displays: [laptop, monitor], coachOn: laptop.id, cursorOn: laptop.id };

describe('capture.chart', () => {
  it('freezes the chosen display with the coach aside, crops on that display, and resolves with chart and region', async () => {
    const { session, timeline, overlays, remembered, overlayOpens } = harness(twoDisplays);

    const chart = session.chart('display:202');
    await overlayOpens();

    expect(timeline).toEqual(['coach aside', 'coach back', 'overlay on 202']);
    expect(session.cropFrame()).toEqual({
      dataUrl: 'data:image/png;base64,screen:0:0',
      width: 3840,
      height: 2160,
      scaleFactor: 2,
      sourceName: 'Display 2 — DELL U2720Q',
    });
    session.cropDone({ image: PNG, rect: { x: 100, y: 200, width: 1200, height: 800 } });

    expect(await chart).toEqual({
      ok: true,
      value: {
        image: PNG,
        region: {
          source: { kind: 'display', displayId: '202' },
          rect: { x: 100, y: 200, width: 1200, height: 800 },
          sourceSize: { width: 3840, height: 2160 },
          sourceName: 'Display 2 — DELL U2720Q',
        },
      },
    });
    expect(overlays[0]!.closed).toBe(true);
    expect(remembered).toEqual([{ kind: 'display', displayId: '202' }]);
    expect(session.cropOpen).toBe(false);
  });

  it('without an id, takes a display the coach is not on', async () => {
    const { session, overlays, overlayOpens } = harness(twoDisplays);
    const chart = session.chart();
    await overlayOpens();
    expect(overlays[0]!.display).toBe(monitor);
    session.cropCancel();
    await chart;
  });

  it('crops a window on the display under the cursor, at that display’s scale', async () => {
    const { session, overlays, remembered, overlayOpens } = harness({ ...twoDisplays, windows: [tradingView] });

    const chart = session.chart(tradingView.id);
    await overlayOpens();

    expect(overlays[0]!.display).toBe(laptop);
    expect(session.cropFrame()).toMatchObject({
      width: 3840,
      height: 2560,
      scaleFactor: 1.25,
      sourceName: 'TradingView — SPY',
    });
    session.cropDone({ image: PNG, rect: { x: 0, y: 0, width: 3840, height: 2560 } });
    expect(await chart).toMatchObject({ ok: true, value: { region: { sourceSize: { width: 3840, height: 2560 } } } });
    expect(remembered).toEqual([{ kind: 'window', windowName: 'TradingView — SPY', sourceId: tradingView.id }]);
  });

  it.each([
    ['Cancel in the crop window', (s: ReturnType<typeof harness>) => s.session.cropCancel()],
    [
      'the crop window closed, crashed or its display removed',
      (s: ReturnType<typeof harness>) => s.overlays[0]!.goAway(),
    ],
  ])('is capture_cancelled after %s, and nothing is remembered', async (_case, goAway) => {
    const scene = harness(twoDisplays);
    const chart = scene.session.chart('display:101');
    await scene.overlayOpens();

    goAway(scene);

    expect(await chart).toMatchObject({ ok: false, error: { code: 'capture_cancelled' } });
    expect(scene.remembered).toEqual([]);
    expect(scene.session.cropOpen).toBe(false);
    expect(() => scene.session.cropFrame()).toThrow();
  });

  it('allows one crop at a time: a second capture brings the open one forward and is capture_busy', async () => {
    const { session, overlays, requests, overlayOpens } = harness(twoDisplays);

    const first = session.chart('display:202');
    // While the first is still freezing, too: nothing is frozen twice.
    expect(await session.chart('display:101')).toMatchObject({ ok: false, error: { code: 'capture_busy' } });
    await overlayOpens();
    expect(await session.chart('display:101')).toMatchObject({ ok: false, error: { code: 'capture_busy' } });

    expect(overlays).toHaveLength(1);
    expect(overlays[0]!.focused).toBe(1);
    expect(requests).toHaveLength(1);
    session.cropCancel();
    await first;
    // Once it is closed, the next capture opens a new crop.
    const next = session.chart('display:101');
    await vi.waitFor(() => expect(overlays).toHaveLength(2));
    session.cropCancel();
    await next;
  });

  it('while a crop is open, a pinned region or the display under the cursor is capture_busy (the overlay would be in it)', async () => {
    const { session, requests, overlayOpens } = harness(twoDisplays);
    const crop = session.chart('display:202');
    await overlayOpens();
    const frozen = requests.length;
    const region: PinnedRegion = {
      id: 'r1',
      label: 'SPY 5m',
      source: { kind: 'display', displayId: String(laptop.id) },
      rect: { x: 0, y: 0, width: 400, height: 300 },
      sourceSize: { width: 2880, height: 1800 },
      createdAt: '2026-11-29T00:00:00.000Z',
    };
    expect(await session.region(region)).toMatchObject({ ok: false, error: { code: 'capture_busy' } });
    expect(await session.underCursor()).toMatchObject({ ok: false, error: { code: 'capture_busy' } });
    expect(requests).toHaveLength(frozen);
    session.cropCancel();
    await crop;
  });

  it('freezes one source at a time: the coach window is back only after the last freeze', async () => {
    const { session, timeline } = harness(twoDisplays);
    await Promise.all([session.underCursor(), session.underCursor()]);
    expect(timeline).toEqual(['coach aside', 'coach back', 'coach aside', 'coach back']);
  });

  it('refuses a crop result that does not hold up and keeps the crop open for another try', async () => {
    const { session, overlays, overlayOpens } = harness(twoDisplays);
    const chart = session.chart('display:202');
    await overlayOpens();

    expect(() => session.cropDone({ image: PNG, rect: { x: 3000, y: 0, width: 1000, height: 10 } })).toThrow(
      CropRefusedError,
    );
    expect(() =>
      session.cropDone({ image: { ...PNG, mediaType: 'text/html' }, rect: { x: 0, y: 0, width: 1, height: 1 } }),
    ).toThrow(/PNG, JPEG or WebP/);
    expect(overlays[0]!.closed).toBe(false);

    session.cropDone({ image: PNG, rect: { x: 0, y: 0, width: 10, height: 10 } });
    expect(await chart).toMatchObject({ ok: true });
  });

  it('opens no crop for a source that is gone, or a malformed id', async () => {
    const { session, overlays } = harness(twoDisplays);
    expect(await session.chart('display:303')).toMatchObject({ ok: false, error: { code: 'capture_source_missing' } });
    expect(await session.chart('window:999:0')).toMatchObject({ ok: false, error: { code: 'capture_source_missing' } });
    expect(await session.chart(42)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(overlays).toEqual([]);
    expect(() => session.cropDone({ image: PNG, rect: { x: 0, y: 0, width: 1, height: 1 } })).toThrow(/no crop/);
  });
});

const pinned = (source: PinnedSource, overrides: Partial<PinnedRegion> = {}): PinnedRegion => ({
  id: 'pin-1',
  label: 'SPY 60m',
  source,
  rect: { x: 400, y: 200, width: 1600, height: 1000 },
  sourceSize: { width: 3840, height: 2160 },
  createdAt: '2030-05-01T14:30:00.000Z',
  ...overrides,
});

describe('capture.region', () => {
  it('recaptures a pinned region of a display whose resolution changed, scaled, encoded in main', async () => {
    // Pinned at 2x (3840×2160); the monitor now runs at 1.5x (2880×1620).
    const { session, requests, imageLog, timeline } = harness({
      displays: [laptop, { ...monitor, scaleFactor: 1.5 }],
    });

    const chart = await session.region(pinned({ kind: 'display', displayId: '202' }));

    expect(requests).toEqual([{ types: ['screen'], thumbnailSize: { width: 2880, height: 1620 } }]);
    expect(timeline).toEqual(['coach aside', 'coach back']);
    expect(imageLog).toEqual(['crop 300,150 1200x750', 'png']);
    expect(chart).toEqual({
      ok: true,
      value: {
        image: { mediaType: 'image/png', data: expect.any(String), width: 1200, height: 750 },
        region: {
          source: { kind: 'display', displayId: '202' },
          rect: { x: 300, y: 150, width: 1200, height: 750 },
          sourceSize: { width: 2880, height: 1620 },
          sourceName: 'Display 2 — DELL U2720Q',
        },
      },
    });
    expect(chart.ok && Buffer.from(chart.value.image.data, 'base64')).toHaveLength(1200 * 750);
  });

  it('finds a pinned window again by its exact title when its capture id changed, and says which id it has now', async () => {
    const { session } = harness({ displays: [laptop], windows: [tradingView] });
    const region = pinned(
      { kind: 'window', windowName: 'TradingView — SPY', sourceId: 'window:1:0' },
      { rect: { x: 0, y: 0, width: 2400, height: 1600 }, sourceSize: { width: 3840, height: 2560 } },
    );

    expect(await session.region(region)).toMatchObject({
      ok: true,
      value: {
        image: { width: 1568, height: 1045 },
        region: { source: { kind: 'window', sourceId: tradingView.id }, rect: { width: 2400, height: 1600 } },
      },
    });
  });

  it('never captures another display or window: a missing one is region_source_missing, frozen nothing', async () => {
    const { session, requests, timeline } = harness({ displays: [laptop], windows: [tradingView] });

    expect(await session.region(pinned({ kind: 'display', displayId: '202' }))).toEqual({
      ok: false,
      error: {
        code: 'region_source_missing',
        message:
          'The display this region was pinned on (Display 202) is not connected. Reconnect it or pin the region again.',
        status: null,
      },
    });
    expect(
      await session.region(pinned({ kind: 'window', windowName: 'Closed chart', sourceId: 'window:1:0' })),
    ).toMatchObject({
      ok: false,
      error: { code: 'region_source_missing', message: expect.stringContaining('Closed chart') },
    });
    expect(timeline).toEqual([]);
    expect(requests.every((request) => request.thumbnailSize.width === 0)).toBe(true);
  });

  it('refuses a region that is not one', async () => {
    const { session, requests } = harness({ displays: [laptop] });
    for (const bad of [null, 'SPY', { ...pinned({ kind: 'display', displayId: '101' }), rect: { x: -1 } }]) {
      expect(await session.region(bad)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    expect(requests).toEqual([]);
  });
});

describe('capture.underCursor', () => {
  it('freezes the whole display under the cursor, encoded at the API’s long edge', async () => {
    const { session, imageLog } = harness({ ...twoDisplays, cursorOn: monitor.id });

    expect(await session.underCursor()).toMatchObject({
      ok: true,
      value: {
        image: { mediaType: 'image/png', width: 1568, height: 882 },
        region: { rect: { x: 0, y: 0, width: 3840, height: 2160 }, sourceName: 'Display 2 — DELL U2720Q' },
      },
    });
    expect(imageLog).toEqual(['crop 0,0 3840x2160', 'resize 1568x882 best', 'png']);
  });
});
