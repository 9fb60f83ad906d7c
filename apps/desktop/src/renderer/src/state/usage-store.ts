// This billing period's usage and quota for the meter: read once at sign-in, moved on at once by the quota
// each stream_complete carries, then replaced by the read the host pushes after each answer (host.api.onUsage).
import type { Quota, UsageCurrentResponse } from '@strat-coach/server/contract';
import type { BillingPage } from '../shared';
import { create } from 'zustand';
import { host } from '../host';
import { useServerStore } from './server-store';

interface UsageStore {
  usage: UsageCurrentResponse | null;
  quota: Quota | null;
  refresh: () => Promise<void>;
  /** A usage read the host pushed (after an answer): the same figure the tray shows. */
  applyUsage: (usage: UsageCurrentResponse) => void;
  /** Follows the host's usage pushes until the returned function is called. */
  followHost: () => () => void;
  applyQuota: (quota: Quota) => void;
  /** Whether this host can open Upgrade and Manage plan. */
  canOpenBilling: () => boolean;
  /**
   * Opens Stripe's Checkout or Customer Portal in the system browser; the host reads the plan again when the
   * trader comes back to the window (a usage push). `billingError` says why it did not open.
   */
  openBilling: (page: BillingPage) => Promise<void>;
  billingError: string | null;
  reset: () => void;
}

const initial = { usage: null, quota: null, billingError: null };

export const useUsageStore = create<UsageStore>()((set, get) => ({
  ...initial,

  async refresh() {
    const result = await host().api.usage();
    if (result.ok) {
      set({ usage: result.value, quota: result.value.quota });
      return;
    }
    if (result.error.code === 'offline') useServerStore.getState().markOffline();
  },

  applyUsage: (usage) => set({ usage, quota: usage.quota }),
  followHost: () => host().api.onUsage((usage) => get().applyUsage(usage)),
  applyQuota: (quota) => set({ quota }),
  canOpenBilling: () => host().api.openBilling !== undefined,

  async openBilling(page) {
    const api = host().api;
    if (!api.openBilling) return;
    set({ billingError: null });
    const result = await api.openBilling(page);
    if (!result.ok) set({ billingError: result.error.message });
  },
  reset: () => set(initial),
}));
