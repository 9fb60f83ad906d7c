// Whether the coach server answers, whether it can coach at all (an Anthropic key is set), and whether it sells
// plans (Stripe is set up).
import { create } from 'zustand';
import { host } from '../host';

export type Reachability = 'unknown' | 'online' | 'offline';

interface ServerStore {
  reachability: Reachability;
  /** null until known; false: the server has no ANTHROPIC_API_KEY, and the local chart reader answers. */
  upstreamConfigured: boolean | null;
  /** null until known; false: the server has no Stripe keys, so there is no plan to upgrade to or manage. */
  billingConfigured: boolean | null;
  check: () => Promise<void>;
  markOffline: () => void;
  reset: () => void;
}

const initial = { reachability: 'unknown' as Reachability, upstreamConfigured: null, billingConfigured: null };

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
      billingConfigured: status.value.dependencies.billing.mode !== 'unconfigured',
    });
  },

  markOffline: () => set({ reachability: 'offline' }),
  reset: () => set(initial),
}));
