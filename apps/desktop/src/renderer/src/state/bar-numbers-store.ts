// Whether the local chart reader's bar numbers are drawn over the charts (the preview, the thread, the
// viewer): on by default, switched off in Settings or the viewer, and kept by the window for next time.
import { create } from 'zustand';
import { barNumbersShown, saveBarNumbersShown } from '../host/display-preferences';

interface BarNumbersStore {
  shown: boolean;
  /** Why the last choice was not kept (it still applies until the window closes); null when it was. */
  problem: string | null;
  load: () => void;
  show: (shown: boolean) => void;
  reset: () => void;
}

export const useBarNumbersStore = create<BarNumbersStore>()((set) => ({
  shown: true,
  problem: null,
  load: () => set({ shown: barNumbersShown(), problem: null }),
  show(shown) {
    // Shown at once; kept meanwhile.
    const result = saveBarNumbersShown(shown);
    set({ shown, problem: result.ok ? null : result.error.message });
  },
  reset: () => set({ shown: true, problem: null }),
}));
