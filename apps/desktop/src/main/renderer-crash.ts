// What to do when the coach window's renderer process is gone: reload the window and tell the trader, so a
// crash never leaves a blank window — unless it keeps crashing, when reloading again would only loop.
// Pure: index.ts passes Electron's `render-process-gone` reason and carries out the decision.

/** More than this many crashes within the window below: stop reloading. */
export const MAX_RELOADS = 3;
export const RELOAD_WINDOW_MS = 5 * 60_000;

export const RELOADED_NOTICE =
  'The window stopped unexpectedly and was reloaded. An answer that was streaming was stopped; your conversations are in History.';

export type CrashDecision =
  { action: 'none' } | { action: 'reload'; notice: string } | { action: 'give-up'; message: string };

export function createCrashRecovery(now: () => number = Date.now) {
  const crashes: number[] = [];
  return {
    /** Electron's `details.reason`: 'clean-exit' is a normal close, everything else a crash or a kill. */
    onGone(reason: string): CrashDecision {
      if (reason === 'clean-exit') return { action: 'none' };
      const at = now();
      crashes.push(at);
      while (crashes.length > 0 && at - crashes[0]! > RELOAD_WINDOW_MS) crashes.shift();
      if (crashes.length > MAX_RELOADS) {
        return {
          action: 'give-up',
          message: `The Strat Coach window crashed ${crashes.length} times in a few minutes (${reason}). Quit and open it again; if it keeps happening, send us your diagnostics (Help → Copy diagnostics).`,
        };
      }
      return { action: 'reload', notice: RELOADED_NOTICE };
    },
  };
}
