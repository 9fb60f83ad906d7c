// The chart attached to the next question: captured and cropped, pasted or dropped, always re-encoded the
// same way. While `frame` is set the crop overlay is open on the frozen screen. Once sent, a chart becomes the
// conversation's chart: the server keeps it and shows it to the model with every follow-up, so it is not sent
// again ("same chart"); a new capture replaces it.
import { create } from 'zustand';
import { encodeChart, loadImage, wholeImage } from '../chart/encode-chart';
import { host } from '../host';
import { cropToImagePixels, type CapturedFrame, type ChartImage, type Rect, type Size } from '../shared';

interface ChartStore {
  /** A new chart, to go with the next question. */
  chart: ChartImage | null;
  /** The chart the open conversation already has on the server (shown as "same chart"). */
  sent: ChartImage | null;
  frame: CapturedFrame | null;
  busy: boolean;
  error: string | null;
  capture: () => Promise<void>;
  /** Crops the open frame to a selection drawn on its preview (CSS pixels of a preview of `preview` size). */
  cropFrame: (selection: Rect, preview: Size) => Promise<void>;
  takeWholeFrame: () => Promise<void>;
  cancelCrop: () => void;
  acceptFile: (file: Blob) => Promise<void>;
  remove: () => void;
  /** The attached chart went out with a question: it is now the conversation's chart. */
  markSent: () => void;
  /** The question was refused before it reached the server: its chart goes back to the composer. */
  unsend: () => void;
  /** Another conversation: its chart (if any) is on the server, not here. */
  forgetSent: () => void;
  dismissError: () => void;
  reset: () => void;
}

const initial = { chart: null, sent: null, frame: null, busy: false, error: null };

export const NOT_AN_IMAGE = 'That is not an image: paste or drop a PNG, JPEG or WebP chart.';
const UNREADABLE = 'That image could not be read. Try another one, or capture the chart.';

export const useChartStore = create<ChartStore>()((set, get) => {
  const encodeFrame = async (region: (frame: CapturedFrame) => Rect): Promise<void> => {
    const frame = get().frame;
    if (!frame) return;
    set({ busy: true });
    try {
      const chart = await encodeChart(await loadImage(frame.dataUrl), region(frame));
      set({ chart, frame: null, busy: false, error: null });
    } catch {
      set({ busy: false, frame: null, error: UNREADABLE });
    }
  };

  return {
    ...initial,

    async capture() {
      set({ busy: true, error: null });
      const result = await host().capture.screen();
      if (result.ok) return set({ frame: result.value, busy: false });
      // Closing the picker is a choice, not a failure worth a message.
      set({ busy: false, error: result.error.code === 'capture_cancelled' ? null : result.error.message });
    },

    cropFrame: (selection, preview) => encodeFrame((frame) => cropToImagePixels(selection, preview, frame)),
    takeWholeFrame: () => encodeFrame((frame) => wholeImage(frame)),
    cancelCrop: () => set({ frame: null }),

    async acceptFile(file) {
      if (!file.type.startsWith('image/')) return set({ error: NOT_AN_IMAGE });
      set({ busy: true, error: null });
      try {
        const bitmap = await createImageBitmap(file);
        const chart = await encodeChart(bitmap, wholeImage(bitmap));
        bitmap.close();
        set({ chart, busy: false });
      } catch {
        set({ busy: false, error: UNREADABLE });
      }
    },

    remove: () => set({ chart: null }),
    markSent: () => set((state) => ({ sent: state.chart ?? state.sent, chart: null })),
    unsend: () => set((state) => ({ chart: state.chart ?? state.sent, sent: null })),
    forgetSent: () => set({ sent: null }),
    dismissError: () => set({ error: null }),
    reset: () => set(initial),
  };
});
