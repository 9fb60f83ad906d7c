// The charts of the next question: up to four, each captured (cropped on its own screen), recaptured from a
// pinned region, pasted or dropped, and labelled with its timeframe; kept in Strat order, higher timeframe
// first. Once sent they are the conversation's charts: the server keeps them and shows them to the model with
// every follow-up, so they are not sent again ("same chart") until new ones replace them.
import { MAX_IMAGES } from '@strat-coach/server/contract';
import { create } from 'zustand';
import { encodeChart, wholeImage } from '../chart/encode-chart';
import { host } from '../host';
import {
  orderByTimeframe,
  validateLabel,
  type CapturedChart,
  type CaptureSourceInfo,
  type ChartImage,
  type ChartRegion,
} from '../shared';

export interface PendingChart {
  /** Local id, for the strip's keys and actions. */
  id: string;
  image: ChartImage;
  /** "SPY 60m"; null until the trader labels it. */
  label: string | null;
  /** Where it was cut from (to pin it); null for a pasted or dropped image. */
  region: ChartRegion | null;
}

interface ChartStore {
  charts: PendingChart[];
  sent: PendingChart[];
  /** The source picker, while it is open. */
  sources: CaptureSourceInfo[] | null;
  busy: boolean;
  error: string | null;
  /** Captures from a source (default: the host's choice — the last used, never the coach's own display). */
  capture: (sourceId?: string) => Promise<void>;
  /** Opens the picker of displays and windows. */
  chooseSource: () => Promise<void>;
  closePicker: () => void;
  /** Adds a chart the host captured (a pinned region keeps its label). */
  add: (captured: CapturedChart, label?: string | null) => boolean;
  acceptFile: (file: Blob) => Promise<void>;
  /** Sets a chart's label; returns the problem when the label is refused. */
  relabel: (id: string, label: string) => string | null;
  remove: (id: string) => void;
  /** The charts went out with a question: they are now the conversation's. */
  markSent: () => void;
  /** The question was refused before it reached the server: its charts go back to the composer. */
  unsend: () => void;
  /** Another conversation: its charts (if any) are on the server, not here. */
  forgetSent: () => void;
  setError: (error: string | null) => void;
  reset: () => void;
}

const initial = { charts: [], sent: [], sources: null, busy: false, error: null };

export const NOT_AN_IMAGE = 'That is not an image: paste or drop a PNG, JPEG or WebP chart.';
const UNREADABLE = 'That image could not be read. Try another one, or capture the chart.';
export const TOO_MANY = `At most ${MAX_IMAGES} charts go with one question: remove one first.`;

let counter = 0;
const localId = (): string => `chart-${Date.now().toString(36)}-${(counter += 1).toString(36)}`;

/** Higher timeframe first, as a Strat trader reads them (and as the model receives them). */
export const inStratOrder = (charts: PendingChart[]): PendingChart[] =>
  orderByTimeframe(charts, (chart) => chart.label);

export const useChartStore = create<ChartStore>()((set, get) => {
  const fail = (message: string | null): void => set({ busy: false, error: message });

  return {
    ...initial,

    async capture(sourceId) {
      if (get().charts.length >= MAX_IMAGES) return fail(TOO_MANY);
      set({ busy: true, error: null, sources: null });
      const result = await host().capture.chart(sourceId);
      set({ busy: false });
      // Closing the crop is a choice, not a failure worth a message.
      if (!result.ok) return fail(result.error.code === 'capture_cancelled' ? null : result.error.message);
      get().add(result.value);
    },

    async chooseSource() {
      set({ busy: true, error: null });
      const result = await host().capture.sources();
      if (!result.ok) return fail(result.error.message);
      // Nothing to choose from here (the web version has the browser's own picker): capture straight away.
      if (result.value.length === 0) {
        set({ busy: false });
        return get().capture();
      }
      set({ busy: false, sources: result.value });
    },

    closePicker: () => set({ sources: null }),

    add(captured, label = null) {
      const { charts } = get();
      if (charts.length >= MAX_IMAGES) {
        set({ error: TOO_MANY });
        return false;
      }
      const chart: PendingChart = { id: localId(), image: captured.image, label, region: captured.region };
      // A recaptured region replaces its earlier capture rather than adding a second copy.
      const others = label ? charts.filter((each) => each.label !== label) : charts;
      set({ charts: inStratOrder([...others, chart]), error: null });
      return true;
    },

    async acceptFile(file) {
      if (!file.type.startsWith('image/')) return fail(NOT_AN_IMAGE);
      if (get().charts.length >= MAX_IMAGES) return fail(TOO_MANY);
      set({ busy: true, error: null });
      try {
        const bitmap = await createImageBitmap(file);
        const image = await encodeChart(bitmap, wholeImage(bitmap));
        bitmap.close();
        set({ busy: false });
        get().add({ image, region: null });
      } catch {
        fail(UNREADABLE);
      }
    },

    relabel(id, raw) {
      if (raw.trim() === '') {
        set({
          charts: inStratOrder(get().charts.map((chart) => (chart.id === id ? { ...chart, label: null } : chart))),
        });
        return null;
      }
      const checked = validateLabel(raw);
      if (!checked.ok) return checked.message;
      const charts = get().charts.map((chart) => (chart.id === id ? { ...chart, label: checked.label } : chart));
      set({ charts: inStratOrder(charts) });
      return null;
    },

    remove: (id) => set({ charts: get().charts.filter((chart) => chart.id !== id) }),
    markSent: () => set((state) => (state.charts.length > 0 ? { sent: state.charts, charts: [] } : state)),
    unsend: () => set((state) => ({ charts: state.charts.length > 0 ? state.charts : state.sent, sent: [] })),
    forgetSent: () => set({ sent: [] }),
    setError: (error) => set({ error }),
    reset: () => set(initial),
  };
});
