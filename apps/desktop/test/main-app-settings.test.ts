// The trader's settings in a real temporary userData folder: a new user starts from the defaults without a
// notice; what a renderer saves is checked again and refused whole when any of it would be dropped; shortcut
// bindings are bound, kept and bound again at the next start; the tray hears of every change.
import * as fs from 'node:fs/promises';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppSettings } from '../src/main/app-settings';
import { silentLogger } from '../src/main/log';
import { createShortcuts, type GlobalShortcutPort } from '../src/main/shortcuts';
import type { PinnedRegion } from '../src/shared/pinned-regions';
import { DEFAULT_PRESETS, PRESETS_RESET_NOTICE } from '../src/shared/presets';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strat-coach-app-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The settings as main builds them at start, over a globalShortcut where `taken` belongs to other apps. */
function start(taken: string[] = []) {
  const bound: string[] = [];
  const themes: string[] = [];
  const port: GlobalShortcutPort = {
    register: (accelerator) => {
      if (taken.includes(accelerator)) return false;
      bound.push(accelerator);
      return true;
    },
    unregister: (accelerator) => void bound.splice(bound.indexOf(accelerator), 1),
  };
  const shortcuts = createShortcuts(
    port,
    { quickQuestion: () => undefined, recapturePinned: () => undefined },
    'darwin',
  );
  const settings = createAppSettings({
    dir,
    fs,
    shortcuts,
    applyTheme: (theme) => themes.push(theme),
    log: silentLogger,
  });
  let changes = 0;
  settings.onChange(() => (changes += 1));
  return { settings, bound, themes, changes: () => changes };
}

const stored = async (name: string): Promise<unknown> => JSON.parse(await readFile(join(dir, name), 'utf8'));

const region = (index: number, overrides: Partial<PinnedRegion> = {}): PinnedRegion => ({
  id: `pin-${index}`,
  label: `SPY ${index}m`,
  source: { kind: 'display', displayId: '202' },
  rect: { x: 10 * index, y: 20, width: 800, height: 500 },
  sourceSize: { width: 3840, height: 2160 },
  createdAt: '2030-05-01T14:30:00.000Z',
  ...overrides,
});

describe('pinned regions', () => {
  it('start empty for a new user, without a notice', async () => {
    const { settings } = start();
    expect(await settings.pinnedRegions()).toEqual({ value: [], notice: null });
    expect(settings.snapshot().pinnedCount).toBe(0);
  });

  it('are saved whole, as the next start reads them, and the tray hears of it', async () => {
    const { settings, changes } = start();
    const saved = await settings.savePinnedRegions([region(1), region(2, { label: '  ES D  ' })]);

    expect(saved).toEqual({ ok: true, value: [region(1), region(2, { label: 'ES D' })] });
    expect(await stored('pinned-regions.json')).toEqual({
      schemaVersion: 2,
      regions: [region(1), region(2, { label: 'ES D' })],
    });
    expect(settings.snapshot().pinnedCount).toBe(2);
    expect(changes()).toBe(1);
    expect(await start().settings.pinnedRegions()).toEqual({ value: saved.ok && saved.value, notice: null });
  });

  it.each([
    ['not a list', { regions: [] }, /must be a list/],
    ['nine regions', Array.from({ length: 9 }, (_, index) => region(index)), /up to 8/],
    [
      'a malformed region',
      [region(1), { ...region(2), rect: { x: 0, y: 0, width: -5, height: 10 } }],
      /One pinned region is malformed/,
    ],
    ['two regions with one label', [region(1), region(2, { label: 'spy 1m' })], /One pinned region/],
  ])('refuse %s and keep the file as it was', async (_case, regions, message) => {
    const { settings, changes } = start();
    await settings.savePinnedRegions([region(7)]);

    expect(await settings.savePinnedRegions(regions)).toEqual({
      ok: false,
      error: { code: 'invalid_request', message: expect.stringMatching(message), status: null },
    });
    expect(await stored('pinned-regions.json')).toEqual({ schemaVersion: 2, regions: [region(7)] });
    expect(changes()).toBe(1);
  });
});

