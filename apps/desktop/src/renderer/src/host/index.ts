// The renderer's only door to the outside world: window.coach when the Electron preload provided it,
// else the web host (which crops in the page's own overlay). Chosen once, here; nothing else in the renderer
// knows which one it got. Electron's crop window gets window.coachCrop instead.
import type { CoachHostApi, CropHostApi } from '../shared';
import { useCropStore } from '../state/crop-store';
import { createWebHost } from './web-host';

let chosen: CoachHostApi | undefined;

export function host(): CoachHostApi {
  chosen ??= window.coach ?? createWebHost({ presentCrop: (frame) => useCropStore.getState().ask(frame) });
  return chosen;
}

/** The crop window's API (Electron's crop overlay on the chart's own screen), or null anywhere else. */
export const cropHost = (): CropHostApi | null => window.coachCrop ?? null;

/** Puts a host of the test's own in place (a scripted CoachHostApi); the app itself never calls this. */
export function setHostForTests(next: CoachHostApi | undefined): void {
  chosen = next;
}
