// Quick questions (presets, at most eight, kept by the host) and the global shortcuts that ask them or
// recapture the pinned regions (desktop only; null on the web).
import { create } from 'zustand';
import { host } from '../host';
import { DEFAULT_PRESETS, updatePresets, type Preset, type ShortcutAction, type ShortcutStatus } from '../shared';

interface PresetStore {
  presets: Preset[];
  notice: string | null;
  shortcuts: ShortcutStatus | null;
  load: () => Promise<void>;
  /** Saves the whole list; returns the problem when it is refused. */
  save: (presets: Preset[]) => Promise<string | null>;
  saveShortcuts: (bindings: Record<ShortcutAction, string>) => Promise<void>;
  dismissNotice: () => void;
  reset: () => void;
}

export const usePresetStore = create<PresetStore>()((set) => ({
  presets: [...DEFAULT_PRESETS],
  notice: null,
  shortcuts: null,

  async load() {
    const [loaded, shortcuts] = await Promise.all([host().settings.presets(), host().settings.shortcuts()]);
    set({ presets: loaded.value, notice: loaded.notice, shortcuts });
  },

  async save(presets) {
    const checked = updatePresets(presets);
    if (!checked.ok) return checked.message;
    const result = await host().settings.savePresets(checked.presets);
    if (!result.ok) return result.error.message;
    set({ presets: result.value, notice: null });
    return null;
  },

  async saveShortcuts(bindings) {
    set({ shortcuts: await host().settings.saveShortcuts(bindings) });
  },

  dismissNotice: () => set({ notice: null }),
  reset: () => set({ presets: [...DEFAULT_PRESETS], notice: null, shortcuts: null }),
}));
