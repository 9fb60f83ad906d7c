// What the desktop app tells the window by itself: a downloaded update ("Restart to update", or that it
// restarts once the streaming answer ends) and a notice such as "the window was reloaded after a crash".
// The web version has neither: its host never pushes them.
import { create } from 'zustand';
import { host } from '../host';
import type { UpdateOffer } from '../shared';

interface AppUpdateStore {
  update: UpdateOffer | null;
  notice: string | null;
  /** Reads the current offer and follows the host's pushes; returns the unsubscribe. */
  follow: () => () => void;
  restart: () => Promise<void>;
  dismissNotice: () => void;
  reset: () => void;
}

const initial = { update: null, notice: null };

export const useAppUpdateStore = create<AppUpdateStore>()((set) => ({
  ...initial,

  follow() {
    const app = host().app;
    void app.updateOffer().then((update) => set({ update }));
    const stopUpdate = app.onUpdate((update) => set({ update }));
    const stopNotice = app.onNotice((notice) => set({ notice }));
    return () => {
      stopUpdate();
      stopNotice();
    };
  },

  restart: () => host().app.restartToUpdate(),
  dismissNotice: () => set({ notice: null }),
  reset: () => set(initial),
}));
