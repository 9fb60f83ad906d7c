// When to freeze the screen so the coach window is not in the picture: the window steps aside for a moment
// while the frame is taken; a quick question's frame is taken before the window comes forward and is kept
// for the renderer's capture call that follows.
import type { CapturedFrame, HostResult } from '../shared/host-api';

export interface CaptureWindow {
  isVisible(): boolean;
  hide(): void;
  show(): void;
}

export interface CaptureFlow {
  /** The renderer's capture.screen(). */
  captureForRenderer(): Promise<HostResult<CapturedFrame>>;
  /** Tray / shortcut: freeze now; the caller then brings the window forward and tells the renderer. */
  captureForQuickQuestion(): Promise<void>;
}

export function createCaptureFlow(options: {
  capture(): Promise<HostResult<CapturedFrame>>;
  window(): CaptureWindow | null;
  /** How long a hidden window takes to leave the screen (compositor, macOS animation). */
  hideSettleMs?: number;
  /** How long a quick question's frame waits for the renderer to ask for it. */
  pendingTtlMs?: number;
  now?: () => number;
}): CaptureFlow {
  const now = options.now ?? Date.now;
  let pending: { frame: HostResult<CapturedFrame>; at: number } | null = null;

  /** Takes the frame with the coach window out of the way, and puts the window back if it was shown. */
  async function freeze(): Promise<HostResult<CapturedFrame>> {
    const window = options.window();
    if (!window?.isVisible()) return options.capture();
    window.hide();
    try {
      await new Promise((resolve) => setTimeout(resolve, options.hideSettleMs ?? 250));
      return await options.capture();
    } finally {
      window.show();
    }
  }

  return {
    async captureForRenderer() {
      const quick = pending;
      pending = null;
      if (quick && now() - quick.at <= (options.pendingTtlMs ?? 15_000)) return quick.frame;
      return freeze();
    },

    async captureForQuickQuestion() {
      pending = { frame: await freeze(), at: now() };
    },
  };
}
