// The renderer's only door to the outside world: window.coach when the Electron preload provided it,
// else the web host. Chosen once, here; nothing else in the renderer knows which one it got.
import type { CoachHostApi } from '../shared';
import { createWebHost } from './web-host';

let chosen: CoachHostApi | undefined;

export function host(): CoachHostApi {
  chosen ??= window.coach ?? createWebHost();
  return chosen;
}

/** Puts a host of the test's own in place (a scripted CoachHostApi); the app itself never calls this. */
export function setHostForTests(next: CoachHostApi | undefined): void {
  chosen = next;
}
