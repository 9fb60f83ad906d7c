// The capture picker's list and its default: every display and window with a thumbnail, never the app's own
// windows; the default is the last source used while it is still there (never another one that looks like
// it), else a display the coach window is not on, else the only display.
import { describe, expect, it } from 'vitest';
import {
  chooseDefault,
  findTarget,
  listSources,
  parseLastSource,
  serializeLastSource,
} from '../src/main/capture-sources';
import type { PinnedSource } from '../src/shared/region-geometry';
import { coachWindowSource, fakeDesktop, laptop, monitor, tradingView } from './support/main-capture';

const defaultOf = async (setup: Parameters<typeof fakeDesktop>[0], lastUsed: PinnedSource | null) => {
  const { ports } = fakeDesktop(setup);
  const listed = await listSources(ports, lastUsed);
  if (!listed.ok) throw new Error(listed.error.message);
  return listed.value.filter((source) => source.isDefault).map((source) => source.name);
};

describe('listSources', () => {
  it('lists the displays in the OS’s order, then the windows, with small thumbnails, in one capturer call', async () => {
    const { ports, requests } = fakeDesktop({
      displays: [laptop, monitor],
      windows: [coachWindowSource, tradingView],
      coachOn: laptop.id,
      ownIds: ['window:77:0'],
    });

    const listed = await listSources(ports, null);

    expect(requests).toEqual([{ types: ['screen', 'window'], thumbnailSize: { width: 320, height: 200 } }]);
    expect(listed).toEqual({
      ok: true,
      value: [
        {
          id: 'display:101',
          kind: 'display',
          name: 'Display 1 — Built-in Retina Display',
          thumbnail: 'data:image/png;base64,screen:1:0',
          hasCoach: true,
          isDefault: false,
        },
        {
          id: 'display:202',
          kind: 'display',
          name: 'Display 2 — DELL U2720Q',
          thumbnail: 'data:image/png;base64,screen:0:0',
          hasCoach: false,
          isDefault: true,
        },
        {
          id: 'window:4242:0',
          kind: 'window',
          name: 'TradingView — SPY',
          thumbnail: 'data:image/png;base64,window:4242:0',
          hasCoach: false,
          isDefault: false,
        },
      ],
    });
  });

  it('never makes the coach’s display the default while another display exists', async () => {
    expect(await defaultOf({ displays: [laptop, monitor], coachOn: laptop.id }, null)).toEqual([
      'Display 2 — DELL U2720Q',
    ]);
    expect(await defaultOf({ displays: [laptop, monitor], coachOn: monitor.id }, null)).toEqual([
      'Display 1 — Built-in Retina Display',
    ]);
    // With one display there is no other choice.
    expect(await defaultOf({ displays: [laptop], coachOn: laptop.id }, null)).toEqual([
      'Display 1 — Built-in Retina Display',
    ]);
  });

  it('remembers the last source used: a display by id, a window by id, then by its exact title', async () => {
    const setup = { displays: [laptop, monitor], windows: [tradingView], coachOn: laptop.id };
    expect(await defaultOf(setup, { kind: 'display', displayId: '101' })).toEqual([
      'Display 1 — Built-in Retina Display',
    ]);
    expect(await defaultOf(setup, { kind: 'window', windowName: 'old title', sourceId: tradingView.id })).toEqual([
      'TradingView — SPY',
    ]);
    // The capture id changed since (another run): the same title finds it.
    expect(await defaultOf(setup, { kind: 'window', windowName: 'TradingView — SPY', sourceId: 'window:1:0' })).toEqual(
      ['TradingView — SPY'],
    );
  });

  it('does not choose a source that is gone, nor one of two windows with the same title', async () => {
    const twin = { ...tradingView, id: 'window:5151:0' };
    const setup = { displays: [laptop, monitor], windows: [tradingView, twin], coachOn: laptop.id };
    const display2 = ['Display 2 — DELL U2720Q'];
    expect(await defaultOf(setup, { kind: 'display', displayId: '303' })).toEqual(display2);
    expect(await defaultOf(setup, { kind: 'window', windowName: 'TradingView — SPY', sourceId: 'window:1:0' })).toEqual(
      display2,
    );
    expect(await defaultOf(setup, { kind: 'window', windowName: 'Closed chart', sourceId: 'window:2:0' })).toEqual(
      display2,
    );
  });

  it('says how to allow Screen Recording when macOS hands back empty thumbnails', async () => {
    const { ports } = fakeDesktop({ displays: [laptop], screenAccess: 'not-determined', emptyThumbnails: true });
    expect(await listSources(ports, null)).toMatchObject({ ok: false, error: { code: 'capture_denied' } });
  });
});

describe('findTarget', () => {
  const setup = { displays: [laptop, monitor], windows: [tradingView], coachOn: monitor.id };

  it('takes the default without an id, listing windows only when a window was used last', async () => {
    const { ports, requests } = fakeDesktop(setup);
    expect(await findTarget(ports, undefined, null)).toEqual({ ok: true, value: { kind: 'display', display: laptop } });
    expect(requests).toEqual([]);

    const remembered: PinnedSource = { kind: 'window', windowName: tradingView.name, sourceId: tradingView.id };
    expect(await findTarget(ports, undefined, remembered)).toEqual({
      ok: true,
      value: { kind: 'window', id: tradingView.id },
    });
    expect(requests).toEqual([{ types: ['window'], thumbnailSize: { width: 0, height: 0 } }]);
  });

  it('finds a display by its id and refuses one that is gone, or an id it does not know', async () => {
    const { ports } = fakeDesktop(setup);
    expect(await findTarget(ports, 'display:202', null)).toEqual({
      ok: true,
      value: { kind: 'display', display: monitor },
    });
    expect(await findTarget(ports, 'display:303', null)).toMatchObject({
      ok: false,
      error: { code: 'capture_source_missing' },
    });
    expect(await findTarget(ports, 'file:///etc/passwd', null)).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
  });
});

describe('chooseDefault', () => {
  it('has nothing to choose without displays', () => {
    expect(chooseDefault([], null, [], null)).toBeNull();
  });
});

describe('capture.json', () => {
  it('reads back what it wrote, and treats anything else as no last source', () => {
    const window: PinnedSource = { kind: 'window', windowName: 'TradingView — SPY', sourceId: 'window:4242:0' };
    const display: PinnedSource = { kind: 'display', displayId: '202' };
    for (const source of [window, display, null]) {
      expect(parseLastSource(JSON.parse(JSON.stringify(serializeLastSource(source))))).toEqual(source);
    }
    expect(parseLastSource(undefined)).toBeNull();
    expect(parseLastSource({ schemaVersion: 2, lastSource: display })).toBeNull();
    expect(parseLastSource({ schemaVersion: 1, lastSource: { kind: 'display', displayId: 202 } })).toBeNull();
  });
});
