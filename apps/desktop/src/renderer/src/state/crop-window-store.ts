// Electron's crop window (the overlay on the chart's own screen): it fetches the frozen frame, encodes the
// region the trader confirms, and hands chart and region back to main, or says it was cancelled.
import { create } from 'zustand';
import { encodeChart, loadImage } from '../chart/encode-chart';
import { cropHost } from '../host';
import type { CropFrame, Rect } from '../shared';

interface CropWindowStore {
  frame: CropFrame | null;
  busy: boolean;
  error: string | null;
  load: () => Promise<void>;
  confirm: (rect: Rect) => Promise<void>;
  cancel: () => Promise<void>;
}

export const useCropWindowStore = create<CropWindowStore>()((set, get) => ({
  frame: null,
  busy: false,
  error: null,

  async load() {
    const crop = cropHost();
    if (!crop) return;
    try {
      set({ frame: await crop.frame() });
    } catch {
      set({ error: 'The captured screen could not be shown.' });
    }
  },

  async confirm(rect) {
    const crop = cropHost();
    const frame = get().frame;
    if (!crop || !frame || get().busy) return;
    set({ busy: true });
    try {
      const image = await encodeChart(await loadImage(frame.dataUrl), rect);
      await crop.done({ image, rect });
    } catch {
      set({ busy: false, error: 'That region could not be turned into a chart. Try again.' });
    }
  },

  async cancel() {
    await cropHost()?.cancel();
  },
}));
