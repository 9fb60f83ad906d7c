// Pinned regions: a chart's region saved under its label ("SPY 5m"), up to eight, kept by the host (a file
// in Electron, localStorage on the web), recaptured one by one or all at once with one gesture — never from
// another display or window when theirs is gone.
import { create } from 'zustand';
import { host } from '../host';
import { MAX_IMAGES } from '@strat-coach/server/contract';
import {
  addPinnedRegion,
  orderByTimeframe,
  removePinnedRegion,
  renamePinnedRegion,
  type PinnedRegion,
} from '../shared';
import { useChartStore } from './chart-store';

interface PinnedStore {
  regions: PinnedRegion[];
  /** Why the saved regions were reset, or a region's source that is gone. */
  notice: string | null;
  busy: boolean;
  load: () => Promise<void>;
  /** Pins the region a chart was captured from, under the chart's label; returns the problem, if any. */
  pin: (chartId: string) => Promise<string | null>;
  rename: (id: string, label: string) => Promise<string | null>;
  remove: (id: string) => Promise<void>;
  /** Captures the regions again (all of them without ids) into the question's charts. */
  recapture: (ids?: string[]) => Promise<void>;
  dismissNotice: () => void;
  reset: () => void;
}

const newId = (): string => globalThis.crypto?.randomUUID?.() ?? `pin-${Date.now().toString(36)}`;

export const usePinnedStore = create<PinnedStore>()((set, get) => {
  const save = async (regions: PinnedRegion[]): Promise<string | null> => {
    const result = await host().settings.savePinnedRegions(regions);
    if (!result.ok) return result.error.message;
    set({ regions: result.value });
    return null;
  };

  return {
    regions: [],
    notice: null,
    busy: false,

    async load() {
      const loaded = await host().settings.pinnedRegions();
      set({ regions: loaded.value, notice: loaded.notice });
    },

    async pin(chartId) {
      const chart = useChartStore.getState().charts.find((each) => each.id === chartId);
      if (!chart?.region) return 'Only a captured chart can be pinned (a pasted image has no screen region).';
      if (!chart.label) return 'Label the chart first (a timeframe, and a symbol): the pin is saved under it.';
      const { region } = chart;
      const added = addPinnedRegion(
        get().regions,
        { label: chart.label, source: region.source, rect: region.rect, sourceSize: region.sourceSize },
        { id: newId(), now: new Date() },
      );
      if (!added.ok) return added.message;
      return save(added.regions);
    },

    async rename(id, label) {
      const renamed = renamePinnedRegion(get().regions, id, label);
      return renamed.ok ? save(renamed.regions) : renamed.message;
    },

    async remove(id) {
      const problem = await save(removePinnedRegion(get().regions, id));
      if (problem) set({ notice: problem });
    },

    async recapture(ids) {
      // Higher timeframes first: when more are pinned than a question takes, the lower ones are left out.
      const chosen = orderByTimeframe(
        get().regions.filter((region) => !ids || ids.includes(region.id)),
        (region) => region.label,
      );
      if (chosen.length === 0) return;
      set({ busy: true, notice: null });
      const problems: string[] = [];
      const leftOut: string[] = [];
      // One at a time: each freezes its own screen, and a missing one must not stop the others.
      for (const region of chosen) {
        const charts = useChartStore.getState();
        if (!charts.hasRoomFor(region.label)) {
          leftOut.push(region.label);
          continue;
        }
        try {
          const result = await host().capture.region(region);
          if (!result.ok) problems.push(`${region.label}: ${result.error.message}`);
          else charts.add(result.value, region.label);
        } catch {
          problems.push(`${region.label}: the capture failed inside the app.`);
        }
      }
      if (leftOut.length > 0) {
        problems.push(`Only ${MAX_IMAGES} charts go with one question: ${leftOut.join(', ')} left out.`);
      }
      set({ busy: false, notice: problems.length > 0 ? problems.join(' ') : null });
    },

    dismissNotice: () => set({ notice: null }),
    reset: () => set({ regions: [], notice: null, busy: false }),
  };
});
