// The preload over a stand-in for Electron's contextBridge and ipcRenderer: the coach window gets
// window.coach only and the crop window (#crop) window.coachCrop only; every method calls its own channel
// with the page's arguments, pushes reach listeners without the IPC event, and every declared channel is
// reachable from exactly one of the two APIs.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CoachHostApi, CropHostApi } from '../src/shared/host-api';
import { INVOKE_CHANNELS } from '../src/shared/ipc-channels';

const electron = vi.hoisted(() => {
  const exposed = new Map<string, unknown>();
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  return {
    exposed,
    invoked,
    listeners,
    push: (channel: string, payload: unknown) => {
      for (const listener of listeners.get(channel) ?? []) listener({ sender: 'ipc-event' }, payload);
    },
    module: {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
      ipcRenderer: {
        invoke: async (...args: unknown[]) => {
          invoked.push(args);
          return `result of ${String(args[0])}`;
        },
        on: (channel: string, listener: (event: unknown, payload: unknown) => void) => {
          if (!listeners.has(channel)) listeners.set(channel, new Set());
          listeners.get(channel)!.add(listener);
        },
        removeListener: (channel: string, listener: (event: unknown, payload: unknown) => void) => {
          listeners.get(channel)?.delete(listener);
        },
      },
    },
  };
});
vi.mock('electron', () => electron.module);

/** Loads the preload in a window whose URL has this hash. */
async function preloadIn(hash: string) {
  vi.resetModules();
  electron.exposed.clear();
  electron.invoked.length = 0;
  vi.stubGlobal('location', { hash });
  await import('../src/preload/index');
  return electron.exposed;
}
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the coach window', () => {
  it('gets window.coach only', async () => {
    expect([...(await preloadIn('')).keys()]).toEqual(['coach']);
  });

  it('calls each capture and settings channel with the page’s arguments', async () => {
    const coach = (await preloadIn('')).get('coach') as CoachHostApi;
    const region = { id: 'r', label: 'SPY 60m' } as never;
    await coach.capture.sources();
    await coach.capture.chart('display:2');
    await coach.capture.chart();
    await coach.capture.region(region);
    await coach.capture.underCursor();
    await coach.settings.pinnedRegions();
    await coach.settings.savePinnedRegions([region]);
    await coach.settings.presets();
    await coach.settings.savePresets([]);
    await coach.settings.shortcuts();
    expect(await coach.settings.saveShortcuts({ quickQuestion: 'Alt+Q', recapturePinned: '' })).toBe(
      'result of settings:save-shortcuts',
    );
    expect(electron.invoked).toEqual([
      ['capture:sources'],
      ['capture:chart', 'display:2'],
      ['capture:chart', undefined],
      ['capture:region', region],
      ['capture:under-cursor'],
      ['settings:pinned-regions'],
      ['settings:save-pinned-regions', [region]],
      ['settings:presets'],
      ['settings:save-presets', []],
      ['settings:shortcuts'],
      ['settings:save-shortcuts', { quickQuestion: 'Alt+Q', recapturePinned: '' }],
    ]);
  });

  it('hands the tray’s asks to the page without the IPC event, until it unsubscribes', async () => {
    const coach = (await preloadIn('')).get('coach') as CoachHostApi;
    const heard: unknown[] = [];
    const stopQuestions = coach.app.onQuickQuestion((presetId) => heard.push(['quick', presetId]));
    const stopRecapture = coach.app.onRecapturePinned((...args: unknown[]) => heard.push(['recapture', ...args]));

    electron.push('app:quick-question', 'targets');
    electron.push('app:quick-question', null);
    electron.push('app:recapture-pinned', null);
    stopQuestions();
    stopRecapture();
    electron.push('app:quick-question', 'late');
    electron.push('app:recapture-pinned', null);

    expect(heard).toEqual([['quick', 'targets'], ['quick', null], ['recapture']]);
  });

  it('hands main’s usage reads to the page’s meter without the IPC event, until it unsubscribes', async () => {
    const coach = (await preloadIn('')).get('coach') as CoachHostApi;
    const heard: unknown[][] = [];
    const stop = coach.api.onUsage((...args: unknown[]) => heard.push(args));

    electron.push('usage:changed', { tier: 'free' });
    stop();
    electron.push('usage:changed', { tier: 'pro' });

    expect(heard).toEqual([[{ tier: 'free' }]]);
  });
});

describe('the crop window', () => {
  it('gets window.coachCrop only, over the crop channels', async () => {
    const exposed = await preloadIn('#crop');
    expect([...exposed.keys()]).toEqual(['coachCrop']);
    const crop = exposed.get('coachCrop') as CropHostApi;
    const result = {
      image: { mediaType: 'image/png', data: 'AAAA', width: 1, height: 1 },
      rect: { x: 0, y: 0, width: 1, height: 1 },
    } as const;
    await crop.frame();
    await crop.done(result);
    await crop.cancel();
    expect(electron.invoked).toEqual([['crop:frame'], ['crop:done', result], ['crop:cancel']]);
  });
});

describe('together', () => {
  it('reach every declared channel', async () => {
    const coach = (await preloadIn('')).get('coach') as CoachHostApi;
    const used = new Set<string>();
    const record = () => electron.invoked.forEach(([channel]) => used.add(String(channel)));
    await coach.session.get();
    await coach.session.signIn();
    await coach.session.signOut();
    await coach.api.status();
    await coach.api.usage();
    await coach.api.conversations();
    await coach.api.renameConversation('id', 'title');
    await coach.api.deleteConversation('id');
    await coach.api.messages('id');
    await coach.api.chart('id', 'id', 0);
    await coach.api.readChart!({ mediaType: 'image/png', data: 'AAAA' });
    await coach.api.openBilling!({ kind: 'portal' });
    coach.coach.ask({ message: 'hi' }, { onEvent: () => undefined, onError: () => undefined }).cancel();
    await coach.capture.sources();
    await coach.capture.chart();
    await coach.capture.region({} as never);
    await coach.capture.underCursor();
    await coach.settings.pinnedRegions();
    await coach.settings.savePinnedRegions([]);
    await coach.settings.presets();
    await coach.settings.savePresets([]);
    await coach.settings.shortcuts();
    await coach.settings.saveShortcuts({ quickQuestion: '', recapturePinned: '' });
    await coach.settings.theme();
    await coach.settings.saveTheme('dark');
    await coach.app.updateOffer();
    await coach.app.restartToUpdate();
    record();
    const crop = (await preloadIn('#crop')).get('coachCrop') as CropHostApi;
    await crop.frame();
    await crop.done({} as never);
    await crop.cancel();
    record();
    expect([...used].sort()).toEqual([...INVOKE_CHANNELS].sort());
  });
});
