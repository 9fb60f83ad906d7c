// The charts of the next question: up to four, each captured (cropped on its own screen), recaptured from a
// pinned region, pasted or dropped, and labelled with its timeframe; kept in Strat order, higher timeframe
// first. Once sent they are the conversation's charts: the server keeps them and shows them to the model with
// every follow-up, so they are not sent again ("same chart") until new ones replace them.
import { MAX_IMAGES, type ChartAnalysisImage } from '@strat-coach/server/contract';
import { create } from 'zustand';
import type { ChartReading } from '../chart/bar-labels';
import { encodeChart, wholeImage } from '../chart/encode-chart';
import { host } from '../host';
import type { QuestionChart } from '../lib/live-answer';
import {
  orderByTimeframe,
  validateLabel,
  type CapturedChart,
  type CaptureSourceInfo,
  type ChartImage,
  type ChartRegion,
  type HostResult,
} from '../shared';

export interface PendingChart {
  /** Local id, for the strip's keys and actions. */
  id: string;
  image: ChartImage;
  /** "SPY 60m"; null until the trader labels it. */
  label: string | null;
  /** Where it was cut from (to pin it); null for a pasted or dropped image. */
  region: ChartRegion | null;
  /** The local chart reader's bar numbers (POST /charts/read), once it answered with candles. */
  reading?: ChartReading | undefined;
}

/** A chart the conversation already has on the server; its image only when this window sent it. */
export interface SentChart {
  id: string;
  label: string | null;
  image: ChartImage | null;
  region: ChartRegion | null;
  reading?: ChartReading | undefined;
}

interface ChartStore {
  charts: PendingChart[];
  sent: SentChart[];
  /** The source picker, while it is open. */
  sources: CaptureSourceInfo[] | null;
  busy: boolean;
  error: string | null;
  /** Captures from a source (default: the host's choice — the last used, never the coach's own display). */
  capture: (sourceId?: string) => Promise<void>;
  /** Opens the picker of displays and windows. */
  chooseSource: () => Promise<void>;
  closePicker: () => void;
  /** Adds a chart the host captured (a pinned region keeps its label); false when the question is full. */
  add: (captured: CapturedChart, label?: string | null) => boolean;
  /** Whether a chart with this label could be added now (it would replace its namesake, or there is room). */
  hasRoomFor: (label: string | null) => boolean;
  acceptFile: (file: Blob) => Promise<void>;
  /** Sets a chart's label; returns the problem when the label is refused. */
  relabel: (id: string, label: string) => string | null;
  remove: (id: string) => void;
  /** The charts went out with a question: they are now the conversation's. */
  markSent: () => void;
  /** Edit & resend: the last question's charts (those this window holds) back in the composer. */
  restore: (charts: readonly QuestionChart[]) => void;
  /** The question was refused before it reached the server: its charts go back to the composer. */
  unsend: () => void;
  /** Another conversation: its charts (if any) are on the server, not here. */
  forgetSent: () => void;
  /** An opened conversation's charts, from its history (labels only: their images stay on the server). */
  showSent: (charts: Array<{ label?: string | null }>) => void;
  setError: (error: string | null) => void;
  /** History's charts as object URLs, by `messageId/n`; null when the server no longer has one. */
  stored: Record<string, string | null>;
  /** Fetches a stored chart once (through the host), for the thread. */
  loadStored: (conversationId: string, messageId: string, n: number) => Promise<void>;
  reset: () => void;
}

const initial = { charts: [], sent: [], sources: null, busy: false, error: null, stored: {} };

export const storedKey = (messageId: string, n: number): string => `${messageId}/${n}`;
/** Stored charts being fetched, so a thread that renders twice asks once. */
const fetching = new Set<string>();

export const NOT_AN_IMAGE = 'That is not an image: paste or drop a PNG, JPEG or WebP chart.';
const UNREADABLE = 'That image could not be read. Try another one, or capture the chart.';
export const TOO_MANY = `At most ${MAX_IMAGES} charts go with one question: remove one first.`;

let counter = 0;
const localId = (): string => `chart-${Date.now().toString(36)}-${(counter += 1).toString(36)}`;

/** Higher timeframe first, as a Strat trader reads them (and as the model receives them). */
export const inStratOrder = (charts: PendingChart[]): PendingChart[] =>
  orderByTimeframe(charts, (chart) => chart.label);

const COULD_NOT_CAPTURE = 'The capture failed inside the app. Try again.';
/** What the trader had sent before the last question, to show again if that question never reached the server. */
let sentBefore: SentChart[] = [];

/** How many times the preview asks for a chart's reading when the server cannot give it now. */
export const READ_ATTEMPTS = 3;
/** The wait before asking again, times the attempt, when the server names none; never longer than the cap. */
export const READ_RETRY_MS = 1_000;
const READ_RETRY_CAP_MS = 10_000;

/** How long to wait before asking again for a reading the server could not give now; null: do not ask again. */
function retryDelay(result: HostResult<ChartAnalysisImage>, attempt: number): number | null {
  const later = (retryAfterMs?: number) => Math.min(retryAfterMs ?? READ_RETRY_MS * attempt, READ_RETRY_CAP_MS);
  // The reader ran out of its time budget (a busy server): the same chart may read in time now.
  if (result.ok) return result.value.skipped === 'timeout' ? later() : null;
  const { status, retryAfterMs } = result.error;
  // Unreachable, rate-limited, busy or failing: transient. A refusal of the chart itself (4xx) is not.
  return status === null || status === 429 || status >= 500 ? later(retryAfterMs) : null;
}

