// The colour theme the trader chose (System follows the operating system), kept by the host. Not the
// trader's data: it stays through a sign-out, like the window itself.
import { create } from 'zustand';
import { host } from '../host';
import { DEFAULT_THEME, type ThemeChoice } from '../shared';

interface ThemeStore {
  theme: ThemeChoice;
  /** Why the last choice was not kept (it still applies until the window closes); null when it was. */
  problem: string | null;
  load: () => Promise<void>;
  choose: (theme: ThemeChoice) => Promise<void>;
  reset: () => void;
}

export const useThemeStore = create<ThemeStore>()((set) => ({
  theme: DEFAULT_THEME,
  problem: null,

  async load() {
    set({ theme: await host().settings.theme() });
  },

  async choose(theme) {
    // Shown at once; the host keeps it (and in Electron applies it to the native parts) meanwhile.
    set({ theme, problem: null });
    const result = await host().settings.saveTheme(theme);
    if (!result.ok) set({ problem: result.error.message });
  },

  reset: () => set({ theme: DEFAULT_THEME, problem: null }),
}));
