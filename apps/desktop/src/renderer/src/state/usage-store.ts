// This billing period's usage and quota for the meter: loaded from GET /usage/current, and moved on at
// once by the quota each stream_complete carries.
import type { Quota, UsageCurrentResponse } from '@strat-coach/server/contract';
import { create } from 'zustand';
import { host } from '../host';
import { useServerStore } from './server-store';

interface UsageStore {
  usage: UsageCurrentResponse | null;
  quota: Quota | null;
  refresh: () => Promise<void>;
  applyQuota: (quota: Quota) => void;
  reset: () => void;
}

const initial = { usage: null, quota: null };

export const useUsageStore = create<UsageStore>()((set) => ({
  ...initial,

  async refresh() {
    const result = await host().api.usage();
    if (result.ok) {
      set({ usage: result.value, quota: result.value.quota });
      return;
    }
    if (result.error.code === 'offline') useServerStore.getState().markOffline();
  },

  applyQuota: (quota) => set({ quota }),
  reset: () => set(initial),
}));