export const useChartStore = create<ChartStore>()((set, get) => {
  /**
   * Asks the local chart reader for the chart's bar numbers, for the preview. A reading with no candles, a
   * refusal or a host without the reader leave the chart as it is: no numbers, no message. A reading the
   * server could not give now (busy, rate-limited, out of time, unreachable) is asked again, a few times, while
   * the chart is still there.
   */
  const read = async (chart: PendingChart): Promise<void> => {
    const present = () => [...get().charts, ...get().sent].some((each) => each.id === chart.id);
    try {
      const api = host().api;
      if (!api.readChart) return;
      for (let attempt = 1; attempt <= READ_ATTEMPTS && present(); attempt += 1) {
        const result = await api.readChart({ mediaType: chart.image.mediaType, data: chart.image.data });
        if (result.ok && !result.value.skipped && result.value.candles.length > 0) {
          const reading = result.value;
          const withReading = <T extends { id: string }>(list: T[]): T[] =>
            list.map((each) => (each.id === chart.id ? { ...each, reading } : each));
          set({ charts: withReading(get().charts), sent: withReading(get().sent) });
          return;
        }
        const wait = retryDelay(result, attempt);
        if (wait === null) return;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    } catch {
      // No reading (no host, or its call failed): the chart shows without numbers.
    }
  };
  const fail = (message: string | null): void => set({ busy: false, error: message });
  /** The charts besides any that `label` would replace (a recaptured region replaces its earlier capture). */
  const besides = (label: string | null): PendingChart[] =>
    label ? get().charts.filter((each) => each.label !== label) : get().charts;

  return {
    ...initial,

    async capture(sourceId) {
      if (get().charts.length >= MAX_IMAGES) return fail(TOO_MANY);
      set({ busy: true, error: null, sources: null });
      try {
        const result = await host().capture.chart(sourceId);
        // Closing the crop is a choice, not a failure worth a message.
        if (!result.ok) return fail(result.error.code === 'capture_cancelled' ? null : result.error.message);
        set({ busy: false });
        get().add(result.value);
      } catch {
        fail(COULD_NOT_CAPTURE);
      }
    },

    async chooseSource() {
      set({ busy: true, error: null });
      try {
        const result = await host().capture.sources();
        if (!result.ok) return fail(result.error.message);
        // Nothing to choose from here (the web version has the browser's own picker): capture straight away.
        set({ busy: false });
        if (result.value.length === 0) return get().capture();
        set({ sources: result.value });
      } catch {
        fail(COULD_NOT_CAPTURE);
      }
    },

    closePicker: () => set({ sources: null }),

    hasRoomFor: (label) => besides(label).length < MAX_IMAGES,

    add(captured, label = null) {
      const others = besides(label);
      if (others.length >= MAX_IMAGES) {
        set({ error: TOO_MANY });
        return false;
      }
      const chart: PendingChart = { id: localId(), image: captured.image, label, region: captured.region };
      set({ charts: inStratOrder([...others, chart]), error: null });
      void read(chart);
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
    markSent: () =>
      set((state) => {
        if (state.charts.length === 0) return state;
        sentBefore = state.sent;
        return { sent: state.charts, charts: [] };
      }),
    restore(sent) {
      const charts = sent.flatMap((chart): PendingChart[] =>
        chart.mediaType === 'image/png' || chart.mediaType === 'image/jpeg' || chart.mediaType === 'image/webp'
          ? [
              {
                id: localId(),
                image: { mediaType: chart.mediaType, data: chart.data, width: chart.width, height: chart.height },
                label: chart.label,
                region: null,
                ...(chart.analysis ? { reading: chart.analysis } : {}),
              },
            ]
          : [],
      );
      set({ charts: inStratOrder(charts.slice(0, MAX_IMAGES)), error: null });
    },
    unsend() {
      const { charts, sent } = get();
      // The question's charts were the ones just marked sent: back to the box; the earlier ones still stand.
      const returned = sent.flatMap((chart): PendingChart[] =>
        chart.image ? [{ ...chart, image: chart.image, region: null }] : [],
      );
      set({ charts: charts.length > 0 ? charts : returned, sent: sentBefore });
      sentBefore = [];
    },
    forgetSent: () => {
      sentBefore = [];
      // Another conversation: a capture's or a file's error from the last one is not about this one.
      set({ sent: [], error: null });
    },
    showSent: (charts) => {
      sentBefore = [];
      set({
        sent: charts.map((chart, index) => ({
          id: `history-${index}`,
          label: chart.label ?? null,
          image: null,
          region: null,
        })),
      });
    },
    setError: (error) => set({ error }),
    async loadStored(conversationId, messageId, n) {
      const key = storedKey(messageId, n);
      if (key in get().stored || fetching.has(key)) return;
      fetching.add(key);
      try {
        const result = await host().api.chart(conversationId, messageId, n);
        const url = result.ok
          ? URL.createObjectURL(new Blob([new Uint8Array(result.value.bytes)], { type: result.value.mediaType }))
          : null;
        set({ stored: { ...get().stored, [key]: url } });
      } finally {
        fetching.delete(key);
      }
    },
    reset: () => {
      sentBefore = [];
      for (const url of Object.values(get().stored)) if (url) URL.revokeObjectURL(url);
      set(initial);
    },
  };
});
