// The capture, crop and settings handlers wired as index.ts wires them — the real router, bridge, capture
// session and settings files — called the way the preload calls them, from the coach window and the crop
// window: each argument reaches the right place, and only the crop window can answer a crop.
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createAppUrlPolicy } from '../src/main/app-url';
import { createAppSettings } from '../src/main/app-settings';
import { registerCoachHandlers, type BridgeDeps } from '../src/main/bridge';
import { createCaptureSession } from '../src/main/capture-session';
import {
  createIpcRouter,
  IpcRejectedError,
  type FrameLike,
  type InvokeEventLike,
  type InvokeListener,
} from '../src/main/ipc-router';
import { silentLogger } from '../src/main/log';
import { createShortcuts } from '../src/main/shortcuts';
import { DEFAULT_PRESETS } from '../src/shared/presets';
import { fakeDesktop, laptop, monitor } from './support/main-capture';

const appFrame: FrameLike = { url: 'app://strat-coach/index.html', processId: 4, frameToken: 'main-frame' };
const cropFrame: FrameLike = { url: 'app://strat-coach/index.html#crop', processId: 7, frameToken: 'crop-frame' };
const sender = { send: () => undefined, isDestroyed: () => false };
const from = (senderFrame: FrameLike): InvokeEventLike => ({ senderFrame, sender });

/** The bridge over the real router, with the capture and settings given; the rest is not called here. */
function bridge(deps: Pick<BridgeDeps, 'capture' | 'settings'>) {
  const listeners = new Map<string, InvokeListener>();
  const router = createIpcRouter({
    register: (channel, listener) => listeners.set(channel, listener),
    coachFrame: () => appFrame,
    cropFrame: () => cropFrame,
    isAppUrl: createAppUrlPolicy().isAppUrl,
    log: silentLogger,
  });
  registerCoachHandlers({
    router,
    session: { onChange: () => () => undefined } as unknown as BridgeDeps['session'],
    client: {} as BridgeDeps['client'],
    streams: {} as BridgeDeps['streams'],
    updates: {} as BridgeDeps['updates'],
    openBillingPage: async () => undefined,
    whenBack: () => undefined,
    refreshUsage: () => undefined,
    push: () => undefined,
    ...deps,
  });
  return (channel: string, event: InvokeEventLike, ...args: unknown[]) => listeners.get(channel)!(event, ...args);
}

describe('a capture across the two windows, through the router and the bridge', () => {
  it('the coach window asks, the crop window crops, the coach window gets the chart', async () => {
    const { ports } = fakeDesktop({ displays: [laptop, monitor], coachOn: laptop.id });
    let overlays = 0;
    const capture = createCaptureSession({
      ports,
      shield: { whileFreezing: (freeze) => freeze() },
      openOverlay: (_display, onGone) => {
        overlays += 1;
        return { focus: () => undefined, close: onGone };
      },
      lastSource: async () => null,
      rememberSource: () => undefined,
      log: silentLogger,
    });
    const invoke = bridge({ capture, settings: {} as BridgeDeps['settings'] });

    const chart = invoke('capture:chart', from(appFrame), 'display:202');
    await vi.waitFor(() => expect(overlays).toBe(1));
    // The coach window cannot answer for the trader; the crop window can.
    await expect(invoke('crop:done', from(appFrame), {})).rejects.toBeInstanceOf(IpcRejectedError);
    expect(await invoke('crop:frame', from(cropFrame))).toMatchObject({ width: 3840, height: 2160, scaleFactor: 2 });
    const image = { mediaType: 'image/png', data: 'iVBORw0KGgo=', width: 300, height: 200 };
    await invoke('crop:done', from(cropFrame), { image, rect: { x: 0, y: 0, width: 300, height: 200 } });

    expect(await chart).toMatchObject({
      ok: true,
      value: {
        image,
        region: { source: { kind: 'display', displayId: '202' }, sourceSize: { width: 3840, height: 2160 } },
      },
    });
  });
});

describe('settings through the router and the bridge', () => {
  it('reads and saves each setting with the argument the preload passes', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'strat-coach-ipc-settings-'));
    try {
      const shortcuts = createShortcuts(
        { register: () => true, unregister: () => undefined },
        { quickQuestion: () => undefined, recapturePinned: () => undefined },
        'linux',
      );
      const invoke = bridge({
        capture: {} as BridgeDeps['capture'],
        settings: createAppSettings({ dir, fs, shortcuts, applyTheme: () => undefined, log: silentLogger }),
      });
      const coach = from(appFrame);

      expect(await invoke('settings:presets', coach)).toEqual({ value: DEFAULT_PRESETS, notice: null });
      const presets = [{ id: 'p', title: 'Targets?', question: 'Where are the targets?' }];
      expect(await invoke('settings:save-presets', coach, presets)).toEqual({ ok: true, value: presets });
      expect(await invoke('settings:pinned-regions', coach)).toEqual({ value: [], notice: null });
      expect(await invoke('settings:save-pinned-regions', coach, 'nope')).toMatchObject({ ok: false });
      expect(
        await invoke('settings:save-shortcuts', coach, { quickQuestion: 'Alt+Q', recapturePinned: '' }),
      ).toMatchObject({
        quickQuestion: { status: 'active', label: 'Alt+Q' },
        recapturePinned: { status: 'off' },
      });
      expect(await invoke('settings:shortcuts', coach)).toMatchObject({ quickQuestion: { accelerator: 'Alt+Q' } });
      expect(await invoke('settings:theme', coach)).toBe('system');
      expect(await invoke('settings:save-theme', coach, 'dark')).toEqual({ ok: true, value: 'dark' });
      expect(await invoke('settings:save-theme', coach, { theme: 'dark' })).toMatchObject({ ok: false });
      expect(await invoke('settings:theme', coach)).toBe('dark');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