describe('presets', () => {
  it('are the defaults for a new user, and a file that cannot be read resets them with a notice', async () => {
    const { settings } = start();
    expect(await settings.presets()).toEqual({ value: DEFAULT_PRESETS, notice: null });

    await writeFile(join(dir, 'presets.json'), '{"schemaVersion": 1, "presets": [');
    expect(await settings.presets()).toEqual({ value: DEFAULT_PRESETS, notice: PRESETS_RESET_NOTICE });
  });

  it('are saved trimmed and listed for the tray', async () => {
    const { settings, changes } = start();
    const presets = [{ id: 'tfc', title: ' Continuity? ', question: 'Is TFC with me?' }];

    expect(await settings.savePresets(presets)).toEqual({
      ok: true,
      value: [{ id: 'tfc', title: 'Continuity?', question: 'Is TFC with me?' }],
    });
    expect(await stored('presets.json')).toEqual({
      schemaVersion: 1,
      presets: [{ id: 'tfc', title: 'Continuity?', question: 'Is TFC with me?' }],
    });
    expect(settings.snapshot().presets.map((preset) => preset.title)).toEqual(['Continuity?']);
    expect(changes()).toBe(1);
  });

  it('are refused with the reason and the preset it is about', async () => {
    const { settings } = start();
    const twice = [
      { id: 'a', title: 'Targets?', question: 'Where?' },
      { id: 'b', title: 'targets?', question: 'Which?' },
    ];
    expect(await settings.savePresets(twice)).toEqual({
      ok: false,
      error: {
        code: 'invalid_request',
        message: 'Two quick questions are called “targets?”. Give each its own title.',
        status: null,
        details: { reason: 'duplicate_title', index: 1 },
      },
    });
    expect(await settings.savePresets([null])).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await settings.presets()).toEqual({ value: DEFAULT_PRESETS, notice: null });
  });
});

describe('shortcuts', () => {
  it('binds the defaults for a new user, and the saved bindings at the next start', async () => {
    const first = start();
    expect(await first.settings.applyShortcuts()).toMatchObject({
      quickQuestion: { status: 'active', label: '⌘⇧Space' },
      recapturePinned: { status: 'active', label: '⌘⇧R' },
    });
    expect(first.bound).toEqual(['CommandOrControl+Shift+Space', 'CommandOrControl+Shift+R']);

    const status = await first.settings.saveShortcuts({ quickQuestion: 'Alt+Q', recapturePinned: '' });
    expect(status).toMatchObject({ quickQuestion: { status: 'active' }, recapturePinned: { status: 'off' } });
    expect(first.bound).toEqual(['Alt+Q']);
    expect(await stored('shortcuts.json')).toEqual({
      schemaVersion: 1,
      bindings: { quickQuestion: 'Alt+Q', recapturePinned: '' },
    });

    const next = start();
    await next.settings.applyShortcuts();
    expect(next.bound).toEqual(['Alt+Q']);
    expect(next.settings.shortcuts()).toMatchObject({ quickQuestion: { accelerator: 'Alt+Q', status: 'active' } });
  });

  it('keeps a binding another app holds today (it may be free tomorrow), and says so', async () => {
    const { settings, changes } = start(['Alt+W']);
    const status = await settings.saveShortcuts({ quickQuestion: 'Alt+W', recapturePinned: 'Alt+R' });
    expect(status.quickQuestion).toMatchObject({ status: 'taken' });
    expect(await stored('shortcuts.json')).toMatchObject({ bindings: { quickQuestion: 'Alt+W' } });
    expect(changes()).toBe(1);
  });

  it('refuses bindings that are not a binding per action', async () => {
    const { settings } = start();
    await expect(settings.saveShortcuts({ quickQuestion: 'Alt+Q' })).rejects.toThrow(/malformed/);
    await expect(settings.saveShortcuts({ quickQuestion: 'Alt+Q', recapturePinned: 7 })).rejects.toThrow(/malformed/);
  });
});

describe('the last capture source', () => {
  it('is none at first, then what was remembered', async () => {
    const { settings } = start();
    expect(await settings.lastSource()).toBeNull();
    settings.rememberSource({ kind: 'window', windowName: 'TradingView — SPY', sourceId: 'window:4242:0' });
    await expect
      .poll(() => start().settings.lastSource())
      .toEqual({
        kind: 'window',
        windowName: 'TradingView — SPY',
        sourceId: 'window:4242:0',
      });
  });
});

describe('the theme', () => {
  it('follows the system for a new user, and the saved choice at the next start, applied as it is read', async () => {
    const first = start();
    expect(await first.settings.theme()).toBe('system');
    expect(first.themes).toEqual(['system']);
    expect(await first.settings.saveTheme('light')).toEqual({ ok: true, value: 'light' });
    expect(first.themes).toEqual(['system', 'light']);
    expect(await stored('theme.json')).toEqual({ schemaVersion: 1, theme: 'light' });

    const next = start();
    expect(await next.settings.theme()).toBe('light');
    expect(next.themes).toEqual(['light']);
  });

  it('refuses what is not a theme, and reads a hand-edited file as System', async () => {
    const { settings, themes } = start();
    expect(await settings.saveTheme('sepia')).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(themes).toEqual([]);
    await writeFile(join(dir, 'theme.json'), '{"theme": "neon"}');
    expect(await settings.theme()).toBe('system');
  });
});
