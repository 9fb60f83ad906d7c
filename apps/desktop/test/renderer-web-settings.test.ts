// The web version's settings in localStorage: quick questions and pinned regions saved and read back with the
// desktop app's rules; what cannot be read is reset with a sentence for the trader; bad lists are refused.
import { describe, expect, it } from 'vitest';
import { createWebSettings } from '../src/renderer/src/host/web-settings';
import { DEFAULT_PRESETS } from '../src/shared/presets';
import type { PinnedRegion } from '../src/shared/pinned-regions';

/** The browser's Storage, in memory (Node has none). */
class MemoryStorage implements Storage {
  #items = new Map<string, string>();
  get length() {
    return this.#items.size;
  }
  clear() {
    this.#items.clear();
  }
  getItem(key: string) {
    return this.#items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.#items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.#items.delete(key);
  }
  setItem(key: string, value: string) {
    this.#items.set(key, value);
  }
}

const region = (id: string, label: string): PinnedRegion => ({
  id,
  label,
  source: { kind: 'display', displayId: 'shared-screen' },
  rect: { x: 10, y: 20, width: 800, height: 500 },
  sourceSize: { width: 1920, height: 1080 },
  createdAt: '2026-11-29T00:00:00.000Z',
});

describe('web settings', () => {
  it('start from the default quick questions and no pinned regions, then keep what is saved', async () => {
    const storage = new MemoryStorage();
    const settings = createWebSettings(storage);
    expect(await settings.presets()).toEqual({ value: DEFAULT_PRESETS, notice: null });
    expect(await settings.pinnedRegions()).toEqual({ value: [], notice: null });
    expect(await settings.shortcuts()).toBeNull();

    const mine = [{ id: 'a', title: 'Trigger?', question: 'Where is the trigger?' }];
    expect(await settings.savePresets(mine)).toEqual({ ok: true, value: mine });
    expect(await settings.savePinnedRegions([region('r1', 'SPY 5m')])).toMatchObject({ ok: true });
    const again = createWebSettings(storage);
    expect((await again.presets()).value).toEqual(mine);
    expect((await again.pinnedRegions()).value.map((each) => each.label)).toEqual(['SPY 5m']);
  });

  it('reset what cannot be read, and say so', async () => {
    const storage = new MemoryStorage();
    storage.setItem('strat-coach:presets', '{not json');
    storage.setItem('strat-coach:pinned-regions', JSON.stringify({ schemaVersion: 2, regions: 'nope' }));
    const settings = createWebSettings(storage);
    expect(await settings.presets()).toEqual({ value: DEFAULT_PRESETS, notice: expect.stringMatching(/reset/) });
    expect(await settings.pinnedRegions()).toEqual({ value: [], notice: expect.stringMatching(/reset/) });
  });

  it('refuse nine pinned regions, and a quick question without a title', async () => {
    const settings = createWebSettings(new MemoryStorage());
    const nine = Array.from({ length: 9 }, (_, index) => region(`r${index}`, `SPY ${index + 1}m`));
    expect(await settings.savePinnedRegions(nine)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    const untitled = await settings.savePresets([{ id: 'a', title: ' ', question: 'Where is the trigger?' }]);
    expect(untitled).toMatchObject({ ok: false, error: { message: expect.stringMatching(/title/i) } });
  });

  it('keep the theme: System at first, then the choice; a stored value that is not a theme reads as System', async () => {
    const storage = new MemoryStorage();
    expect(await createWebSettings(storage).theme()).toBe('system');
    expect(await createWebSettings(storage).saveTheme('dark')).toEqual({ ok: true, value: 'dark' });
    expect(await createWebSettings(storage).theme()).toBe('dark');
    storage.setItem('strat-coach:theme', '"purple"');
    expect(await createWebSettings(storage).theme()).toBe('system');
    expect(await createWebSettings(null).saveTheme('light')).toMatchObject({
      ok: false,
      error: { code: 'settings_not_saved' },
    });
  });
});
