// Keeps Strat Coach out of its own captures: content protection where the OS has it (macOS, Windows), and
// on Linux, where it does nothing, the coach window steps aside for a moment while a frame is taken.

/** Electron's setContentProtection works on macOS and Windows only (a no-op on Linux). */
export const hasContentProtection = (platform: string): boolean => platform === 'darwin' || platform === 'win32';

export interface ShieldedWindow {
  isVisible(): boolean;
  hide(): void;
  show(): void;
}

export interface CaptureShield {
  /** Runs `freeze` (which takes the frame) with the coach window out of the picture. */
  whileFreezing<T>(freeze: () => Promise<T>): Promise<T>;
}

export function createCaptureShield(options: {
  platform: string;
  /** The coach window, when there is one. */
  window(): ShieldedWindow | null;
  /** How long a hidden window takes to leave the screen (the compositor's next frame). */
  hideSettleMs?: number;
}): CaptureShield {
  return {
    async whileFreezing(freeze) {
      // A protected window is left out of captures by the OS: hiding it would only make it flicker.
      if (hasContentProtection(options.platform)) return freeze();
      const window = options.window();
      if (!window?.isVisible()) return freeze();
      window.hide();
      try {
        await new Promise((resolve) => setTimeout(resolve, options.hideSettleMs ?? 250));
        return await freeze();
      } finally {
        window.show();
      }
    },
  };
}
