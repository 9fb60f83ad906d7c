// The theme the trader picks: shown at once, kept by the host (here the web version's localStorage settings),
// read back by the next window; a browser that will not keep it still shows it, and says it was not saved.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebSettings } from '../src/renderer/src/host/web-settings';
import { useThemeStore } from '../src/renderer/src/state/theme-store';
import { useScriptedHost } from './support/scripted-host';

class MemoryStorage {
  #items = new Map<string, string>();
  getItem = (key: string) => this.#items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.#items.set(key, value);
}

const host = useScriptedHost();
let storage: MemoryStorage;
beforeEach(() => {
  storage = new MemoryStorage();
  host().host.settings = createWebSettings(storage as unknown as Storage);
});
afterEach(() => useThemeStore.getState().reset());

describe('theme store', () => {
  it('starts at System, keeps a choice, and the next window reads it back', async () => {
    await useThemeStore.getState().load();
    expect(useThemeStore.getState().theme).toBe('system');
    await useThemeStore.getState().choose('dark');
    expect(useThemeStore.getState()).toMatchObject({ theme: 'dark', problem: null });

    useThemeStore.getState().reset();
    await useThemeStore.getState().load();
    expect(useThemeStore.getState().theme).toBe('dark');
  });

  it('shows a choice the host could not keep, and says so', async () => {
    host().host.settings = createWebSettings(null);
    await useThemeStore.getState().choose('light');
    expect(useThemeStore.getState()).toMatchObject({
      theme: 'light',
      problem: 'This browser would not save the settings.',
    });
  });
});
