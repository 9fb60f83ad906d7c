// The crop overlay in the coach window itself (the web version, where the browser hands over a frame of the
// shared screen): the web host asks for a region of a frame and waits; the overlay answers with the trader's
// rectangle, or null when they cancel. (Electron crops in a window of its own on the chart's screen.)
import { create } from 'zustand';
import type { CropFrame, Rect } from '../shared';

interface CropRequest {
  frame: CropFrame;
  resolve: (rect: Rect | null) => void;
}

interface CropStore {
  request: CropRequest | null;
  /** Shows the overlay over `frame`; resolves with the chosen region in frame pixels, or null. */
  ask: (frame: CropFrame) => Promise<Rect | null>;
  confirm: (rect: Rect) => void;
  cancel: () => void;
  reset: () => void;
}

export const useCropStore = create<CropStore>()((set, get) => {
  const settle = (rect: Rect | null): void => {
    const request = get().request;
    set({ request: null });
    request?.resolve(rect);
  };
  return {
    request: null,
    ask: (frame) =>
      new Promise<Rect | null>((resolve) => {
        // A second capture replaces an abandoned one: the first resolves as cancelled.
        get().request?.resolve(null);
        set({ request: { frame, resolve } });
      }),
    confirm: (rect) => settle(rect),
    cancel: () => settle(null),
    reset: () => settle(null),
  };
});
