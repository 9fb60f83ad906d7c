// Whether the coach server answers, and whether it can coach at all (an Anthropic key is set).
import { create } from 'zustand';
import { host } from '../host';

export type Reachability = 'unknown' | 'online' | 'offline';

interface ServerStore {
  reachability: Reachability;
  /** null until known; false: the server has no ANTHROPIC_API_KEY and answers 503 upstream_unconfigured. */
  upstreamConfigured: boolean | null;
  check: () => Promise<void>;
  markOffline: () => void;
  markUnconfigured: () => void;
  reset: () => void;
}

const initial = { reachability: 'unknown' as Reachability, upstreamConfigured: null };

export const useServerStore = create<ServerStore>()((set) => ({
  ...initial,

  async check() {
    const status = await host().api.status();
    if (!status.ok) {
      set({ reachability: status.error.code === 'offline' ? 'offline' : 'online' });
      return;
    }
    set({
      reachability: 'online',
      upstreamConfigured: status.value.dependencies.upstream.mode !== 'unconfigured',
    });
  },

  markOffline: () => set({ reachability: 'offline' }),
  markUnconfigured: () => set({ reachability: 'online', upstreamConfigured: false }),
  reset: () => set(initial),
}));
